"""rules.yaml as typed data: every parameter typed and checked against the form when it loads."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import yaml

from pipeline.errors import FormError
from pipeline.form.rules import KIND_PARAMS, AtLeastOne, ExactlyOne, MinShare, SumEquals, fields_read, load_rules
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form
from pipeline.report.check import KINDS

Rules = list[dict[str, Any]]


@pytest.fixture
def form_dir(tmp_path):
    target = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, target)
    return target


def rule(rules: Rules, rule_id: str) -> dict[str, Any]:
    return next(r for r in rules if r["id"] == rule_id)


def edit_rules(form_dir, change: Callable[[Rules], None]) -> str:
    """Apply ``change`` to the rules of a copy of rules.yaml; returns the file's new text."""
    path = form_dir / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["rules"])
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return text


def test_the_shipped_rules_load_typed(form):
    rules = load_rules(form)
    share = next(r for r in rules if r.id == "committee.share")
    assert isinstance(share.params, MinShare) and share.params.threshold == Fraction(1, 3)
    assert share.params.scope == ("s2.members",) and share.title == "委員單一性別比例"
    total = next(r for r in rules if r.id == "committee.total")
    assert total.params == SumEquals(sheet="s2.members", total="total", parts=("male", "female"))
    assert fields_read(total.params) == {"total", "male", "female"}
    assert all(r.title and not re.search(r"[A-Za-z]", r.title) for r in rules), "titles are for people: Chinese"


def test_every_kind_has_a_check_and_every_check_a_kind():
    assert set(KINDS) == set(KIND_PARAMS.values())


def test_every_kind_is_named_in_the_readme():
    readme = (DEFAULT_FORM_DIR.parent.parent / "README.md").read_text(encoding="utf-8")
    assert [kind for kind in KIND_PARAMS if f"`{kind}`" not in readme] == []


# (typo class, the change, what the message must name: the rule id, the parameter, the nearest name)
TYPOS: list[tuple[str, Callable[[Rules], None], tuple[str, ...]]] = [
    (
        "unknown-kind",
        lambda rs: rule(rs, "committee.total").update(kind="sum_equal"),
        ("committee.total", "sum_equals"),
    ),
    (
        "unknown-parameter",
        lambda rs: rule(rs, "committee.total").update(totl=rule(rs, "committee.total").pop("total")),
        ("committee.total", "totl", "「total」"),
    ),
    ("missing-parameter", lambda rs: rule(rs, "committee.total").pop("parts"), ("committee.total", "缺少欄位 parts")),
    (
        "wrong-type",
        lambda rs: rule(rs, "highlights.at-most-3").update(maximum="三"),
        ("highlights.at-most-3", "maximum", "應為整數"),
    ),
    (
        "wrong-type-threshold",
        lambda rs: rule(rs, "committee.share").update(threshold="三分之一"),
        ("committee.share", "threshold"),
    ),
    (
        "unknown-sheet",
        lambda rs: rule(rs, "committee.total").update(sheet="s2.memberz"),
        ("committee.total", "sheet", "「s2.members」"),
    ),
    (
        "unknown-sheet-in-list",
        lambda rs: rule(rs, "training.date-in-year").update(sheets=["s3.self_training", "s3.staf_training"]),
        ("training.date-in-year", "sheets", "「s3.staff_training」"),
    ),
    (
        "unknown-field",
        lambda rs: rule(rs, "committee.share").update(total="totl"),
        ("committee.share", "total", "「total」"),
    ),
    (
        "unknown-field-in-pairs",
        lambda rs: rule(rs, "general.done-le-headcount").update(pairs=[["done_total", "totl"]]),
        ("general.done-le-headcount", "pairs", "「total」"),
    ),
    (
        "unknown-field-of-other-sheet",
        lambda rs: rule(rs, "names.contacts-trained").update(other_field="nmae"),
        ("names.contacts-trained", "other_field", "「name」"),
    ),
    (
        "unknown-qualified-field",
        lambda rs: rule(rs, "names.spelled-two-ways")["fields"].append("s6.ordinances.expert"),
        ("names.spelled-two-ways", "fields", "「experts」"),
    ),
    (
        "unknown-severity",
        lambda rs: rule(rs, "committee.total").update(severity="eror"),
        ("committee.total", "severity", "「error」"),
    ),
    (
        "unknown-table",
        lambda rs: rule(rs, "strategies.group-minimum").update(table="s8.strategy"),
        ("strategies.group-minimum", "table", "「s8.strategies」"),
    ),
    (
        "unknown-report-column",
        lambda rs: rule(rs, "committee.share-explained").update(shown_at="shares"),
        ("committee.share-explained", "shown_at", "「share」"),
    ),
    ("missing-title", lambda rs: rule(rs, "committee.total").pop("title"), ("committee.total", "title")),
    ("blank-title", lambda rs: rule(rs, "committee.total").update(title=" "), ("committee.total", "title")),
    ("missing-sheet", lambda rs: rule(rs, "committee.total").pop("sheet"), ("committee.total", "sheet")),
    ("duplicate-id", lambda rs: rs.append(dict(rule(rs, "committee.total"))), ("committee.total", "重複")),
]


