"""The .odt read back and compared with the .docx it was made from."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from docx import Document

from pipeline.submit.libreoffice import Job, Office
from pipeline.submit.odf import differences, report_shape
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
    want, got = report_shape(sample_report), report_shape(converted)
    assert len(got.tables) == len(want.tables) == 25
    assert got.ticks == want.ticks and sum(got.ticks.values()) > 20
    assert got.comments == want.comments and len(got.comments) == 1
    assert got.comments[0][0] is not None and "陳艾勳" in got.comments[0][1]  # in its table cell
    assert sum(len(merges) for _grid, merges in got.tables) > 5  # merges came through


@needs_soffice
def test_a_changed_cell_is_named(sample_report, converted, tmp_path):
    odt = edited(converted, tmp_path / "x.odt", lambda xml: xml.replace("陳艾懃", "陳艾勤"))
    cells = [d for d in differences(sample_report, odt) if "文字不同" in d]
    assert len(cells) == 2 and all("陳艾懃」→「" in d and "陳艾勤" in d for d in cells)  # the two cells


@needs_soffice
def test_a_lost_comment_is_named(sample_report, converted, tmp_path):
    odt = edited(
        converted,
        tmp_path / "x.odt",
        lambda xml: re.sub(r"<office:annotation .*?</office:annotation>", "", xml, count=1, flags=re.S),
    )
    assert any("註解" in d and "少了或移動了 1 則" in d for d in differences(sample_report, odt))


@needs_soffice
def test_a_lost_merge_is_named(sample_report, converted, tmp_path):
    # The first cell a vertical merge covers becomes a cell of its own.
    odt = edited(
        converted, tmp_path / "x.odt", lambda xml: xml.replace("<table:covered-table-cell", "<table:table-cell", 1)
    )
    assert any("合併儲存格不同" in d for d in differences(sample_report, odt))


def test_docx_merges_ticks_and_comment_places(tmp_path):
    document = Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "甲"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "乙"
    cell = table.cell(2, 2)
    cell.text = "☑ 是"
    document.add_comment(cell.paragraphs[0].runs, text="檢核意見", author="檢核程式")
    path = tmp_path / "t.docx"
    document.save(path)
    shape = report_shape(path)
    [(grid, merges)] = shape.tables
    assert grid == [["甲", "乙", ""], ["", "", ""], ["", "", "☑ 是"]]
    assert merges == [(0, 0, 1, 0), (0, 1, 0, 2)]
    assert shape.ticks["☑"] == 1
    assert shape.comments == [((0, 2, 2), "檢核意見")]
