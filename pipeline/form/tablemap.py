"""The report map of form.yaml: how the report shows the records.

Every value the Word template places is a *recipe* over record fields (``values``
and each official table's ``cells``); the figures the program computes are
``figures``.  :mod:`pipeline.form.codec` turns a recipe and a record into the
ready text the template places, and text read from a report back into field
values.  Code knows the kinds of recipe; form.yaml lists the instances, and
:func:`resolve` checks, when the form loads, that every sheet, field, figure,
wording and choice a recipe names exists.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING, Literal, NoReturn

from pipeline.form.schema import did_you_mean
from pipeline.frozen import Frozen, frozen

if TYPE_CHECKING:
    from pipeline.form.spec import FieldSpec, Form, SheetSpec


@frozen
class TickOption(Frozen):
    """One box of a tick group: the field ticked, its label and the field of its note."""

    tick: str
    label: str
    note: str | None = None


@frozen
class People(Frozen):
    """The fields of a participants' count (總計N人 男N人 女N人)."""

    male: str
    female: str
    total: str | None = None


# The kinds of recipe: the one key of a recipe that names what it shows.
KINDS = (
    "text", "paragraphs", "number", "date", "tick", "ticks", "people", "count", "figure", "numbering",
    "lines", "join", "const", "groups", "report_title", "none_if_empty", "items", "annexes",
    "group_rules", "category", "item", "measures",
)  # fmt: skip


@frozen
class Recipe(Frozen):
    """How one value the template places is made from the records (exactly one kind)."""

    text: str | None = None
    paragraphs: str | None = None
    number: str | None = None
    date: str | None = None
    tick: str | None = None
    ticks: tuple[TickOption, ...] | None = None
    people: People | None = None
    count: str | None = None
    figure: str | None = None
    numbering: bool = False
    lines: tuple[Recipe, ...] | None = None
    join: tuple[Recipe, ...] | None = None
    const: str | None = None
    groups: str | None = None
    report_title: bool = False
    none_if_empty: tuple[str, ...] | None = None
    items: str | None = None
    annexes: str | None = None
    group_rules: str | None = None
    category: bool = False
    item: bool = False
    measures: bool = False
    # what goes with some kinds
    format: str | None = None  # date_short/date_long; people/people_total
    lead: str | None = None  # items: the wording of each item's first paragraph
    name: str | None = None  # items: the field in the lead's {title}
    body: str | None = None  # items: the paragraphs field
    stated: str | None = None  # figure: the field a report's shown figure is read back into
    equals: str | None = None  # tick: ticked when the field has this value
    # modifiers
    when: dict[str, str] | None = None
    unless: dict[str, str] | None = None
    first_row: bool = False
    runs: bool = False
    col: int | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        named = [k for k in KINDS if getattr(self, k) not in (None, False)]
        if len(named) != 1:
            shown = "、".join(named) if named else "沒有"
            raise ValueError(f"每個值只能有一種做法（{', '.join(KINDS)} 其中之一），此處{shown}")

    @cached_property  # asked for every cell of every table at each build
    def kind(self) -> str:
        """The kind of recipe (text, tick, figure …)."""
        return next(k for k in KINDS if getattr(self, k) not in (None, False))

    @cached_property
    def field(self) -> str | None:
        """The one field a simple recipe shows (None for the others)."""
        value = getattr(self, self.kind)
        return value if isinstance(value, str) and self.kind in SIMPLE else None

    def fields_used(self) -> Iterator[str]:
        """Every field this recipe reads, conditions included (in order)."""
        if self.field:
            yield self.field
        for option in self.ticks or ():
            yield option.tick
            if option.note:
                yield option.note
        if self.people:
            yield from (f for f in (self.people.total, self.people.male, self.people.female) if f)
        for part in (self.lines or ()) + (self.join or ()):
            yield from part.fields_used()
        for condition in (self.when, self.unless):
            yield from (condition or {})


# The kinds whose value is the name of the one field they show.
SIMPLE = ("text", "paragraphs", "number", "date", "tick", "count", "groups")


@frozen
class NestedIn(Frozen):
    """Where a small table sits: a cell of another table's grid row (category, item)."""

    table: str
    col: int
    category: str
    item: int


Align = Literal["left", "center", "right", "both"]


