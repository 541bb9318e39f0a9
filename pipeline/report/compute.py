"""Computing the derived figures: shares, completion rates, totals, differences, counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pipeline.form.spec import Form
from pipeline.inputs.records import Inputs, Record


def ratio(part: int | None, whole: int | None) -> Fraction | None:
    """``part / whole`` as an exact fraction; None when either is missing or whole is 0."""
    if part is None or not whole:
        return None
    return Fraction(part, whole)


@dataclass(frozen=True)
class Committee:
    """Section 二(一): members and the lower single-gender share."""

    total: int | None
    male: int | None
    female: int | None
    lower_share: Fraction | None  # min(male, female) / total


@dataclass(frozen=True)
class Completion:
    """Section 三(一)/(二): headcounts, completions and completion rates."""

    total: int | None
    male: int | None
    female: int | None
    done_total: int | None
    done_male: int | None
    done_female: int | None
    rate_total: Fraction | None
    rate_male: Fraction | None
    rate_female: Fraction | None


@dataclass(frozen=True)
class Budget:
    """Section 七: the two years' totals and the difference."""

    current_year: int | None
    next_year: int | None
    current_total: Decimal
    next_total: Decimal
    difference: Decimal  # next − current


@dataclass(frozen=True)
class Strategies:
    """Section 八: which categories and items were done."""

    items_done: tuple[tuple[str, int], ...]  # (category number, item number)
    categories_done: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """The report model: the inputs plus every figure derived from them."""

    form: Form
    inputs: Inputs
    agency: str
    year: int | None
    groups: tuple[str, ...]
    committee: Committee
    general: Completion
    managers: Completion
    physical_rate: Fraction | None
    budget: Budget
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


def participants_total(row: Record) -> int | None:
    """A course's participants: the stated total, else male + female."""
    if row.get("total") is not None:
        return row.get("total")
    male, female = row.get("male"), row.get("female")
    if male is None and female is None:
        return None
    return (male or 0) + (female or 0)


def _completion(fields: Record) -> Completion:
    return Completion(
        total=fields.get("total"),
        male=fields.get("male"),
        female=fields.get("female"),
        done_total=fields.get("done_total"),
        done_male=fields.get("done_male"),
        done_female=fields.get("done_female"),
        rate_total=ratio(fields.get("done_total"), fields.get("total")),
        rate_male=ratio(fields.get("done_male"), fields.get("male")),
        rate_female=ratio(fields.get("done_female"), fields.get("female")),
    )


def _committee(fields: Record) -> Committee:
    total, male, female = fields.get("total"), fields.get("male"), fields.get("female")
    lower = min(male, female) if male is not None and female is not None else None
    return Committee(total, male, female, ratio(lower, total))


def budget_total(rows: tuple[Record, ...]) -> Decimal:
    """The sum of a budget table's amounts (blank amounts count as 0)."""
    return sum((row.get("amount") or Decimal(0) for row in rows), Decimal(0))


def _strategies(rows: tuple[Record, ...], form: Form) -> Strategies:
    order = {cat.number: i for i, cat in enumerate(form.strategies)}
    done = sorted(
        {
            (row["category"], row["item"])
            for row in rows
            if row.get("done")
            and row["category"]
            and row["item"] is not None
            and form.strategy_row(row["category"], row["item"]) is not None
        },  # real items only
        key=lambda key: (order.get(key[0], 99), key[1] or 0),
    )
    categories = tuple(dict.fromkeys(cat for cat, _ in done))
    return Strategies(tuple(done), categories)


def compute_report(inputs: Inputs, form: Form) -> Report:
    """Derive every figure of the report from the records read."""
    info = inputs.fields("header.info")
    years = inputs.fields("s7.years")
    current_total = budget_total(inputs.rows("s7.current"))
    next_total = budget_total(inputs.rows("s7.next"))
    physical = inputs.fields("s3.physical_rate")
    return Report(
        form=form,
        inputs=inputs,
        agency=info.get("agency") or "",
        year=info.get("year"),
        groups=info.get("groups") or (),
        committee=_committee(inputs.fields("s2.members")),
        general=_completion(inputs.fields("s3.general")),
        managers=_completion(inputs.fields("s3.managers")),
        physical_rate=ratio(physical.get("participants"), physical.get("staff")),
        budget=Budget(
            current_year=years.get("current_year"),
            next_year=years.get("next_year"),
            current_total=current_total,
            next_total=next_total,
            difference=next_total - current_total,
        ),
        strategies=_strategies(inputs.rows("s8.measures"), form),
    )
