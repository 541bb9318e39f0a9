"""How far a sheet's cells reach, read from its XML before any reader lays it out."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.inputs import filecheck
from pipeline.inputs.filecheck import sheet_extent

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(cells: str, merges: str = "", attrs: str = "") -> bytes:
    """A worksheet part as Excel writes it, with ``cells`` as its sheetData's content."""
    merged = f'<mergeCells count="1">{merges}</mergeCells>' if merges else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="{MAIN}"{attrs}>'
        f'<dimension ref="A1:B2"/><sheetData>{cells}</sheetData>{merged}'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode()


def test_the_extent_counts_cells_rows_and_merged_areas_from_a1():
    xml = sheet(
        '<row r="2" spans="1:3"><c r="C2" t="n"><v>1</v></c></row><row r="9"/>',
        '<mergeCell ref="A4:B6"/>',
    )
    assert sheet_extent(xml) == (9, 3, 6)


def test_the_dimension_element_is_not_a_merged_area():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>').replace(b'"A1:B2"', b'"A1:XFD1048576"')
    assert sheet_extent(xml) == (1, 1, 0)


FAR = "XFD1048576"


@pytest.mark.parametrize(
    "cell",
    [
        f'<c r="{FAR}"><v>1</v></c>',  # as Excel writes it
        f"<c r='{FAR}'><v>1</v></c>",  # single quotes
        f'<c\tr="{FAR}"><v>1</v></c>',  # a tab before the attribute
        f'<c\nr="{FAR}"><v>1</v></c>',  # a line break before it
        f'<c r = "{FAR}"><v>1</v></c>',  # spaces around the =
        '<c r="&#88;FD1048576"><v>1</v></c>',  # a character reference
        f'<x:c xmlns:x="{MAIN}" r="{FAR}"><x:v>1</x:v></x:c>',  # a prefixed element
        f'<c t="inlineStr" r="{FAR}"><is><t>a = b, it\'s</t></is></c>',  # text that looks like markup
    ],
    ids=["excel", "single-quotes", "tab", "line-break", "spaces-around-equals", "char-ref", "prefixed", "text"],
)
def test_a_far_cell_is_found_however_xml_allows_it_to_be_written(cell):
    assert sheet_extent(sheet(f'<row r="1"><c r="A1"><v>1</v></c>{cell}</row>')) == (1048576, 16384, 0)


@pytest.mark.parametrize("ref", ["A3:XFD1048576", "A3 : XFD1048576"])
def test_a_far_merged_area_is_found_with_or_without_the_usual_syntax(ref):
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>', f'<mergeCell ref = "{ref}"/>')
    rows, columns, merged = sheet_extent(xml)
    assert (rows, columns) == (1048576, 16384) and merged > filecheck.MAX_MERGED_CELLS


def test_a_sheet_no_parser_can_read_is_refused_not_passed_over():
    with pytest.raises(ValueError, match="XML 無法解析"):
        sheet_extent(sheet('<row r="1"><c r = "A1"><v>1</v></row>'))  # read by the parser; <c> never closed


def test_the_quick_reading_and_the_parser_agree_on_the_shipped_workbooks():
    parts = []
    for path in sorted((ROOT / "inputs").glob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            parts += [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert parts
    for xml in parts:
        quick, parsed = filecheck._references(xml), filecheck._parsed_references(xml)
        assert sorted(quick[0]) == sorted(parsed[0]) and sorted(quick[1]) == sorted(parsed[1])


letters = st.sampled_from(["A", "B", "Z", "AA", "KZ", "XFD"])
rows = st.integers(min_value=1, max_value=1048576)


@given(st.lists(st.tuples(letters, rows), min_size=1, max_size=20), st.lists(st.tuples(letters, rows), max_size=3))
def test_the_quick_reading_finds_what_the_parser_finds(cells, merges):
    body = "".join(f'<row r="{r}"><c r="{c}{r}" t="inlineStr"><is><t>&#27396; x</t></is></c></row>' for c, r in cells)
    areas = "".join(f'<mergeCell ref="A1:{c}{r}"/>' for c, r in merges)
    xml = sheet(body, areas)
    quick, parsed = filecheck._references(xml), filecheck._parsed_references(xml)
    assert sorted(quick[0]) == sorted(parsed[0]) and sorted(quick[1]) == sorted(parsed[1])
    assert sheet_extent(xml)[0] == max(r for _c, r in cells + merges)