@frozen
class TickStyle(Frozen):
    """How a table shows a tick box: the glyph of a ticked box and of an unticked one
    (blank: the form leaves the cell empty beside a ticked V)."""

    ticked: str
    unticked: str = ""

    def __post_init__(self) -> None:
        if not self.ticked.strip() or len(self.ticked) > 2 or len(self.unticked) > 2:
            raise ValueError("勾選符號應為一或兩個字（例：☑、V），未勾選可為空白")
        if self.ticked == self.unticked:
            raise ValueError("勾選與未勾選的符號不可相同")


@frozen
class TableLayout(Frozen):
    """How an official table is typeset: column widths, alignment, rows kept on one page,
    and a landscape page for a wide table."""

    # One per grid column: relative weights (1, 2.5 …) shared over the text width, or
    # fixed widths ("2.4cm").  Empty: the template's widths.
    widths: tuple[float | str, ...] = ()
    align: dict[int, Align] = field(default_factory=dict)  # column → alignment (over typeset.align)
    split: bool = False  # body rows may break across pages (long narrative rows only)
    landscape: bool = False  # the table (with its heading and notes) on landscape pages
    padding_cm: float | None = None  # left and right cell margins of a dense table (Word's: 0.19)

    def __post_init__(self) -> None:
        for width in self.widths:
            if isinstance(width, str):
                if not re.fullmatch(r"\d+(\.\d+)?cm", width.strip()):
                    raise ValueError(f"欄寬「{width}」應為數字（比例）或公分（例：2.4cm）")
            elif width <= 0:
                raise ValueError("欄寬應大於 0")
        if any(col < 0 for col in self.align):
            raise ValueError("align 的欄號應為 0 或以上")
        if self.padding_cm is not None and not 0 <= self.padding_cm <= 1:
            raise ValueError("padding_cm 應在 0 到 1 公分之間")

    def cm(self, index: int) -> float | None:
        """The fixed width of column ``index`` in cm (None for a relative weight)."""
        width = self.widths[index]
        return float(width.strip()[:-2]) if isinstance(width, str) else None


@frozen
class TableSpec(Frozen):
    """An official table of the Word template: its rows, and the recipe of each body cell."""

    header_rows: int
    title: str = ""
    footer_rows: int = 0  # fixed rows after the body (總計)
    rows: str | None = None  # the sheet whose records are the body rows
    context: str | None = None  # where the template finds the rows (or the values)
    cells: dict[str, Recipe] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)  # fields not shown: where findings land
    footer: dict[str, int] = field(default_factory=dict)  # value path → column of the footer row
    merge_all: tuple[int, ...] = ()  # columns merged over all body rows
    merge_runs: tuple[int, ...] = ()  # columns whose runs of equal values are merged
    grid: bool = False  # one row per official item of section 八
    nested_in: NestedIn | None = None
    header: tuple[str, ...] = ()  # a nested table's header row
    layout: TableLayout = field(default_factory=TableLayout)
    ticks: TickStyle | None = None  # the table's tick glyphs (default: formats.ticked/unticked)

    def __post_init__(self) -> None:
        if self.header_rows < 0 or self.footer_rows < 0:
            raise ValueError("header_rows、footer_rows 應為 0 或以上")

    @cached_property
    def columns(self) -> dict[str, int | tuple[int, int]]:
        """Where each field lands: its column (a (row, column) pair in a fields table)."""
        out: dict[str, int | tuple[int, int]] = {}
        for recipe in self.cells.values():
            if recipe.col is None:
                continue
            for key in recipe.fields_used():
                out.setdefault(key, recipe.col if recipe.row is None else (recipe.row, recipe.col))
        for key, col in self.places.items():
            out.setdefault(key, col)
        for name, recipe in self.cells.items():  # a cell by its own name (a rule's shown_at: share)
            if recipe.col is not None:
                out.setdefault(name, recipe.col if recipe.row is None else (recipe.row, recipe.col))
        return out

    def cell_of(self, key: str | None, row: int | None) -> tuple[int | None, int]:
        """(body row, column) where ``key`` of body row ``row`` lands; column 0 if unknown."""
        place = self.columns.get(key or "", 0)
        if isinstance(place, tuple):
            return place
        return row, place


