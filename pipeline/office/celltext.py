"""Values written into a workbook: text stays text, never a formula.

openpyxl stores any ``str`` that starts with ``=`` as a formula, so an agency
folder named ``=HYPERLINK(…)``, a reviewer's cell text ``=1+1`` or
``report init --agency '=…'`` would become live formulas in the workbooks the
program writes.  Every writer puts its values through :func:`put_value` (or
:func:`append_values`), which stores text as a string cell (openpyxl writes it
as an inline string, ``t="inlineStr"``): Excel and LibreOffice show it as text
and never evaluate it (LibreOffice checked: its CSV export of such a cell gives
the text, of openpyxl's default the formula's result).  Text that starts with
``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which spreadsheet
programs skip) also gets the cell's quote prefix, as if the clerk had typed an
apostrophe: editing it in Excel (F2, Enter) keeps it text instead of turning it
into a formula or a DDE call such as ``cmd|' /C calc'!A0``.  Characters XML
cannot hold are dropped (openpyxl would refuse the whole workbook).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from pipeline.inputs.values import strip_forbidden

if TYPE_CHECKING:  # openpyxl is imported only where a workbook is written
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

# A value the program writes into a cell (a datetime is a date, a bool an int).
CellValue: TypeAlias = "str | int | float | Decimal | date | time | timedelta | None"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def put_value(cell: Cell | MergedCell, value: CellValue) -> Cell | MergedCell:
    """Set ``value`` on an openpyxl cell, a ``str`` always as text; returns the cell."""
    if isinstance(value, str):
        value = strip_forbidden(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_values(ws: Worksheet, values: Iterable[CellValue]) -> None:
    """``ws.append(values)`` on an openpyxl worksheet, each value through put_value."""
    from openpyxl.cell.cell import Cell

    # types-openpyxl requires a cell's row and column; ws.append() gives them to a cell made without.
    ws.append([put_value(Cell(ws), value) for value in values])  # type: ignore[call-arg]


MAX_SHEET_NAME = 31  # Excel's limit
_SHEET_UNSAFE = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", "[": "［", "]": "］", ":": "："})


def safe_sheet_name(text: str, suffix: str = "") -> str:
    """``text`` (e.g. a table's description in a received report) as a sheet name Excel takes:
    no ``/ \\ ? * [ ] :`` (their full-width forms instead), no quote at either end, not
    ``History``, at most 31 characters with ``suffix`` (a number that makes it unique) kept."""
    name = strip_forbidden(text).translate(_SHEET_UNSAFE).strip().strip("'").strip()
    if not name or name.lower() == "history":  # Excel reserves History
        name = f"表格{name}"
    return name[: MAX_SHEET_NAME - len(suffix)] + suffix
