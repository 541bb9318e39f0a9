"""A corpus of bad workbooks, built in code: each problem named at its file, sheet and cell.

Cell-level problems are findings (all collected in one pass; the report is
still written); unusable files stop the build with a clear message, exit
status 2 and nothing written.
"""

from __future__ import annotations

import sys
import time
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import build, verify
from pipeline.cli import main
from pipeline.errors import InputError
from tests.conftest import SAMPLE_INPUTS as SAMPLE
from tests.conftest import set_cell

H, S2, S3, S4, S7, S8, S10 = (
    "00_基本資料.xlsx",
    "02_性別平等專案小組.xlsx",
    "03_性別意識培力.xlsx",
    "04_性別統計.xlsx",
    "07_性別預算.xlsx",
    "08_推展策略.xlsx",
    "10_未來推展重點.xlsx",
)


def cell(file: str, sheet: str, header: str, value, row: int = 1) -> Callable[[Path], None]:
    return lambda folder: set_cell(folder / file, sheet, header, value, row)


def edit(file: str, change: Callable) -> Callable[[Path], None]:
    """Apply ``change(workbook)`` to one workbook with openpyxl."""

    def apply(folder: Path) -> None:
        book = load_workbook(folder / file)
        change(book)
        book.save(folder / file)

    return apply


def add_plan(**values) -> Callable[[Path], None]:
    def change(book):
        ws = book["重點項目"]
        headers = [c.value for c in ws[1]]
        for header, value in values.items():
            ws.cell(row=2, column=headers.index(header) + 1, value=value)

    return edit(S10, change)


# (case id, how to break the minimal agency, rule, workbook, sheet, cell, words in the message)
FINDINGS = [
    ("count-as-words", cell(S2, "成員", "女性委員數", "四位"), "input.bad-value", S2, "成員", "B4", "數字"),
    ("negative-count", cell(S2, "成員", "男性委員數", -5), "input.bad-value", S2, "成員", "B3", "負數"),
    ("fractional-count", cell(S3, "一般公務員", "總人數", "100.5"), "input.bad-value", S3, "一般公務員", "B2", "整數"),
    ("money-as-words", cell(S7, "本年度預算", "預算數", "一萬元"), "input.bad-value", S7, "本年度預算", "B2", "數字"),
    (
        "impossible-date",
        cell(H, "基本資料", "性平小組決議日期", "113/02/30"),
        "input.bad-value",
        H,
        "基本資料",
        "B5",
        "日期不存在",
    ),
    (
        "unreadable-date",
        cell(H, "基本資料", "性平小組決議日期", "明年初"),
        "input.bad-value",
        H,
        "基本資料",
        "B5",
        "日期",
    ),
    (
        "implausible-excel-date",
        cell(H, "基本資料", "性平小組決議日期", datetime(1900, 1, 5)),
        "input.bad-value",
        H,
        "基本資料",
        "B5",
        "年份不合理",
    ),
    ("unknown-tick", cell(S8, "具體措施", "已辦理", "有", row=2), "input.bad-value", S8, "具體措施", "D3", "勾選"),
    (
        "unknown-choice",
        cell(S8, "具體措施", "類別", "七", row=3),
        "input.bad-value",
        S8,
        "具體措施",
        "A4",
        "一、二、三",
    ),
    ("unknown-group", cell(H, "基本資料", "組別", "Z群"), "input.bad-value", H, "基本資料", "B4", "A群"),
    ("year-as-text", cell(H, "基本資料", "年度(民國)", "一一二"), "input.bad-value", H, "基本資料", "B3", "數字"),
    ("required-blank", cell(S2, "成員", "委員總數", None), "input.required", S2, "成員", "B2", "必須填寫"),
    (
        "required-blank-in-table",
        cell(S8, "具體措施", "政策方案措施或計畫名稱", None, row=1),
        "input.required",
        S8,
        "具體措施",
        "C2",
        "必須填寫",
    ),
    (
        "required-column-renamed",
        edit(S8, lambda b: b["具體措施"].cell(row=1, column=3, value="措施")),
        "input.missing-column",
        S8,
        "具體措施",
        "1:1",
        "政策方案措施或計畫名稱",
    ),
    (
        "field-label-removed",
        edit(S2, lambda b: b["成員"].cell(row=3, column=1, value="男")),
        "input.missing-field",
        S2,
        "成員",
        None,
        "男性委員數",
    ),
    (
        "required-sheet-renamed",
        edit(S2, lambda b: setattr(b["成員"], "title", "委員")),
        "input.missing-sheet",
        S2,
        None,
        None,
        "成員",
    ),
    (
        "required-workbook-missing",
        lambda folder: (folder / "05_性別分析.xlsx").unlink(),
        "input.missing-workbook",
        "05_性別分析.xlsx",
        None,
        None,
        "找不到活頁簿",
    ),
    (
        "uncomputable-formula",
        edit(S2, lambda b: b["成員"].cell(row=2, column=2, value="=VLOOKUP(A1,A2:B3,2,FALSE)")),
        "input.formula",
        S2,
        "成員",
        "B2",
        "沒有計算結果",
    ),
    (
        "formula-on-text",
        edit(S2, lambda b: b["成員"].cell(row=2, column=2, value="=A2+1")),
        "input.formula",
        S2,
        "成員",
        "B2",
        "不是數字",
    ),
    (
        "control-character",
        add_plan(**{"重點項目或方案名稱": "方案_x0007_甲"}),
        "input.forbidden-characters",
        S10,
        "重點項目",
        "A2",
        "控制字元",
    ),
    ("checkbox-as-number", cell(S8, "具體措施", "已辦理", 2, row=1), "input.bad-value", S8, "具體措施", "D2", "勾選"),
    (
        "choice-in-wrong-column",
        cell(S4, "既有指標項目", "既有性別統計指標-主計處列管", "主計處列管"),
        "input.bad-value",
        S4,
        "既有指標項目",
        "B2",
        "數字",
    ),
]


