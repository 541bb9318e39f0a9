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
    assert report.committee.lower_share == Fraction(13, 36)
    assert report.general.rate_total == 1 and report.managers.rate_female == 1
    assert report.physical_rate == Fraction(154, 715)
    assert report.budget.current_total == Decimal(7414140)
    assert report.budget.next_total == Decimal(7249840)
    assert report.budget.difference == Decimal(-164300)
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
