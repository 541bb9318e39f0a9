"""Marked workbook copies: each finding's cell filled and commented, the rest of the workbook kept."""

from __future__ import annotations

import errno
import hashlib
import posixpath
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.utils import coordinate_to_tuple
from PIL import Image as PILImage

from pipeline.findings import Finding, Severity, Source
from pipeline.review import annotate
from pipeline.review.annotate import AUTHOR, mark_workbooks
from tests.conftest import ROOT, needs_soffice

BOOK = "書.xlsx"
RED, YELLOW, BLUE = "FFC7CE", "FFEB9C", "DDEBF7"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def finding(
    sheet: str | None,
    cell: str | None,
    severity: Severity = Severity.ERROR,
    rule: str = "test.rule",
    message: str = "數字不符",
    book: str = BOOK,
) -> Finding:
    return Finding(rule, severity, message, Source(book, sheet, cell), title=TITLES.get(rule, "測試規則"))


TITLES = {"first.rule": "第一條規則", "second.rule": "第二條規則"}


def write_book(path: Path) -> Path:
    """A small workbook as a clerk's might be: styles, a merged range, gaps, three sheets.

    甲: A1:C5 filled but C4 (no <c> element), row 12 after a gap (rows 6–11 do not exist),
    D2:E3 merged, B2 bold with a thousands format, a hyperlink (a sheet relationship
    already there), a picture (a <drawing> the comments' <legacyDrawing> must follow) and
    column F italic by a column style (an empty F3 shows that style).
    """
    book = Workbook()
    ws = book.active
    ws.title = "甲"
    for row in range(1, 6):
        for col in "ABC":
            if (col, row) != ("C", 4):
                ws[f"{col}{row}"] = row * 10 + "ABC".index(col)
    ws["B2"].font = Font(bold=True)
    ws["B2"].number_format = "#,##0"
    ws.column_dimensions["F"].font = Font(italic=True)
    ws["A12"] = "後面"
    ws["D2"] = "合併"
    ws.merge_cells("D2:E3")
    ws["A1"].hyperlink = "https://example.org/"
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = path.parent.parent / "picture.png"
    PILImage.new("RGB", (8, 8), "green").save(picture)
    ws.add_image(Image(str(picture)), "G2")
    other = book.create_sheet("乙")
    other["A1"], other["B3"] = "乙表", 3
    untouched = book.create_sheet("丙")
    untouched["A1"], untouched["B2"] = "不動", 42
    book.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def values(path: Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell's value, by (sheet, cell)."""
    book = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


FINDINGS = [
    finding("甲", "B2", Severity.WARNING, "first.rule", "B2 的警告"),
    finding("甲", "B2", Severity.ERROR, "second.rule", "B2 的錯誤"),
    finding("甲", "C4", Severity.INFO, "empty.cell", "空格"),
    finding("甲", "C8", Severity.WARNING, "no.row", "沒有這一列"),
    finding("甲", "E3", Severity.ERROR, "merged", "合併範圍內"),
    finding("甲", "F3", Severity.INFO, "column.style", "欄樣式"),
    finding("乙", "B3", Severity.INFO, "other.sheet", "第二張表"),
    finding("不存在的表", "Q99", Severity.INFO, "lost.sheet", "找不到工作表"),
    finding("乙", "not a cell", Severity.WARNING, "bad.cell", "儲存格不對"),
]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_book(tmp_path / "inputs" / BOOK)


@pytest.fixture
def marked(source: Path, tmp_path: Path, monkeypatch) -> Path:
    """The marked copy, written by the direct path (the test fails if it falls back)."""

    def no_fallback(*args):
        raise AssertionError("the openpyxl fallback was used")

    monkeypatch.setattr(annotate, "_mark_with_openpyxl", no_fallback)
    written, _ = mark_workbooks(source.parent, FINDINGS, tmp_path / "out")
    assert written == [tmp_path / "out" / BOOK]
    return written[0]


def test_an_empty_cell_that_had_no_element_is_filled_and_commented(marked, source):
    assert load_workbook(source)["甲"]["C4"].has_style is False
    cell = load_workbook(marked)["甲"]["C4"]
    assert fill(cell) == BLUE and cell.value is None
    assert cell.comment.text == "[提示] 測試規則：空格"
    assert cell.comment.author == AUTHOR


def test_two_findings_on_one_cell_take_the_worst_colour_and_both_lines(marked):
    cell = load_workbook(marked)["甲"]["B2"]
    assert fill(cell) == RED
    assert cell.comment.text == "[警告] 第一條規則：B2 的警告\n[錯誤] 第二條規則：B2 的錯誤"


def test_the_cells_own_style_and_value_are_kept(marked):
    cell = load_workbook(marked)["甲"]["B2"]
    assert cell.font.b is True
    assert cell.number_format == "#,##0"
    assert cell.value == 21


def test_a_cell_in_a_row_that_did_not_exist_is_marked(marked, source):
    assert load_workbook(source)["甲"]["C8"].has_style is False
    ws = load_workbook(marked)["甲"]
    assert fill(ws["C8"]) == YELLOW and ws["C8"].value is None
    assert ws["C8"].comment.text == "[警告] 測試規則：沒有這一列"
    assert ws["A12"].value == "後面"


def test_an_empty_cell_keeps_its_columns_style(marked):
    cell = load_workbook(marked)["甲"]["F3"]
    assert cell.font.i is True and fill(cell) == BLUE and cell.comment.text == "[提示] 測試規則：欄樣式"


def test_a_merged_range_is_marked_on_its_top_left_cell(marked):
    ws = load_workbook(marked)["甲"]
    assert fill(ws["D2"]) == RED and "合併範圍內" in ws["D2"].comment.text
    assert "D2:E3" in {str(r) for r in ws.merged_cells.ranges}


def test_the_second_sheet_is_marked_an_unknown_sheet_is_the_first_and_a_bad_cell_a1(marked):
    book = load_workbook(marked)
    assert fill(book["乙"]["B3"]) == BLUE and book["乙"]["B3"].comment.text == "[提示] 測試規則：第二張表"
    assert book["乙"]["A1"].comment.text == "[警告] 測試規則：儲存格不對"  # bad cell → A1 of its sheet
    assert book["甲"]["Q99"].comment.text == "[提示] 測試規則：找不到工作表"  # unknown sheet → first sheet
    assert fill(book["甲"]["Q99"]) == BLUE  # far beyond the data: row and cell created


def test_unmarked_cells_have_no_comment_or_fill(marked, source):
    before, after = load_workbook(source), load_workbook(marked)
    marked_cells = {
        ("甲", "B2"),
        ("甲", "C4"),
        ("甲", "C8"),
        ("甲", "D2"),
        ("甲", "F3"),
        ("甲", "Q99"),
        ("乙", "B3"),
        ("乙", "A1"),
    }
    for ws in after.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) not in marked_cells:
                    assert cell.comment is None, cell.coordinate
                    old = before[ws.title][cell.coordinate].fill
                    assert (cell.fill.fill_type, cell.fill.fgColor.rgb) == (old.fill_type, old.fgColor.rgb), cell