@pytest.mark.parametrize("case", FINDINGS, ids=[c[0] for c in FINDINGS])
def test_bad_cell_is_named_with_its_place(make_inputs, tmp_path, case):
    _, breaking, rule, workbook, sheet, ref, words = case
    folder = make_inputs()
    breaking(folder)
    result = build(folder, tmp_path / "out")
    hits = [f for f in result.findings if f.rule == rule]
    assert len(hits) == 1, [str(f) for f in result.findings]
    finding = hits[0]
    assert (finding.source.workbook, finding.source.sheet, finding.source.cell) == (workbook, sheet, ref)
    assert words in finding.message
    assert result.output is not None and result.output.is_file()  # the draft is still written


def test_all_problems_are_reported_in_one_pass(make_inputs, tmp_path):
    folder = make_inputs()
    for index in (0, 1, 2, 3, 4, 7):  # six different cells
        FINDINGS[index][1](folder)
    findings = verify(folder).findings
    assert {f.source.cell for f in findings if f.rule == "input.bad-value"} >= {"B2", "B3", "B4", "B5"}
    assert len([f for f in findings if f.rule == "input.bad-value"]) == 6


def test_a_formula_on_an_uncomputed_formula_names_the_cell_not_a_python_object(make_inputs):
    folder = make_inputs()

    def formulas(book):
        book["成員"]["B3"] = "=VLOOKUP(A1,A2:B3,2,FALSE)"  # 男性委員數: cannot be computed here
        book["成員"]["B2"] = "=B3+B4"  # 委員總數 refers to it

    edit(S2, formulas)(folder)
    [total] = [f for f in verify(folder).findings if f.source.cell == "B2"]
    assert total.rule == "input.formula" and "參照的儲存格 B3 沒有可用的數值" in total.message
    assert "object at" not in total.message and "Uncomputed" not in total.message


