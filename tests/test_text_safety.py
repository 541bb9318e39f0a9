"""Any text a clerk types appears literally in a valid document."""

from __future__ import annotations

from docx import Document

from pipeline import build
from pipeline.review.extract import read_tables

from .conftest import MINIMAL


def test_markup_and_template_syntax_appear_literally(make_inputs, tmp_path):
    tricky = "A & B <b>粗體</b> \"引號\" '單引號' {{ header.title }} {% if x %} 😀"
    data = dict(MINIMAL)
    data["10_未來推展重點.xlsx"] = {"重點項目": [{"重點項目或方案名稱": tricky, "現況說明": "第一段\n第二段"}]}
    result = build(make_inputs(data), tmp_path / "out")
    tables = read_tables(result.output)
    assert tables["s10.future"][1][1] == tricky
    assert tables["s10.future"][1][2] == "第一段\n第二段"
    Document(str(result.output))  # reopens


def test_xml_forbidden_characters_are_removed_and_reported(make_inputs, tmp_path):
    # Excel keeps a control character typed or pasted into a cell as _x0007_.
    data = dict(MINIMAL)
    data["10_未來推展重點.xlsx"] = {"重點項目": [{"重點項目或方案名稱": "控制_x0007_字元"}]}
    result = build(make_inputs(data), tmp_path / "out")
    assert read_tables(result.output)["s10.future"][1][1] == "控制字元"
    hits = [f for f in result.findings if f.rule == "input.forbidden-characters"]
    assert len(hits) == 1
    assert hits[0].source.sheet == "重點項目" and hits[0].source.cell == "A2"
