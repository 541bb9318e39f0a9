"""Reading workbooks: columns found by header text, problems named by cell."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from PIL import Image

from pipeline.inputs.read import read_inputs
from tests.conftest import MINIMAL, set_cell


def test_sample_reads_without_findings(form):
    from tests.conftest import SAMPLE_INPUTS

    inputs, findings = read_inputs(SAMPLE_INPUTS, form)
    assert findings == []
    assert len(inputs.rows("s6.public_works")) == 4
    assert inputs.fields("header.info").get("agency") == "臺北自來水事業處"


def test_bad_value_names_file_sheet_cell_and_expectation(make_inputs, form):
    folder = make_inputs()
    ref = set_cell(folder / "02_性別平等專案小組.xlsx", "成員", "女性委員數", "四位")
    inputs, findings = read_inputs(folder, form)
    [finding] = findings
    assert finding.rule == "input.bad-value"
    assert (finding.source.workbook, finding.source.sheet, finding.source.cell) == (
        "02_性別平等專案小組.xlsx",
        "成員",
        ref,
    )
    assert "四位" in finding.message and "數字" in finding.message
    assert inputs.fields("s2.members").at("female").raw == "四位"


def test_columns_are_found_by_header_text_even_moved_and_spaced(make_inputs, form):
    folder = make_inputs(
        MINIMAL | {"10_未來推展重點.xlsx": {"重點項目": [{"重點項目或方案名稱": "甲", "預期效益": "效益"}]}}
    )
    path = folder / "10_未來推展重點.xlsx"
    book = load_workbook(path)
    ws = book["重點項目"]
    ws.insert_cols(1)  # an extra column in front
    ws["A1"] = "備註"
    ws["B1"] = " 重點項目或\n方案名稱 "  # spaces and a line break in the header
    book.save(path)
    inputs, findings = read_inputs(folder, form)
    assert findings == []
    [row] = inputs.rows("s10.plans")
    assert row["name"] == "甲" and row["benefit"] == ("效益",)
    assert row.at("name").source.cell == "B2"


def test_blank_rows_are_skipped(make_inputs, form):
    folder = make_inputs(
        MINIMAL
        | {"10_未來推展重點.xlsx": {"重點項目": [{"重點項目或方案名稱": "甲"}, {}, {"重點項目或方案名稱": "乙"}]}}
    )
    inputs, _ = read_inputs(folder, form)
    assert [r["name"] for r in inputs.rows("s10.plans")] == ["甲", "乙"]


def test_missing_required_value_is_an_error_at_its_cell(make_inputs, form):
    folder = make_inputs(MINIMAL | {"10_未來推展重點.xlsx": {"重點項目": [{"現況說明": "只有現況"}]}})
    _, findings = read_inputs(folder, form)
    [finding] = findings
    assert finding.rule == "input.required" and finding.source.cell == "A2"


def test_missing_workbook_is_a_finding_and_the_section_is_empty(make_inputs, form):
    folder = make_inputs()
    (folder / "05_性別分析.xlsx").unlink()
    inputs, findings = read_inputs(folder, form)
    assert [f.rule for f in findings] == ["input.missing-workbook"]
    assert inputs.rows("s5.analyses") == ()


def test_fields_sheet_value_column_found_by_its_header(make_inputs, form):
    folder = make_inputs()
    path = folder / "02_性別平等專案小組.xlsx"
    book = load_workbook(path)
    ws = book["成員"]
    ws.insert_cols(2)  # a 備註 column between 欄位 and 內容
    ws["B1"] = "備註"
    book.save(path)
    inputs, findings = read_inputs(folder, form)
    assert findings == []
    members = inputs.fields("s2.members")
    assert members["total"] == 9 and members.at("total").source.cell == "C2"


@pytest.mark.parametrize("with_formula", [False, True], ids=["calamine", "openpyxl"])
def test_free_tables_show_numbers_as_their_excel_format(make_inputs, form, with_formula):
    from datetime import date

    folder = make_inputs(MINIMAL | {"08-1_成果說明.xlsx": {"成果說明": [{"類型": "表格", "表格工作表": "統計"}]}})
    path = folder / "08-1_成果說明.xlsx"
    book = load_workbook(path)
    ws = book.create_sheet("統計")
    ws.append(["比率", "金額", "日期", "人數"])
    ws.append([0.2153, 1234567, date(2020, 12, 17), 12])
    ws["A2"].number_format = "0.00%"
    ws["B2"].number_format = "#,##0"
    ws["C2"].number_format = "yyyy/m/d"
    if with_formula:
        ws["D2"] = "=6+6"  # a workbook with formulas is read through openpyxl
    book.save(path)
    inputs, findings = read_inputs(folder, form)
    assert inputs.free_tables["統計"].cells[1] == ("21.53%", "1,234,567", "109年12月17日", "12")


def unexpected(findings) -> dict[str, tuple[str, str]]:
    """The inputs folder's findings about files, by the file they name: (rule, severity)."""
    rules = ("input.unexpected-file", "input.missing-workbook", "input.duplicate-workbook")
    return {f.source.workbook: (f.rule, f.severity.value) for f in findings if f.rule in rules}


