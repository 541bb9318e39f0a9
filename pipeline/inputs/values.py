"""Turning what clerks type into typed values.

Each parser takes a raw cell value (whatever openpyxl gives: str, int, float,
datetime, bool or None) and returns the typed value, or raises ``BadValue``
with what was expected.  Blank cells never reach the parsers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

ROC_OFFSET = 1911

# How clerks tick a box, as they would pick it from a list (the dropdowns of the blank
# workbooks offer these), and every spelling the reader understands (compared width-folded,
# lower case: Ｖ and v are V).
TICK_FORMS = ("V", "✓", "✔", "☑", "☒", "■", "是", "勾選", "1")
UNTICK_FORMS = ("否", "☐", "□", "0")
TICKED = {form.lower() for form in TICK_FORMS} | {"true", "yes"}
UNTICKED = set(UNTICK_FORMS) | {"false", "no"}


class BadValue(ValueError):
    """A cell value that does not fit its field; the message says what was expected."""


def normalize_text(raw: object) -> str:
    """Text as the clerk meant it: NFC, no XML-forbidden characters, trimmed lines."""
    text = str(raw)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_forbidden(text)
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n").strip()


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(text: str) -> str:
    """Excel stores characters XML cannot hold as ``_x0007_``; turn them back."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def strip_forbidden(text: str) -> str:
    """Remove characters that XML 1.0 (and so a .docx) cannot hold."""
    return _FORBIDDEN.sub("", text)


def has_forbidden(text: str) -> bool:
    """True when ``text`` holds characters XML 1.0 forbids."""
    return bool(_FORBIDDEN.search(text))


def _halfwidth(text: str) -> str:
    # NFKC folds full-width digits, commas and percent signs to ASCII.
    return unicodedata.normalize("NFKC", text)


def parse_decimal(raw: object) -> Decimal:
    """A number: 1200000, 「1,200,000」, 「30,000元」, full-width digits, 「3小時」."""
    if isinstance(raw, bool):
        raise BadValue("應為數字")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = _halfwidth(str(raw)).strip()
    text = re.sub(r"^(NT\$|新臺幣|新台幣|\$)", "", text)
    text = re.sub(r"(元|小時|人|項|件|次|時)$", "", text.strip())
    text = text.replace(",", "").replace(" ", "")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise BadValue("應為數字") from exc
    if not value.is_finite():
        raise BadValue("應為數字")
    return value


def parse_int(raw: object) -> int:
    """A whole, non-negative count."""
    value = parse_decimal(raw)
    if value != value.to_integral_value():
        raise BadValue("應為整數")
    if value < 0:
        raise BadValue("不可為負數")
    return int(value)


def parse_money(raw: object) -> Decimal:
    """An amount in NT$ (whole dollars, not negative)."""
    value = parse_decimal(raw)
    if value < 0:
        raise BadValue("金額不可為負數")
    return value


def parse_nonneg_decimal(raw: object) -> Decimal:
    """A non-negative number such as hours."""
    value = parse_decimal(raw)
    if value < 0:
        raise BadValue("不可為負數")
    return value


_ROC_PATTERNS = (
    re.compile(r"^(?:民國)?(\d{2,3})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(?:民國)?(\d{2,3})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{3})(\d{2})(\d{2})$"),
)
_AD_PATTERN = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


PLAUSIBLE_YEARS = range(1912, 2200)  # 民國元年 onwards


def parse_date(raw: object) -> date:
    """A date: 109-07-10, 109/7/10, 109.7.10, 109年7月10日, 1090710, 2020-07-10, a date cell."""
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        if raw.year not in PLAUSIBLE_YEARS:
            raise BadValue(f"日期 {raw.isoformat()} 的年份不合理（Excel 日期格式有誤？）")
        return raw
    text = _halfwidth(str(raw)).replace(" ", "").strip()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = str(int(raw)) if float(raw).is_integer() else text
    for pattern in _ROC_PATTERNS:
        match = pattern.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            return _make_date(y + ROC_OFFSET, m, d)
    match = _AD_PATTERN.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
        return _make_date(y, m, d)
    raise BadValue("應為日期，例如 109-07-10 或 109年7月10日")


def _make_date(y: int, m: int, d: int) -> date:
    try:
        value = date(y, m, d)
    except ValueError as exc:
        raise BadValue("日期不存在") from exc
    if value.year not in PLAUSIBLE_YEARS:
        raise BadValue("日期的年份不合理")
    return value


def parse_checkbox(raw: object) -> bool:
    """A tick: V ✓ ☑ ■ 是 1 TRUE are ticked; ☐ □ 否 0 FALSE are not."""
    if isinstance(raw, bool):
        return raw
    text = _halfwidth(str(raw)).strip().lower()
    if isinstance(raw, (int, float)):
        text = "1" if raw == 1 else "0" if raw == 0 else text
    if text in TICKED:
        return True
    if text in UNTICKED:
        return False
    raise BadValue("應為勾選（V）或空白")


def parse_choice(raw: object, choices: tuple[str, ...]) -> str:
    """One of the form's choices (spaces and full/half width forgiven)."""
    text = fold(raw)
    for choice in choices:
        if fold(choice) == text:
            return choice
    raise BadValue("應為下列其中之一：" + "、".join(choices))


def fold(text: object) -> str:
    """Text as compared: width-folded (NFKC), no spaces or line breaks, lower case.

    Headers, sheet names and choices are all matched this way."""
    return _fold(str(text or ""))


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    # The same headers and choices are folded over and over (each cell of the header rows
    # searched, each choice of every choice cell): each distinct text is folded once.
    return _SPACES.sub("", _halfwidth(text)).lower()


def parse_groups(raw: object, codes: tuple[str, ...]) -> tuple[str, ...]:
    """One or more group codes separated by 、 , ; or spaces, e.g. 「C群、C2組」."""
    parts = [p for p in re.split(r"[、,，;；/\s]+", _halfwidth(str(raw))) if p]
    if not parts:
        raise BadValue("應填組別")
    found = []
    for part in parts:
        found.append(parse_choice(part, codes))
    return tuple(dict.fromkeys(found))


def parse_paragraphs(raw: object) -> tuple[str, ...]:
    """Text split into paragraphs at line breaks; blank lines dropped."""
    return tuple(line for line in normalize_text(raw).split("\n") if line.strip())


def parse_text(raw: object) -> str:
    """Plain text; numbers typed in a text cell keep their written form."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime):
        raw = raw.date().isoformat()
    return normalize_text(raw)


def is_blank(raw: object) -> bool:
    """True for an empty cell (None, or only white space)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())
