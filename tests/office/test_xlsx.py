"""Workbooks in Excel's element order (what the Open XML SDK validator checks)."""

from __future__ import annotations

import re
import zipfile

from lxml import etree

from pipeline.office.xlsx import EXCEL_FONT_ORDER, order_fonts, use_excel_font_order

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def font_children(xml: bytes) -> list[list[str]]:
    root = etree.fromstring(xml)
    return [[etree.QName(c).localname for c in font] for font in root.iter(f"{{{MAIN}}}font")]


def in_schema_order(children: list[str]) -> bool:
    ranks = [EXCEL_FONT_ORDER.index(c) for c in children]
    return ranks == sorted(ranks)


def test_openpyxl_writes_fonts_in_the_schemas_order(tmp_path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    use_excel_font_order()
    book = Workbook()
    book.active["A1"] = "標題"
    book.active["A1"].font = Font(name="標楷體", bold=True, size=12, color="FFFF0000")
    book.save(tmp_path / "book.xlsx")
    with zipfile.ZipFile(tmp_path / "book.xlsx") as archive:
        fonts = font_children(archive.read("xl/styles.xml"))
    assert ["b", "sz", "color", "name"] in fonts
    assert all(in_schema_order(f) for f in fonts)


def test_a_styles_part_in_openpyxls_order_is_put_right():
    xml = (
        f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><name val="Calibri"/><family val="2"/>'
        '<color theme="1"/><sz val="11"/><scheme val="minor"/></font></fonts></styleSheet>'
    ).encode()
    root = etree.fromstring(xml)
    order_fonts(root)
    assert font_children(etree.tostring(root)) == [["sz", "color", "name", "family", "scheme"]]
    assert re.search(rb'<sz val="11"/>', etree.tostring(root))
