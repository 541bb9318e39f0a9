"""Computing the derived figures that form.yaml lists: shares, rates, sums, differences,
and section 八's categories and items done."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from pipeline.form.spec import Form
from pipeline.form.tablemap import FigureSpec
from pipeline.frozen import Frozen, frozen
from pipeline.inputs.records import Inputs, Record

Figure = Fraction | Decimal | None


def ratio(part: int | Decimal | None, whole: int | Decimal | None) -> Fraction | None:
    """``part / whole`` as an exact fraction; None when either is missing or whole is 0."""
    if part is None or not whole:
        return None
    return Fraction(part) / Fraction(whole)


@frozen
class Strategies(Frozen):
    """Section 八: which categories and items were done."""

    items_done: tuple[tuple[str, int], ...]  # (category number, item number)
    categories_done: tuple[str, ...]


@frozen
class Report(Frozen):
    """The report model: the inputs plus every figure derived from them."""

    form: Form
    inputs: Inputs
    agency: str
    year: int | None
    groups: tuple[str, ...]
    figures: dict[str, Figure]
    strategies: Strategies

    @property
    def title(self) -> str:
        """The report title, e.g. 「臺北自來水事業處109年推動性別平等工作成果報告」."""
        return self.form.title.format(agency=self.agency, year=self.year or "")

    @property
    def output_stem(self) -> str:
        """The output file name without extension."""
        stem = self.form.output_name.format(agency=self.agency, year=self.year or "")
        return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in stem)

    def share(self, name: str) -> Fraction | None:
        """A share or rate figure (``lower_share``, ``ratio``) by name; None when it is unknown."""
        value = self.figures.get(name)
        if isinstance(value, Decimal):
            raise TypeError(f"figure {name} is an amount, not a share")
        return value

    def amount(self, name: str) -> Decimal | None:
        """An amount figure (``column_sum``, ``difference``) by name; None when it is unknown."""
        value = self.figures.get(name)
        if isinstance(value, Fraction):
            raise TypeError(f"figure {name} is a share, not an amount")
        return value

    def value(self, ref: str) -> Any:
        """The typed value of a field of a ``fields`` sheet, ``sheet.key`` (None when blank)."""
        return field_value(self.inputs, ref)


def field_value(inputs: Inputs, ref: str) -> Any:
    """The typed value of ``sheet.key``, a field of a ``fields`` sheet (None when blank)."""
    sheet_id, _, key = ref.rpartition(".")
    return inputs.fields(sheet_id).get(key)


def participants_total(row: Record, total: str | None, male: str, female: str) -> int | None:
    """A course's participants: the stated total, else male + female."""
    if total is not None and row.get(total) is not None:
        stated: int = row.get(total)
        return stated
    men, women = row.get(male), row.get(female)
    if men is None and women is None:
        return None
    return (men or 0) + (women or 0)


def column_sum(rows: tuple[Record, ...], column: str) -> Decimal:
    """The sum of a column (blank cells count as 0)."""
    return sum((Decimal(row.get(column) or 0) for row in rows), Decimal(0))


def figure(spec: FigureSpec, inputs: Inputs, done: dict[str, Figure]) -> Figure:
    """One figure from the records (``done``: the other figures, for a difference)."""
    if spec.kind == "lower_share":
        fields = inputs.fields(spec.sheet or "")
        parts = [fields.get(p) for p in spec.parts]
        lower = None if any(p is None for p in parts) else min(parts)
        return ratio(lower, fields.get(spec.total or ""))
    if spec.kind == "ratio":
        fields = inputs.fields(spec.sheet or "")
        return ratio(fields.get(spec.part or ""), fields.get(spec.whole or ""))
    if spec.kind == "column_sum":
        return column_sum(inputs.rows(spec.sheet or ""), spec.column or "")
    minuend, subtrahend = (done.get(name) for name in spec.of)
    if isinstance(minuend, Fraction) or isinstance(subtrahend, Fraction):  # of shares: exact (no Decimal - Fraction)
        return Fraction(minuend or 0) - Fraction(subtrahend or 0)
    return (minuend or Decimal(0)) - (subtrahend or Decimal(0))


def _strategies(inputs: Inputs, form: Form) -> Strategies:
    m = form.measures
    order = {cat.number: i for i, cat in enumerate(form.strategies)}
    done = sorted(
        {
            (row.get(m.category), row.get(m.item))
            for row in inputs.rows(m.sheet)
            if row.get(m.done)
            and row.get(m.category)
            and row.get(m.item) is not None
            and form.strategy_row(row.get(m.category), row.get(m.item)) is not None  # real items only
        },
        key=lambda key: (order.get(key[0], 99), key[1] or 0),
    )
    categories = tuple(dict.fromkeys(cat for cat, _ in done))
    return Strategies(tuple(done), categories)


def compute_report(inputs: Inputs, form: Form) -> Report:
    """Derive every figure of the report from the records read."""
    figures: dict[str, Figure] = {}
    for name, spec in form.figures.items():  # a difference is of other kinds' figures
        if spec.kind != "difference":
            figures[name] = figure(spec, inputs, figures)
    for name, spec in form.figures.items():
        if spec.kind == "difference":
            figures[name] = figure(spec, inputs, figures)

    return Report(
        form=form,
        inputs=inputs,
        agency=field_value(inputs, form.identity.agency) or "",
        year=field_value(inputs, form.identity.year),
        groups=field_value(inputs, form.identity.groups) or (),
        figures=figures,
        strategies=_strategies(inputs, form),
    )
