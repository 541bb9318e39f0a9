"""Spreadsheet access for the reader: a workbook as named grids of raw cell values.

python-calamine reads a workbook in a millisecond; openpyxl is used instead
only for a workbook that holds formulas, because a formula without a cached
value (a file a program wrote and Excel never recalculated) needs its text
to be computed or reported.  Neither library's objects leave this module.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError, describe
from pipeline.inputs.filecheck import check_sheet_extent, checked_workbook, extent_fits, sheet_extent
from pipeline.inputs.formulas import FormulaError, evaluate
from pipeline.inputs.values import fold
from pipeline.office.opc import refuse_doctype
from pipeline.office.sml import number_formats, sheet_parts

if TYPE_CHECKING:  # openpyxl is imported only for a workbook that holds formulas
    from decimal import Decimal

    from openpyxl.worksheet.worksheet import Worksheet

fold_header = fold  # a header, sheet name or label, as compared (「（」 = 「(」, no spaces)


class Uncomputed:
    """A formula cell with no cached value that could not be computed here."""

    def __init__(self, formula: str, reason: str):
        self.formula, self.reason = formula, reason

    def __str__(self) -> str:
        return self.formula

    __repr__ = __str__  # never 「<…Uncomputed object at 0x…>」 in a message


@dataclass
class Grid:
    """One sheet: raw values by 1-based (row, column), merged cells read from their top-left."""

    title: str
    max_row: int
    max_column: int
    merges: list[tuple[int, int, int, int]]  # 1-based min_row, min_col, max_row, max_col
    cell: Callable[[int, int], Any]  # the raw value of one (unmerged) cell; None when empty
    formats: Mapping[tuple[int, int], str] = field(default_factory=dict)  # Excel number formats
    _anchors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self._anchors[(r, c)] = (r1, c1)

    def value(self, row: int, col: int) -> Any:
        """The value shown at (row, col): a merged cell gives its top-left cell's value."""
        return self.cell(*self._anchors.get((row, col), (row, col)))

    def rows(self) -> list[tuple[Any, ...]]:
        """Every row's raw values (merged areas blank but for their top-left cell)."""
        return [tuple(self.cell(r, c) for c in range(1, self.max_column + 1)) for r in range(1, self.max_row + 1)]


@dataclass
class Book:
    """A workbook's sheets in order."""

    grids: list[Grid]

    def sheet(self, name: str) -> Grid | None:
        """A sheet by name (spaces and full/half width forgiven)."""
        wanted = fold_header(name)
        return next((g for g in self.grids if fold_header(g.title) == wanted), None)


def scan_parts(archive: zipfile.ZipFile, name: str) -> bool:
    """Look into the sheets' XML (of the workbook ``name``): refuse entity declarations and
    absurd sheet extents; True when there are formulas."""
    formulas = False
    for member in archive.infolist():
        if not member.filename.endswith((".xml", ".rels")):
            continue
        data = archive.read(member)
        refuse_doctype(data, name)
        if member.filename.startswith("xl/worksheets/"):
            if not extent_fits(*sheet_extent(data)):  # the sheet's name is looked up for the message only
                sheets = {part: title for title, part in sheet_parts(archive).items()}
                check_sheet_extent(data, name, sheets.get(member.filename, member.filename))
            if b"<f>" in data or b"<f " in data:
                formulas = True
    return formulas


def open_book(path: Path) -> Book:
    """Open a workbook after the file checks; InputError with the reason when it cannot be read."""
    with checked_workbook(path) as archive:
        try:
            formulas = scan_parts(archive, path.name)
        except InputError:
            raise
        except Exception as exc:
            raise _unreadable(path, exc) from exc
    try:
        if formulas and path.suffix.lower() != ".ods":
            return _openpyxl_book(path)
        return _calamine_book(path)
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: Exception) -> InputError:
    """The message for a workbook a reader failed on."""
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError)):
        return InputError(f"無法讀取活頁簿 {path.name}：檔案已損毀或不是有效的 .xlsx（{describe(exc)}）")
    # both libraries raise many kinds on malformed files
    return InputError(f"無法讀取活頁簿 {path.name}：{describe(exc)}")


