"""Findings reach the people who fix them: Word comments, marked workbook copies, exit codes."""

from __future__ import annotations

import hashlib
import json

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from pipeline import build
from pipeline.office.wml import caption_of

from .conftest import run_cli, set_cell

S2 = "02_性別平等專案小組.xlsx"


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.xlsx"))}


def commented_cells(path):
    """(table id, row, column) of every table cell that holds a comment anchor, with its text."""
    doc = Document(str(path))
    comments = {c.comment_id: c.text for c in doc.comments}
    found = {}
    for table in doc.tables:
        caption = caption_of(table._tbl)
        for r, tr in enumerate(table._tbl.tr_lst):
            for c, tc in enumerate(tr.tc_lst):
                for start in tc.iter(qn("w:commentRangeStart")):
                    found[(caption, r, c)] = comments[int(start.get(qn("w:id")))]
    return found


@pytest.fixture
def broken(sample_inputs):
    """The sample with one figure broken: 男性委員數 23 → 20 (23 + 13 ≠ 36 no more)."""
    ref = set_cell(sample_inputs / S2, "成員", "男性委員數", 20)
    return sample_inputs, ref


def test_broken_figure_is_named_commented_and_highlighted(broken, tmp_path):
    inputs, ref = broken
    before = digest(inputs)
    result = build(inputs, tmp_path / "out")
    errors = [f for f in result.findings if f.severity.value == "error"]
    assert [f.rule for f in errors] == ["committee.total"]
    assert (errors[0].source.workbook, errors[0].source.sheet) == (S2, "成員")
    assert errors[0].source.cell == "B2"  # 委員總數, the stated total that no longer adds up
    assert ref == "B3"

    cells = commented_cells(result.output)
    # s2.members: header row 0, body row 1; 總數 is column 1.
    assert ("s2.members", 1, 1) in cells
    comment = cells[("s2.members", 1, 1)]
    assert "20" in comment and "委員人數合計" in comment  # the rule's title, not its code
    assert "committee.total" not in comment and "規則" not in comment

    marked = tmp_path / "out" / "檢核標示" / S2
    ws = load_workbook(marked)["成員"]
    assert ws["B2"].comment is not None and "委員人數合計" in ws["B2"].comment.text
    assert "committee.total" not in ws["B2"].comment.text
    assert ws["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["B3"].comment is None
    assert digest(inputs) == before  # inputs are never modified


def test_clean_copy_has_no_comments(broken, tmp_path):
    inputs, _ = broken
    result = build(inputs, tmp_path / "out", comments=False)
    assert commented_cells(result.output) == {}
    assert len(Document(str(result.output)).comments) == 0


def test_exit_1_with_errors_and_strict_writes_nothing(broken, tmp_path, monkeypatch, capsys):
    inputs, _ = broken
    assert run_cli(["build", "--inputs", str(inputs), "--out", str(tmp_path / "a")], monkeypatch) == 1
    assert list((tmp_path / "a").glob("*.docx"))
    code = run_cli(["build", "--strict", "--inputs", str(inputs), "--out", str(tmp_path / "b")], monkeypatch)
    assert code == 1
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())
    assert "--strict" in capsys.readouterr().err


def test_check_json_for_machines(broken, monkeypatch, capsys):
    inputs, _ = broken
    assert run_cli(["check", "--json", "--inputs", str(inputs)], monkeypatch) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["errors"] == 1
    [error] = [f for f in data["findings"] if f["severity"] == "error"]
    assert error["source"] == {"workbook": S2, "sheet": "成員", "cell": "B2"}
    assert error["target"]["table"] == "s2.members"


def test_sample_has_no_errors_only_the_explained_warning(sample_inputs):
    from pipeline import verify

    findings = verify(sample_inputs).findings
    assert [(f.severity.value, f.rule) for f in findings] == [("warning", "names.spelled-two-ways")]


def test_comment_ids_do_not_reuse_other_annotation_ids(broken, tmp_path):
    import zipfile

    from lxml import etree

    inputs, _ = broken
    result = build(inputs, tmp_path / "out")
    with zipfile.ZipFile(result.output) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
        comments = etree.fromstring(archive.read("word/comments.xml"))
    bookmarks = {e.get(qn("w:id")) for e in body.iter(qn("w:bookmarkStart"))}
    anchored = {e.get(qn("w:id")) for e in body.iter(qn("w:commentRangeStart"))}
    listed = {e.get(qn("w:id")) for e in comments.iter(qn("w:comment"))}
    assert bookmarks and anchored and anchored == listed
    assert not anchored & bookmarks


def test_committee_below_a_third_with_a_reason_is_a_warning_at_the_share_cell(sample_inputs, tmp_path):
    set_cell(sample_inputs / S2, "成員", "男性委員數", 26)
    set_cell(sample_inputs / S2, "成員", "女性委員數", 10)  # 10/36 < 1/3
    set_cell(sample_inputs / S2, "成員", "未達單一性別三分之一之原因", "委員改選中，下屆補足")
    result = build(sample_inputs, tmp_path / "out")
    [share] = [f for f in result.findings if f.rule.startswith("committee.share")]
    assert (share.rule, share.severity.value) == ("committee.share-explained", "warning")
    assert share.target.column == "share" and share.source.cell == "B5"  # the reason's cell
    comment = commented_cells(result.output)[("s2.members", 1, 4)]  # 單一性別比例 is column 4
    assert "委員單一性別比例未達門檻的說明" in comment and "27.77%" in comment and "委員改選中" in comment
