"""Small python-docx/lxml helpers shared by the renderer and the template maker."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table, _Cell

SYMBOL_FONT = "Segoe UI Symbol"  # has ☑ ☐ ■ □; 標楷體 does not
EAST_ASIA_FONT = "標楷體"
LATIN_FONT = "Times New Roman"


def set_run_fonts(rpr, east_asia: str, latin: str) -> None:
    """Set explicit fonts on an ``w:rPr`` (dropping theme fonts, which would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    if east_asia == latin:
        fonts.set(qn("w:hint"), "eastAsia")


def caption_of(tbl) -> str | None:
    """The id a ``w:tbl`` element carries in its Alt Text title (``w:tblCaption``)."""
    tbl_pr = tbl.find(qn("w:tblPr"))
    caption = None if tbl_pr is None else tbl_pr.find(qn("w:tblCaption"))
    return None if caption is None else caption.get(qn("w:val"))


def table_caption(table: Table) -> str | None:
    """The table's id, kept in its Alt Text title."""
    return caption_of(table._tbl)


def _set_table_property(table: Table, tag: str, value: str) -> None:
    tbl_pr = table._tbl.tblPr
    element = tbl_pr.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        tbl_pr.append(element)  # w:tblCaption, then w:tblDescription: the last two of w:tblPr
    element.set(qn("w:val"), value)


def set_table_caption(table: Table, caption: str) -> None:
    """Name a table by its Alt Text title, so that code can find it again."""
    _set_table_property(table, "w:tblCaption", caption)


def set_table_description(table: Table, text: str) -> None:
    """Keep a note in the table's Alt Text description (after its title)."""
    _set_table_property(table, "w:tblDescription", text)


def mark_header_row(row) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:tblHeader")) is None:
        tr_pr.append(OxmlElement("w:tblHeader"))


def set_vmerge(cell: _Cell, restart: bool) -> None:
    """Mark a cell as the start (restart) or a continuation of a vertical merge."""
    tc_pr = cell._tc.get_or_add_tcPr()
    vmerge = tc_pr.find(qn("w:vMerge"))
    if vmerge is None:
        vmerge = OxmlElement("w:vMerge")
        # w:vMerge comes after w:gridSpan/w:hMerge and before w:tcBorders etc.
        anchor = None
        for tag in ("w:tcW", "w:gridSpan", "w:hMerge"):
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


def clear_cell(cell: _Cell) -> None:
    """Leave a cell with one empty paragraph (keeping that paragraph's style)."""
    paragraphs = cell._tc.findall(qn("w:p"))
    for child in list(cell._tc):
        if child.tag != qn("w:tcPr") and child is not (paragraphs[0] if paragraphs else None):
            cell._tc.remove(child)
    if paragraphs:
        for child in list(paragraphs[0]):
            if child.tag != qn("w:pPr"):
                paragraphs[0].remove(child)
    else:
        cell._tc.append(OxmlElement("w:p"))


def physical_cells(row) -> list:
    """The ``w:tc`` elements of a row, in order (a spanned cell once)."""
    return row._tr.findall(qn("w:tc"))