@frozen
class FigureSpec(Frozen):
    """A figure the program computes from the records."""

    kind: Literal["lower_share", "ratio", "column_sum", "difference"]
    format: Literal["percent", "number", "difference"]
    sheet: str | None = None
    total: str | None = None
    parts: tuple[str, ...] = ()
    part: str | None = None
    whole: str | None = None
    column: str | None = None
    of: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        needs = {
            "lower_share": ("sheet", "total", "parts"),
            "ratio": ("sheet", "part", "whole"),
            "column_sum": ("sheet", "column"),
            "difference": ("of",),
        }[self.kind]
        missing = [n for n in needs if not getattr(self, n)]
        if missing:
            raise ValueError(f"{self.kind} 需要 {', '.join(missing)}")
        if self.kind == "difference" and len(self.of) != 2:
            raise ValueError("difference 的 of 應列出兩個數字（後者減前者之被減數在前）")


@frozen
class Identity(Frozen):
    """The fields that name the report: agency, year (民國) and groups."""

    agency: str
    year: str
    groups: str
    year_fields: dict[str, int] = field(default_factory=dict)  # report init: year + offset


@frozen
class City(Frozen):
    """The figures (by name) and field (``sheet.key``) behind the city summary's columns."""

    committee_total: str
    committee_share: str
    committee_rule: str
    general_rate: str
    managers_rate: str
    physical_rate: str
    budget_current: str
    budget_next: str


@frozen
class Measures(Frozen):
    """Section 八: the sheet of measures and its fields."""

    sheet: str
    category: str
    item: str
    name: str
    done: str


@frozen
class FreeLayout(Frozen):
    """The free-layout part: its sheet of blocks and how each kind of block is written."""

    sheet: str
    kind: str
    text: str
    table: str
    header_rows: str
    styles: dict[str, str]
    table_kind: str
    image_kind: str
    bookmark: str
    list_kind: str | None = None  # the kind of block that is a list item (indented by typeset.list_levels)


@frozen
class Typeset(Frozen):
    """How the report is typeset beyond the template's styles (pipeline/word/typeset.py)."""

    # Where a body cell's text sits, by what it shows: a recipe kind (numbering, tick, date …)
    # or, for numbers, the field's type (money right, int centred …).  Others keep the template's.
    align: dict[str, Align] = field(default_factory=dict)
    # The free-layout part's list items (條列): the numbering of each level, outermost first
    # ({zh}: 一 二 …, {n}: 1 2 …); an item's level gives its indent, its numbering the hanging
    # indent that keeps its continuation lines under its text.
    list_levels: tuple[tuple[str, ...], ...] = ()
    list_indent_em: float = 1.0  # each level further in by this many characters
    picture_width_cm: float = 15.0  # the free-layout pictures, scaled to fit (never up)
    picture_height_cm: float = 12.0

    def __post_init__(self) -> None:
        if self.picture_width_cm <= 0 or self.picture_height_cm <= 0 or self.list_indent_em < 0:
            raise ValueError("圖片大小應大於 0，縮排應為 0 或以上")
        for level in self.list_levels:
            for numbering in level:
                if ("{n}" in numbering) == ("{zh}" in numbering):
                    raise ValueError(f"條列編號「{numbering}」應含 {{n}} 或 {{zh}} 其中之一")


# -- checks when the form loads -----------------------------------------------------------


class Unresolved(ValueError):
    """A name in the report map that the form does not define; the message names the place."""


def _fail(where: str, what: str, name: str, known: Iterable[str]) -> NoReturn:
    raise Unresolved(f"{where}：找不到{what}「{name}」{did_you_mean(name, known)}")