@pytest.mark.parametrize("change, words", [t[1:] for t in TYPOS], ids=[t[0] for t in TYPOS])
def test_every_rules_yaml_typo_is_a_form_error_naming_file_rule_and_parameter(form_dir, change, words):
    text = edit_rules(form_dir, change)
    with pytest.raises(FormError) as raised:
        load_rules(load_form(form_dir))
    message = str(raised.value)
    assert "rules.yaml" in message and "Traceback" not in message
    for word in words:
        assert word in message
    line = int(re.search(r"第 (\d+) 行", message).group(1))
    assert f"id: {words[0]}" in text.splitlines()[line - 1]  # the line of the rule concerned


def test_a_typo_that_used_to_switch_the_committee_check_off_now_stops_the_load(form_dir):
    edit_rules(form_dir, lambda rs: rule(rs, "committee.share").update(total="totl"))
    with pytest.raises(FormError, match="委員單一性別比例"):
        load_rules(load_form(form_dir))


def test_a_renamed_field_in_form_yaml_is_caught_by_the_rules_that_use_it(form_dir):
    path = form_dir / "form.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("quorum", "attendance"), encoding="utf-8")
    form = load_form(form_dir)  # the form itself is consistent: the field is renamed everywhere in it
    with pytest.raises(FormError, match=r"規則 meetings\.quorum.*的參數 field：工作表 s2\.meetings.*「quorum」"):
        load_rules(form)


def test_the_rule_form_yaml_names_for_the_city_must_exist(form_dir):
    path = form_dir / "form.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("committee_rule: committee.share", "committee_rule: committee.shares"),
        encoding="utf-8",
    )
    with pytest.raises(FormError, match=r"city\.committee_rule.*「committee\.share」"):
        load_rules(load_form(form_dir))


def test_kinds_compare_hash_and_show_every_field_as_dataclasses_do():
    """The kinds share one __eq__, __hash__ and __repr__ (made once, not per class)."""
    one = ExactlyOne(sheet="a.b", fields=("x", "y"), label="性別")
    same = ExactlyOne(sheet="a.b", fields=("x", "y"), label="性別")
    assert one == same and hash(one) == hash(same) and len({one, same}) == 1
    assert one != ExactlyOne(sheet="a.b", fields=("x", "y"), label="其他")
    assert one != ExactlyOne(sheets=("a.b",), fields=("x", "y"), label="性別")
    assert one != AtLeastOne(sheet="a.b", fields=("x", "y"), label="性別")  # same fields, another kind
    assert repr(one) == "ExactlyOne(sheet='a.b', sheets=(), fields=('x', 'y'), label='性別')"
