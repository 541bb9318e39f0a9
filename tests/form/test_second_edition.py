"""A second edition of the form (tests/fixtures/form-edition-2, made by
tools/make_second_edition.py): a renamed column, an added column, a removed table and
a changed rule threshold.  build, check, init, pull and diff work on it with no code
change, and the sample report of the shipped edition is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import build, verify
from pipeline.form.spec import load_form
from pipeline.inputs.init import init_inputs
from pipeline.review.diff import diff_reports
from pipeline.review.extract import read_tables
from pipeline.review.pull import pull_report

EDITION = Path(__file__).resolve().parent.parent / "fixtures" / "form-edition-2"
DUE = "111-06-30"


@pytest.fixture(scope="module")
def edition():
    return load_form(EDITION)


@pytest.fixture
def edition_inputs(sample_inputs):
    """The sample inputs as a clerk updates them for the new edition."""
    members = sample_inputs / "02_性別平等專案小組.xlsx"
    book = load_workbook(members)
    sheet = book["成員"]
    for row in sheet.iter_rows():
        if row[0].value == "委員總數":
            row[0].value = "委員人數"
    book.save(members)
    plans = sample_inputs / "10_未來推展重點.xlsx"
    book = load_workbook(plans)
    sheet = book["重點項目"]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="預定完成日期")
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value is not None:
            sheet.cell(row=row, column=column, value=DUE)
    book.save(plans)
    statistics = sample_inputs / "04_性別統計.xlsx"
    book = load_workbook(statistics)
    del book["新增項目"]
    book.save(statistics)
    return sample_inputs


def test_the_second_edition_builds_with_its_own_tables(edition_inputs, tmp_path, sample_report):
    result = build(edition_inputs, tmp_path / "out", EDITION)
    tables = read_tables(result.output)
    assert "s4.new_items" not in tables and "s4.new_items" in read_tables(sample_report)
    future = tables["s10.future"]
    assert future[0][-1] == "預定完成日期" and all(row[-1] == "111年6月30日" for row in future[1:])
    assert tables["s2.members"][1][1] == "36"  # read through the renamed header
    assert "input.missing-field" not in {f.rule for f in result.findings}


def test_the_changed_threshold_is_checked(edition_inputs):
    findings = verify(edition_inputs, EDITION).findings
    share = [f for f in findings if f.rule == "committee.share"]
    assert len(share) == 1 and "2/5" in share[0].message  # 13/36 is above 1/3 but below 2/5
    assert "committee.share" not in {f.rule for f in verify(edition_inputs).findings}


def test_init_writes_the_new_edition_s_workbooks(edition_inputs, tmp_path, edition):
    written = init_inputs(tmp_path / "new", "臺北自來水事業處", 110, "C群、C2組", edition, edition_inputs)
    assert len(written) == len(edition.workbooks)
    members = load_workbook(tmp_path / "new" / "02_性別平等專案小組.xlsx")["成員"]
    labels = {row[0].value: row[1].value for row in members.iter_rows(min_row=2)}
    assert labels["委員人數"] == 36 and "委員總數" not in labels  # carried over under the new header
    plans = load_workbook(tmp_path / "new" / "10_未來推展重點.xlsx")["重點項目"]
    assert "預定完成日期" in [c.value for c in plans[1]]
    assert "新增項目" not in load_workbook(tmp_path / "new" / "04_性別統計.xlsx").sheetnames


def test_pull_and_diff_work_on_the_new_edition(edition_inputs, tmp_path, edition):
    report = build(edition_inputs, tmp_path / "out", EDITION).output
    result = pull_report(report, tmp_path / "pulled", edition)
    assert result.notes == [] and result.notices == []
    plans = load_workbook(tmp_path / "pulled" / "10_未來推展重點.xlsx")["重點項目"]
    headers = [c.value for c in plans[1]]
    due = [row[headers.index("預定完成日期")] for row in plans.iter_rows(min_row=2, values_only=True)]
    assert due and set(due) == {DUE}
    members = load_workbook(tmp_path / "pulled" / "02_性別平等專案小組.xlsx")["成員"]
    assert {row[0].value: row[1].value for row in members.iter_rows(min_row=2)}["委員人數"] == 36
    rebuilt = build(tmp_path / "pulled", tmp_path / "again", EDITION).output
    assert read_tables(rebuilt) == read_tables(report)
    assert diff_reports(report, rebuilt, edition) == []
