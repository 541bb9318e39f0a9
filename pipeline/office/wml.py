"""WordprocessingML helpers on lxml elements, shared by the renderer, the reader of
reports (pull, diff, extract), the redline and the template maker.

They take the elements themselves (``w:tbl``, ``w:tr``, ``w:tc``, ``w:rPr``), so they
work the same on a tree python-docx parsed and on one the renderer parsed.  The
schema's order of children is declared once (:data:`CHILD_ORDER`, as python-docx's
``_tag_seq``): :func:`insert_child` puts a new child where Word expects it, so no
code keeps its own "insert after these" list.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from lxml import etree

from pipeline.office.opc import Element, Order, Ranks, element, insert_ranked, ranks_of
from pipeline.office.opc import qn as _qn

# The typesetter asks for the same few Clark names thousands of times a build: each is
# worked out once.
qn = cache(_qn)

SYMBOL_FONT = "Segoe UI Symbol"  # has ☑ ☐ ■ □; 標楷體 does not
EAST_ASIA_FONT = "標楷體"
LATIN_FONT = "Times New Roman"

# A table wider than this is not a table a person wrote (Word stops at 63 columns).
MAX_GRID_COLUMNS = 1024

_RPR_BASE = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip

# Each element's children in schema order (ECMA-376 Part 1, §17): a tuple is a choice
# whose members may come in any order; "*" stands for every child not named (content).
CHILD_ORDER: dict[str, Order] = {
    "w:tbl": ("w:tblPr", "w:tblGrid", "*"),
    "w:tblPr": (
        "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
        "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
        "w:tblPrChange",
    ),
    "w:tblCellMar": ("w:top", ("w:start", "w:left"), "w:bottom", ("w:end", "w:right")),
    "w:tr": ("w:tblPrEx", "w:trPr", "*"),
    "w:trPr": (
        (
            "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
            "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
        ),
        "w:ins", "w:del", "w:trPrChange",
    ),
    "w:tc": ("w:tcPr", "*"),
    "w:tcPr": (
        "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
        "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
        "w:headers", ("w:cellIns", "w:cellDel", "w:cellMerge"), "w:tcPrChange",
    ),
    "w:p": ("w:pPr", "*"),
    "w:pPr": (
        "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
        "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
        "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
        "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
        "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
        "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
        "w:sectPr", "w:pPrChange",
    ),
    "w:r": ("w:rPr", "*"),
    "w:rPr": (*_RPR_BASE, "w:rPrChange"),
    # The paragraph mark's properties (w:pPr/w:rPr) start with its tracked changes.
    "w:pPr/w:rPr": ("w:ins", "w:del", "w:moveFrom", "w:moveTo", *_RPR_BASE, "w:rPrChange"),
    "w:sectPr": (
        ("w:headerReference", "w:footerReference"), "w:footnotePr", "w:endnotePr", "w:type",
        "w:pgSz", "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols",
        "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi",
        "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange",
    ),
}  # fmt: skip

_BY_TAG = {qn(tag): ranks_of(order) for tag, order in CHILD_ORDER.items() if "/" not in tag}
_PARAGRAPH_MARK = ranks_of(CHILD_ORDER["w:pPr/w:rPr"])
_RPR, _PPR = qn("w:rPr"), qn("w:pPr")


def first_child(parent: Element, tag: str) -> Element | None:
    """The first ``tag`` child of ``parent`` (None if it has none).

    The typesetter asks this thousands of times a build, nearly always for a properties
    element (the first child) or one of a properties element's few children: a plain loop
    over the children is about twice as fast as ``iterchildren`` with a tag, and four
    times as fast as ``find`` (which parses its argument as a path each time)."""
    clark = qn(tag)
    for child in parent:
        if child.tag == clark:
            return child
    return None


def _order_of(parent: Element) -> Ranks:
    if parent.tag == _RPR:
        above = parent.getparent()
        if above is not None and above.tag == _PPR:
            return _PARAGRAPH_MARK
    order = _BY_TAG.get(parent.tag)
    if order is None:
        raise KeyError(f"no child order declared for {parent.tag}")
    return order


def insert_child(parent: Element, tag: str, attrs: dict[str, str] | None = None) -> Element:
    """A new ``tag`` child of ``parent``, placed where the schema's sequence puts it."""
    return place_child(parent, element(tag, attrs))


