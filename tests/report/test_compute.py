"""The derived figures, computed exactly from the records."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

from pipeline.inputs.read import read_inputs
from pipeline.report.compute import compute_report, ratio
from tests.conftest import MINIMAL, SAMPLE_INPUTS


def test_ratio_is_exact_and_none_without_a_denominator():
    assert ratio(154, 715) == Fraction(154, 715)
    assert ratio(1, 0) is None and ratio(None, 5) is None


def test_sample_figures(form):
    inputs, _ = read_inputs(SAMPLE_INPUTS, form)
    report = compute_report(inputs, form)
    figures = report.figures
    assert figures["committee_share"] == Fraction(13, 36)
    assert figures["general_rate_total"] == 1 and figures["managers_rate_female"] == 1
    assert figures["physical_rate"] == Fraction(154, 715)
    assert figures["budget_current_total"] == Decimal(7414140)
    assert figures["budget_next_total"] == Decimal(7249840)
    assert figures["budget_difference"] == Decimal(-164300)
    assert report.strategies.categories_done == ("三", "四", "五")
    assert len(report.strategies.items_done) == 6
    assert report.title == "臺北自來水事業處109年推動性別平等工作成果報告"


def test_only_ticked_measures_count(make_inputs, form):
    data = copy.deepcopy(MINIMAL)
    measures = data["08_推展策略.xlsx"]["具體措施"]
    measures[0] = measures[0] | {"已辦理": None}  # (三)1 not done
    inputs, _ = read_inputs(make_inputs(data), form)
    done = compute_report(inputs, form).strategies
    assert ("三", 1) not in done.items_done and len(done.items_done) == 4


def test_a_difference_is_computed_after_the_figures_it_is_of_whatever_their_order(form):
    import dataclasses

    reordered = dataclasses.replace(form, figures=dict(reversed(list(form.figures.items()))))
    inputs, _ = read_inputs(SAMPLE_INPUTS, form)
    assert compute_report(inputs, reordered).figures["budget_difference"] == Decimal(-164300)
