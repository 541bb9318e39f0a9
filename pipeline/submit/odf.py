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
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.office.opc import Element
from pipeline.review.document import Paragraph, Table, read_document

TICKS = "☑☐■□"
MAX_XML_BYTES = 100 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}

Place = tuple[int, int, int] | None  # (table, row, grid column) of a comment; None outside tables


@dataclass
class Shape:
    """What must survive a conversion: every table (in document order) as its grid of texts
    and its merged areas, the ticks, and where each comment is anchored (with its text)."""

    tables: list[tuple[list[list[str]], list[tuple[int, int, int, int]]]] = field(default_factory=list)
    ticks: Counter[str] = field(default_factory=Counter)
    comments: list[tuple[Place, str]] = field(default_factory=list)


def _read_part(path: Path, name: str) -> Element:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        if info.file_size > MAX_XML_BYTES:
            raise ValueError(f"{path.name} 的 {name} 過大")
        return etree.fromstring(archive.read(info), _PARSER)


def report_shape(path: Path) -> Shape:
    """The tables, ticks and comment anchors of a report (.docx or .odt), read through the
    same document model that ``diff`` and ``pull`` use."""
    document = read_document(path)
    tables = document.all_tables()
    number = {id(table): n for n, table in enumerate(tables)}
    shape = Shape(tables=[(table.grid(), sorted(table.merges())) for table in tables])
    texts: list[str] = []

    def paragraph(p: Paragraph, place: Place) -> None:
        texts.append(p.text)
        shape.comments.extend((place, note.strip()) for note in p.comments)

    def table(t: Table) -> None:
        for r, row in enumerate(t.rows):
            column = row.before
            for cell in row.cells:
                for p in cell.paragraphs:
                    paragraph(p, (number[id(t)], r, column))
                for nested in cell.tables:
                    table(nested)
                column += cell.span

    for block in document.blocks:
        if isinstance(block, Paragraph):
            paragraph(block, None)
        else:
            table(block)
    shape.ticks = Counter(ch for ch in "".join(texts) if ch in TICKS)
    return shape


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def differences(docx: Path, odt: Path, limit: int = 10) -> list[str]:
    """What the .odt lost or changed against the .docx (empty when nothing), in words."""
    want, got = report_shape(docx), report_shape(odt)
    found: list[str] = []
    if len(want.tables) != len(got.tables):
        found.append(f"表格數不同：.docx 有 {len(want.tables)} 個，.odt 有 {len(got.tables)} 個")
    for number, ((grid_a, merges_a), (grid_b, merges_b)) in enumerate(
        zip(want.tables, got.tables, strict=False), start=1
    ):
        if len(grid_a) != len(grid_b):
            found.append(f"第 {number} 個表格的列數不同：{len(grid_a)} → {len(grid_b)}")
            continue
        for r, (row_a, row_b) in enumerate(zip(grid_a, grid_b, strict=True), start=1):
            for c in range(max(len(row_a), len(row_b))):
                x = row_a[c] if c < len(row_a) else ""
                y = row_b[c] if c < len(row_b) else ""
                if _clean(x) != _clean(y):
                    found.append(f"第 {number} 個表格第 {r} 列第 {c + 1} 欄的文字不同：「{x}」→「{y}」")
        if merges_a != merges_b:
            found.append(f"第 {number} 個表格的合併儲存格不同：{len(merges_a)} 處 → {len(merges_b)} 處")
    if want.ticks != got.ticks:
        found.append(f"勾選符號不同：{dict(want.ticks)} → {dict(got.ticks)}")
    lost = Counter(want.comments) - Counter(got.comments)
    if lost:
        where = "、".join(
            "本文" if place is None else f"第 {place[0] + 1} 個表格第 {place[1] + 1} 列第 {place[2] + 1} 欄"
            for place, _text in sorted(lost, key=lambda item: (item[0] is not None, item[0] or (0, 0, 0)))
        )
        found.append(
            f"註解（檢核結果）少了或移動了 {sum(lost.values())} 則（{where}）："
            f".docx 有 {len(want.comments)} 則，.odt 有 {len(got.comments)} 則"
        )
    return found[:limit]


# -- spreadsheets ------------------------------------------------------------------------

_TABLE_NS = ODF["table"]


def xlsx_dropdowns(path: Path) -> set[tuple[str, tuple[str, ...]]]:
    """(sheet, choices) of every list validation (dropdown) of an .xlsx."""
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        book = load_workbook(handle)
    found: set[tuple[str, tuple[str, ...]]] = set()
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
    found: set[tuple[str, tuple[str, ...]]] = set()
    for table in root.iter(f"{{{_TABLE_NS}}}table"):
        used = {c.get(f"{{{_TABLE_NS}}}content-validation-name") for c in table.iter(f"{{{_TABLE_NS}}}table-cell")}
        for name in used - {None}:
            condition = conditions.get(name, "")
            if "is-in-list(" in condition:
                inner = condition.split("is-in-list(", 1)[1].rsplit(")", 1)[0]
                found.add((table.get(f"{{{_TABLE_NS}}}name", ""), _choices(inner)))
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
