"""The schema builder: dataclasses from YAML data, with the place of every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import pytest

from pipeline.form.schema import SchemaError, build


@dataclass(frozen=True)
class Inner:
    n: int
    kind: Literal["a", "b"] = "a"


@dataclass(frozen=True)
class Outer:
    name: str
    items: tuple[Inner, ...]
    where: dict[str, int | tuple[int, int]] = field(default_factory=dict)
    note: str | None = None
    flag: bool = False


def test_builds_nested_values():
    got = build(Outer, {"name": "x", "items": [{"n": 1}, {"n": 2, "kind": "b"}], "where": {"a": 1, "b": [0, 2]}})
    assert got == Outer("x", (Inner(1), Inner(2, "b")), {"a": 1, "b": (0, 2)})


@pytest.mark.parametrize(
    "data, place",
    [
        ({"items": []}, "缺少欄位 name"),
        ({"name": "x", "items": [], "extra": 1}, "不認得的欄位 extra"),
        ({"name": 3, "items": []}, "name：應為文字"),
        ({"name": "x", "items": [{"n": "1"}]}, "items[0].n：應為整數"),
        ({"name": "x", "items": [{"n": True}]}, "items[0].n：應為整數"),
        ({"name": "x", "items": [{"n": 1, "kind": "c"}]}, "items[0].kind"),
        ({"name": "x", "items": [], "where": {"a": [1, 2, 3]}}, "where.a：應有 2 個值"),
        ({"name": "x", "items": [], "flag": "yes"}, "flag：應為 true 或 false"),
        ({"name": "x", "items": "none"}, "items：應為清單"),
        ([1, 2], "對應表"),
    ],
)
def test_problems_name_their_place(data, place):
    with pytest.raises(SchemaError, match=re.escape(place)):
        build(Outer, data)