def place_child(parent: Element, new: Element) -> Element:
    """Put an element made elsewhere among ``parent``'s children in schema order."""
    return insert_ranked(parent, new, _order_of(parent))


def ensure_child(parent: Element, tag: str) -> Element:
    """The first ``tag`` child of ``parent``; added in schema order when there is none."""
    found = first_child(parent, tag)
    return found if found is not None else insert_ranked(parent, etree.Element(qn(tag)), _order_of(parent))


# -- runs and fonts ----------------------------------------------------------------------------


def set_run_fonts(rpr: Element, east_asia: str, latin: str) -> None:
    """Set explicit fonts on an ``w:rPr`` (dropping theme fonts, which would win)."""
    fonts = ensure_child(rpr, "w:rFonts")
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # type: ignore[call-overload]  # lxml-stubs: lxml takes any default
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    if east_asia == latin:
        fonts.set(qn("w:hint"), "eastAsia")


# -- tables ------------------------------------------------------------------------------------


def _table_property(tbl: Element, tag: str) -> str | None:
    tbl_pr = tbl.find(qn("w:tblPr"))
    found = None if tbl_pr is None else tbl_pr.find(qn(tag))
    return None if found is None else found.get(qn("w:val"))


def caption_of(tbl: Element) -> str | None:
    """The id a ``w:tbl`` element carries in its Alt Text title (``w:tblCaption``)."""
    return _table_property(tbl, "w:tblCaption")


def description_of(tbl: Element) -> str | None:
    """The note a ``w:tbl`` carries in its Alt Text description (``w:tblDescription``)."""
    return _table_property(tbl, "w:tblDescription")


def set_table_caption(tbl: Element, caption: str) -> None:
    """Name a ``w:tbl`` by its Alt Text title, so that code can find it again."""
    ensure_child(ensure_child(tbl, "w:tblPr"), "w:tblCaption").set(qn("w:val"), caption)


def set_table_description(tbl: Element, text: str) -> None:
    """Keep a note in the table's Alt Text description (after its title)."""
    ensure_child(ensure_child(tbl, "w:tblPr"), "w:tblDescription").set(qn("w:val"), text)


def grid_columns(tbl: Element) -> int:
    """How many columns the table's grid declares (``w:tblGrid/w:gridCol``)."""
    return len(tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}"))


def mark_header_row(tr: Element) -> None:
    """Repeat this ``w:tr`` at the top of every page the table runs onto."""
    ensure_child(ensure_child(tr, "w:trPr"), "w:tblHeader")


def is_header_row(tr: Element) -> bool:
    """Whether a ``w:tr`` repeats as a header row (``w:tblHeader`` not switched off)."""
    flag = tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}")
    return flag is not None and flag.get(qn("w:val"), "true") not in ("0", "false", "off")


def physical_cells(tr: Element) -> list[Element]:
    """The ``w:tc`` elements of a ``w:tr``, in order (a spanned cell once)."""
    return tr.findall(qn("w:tc"))


def tc_properties(tc: Element) -> Element:
    """The cell's ``w:tcPr``, added if missing."""
    return ensure_child(tc, "w:tcPr")


def grid_span(tc: Element, limit: int = MAX_GRID_COLUMNS) -> int:
    """How many grid columns a ``w:tc`` covers: 1 unless it says a whole number, and never
    more than ``limit`` (the columns left in its table's grid), whatever the file says."""
    return span_in(first_child(tc, "w:tcPr"), limit)


def span_in(tc_pr: Element | None, limit: int = MAX_GRID_COLUMNS) -> int:
    """:func:`grid_span` of a cell whose ``w:tcPr`` (or None) is at hand."""
    return span_value(None if tc_pr is None else first_child(tc_pr, "w:gridSpan"), limit)


def span_value(grid_span: Element | None, limit: int = MAX_GRID_COLUMNS) -> int:
    """The columns a ``w:gridSpan`` element (or None: 1) says, bounded as :func:`grid_span`."""
    value = "" if grid_span is None else grid_span.get(qn("w:val"), "").strip()
    if not (value.isascii() and value.isdigit()):
        return 1
    wanted = int(value) if len(value) <= 9 else limit  # int() of a thousand digits is slow
    return max(1, min(wanted, limit))


