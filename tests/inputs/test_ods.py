"""Section workbooks saved as OpenDocument spreadsheets (.ods) read as their .xlsx do."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

import pytest

from pipeline import build
from pipeline.errors import InputError
from pipeline.inputs.ods import ods_layout
from pipeline.inputs.read import read_inputs
from pipeline.inputs.sheets import open_book
from pipeline.review.extract import read_paragraphs
from pipeline.submit.libreoffice import Job, Office
from pipeline.submit.odf import report_shape
from tests.conftest import SAMPLE_INPUTS, needs_soffice
from tests.support.office_files import ods_file

CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" office:version="1.3">
<office:automatic-styles>
 <number:percentage-style style:name="P2"><number:number number:decimal-places="2" number:min-decimal-places="2"
  number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
 <number:number-style style:name="N3"><number:number number:decimal-places="0" number:min-decimal-places="0"
  number:min-integer-digits="1" number:grouping="true"/></number:number-style>
 <style:style style:name="pct" style:family="table-cell" style:data-style-name="P2"/>
 <style:style style:name="child" style:family="table-cell" style:parent-style-name="pct"/>
 <style:style style:name="money" style:family="table-cell" style:data-style-name="N3"/>
</office:automatic-styles>
<office:body><office:spreadsheet><table:table table:name="表一">
 <table:table-column table:number-columns-repeated="2"/>
 <table:table-column table:default-cell-style-name="money" table:number-columns-repeated="16382"/>
 <table:table-row>
  <table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="2" office:value-type="string">
   <text:p>合併</text:p></table:table-cell>
  <table:covered-table-cell/>
  <table:table-cell office:value-type="float" office:value="1234567"><text:p>1,234,567</text:p></table:table-cell>
  <table:table-cell table:number-columns-repeated="16381"/>
 </table:table-row>
 <table:table-row><table:covered-table-cell table:number-columns-repeated="2"/>
  <table:table-cell table:style-name="child" office:value-type="percentage" office:value="0.2153">
  <text:p>21.53%</text:p></table:table-cell></table:table-row>
 <table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/>
 </table:table-row>
 <table:table-row><table:table-cell table:style-name="pct" office:value-type="percentage" office:value="1">
  <text:p>100.00%</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""


def test_merges_and_number_formats_without_expanding_repeated_rows(tmp_path):
    started = time.monotonic()
    [(name, layout)] = ods_layout(ods_file(tmp_path / "a.ods", CONTENT)).items()
    assert time.monotonic() - started < 2  # 1,048,000 repeated rows counted, not expanded
    assert name == "表一"
    assert layout.merges == [(1, 1, 2, 2)]
    # The column's default style, a parent style's data style, and a row after the repeated ones.
    assert layout.formats == {(1, 3): "#,##0", (2, 3): "0.00%", (1048003, 1): "0.00%"}


def test_a_password_protected_or_wrong_odf_file_is_a_clear_message(tmp_path):
    locked = ods_file(tmp_path / "02_性別平等專案小組.ods", CONTENT, manifest_extra="<manifest:encryption-data/>")
    with pytest.raises(InputError) as err:
        open_book(locked)
    assert locked.name in str(err.value) and "密碼" in str(err.value)
    text = tmp_path / "03_性別意識培力.ods"
    with zipfile.ZipFile(text, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(InputError) as err:
        open_book(text)
    assert text.name in str(err.value) and "不是試算表" in str(err.value)


@pytest.fixture(scope="module")
def ods_inputs(tmp_path_factory) -> Path:
    """The sample inputs as LibreOffice saves them in .ods (annexes as they are)."""
    folder = tmp_path_factory.mktemp("ods") / "inputs"
    shutil.copytree(SAMPLE_INPUTS / "attachments", folder / "attachments")
    books = sorted(SAMPLE_INPUTS.glob("*.xlsx"))
    with Office() as office:
        results = office.convert_all([Job(p, (("ods", folder / f"{p.stem}.ods"),)) for p in books])
    assert results == [None] * len(books)
    return folder


@needs_soffice
def test_every_sample_sheet_reads_the_same_from_ods(ods_inputs):
    for xlsx in sorted(SAMPLE_INPUTS.glob("*.xlsx")):
        want, got = open_book(xlsx), open_book(ods_inputs / f"{xlsx.stem}.ods")
        assert [g.title for g in got.grids] == [g.title for g in want.grids]
        for a, b in zip(want.grids, got.grids, strict=True):
            assert b.rows() == a.rows(), (xlsx.name, a.title)  # values, dates, line breaks in cells
            assert sorted(b.merges) == sorted(a.merges), (xlsx.name, a.title)
            shown = {k: v for k, v in a.formats.items() if a.value(*k) is not None}
            assert {k: v for k, v in b.formats.items() if k in shown} == shown, (xlsx.name, a.title)


@needs_soffice
def test_the_sample_as_ods_builds_the_same_report(ods_inputs, sample_report, tmp_path):
    result = build(ods_inputs, tmp_path / "out")
    assert report_shape(result.output).tables == report_shape(sample_report).tables
    assert read_paragraphs(result.output) == read_paragraphs(sample_report)
    [warning] = result.findings  # the sample's one slip, now named in the .ods it is in
    assert warning.rule == "names.spelled-two-ways" and warning.source.workbook == "06_性別影響評估.ods"
    assert sorted(p.name for p in result.inputs_read) == sorted(p.name for p in ods_inputs.glob("*.ods"))


@needs_soffice
def test_an_ods_beside_its_xlsx_is_an_error_naming_both(ods_inputs, form, tmp_path):
    folder = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, folder)
    shutil.copyfile(ods_inputs / "07_性別預算.ods", folder / "07_性別預算.ods")
    _, findings = read_inputs(folder, form)
    [both] = [f for f in findings if f.rule == "input.duplicate-workbook"]
    assert both.severity.value == "error"
    assert "07_性別預算.xlsx" in both.message and "07_性別預算.ods" in both.message


def test_a_stray_value_far_away_is_refused_before_the_sheet_is_laid_out(tmp_path):
    far = CONTENT.replace(
        '<table:table-row><table:table-cell table:style-name="pct"',
        '<table:table-row><table:table-cell table:number-columns-repeated="90"/>'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell table:style-name="pct"',
    )
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        open_book(ods_file(tmp_path / "03_性別意識培力.ods", far))
    assert time.monotonic() - started < 5  # refused from the XML, not after laying out 94 million cells
    message = str(err.value)
    assert "03_性別意識培力.ods" in message and "工作表「表一」" in message and "CM1048003" in message
