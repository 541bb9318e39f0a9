"""OpenDocument spreadsheets (.ods), as LibreOffice and the NDC's ODF tools save them.

python-calamine reads an .ods file's values (merged cells, dates, line breaks
in a cell as for .xlsx); what it does not give is read here from the sheets'
XML in one streaming pass: the merged areas, and the number format each cell
shows (as an Excel format code, so the free-layout tables print 21.53% or
1,234,567 as for .xlsx).  Repeated rows and columns (an .ods writes "the next
1,048,000 rows are empty" as one element) are counted, never expanded.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pipeline.inputs.filecheck import refuse_extent
from pipeline.office.opc import Element
from pipeline.office.sml import column_letter

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
MAX_SPAN = 16384  # columns of a sheet; a merge or a repeat beyond is clipped
MAX_RECORDED_REPEAT = 1000  # a repeated cell with a value or a merge is recorded this many times at most


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


TABLE, ROW, CELL, COVERED, COLUMN = (
    _q("table", t) for t in ("table", "table-row", "table-cell", "covered-table-cell", "table-column")
)
HEADER_GROUPS = {_q("table", t) for t in ("table-header-rows", "table-rows", "table-row-group")}


@dataclass
class SheetLayout:
    """What calamine does not say about one sheet: merged areas and number formats."""

    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1, c1, r2, c2
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → Excel format code
    rows: int = 0  # the last row and column holding a value or a merge: the sheet's extent
    columns: int = 0
    merged: int = 0  # cells inside merged areas
    farthest: tuple[int, int] = (1, 1)  # the cell with a value or merge that reaches farthest (row, column)

    def refuse_if_absurd(self, workbook: str, sheet: str) -> None:
        """InputError when the sheet reaches absurdly far (a stray value at row 1,048,000)."""
        row, column = self.farthest
        refuse_extent(workbook, sheet, self.rows, self.columns, f"{column_letter(column)}{row}", self.merged)


def is_encrypted(archive: zipfile.ZipFile) -> bool:
    """True when the package's manifest declares encrypted members (a password to open)."""
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return False
    return b"encryption-data" in manifest


def _format_code(element: Element) -> str | None:
    """An Excel format code for an ODF data style (number, percentage, currency, date, text)."""
    kind = etree.QName(element).localname
    number = element.find(_q("number", "number"))
    decimals = shown = 0
    grouping = False
    if number is not None:
        decimals = int(number.get(_q("number", "decimal-places"), "0") or 0)
        shown = int(number.get(_q("number", "min-decimal-places"), str(decimals)) or 0)
        grouping = number.get(_q("number", "grouping")) == "true"
    # Excel's 0.0# (one decimal always, a second when needed) is decimal-places 2, min 1.
    fraction = "." + "0" * min(shown, decimals) + "#" * max(decimals - shown, 0) if decimals else ""
    if kind == "percentage-style":
        return f"0{fraction}%"
    if kind in ("number-style", "currency-style"):
        return f"{'#,##' if grouping else ''}0{fraction}"
    if kind in ("date-style", "time-style"):
        return "yyyy/m/d"
    if kind == "text-style":
        return "@"
    return None


class _Styles:
    """Cell styles → their data style's Excel format code, from styles.xml and content.xml."""

    DATA_STYLES = {
        _q("number", t)
        for t in ("number-style", "percentage-style", "currency-style", "date-style", "time-style", "text-style")
    }

    def __init__(self) -> None:
        self.data: dict[str, str | None] = {}
        self.cells: dict[str, tuple[str | None, str | None]] = {}  # name → (data style, parent)

    def add(self, element: Element) -> None:
        if element.tag in self.DATA_STYLES:
            self.data[element.get(_q("style", "name"), "")] = _format_code(element)
        elif element.tag == _q("style", "style") and element.get(_q("style", "family")) == "table-cell":
            self.cells[element.get(_q("style", "name"), "")] = (
                element.get(_q("style", "data-style-name")),
                element.get(_q("style", "parent-style-name")),
            )

    def code(self, style: str | None) -> str | None:
        seen = set()
        while style and style not in seen:
            seen.add(style)
            data, parent = self.cells.get(style, (None, None))
            if data:
                return self.data.get(data)
            style = parent
        return None


def _read_styles(archive: zipfile.ZipFile, styles: _Styles) -> None:
    try:
        with archive.open("styles.xml") as handle:
            for _event, element in etree.iterparse(handle, events=("end",), resolve_entities=False, no_network=True):
                styles.add(element)
    except KeyError:
        pass


def ods_layout(path: Path) -> dict[str, SheetLayout]:
    """Each sheet's merged areas and number formats, by sheet name."""
    styles = _Styles()
    layouts: dict[str, SheetLayout] = {}
    with zipfile.ZipFile(path) as archive:
        _read_styles(archive, styles)
        with archive.open("content.xml") as handle:
            sheet: SheetLayout | None = None
            row = 0
            column = 0
            column_styles: list[tuple[int, str | None]] = []  # (last column, default cell style)
            for event, element in etree.iterparse(
                handle, events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=True
            ):
                tag = element.tag
                if event == "start":
                    if tag == TABLE:
                        sheet = layouts.setdefault(element.get(_q("table", "name"), ""), SheetLayout())
                        row, column_styles = 0, []
                    elif tag == ROW:
                        column = 0
                    continue
                if tag == TABLE:
                    sheet = None
                elif sheet is not None and tag == COLUMN:
                    repeat = int(element.get(_q("table", "number-columns-repeated"), "1"))
                    last = (column_styles[-1][0] if column_styles else 0) + repeat
                    column_styles.append((last, element.get(_q("table", "default-cell-style-name"))))
                elif sheet is not None and tag in (CELL, COVERED):
                    repeat = int(element.get(_q("table", "number-columns-repeated"), "1"))
                    if tag == CELL:
                        _record(
                            sheet, element, row + 1, column + 1, min(repeat, MAX_RECORDED_REPEAT), styles, column_styles
                        )
                    column += repeat
                    element.clear()
                elif sheet is not None and tag == ROW:
                    row += int(element.get(_q("table", "number-rows-repeated"), "1"))
                    element.clear()
                elif tag in styles.DATA_STYLES or tag == _q("style", "style"):
                    styles.add(element)
    return layouts


def _record(
    sheet: SheetLayout,
    cell: Element,
    row: int,
    column: int,
    repeat: int,
    styles: _Styles,
    column_styles: list[tuple[int, str | None]],
) -> None:
    rows = int(cell.get(_q("table", "number-rows-spanned"), "1"))
    columns = int(cell.get(_q("table", "number-columns-spanned"), "1"))
    has_value = cell.get(_q("office", "value-type")) is not None
    code = None
    if has_value:
        style = cell.get(_q("table", "style-name"))
        if style is None:
            style = next((s for last, s in column_styles if column <= last), None)
        code = styles.code(style)
    merged = rows > 1 or columns > 1
    if has_value or merged:
        last_row, last_column = row + rows - 1, column + repeat - 1 + columns - 1
        sheet.rows, sheet.columns = max(sheet.rows, last_row), max(sheet.columns, last_column)
        if last_row * last_column > sheet.farthest[0] * sheet.farthest[1]:
            sheet.farthest = (last_row, last_column)
    for offset in range(repeat):
        c = column + offset
        if merged:
            sheet.merges.append((row, c, row + rows - 1, min(c + columns - 1, MAX_SPAN)))
            sheet.merged += rows * columns
        if code and code != "@":
            sheet.formats[(row, c)] = code