def _calamine_book(path: Path) -> Book:
    from python_calamine import CalamineWorkbook

    ods = path.suffix.lower() == ".ods"
    if ods:  # calamine gives an .ods file's values, but not its merges or number formats
        from pipeline.inputs.ods import ods_layout

        layouts = ods_layout(path)
        for name, layout in layouts.items():  # before calamine lays every cell out in memory
            layout.refuse_if_absurd(path.name, name)

    @cache
    def formats_of(name: str) -> dict[tuple[int, int], str]:
        """A sheet's number formats: read once, and only for a sheet whose formats are asked for."""
        if ods:
            return layouts[name].formats if name in layouts else {}
        return number_formats(path, (name,)).get(name, {})

    workbook = CalamineWorkbook.from_path(str(path))
    grids = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        data = sheet.to_python(skip_empty_area=False)
        width = max((len(row) for row in data), default=0)
        if ods:
            merges = layouts[name].merges if name in layouts else []
        else:
            merges = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]

        def cell(row: int, col: int, data: Sequence[Sequence[object]] = data) -> Any:
            if row > len(data) or col > len(data[row - 1]):
                return None
            value = data[row - 1][col - 1]
            if value == "":
                return None
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return value

        shown = _LazyFormats(partial(formats_of, name))
        grids.append(Grid(name, len(data), width, merges, cell, shown))
    return Book(grids)


class _LazyFormats(Mapping[tuple[int, int], str]):
    """A sheet's number formats, read from the workbook's XML the first time one is asked
    for: only the free-layout tables show numbers in their Excel format."""

    def __init__(self, load: Callable[[], dict[tuple[int, int], str]]):
        self._load = load
        self._formats: dict[tuple[int, int], str] | None = None

    def _all(self) -> dict[tuple[int, int], str]:
        if self._formats is None:
            self._formats = self._load()
        return self._formats

    def __getitem__(self, key: tuple[int, int]) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _openpyxl_book(path: Path) -> Book:
    from openpyxl import load_workbook

    # Our own file handle: openpyxl leaves its own open when a file fails to parse.
    with warnings.catch_warnings(), open(path, "rb") as handle:
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
        values = load_workbook(handle, data_only=True)
        handle.seek(0)
        formulas = load_workbook(handle, data_only=False)
    grids = []
    for ws in values.worksheets:
        merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
        shown = {
            (c.row, c.column): c.number_format
            for row in ws.iter_rows()
            for c in row
            if c.number_format not in ("General", "@") and c.value is not None
        }
        grid = Grid(ws.title, ws.max_row, ws.max_column, merges, lambda r, c: None, shown)
        grid.cell = _formula_cell(ws, formulas[ws.title], grid)
        grids.append(grid)
    values.close()
    formulas.close()
    return Book(grids)


def _formula_cell(ws: Worksheet, formula_ws: Worksheet, grid: Grid) -> Callable[[int, int], Any]:
    """A cell's cached value; a formula without one is computed (once: each result is kept,
    so formulas that refer to each other cost one evaluation each), or returned as Uncomputed."""
    computed: dict[tuple[int, int], Any] = {}
    pending: set[tuple[int, int]] = set()

    def cell(row: int, col: int) -> Any:
        cached = ws.cell(row=row, column=col).value
        if cached is not None:
            return cached
        formula = formula_ws.cell(row=row, column=col).value
        if not (isinstance(formula, str) and formula.startswith("=")):
            return cached
        if (row, col) in computed:
            return computed[(row, col)]
        if (row, col) in pending:
            return Uncomputed(formula, "公式循環參照")
        if len(pending) > 50:
            return Uncomputed(formula, "公式互相參照過深")
        pending.add((row, col))
        value: int | Decimal | Uncomputed
        try:
            result = evaluate(formula, grid.value, grid.max_row, grid.max_column)
            value = int(result) if result == result.to_integral_value() else result
        except FormulaError as exc:
            value = Uncomputed(formula, str(exc))
        finally:
            pending.discard((row, col))
        computed[(row, col)] = value
        return value

    return cell
