"""Frozen value classes that are cheap to define: ``@frozen`` and their base ``Frozen``.

The form, its rules, the records read and the report's figures are about eighty
frozen dataclasses, all made at every start of the program.  A dataclass
compiles each method it generates on its own (about 0.1 ms each); a frozen one
gets six (``__init__``, ``__eq__``, ``__hash__``, ``__repr__``, ``__setattr__``,
``__delattr__``).  Classes declared

    @frozen
    class Thing(Frozen): ...

get only their ``__init__`` and share the rest, which behave as the generated
ones: equal when of the same class with equal compared fields, hashed on those
fields, shown with the fields that have ``repr=True``, and a field cannot be
assigned again or deleted (``FrozenInstanceError``).  Type checkers see a frozen
dataclass (``dataclass_transform``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing_extensions costs import time and is needed by type checkers only

    def dataclass_transform(**_options: Any) -> Callable[[Any], Any]:
        return lambda decorator: decorator


T = TypeVar("T", bound=type)

# Per class: the names of its fields, of the fields compared (and hashed), of the fields shown.
_FIELDS: dict[type, frozenset[str]] = {}
_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(f.name for f in fields(cls))
    return names


class Frozen:
    """Equality, hash, repr and immutability of a ``@frozen`` class, shared by all of them."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        # Only the generated __init__ sets a field, once; afterwards nothing changes.  (Called
        # for every field of every record read: two dictionary lookups, nothing more.)
        if name in self.__dict__ or name not in _field_names(type(self)):
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

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
        return cast(T, dataclass(eq=False, repr=False, kw_only=kw_only)(cls))

    return make if cls is None else make(cls)
