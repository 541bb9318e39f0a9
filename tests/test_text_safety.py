"""Any text a clerk types appears literally in a valid document."""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from pipeline import build
from pipeline.city.batch import build_all
from pipeline.findings import Finding, Severity, Source
from pipeline.inputs.workbooks import write_workbook
from pipeline.office.celltext import put_value
from pipeline.review.annotate import mark_workbooks
from pipeline.review.extract import read_tables
from pipeline.review.pull import pull_report

from .conftest import ATTACHMENTS, MINIMAL, run_cli


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


# -- every workbook the program writes holds text as text, never a formula ---------------------

ATTACKS = ("=1+1", '=HYPERLINK("http://example.invalid/?x","按此")', "cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)")


def formula_cells(path: Path) -> list[str]:
    """Every cell of a written workbook that holds a formula (openpyxl's view and the raw XML)."""
    found = []
    book = load_workbook(path)
    for ws in book.worksheets:
        found += [f"{ws.title}!{c.coordinate}" for row in ws.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?f[ >/]", archive.read(name)):
                found.append(name)
    return found


def texts(path: Path) -> set[str]:
    book = load_workbook(path)
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def test_init_agency_starting_with_equals_is_stored_as_text(tmp_path, monkeypatch):
    agency = '=HYPERLINK("http://example.invalid","機關")'
    code = run_cli(
        ["init", "--agency", agency, "--year", "110", "--group", "C群、C2組", "--out", str(tmp_path / "new")],
        monkeypatch,
    )
    assert code == 0
    books = sorted((tmp_path / "new").glob("*.xlsx"))
    assert books
    for path in books:
        assert formula_cells(path) == [], path.name
    assert agency in texts(tmp_path / "new" / "00_基本資料.xlsx")


def test_pulled_workbooks_keep_formula_like_text_as_text(make_inputs, tmp_path, form):
    data = dict(MINIMAL)
    data["10_未來推展重點.xlsx"] = {
        "重點項目": [{"重點項目或方案名稱": text, "現況說明": text} for text in ATTACKS],
    }
    built = build(make_inputs(data), tmp_path / "out")
    pull_report(built.output, tmp_path / "pulled", form)
    for path in sorted((tmp_path / "pulled").glob("*.xlsx")):
        assert formula_cells(path) == [], path.name
    assert set(ATTACKS) <= texts(tmp_path / "pulled" / "10_未來推展重點.xlsx")
    # … and the reader takes them back as the same text
    rebuilt = build(tmp_path / "pulled", tmp_path / "again")
    assert [row[1] for row in read_tables(rebuilt.output)["s10.future"][1:]] == list(ATTACKS)


def test_the_city_summary_keeps_folder_and_agency_names_as_text(tmp_path, form):
    root = tmp_path / "city"
    for folder, agency in (("=HYPERLINK(1)", "=1+1"), ("cmd|' calc'!A0", "cmd|' /C calc'!A0"), ("@壞", None)):
        data = copy.deepcopy(MINIMAL)
        if agency is None:
            data["00_基本資料.xlsx"] = {}  # fails: the row's message carries the folder's text
        else:
            data["00_基本資料.xlsx"]["基本資料"]["機關名稱"] = agency
        for wb_spec in form.workbooks:
            write_workbook(wb_spec, form, root / folder / wb_spec.file, data.get(wb_spec.file, {}))
        for name, blob in data[ATTACHMENTS].items():
            (root / folder / ATTACHMENTS).mkdir(exist_ok=True)
            (root / folder / ATTACHMENTS / name).write_bytes(blob)
    result = build_all(root, tmp_path / "out", workers=1)
    assert formula_cells(result.summary) == []
    assert {"=HYPERLINK(1)", "=1+1", "cmd|' calc'!A0", "cmd|' /C calc'!A0", "@壞"} <= texts(result.summary)


def test_marked_copies_keep_the_clerks_formula_like_text_as_text(make_inputs, tmp_path):
    data = dict(MINIMAL)
    data["10_未來推展重點.xlsx"] = {"重點項目": [{"重點項目或方案名稱": "=1+1", "現況說明": "@x", "具體策略": "很多"}]}
    data["02_性別平等專案小組.xlsx"] = {"成員": {"委員總數": "=很多", "男性委員數": 5, "女性委員數": 4}}
    inputs = make_inputs(data)
    result = build(inputs, tmp_path / "out")
    assert result.marked_workbooks
    for path in result.marked_workbooks:
        assert formula_cells(path) == [], path.name
    assert "=很多" in texts(tmp_path / "out" / "檢核標示" / "02_性別平等專案小組.xlsx")


def test_marked_copies_made_by_openpyxl_keep_text_as_text(tmp_path):
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    source = tmp_path / "inputs" / "book.xlsx"
    source.parent.mkdir()
    book = Workbook()
    put_value(book.active["A1"], "=1+1")
    book.active["B1"].comment = Comment("a clerk's note", "clerk")  # an existing comment: openpyxl's path
    book.save(source)
    finding = Finding("x", Severity.ERROR, "訊息", Source("book.xlsx", "Sheet", "A1"))
    written, problems = mark_workbooks(source.parent, [finding], tmp_path / "marked")
    assert problems == [] and written
    assert formula_cells(written[0]) == [] and "=1+1" in texts(written[0])
