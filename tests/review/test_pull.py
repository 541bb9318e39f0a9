"""report pull: a report's tables read back into section workbooks."""

from __future__ import annotations

import hashlib

import pytest
from docx import Document

from pipeline import build
from pipeline.errors import OutputError
from pipeline.office.wml import caption_of
from pipeline.review.extract import read_paragraphs, read_tables
from pipeline.review.pull import pull_report
from tests.conftest import SAMPLE_INPUTS, needs_soffice


def test_pulling_the_sample_report_and_rebuilding_reproduces_it(sample_report, tmp_path, form):
    result = pull_report(sample_report, tmp_path / "pulled", form)
    assert result.notes == []
    assert len(result.files) == len(form.workbooks)
    rebuilt = build(tmp_path / "pulled", tmp_path / "out").output
    assert read_tables(rebuilt) == read_tables(sample_report)
    assert read_paragraphs(rebuilt) == read_paragraphs(sample_report)
    assert (tmp_path / "pulled" / "attachments" / "公開揭示海報.png").is_file()


def set_cell_text(doc, caption, row, col, text):
    table = next(t for t in doc.tables if caption_of(t._tbl) == caption)
    cell = table.rows[row].cells[col]
    cell.paragraphs[0].runs[0].text = text
    for run in cell.paragraphs[0].runs[1:]:
        run.text = ""


def test_reviewer_edits_flow_back_through_pull(sample_report, tmp_path, form):
    edited = tmp_path / "edited.docx"
    doc = Document(str(sample_report))
    set_cell_text(doc, "s5.analyses", 1, 2, "企劃處")
    set_cell_text(doc, "s7.budget_next", 1, 1, "委請專家學者出席審查費")
    set_cell_text(doc, "s10.future", 1, 1, "智能客服系統性別統計分析")
    doc.save(str(edited))

    pull_report(edited, tmp_path / "pulled", form)
    rebuilt = build(tmp_path / "pulled", tmp_path / "out").output
    before, after = read_tables(sample_report), read_tables(rebuilt)
    changed = {
        (t, r, c): (before[t][r][c], after[t][r][c])
        for t in before
        for r in range(len(before[t]))
        for c in range(len(before[t][r]))
        if before[t][r][c] != after[t][r][c]
    }
    assert changed == {
        ("s5.analyses", 1, 2): ("企劃科", "企劃處"),
        ("s7.budget_next", 1, 1): ("委請專家學者人力技術服務委員出席審查費", "委請專家學者出席審查費"),
        ("s10.future", 1, 1): ("本處智能客服系統使用統計分析", "智能客服系統性別統計分析"),
    }
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}


def test_pull_never_writes_into_a_folder_with_files(sample_report, tmp_path, form):
    target = tmp_path / "inputs"
    target.mkdir()
    (target / "00_基本資料.xlsx").write_bytes(b"keep me")
    digest = hashlib.sha256((target / "00_基本資料.xlsx").read_bytes()).hexdigest()
    with pytest.raises(OutputError, match="已有檔案"):
        pull_report(sample_report, target, form)
    assert hashlib.sha256((target / "00_基本資料.xlsx").read_bytes()).hexdigest() == digest


def test_pull_refuses_a_document_that_is_not_a_report(tmp_path, form):
    from pipeline.errors import InputError

    other = tmp_path / "letter.docx"
    doc = Document()
    doc.add_paragraph("一封信")
    doc.add_table(rows=2, cols=2)
    doc.save(str(other))
    with pytest.raises(InputError, match="不是本產生器產生的報告"):
        pull_report(other, tmp_path / "pulled", form)
    assert not (tmp_path / "pulled").exists()


def test_pull_survives_cells_a_reviewer_merged(sample_report, tmp_path, form):
    edited = tmp_path / "edited.docx"
    doc = Document(str(sample_report))
    table = next(t for t in doc.tables if caption_of(t._tbl) == "s10.future")
    table.cell(1, 3).merge(table.cell(1, 4))  # 具體策略 and 預期效益 merged into one cell
    doc.save(str(edited))
    pull_report(edited, tmp_path / "pulled", form)
    rebuilt = read_tables(build(tmp_path / "pulled", tmp_path / "out").output)
    assert rebuilt["s10.future"][1][1] == "本處智能客服系統使用統計分析"
    assert "透過智能客服系統管理平台" in rebuilt["s10.future"][1][3]


def test_dates_are_read_back_in_the_form_s_own_date_format(sample_inputs, tmp_path):
    import shutil

    import yaml

    from pipeline.form.spec import DEFAULT_FORM_DIR, load_form

    form_dir = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, form_dir)
    path = form_dir / "form.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["formats"]["date_long"] = "民國{y}年{m:02d}月{d:02d}日"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    form = load_form(form_dir)
    report = build(sample_inputs, tmp_path / "out", form_dir).output
    assert any(p.startswith("民國110年02月24日") for p in read_paragraphs(report))
    pull_report(report, tmp_path / "pulled", form)
    rebuilt = build(tmp_path / "pulled", tmp_path / "again", form_dir).output
    assert read_paragraphs(rebuilt) == read_paragraphs(report)
    assert read_tables(rebuilt) == read_tables(report)


