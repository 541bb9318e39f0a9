"""Formulas without a cached value: computed when simple, reported otherwise, always bounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pipeline import verify
from pipeline.inputs.formulas import FormulaError, evaluate
from pipeline.inputs.sheets import Uncomputed, open_book


def grid(values: dict[tuple[int, int], object]):
    visited = []

    def value_at(row, col):
        visited.append((row, col))
        assert len(visited) < 10_000, "the whole sheet is being walked"
        return values.get((row, col))

    return value_at, visited


def test_simple_arithmetic_and_sums_are_computed():
    value_at, _ = grid({(1, 1): 2, (2, 1): 3, (1, 2): 4})
    assert evaluate("=A1+A2*2", value_at, 2, 2) == Decimal(8)
    assert evaluate("=SUM(A1:B2)", value_at, 2, 2) == Decimal(9)
    assert evaluate("=SUM(B2:A1)/3", value_at, 2, 2) == Decimal(3)  # a range written backwards


@pytest.mark.parametrize("formula", ["=A0+1", "=XFE1+1", "=A1048577", "=SUM(A0:B2)"])
def test_a_reference_outside_the_sheet_is_reported_not_a_crash(formula):
    value_at, _ = grid({})
    with pytest.raises(FormulaError, match="不在工作表範圍內"):
        evaluate(formula, value_at, 5, 5)


def test_a_range_to_the_end_of_the_sheet_visits_only_the_used_range():
    value_at, visited = grid({(1, 3): 1, (2, 3): 2, (3, 4): 10})
    assert evaluate("=SUM(C1:XFD1048576)", value_at, 3, 4) == Decimal(13)
    assert len(visited) <= 3 * 2  # C..D × rows 1..3, not 17 billion cells
    assert evaluate("=Z9999", value_at, 3, 4) == 0  # beyond the used range: empty


@pytest.mark.parametrize(
    "formula",
    [
        "=" + "(" * 5000 + "1" + ")" * 5000,  # nesting the parser cannot take
        "=" + "-" * 100000 + "1",
        "=" + "+".join(["1"] * 5000),  # longer than Excel allows
        "=9" * 3000,
    ],
    ids=["deep-parentheses", "deep-minus", "too-long", "not-a-formula"],
)
def test_pathological_formulas_are_reported(formula):
    value_at, _ = grid({})
    with pytest.raises(FormulaError):
        evaluate(formula, value_at, 1, 1)


def workbook_with_formulas(path, formulas: dict[str, str]):
    """A workbook as a program writes it: formulas without cached values."""
    from openpyxl import Workbook

    book = Workbook()
    for ref, formula in formulas.items():
        book.active[ref] = formula
    book.save(path)
    return path


def test_formulas_that_refer_to_each_other_are_each_computed_once(tmp_path):
    # Each cell doubles the one above it twice over: 2^60 evaluations without memory.
    cells = {"A1": "=1", **{f"A{n}": f"=A{n - 1}+A{n - 1}" for n in range(2, 61)}}
    book = open_book(workbook_with_formulas(tmp_path / "chain.xlsx", cells))
    sheet = book.grids[0]
    assert [sheet.value(n, 1) for n in range(1, 61)] == [2 ** (n - 1) for n in range(1, 61)]


def test_a_cycle_is_reported_at_its_cells(tmp_path):
    book = open_book(workbook_with_formulas(tmp_path / "cycle.xlsx", {"A1": "=B1+1", "B1": "=A1+1"}))
    value = book.grids[0].value(1, 1)
    assert isinstance(value, Uncomputed) and "循環參照" in value.reason + str(book.grids[0].value(1, 2).reason)


def test_bad_formulas_in_a_clerks_workbook_are_findings_at_their_cells(make_inputs):
    folder = make_inputs()
    path = folder / "02_性別平等專案小組.xlsx"
    book = load_workbook(path)
    ws = book["成員"]
    ws["B2"] = "=A0+1"  # 委員總數
    ws["B3"] = "=SUM(C1:XFD1048576)+5"  # 男性委員數: C is empty → 5
    book.save(path)
    findings = verify(folder).findings
    [bad] = [f for f in findings if f.rule == "input.formula"]
    assert bad.source.cell == "B2" and "A0" in bad.message and "不在工作表範圍內" in bad.message
    assert not [f for f in findings if f.source and f.source.cell == "B3"]
