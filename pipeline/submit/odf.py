"""The report as ODF (.odt): what LibreOffice made of the .docx, read back and compared.

``report build --odt`` and ``report package`` have LibreOffice convert the
report; before the .odt is delivered it is read back here and compared with
the .docx it came from, in the form's terms: every table (nested ones too) with
the same rows, cell texts and merged areas, the same ticks, and every comment
anchored in the same table cell.  A difference means LibreOffice lost or moved
something, and the .odt is not delivered.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.office.opc import NS

TICKS = "☑☐■□"
MAX_XML_BYTES = 100 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

W = NS["w"]
ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _o(prefix: str, tag: str) -> str:
    return f"{{{ODF[prefix]}}}{tag}"


@dataclass(frozen=True)
class Cell:
    """A table cell as a reader sees it: its text and the area it covers."""

    text: str
    rows: int = 1
    columns: int = 1


@dataclass
class Shape:
    """What must survive a conversion: tables (in document order), ticks and comment anchors."""

    tables: list[list[list[Cell]]] = field(default_factory=list)
    ticks: Counter = field(default_factory=Counter)
    comments: list[tuple[int, int, int] | None] = field(default_factory=list)  # (table, row, cell) or None


def _read_part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        if info.file_size > MAX_XML_BYTES:
            raise ValueError(f"{path.name} 的 {name} 過大")
        return etree.fromstring(archive.read(info), _PARSER)


# -- .docx -------------------------------------------------------------------------------


def _w_text(p: etree._Element) -> str:
    parts = []
    for node in p.iter(_w("t"), _w("tab"), _w("br")):
        parts.append(node.text or "" if node.tag == _w("t") else "\t" if node.tag == _w("tab") else "\n")
    return "".join(parts)


def _own(node: etree._Element, tag: str, stop: str) -> Iterator[etree._Element]:
    """Descendants ``tag`` of ``node`` not inside a nested ``stop`` element."""
    for child in node:
        if not isinstance(child.tag, str) or child.tag == stop:
            continue
        if child.tag == tag:
            yield child
        else:
            yield from _own(child, tag, stop)


def _span(tc: etree._Element) -> tuple[int, str | None]:
    tc_pr = tc.find(_w("tcPr"))
    span, vmerge = 1, None
    if tc_pr is not None:
        grid_span = tc_pr.find(_w("gridSpan"))
        value = "" if grid_span is None else grid_span.get(_w("val"), "")
        span = int(value) if value.isdigit() and 0 < int(value) < 1000 else 1
        merge = tc_pr.find(_w("vMerge"))
        if merge is not None:
            vmerge = merge.get(_w("val"), "continue")
    return span, vmerge


def docx_shape(path: Path) -> Shape:
    """The tables, ticks and comment anchors of a .docx."""
    root = _read_part(path, "word/document.xml")
    body = root.find(_w("body"))
    shape = Shape()
    where: dict[etree._Element, tuple[int, int, int]] = {}
    for tbl in body.iter(_w("tbl")):
        number = len(shape.tables)
        grid: list[list[tuple[etree._Element, int, str | None]]] = []
        for tr in _own(tbl, _w("tr"), _w("tbl")):
            grid.append([(tc, *_span(tc)) for tc in _own(tr, _w("tc"), _w("tbl"))])
        # Vertical merges: a "restart" cell covers the "continue" cells below it at its grid column.
        starts: dict[int, list] = {}
        rows: list[list[Cell]] = []
        for r, cells in enumerate(grid):
            row: list[list] = []
            column = 0
            for _c, (tc, span, vmerge) in enumerate(cells):
                if vmerge == "continue" and column in starts:
                    starts[column][1] += 1
                    where[tc] = where[starts[column][0]]
                else:
                    text = "\n".join(_w_text(p) for p in _own(tc, _w("p"), _w("tbl")))
                    entry = [tc, 1, span, text]
                    row.append(entry)
                    where[tc] = (number, r, len(row) - 1)
                    if vmerge == "restart":
                        starts[column] = entry
                    else:
                        starts.pop(column, None)
                column += span
            rows.append(row)
        shape.tables.append([[Cell(e[3], e[1], e[2]) for e in row] for row in rows])
    shape.ticks = Counter(ch for ch in "".join(t.text or "" for t in body.iter(_w("t"))) if ch in TICKS)
    for reference in body.iter(_w("commentReference")):
        cell = next((a for a in reference.iterancestors(_w("tc"))), None)
        shape.comments.append(where.get(cell) if cell is not None else None)
    return shape


# -- .odt --------------------------------------------------------------------------------


def _o_text(p: etree._Element) -> str:
    """A paragraph's text: spaces, tabs and line breaks as written, comments left out."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == _o("text", "s"):
                parts.append(" " * int(child.get(_o("text", "c"), "1")))
            elif child.tag == _o("text", "tab"):
                parts.append("\t")
            elif child.tag == _o("text", "line-break"):
                parts.append("\n")
            elif child.tag not in (_o("office", "annotation"), _o("office", "annotation-end")) and isinstance(
                child.tag, str
            ):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(p)
    return "".join(parts)