# Values clerks really type that must simply work.
ACCEPTED = [
    ("money-with-separators-and-unit", cell(S7, "本年度預算", "預算數", "10,000元")),
    ("full-width-digits", cell(S2, "成員", "委員總數", "９")),
    ("roc-date-with-slashes", cell(H, "基本資料", "性平小組決議日期", "113/1/15")),
    ("roc-date-in-words", cell(H, "基本資料", "性平小組決議日期", "113年1月15日")),
    ("roc-date-compact", cell(H, "基本資料", "性平小組決議日期", "1130115")),
    ("excel-date-cell", cell(H, "基本資料", "性平小組決議日期", datetime(2024, 1, 15))),
    ("tick-as-check-mark", cell(S8, "具體措施", "已辦理", "✓", row=1)),
    ("tick-as-TRUE", cell(S8, "具體措施", "已辦理", True, row=2)),
    ("computable-formula", edit(S2, lambda b: b["成員"].cell(row=2, column=2, value="=B3+B4"))),
    ("sum-formula", edit(S2, lambda b: b["成員"].cell(row=2, column=2, value="=SUM(B3:B4)"))),
    (
        "header-with-spaces-and-full-width",
        edit(S10, lambda b: b["重點項目"].cell(row=1, column=1, value=" 重點項目或方案名稱 ")),
    ),
    ("extra-column", edit(S8, lambda b: b["具體措施"].cell(row=1, column=9, value="備註"))),
]


