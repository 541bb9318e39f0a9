"""The redline: only what changed is marked, and accepting or rejecting every change gives
back the new or the old text."""

from __future__ import annotations

import copy
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.office.opc import Element, qn
from pipeline.office.wml import paragraph_text
from pipeline.review.redline import _Marks, mark_paragraph, write_redline
from tests.support.office_files import docx_file, odt_file, tc


def paragraph(runs: list[str]) -> Element:
    """A w:p with one run per text (every other run bold, to tell them apart)."""
    p = etree.Element(qn("w:p"))
    etree.SubElement(p, qn("w:pPr"))
    for index, text in enumerate(runs):
        run = etree.SubElement(p, qn("w:r"))
        if index % 2:
            etree.SubElement(etree.SubElement(run, qn("w:rPr")), qn("w:b"))
        for number, piece in enumerate(text.split("\t")):
            if number:
                etree.SubElement(run, qn("w:tab"))
            if piece:
                etree.SubElement(run, qn("w:t")).text = piece
    return p


def accepted(p: Element) -> str:
    """The paragraph's text once every tracked change is accepted."""
    return paragraph_text(p)  # w:ins content is text, w:del content is not


def rejected(p: Element) -> str:
    """The paragraph's text once every tracked change is rejected."""
    twin = copy.deepcopy(p)
    for ins in list(twin.iter(qn("w:ins"))):
        ins.getparent().remove(ins)
    for deletion in list(twin.iter(qn("w:del"))):
        for node in deletion.iter(qn("w:delText")):
            node.tag = qn("w:t")
        for child in list(deletion):
            deletion.addprevious(child)
        deletion.getparent().remove(deletion)
    return paragraph_text(twin)


def marked_runs(p: Element) -> list[Element]:
    return [r for r in p.iter(qn("w:r")) if r.getparent().tag in (qn("w:ins"), qn("w:del"))]


def test_a_word_changed_in_a_long_paragraph_marks_that_word_only():
    p = paragraph(["本年度辦理性別主流化", "研習三場", "，參訓人數共計一百二十人。"])
    mark_paragraph(p, "本年度辦理性別主流化研習兩場，參訓人數共計一百二十人。", _Marks(p))
    assert [paragraph_text(r) for r in p.iter(qn("w:ins"))] == ["三"]
    assert ["".join(t.text for t in d.iter(qn("w:delText"))) for d in p.iter(qn("w:del"))] == ["兩"]
    # The runs around the change are the old runs, unwrapped, with their own properties.
    bold = [r for r in p.iter(qn("w:r")) if r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None]
    assert "".join(paragraph_text(r) for r in bold if r.getparent() is p) == "研習場"
    assert accepted(p) == "本年度辦理性別主流化研習三場，參訓人數共計一百二十人。"
    assert rejected(p) == "本年度辦理性別主流化研習兩場，參訓人數共計一百二十人。"


def test_an_unchanged_paragraph_gets_no_marks():
    p = paragraph(["甲乙", "丙"])
    mark_paragraph(p, "甲乙丙", _Marks(p))
    assert marked_runs(p) == [] and accepted(p) == "甲乙丙"


def test_marks_get_ids_no_other_annotation_uses():
    p = paragraph(["甲乙"])
    p.append(etree.Element(qn("w:bookmarkStart"), {qn("w:id"): "41", qn("w:name"): "x"}))
    mark_paragraph(p, "甲", _Marks(p))
    [ins] = p.iter(qn("w:ins"))
    assert int(ins.get(qn("w:id"))) > 41 and ins.get(qn("w:author")) == "報告比對"


TEXT = st.text(alphabet="甲乙丙丁戊ab\t", max_size=12)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(runs=st.lists(TEXT, min_size=0, max_size=4), old=TEXT)
def test_accepting_gives_the_new_text_and_rejecting_the_old(runs, old):
    p = paragraph(runs)
    new = paragraph_text(p)
    mark_paragraph(p, old, _Marks(p))
    assert accepted(p) == new
    assert rejected(p) == old


def test_a_changed_cell_marks_paragraphs_removed_added_and_edited(tmp_path, form):
    def cell(*paragraphs: str) -> str:
        body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
        return f"<w:tc><w:tcPr/>{body}</w:tc>"

    def document(path, *paragraphs):
        grid = "<w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>"
        head = "<w:tr><w:trPr><w:tblHeader/></w:trPr>" + tc("項目") + tc("說明") + "</w:tr>"
        body = f"<w:tbl>{grid}{head}<w:tr>" + tc("一") + cell(*paragraphs) + "</w:tr></w:tbl>"
        return docx_file(path, body)

    old = document(tmp_path / "old.docx", "甲", "乙", "丙段原文")
    new = document(tmp_path / "new.docx", "甲", "丙段改文", "新段落")
    out = tmp_path / "redline.docx"
    [change] = write_redline(old, new, out, form)
    assert (change.kind, change.old, change.new) == ("changed", "甲\n乙\n丙段原文", "甲\n丙段改文\n新段落")
    root = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    paragraphs = list(root.iter(qn("w:tc")))[3].findall(qn("w:p"))
    marks = [p.find(f"{qn('w:pPr')}/{qn('w:rPr')}") for p in paragraphs]
    assert [accepted(p) for p in paragraphs] == ["甲", "", "丙段改文", "新段落"]
    assert [rejected(p) for p in paragraphs] == ["甲", "乙", "丙段原文", ""]
    assert [None if m is None else etree.QName(m[0]).localname for m in marks] == [None, "del", None, "ins"]


def test_a_row_removed_in_an_odt_is_put_back_deleted_with_its_spans(tmp_path, form):
    head = (
        "<table:table-header-rows><table:table-row>"
        "<table:table-cell><text:p>項目</text:p></table:table-cell><table:table-cell><text:p>說明</text:p>"
        "</table:table-cell></table:table-row></table:table-header-rows>"
    )
    kept = (
        "<table:table-row><table:table-cell><text:p>一</text:p></table:table-cell>"
        "<table:table-cell><text:p>留下</text:p></table:table-cell></table:table-row>"
    )
    gone = (
        '<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>整列刪除</text:p>'
        "</table:table-cell><table:covered-table-cell/></table:table-row>"
    )
    columns = '<table:table-column table:number-columns-repeated="2"/>'
    old = odt_file(tmp_path / "old.odt", f"<table:table>{columns}{head}{kept}{gone}</table:table>")
    grid = "<w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>"
    rows = "<w:tr><w:trPr><w:tblHeader/></w:trPr>" + tc("項目") + tc("說明") + "</w:tr>"
    rows += "<w:tr>" + tc("一") + tc("留下") + "</w:tr>"
    new = docx_file(tmp_path / "new.docx", f"<w:tbl>{grid}{rows}</w:tbl>")
    out = tmp_path / "redline.docx"
    [change] = write_redline(old, new, out, form)
    assert (change.kind, change.old) == ("removed", "整列刪除")
    root = etree.fromstring(zipfile.ZipFile(out).read("word/document.xml"))
    header, body, deleted = root.iter(qn("w:tr"))
    assert deleted.find(f"{qn('w:trPr')}/{qn('w:del')}") is not None
    [cell] = deleted.findall(qn("w:tc"))
    assert cell.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}").get(qn("w:val")) == "2"
    assert rejected(cell.find(qn("w:p"))) == "整列刪除" and accepted(cell.find(qn("w:p"))) == ""