_ODF_CONTAINERS = tuple(_o("text", t) for t in ("list", "list-item", "list-header", "section"))


def _odf_paragraphs(cell: etree._Element) -> Iterator[etree._Element]:
    for child in cell:
        if child.tag in (_o("text", "p"), _o("text", "h")):
            yield child
        elif child.tag in (
            _o("text", "list"),
            _o("text", "list-item"),
            _o("text", "list-header"),
            _o("text", "section"),
        ):
            yield from _odf_paragraphs(child)


def odt_shape(path: Path) -> Shape:
    """The tables, ticks and comment anchors of an .odt."""
    root = _read_part(path, "content.xml")
    text = root.find(f"{_o('office', 'body')}/{_o('office', 'text')}")
    shape = Shape()
    where: dict[etree._Element, tuple[int, int, int]] = {}
    table_tag = _o("table", "table")
    for table in text.iter(table_tag):
        number = len(shape.tables)
        rows: list[list[Cell]] = []
        for tr in _own(table, _o("table", "table-row"), table_tag):
            row: list[Cell] = []
            for cell in tr:
                if cell.tag != _o("table", "table-cell"):
                    continue
                content = "\n".join(_o_text(p) for p in _odf_paragraphs(cell))
                rows_spanned = int(cell.get(_o("table", "number-rows-spanned"), "1"))
                columns_spanned = int(cell.get(_o("table", "number-columns-spanned"), "1"))
                where[cell] = (number, len(rows), len(row))
                row.append(Cell(content, rows_spanned, columns_spanned))
            rows.append(row)
        shape.tables.append(rows)
    all_text = "".join(_o_text(p) for p in text.iter(_o("text", "p"), _o("text", "h")) if not _in_annotation(p))
    shape.ticks = Counter(ch for ch in all_text if ch in TICKS)
    for annotation in text.iter(_o("office", "annotation")):
        cell = next((a for a in annotation.iterancestors(_o("table", "table-cell"))), None)
        shape.comments.append(where.get(cell) if cell is not None else None)
    return shape


def _in_annotation(node: etree._Element) -> bool:
    return any(a.tag == _o("office", "annotation") for a in node.iterancestors())


# -- comparing ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def differences(docx: Path, odt: Path, limit: int = 10) -> list[str]:
    """What the .odt lost or changed against the .docx (empty when nothing), in words."""
    want, got = docx_shape(docx), odt_shape(odt)
    found: list[str] = []
    if len(want.tables) != len(got.tables):
        found.append(f"表格數不同：.docx 有 {len(want.tables)} 個，.odt 有 {len(got.tables)} 個")
    for number, (a, b) in enumerate(zip(want.tables, got.tables, strict=False), start=1):
        if len(a) != len(b):
            found.append(f"第 {number} 個表格的列數不同：{len(a)} → {len(b)}")
            continue
        for r, (row_a, row_b) in enumerate(zip(a, b, strict=False), start=1):
            if len(row_a) != len(row_b):
                found.append(f"第 {number} 個表格第 {r} 列的儲存格數不同：{len(row_a)} → {len(row_b)}")
                continue
            for c, (x, y) in enumerate(zip(row_a, row_b, strict=False), start=1):
                if _clean(x.text) != _clean(y.text):
                    found.append(f"第 {number} 個表格第 {r} 列第 {c} 格的文字不同：「{x.text}」→「{y.text}」")
                elif (x.rows, x.columns) != (y.rows, y.columns):
                    found.append(
                        f"第 {number} 個表格第 {r} 列第 {c} 格的合併範圍不同："
                        f"{x.rows}×{x.columns} → {y.rows}×{y.columns}"
                    )
    if want.ticks != got.ticks:
        found.append(f"勾選符號不同：{dict(want.ticks)} → {dict(got.ticks)}")
    if Counter(want.comments) != Counter(got.comments):
        lost = len(want.comments) - len(got.comments)
        detail = f"少了 {lost} 則" if lost > 0 else "位置不同"
        found.append(f"註解（檢核結果）{detail}：.docx 有 {len(want.comments)} 則，.odt 有 {len(got.comments)} 則")
    return found[:limit]


