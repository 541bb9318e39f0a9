"""@frozen classes behave as frozen dataclasses while sharing all methods but __init__."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from pipeline.frozen import Frozen, frozen


@frozen
class Point(Frozen):
    x: int
    y: int = 0
    note: str = dataclasses.field(default="", compare=False, repr=False)


@frozen
class Other(Frozen):
    x: int
    y: int = 0


@dataclasses.dataclass(frozen=True)
class Generated:
    x: int
    y: int = 0
    note: str = dataclasses.field(default="", compare=False, repr=False)


@frozen(kw_only=True)
class Named(Frozen):
    a: int
    b: tuple[int, ...] = ()


def test_equality_hash_and_repr_are_those_of_a_generated_frozen_dataclass():
    assert Point(1, 2, "a") == Point(1, 2, "b")  # a field with compare=False is not compared
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Other(1, 2)  # another class with the same fields
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b")) == hash(Generated(1, 2, "c"))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert repr(Point(1, 2, "hidden")) == "Point(x=1, y=2)"
    assert repr(Point(1, 2)) == repr(Generated(1, 2)).replace("Generated", "Point")
    assert Named(a=1) == Named(a=1, b=()) and repr(Named(a=1, b=(2,))) == "Named(a=1, b=(2,))"


def test_fields_cannot_be_assigned_deleted_or_added():
    point = Point(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.y  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.extra = 1  # type: ignore[attr-defined]
    assert point == Point(1, 2)


def test_keyword_only_and_the_dataclass_helpers_work():
    with pytest.raises(TypeError):
        Named(1)  # type: ignore[misc]
    assert dataclasses.is_dataclass(Point) and [f.name for f in dataclasses.fields(Point)] == ["x", "y", "note"]
    assert dataclasses.replace(Point(1, 2), y=7) == Point(1, 7)
    assert dataclasses.asdict(Named(a=1, b=(2,))) == {"a": 1, "b": (2,)}


def test_copies_and_pickles_are_equal_and_still_frozen():
    point = Point(1, 2, "n")
    for twin in (pickle.loads(pickle.dumps(point)), copy.deepcopy(point), copy.copy(point)):
        assert twin == point and twin.note == "n"
        with pytest.raises(dataclasses.FrozenInstanceError):
            twin.x = 3  # type: ignore[misc]


def test_a_class_not_derived_from_frozen_is_refused():
    with pytest.raises(TypeError, match="must derive from Frozen"):

        @frozen
        class Plain:  # type: ignore[type-var]
            x: int