def test_a_renamed_required_workbook_is_an_error_naming_the_file(make_inputs, form):
    folder = make_inputs()
    (folder / "02_性別平等專案小組.xlsx").rename(folder / "02_性別平等專案小組(修正版).xlsx")
    _, findings = read_inputs(folder, form)
    [finding] = [f for f in findings if f.rule == "input.missing-workbook"]
    assert finding.severity.value == "error"
    assert (
        "02_性別平等專案小組(修正版).xlsx" in finding.message
        and "請改名為「02_性別平等專案小組.xlsx」" in finding.message
    )
    assert unexpected(findings) == {"02_性別平等專案小組(修正版).xlsx": ("input.missing-workbook", "error")}


def test_a_renamed_optional_workbook_is_no_longer_silent(make_inputs, form):
    folder = make_inputs()
    (folder / "01_特色亮點.xlsx").rename(folder / "01_特色亮點(修正版).xlsx")
    _, findings = read_inputs(folder, form)
    assert unexpected(findings) == {"01_特色亮點(修正版).xlsx": ("input.missing-workbook", "warning")}


def test_a_second_version_beside_the_workbook_is_named(make_inputs, form):
    folder = make_inputs()
    shutil.copyfile(folder / "09_其他相關成果.xlsx", folder / "09_其他相關成果 (2).xlsx")
    _, findings = read_inputs(folder, form)
    [finding] = [f for f in findings if f.rule == "input.unexpected-file"]
    assert finding.severity.value == "warning" and "讀自「09_其他相關成果.xlsx」" in finding.message
    assert unexpected(findings) == {"09_其他相關成果 (2).xlsx": ("input.unexpected-file", "warning")}


@pytest.mark.parametrize(
    "name", ["10_未來推展重點.csv", "10_未來推展重點.numbers", "未命名.ods", "說明.txt", "附件1 會議.pdf"]
)
def test_every_other_file_is_named(make_inputs, form, name):
    folder = make_inputs()
    (folder / name).write_bytes(b"x")
    _, findings = read_inputs(folder, form)
    assert unexpected(findings) == {name: ("input.unexpected-file", "warning")}
    [finding] = findings
    assert name in finding.message


def test_hidden_files_lock_files_attachments_and_named_pictures_are_not_findings(make_inputs, form):
    folder = make_inputs(
        MINIMAL
        | {
            "08-1_成果說明.xlsx": {"成果說明": [{"類型": "圖片", "內容": "海報.png"}]},
            "attachments": {"附件1 會議.pdf": b"%PDF"},
        }
    )
    Image.new("RGB", (20, 10), "red").save(folder / "海報.png")
    for name in (".DS_Store", "~$報告草稿.docx", ".~lock.報告草稿.docx#", "Thumbs.db"):
        (folder / name).write_bytes(b"x")
    _, findings = read_inputs(folder, form)
    assert unexpected(findings) == {}


def blank_header(path, sheet: str, header: str) -> str:
    """Blank one header cell of a table sheet, as a clerk might; its column letter."""
    book = load_workbook(path)
    ws = book[sheet]
    cell = next(c for c in ws[1] if c.value == header)
    cell.value = None
    book.save(path)
    return cell.column_letter


