"""SpreadsheetML helpers: A1 cell references, and the number formats a workbook shows.

Everything here counts rows and columns from 1, as Excel does (A1 is (1, 1)).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path

from lxml import etree

from pipeline.office.opc import PARSER, Element, Order, insert_in_order, qn, rels_name, resolve

MAX_ROW, MAX_COLUMN = 1048576, 16384  # the largest sheet Excel opens (XFD1048576)
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    if col < 1:
        raise ValueError(f"column {col}")
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (lower case accepted)."""
    if not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not a column: {letters!r}")
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def cell_ref(row: int, col: int) -> str:
    """(12, 2) → B12."""
    return f"{column_letter(col)}{row}"


def parse_cell(ref: str | None) -> tuple[int, int] | None:
    """(row, column) of a reference such as ``B12`` or ``$B$12``; None when it is not one
    or lies outside the largest sheet."""
    found = _CELL.match(ref or "")
    if not found:
        return None
    row, col = int(found.group(2)), column_index(found.group(1))
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN else None


def parse_range(ref: str | None) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column) of ``A1:C3`` (or of one cell,
    ``B2``), corners put in order; None when it is not a range."""
    first, colon, last = (ref or "").partition(":")
    start = parse_cell(first)
    end = parse_cell(last) if colon else start
    if start is None or end is None:
        return None
    (r1, r2), (c1, c2) = sorted((start[0], end[0])), sorted((start[1], end[1]))
    return r1, c1, r2, c2


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    """(1, 1, 3, 3) → A1:C3."""
    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"


# CT_Worksheet's child sequence (ECMA-376 Part 1, 18.3.1.99).
WORKSHEET_ORDER: Order = (
    "x:sheetPr", "x:dimension", "x:sheetViews", "x:sheetFormatPr", "x:cols", "x:sheetData",
    "x:sheetCalcPr", "x:sheetProtection", "x:protectedRanges", "x:scenarios", "x:autoFilter",
    "x:sortState", "x:dataConsolidate", "x:customSheetViews", "x:mergeCells", "x:phoneticPr",
    "x:conditionalFormatting", "x:dataValidations", "x:hyperlinks", "x:printOptions",
    "x:pageMargins", "x:pageSetup", "x:headerFooter", "x:rowBreaks", "x:colBreaks",
    "x:customProperties", "x:cellWatches", "x:ignoredErrors", "x:smartTags", "x:drawing",
    "x:legacyDrawing", "x:legacyDrawingHF", "x:drawingHF", "x:picture", "x:oleObjects",
    "x:controls", "x:webPublishItems", "x:tableParts", "x:extLst",
)  # fmt: skip


def insert_worksheet_child(worksheet: Element, new: Element) -> Element:
    """Place a new child of ``<worksheet>`` where the schema's sequence puts it."""
    return insert_in_order(worksheet, new, WORKSHEET_ORDER)


# Built-in Excel number formats (those a clerk picks from the toolbar).
BUILTIN_FORMATS = {
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    14: "yyyy/m/d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    22: "yyyy/m/d h:mm",
    37: "#,##0",
    38: "#,##0",
    39: "#,##0.00",
    40: "#,##0.00",
}


def _int(text: str | None, default: int = 0) -> int:
    return int(text) if text and text.isdigit() else default


def _cell_formats(styles: Element | None) -> list[str | None]:
    """The number format of each cell format (``cellXfs``), by index; None for General."""
    if styles is None:
        return []
    custom = {
        _int(fmt.get("numFmtId"), -1): fmt.get("formatCode", "")
        for fmt in styles.iterfind(f"{qn('x:numFmts')}/{qn('x:numFmt')}")
    }
    return [
        custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id)
        for fmt_id in (_int(xf.get("numFmtId")) for xf in styles.iterfind(f"{qn('x:cellXfs')}/{qn('x:xf')}"))
    ]


STREAM_ABOVE = 8 * 1024 * 1024  # a sheet part bigger than this is streamed, not built as a tree


def _cells(archive: zipfile.ZipFile, part: str) -> Iterator[Element]:
    """The ``<c>`` elements of a sheet part: from a tree for a usual sheet, streamed (and
    let go of one by one) for a large one."""
    if archive.getinfo(part).file_size <= STREAM_ABOVE:
        yield from etree.fromstring(archive.read(part), PARSER).iter(qn("x:c"))
        return
    with archive.open(part) as stream:
        for _event, cell in etree.iterparse(stream, tag=qn("x:c"), resolve_entities=False, no_network=True):
            yield cell
            cell.clear(keep_tail=True)


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[Element | None, dict[str, tuple[str, str]]]:
    """The workbook part's tree and its relationships (id → (type, part name))."""
    names = set(archive.namelist())

    def tree(name: str) -> Element | None:
        return etree.fromstring(archive.read(name), PARSER) if name in names else None

    workbook = "xl/workbook.xml"
    root_rels = tree(rels_name(""))
    if root_rels is not None:
        for rel in root_rels.iter(qn("pr:Relationship")):
            if rel.get("Type", "").endswith("/officeDocument"):
                workbook = resolve("", rel.get("Target", ""))
    targets: dict[str, tuple[str, str]] = {}
    rels = tree(rels_name(workbook))
    for rel in () if rels is None else rels.iter(qn("pr:Relationship")):
        targets[rel.get("Id", "")] = (rel.get("Type", ""), resolve(workbook, rel.get("Target", "")))
    return tree(workbook), targets


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → the part that holds it, in the workbook's order."""
    return _sheet_parts(*_workbook_parts(archive))


def _sheet_parts(book: Element | None, targets: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {
        sheet.get("name", ""): targets.get(sheet.get(qn("r:id"), ""), ("", ""))[1]
        for sheet in (() if book is None else book.iterfind(f"{qn('x:sheets')}/{qn('x:sheet')}"))
    }


def number_formats(path: Path, sheets: Collection[str] | None = None) -> dict[str, dict[tuple[int, int], str]]:
    """Each sheet's (or each of ``sheets``') non-General number formats by (row, column),
    read from the workbook's XML (python-calamine gives values without their formats).  The
    file has passed the workbook checks."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        book, targets = _workbook_parts(archive)
        styles_part = next((part for kind, part in targets.values() if kind.endswith("/styles")), None)
        styles = etree.fromstring(archive.read(styles_part), PARSER) if styles_part in names else None
        coded = {str(index): code for index, code in enumerate(_cell_formats(styles)) if code}
        result: dict[str, dict[tuple[int, int], str]] = {}
        for name, part in _sheet_parts(book, targets).items():
            if sheets is not None and name not in sheets:
                continue
            shown: dict[tuple[int, int], str] = {}
            if coded and part in names and posixpath.splitext(part)[1] == ".xml":
                for cell in _cells(archive, part):
                    code = coded.get(cell.get("s", ""))
                    place = parse_cell(cell.get("r")) if code else None
                    if code and place:
                        shown[place] = code
            result[name] = shown
    return result
