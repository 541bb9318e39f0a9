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


@frozen
class Rich(Frozen):
    a: int
    b: list[int] = dataclasses.field(default_factory=list)
    c: str = "c"
    made: list[str] = dataclasses.field(default_factory=lambda: ["made"], init=False)
    fixed: int = dataclasses.field(default=7, init=False)
    d: int = dataclasses.field(default=4, kw_only=True)

    def __post_init__(self) -> None:
        self.made.append(f"post {self.a}")


@dataclasses.dataclass(frozen=True)
class RichGenerated:
    a: int
    b: list[int] = dataclasses.field(default_factory=list)
    c: str = "c"
    made: list[str] = dataclasses.field(default_factory=lambda: ["made"], init=False)
    fixed: int = dataclasses.field(default=7, init=False)
    d: int = dataclasses.field(default=4, kw_only=True)

    def __post_init__(self) -> None:
        self.made.append(f"post {self.a}")


def test_init_takes_and_sets_what_a_generated_frozen_dataclass_does():
    def fields_of(obj: object) -> dict[str, object]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]

    for args, kwargs in [((1,), {}), ((1, [2], "x"), {"d": 9}), ((), {"a": 3, "c": "y"})]:
        assert fields_of(Rich(*args, **kwargs)) == fields_of(RichGenerated(*args, **kwargs))
    assert Rich(1).b is not Rich(1).b  # a fresh default each time
    for args, kwargs in [((), {}), ((1, [], "x", 5), {}), ((1,), {"made": []}), ((1,), {"e": 1})]:
        with pytest.raises(TypeError):
            RichGenerated(*args, **kwargs)
        with pytest.raises(TypeError):
            Rich(*args, **kwargs)


def test_a_field_without_a_default_after_one_with_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @frozen
        class Bad(Frozen):
            x: int = 0
            y: int  # type: ignore[misc]


def test_init_of_a_subclass_and_of_a_class_with_its_own_init():
    @frozen
    class Base(Frozen):
        x: int

    @frozen
    class Sub(Base):
        y: int = 2

    class Undecorated(Sub):
        pass

    assert (Sub(1).x, Sub(1).y) == (1, 2) and Undecorated(5, 6).y == 6 and Base(3).x == 3

    @frozen
    class Own(Frozen):
        x: int

        def __init__(self, text: str):
            object.__setattr__(self, "x", int(text))

    assert Own("4").x == 4
