"""Frozen value classes that are cheap to define and to make: ``@frozen`` and their base ``Frozen``.

The form, its rules, the records read and the report's figures are about eighty
frozen dataclasses, all defined at every start of the program.  A dataclass
compiles each method it generates on its own (about 0.1 ms each); a frozen one
gets six (``__init__``, ``__eq__``, ``__hash__``, ``__repr__``, ``__setattr__``,
``__delattr__``).  Classes declared

    @frozen
    class Thing(Frozen): ...

share all but ``__init__``, which behave as the generated ones: equal when of
the same class with equal compared fields, hashed on those fields, shown with
the fields that have ``repr=True``, and a field cannot be assigned again or
deleted (``FrozenInstanceError``).  Their ``__init__`` is the one a frozen
dataclass has (each field set with ``object.__setattr__``, defaults and default
factories, keyword-only fields, ``__post_init__``), compiled when the class is
first instantiated: a run compiles only the classes it makes (a form read from
the cache is unpickled, not made).  Type checkers see a frozen dataclass
(``dataclass_transform``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing_extensions costs import time and is needed by type checkers only

    def dataclass_transform(**_options: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator


T = TypeVar("T", bound=type)

# Per class: the names of the fields compared (and hashed), of the fields shown.
_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


class Frozen:
    """Equality, hash, repr and immutability of a ``@frozen`` class, shared by all of them."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        # The generated __init__ sets each field with object.__setattr__; nothing else may.
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _compared(self) -> tuple[Any, ...]:
        names = _COMPARED.get(type(self))
        if names is None:
            names = _COMPARED[type(self)] = tuple(f.name for f in fields(self) if f.compare)  # type: ignore[arg-type]
        return tuple(getattr(self, name) for name in names)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        names = _SHOWN.get(type(self))
        if names is None:
            names = _SHOWN[type(self)] = tuple(f.name for f in fields(self) if f.repr)  # type: ignore[arg-type]
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"


@overload
def frozen(cls: T, /) -> T: ...
@overload
def frozen(*, kw_only: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: T | None = None, /, *, kw_only: bool = False) -> T | Callable[[T], T]:
    """A frozen dataclass whose methods but ``__init__`` come from :class:`Frozen`."""

    def make(cls: T) -> T:
        if not issubclass(cls, Frozen):
            raise TypeError(f"@frozen class {cls.__qualname__} must derive from Frozen")
        dataclass(init=False, eq=False, repr=False, kw_only=kw_only)(cls)
        _check_fields(cls)
        if "__init__" not in cls.__dict__:
            setattr(cls, "__init__", _first_init)  # noqa: B010 - a class attribute mypy would refuse
        return cls

    return make if cls is None else make(cls)


def _check_fields(cls: type) -> None:
    """Refuse, when the class is defined, what a dataclass's ``__init__`` would refuse or
    what :func:`_make_init` does not make (``InitVar`` pseudo-fields)."""
    declared = cls.__dataclass_fields__  # type: ignore[attr-defined]
    real = {f.name for f in fields(cls)}
    for name, f in declared.items():
        if name not in real and "ClassVar" not in str(f.type):
            raise TypeError(f"@frozen class {cls.__qualname__}: field {name!r} (an InitVar) is not supported")
    defaulted = None
    for f in fields(cls):
        if not f.init or f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaulted = f.name
        elif defaulted is not None:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")


def _first_init(self: Frozen, *args: Any, **kwargs: Any) -> None:
    """The ``__init__`` of a ``@frozen`` class until its first instance: compile the real one
    and put it in its place."""
    owner = next(c for c in type(self).__mro__ if c.__dict__.get("__init__") is _first_init)
    init = _make_init(owner)
    setattr(owner, "__init__", init)  # noqa: B010
    init(self, *args, **kwargs)


_HAS_FACTORY = object()  # a field's default when its default factory is to be called


def _make_init(cls: type) -> Callable[..., None]:
    """A frozen dataclass's ``__init__`` for ``cls``, compiled (one function, as dataclasses do)."""
    known: dict[str, Any] = {"__set": object.__setattr__, "__has_factory": _HAS_FACTORY}
    positional: list[str] = []
    keywords: list[str] = []
    body: list[str] = []
    for index, f in enumerate(fields(cls)):
        if f.default is not MISSING:
            known[f"__default_{index}"] = f.default
        value = _field_value(f, index, known)
        if f.init:
            default = f"=__default_{index}" if f.default is not MISSING else ""
            if f.default_factory is not MISSING:
                default = "=__has_factory"
            (keywords if f.kw_only else positional).append(f"{f.name}{default}")
        elif value is None:
            continue  # not an argument and nothing to set: left unset, as dataclasses do
        body.append(f"    __set(__self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    __self.__post_init__()")
    arguments = ", ".join(["__self", *positional, *(["*", *keywords] if keywords else [])])
    source = f"def __create__({', '.join(known)}):\n  def __init__({arguments}) -> None:\n"
    source += "\n".join("  " + line for line in body or ["    pass"])
    source += "\n  return __init__\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<@frozen {cls.__qualname__}.__init__>", "exec"), {}, namespace)  # noqa: S102
    init: Callable[..., None] = namespace["__create__"](**known)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _field_value(f: Field[Any], index: int, known: dict[str, Any]) -> str | None:
    """The expression a field is set to in ``__init__`` (None: not set)."""
    if f.default_factory is not MISSING:
        known[f"__factory_{index}"] = f.default_factory
        if f.init:
            return f"__factory_{index}() if {f.name} is __has_factory else {f.name}"
        return f"__factory_{index}()"
    if f.init:
        return f.name
    return f"__default_{index}" if f.default is not MISSING else None
