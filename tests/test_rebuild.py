"""Editing a workbook and rebuilding changes exactly what depends on the edit."""

from __future__ import annotations

from pathlib import Path

from pipeline import build
from pipeline.review.extract import read_paragraphs, read_tables

from .conftest import append_row, needs_soffice, set_cell


def cell_map(path: Path) -> dict[tuple[str, int, int], str]:
    return {
        (table, r, c): text
        for table, rows in read_tables(path).items()
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    }


def changed_cells(before: Path, after: Path) -> dict[tuple[str, int, int], tuple[str, str]]:
    a, b = cell_map(before), cell_map(after)
    return {key: (a.get(key, ""), b.get(key, "")) for key in a.keys() | b.keys() if a.get(key) != b.get(key)}


def test_changing_one_figure_changes_it_and_what_derives_from_it(sample_inputs, tmp_path):
    base = build(sample_inputs, tmp_path / "before").output
    # 女性委員數 13 → 12 (of 36): the share becomes 12/36 = 33.33%.
    set_cell(sample_inputs / "02_性別平等專案小組.xlsx", "成員", "女性委員數", 12)
    after = build(sample_inputs, tmp_path / "after").output
    assert changed_cells(base, after) == {
        ("s2.members", 1, 3): ("13", "12"),
        ("s2.members", 1, 4): ("36.11%", "33.33%"),
    }
    assert read_paragraphs(base) == read_paragraphs(after)


def test_changing_a_budget_amount_changes_total_and_difference(sample_inputs, tmp_path):
    base = build(sample_inputs, tmp_path / "before").output
    set_cell(sample_inputs / "07_性別預算.xlsx", "下年度預算", "預算數", 20000, row=1)
    after = build(sample_inputs, tmp_path / "after").output
    assert changed_cells(base, after) == {
        ("s7.budget_next", 1, 2): ("10,000", "20,000"),
        ("s7.budget_next", 7, 2): ("7,249,840", "7,259,840"),
    }
    before_p, after_p = read_paragraphs(base), read_paragraphs(after)
    diff = [(a, b) for a, b in zip(before_p, after_p, strict=True) if a != b]
    assert diff == [
        (
            "(三) 下年度(110)與本年度(109)相較之增減：減少164,300元",
            "(三) 下年度(110)與本年度(109)相較之增減：減少154,300元",
        ),
    ]


def test_adding_a_row_in_excel_adds_a_row_to_the_table(sample_inputs, tmp_path):
    base = read_tables(build(sample_inputs, tmp_path / "before").output)
    append_row(
        sample_inputs / "10_未來推展重點.xlsx",
        "重點項目",
        {"重點項目或方案名稱": "新增方案", "現況說明": "現況", "具體策略": "策略", "預期效益": "效益"},
    )
    after = read_tables(build(sample_inputs, tmp_path / "after").output)
    assert len(after["s10.future"]) == len(base["s10.future"]) + 1
    assert after["s10.future"][-1] == ["2.", "新增方案", "現況", "策略", "效益"]
    assert {k: v for k, v in after.items() if k != "s10.future"} == {k: v for k, v in base.items() if k != "s10.future"}


def test_empty_table_shows_the_forms_none_row(sample_inputs, tmp_path):
    from openpyxl import load_workbook

    path = sample_inputs / "10_未來推展重點.xlsx"
    book = load_workbook(path)
    book["重點項目"].delete_rows(2, 10)
    book.save(path)
    tables = read_tables(build(sample_inputs, tmp_path / "out").output)
    assert tables["s10.future"][1:] == [["", "無", "", "", ""]]


@needs_soffice
def test_a_report_a_reviewer_saved_in_libreoffice_is_kept_by_the_next_build(sample_inputs, tmp_path):
    """A reviewer opens the report in LibreOffice and saves it (as .docx, in place): the next
    build sees that the file is no longer as it was written, and keeps it in history/."""
    import shutil

    from tests.support.libreoffice import saved_as_docx

    out = tmp_path / "out"
    report = build(sample_inputs, out).output
    saved = saved_as_docx(report, tmp_path / "saved.docx")
    shutil.copyfile(saved, report)
    again = build(sample_inputs, out)
    assert again.kept_edit is not None and again.kept_edit.parent == out / "history"
    assert again.kept_edit.read_bytes() == saved.read_bytes()