def test_figures_in_reworded_template_paragraphs_are_still_read_back(sample_inputs, tmp_path):
    import shutil

    from pipeline.form.spec import DEFAULT_FORM_DIR, load_form

    form_dir = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, form_dir)
    template = Document(str(form_dir / "report.docx"))
    reworded = 0
    for paragraph in template.paragraphs:
        for run in paragraph.runs:
            for old, new in (("男性人數：", "其中男性 "), ("一般公務員參訓者", "參訓之一般公務員共 ")):
                if old in run.text:
                    run.text = run.text.replace(old, new)
                    reworded += 1
    assert reworded == 2
    template.save(str(form_dir / "report.docx"))
    form = load_form(form_dir)
    report = build(sample_inputs, tmp_path / "out", form_dir).output
    assert any("其中男性 " in p for p in read_paragraphs(report))
    result = pull_report(report, tmp_path / "pulled", form)
    assert result.notes == []
    rebuilt = build(tmp_path / "pulled", tmp_path / "again", form_dir).output
    assert read_paragraphs(rebuilt) == read_paragraphs(report)
    assert read_tables(rebuilt) == read_tables(report)


def test_a_paragraph_missing_from_the_report_is_named_by_its_wording(sample_report, tmp_path, form):
    edited = tmp_path / "edited.docx"
    doc = Document(str(sample_report))
    for paragraph in doc.paragraphs:
        if paragraph.text.startswith("主管總數："):
            paragraph._p.getparent().remove(paragraph._p)  # a reviewer deleted the line
    doc.save(str(edited))
    result = pull_report(edited, tmp_path / "pulled", form)
    assert result.notes == ["報告中找不到「主管總數：… 男性主管數：… 女性主管數：…」這一段，其中的數字未讀回"]


def test_computed_figures_a_reviewer_changed_are_listed_as_notices(sample_report, tmp_path, form):
    """The share and the budget total are computed: a reviewer's 36.1% or 164,000 is not
    data, so pull names the change and the numbers behind the figure instead of dropping it."""
    edited = tmp_path / "edited.docx"
    doc = Document(str(sample_report))
    members = next(t for t in doc.tables if caption_of(t._tbl) == "s2.members")
    set_cell_text(doc, "s2.members", 1, 4, "36.1%")
    budget = next(t for t in doc.tables if caption_of(t._tbl) == "s7.budget_next")
    total_row = len(budget.rows) - 1
    set_cell_text(doc, "s7.budget_next", total_row, 2, "7,249,000")
    doc.save(str(edited))
    assert members is not None
    result = pull_report(edited, tmp_path / "pulled", form)
    assert len(result.notices) == 2, result.notices
    share, total = sorted(result.notices, key=lambda n: "36.1%" not in n)
    assert "「36.1%」" in share and "「36.11%」" in share and "委員總數 36" in share and "女性委員數 13" in share
    assert "「7,249,000」" in total and "「7,249,840」" in total and "預算數" in total


def test_pulled_workbooks_keep_numbers_as_numbers_and_ticks_as_the_form_s(sample_report, tmp_path, form):
    from openpyxl import load_workbook

    pull_report(sample_report, tmp_path / "pulled", form)
    budget = load_workbook(tmp_path / "pulled" / "07_性別預算.xlsx")["本年度預算"]
    amounts = [row[1] for row in budget.iter_rows(min_row=2, values_only=True) if row[0]]
    assert amounts and all(isinstance(a, int | float) for a in amounts)  # Excel's SUM counts them
    meetings = load_workbook(tmp_path / "pulled" / "02_性別平等專案小組.xlsx")["會議"]
    ticks = {c for row in meetings.iter_rows(min_row=2, max_col=6, values_only=True) for c in row[2:6]}
    assert ticks <= {"V", None} and "V" in ticks  # never 「否」, which the sheet's own dropdown rejects


def test_pull_carries_the_annex_files_so_the_rebuild_finds_them(sample_report, tmp_path, form):
    from tests.conftest import SAMPLE_INPUTS

    result = pull_report(sample_report, tmp_path / "pulled", form, attachments=SAMPLE_INPUTS)
    annexes = sorted(p.name for p in (tmp_path / "pulled" / "attachments").glob("附件*"))
    assert annexes == sorted(p.name for p in (SAMPLE_INPUTS / "attachments").glob("附件*"))
    assert any(p.name.startswith("附件") for p in result.files)
    rebuilt = build(tmp_path / "pulled", tmp_path / "out")
    assert not {f.rule for f in rebuilt.findings} & {"annexes.missing-file"}


