"""SpreadsheetML helpers: A1 references and the number formats a workbook shows."""

from __future__ import annotations

import pytest
from lxml import etree
from openpyxl import Workbook

from pipeline.office.opc import NS
from pipeline.office.sml import (
    MAX_COLUMN,
    cell_ref,
    column_index,
    column_letter,
    insert_worksheet_child,
    number_formats,
    parse_cell,
    parse_range,
    range_ref,
)


@pytest.mark.parametrize("index,letters", [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")])
def test_column_letters_and_indexes(index, letters):
    assert column_letter(index) == letters and column_index(letters) == index
    assert column_index(letters.lower()) == index


def test_every_column_round_trips():
    assert all(column_index(column_letter(n)) == n for n in range(1, MAX_COLUMN + 1))


@pytest.mark.parametrize("bad", ["", "1", "A-", "Ａ", "A1"])
def test_what_is_not_a_column_is_an_error(bad):
    with pytest.raises(ValueError):
        column_index(bad)
    with pytest.raises(ValueError):
        column_letter(0)


@pytest.mark.parametrize(
    "ref,cell",
    [("B12", (12, 2)), ("$B$12", (12, 2)), ("xfd1048576", (1048576, 16384)), ("XFD1048577", None),
     ("XFE1", None), ("A0", None), ("B", None), (None, None), ("B12:C3", None)],
)  # fmt: skip
def test_cell_references(ref, cell):
    assert parse_cell(ref) == cell
    if cell:
        assert parse_cell(cell_ref(*cell)) == cell


def test_ranges_put_their_corners_in_order():
    assert parse_range("A1:C3") == (1, 1, 3, 3)
    assert parse_range("C3:A1") == (1, 1, 3, 3)
    assert parse_range("B2") == (2, 2, 2, 2)
    assert parse_range("A1:") is None and parse_range("A1:ZZZZ9") is None
    assert range_ref(1, 1, 3, 3) == "A1:C3"


def test_a_worksheet_child_goes_where_the_schema_puts_it():
    main = NS["x"]
    sheet = etree.fromstring(f'<worksheet xmlns="{main}"><sheetData/><pageMargins/><tableParts/></worksheet>')
    insert_worksheet_child(sheet, etree.Element(f"{{{main}}}legacyDrawing"))
    insert_worksheet_child(sheet, etree.Element(f"{{{main}}}mergeCells"))
    assert [etree.QName(c).localname for c in sheet] == [
        "sheetData", "mergeCells", "pageMargins", "legacyDrawing", "tableParts",
    ]  # fmt: skip


def test_number_formats_are_read_per_sheet_and_cell(tmp_path):
    book = Workbook()
    first = book.active
    first.title = "第一頁"
    first["A1"], first["B2"], first["C3"] = "標題", 0.215, 30000
    first["B2"].number_format = "0.0%"
    first["C3"].number_format = "#,##0"
    second = book.create_sheet("第二 & 頁")
    second["D4"] = 45000
    second["D4"].number_format = "yyyy/m/d"
    path = tmp_path / "formats.xlsx"
    book.save(path)
    assert number_formats(path) == {
        "第一頁": {(2, 2): "0.0%", (3, 3): "#,##0"},
        "第二 & 頁": {(4, 4): "yyyy/m/d"},
    }
    assert number_formats(path, ["第二 & 頁"]) == {"第二 & 頁": {(4, 4): "yyyy/m/d"}}  # only the sheets asked for
