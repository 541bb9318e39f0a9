"""All formatting in one place: numbers, percentages, 民國 dates, boxes, money wording."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from pipeline.form.spec import Formats
from pipeline.form.tablemap import TickStyle
from pipeline.inputs.values import ROC_OFFSET

ROUNDING = {"ROUND_DOWN": ROUND_DOWN, "ROUND_HALF_UP": ROUND_HALF_UP}
CHINESE_NUMERALS = "一二三四五六七八九十"


class Formatter:
    """Formats typed values the way the form prints them."""

    def __init__(self, formats: Formats):
        self.formats = formats

    def number(self, value: int | Decimal | None) -> str:
        """1200000 → 「1,200,000」; 3.5 → 「3.5」."""
        if value is None:
            return ""
        value = Decimal(value)
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.normalize():,f}"

    def ratio(self, ratio: Fraction | None) -> Decimal | None:
        """A ratio cut to the form's precision (0.2153 for 21.53%), e.g. for a 0.00% cell."""
        if ratio is None:
            return None
        rule = self.formats.percent
        decimals = int(rule.get("decimals", 2)) + 2
        rounding = ROUNDING[str(rule.get("rounding", "ROUND_DOWN"))]
        # 28 significant digits: far more than the decimals kept.
        value = Decimal(ratio.numerator) / Decimal(ratio.denominator)
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=rounding)

    def percent(self, ratio: Fraction | None) -> str:
        """13/36 → 「36.11%」 with the form's rounding rule; 1 → 「100%」."""
        value = self.ratio(ratio)
        if value is None:
            return "—"
        shown = value.scaleb(2)
        if self.formats.percent.get("drop_zero_decimals", False) and shown == shown.to_integral_value():
            shown = shown.quantize(Decimal(1))
        return f"{shown}%"

    def date_short(self, value: date | None) -> str:
        """2020-07-10 → 「109-07-10」."""
        return "" if value is None else self._roc(self.formats.date_short, value)

    def date_long(self, value: date | None) -> str:
        """2021-02-24 → 「110年2月24日」."""
        return "" if value is None else self._roc(self.formats.date_long, value)

    @staticmethod
    def _roc(pattern: str, value: date) -> str:
        return pattern.format(y=value.year - ROC_OFFSET, m=value.month, d=value.day)

    def box(self, ticked: bool | None, style: TickStyle | None = None) -> str:
        """A checkbox glyph: ☑ or ☐, or the table's own (a V, and nothing for no)."""
        if style is not None:
            return style.ticked if ticked else style.unticked
        return self.formats.ticked if ticked else self.formats.unticked

    def done(self, done: bool | None) -> str:
        """Section 八's mark before a measure: ■ done, □ not yet."""
        return self.formats.done if done else self.formats.not_done

    def difference(self, amount: Decimal) -> str:
        """Year-on-year difference in words: 「減少164,300元」."""
        if amount > 0:
            return self.formats.difference_up.format(amount=self.number(amount))
        if amount < 0:
            return self.formats.difference_down.format(amount=self.number(-amount))
        return self.formats.difference_none


def date_pattern(pattern: str) -> re.Pattern[str]:
    """The regex that reads back a date printed with ``pattern`` (its {y}, {m} and {d}
    fields, e.g. 「{y}年{m}月{d}日」) at the start of a text: groups y, m and d."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if name in ("y", "m", "d"):
            parts.append(rf"(?P<{name}>\d{{2,3}})" if name == "y" else rf"(?P<{name}>\d{{1,2}})")
        elif name is not None:
            raise ValueError(f"日期格式只能使用 {{y}}、{{m}}、{{d}}：{pattern}")
    return re.compile("".join(parts))


def chinese_numeral(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一, 20 → 二十 (enough for list numbering)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens <= 1 else CHINESE_NUMERALS[tens - 1]) + ("十" if tens else "")
    return text + (CHINESE_NUMERALS[ones - 1] if ones else "")


_DECIMALS = re.compile(r"\.(0+)")


def excel_display(value: object, number_format: str | None, fmt: Formatter) -> str:
    """A number or date the way its Excel number format shows it (free-layout tables):
    0.2153 with 0.00% → 21.53%, 1234567 with #,##0 → 1,234,567, a date → 民國 date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return fmt.date_long(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not number_format:
        return str(value)
    code = number_format.split(";")[0]
    decimals = len(m.group(1)) if (m := _DECIMALS.search(code)) else 0
    number = Decimal(str(value))
    if "%" in code:
        return f"{number * 100:.{decimals}f}%"
    if "," in code:
        return f"{number:,.{decimals}f}"
    if "0" in code:
        return f"{number:.{decimals}f}"
    return str(value)