def test_every_value_is_unchanged_and_the_source_untouched(source, tmp_path):
    before = digest(source)
    original = values(source)
    marked = mark_workbooks(source.parent, FINDINGS, tmp_path / "out")[0][0]
    assert digest(source) == before
    assert values(marked) == original
    assert load_workbook(marked)["甲"]["A1"].hyperlink.target == "https://example.org/"


def test_parts_that_need_no_change_are_copied_byte_for_byte(source, marked):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(marked) as new:
        changed = {name for name in old.namelist() if old.read(name) != new.read(name)}
        assert changed == {
            "[Content_Types].xml",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
            "xl/worksheets/_rels/sheet1.xml.rels",
        }
        assert old.namelist() == new.namelist()[: len(old.namelist())]  # same order, new parts after


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {
        s.get("name"): posixpath.normpath(posixpath.join("xl", targets[s.get(rid)])).lstrip("/")
        for s in workbook.iter(f"{MAIN}sheet")
    }


def test_the_package_is_consistent(marked):
    with zipfile.ZipFile(marked) as archive:
        names = set(archive.namelist())
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        overrides = {o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
        for name in names:
            assert name in overrides or name.rsplit(".", 1)[-1] in defaults, name
        assert defaults["vml"] == "application/vnd.openxmlformats-officedocument.vmlDrawing"
        for name in (n for n in names if n.endswith(".rels")):
            folder = posixpath.dirname(posixpath.dirname(name))
            ids = []
            for rel in etree.fromstring(archive.read(name)):
                ids.append(rel.get("Id"))
                if rel.get("TargetMode") != "External":
                    target = rel.get("Target")
                    part = (
                        target.lstrip("/")
                        if target.startswith("/")
                        else posixpath.normpath(posixpath.join(folder, target))
                    )
                    assert part in names, (name, target)
            assert len(ids) == len(set(ids)), name
        styles = etree.fromstring(archive.read("xl/styles.xml"))
        for group in ("fills", "cellXfs"):
            element = styles.find(f"{MAIN}{group}")
            assert int(element.get("count")) == len(element)
        for part in sheet_parts(archive).values():
            sheet = etree.fromstring(archive.read(part))
            rows = [int(r.get("r")) for r in sheet.iter(f"{MAIN}row")]
            assert rows == sorted(set(rows)), part
            first, _, last = sheet.find(f"{MAIN}dimension").get("ref").partition(":")
            box = [coordinate_to_tuple(first), coordinate_to_tuple(last or first)]
            for cell in sheet.iter(f"{MAIN}c"):
                row, col = coordinate_to_tuple(cell.get("r"))
                assert box[0][0] <= row <= box[1][0] and box[0][1] <= col <= box[1][1], (part, cell.get("r"))
            for row in sheet.iter(f"{MAIN}row"):
                cells = [(len(c.get("r").rstrip("0123456789")), c.get("r")) for c in row]
                assert cells == sorted(cells), part


def test_comments_follow_the_schema_order_and_match_their_vml_shapes(marked):
    with zipfile.ZipFile(marked) as archive:
        part = sheet_parts(archive)["甲"]
        sheet = etree.fromstring(archive.read(part))
        tags = [etree.QName(child).localname for child in sheet]
        assert tags.index("legacyDrawing") == tags.index("drawing") + 1
        assert tags[-1] == "legacyDrawing"
        rels = {
            r.get("Type").rsplit("/", 1)[1]: r.get("Target")
            for r in etree.fromstring(archive.read("xl/worksheets/_rels/sheet1.xml.rels"))
        }
        comments = etree.fromstring(archive.read(posixpath.normpath(posixpath.join("xl/worksheets", rels["comments"]))))
        vml = etree.fromstring(archive.read(posixpath.normpath(posixpath.join("xl/worksheets", rels["vmlDrawing"]))))
    refs = [c.get("ref") for c in comments.iter(f"{MAIN}comment")]
    assert refs == ["B2", "D2", "F3", "C4", "C8", "Q99"]  # row by row, as Excel keeps them
    excel = "{urn:schemas-microsoft-com:office:excel}"
    notes = [
        (int(d.findtext(f"{excel}Row")), int(d.findtext(f"{excel}Column"))) for d in vml.iter(f"{excel}ClientData")
    ]
    assert notes == [(1, 1), (1, 3), (2, 5), (3, 2), (7, 2), (98, 16)]  # zero-based, one shape per comment
    assert all(d.get("ObjectType") == "Note" and d.findtext(f"{excel}Anchor") for d in vml.iter(f"{excel}ClientData"))
    shape_ids = [s.get("id") for s in vml.iter("{urn:schemas-microsoft-com:vml}shape")]
    assert len(set(shape_ids)) == len(shape_ids) == 6


def test_the_direct_path_and_the_openpyxl_fallback_mark_alike(source, tmp_path, monkeypatch):
    direct = mark_workbooks(source.parent, FINDINGS, tmp_path / "direct")[0][0]

    def unhandled(*args):
        raise annotate._Unhandled("forced")

    monkeypatch.setattr(annotate, "_mark_package", unhandled)
    fallback = mark_workbooks(source.parent, FINDINGS, tmp_path / "fallback")[0][0]

    def shown(path):
        return {
            (ws.title, c.coordinate): (
                fill(c),
                c.comment and (c.comment.text, c.comment.author),
                c.font.b,
                c.number_format,
                c.value,
            )
            for ws in load_workbook(path).worksheets
            for row in ws.iter_rows()
            for c in row
        }

    a, b = shown(direct), shown(fallback)
    assert {k: v for k, v in a.items() if v[0] or v[1]} == {k: v for k, v in b.items() if v[0] or v[1]}
    assert len([v for v in a.values() if v[1]]) == 8


def test_a_workbook_that_already_has_comments_goes_through_openpyxl_and_keeps_them(tmp_path, monkeypatch):
    book = Workbook()
    ws = book.active
    ws.title = "甲"
    ws["A1"], ws["B2"] = "有註解", 5
    ws["A1"].comment = Comment("承辦人的註解", "承辦人")
    source = tmp_path / "inputs" / BOOK
    source.parent.mkdir()
    book.save(source)
    calls = []
    original = annotate._mark_with_openpyxl
    monkeypatch.setattr(annotate, "_mark_with_openpyxl", lambda *a: calls.append(a) or original(*a))
    marked = mark_workbooks(source.parent, [finding("甲", "B2")], tmp_path / "out")[0][0]
    assert len(calls) == 1
    ws = load_workbook(marked)["甲"]
    assert (ws["A1"].comment.text, ws["A1"].comment.author) == ("承辦人的註解", "承辦人")
    assert ws["B2"].comment.text == "[錯誤] 測試規則：數字不符" and fill(ws["B2"]) == RED


def test_a_book_without_a_findings_file_is_skipped(source, tmp_path):
    written, _ = mark_workbooks(
        source.parent,
        [finding("甲", "A1", book="沒有這本.xlsx"), Finding("no.source", Severity.ERROR, "無來源")],
        tmp_path / "out",
    )
    assert written == [] and not (tmp_path / "out").exists()


def test_the_direct_path_does_not_import_openpyxl(source, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from pipeline.review.annotate import mark_workbooks
        from pipeline.findings import Finding, Severity, Source
        found = [Finding("r", Severity.ERROR, "m", Source({BOOK!r}, "甲", "C8"))]
        written, _ = mark_workbooks(Path({str(source.parent)!r}), found, Path({str(tmp_path / "out")!r}))
        print(len(written), "openpyxl" in sys.modules)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False"]
    assert load_workbook(tmp_path / "out" / BOOK)["甲"]["C8"].comment.text == "[錯誤] r：m"  # no title: its id


def libreoffice_copy(path: Path, folder: Path, profile: Path) -> Path:
    """``path`` opened and saved again as .xlsx by LibreOffice, into ``folder``."""
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return folder / path.name


@needs_soffice
def test_libreoffice_reads_the_comments_and_fills(marked, tmp_path):
    book = load_workbook(libreoffice_copy(marked, tmp_path / "converted", tmp_path / "profile"))
    ws = book["甲"]
    assert ws["B2"].comment.text == "[警告] 第一條規則：B2 的警告\n[錯誤] 第二條規則：B2 的錯誤"
    assert ws["C8"].comment.text == "[警告] 測試規則：沒有這一列"
    assert "合併範圍內" in ws["D2"].comment.text
    assert book["乙"]["B3"].comment.text == "[提示] 測試規則：第二張表"
    assert (fill(ws["B2"]), fill(ws["C4"]), fill(ws["C8"])) == (RED, BLUE, YELLOW)
    assert ws["B2"].font.b is True and ws["B2"].value == 21
    assert book["丙"]["B2"].value == 42


@needs_soffice
def test_a_workbook_libreoffice_saved_is_marked_directly(source, tmp_path, monkeypatch):
    # Another writer's package: shared strings, relative targets, row attributes, a declaration.
    saved = libreoffice_copy(source, tmp_path / "saved", tmp_path / "profile")
    monkeypatch.setattr(annotate, "_mark_with_openpyxl", None)  # fails if the fallback is used
    marked = mark_workbooks(saved.parent, FINDINGS, tmp_path / "out")[0][0]
    assert values(marked) == values(saved)
    ws = load_workbook(marked)["甲"]
    assert (fill(ws["B2"]), fill(ws["C8"]), fill(ws["D2"]), fill(ws["F3"])) == (RED, YELLOW, RED, BLUE)
    assert ws["B2"].font.b is True and ws["F3"].font.i is True
    again = load_workbook(libreoffice_copy(marked, tmp_path / "again", tmp_path / "profile"))["甲"]
    assert again["C8"].comment.text == "[警告] 測試規則：沒有這一列" and fill(again["C8"]) == YELLOW


def test_a_workbook_neither_way_can_mark_is_named_and_the_build_goes_on(sample_inputs, tmp_path, monkeypatch):
    from pipeline import build

    def broken(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(annotate, "_mark_package", broken)
    monkeypatch.setattr(annotate, "_mark_with_openpyxl", broken)
    result = build(sample_inputs, tmp_path / "out")
    assert result.output.is_file() and result.findings  # the sample's one warning
    assert result.marked_workbooks == []
    [problem] = result.unmarked
    assert problem.startswith("無法寫出 06_性別影響評估.xlsx 的檢核標示副本：") and "磁碟空間不足" in problem
    assert not list((tmp_path / "out").rglob("*.xlsx"))  # no half-written copy
