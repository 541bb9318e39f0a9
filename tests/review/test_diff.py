"""report diff: differences in the form's own terms, and a redline with tracked changes."""

from __future__ import annotations

import re
import subprocess
import zipfile

import pytest
from lxml import etree

from pipeline import build
from pipeline.office.opc import qn
from pipeline.review.diff import changed_words, diff_reports
from pipeline.review.redline import write_redline
from tests.conftest import append_row, needs_soffice, run_cli, set_cell
from tests.support.libreoffice import edit_part, edit_with_uno, uno_available


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


def test_redline_marks_only_the_changed_characters(two_builds, tmp_path, form):
    out = tmp_path / "redline.docx"
    changes = write_redline(*two_builds, out, form)
    assert len(changes) == 3
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    deleted = re.findall(r"<w:delText[^>]*>([^<]*)</w:delText>", xml)
    inserted = re.findall(r"<w:ins [^>]*>(?:<w:r>.*?<w:t[^>]*>([^<]*)</w:t>)", xml)
    # 企劃科 → 企劃處: one character each way; the two removed names only deleted.
    assert "科" in deleted and "處" in inserted
    assert "、劉嘉怡、嚴祥鸞" in deleted
    assert "企劃科" not in deleted and "黃煥榮" not in "".join(deleted)
    assert len(re.findall(r"<w:del ", xml)) == 3 and len(re.findall(r"<w:ins ", xml)) == 2


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
    assert flat.count("<text:insertion>") == 2


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


def test_a_change_shows_the_changed_words_in_their_context():
    old = "甲" * 80 + "第三季辦理研習" + "乙" * 80
    new = "甲" * 80 + "第四季辦理研習" + "乙" * 80
    shown = changed_words(old, new)
    assert "［三→四］" in shown
    assert shown == "「…" + "甲" * 11 + "第［三→四］季辦理研習" + "乙" * 7 + "…」"
    assert changed_words("39", "40") == "「39」→「40」"  # a short value is shown whole
    assert "［+（修正）］" in changed_words("字" * 40 + "說明", "字" * 40 + "（修正）說明")


def test_a_paragraph_edit_in_the_middle_is_listed_with_its_words(sample_report, tmp_path, form):
    edited = edit_part(
        sample_report,
        tmp_path / "edited.docx",
        "word/document.xml",
        [("特別著力之處", "特別用心之處")],
    )
    [change] = diff_reports(sample_report, edited, form)
    assert change.kind == "changed" and change.table is None
    assert "［著力→用心］" in str(change) and "…" in str(change)


def test_diff_exits_1_when_the_reports_differ_0_when_not_2_when_unusable(
    two_builds, sample_report, tmp_path, monkeypatch, capsys
):
    old, new = two_builds
    assert run_cli(["diff", str(sample_report), str(sample_report)], monkeypatch) == 0
    assert "共 0 處差異" in capsys.readouterr().out
    assert run_cli(["diff", str(old), str(new)], monkeypatch) == 1
    assert "共 3 處差異" in capsys.readouterr().out
    broken = tmp_path / "壞掉.docx"
    broken.write_bytes(b"not a report")
    assert run_cli(["diff", str(old), str(broken)], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "壞掉.docx" in err and "Traceback" not in err


@needs_soffice
@pytest.mark.parametrize(
    "old,new",
    [
        ("sample_report", "libreoffice_docx"),
        ("sample_report", "libreoffice_odt"),
        ("libreoffice_odt", "sample_report"),
        ("libreoffice_docx", "libreoffice_odt"),
    ],
)
def test_an_untouched_libreoffice_round_trip_has_no_differences(request, form, old, new):
    assert diff_reports(request.getfixturevalue(old), request.getfixturevalue(new), form) == []


CELL_EDIT = ("三、性別意識培力", "三(三) 性平聯絡人參訓時數", "年度培力總時數", "39", "40")
ADDED = "審查委員新增的一段說明文字。"


def _tracked(redline):
    """The text a redline marks inserted and the text it marks deleted."""
    root = etree.fromstring(zipfile.ZipFile(redline).read("word/document.xml"))
    inserted = "".join(t.text or "" for ins in root.iter(qn("w:ins")) for t in ins.iter(qn("w:t")))
    deleted = "".join(t.text or "" for d in root.iter(qn("w:del")) for t in d.iter(qn("w:delText")))
    return inserted, deleted


def _listed(changes):
    cells = [(c.section, c.table, c.column, c.old, c.new) for c in changes if c.kind == "changed"]
    added = [c.new for c in changes if c.kind == "added" and c.table is None]
    return cells, added


# Edits made on the XML LibreOffice saved: a table cell 39 → 40, a paragraph added after the first.
XML_EDITS = {
    "libreoffice_docx": (
        "word/document.xml",
        [(r"<w:t>39</w:t>", "<w:t>40</w:t>"), (r"(<w:body>.*?</w:p>)", rf"\1<w:p><w:r><w:t>{ADDED}</w:t></w:r></w:p>")],
    ),
    "libreoffice_odt": (
        "content.xml",
        [
            (r"(<text:p [^>]*>)39(</text:p>)", r"\g<1>40\2"),
            (r"(<office:text[^>]*>.*?</text:p>)", rf'\1<text:p text:style-name="Standard">{ADDED}</text:p>'),
        ],
    ),
}


@needs_soffice
@pytest.mark.parametrize("saved", list(XML_EDITS))
def test_edits_in_a_libreoffice_file_are_listed_and_redlined(request, sample_report, tmp_path, form, saved):
    source = request.getfixturevalue(saved)
    part, edits = XML_EDITS[saved]
    edited = edit_part(source, tmp_path / f"edited{source.suffix}", part, edits)
    changes = diff_reports(sample_report, edited, form)
    assert _listed(changes) == ([CELL_EDIT], [ADDED])
    redline = tmp_path / "redline.docx"  # from an .odt: through the .docx LibreOffice makes of it
    assert _listed(write_redline(sample_report, edited, redline, form)) == ([CELL_EDIT], [ADDED])
    assert _tracked(redline) == (ADDED + "40", "39")  # in document order


@needs_soffice
@pytest.mark.skipif(not uno_available(), reason="python3-uno (LibreOffice's UNO bridge) is not installed")
def test_edits_made_through_libreoffice_are_listed_and_redlined(sample_report, tmp_path, form):
    added = "審查委員在 LibreOffice 新增的段落。"
    docx, odt = edit_with_uno(sample_report, tmp_path / "uno", "39", "40", added)
    for edited in (docx, odt):
        assert _listed(diff_reports(sample_report, edited, form)) == ([CELL_EDIT], [added]), edited.name
    redline = tmp_path / "redline.docx"
    write_redline(sample_report, docx, redline, form)
    assert _tracked(redline) == (added + "40", "39")  # in document order
