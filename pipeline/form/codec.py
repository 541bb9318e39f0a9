"""One codec for the report map: a recipe renders record fields as the text the report
shows, and parses that text back into field values (as a clerk would type them).

``Encoder`` makes the ready strings the Word template places (word/context.py builds the
whole context with it); ``Decoder`` reads the text of a report's cells and paragraphs back
(review/pull.py).  Both use :mod:`pipeline.form.fmt` and its inverse, and the wording of
form.yaml, so the two directions cannot drift apart.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from pipeline.form.fmt import Formatter, chinese_numeral, date_pattern
from pipeline.form.spec import Form
from pipeline.form.tablemap import Recipe, TickStyle
from pipeline.inputs.records import Record, Value


class Figures(Protocol):
    """What an encoder reads besides the records: the report's figures and identity.

    Read-only members, so that a frozen dataclass (pipeline.report.compute.Report) is one."""

    @property
    def form(self) -> Form: ...

    @property
    def figures(self) -> Mapping[str, Any]: ...

    @property
    def title(self) -> str: ...

    @property
    def groups(self) -> tuple[str, ...]: ...


class Records(Protocol):
    """Records by sheet id (pipeline.inputs.records.Inputs)."""

    def fields(self, sheet_id: str) -> Record: ...

    def rows(self, sheet_id: str) -> tuple[Record, ...]: ...


T = TypeVar("T")


def own(member: T | None) -> T:
    """The member a recipe is named by (``recipe.text`` of a text recipe): Recipe makes sure the
    member of its kind is set; this says so to the type checker."""
    if member is None:
        raise ValueError("a recipe without the member of its own kind")
    return member


def show(value: Value, render: Callable[[Any], str] = str) -> str:
    """A value as text; a value that could not be understood is shown as typed."""
    if value.value is None:
        return value.raw or ""
    return render(value.value)


def paras(value: Value) -> list[str]:
    """A paragraphs field as a list (a bad value shown as typed)."""
    if value.value is None:
        return [value.raw] if value.raw else []
    return list(value.value) if isinstance(value.value, tuple) else [str(value.value)]


def is_blank(value: Value) -> bool:
    """Nothing typed at all (neither a value nor text that could not be understood)."""
    return value.value is None and not value.raw


class Encoder:
    """Renders recipes: record fields → the ready text (or list of texts) the template places."""

    def __init__(self, report: Figures, inputs: Records):
        self.report = report
        self.form = report.form
        self.inputs = inputs
        self.fmt = Formatter(report.form.formats)

    # -- where a field's value comes from ------------------------------------------------
    def at(self, name: str, row: Record | None) -> Value:
        """The ``Value`` of field ``name``: a key of ``row``, else ``sheet.key``."""
        if row is not None and "." not in name:
            return row.at(name)
        sheet_id, _, key = name.rpartition(".")
        return self.inputs.fields(sheet_id).at(key)

    def is_table_field(self, name: str) -> bool:
        """``sheet.key`` names a column of a table sheet (every row's value is meant)."""
        sheet_id = name.rpartition(".")[0]
        return sheet_id in self.form.sheets and self.form.sheets[sheet_id][1].kind == "table"

    def typed(self, name: str, row: Record | None) -> Any:
        return self.at(name, row).value

    def holds(self, recipe: Recipe, row: Record | None) -> bool:
        """The recipe's when/unless conditions hold for ``row``."""
        when = all(self.typed(k, row) == v for k, v in (recipe.when or {}).items())
        unless = all(self.typed(k, row) != v for k, v in (recipe.unless or {}).items())
        return when and unless

    # -- rendering ----------------------------------------------------------------------
    def figure(self, name: str) -> str:
        """A computed figure as the form prints it."""
        value = self.report.figures.get(name)
        kind = self.form.figures[name].format
        if kind == "percent":
            return self.fmt.percent(value)
        if kind == "difference":
            return self.fmt.difference(value if value is not None else Decimal(0))
        return self.fmt.number(value)

    def value(
        self,
        recipe: Recipe,
        row: Record | None = None,
        index: int = 0,
        sheet_id: str = "",
        ticks: TickStyle | None = None,
    ) -> Any:
        """What the template places for ``recipe`` (``row``: the body row, ``index``: its
        position, ``sheet_id``: the sheet of the rows, ``ticks``: the table's tick glyphs)."""
        empty: Any = [] if recipe.kind in LIST_KINDS else ""
        if not self.holds(recipe, row) or (recipe.first_row and index > 0):
            return empty
        kind = recipe.kind
        fmt = self.fmt
        if kind == "text":
            return show(self.at(own(recipe.text), row))
        if kind == "paragraphs":
            name = own(recipe.paragraphs)
            if row is None and self.is_table_field(name):
                sheet_id, _, key = name.rpartition(".")
                return [p for r in self.inputs.rows(sheet_id) for p in paras(r.at(key))]
            return paras(self.at(name, row))
        if kind == "number":
            return show(self.at(own(recipe.number), row), fmt.number)
        if kind == "date":
            render = fmt.date_long if recipe.format == "date_long" else fmt.date_short
            return show(self.at(own(recipe.date), row), render)
        if kind == "tick":
            ticked = self.typed(own(recipe.tick), row)
            return fmt.box(ticked == recipe.equals if recipe.equals is not None else ticked, ticks)
        if kind == "ticks":
            return self.ticks(recipe, row, ticks)
        if kind == "people":
            return self.people(recipe, row)
        if kind == "count":
            return show(self.at(own(recipe.count), row), lambda v: self.form.wording["count"].format(n=fmt.number(v)))
        if kind == "figure":
            return self.figure(own(recipe.figure))
        if kind == "numbering":
            return self.form.sheets[sheet_id][1].numbering.format(n=index + 1)
        if kind == "lines":
            lines = [self.value(part, row, index, sheet_id, ticks) for part in own(recipe.lines)]
            return [text for text in lines if text]
        if kind == "join":
            return "".join(self.value(part, row, index, sheet_id, ticks) for part in own(recipe.join))
        if kind == "const":
            return recipe.const
        if kind == "groups":
            return "、".join(self.report.groups) or show(self.at(own(recipe.groups), row))
        if kind == "report_title":
            return self.report.title
        if kind == "items":
            return self.items(recipe)
        if kind == "annexes":
            return self.annex_lines(own(recipe.annexes))
        if kind == "group_rules":
            wording = self.form.wording[own(recipe.group_rules)]
            return [
                wording.format(n=i, n_zh=chinese_numeral(i), codes="、".join(g.codes), categories=g.categories,
                               items=g.items)
                for i, g in enumerate(self.form.groups, start=1)
            ]  # fmt: skip
        raise ValueError(f"{kind} is not a value of its own")  # none_if_empty, grid kinds: see context

    def ticks(self, recipe: Recipe, row: Record | None, style: TickStyle | None = None) -> list[dict[str, str]]:
        """A tick group as lines; a group left entirely blank shows nothing."""
        options = recipe.ticks or ()
        if all(is_blank(self.at(o.tick, row)) for o in options):
            return []
        return [
            {"box": self.fmt.box(self.typed(o.tick, row), style),
             "text": o.label + (show(self.at(o.note, row)) if o.note else "")}
            for o in options
        ]  # fmt: skip

    def people(self, recipe: Recipe, row: Record | None) -> str:
        """「總計N人 男N人 女N人」 (the total is the stated one, else men + women)."""
        p = own(recipe.people)
        num = self.fmt.number
        male, female = show(self.at(p.male, row), num), show(self.at(p.female, row), num)
        total = None
        if row is not None and p.total is not None:
            from pipeline.report.compute import participants_total  # a figure of the row

            total = participants_total(row, p.total, p.male, p.female)
        wording = self.form.wording[recipe.format or "people"]
        if "{total}" in wording and total is None:
            wording = self.form.wording["people"]
        return wording.format(total=num(total), male=male, female=female)

    def items(self, recipe: Recipe) -> list[dict[str, list[str]]]:
        """Numbered paragraphs, one item per row: the lead (「(一) 名稱：」) before the first."""
        out = []
        lead = self.form.wording[recipe.lead or ""]
        for i, r in enumerate(self.inputs.rows(own(recipe.items)), start=1):
            body = paras(r.at(recipe.body)) if recipe.body else []
            if not body and recipe.name is None:
                continue  # nothing but a number to show
            title = show(r.at(recipe.name)) if recipe.name else ""
            first = lead.format(n=i, n_zh=chinese_numeral(i), title=title) + (body[0] if body else "")
            out.append({"paragraphs": [first, *body[1:]]})
        return out

    def annex_lines(self, section: str) -> list[str]:
        """The annex lines cited in a section, sub-annexes under their annex."""
        lines = []
        for annex in self.form.annexes:
            if annex.section != section or not annex.listed:
                continue
            title = annex.title_with(lambda ref: show(self.at(ref, None)))
            lines.append(annex.line.format(number=annex.number, title=title))
            if annex.subs:
                keys = [f.key for f in self.form.sheets[annex.subs][1].specs]
                for r in self.inputs.rows(annex.subs):
                    lines.append(self.form.sub_annex_line.format(**{key: show(r.at(key)) for key in keys}))
        return lines


LIST_KINDS = ("paragraphs", "ticks", "lines", "items", "annexes", "group_rules")


# -- reading back ------------------------------------------------------------------------


@dataclass
class Decoded:
    """Field values read back from a report (as a clerk types them), and notes on the rest."""

    values: dict[str, Any]
    notes: list[str]


def wording_pattern(wording: str, names: Mapping[str, str]) -> re.Pattern[str]:
    """A regex that reads back text made with ``wording`` (「總計{total}人 男{male}人」): each
    placeholder a named group with the given sub-pattern; spaces are optional."""
    return re.compile(r"\s*" + wording_source(wording, names) + r"\s*", re.DOTALL)


def wording_source(wording: str, names: Mapping[str, str]) -> str:
    """The regex source of :func:`wording_pattern` without the spaces around the text."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(wording):
        if literal.strip():
            parts.append(r"\s*".join(re.escape(word) for word in literal.split()))
        if name is not None:
            parts.append(f"(?P<{name}>{names.get(name, '.*?')})")
    return r"\s*".join(parts)


NUMBER = r"-?[\d,，]*\.?\d+"
# Ticks as people type them over a printed box (the reader's own single-character ticks).
TYPED_TICKS = ("V", "v", "Ｖ", "✓", "✔", "☑", "☒", "■")
TYPED_UNTICKED = ("☐", "□")


class Decoder:
    """Reads text a recipe rendered back into field values."""

    def __init__(self, form: Form):
        self.form = form
        formats = form.formats
        styles = [t.ticks for t in form.tables.values() if t.ticks is not None]
        # Every glyph the form prints, and the ticks a clerk or reviewer types (V ✓ ☑ …): a
        # report shows the table's own glyphs, and a reviewer may have typed another.
        self.ticked = {formats.ticked, formats.done, *(s.ticked for s in styles), *TYPED_TICKS}
        self.unticked = {g for g in (formats.unticked, formats.not_done, *(s.unticked for s in styles)) if g}
        self.unticked |= set(TYPED_UNTICKED)
        self.dates = {
            "date_short": date_pattern(formats.date_short),
            "date_long": date_pattern(formats.date_long),
        }

    # -- small inverses of fmt ------------------------------------------------------------
    def number(self, text: str) -> Any:
        """「1,200,000」 → 1200000; text that is not a number is kept as it is (the reader reports it)."""
        cleaned = text.strip().replace(",", "").replace("，", "")
        if not cleaned:
            return None
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            return text.strip()
        return int(value) if value == value.to_integral_value() else value

    def date(self, text: str, fmt: str) -> tuple[str | None, str]:
        """A printed 民國 date at the start of ``text`` as the workbooks take it (109-07-10),
        and the text after it."""
        m = self.dates.get(fmt or "date_short", self.dates["date_short"]).match(text.strip())
        if not m:
            return None, text
        return f"{m['y']}-{int(m['m']):02d}-{int(m['d']):02d}", text.strip()[m.end() :]

    def _glyph(self, text: str) -> tuple[bool | None, str]:
        """(ticked, the rest) for a glyph at the start of ``text``; (None, text) for none.

        A letter used as a tick (V) counts only when no letter follows it: 「VIP」 is text."""
        text = text.strip()
        for glyph in sorted(self.ticked | self.unticked, key=len, reverse=True):
            if not text.startswith(glyph):
                continue
            rest = text[len(glyph) :]
            if glyph.isascii() and glyph.isalpha() and rest[:1].isascii() and rest[:1].isalpha():
                continue
            return glyph in self.ticked, rest.strip()
        return None, text

    def tick(self, text: str) -> bool | None:
        """True for a ticked glyph at the start, False for an unticked one, None for neither
        (a cell a table leaves blank for no)."""
        return self._glyph(text)[0]

    def strip_glyph(self, text: str) -> str:
        """``text`` without the tick glyph it starts with."""
        return self._glyph(text)[1]

    # -- recipes ---------------------------------------------------------------------------
    def cell(
        self,
        recipes: list[Recipe],
        text: str,
        row_fields: dict[str, Any],
        sheet_choices: Callable[[str], tuple[str, ...]],
    ) -> list[str]:
        """Decode the text of one cell made by ``recipes`` (in template order) into
        ``row_fields``; returns notes on what could not be read."""
        notes: list[str] = []
        rest = text
        for recipe in recipes:
            rest = self.one(recipe, rest, row_fields, sheet_choices, notes)
        return notes

    def one(
        self,
        recipe: Recipe,
        text: str,
        out: dict[str, Any],
        choices: Callable[[str], tuple[str, ...]],
        notes: list[str],
    ) -> str:
        """Decode one recipe from the start of ``text``; returns what is left for the next
        recipe of the same cell."""
        kind = recipe.kind
        if kind == "tick":
            ticked = self.tick(text)
            if recipe.equals is not None:
                if ticked:
                    out[own(recipe.tick)] = recipe.equals
            else:
                out[own(recipe.tick)] = bool(ticked)
            return self.strip_glyph(text) if ticked is not None else text
        if kind == "text":
            if text.strip() or not self._conditional(recipe):
                self._condition_met(recipe, out, choices)
                name = own(recipe.text)
                out.setdefault(name, text.strip())
                if text.strip():
                    out[name] = text.strip()
            return ""
        if kind == "groups":
            out[own(recipe.groups)] = text.strip()
            return ""
        if kind == "paragraphs":
            out[own(recipe.paragraphs)] = "\n".join(line.strip() for line in text.split("\n") if line.strip())
            return ""
        if kind == "number":
            out[own(recipe.number)] = self.number(text)
            return ""
        if kind == "count":
            m = wording_pattern(self.form.wording["count"], {"n": NUMBER}).fullmatch(text)
            out[own(recipe.count)] = self.number(m["n"]) if m else (text.strip() or None)
            return ""
        if kind == "date":
            value, rest = self.date(text, recipe.format or "date_short")
            out[own(recipe.date)] = value if value is not None else (text.strip() or None)
            return rest if value is not None else ""
        if kind == "ticks":
            for line in [ln for ln in text.split("\n") if ln.strip()]:
                body = self.strip_glyph(line)
                for option in recipe.ticks or ():
                    if option.note and body.startswith(option.label):
                        out[option.tick] = bool(self.tick(line))
                        out[option.note] = body[len(option.label) :].strip() or None
                    elif body == option.label:
                        out[option.tick] = bool(self.tick(line))
            return ""
        if kind == "people":
            self.people(recipe, text, out)
            return ""
        if kind == "lines":
            lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
            for part in recipe.lines or ():
                if part.kind == "date":
                    value, _ = self.date(lines[0], part.format or "date_short") if lines else (None, "")
                    out[own(part.date)] = value
                    if value is not None:
                        lines = lines[1:]
                else:
                    self.one(part, "\n".join(lines), out, choices, notes)
                    lines = []
            return ""
        return text  # numbering, const, figures: nothing of the records to read

    def _conditional(self, recipe: Recipe) -> bool:
        return bool(recipe.when or recipe.unless)

    def _condition_met(self, recipe: Recipe, out: dict[str, Any], choices: Callable[[str], tuple[str, ...]]) -> None:
        """Text in a cell shown only when a condition holds: the condition held."""
        for key, value in (recipe.when or {}).items():
            out[key] = value
        for key, value in (recipe.unless or {}).items():
            others = [c for c in choices(key) if c != value]
            if len(others) == 1:
                out.setdefault(key, others[0])

    def people(self, recipe: Recipe, text: str, out: dict[str, Any]) -> None:
        p = own(recipe.people)
        names = {"total": NUMBER, "male": NUMBER, "female": NUMBER}
        for wording in (self.form.wording[recipe.format or "people"], self.form.wording["people"]):
            m = wording_pattern(wording, names).fullmatch(text)
            if m:
                found = m.groupdict()
                for key, field_name in (("total", p.total), ("male", p.male), ("female", p.female)):
                    if field_name and key in found:
                        out[field_name] = self.number(found[key])
                return


def each_cell_recipe(cells: Mapping[str, Recipe]) -> Iterator[tuple[int, list[Recipe]]]:
    """The recipes of a table's body cells grouped by column, in template order."""
    by_col: dict[int, list[Recipe]] = {}
    for recipe in cells.values():
        if recipe.col is not None:
            by_col.setdefault(recipe.col, []).append(recipe)
    yield from sorted(by_col.items())
