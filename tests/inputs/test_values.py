"""What clerks type, turned into typed values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from pipeline.inputs import values as V


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1200000, Decimal(1200000)),
        ("1,200,000", Decimal(1200000)),
        ("30,000元", Decimal(30000)),
        ("１２３", Decimal(123)),
        (" 42 ", Decimal(42)),
        (3.5, Decimal("3.5")),
        ("3小時", Decimal(3)),
    ],
)
def test_numbers_as_clerks_type_them(raw, expected):
    assert V.parse_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "", True])
def test_not_a_number(raw):
    with pytest.raises(V.BadValue):
        V.parse_decimal(raw)


def test_int_rejects_fractions_and_negatives():
    with pytest.raises(V.BadValue, match="整數"):
        V.parse_int("3.5")
    with pytest.raises(V.BadValue, match="負數"):
        V.parse_int(-1)


@pytest.mark.parametrize(
    "raw",
    [
        "109-07-10",
        "109/7/10",
        "109.7.10",
        "109年7月10日",
        "1090710",
        "民國109年7月10日",
        "2020-07-10",
        datetime(2020, 7, 10),
        date(2020, 7, 10),
        1090710,
    ],
)
def test_roc_dates(raw):
    assert V.parse_date(raw) == date(2020, 7, 10)


@pytest.mark.parametrize("raw", ["109-02-30", "昨天", "7/10"])
def test_bad_dates(raw):
    with pytest.raises(V.BadValue):
        V.parse_date(raw)


@pytest.mark.parametrize("raw", ["V", "v", "✓", "✔", "☑", "■", "是", "1", "TRUE", True, 1])
def test_ticked(raw):
    assert V.parse_checkbox(raw) is True


@pytest.mark.parametrize("raw", ["☐", "□", "否", "0", "FALSE", False, 0])
def test_not_ticked(raw):
    assert V.parse_checkbox(raw) is False


def test_other_checkbox_values_are_rejected():
    with pytest.raises(V.BadValue, match="勾選"):
        V.parse_checkbox("maybe")


def test_choice_forgives_width_and_spaces():
    assert V.parse_choice(" 主計處 列管 ", ("主計處列管", "機關構列管")) == "主計處列管"
    with pytest.raises(V.BadValue, match="主計處列管、機關構列管"):
        V.parse_choice("中央", ("主計處列管", "機關構列管"))


def test_groups():
    codes = ("A群", "C群", "C2組")
    assert V.parse_groups("C群、C2組", codes) == ("C群", "C2組")
    assert V.parse_groups("Ｃ群,C2組", codes) == ("C群", "C2組")
    with pytest.raises(V.BadValue):
        V.parse_groups("Z群", codes)


def test_paragraphs_split_at_line_breaks():
    assert V.parse_paragraphs("第一段\r\n\n  第二段  \n") == ("第一段", "第二段")


def test_text_keeps_integers_without_decimal_point():
    assert V.parse_text(109.0) == "109"
