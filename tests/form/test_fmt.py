"""All formatting rules of the form."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from pipeline.form.fmt import Formatter, chinese_numeral


def test_percent_truncates_to_two_decimals_as_the_form_prints(form):
    fmt = Formatter(form.formats)
    assert fmt.percent(Fraction(154, 715)) == "21.53%"  # 21.538…% printed 21.53%
    assert fmt.percent(Fraction(13, 36)) == "36.11%"
    assert fmt.percent(Fraction(715, 715)) == "100%"
    assert fmt.percent(Fraction(1, 2)) == "50%"
    assert fmt.percent(Fraction(1, 8)) == "12.50%"
    assert fmt.percent(None) == "—"


def test_rounding_rule_is_data(form):
    formats = replace(form.formats, percent={"decimals": 1, "rounding": "ROUND_HALF_UP", "drop_zero_decimals": False})
    fmt = Formatter(formats)
    assert fmt.percent(Fraction(154, 715)) == "21.5%"
    assert fmt.percent(Fraction(2, 3)) == "66.7%"
    assert fmt.percent(Fraction(1, 1)) == "100.0%"


def test_numbers_dates_and_wording(form):
    fmt = Formatter(form.formats)
    assert fmt.number(1200000) == "1,200,000"
    assert fmt.number(Decimal("2.50")) == "2.5"
    assert fmt.date_short(date(2020, 7, 10)) == "109-07-10"
    assert fmt.date_long(date(2021, 2, 24)) == "110年2月24日"
    assert fmt.difference(Decimal(-164300)) == "減少164,300元"
    assert fmt.difference(Decimal(5)) == "增加5元"
    assert fmt.difference(Decimal(0)) == "無增減"
    assert fmt.box(True) == "☑" and fmt.box(False) == "☐" and fmt.box(None) == "☐"


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 5, 10, 11, 20, 23)] == ["一", "五", "十", "十一", "二十", "二十三"]


@pytest.mark.parametrize(
    "pattern", ["{y}年{m}月{d}日", "民國{y}年{m:02d}月{d:02d}日", "{y}.{m}.{d}", "{y}-{m:02d}-{d:02d}"]
)
def test_a_printed_date_reads_back_with_the_pattern_that_printed_it(pattern):
    from pipeline.form.fmt import date_pattern

    printed = Formatter._roc(pattern, date(2021, 2, 4)) + "通過"
    m = date_pattern(pattern).match(printed)
    assert m and (m["y"], int(m["m"]), int(m["d"])) == ("110", 2, 4)
    assert printed[m.end() :] == "通過"


def test_a_date_pattern_with_an_unknown_field_is_refused():
    from pipeline.form.fmt import date_pattern

    with pytest.raises(ValueError, match="{y}"):
        date_pattern("{year}年")