# -- reports LibreOffice saved -------------------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize("saved_as", ["docx", "odt"])
def test_a_report_libreoffice_saved_pulls_back_the_same_data(sample_report, tmp_path, form, saved_as):
    """LibreOffice drops the tables' Alt Text and rewrites every part; pull still reads every
    table and paragraph back (the picture and the free tables keep their content)."""
    from tests.support.libreoffice import saved_as_docx, saved_as_odt

    saved = tmp_path / f"saved.{saved_as}"
    (saved_as_docx if saved_as == "docx" else saved_as_odt)(sample_report, saved)
    result = pull_report(saved, tmp_path / "pulled", form)
    assert result.notes == [] and result.notices == []
    rebuilt = build(tmp_path / "pulled", tmp_path / "out").output
    assert read_tables(rebuilt) == read_tables(sample_report)
    assert read_paragraphs(rebuilt) == read_paragraphs(sample_report)
    pictures = list((tmp_path / "pulled" / "attachments").glob("*"))
    assert [p.read_bytes() for p in pictures] == [(SAMPLE_INPUTS / "attachments" / "公開揭示海報.png").read_bytes()]


@needs_soffice
def test_an_edit_made_in_libreoffice_flows_back_through_pull_and_build(sample_report, tmp_path, form):
    from tests.support.libreoffice import edit_with_uno, uno_available

    if not uno_available():
        pytest.skip("python3-uno (LibreOffice's UNO bridge) is not installed")
    docx, odt = edit_with_uno(sample_report, tmp_path / "uno", "39", "40", "審查委員在 LibreOffice 新增的段落。")
    for edited in (docx, odt):
        result = pull_report(edited, tmp_path / f"pulled-{edited.suffix[1:]}", form)
        # The paragraph added after the title belongs to no part of the form: named, not read.
        assert result.notes == [
            "報告中多了一段「審查委員在 LibreOffice 新增的段落。」，不在範本的任何位置（不屬於任何表格或清單），未讀回"
        ]
        report = build(tmp_path / f"pulled-{edited.suffix[1:]}", tmp_path / f"out-{edited.suffix}").output
        assert read_paragraphs(report) == read_paragraphs(sample_report)  # the title and date intact
        rebuilt = read_tables(report)
        before = read_tables(sample_report)["s3.contact_hours"]
        changed = [
            (r, c)
            for r, row in enumerate(before)
            for c, text in enumerate(row)
            if rebuilt["s3.contact_hours"][r][c] != text
        ]
        assert changed and all(rebuilt["s3.contact_hours"][r][c] == "40" and before[r][c] == "39" for r, c in changed)


@needs_soffice
def test_a_paragraph_added_in_libreoffice_where_the_form_has_a_list_is_carried(sample_report, tmp_path, form):
    """九 is a list of paragraphs: one a reviewer adds there in LibreOffice is data."""
    from tests.support.libreoffice import edit_with_uno, uno_available

    if not uno_available():
        pytest.skip("python3-uno (LibreOffice's UNO bridge) is not installed")
    added = "審查委員補充：本處於年度內另辦理性別平等宣導活動。"
    docx, odt = edit_with_uno(sample_report, tmp_path / "uno", "39", "40", added, after="(除總計畫所規定應辦理事項外")
    for edited in (docx, odt):
        folder = tmp_path / f"pulled-{edited.suffix[1:]}"
        result = pull_report(edited, folder, form)
        assert result.notes == []
        rebuilt = read_paragraphs(build(folder, tmp_path / f"out-{edited.suffix[1:]}").output)
        assert rebuilt.count(added) == 1 and rebuilt.index(added) > rebuilt.index(
            next(p for p in rebuilt if p.startswith("九、"))
        )


def test_the_agencys_own_wording_is_printed_and_pulled_back(sample_inputs, tmp_path, form):
    """三(六) names the agency as it names itself; 附件6 names its kind of budget."""
    from tests.conftest import set_cell

    set_cell(sample_inputs / "00_基本資料.xlsx", "基本資料", "機關自稱", "本局")
    set_cell(sample_inputs / "07_性別預算.xlsx", "年度及總計", "預算類別", "單位預算")
    report = build(sample_inputs, tmp_path / "out").output
    paragraphs = read_paragraphs(report)
    assert "(六) 新聞聯絡人/經營本局 (暨所屬) 社群媒體小編相關訓練" in paragraphs
    assert "●附件6：臺北市各機關性別預算表(單位預算部分)" in paragraphs
    pull_report(report, tmp_path / "pulled", form)
    rebuilt = build(tmp_path / "pulled", tmp_path / "again").output
    assert read_paragraphs(rebuilt) == paragraphs
    info = load_workbook_fields(tmp_path / "pulled" / "00_基本資料.xlsx", "基本資料")
    years = load_workbook_fields(tmp_path / "pulled" / "07_性別預算.xlsx", "年度及總計")
    assert info["機關自稱"] == "本局" and years["預算類別"] == "單位預算"


def load_workbook_fields(path, sheet) -> dict:
    from openpyxl import load_workbook

    return {row[0].value: row[1].value for row in load_workbook(path)[sheet].iter_rows()}