@pytest.mark.parametrize("case", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_values_clerks_type_are_understood(make_inputs, case):
    _, change = case
    folder = make_inputs()
    change(folder)
    assert [str(f) for f in verify(folder).findings] == []


def test_merged_cells_take_the_top_left_value(make_inputs):
    folder = make_inputs()

    def merge(book):
        ws = book["具體措施"]
        ws["A3"] = None
        ws.merge_cells("A2:A3")  # 類別 三 spans its two items

    edit(S8, merge)(folder)
    assert verify(folder).findings == []


# Unusable files: a clear message, exit 2, nothing written.
def replace_file(name: str, data: bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return apply


def ole_file(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra


def truncated(folder: Path) -> None:
    path = folder / S2
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def oversized(folder: Path) -> None:
    with open(folder / S3, "r+b") as handle:
        handle.truncate(30 * 1024 * 1024)  # sparse: cheap to make


def zip_bomb(folder: Path) -> None:
    path = folder / S4
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (40 * 1024 * 1024))


def entity_bomb(folder: Path) -> None:
    path = folder / S2
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path) as old:
        items = [(i, old.read(i.filename)) for i in old.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as new:
        for info, data in items:
            new.writestr(info, lol.encode() if info.filename == "xl/worksheets/sheet1.xml" else data)


def docx_renamed(folder: Path) -> None:
    path = folder / S3
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")


def xls_instead(folder: Path) -> None:
    (folder / S4).unlink()
    (folder / "04_性別統計.xls").write_bytes(ole_file())


def stray_cell(folder: Path) -> None:
    """One value typed (or pasted) at the last cell of the sheet: a 5 KB file."""
    edit(S10, lambda b: b["重點項目"].cell(row=1048576, column=16384, value="x"))(folder)


def stray_cell_with_formulas(folder: Path) -> None:
    """The same in a workbook with formulas (read by the other reader)."""

    def change(book):
        book["重點項目"]["XFD1048576"] = "x"
        book["重點項目"]["F2"] = "=1+1"

    edit(S10, change)(folder)


def merged_sheet(folder: Path) -> None:
    """A merged area to the end of the sheet, written into the XML (openpyxl would fill it)."""
    path = folder / S10
    with zipfile.ZipFile(path) as old:
        items = [(i, old.read(i.filename)) for i in old.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as new:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":  # 重點項目, the first sheet
                merge = b'</sheetData><mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>'
                data = data.replace(b"</sheetData>", merge)
            new.writestr(info, data)


def open_in_excel(folder: Path) -> None:
    (folder / ("~$" + S2[2:])).write_bytes(b"owner")


def open_in_libreoffice(folder: Path) -> None:
    (folder / f".~lock.{S2}#").write_bytes(b"owner")


UNUSABLE = [
    ("not-a-workbook", replace_file(S2, "這不是試算表".encode()), S2, "不是 Excel 活頁簿"),
    ("empty-file", replace_file(S3, b""), S3, "不是 Excel 活頁簿"),
    ("xls-renamed-xlsx", replace_file(S4, ole_file()), S4, ".xls"),
    ("xls-instead-of-xlsx", xls_instead, "04_性別統計.xls", ".xls"),
    ("password-protected", replace_file(S7, ole_file("EncryptedPackage".encode("utf-16-le"))), S7, "密碼"),
    ("corrupt-zip", truncated, S2, "損毀"),
    ("oversized", oversized, S3, "過大"),
    ("zip-bomb", zip_bomb, S4, "壓縮炸彈"),
    ("xml-entity-bomb", entity_bomb, S2, "XML 炸彈"),
    ("docx-renamed", docx_renamed, S3, "xl/workbook.xml"),
    ("open-in-excel", open_in_excel, S2, "Excel 中開啟"),
    ("stray-cell-at-XFD1048576", stray_cell, S10, "工作表「重點項目」的內容延伸到儲存格 XFD1048576"),
    ("stray-cell-at-XFD1048576-with-formulas", stray_cell_with_formulas, S10, "儲存格 XFD1048576"),
    ("merged-to-the-end-of-the-sheet", merged_sheet, S10, "XFD1048576"),
    ("open-in-libreoffice", open_in_libreoffice, S2, "LibreOffice 中開啟"),
    ("header-workbook-missing", lambda folder: (folder / H).unlink(), H, "找不到必要的活頁簿"),
]


@pytest.mark.parametrize("case", UNUSABLE, ids=[c[0] for c in UNUSABLE])
def test_unusable_file_is_a_clear_message_exit_2_nothing_written(make_inputs, tmp_path, monkeypatch, capsys, case):
    _, breaking, name, words = case
    folder = make_inputs()
    breaking(folder)
    out = tmp_path / "out"
    started = time.monotonic()
    with pytest.raises(InputError) as exc:
        build(folder, out)
    assert time.monotonic() - started < 20  # bounded: refused, not parsed at length
    assert name in str(exc.value) and words in str(exc.value)
    monkeypatch.setattr(sys, "argv", ["report", "build", "--inputs", str(folder), "--out", str(out)])
    with pytest.raises(SystemExit) as code:
        main()
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*.docx"))


def test_corpus_has_at_least_thirty_distinct_bad_workbooks():
    assert len({c[0] for c in FINDINGS} | {c[0] for c in UNUSABLE}) >= 30


def test_an_unusable_image_is_a_finding_not_a_crash(make_inputs, tmp_path):
    from docx import Document

    folder = make_inputs()
    (folder / "attachments" / "海報.png").write_bytes(b"not really a png")
    (folder / "attachments" / "好圖.png").write_bytes((SAMPLE / "attachments" / "公開揭示海報.png").read_bytes())
    edit(
        "08-1_成果說明.xlsx",
        lambda b: [
            b["成果說明"].append(row) for row in (["圖片", "attachments/海報.png"], ["圖片", "attachments/好圖.png"])
        ],
    )(folder)
    result = build(folder, tmp_path / "out")
    hits = [f for f in result.findings if f.rule == "results.image-file"]
    assert len(hits) == 1 and "海報.png" in hits[0].message and hits[0].source.cell == "B2"
    doc = Document(str(result.output))
    assert any("〔圖片無法放入：海報.png〕" in p.text for p in doc.paragraphs)
    assert len(doc.inline_shapes) == 1  # the good picture is still placed
