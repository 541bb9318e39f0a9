"""Workbooks as Excel writes them.

openpyxl writes a font's child elements in its own order (name, family, color, sz …);
SpreadsheetML's schema (CT_Font) wants Excel's (b, i, strike, condense, extend, outline,
shadow, u, vertAlign, sz, color, name, family, charset, scheme).  Excel opens either, but
Microsoft's Open XML SDK validator reports every workbook openpyxl saved.  openpyxl reads
children by tag whatever their order, so only writing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from pipeline.office.opc import Element

EXCEL_FONT_ORDER = (
    "b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name",
    "family", "charset", "scheme",
)  # fmt: skip


def use_excel_font_order() -> None:
    """Make openpyxl write fonts in the schema's order (call before saving a workbook)."""
    from openpyxl.styles.fonts import Font

    if tuple(Font.__elements__) != EXCEL_FONT_ORDER:
        if set(Font.__elements__) != set(EXCEL_FONT_ORDER):  # a new openpyxl: look again
            raise RuntimeError(f"openpyxl's Font elements changed: {Font.__elements__}")
        Font.__elements__ = EXCEL_FONT_ORDER


def first_worksheet(book: Workbook) -> Worksheet:
    """The worksheet a new ``Workbook()`` starts with (openpyxl's ``book.active`` may also be
    a chartsheet or nothing, for a workbook that was read)."""
    from openpyxl.worksheet.worksheet import Worksheet

    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError(f"the workbook's first sheet is not a worksheet: {sheet!r}")
    return sheet


def order_fonts(styles: Element) -> None:
    """Put each ``<font>``'s children of a styles part (an lxml root) in the schema's order:
    a workbook another program wrote in openpyxl's order comes out valid."""
    rank = {name: i for i, name in enumerate(EXCEL_FONT_ORDER)}
    fonts = styles.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}fonts")
    for font in [] if fonts is None else list(fonts):
        children = sorted(font, key=lambda node: rank.get(_local(node.tag), len(rank)))
        for node in children:
            font.append(node)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
