"""report diff: differences in the form's own terms, and a redline with tracked changes."""

from __future__ import annotations

import re
import subprocess
import zipfile

import pytest

from pipeline import build
from pipeline.review.diff import diff_reports, write_redline
from tests.conftest import append_row, needs_soffice, set_cell


@pytest.fixture
def two_builds(sample_inputs, tmp_path, form):
    old = build(sample_inputs, tmp_path / "old").output
    set_cell(sample_inputs / "02_性別平等專案小組.xlsx", "會議", "專家學者委員出席者", "黃煥榮、吳嘉麗", row=2)
    set_cell(sample_inputs / "05_性別分析.xlsx", "分析專題", "辦理科室或受委託辦理單位名稱", "企劃處", row=1)
    set_cell(sample_inputs / "10_未來推展重點.xlsx", "重點項目", "現況說明", "新的現況", row=1)
    new = build(sample_inputs, tmp_path / "new").output
    return old, new


def test_three_cells_in_three_tables(two_builds, form):
    changes = diff_reports(*two_builds, form)
    assert [(c.kind, c.section, c.table, c.row, c.column, c.old, c.new) for c in changes] == [
        (
            "changed",
            "二、性別平等專案小組",
            "二(二) 運作情形",
            1,
            "專家學者委員出席者",
            "黃煥榮、吳嘉麗、劉嘉怡、嚴祥鸞",
            "黃煥榮、吳嘉麗",
        ),
        ("changed", "五、性別分析", "五 性別分析", 0, "辦理科室或受委託辦理單位名稱", "企劃科", "企劃處"),
        (
            "changed",
            "十、未來推展性別主流化之重點項目及精進作為",
            "十 未來推展重點項目",
            0,
            "現況說明",
            changes[2].old,
            "新的現況",
        ),
    ]
    assert changes[2].old.startswith("為持續精進客服中心效能")
    assert "欄「專家學者委員出席者」" in str(changes[0])


def test_identical_reports_have_no_differences(sample_report, form):
    assert diff_reports(sample_report, sample_report, form) == []


def test_added_and_removed_rows(sample_inputs, tmp_path, form):
    old = build(sample_inputs, tmp_path / "old").output
    append_row(sample_inputs / "10_未來推展重點.xlsx", "重點項目", {"重點項目或方案名稱": "新增方案"})
    new = build(sample_inputs, tmp_path / "new").output
    [added] = diff_reports(old, new, form)
    assert (added.kind, added.table, added.row) == ("added", "十 未來推展重點項目", 1)
    [removed] = diff_reports(new, old, form)
    assert (removed.kind, removed.row) == ("removed", 1) and "新增方案" in removed.old


def test_redline_has_tracked_insertions_and_deletions(two_builds, tmp_path, form):
    out = tmp_path / "redline.docx"
    changes = write_redline(*two_builds, out, form)
    assert len(changes) == 3
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert len(re.findall(r"<w:del ", xml)) == 3
    assert len(re.findall(r"<w:ins ", xml)) >= 3
    assert '<w:delText xml:space="preserve">企劃科</w:delText>' in xml


@needs_soffice
def test_redline_opens_in_libreoffice_with_its_tracked_changes(two_builds, tmp_path, form):
    out = tmp_path / "redline.docx"
    write_redline(*two_builds, out, form)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "fodt",
            "--outdir",
            str(tmp_path),
            str(out),
        ],
        capture_output=True,
        timeout=240,
        check=True,
    )
    flat = (tmp_path / "redline.fodt").read_text(encoding="utf-8")
    assert flat.count("<text:deletion>") == 3
    assert flat.count("<text:insertion>") >= 3


def test_a_whole_table_added_or_removed_is_listed(sample_inputs, tmp_path, form):
    from openpyxl import load_workbook

    old = build(sample_inputs, tmp_path / "old").output
    path = sample_inputs / "08-1_成果說明.xlsx"
    book = load_workbook(path)
    ws = book["成果說明"]
    for row in range(ws.max_row, 1, -1):
        if ws.cell(row=row, column=3).value == "公開揭示":
            ws.delete_rows(row)
    book.save(path)
    new = build(sample_inputs, tmp_path / "new").output
    removed = [c for c in diff_reports(old, new, form) if c.kind == "removed" and c.row is None]
    assert [(c.table_id, c.old) for c in removed] == [("results.4", "（整個表格，2 列）")]