def merge_in(tc_pr: Element | None, tag: str = "w:vMerge") -> str | None:
    """:func:`vmerge` (or, with ``w:hMerge``, :func:`hmerge`) of a cell whose ``w:tcPr``
    (or None) is at hand."""
    return merge_value(None if tc_pr is None else first_child(tc_pr, tag))


def merge_value(merge: Element | None) -> str | None:
    """A cell's part in a merge from its ``w:vMerge`` (or ``w:hMerge``) element, or None."""
    if merge is None:
        return None
    return "restart" if merge.get(qn("w:val")) == "restart" else "continue"  # ST_Merge's default


def _merge_state(tc: Element, tag: str) -> str | None:
    return merge_in(first_child(tc, "w:tcPr"), tag)


def vmerge(tc: Element) -> str | None:
    """A cell's part in a vertical merge: "restart" (its top), "continue" (a cell under it)
    or None."""
    return _merge_state(tc, "w:vMerge")


def hmerge(tc: Element) -> str | None:
    """The same for the legacy horizontal merge (``w:hMerge``, from old Word files)."""
    return _merge_state(tc, "w:hMerge")


def set_vmerge(tc: Element, restart: bool) -> None:
    """Mark a ``w:tc`` as the start (restart) or a continuation of a vertical merge."""
    merge = ensure_child(tc_properties(tc), "w:vMerge")
    if restart:
        merge.set(qn("w:val"), "restart")
    else:
        merge.attrib.pop(qn("w:val"), None)  # type: ignore[call-overload]  # lxml-stubs: lxml takes any default


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


# -- text ----------------------------------------------------------------------------------------


def text_of(node: Element) -> str:
    """The text of the ``w:t`` elements under ``node``."""
    return "".join(t.text or "" for t in node.iter(qn("w:t")))


# What a reader of the paragraph does not see as its text: properties, deleted and moved-away
# runs, field codes, the fallback copy of alternate content, text boxes and objects (as the
# .odt reader skips frames), comments' and notes' marks.
_NOT_TEXT = frozenset(
    qn(tag)
    for tag in (
        "w:pPr", "w:rPr", "w:del", "w:moveFrom", "w:instrText", "w:delInstrText", "mc:Fallback",
        "w:txbxContent", "w:drawing", "w:pict", "w:object", "w:footnoteReference",
        "w:endnoteReference", "w:commentReference", "w:fldData",
    )
)  # fmt: skip
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_HYPHEN, _W_NO_BREAK_HYPHEN = qn("w:softHyphen"), qn("w:noBreakHyphen")


def text_atoms(node: Element) -> Iterator[tuple[Element, str]]:
    """The pieces of a paragraph's text in order: each ``w:t`` with its text, each tab as
    "\\t", each line break as "\\n" (a page or column break is no text)."""
    for child in node:
        tag = child.tag
        if not isinstance(tag, str) or tag in _NOT_TEXT:
            continue
        if tag == _W_T:
            if child.text:
                yield child, child.text
        elif tag == _W_TAB:
            yield child, "\t"
        elif tag == _W_BR:
            if child.get(qn("w:type"), "textWrapping") == "textWrapping":
                yield child, "\n"
        elif tag == _W_CR:
            yield child, "\n"
        elif tag == _W_NO_BREAK_HYPHEN:
            yield child, "-"
        elif tag != _W_HYPHEN:
            yield from text_atoms(child)


def paragraph_text(p: Element) -> str:
    """The text of one ``w:p`` as a reader sees it (tabs as "\\t", line breaks as "\\n")."""
    return "".join(text for _node, text in text_atoms(p))


def content_children(parent: Element, tag: str) -> Iterator[Element]:
    """``parent``'s ``tag`` children in order, also those wrapped in content controls
    (``w:sdt``) or custom XML."""
    for child in parent:
        if child.tag == qn(tag):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:customXml")):
            content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
            if content is not None:
                yield from content_children(content, tag)


def cell_paragraphs(tc: Element) -> list[Element]:
    """A cell's own paragraphs (also those in content controls), not those of a table in it."""
    return list(content_children(tc, "w:p"))


def cell_text(tc: Element) -> str:
    """A cell's own paragraphs' text, one per line."""
    return "\n".join(paragraph_text(p) for p in cell_paragraphs(tc))
