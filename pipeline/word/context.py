"""From the report model to what the template places: ready strings plus a layout plan.

Everything comes from the report map of form.yaml (``values``, ``tables``,
``free_layout``): each value the template places is a recipe rendered by
:class:`pipeline.form.codec.Encoder`.  The template does no arithmetic and no
formatting.  What docxtpl tags cannot express well — vertical merges inside row
loops, a table nested in a cell, the free-layout part — goes into the ``Layout``
plan that the renderer applies after Jinja has run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from pipeline.form.codec import NUMBER, Encoder, paras, show, wording_source
from pipeline.form.fmt import date_pattern
from pipeline.form.spec import Form
from pipeline.form.tablemap import Recipe, TableSpec, Typeset, placeholders
from pipeline.frozen import Frozen, frozen
from pipeline.inputs.paths import contained
from pipeline.inputs.records import FreeTable, Record
from pipeline.report.compute import Report
from pipeline.word.typeset import TablePlan, Tokens


@frozen
class Merge(Frozen):
    """Merge body rows ``first``..``last`` (0-based) of one column of a report table."""

    table: str
    column: int
    first: int
    last: int


@frozen
class NestedTable(Frozen):
    """A small table placed inside a body cell of a report table."""

    table: str
    row: int
    column: int
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@frozen
class Block(Frozen):
    """One block of the free-layout 成果說明 part."""

    kind: str  # text, table or image
    paragraphs: tuple[str, ...] = ()
    style: str = "Normal"  # the Word style of a text block
    table: FreeTable | None = None
    header_rows: int = 1
    caption: str = ""
    image: Path | None = None
    listed: bool = False  # a list item (條列): indented by its numbering


@frozen
class Layout(Frozen):
    """What the renderer does after Jinja: merges, nested tables, free-layout blocks, and
    the typesetting (each table's plan, the tokens that never break, list indents)."""

    header_rows: dict[str, int]
    merges: tuple[Merge, ...] = ()
    nested: tuple[NestedTable, ...] = ()
    blocks: tuple[Block, ...] = ()
    bookmark: str = ""  # the paragraph the free-layout blocks go before
    tables: dict[str, TablePlan] = field(default_factory=dict)
    tokens: Tokens = field(default_factory=Tokens)
    typeset: Typeset = field(default_factory=Typeset)


def runs_of_equal(values: list[Any]) -> Iterable[tuple[int, int]]:
    """(first, last) index pairs of runs of equal consecutive values longer than one."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - 1 > start:
                yield start, i - 1
            start = i


def put(context: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of nested dicts (merging into a dict already there)."""
    *parents, leaf = path.split(".")
    node = context
    for name in parents:
        node = node.setdefault(name, {})
    if isinstance(value, dict) and isinstance(node.get(leaf), dict):
        node[leaf].update(value)
    else:
        node[leaf] = value


def get(context: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (None when absent)."""
    node: Any = context
    for name in path.split("."):
        node = node.get(name) if isinstance(node, dict) else None
    return node


class ContextBuilder:
    """Builds the template context and the layout plan for one report from the report map."""

    def __init__(self, report: Report):
        self.report = report
        self.form = report.form
        self.inputs = report.inputs
        self.encoder = Encoder(report, report.inputs)
        self.merges: list[Merge] = []
        self.nested: list[NestedTable] = []

    # -- tables --------------------------------------------------------------------------
    def rows(self, table_id: str, table: TableSpec) -> list[dict[str, Any]]:
        """One dict of ready cells per record of the table's sheet; merges planned."""
        records = self.inputs.rows(table.rows or "")
        out = []
        previous: dict[str, Any] = {}
        for index, record in enumerate(records):
            row = {}
            for name, recipe in table.cells.items():
                value = self.encoder.value(recipe, record, index, table.rows or "", table.ticks)
                if recipe.runs:
                    key = record.get(recipe.field or "")
                    if index > 0 and previous.get(name) == key:
                        value = ""
                    previous[name] = key
                row[name] = value
            out.append(row)
        if len(records) > 1:
            for column in table.merge_all:
                self.merges.append(Merge(table_id, column, 0, len(records) - 1))
        for column in table.merge_runs:
            keys = [self._run_key(table, column, r) for r in records]
            self._merge_equal(table_id, column, keys)
        return out

    def _run_key(self, table: TableSpec, column: int, record: Record) -> Any:
        recipe = next(r for r in table.cells.values() if r.col == column)
        return record.get(recipe.field or "")

    def _merge_equal(self, table_id: str, column: int, keys: list[Any]) -> None:
        for first, last in runs_of_equal(keys):
            self.merges.append(Merge(table_id, column, first, last))

    def fields_table(self, table: TableSpec) -> dict[str, Any]:
        """The ready cells of a table fed by a ``fields`` sheet (one record)."""
        record = self.inputs.fields(table.rows or "")
        return {
            name: self.encoder.value(recipe, record, 0, table.rows or "", table.ticks)
            for name, recipe in table.cells.items()
        }

    def grid(self, table_id: str, table: TableSpec) -> list[dict[str, Any]]:
        """Section 八: one row per official item, with the measures filed under it."""
        m = self.form.measures
        measures = self.inputs.rows(m.sheet)
        fmt = self.encoder.fmt
        out, categories = [], []
        for cat in self.form.strategies:
            for n, label in enumerate(cat.items, start=1):
                lines: list[str] = []
                for measure in measures:
                    if measure.get(m.category) == cat.number and measure.get(m.item) == n:
                        paragraphs = paras(measure.at(m.name))
                        if paragraphs:
                            lines.append(fmt.done(measure.get(m.done)) + paragraphs[0])
                            lines.extend(paragraphs[1:])
                row: dict[str, Any] = {}
                for name, recipe in table.cells.items():
                    if recipe.category:
                        row[name] = cat.label if n == 1 else ""
                    elif recipe.item:
                        row[name] = label
                    elif recipe.measures:
                        row[name] = lines
                    else:
                        row[name] = self.encoder.value(recipe, None)
                out.append(row)
                categories.append(cat.number)
        for column in table.merge_runs:
            self._merge_equal(table_id, column, categories)
        return out

    def nest(self, table_id: str, table: TableSpec) -> None:
        """A small table inside a cell of a grid row (placed only when it has rows)."""
        where = table.nested_in
        records = self.inputs.rows(table.rows or "")
        if where is None or not records:
            return
        row = self.form.strategy_row(where.category, where.item)
        cells = sorted(table.cells.values(), key=lambda r: r.col or 0)
        body = tuple(
            tuple(str(self.encoder.value(recipe, record, i, table.rows or "", table.ticks)) for recipe in cells)
            for i, record in enumerate(records)
        )
        self.nested.append(NestedTable(where.table, row or 0, where.col, table_id, table.header, body))

    # -- the free-layout part ----------------------------------------------------------------
    def blocks(self) -> list[Block]:
        """The free-layout 成果說明 part, block by block."""
        layout = self.form.free_layout
        out: list[Block] = []
        count = 0
        for r in self.inputs.rows(layout.sheet):
            kind = r.get(layout.kind) or ""
            paragraphs = tuple(paras(r.at(layout.text)))
            if kind == layout.table_kind:
                table = self.inputs.free_tables.get(r.get(layout.table) or "")
                if table is None:
                    continue  # reported by the checks
                count += 1
                rows = r.get(layout.header_rows)
                out.append(Block("table", table=table, header_rows=1 if rows is None else rows,
                                 caption=f"{layout.sheet.split('.')[0]}.{count}"))  # fmt: skip
            elif kind == layout.image_kind:
                name = paragraphs[0] if paragraphs else ""
                out.append(Block("image", paragraphs, image=contained(self.inputs.directory, name)))
            else:
                out.append(Block("text", paragraphs, style=layout.styles.get(kind, "Normal"),
                                 listed=kind == layout.list_kind))  # fmt: skip
        return out

    def build(self) -> tuple[dict[str, Any], Layout]:
        """The whole context and layout plan."""
        context: dict[str, Any] = {}
        later: list[tuple[str, Recipe]] = []
        for path, recipe in self.form.values.items():
            if recipe.none_if_empty:
                later.append((path, recipe))
            else:
                put(context, path, self.encoder.value(recipe))
        for table_id, table in self.form.tables.items():
            if table.nested_in is not None:
                self.nest(table_id, table)
            elif table.grid:
                put(context, table.context or table_id, self.grid(table_id, table))
            elif self.form.sheets[table.rows or ""][1].kind == "fields":
                put(context, table.context or table_id, self.fields_table(table))
            else:
                put(context, table.context or table_id, self.rows(table_id, table))
        for path, recipe in later:
            empty = all(not get(context, other) for other in recipe.none_if_empty or ())
            put(context, path, self.form.formats.none if empty else "")
        layout = Layout(
            header_rows={key: table.header_rows for key, table in self.form.tables.items()},
            merges=tuple(self.merges),
            nested=tuple(self.nested),
            blocks=tuple(self.blocks()),
            bookmark=self.form.free_layout.bookmark,
            tables={key: table_plan(self.form, table) for key, table in self.form.tables.items()},
            tokens=tokens(self.form),
            typeset=self.form.typeset,
        )
        return context, layout


def _align_key(form: Form, recipe: Recipe, sheet_id: str | None) -> str:
    """What decides a cell's alignment: its recipe kind, or for a number its field's type."""
    if recipe.kind == "number" and recipe.field:
        ref = recipe.field
        if "." in ref:
            sheet_id, _, ref = ref.rpartition(".")
        if sheet_id in form.sheets:
            return next((f.type for f in form.sheets[sheet_id][1].specs if f.key == ref), "number")
    return recipe.kind


def table_plan(form: Form, table: TableSpec) -> TablePlan:
    """How a table is typeset: its layout data, and each body column's (or cell's) alignment
    from what it shows (typeset.align), the table's own `align` winning."""
    align: dict[int, str] = {}
    cells: dict[tuple[int, int], str] = {}
    row_sheet = table.rows if table.rows in form.sheets else None
    for recipe in table.cells.values():
        if recipe.col is None:
            continue
        chosen = form.typeset.align.get(_align_key(form, recipe, row_sheet))
        if chosen is None:
            continue
        if recipe.row is not None:
            cells.setdefault((recipe.row, recipe.col), chosen)
        else:
            align.setdefault(recipe.col, chosen)
    for path, col in table.footer.items():
        chosen = form.typeset.align.get(_align_key(form, form.values[path], None))
        if chosen is not None:
            align.setdefault(col, chosen)
    align.update(table.layout.align)
    return TablePlan(
        widths=table.layout.widths,
        align=align,
        cells=cells,
        header_rows=table.header_rows,
        split=table.layout.split,
        landscape=table.layout.landscape,
        padding_cm=table.layout.padding_cm,
    )


def tokens(form: Form) -> Tokens:
    """What never breaks inside a line: the form's wordings with numbers (participants'
    counts, 「N項」) and its printed dates.  A wording with a number, and a date with a
    field, match only where there is a digit (``Tokens.numeric``)."""
    numbers = {name: NUMBER for name in ("total", "male", "female", "n")}
    patterns: list[re.Pattern[str]] = []
    numeric: list[re.Pattern[str]] = []
    for name in ("people_total", "people", "count"):
        if name in form.wording:
            wording = form.wording[name]
            pattern = re.compile(wording_source(wording, numbers))
            (numeric if numbers.keys() & set(placeholders(wording)) else patterns).append(pattern)
    for printed in (form.formats.date_long, form.formats.date_short):
        (numeric if {"y", "m", "d"} & set(placeholders(printed)) else patterns).append(date_pattern(printed))
    return Tokens(tuple(patterns), numeric=tuple(numeric))


def build_context(report: Report) -> tuple[dict[str, Any], Layout]:
    """The template context (ready strings) and the layout plan for ``report``."""
    return ContextBuilder(report).build()


__all__ = ["Block", "Layout", "Merge", "NestedTable", "build_context", "show"]