def resolve(form: Form) -> None:
    """Check that every sheet, field, table, figure, wording and choice the report map names
    exists in the form: an Unresolved error names the place, never a blank at render time."""
    sheets = form.sheets

    def sheet(where: str, sheet_id: str) -> SheetSpec:
        if sheet_id not in sheets:
            _fail(where, "工作表", sheet_id, sheets)
        return sheets[sheet_id][1]

    def qualified(where: str, ref: str) -> FieldSpec:
        sheet_id, _, key = ref.rpartition(".")
        if not sheet_id:
            raise Unresolved(f"{where}：「{ref}」應寫成 工作表.欄位（例：s2.members.total）")
        return spec_field(where, sheet(where, sheet_id), key)

    def spec_field(where: str, spec: SheetSpec, key: str) -> FieldSpec:
        known = {f.key: f for f in spec.specs}
        if key not in known:
            _fail(where, f"工作表 {spec.id} 的欄位", key, known)
        return known[key]

    def recipe(where: str, r: Recipe, row_sheet: SheetSpec | None) -> None:
        def field_of(name: str) -> FieldSpec:
            if row_sheet is not None and "." not in name:
                return spec_field(where, row_sheet, name)
            return qualified(where, name)

        for name in r.fields_used():
            field_of(name)
        for condition in (r.when, r.unless):
            for name, value in (condition or {}).items():
                choices = field_of(name).choices
                if choices and value not in choices:
                    _fail(where, f"欄位 {name} 的選項", value, choices)
        if r.equals is not None and r.field:
            choices = field_of(r.field).choices
            if choices and r.equals not in choices:
                _fail(where, f"欄位 {r.field} 的選項", r.equals, choices)
        if r.figure and r.figure not in form.figures:
            _fail(where, "計算數字（figures）", r.figure, form.figures)
        if r.stated:
            field_of(r.stated)
        for wording in (r.lead, r.group_rules):
            if wording and wording not in form.wording:
                _fail(where, "用語（wording）", wording, form.wording)
        if r.format and r.kind == "date" and r.format not in ("date_short", "date_long"):
            _fail(where, "日期格式", r.format, ("date_short", "date_long"))
        if r.format and r.kind == "people" and r.format not in form.wording:
            _fail(where, "用語（wording）", r.format, form.wording)
        if r.items:
            spec = sheet(where, r.items)
            for key in (r.name, r.body):
                if key:
                    spec_field(where, spec, key)
        if r.annexes and r.annexes not in {a.section for a in form.annexes}:
            _fail(where, "附件所屬章節", r.annexes, {a.section for a in form.annexes})
        for path in r.none_if_empty or ():
            if path not in form.values:
                _fail(where, "值（values）", path, form.values)
        for part in (r.lines or ()) + (r.join or ()):
            recipe(where, part, row_sheet)

    for name, ref in (("agency", form.identity.agency), ("year", form.identity.year),
                      ("groups", form.identity.groups)):  # fmt: skip
        qualified(f"identity.{name}", ref)
    for ref in form.identity.year_fields:
        qualified("identity.year_fields", ref)
    for name, figure in form.figures.items():
        where = f"figures.{name}"
        if figure.sheet:
            spec = sheet(where, figure.sheet)
            for key in (figure.total, figure.part, figure.whole, figure.column, *figure.parts):
                if key:
                    spec_field(where, spec, key)
        for other in figure.of:
            if other not in form.figures or form.figures[other].kind == "difference":
                _fail(where, "計算數字（figures，非 difference）", other, form.figures)
    qualified("city.committee_total", form.city.committee_total)
    for name in ("committee_share", "general_rate", "managers_rate", "physical_rate", "budget_current", "budget_next"):
        if getattr(form.city, name) not in form.figures:
            _fail(f"city.{name}", "計算數字（figures）", getattr(form.city, name), form.figures)
    measures = sheet("measures", form.measures.sheet)
    for name in ("category", "item", "name", "done"):
        spec_field(f"measures.{name}", measures, getattr(form.measures, name))
    for path, r in form.values.items():
        recipe(f"values.{path}", r, None)
    for table_id, table in form.tables.items():
        where = f"tables.{table_id}"
        row_sheet = sheet(where + ".rows", table.rows) if table.rows else None
        if row_sheet is None and not table.grid:
            raise Unresolved(f"{where}：應有 rows（資料來源工作表）或 grid")
        for name, r in table.cells.items():
            if r.col is None:
                raise Unresolved(f"{where}.cells.{name}：應有 col（所在欄）")
            if row_sheet is not None and row_sheet.kind == "fields" and r.row is None:
                raise Unresolved(f"{where}.cells.{name}：欄位工作表的表格應有 row（所在列）")
            recipe(f"{where}.cells.{name}", r, row_sheet)
        for key in table.places:
            if row_sheet is None:
                raise Unresolved(f"{where}.places：沒有 rows 工作表")
            spec_field(f"{where}.places", row_sheet, key)
        for path in table.footer:
            if path not in form.values:
                _fail(f"{where}.footer", "值（values）", path, form.values)
        columns = table.layout.widths
        used = [r.col for r in table.cells.values() if r.col is not None] + list(table.footer.values())
        if columns and used and max(used) >= len(columns):
            raise Unresolved(f"{where}.layout.widths：表格至少有 {max(used) + 1} 欄，widths 只列了 {len(columns)} 欄")
        if columns and any(col >= len(columns) for col in table.layout.align):
            raise Unresolved(f"{where}.layout.align：欄號超出 widths 的 {len(columns)} 欄")
        if table.nested_in is not None:
            if table.nested_in.table not in form.tables:
                _fail(f"{where}.nested_in", "表格", table.nested_in.table, form.tables)
            if form.strategy_row(table.nested_in.category, table.nested_in.item) is None:
                raise Unresolved(
                    f"{where}.nested_in：第八章沒有類別（{table.nested_in.category}）第 {table.nested_in.item} 項"
                )
            if len(table.header) != len(table.cells):
                raise Unresolved(f"{where}.header：應有 {len(table.cells)} 個欄位標題")
    for annex in form.annexes:
        if annex.subs:
            spec = sheet(f"annexes[{annex.number}].subs", annex.subs)
            for name in placeholders(form.sub_annex_line):
                spec_field("sub_annex_line", spec, name)
        where = f"annexes[{annex.number}]"
        for ref in annex.fields.values():
            qualified(f"{where}.fields", ref)
        unfilled = set(placeholders(annex.title)) ^ set(annex.fields)
        if unfilled:
            raise Unresolved(f"{where}.title：{{}} 中的名稱應與 fields 相同（不符：{'、'.join(sorted(unfilled))}）")
    from pipeline.form.spec import FieldType  # spec imports this module

    aligned = set(KINDS) | set(typing.get_args(FieldType))
    for name in form.typeset.align:
        if name not in aligned:
            _fail("typeset.align", "值的種類（recipe 種類或欄位型別）", name, aligned)
    layout = form.free_layout
    blocks = sheet("free_layout.sheet", layout.sheet)
    for name in ("kind", "text", "table", "header_rows"):
        spec_field(f"free_layout.{name}", blocks, getattr(layout, name))
    kinds = spec_field("free_layout.kind", blocks, layout.kind).choices
    for kind in (
        *layout.styles,
        layout.table_kind,
        layout.image_kind,
        *([layout.list_kind] if layout.list_kind else []),
    ):
        if kinds and kind not in kinds:
            _fail("free_layout", f"欄位 {layout.kind} 的選項", kind, kinds)
    used_sheets = _sheets_used(form)
    for wb in form.workbooks:
        for spec in wb.sheets:
            if f"{wb.id}.{spec.id}" not in used_sheets:
                raise Unresolved(f"workbooks.{wb.id}.sheets.{spec.id}：此工作表沒有用在報告的任何地方"
                                 "（tables、values、figures、annexes 等都沒有提到它）")  # fmt: skip
            if spec.numbering and "{n}" not in spec.numbering:
                raise Unresolved(f"workbooks.{wb.id}.sheets.{spec.id}.numbering：應含 {{n}}")


