"""A base for the program's frozen dataclasses that makes them cheap to define.

The form, its rules, the records read and the report's figures are about eighty
frozen dataclasses, all made at every start of the program; a dataclass compiles
each generated method on its own (about 0.08 ms each), and ``__eq__``,
``__hash__`` and ``__repr__`` are 40% of them.  Classes declared

    @dataclass(frozen=True, eq=False, repr=False)
    class Thing(Frozen): ...

share the three below instead, which behave as the generated ones: equal when
of the same class with equal compared fields, hashed on those fields, shown
with the fields that have ``repr=True``.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

# Per class: the names of the fields compared (and hashed), and of the fields shown.
_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


class Frozen:
    """Equality, hash and repr of a frozen dataclass, shared by all of them."""

    __slots__ = ()

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