# -- spreadsheets ------------------------------------------------------------------------

_TABLE_NS = ODF["table"]


def xlsx_dropdowns(path: Path) -> set[tuple[str, tuple[str, ...]]]:
    """(sheet, choices) of every list validation (dropdown) of an .xlsx."""
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        book = load_workbook(handle)
    found = set()
    for sheet in book.worksheets:
        for validation in sheet.data_validations.dataValidation:
            if validation.type == "list" and validation.formula1:
                found.add((sheet.title, _choices(validation.formula1)))
    book.close()
    return found


def ods_dropdowns(path: Path) -> set[tuple[str, tuple[str, ...]]]:
    """(sheet, choices) of every list validation used by a cell of an .ods."""
    root = _read_part(path, "content.xml")
    conditions = {
        v.get(f"{{{_TABLE_NS}}}name"): v.get(f"{{{_TABLE_NS}}}condition", "")
        for v in root.iter(f"{{{_TABLE_NS}}}content-validation")
    }
    found = set()
    for table in root.iter(f"{{{_TABLE_NS}}}table"):
        used = {c.get(f"{{{_TABLE_NS}}}content-validation-name") for c in table.iter(f"{{{_TABLE_NS}}}table-cell")}
        for name in used - {None}:
            condition = conditions.get(name, "")
            if "is-in-list(" in condition:
                inner = condition.split("is-in-list(", 1)[1].rsplit(")", 1)[0]
                found.add((table.get(f"{{{_TABLE_NS}}}name"), _choices(inner)))
    return found


def _choices(formula: str) -> tuple[str, ...]:
    """The choices of a list validation: "A,B" (Excel) or "A";"B" (ODF)."""
    text = formula.strip()
    if text.startswith('"') and text.endswith('"') and '";"' not in text:
        return tuple(x.strip() for x in text[1:-1].split(","))
    return tuple(x.strip().strip('"') for x in text.split(";"))


def sheet_differences(xlsx: Path, ods: Path, limit: int = 10) -> list[str]:
    """What an .ods LibreOffice made lost against its .xlsx: cells, merged areas, dropdowns."""
    from pipeline.inputs.sheets import open_book

    want, got = open_book(xlsx), open_book(ods)
    found: list[str] = []
    if [g.title for g in want.grids] != [g.title for g in got.grids]:
        found.append(f"工作表不同：{[g.title for g in want.grids]} → {[g.title for g in got.grids]}")
    for a, b in zip(want.grids, got.grids, strict=False):
        rows_a = [tuple(v for v in row) for row in a.rows()]
        rows_b = [tuple(v for v in row) for row in b.rows()]
        for r in range(max(len(rows_a), len(rows_b))):
            row_a = rows_a[r] if r < len(rows_a) else ()
            row_b = rows_b[r] if r < len(rows_b) else ()
            for c in range(max(len(row_a), len(row_b))):
                x = row_a[c] if c < len(row_a) else None
                y = row_b[c] if c < len(row_b) else None
                if x != y:
                    found.append(f"工作表「{a.title}」第 {r + 1} 列第 {c + 1} 欄不同：{x!r} → {y!r}")
        if sorted(a.merges) != sorted(b.merges):
            found.append(f"工作表「{a.title}」的合併儲存格不同")
    lost = xlsx_dropdowns(xlsx) - ods_dropdowns(ods)
    for sheet, choices in sorted(lost):
        found.append(f"工作表「{sheet}」少了下拉選單：{'、'.join(choices)}")
    return found[:limit]
