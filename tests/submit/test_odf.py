"""The .odt read back and compared with the .docx it was made from."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from docx import Document

from pipeline.submit.libreoffice import Job, Office
from pipeline.submit.odf import Cell, differences, docx_shape, odt_shape
from tests.conftest import needs_soffice


@pytest.fixture(scope="module")
def converted(sample_report, tmp_path_factory) -> Path:
    """The sample report (with its one warning as a comment) as LibreOffice makes it an .odt."""
    odt = tmp_path_factory.mktemp("odf") / "report.odt"
    with Office() as office:
        (error,) = office.convert_all([Job(sample_report, (("odt", odt),))])
    assert error is None
    return odt


def edited(source: Path, target: Path, edit) -> Path:
    """A copy of ``source`` with its content.xml passed through ``edit`` (text → text)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "content.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            new.writestr(info, data)
    return target


@needs_soffice
def test_the_sample_as_odt_has_the_same_tables_ticks_and_comments(sample_report, converted):
    assert differences(sample_report, converted) == []
    want, got = docx_shape(sample_report), odt_shape(converted)
    assert len(got.tables) == len(want.tables) == 25
    assert got.ticks == want.ticks and sum(got.ticks.values()) > 40
    assert got.comments == want.comments and len(got.comments) == 1
    assert any(cell.rows > 1 for table in got.tables for row in table for cell in row)  # merges came through


@needs_soffice
def test_a_changed_cell_is_named(sample_report, converted, tmp_path):
    odt = edited(converted, tmp_path / "x.odt", lambda xml: xml.replace("陳艾懃", "陳艾勤"))
    found = differences(sample_report, odt)
    assert found and all("文字不同" in d and "陳艾懃" in d and "陳艾勤" in d for d in found)


@needs_soffice
def test_a_lost_comment_is_named(sample_report, converted, tmp_path):
    odt = edited(
        converted,
        tmp_path / "x.odt",
        lambda xml: re.sub(r"<office:annotation .*?</office:annotation>", "", xml, count=1, flags=re.S),
    )
    assert any("註解" in d and "少了 1 則" in d for d in differences(sample_report, odt))


@needs_soffice
def test_a_lost_merge_is_named(sample_report, converted, tmp_path):
    odt = edited(converted, tmp_path / "x.odt", lambda xml: xml.replace('table:number-rows-spanned="', 'table:x="', 1))
    assert any("合併範圍不同" in d for d in differences(sample_report, odt))


def test_docx_merges_read_as_areas(tmp_path):
    document = Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "甲"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "乙"
    table.cell(2, 2).text = "☑ 是"
    path = tmp_path / "t.docx"
    document.save(path)
    shape = docx_shape(path)
    [rows] = shape.tables
    assert rows[0] == [Cell("甲", 2, 1), Cell("乙", 1, 2)]
    assert rows[1] == [Cell("", 1, 1), Cell("", 1, 1)]
    assert rows[2] == [Cell(""), Cell(""), Cell("☑ 是")]
    assert shape.ticks["☑"] == 1