def test_unlabelled_data_is_an_error(form, sample_inputs):
    path = sample_inputs / "02_性別平等專案小組.xlsx"
    letter = blank_header(path, "會議", "專家學者委員出席者")
    _, findings = read_inputs(sample_inputs, form)
    [finding] = findings  # one finding: not also 「找不到欄位標題」 for the same cause
    assert finding.rule == "input.unlabelled-column" and finding.severity.value == "error"
    assert finding.source.cell == f"{letter}1" and f"{letter} 欄有資料" in finding.message
    assert "「專家學者委員出席者」" in finding.message and "其中之一" not in finding.message


def test_unlabelled_data_names_each_header_its_neighbours_tell_else_the_candidates(form, make_inputs):
    meeting = {"會議場次": "112-1", "會議日期": "112-03-01", "主席-首長": "V", "主席-副首長": "V", "主席-主秘": "V"}
    folder = make_inputs(
        MINIMAL | {"02_性別平等專案小組.xlsx": MINIMAL["02_性別平等專案小組.xlsx"] | {"會議": [meeting]}}
    )
    path = folder / "02_性別平等專案小組.xlsx"
    letters = [blank_header(path, "會議", h) for h in ("主席-首長", "主席-副首長", "主席-主秘")]
    _, findings = read_inputs(folder, form)
    by_cell = {f.source.cell: f.message for f in findings if f.rule == "input.unlabelled-column"}
    assert sorted(by_cell) == [f"{letter}1" for letter in letters]
    first, middle, last = (by_cell[f"{letter}1"] for letter in letters)
    assert "應為「主席-首長」" in first and "應為「主席-主秘」" in last  # the columns beside are in place
    assert "其中之一" in middle and all(h in middle for h in ("主席-首長", "主席-副首長", "主席-主秘"))
    assert not [f for f in findings if f.rule == "input.missing-column"]


def test_an_unlabelled_note_column_is_a_warning_that_it_is_not_read(form, make_inputs):
    folder = make_inputs(
        MINIMAL | {"10_未來推展重點.xlsx": {"重點項目": [{"重點項目或方案名稱": "甲", "預期效益": "效益"}]}}
    )
    path = folder / "10_未來推展重點.xlsx"
    book = load_workbook(path)
    book["重點項目"]["H2"] = "自己的備註"
    book.save(path)
    _, findings = read_inputs(folder, form)
    [finding] = findings
    assert finding.severity.value == "warning" and finding.source.cell == "H1" and "不會讀入" in finding.message


@pytest.mark.parametrize("with_formula", [False, True], ids=["calamine", "openpyxl"])
def test_values_are_shown_as_the_clerk_typed_them(make_inputs, form, with_formula):
    folder = make_inputs()
    path = folder / "02_性別平等專案小組.xlsx"
    book = load_workbook(path)
    ws = book["成員"]
    ws["B4"] = 0.215  # 女性委員數: the clerk typed 21.5%, Excel keeps 0.215 shown with 0.0%
    ws["B4"].number_format = "0.0%"
    if with_formula:
        ws["D1"] = "=1+1"
    book.save(path)
    _, findings = read_inputs(folder, form)
    [finding] = [f for f in findings if f.rule == "input.bad-value"]
    assert "「21.5%」" in finding.message and "0.215" not in finding.message


def test_a_blank_field_with_a_default_reads_as_the_default(make_inputs, form):
    folder = make_inputs()
    inputs, findings = read_inputs(folder, form)
    assert inputs.fields("header.info").get("self_name") == "本處"
    assert inputs.fields("s7.years").get("budget_kind") == "附屬單位預算"
    assert [f for f in findings if "機關自稱" in f.message] == []


def test_a_workbook_made_before_a_field_was_added_uses_its_default_and_says_so(make_inputs, form):
    folder = make_inputs()
    book = load_workbook(folder / "00_基本資料.xlsx")
    ws = book["基本資料"]
    row = next(c.row for c in ws["A"] if c.value == "機關自稱")
    ws.delete_rows(row)  # last year's workbook: no such row
    book.save(folder / "00_基本資料.xlsx")
    inputs, findings = read_inputs(folder, form)
    assert inputs.fields("header.info").get("self_name") == "本處"
    [note] = [f for f in findings if "機關自稱" in f.message]
    assert note.severity.value == "info" and "本處" in note.message
