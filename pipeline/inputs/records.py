"""Plain typed records read from the workbooks: the only thing the reader hands on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from pipeline.findings import Source
from pipeline.frozen import Frozen, frozen


@frozen
class Value(Frozen):
    """One cell's value, typed; ``value`` is None when blank or not understood (see ``raw``)."""

    value: Any
    source: Source
    raw: str | None = None  # the text as typed, kept when it could not be understood


@frozen
class Record(Frozen):
    """One table row (or the labelled fields of a ``fields`` sheet)."""

    values: Mapping[str, Value]
    source: Source
    row: int = 0  # 0-based position among the sheet's records

    def get(self, key: str, default: Any = None) -> Any:
        """The typed value of ``key`` (``default`` when blank or unknown)."""
        item = self.values.get(key)
        return default if item is None or item.value is None else item.value

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def at(self, key: str) -> Value:
        """The ``Value`` of ``key`` (a blank one when the column is missing)."""
        item = self.values.get(key)
        return item if item is not None else Value(None, self.source)


@frozen
class FreeTable(Frozen):
    """A table sheet of the free-layout part, kept as the clerk laid it out."""

    name: str
    source: Source
    cells: tuple[tuple[str, ...], ...]
    merges: tuple[tuple[int, int, int, int], ...] = ()  # 0-based first row/col, last row/col


@frozen
class SheetRecords(Frozen):
    """Everything read from one sheet."""

    sheet_id: str
    source: Source
    present: bool
    records: tuple[Record, ...] = ()


@frozen
class Inputs(Frozen):
    """Everything read from the inputs folder."""

    directory: Path
    sheets: Mapping[str, SheetRecords]
    free_tables: Mapping[str, FreeTable] = field(default_factory=dict)
    files: Mapping[str, Path] = field(default_factory=dict)

    def rows(self, sheet_id: str) -> tuple[Record, ...]:
        """The records of a table sheet (empty when the sheet is missing)."""
        sheet = self.sheets.get(sheet_id)
        return sheet.records if sheet else ()

    def fields(self, sheet_id: str) -> Record:
        """The labelled fields of a ``fields`` sheet (an empty record when missing)."""
        sheet = self.sheets.get(sheet_id)
        if sheet and sheet.records:
            return sheet.records[0]
        source = sheet.source if sheet else Source(sheet_id)
        return Record({}, source)
