"""Small WordprocessingML helpers on lxml elements, shared by the renderer, the reader
of reports (pull, diff) and the template maker.

They take the elements themselves (``w:tbl``, ``w:tr``, ``w:tc``, ``w:rPr``), so they
work the same on a tree python-docx parsed and on one the renderer parsed.
"""

from __future__ import annotations

from pipeline.office.opc import Element, element, qn

SYMBOL_FONT = "Segoe UI Symbol"  # has ☑ ☐ ■ □; 標楷體 does not
EAST_ASIA_FONT = "標楷體"
LATIN_FONT = "Times New Roman"

# w:tcPr children that come before w:vMerge (ECMA-376 CT_TcPr order).
_BEFORE_VMERGE = ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge")


def set_run_fonts(rpr: Element, east_asia: str, latin: str) -> None:
    """Set explicit fonts on an ``w:rPr`` (dropping theme fonts, which would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = element("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    if east_asia == latin:
        fonts.set(qn("w:hint"), "eastAsia")


def caption_of(tbl: Element) -> str | None:
    """The id a ``w:tbl`` element carries in its Alt Text title (``w:tblCaption``)."""
    tbl_pr = tbl.find(qn("w:tblPr"))
    caption = None if tbl_pr is None else tbl_pr.find(qn("w:tblCaption"))
    return None if caption is None else caption.get(qn("w:val"))


def child(parent: Element, tag: str, index: int | None = None) -> Element:
    """The first ``tag`` child of ``parent``, added (at ``index``, else last) if missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = element(tag)
        if index is None:
            parent.append(found)
        else:
            parent.insert(index, found)
    return found


def _set_table_property(tbl: Element, tag: str, value: str) -> None:
    # w:tblCaption, then w:tblDescription: the last two children of w:tblPr.
    child(child(tbl, "w:tblPr", 0), tag).set(qn("w:val"), value)


def set_table_caption(tbl: Element, caption: str) -> None:
    """Name a ``w:tbl`` by its Alt Text title, so that code can find it again."""
    _set_table_property(tbl, "w:tblCaption", caption)


def set_table_description(tbl: Element, text: str) -> None:
    """Keep a note in the table's Alt Text description (after its title)."""
    _set_table_property(tbl, "w:tblDescription", text)


def mark_header_row(tr: Element) -> None:
    """Repeat this ``w:tr`` at the top of every page the table runs onto."""
    tr_pr = tr.find(qn("w:trPr"))
    if tr_pr is None:
        tr_pr = element("w:trPr")
        # w:trPr follows w:tblPrEx, if any, and precedes the cells.
        tr.insert(1 if len(tr) and tr[0].tag == qn("w:tblPrEx") else 0, tr_pr)
    if tr_pr.find(qn("w:tblHeader")) is None:
        tr_pr.append(element("w:tblHeader"))


def tc_properties(tc: Element) -> Element:
    """The cell's ``w:tcPr`` (its first child), added if missing."""
    return child(tc, "w:tcPr", 0)


def set_vmerge(tc: Element, restart: bool) -> None:
    """Mark a ``w:tc`` as the start (restart) or a continuation of a vertical merge."""
    tc_pr = tc_properties(tc)
    vmerge = tc_pr.find(qn("w:vMerge"))
    if vmerge is None:
        vmerge = element("w:vMerge")
        anchor = None
        for tag in _BEFORE_VMERGE:
            found = tc_pr.find(qn(tag))
            if found is not None:
                anchor = found
        if anchor is None:
            tc_pr.insert(0, vmerge)
        else:
            anchor.addnext(vmerge)
    if restart:
        vmerge.set(qn("w:val"), "restart")
    else:
        vmerge.attrib.pop(qn("w:val"), None)


def clear_cell(tc: Element) -> None:
    """Leave a ``w:tc`` with one empty paragraph (keeping that paragraph's style)."""
    paragraphs = tc.findall(qn("w:p"))
    first = paragraphs[0] if paragraphs else None
    for node in list(tc):
        if node.tag != qn("w:tcPr") and node is not first:
            tc.remove(node)
    if first is None:
        tc.append(element("w:p"))
    else:
        for node in list(first):
            if node.tag != qn("w:pPr"):
                first.remove(node)


def physical_cells(tr: Element) -> list[Element]:
    """The ``w:tc`` elements of a ``w:tr``, in order (a spanned cell once)."""
    return tr.findall(qn("w:tc"))


def grid_span(tc: Element) -> int:
    """How many grid columns a ``w:tc`` covers."""
    tc_pr = tc.find(qn("w:tcPr"))
    span = None if tc_pr is None else tc_pr.find(qn("w:gridSpan"))
    value = None if span is None else span.get(qn("w:val"), "")
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


def text_of(node: Element) -> str:
    """The text of the ``w:t`` elements under ``node``."""
    return "".join(t.text or "" for t in node.iter(qn("w:t")))
