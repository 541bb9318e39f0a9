"""The codec: each kind of recipe renders record fields as the report prints them, and reads
that text back into the values a clerk types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pipeline.findings import Source
from pipeline.form.codec import Decoder, Encoder, own, wording_pattern
from pipeline.form.tablemap import People, Recipe, TickOption
from pipeline.inputs.records import Record, Value


def record(**values: Any) -> Record:
    return Record({k: Value(v, Source("x.xlsx")) for k, v in values.items()}, Source("x.xlsx"))


@dataclass
class FakeReport:
    form: Any
    figures: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    groups: tuple[str, ...] = ()


class FakeInputs:
    def __init__(self, fields=None, rows=None):
        self._fields, self._rows = fields or {}, rows or {}

    def fields(self, sheet_id):
        return self._fields.get(sheet_id, record())

    def rows(self, sheet_id):
        return self._rows.get(sheet_id, ())


@pytest.fixture
def encoder(form):
    return Encoder(FakeReport(form), FakeInputs())


def round_trip(form, encoder, recipe: Recipe, row: Record) -> tuple[Any, dict[str, Any]]:
    shown = encoder.value(recipe, row, 0, "s3.self_training")
    text = "\n".join(shown) if isinstance(shown, list) and all(isinstance(x, str) for x in shown) else shown
    if isinstance(shown, list) and shown and isinstance(shown[0], dict):
        text = "\n".join(line["box"] + line["text"] for line in shown)
    out: dict[str, Any] = {}
    Decoder(form).cell([recipe], text, out, lambda key: ("書面審查", "性平小組"))
    return shown, out


@pytest.mark.parametrize(
    "recipe, values, shown, back",
    [
        (Recipe(text="name"), {"name": "性別主流化研習"}, "性別主流化研習", {"name": "性別主流化研習"}),
        (Recipe(number="amount"), {"amount": Decimal(1200000)}, "1,200,000", {"amount": 1200000}),
        (Recipe(number="hours"), {"hours": Decimal("3.5")}, "3.5", {"hours": Decimal("3.5")}),
        (Recipe(date="date", format="date_short"), {"date": date(2020, 7, 10)}, "109-07-10", {"date": "109-07-10"}),
        (Recipe(date="date", format="date_long"), {"date": date(2021, 2, 24)}, "110年2月24日", {"date": "110-02-24"}),
        (Recipe(tick="quorum"), {"quorum": True}, "☑", {"quorum": True}),
        (Recipe(tick="quorum"), {"quorum": False}, "☐", {"quorum": False}),
        (Recipe(tick="level", equals="主計處列管"), {"level": "主計處列管"}, "☑", {"level": "主計處列管"}),
        (Recipe(count="opinions"), {"opinions": 3}, "3項", {"opinions": 3}),
        (
            Recipe(paragraphs="content"),
            {"content": ("第一段", "第二段")},
            ["第一段", "第二段"],
            {"content": "第一段\n第二段"},
        ),
    ],
)
def test_each_kind_reads_back_what_it_printed(form, encoder, recipe, values, shown, back):
    printed, out = round_trip(form, encoder, recipe, record(**values))
    assert printed == shown and out == back


def test_people_with_and_without_the_stated_total(form, encoder):
    recipe = Recipe(people=People(total="total", male="male", female="female"), format="people_total")
    printed, out = round_trip(form, encoder, recipe, record(total=27, male=15, female=12))
    assert printed == "總計27人 男15人 女12人" and out == {"total": 27, "male": 15, "female": 12}
    printed, _ = round_trip(form, encoder, recipe, record(male=1, female=2))  # the total is computed
    assert printed == "總計3人 男1人 女2人"
    plain = Recipe(people=People(male="male", female="female"), format="people")
    assert round_trip(form, encoder, plain, record(male=1, female=2)) == ("男1人 女2人", {"male": 1, "female": 2})


def test_a_tick_group_reads_back_its_ticks_and_notes(form, encoder):
    recipe = Recipe(
        ticks=(
            TickOption("a", "一般公務人員：", "a_note"),
            TickOption("b", "其他：", "b_note"),
            TickOption("c", "CEDAW"),
        )
    )
    printed, out = round_trip(form, encoder, recipe, record(a=True, a_note="全體同仁", b=False, c=True))
    assert [line["box"] + line["text"] for line in printed] == ["☑一般公務人員：全體同仁", "☐其他：", "☑CEDAW"]
    assert out == {"a": True, "a_note": "全體同仁", "b": False, "b_note": None, "c": True}
    assert encoder.value(recipe, record()) == []  # a group left blank shows nothing


def test_a_condition_shows_the_text_in_one_column_and_reads_the_choice_back(form, encoder):
    written = Recipe(text="experts", when={"method": "書面審查"})
    panel = Recipe(text="experts", unless={"method": "書面審查"})
    row = record(experts="王教授", method="性平小組")
    assert encoder.value(written, row) == "" and encoder.value(panel, row) == "王教授"
    out: dict[str, Any] = {}
    Decoder(form).cell([panel], "王教授", out, lambda key: ("書面審查", "性平小組"))
    assert out == {"experts": "王教授", "method": "性平小組"}


def test_lines_keep_the_date_apart_from_the_text_after_it(form, encoder):
    recipe = Recipe(lines=(Recipe(date="d", format="date_long"), Recipe(text="meeting")))
    printed, out = round_trip(form, encoder, recipe, record(d=date(2020, 12, 1), meeting="第4次會議"))
    assert printed == ["109年12月1日", "第4次會議"] and out == {"d": "109-12-01", "meeting": "第4次會議"}
    _, out = round_trip(form, encoder, recipe, record(meeting="第4次會議"))
    assert out == {"d": None, "meeting": "第4次會議"}


def test_a_value_that_could_not_be_understood_is_shown_as_typed(form, encoder):
    row = Record({"amount": Value(None, Source("x.xlsx"), "約三萬")}, Source("x.xlsx"))
    assert encoder.value(Recipe(number="amount"), row) == "約三萬"


def test_figures_are_printed_by_their_format(form):
    from fractions import Fraction

    report = FakeReport(form, figures={"committee_share": Fraction(13, 36), "budget_difference": Decimal(-164300)})
    encoder = Encoder(report, FakeInputs())
    assert encoder.value(Recipe(figure="committee_share")) == "36.11%"
    assert encoder.value(Recipe(figure="budget_difference")) == "減少164,300元"
    assert encoder.value(Recipe(figure="physical_rate")) == "—"  # not computable: a dash, never blank


def test_wording_patterns_read_back_their_placeholders():
    pattern = wording_pattern("總計{total}人 男{male}人", {"total": r"\d+", "male": r"\d+"})
    assert pattern.fullmatch("總計 27 人男15人").groupdict() == {"total": "27", "male": "15"}


# -- a table's own tick glyphs ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ticked,shown",
    [(True, "V"), (False, ""), (None, "")],
)
def test_a_table_that_prints_a_v_and_leaves_no_blank_reads_back(form, encoder, ticked, shown):
    """二(二) as the filed form: V in the chosen box, the others left empty."""
    style = form.tables["s2.meetings"].ticks
    assert encoder.value(Recipe(tick="quorum"), record(quorum=ticked), ticks=style) == shown
    out: dict[str, Any] = {}
    Decoder(form).cell([Recipe(tick="quorum")], shown, out, lambda key: ())
    assert out == {"quorum": bool(ticked)}


@pytest.mark.parametrize("typed", ["V", "v", "Ｖ", "✓", "✔", "☑", "☒", "■", " V "])
def test_every_tick_a_reviewer_may_type_reads_as_ticked(form, typed):
    assert Decoder(form).tick(typed) is True


@pytest.mark.parametrize("text,ticked,rest", [("☐", False, ""), ("□其他", False, "其他"), ("", None, ""),
                                              ("VIP室", None, "VIP室"), ("V副市長", True, "副市長")])  # fmt: skip
def test_a_letter_is_a_tick_only_when_no_letter_follows(form, text, ticked, rest):
    decoder = Decoder(form)
    assert decoder.tick(text) is ticked
    assert decoder.strip_glyph(text) == rest


def test_the_other_chair_with_a_title_reads_back_in_the_meetings_table(form, encoder):
    style = form.tables["s2.meetings"].ticks
    recipes = [Recipe(tick="chair_other", col=4), Recipe(text="chair_other_title", col=4)]
    row = record(chair_other=True, chair_other_title="秘書長")
    shown = "".join(encoder.value(r, row, ticks=style) for r in recipes)
    assert shown == "V秘書長"
    out: dict[str, Any] = {}
    Decoder(form).cell(recipes, shown, out, lambda key: ())
    assert out == {"chair_other": True, "chair_other_title": "秘書長"}


def test_own_gives_the_member_of_a_recipes_kind_and_refuses_a_missing_one():
    assert own(Recipe(text="").text) == ""  # an empty name is still a name
    assert own(Recipe(text="x.a").text) == "x.a"
    with pytest.raises(ValueError):
        own(Recipe(text="x.a").number)