def _sheets_used(form: Form) -> set[str]:
    """Every sheet the report map, the figures, the annexes or the identity name."""

    def sheet_of(ref: str | None) -> str | None:
        return ref.rpartition(".")[0] if ref and "." in ref else None

    def of_recipe(r: Recipe) -> Iterator[str | None]:
        yield from (sheet_of(name) for name in r.fields_used())
        yield r.items
        yield sheet_of(r.stated)
        for part in (r.lines or ()) + (r.join or ()):
            yield from of_recipe(part)

    used: set[str | None] = {form.measures.sheet, form.free_layout.sheet, sheet_of(form.city.committee_total)}
    used |= {sheet_of(ref) for ref in (form.identity.agency, form.identity.year, form.identity.groups)}
    used |= {sheet_of(ref) for ref in form.identity.year_fields}
    used |= {f.sheet for f in form.figures.values()} | {a.subs for a in form.annexes}
    used |= {sheet_of(ref) for a in form.annexes for ref in a.fields.values()}
    for r in form.values.values():
        used |= set(of_recipe(r))
    for table in form.tables.values():
        used.add(table.rows)
        for r in table.cells.values():
            used |= set(of_recipe(r))
    return {s for s in used if s}


def placeholders(wording: str) -> list[str]:
    """The {names} of a wording (or of a printed date's pattern)."""
    import string

    return [name for _lit, name, _spec, _conv in string.Formatter().parse(wording) if name]
