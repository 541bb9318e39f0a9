"""Building frozen dataclasses from YAML data, checking keys and types on the way.

The form files are small and read on every build; this does the validation a
schema library would, at a fraction of its start-up cost, and says where in
the file a problem is (``workbooks[2].sheets[0].columns[1].type``).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, get_args, get_origin

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")  # a dataclass the form files are read into


class SchemaError(ValueError):
    """Data that does not fit its dataclass; the message names the place."""


def did_you_mean(word: object, options: Iterable[str]) -> str:
    """「；是否為「x」？」 for the option closest to a misspelt ``word`` (pypa/build's
    ``_find_typo``), or "" when none is close."""
    close = difflib.get_close_matches(str(word), sorted(options), n=1, cutoff=0.6)  # sorted: ties alike every run
    return f"；是否為「{close[0]}」？" if close else ""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def build(cls: type[D], data: Any, where: str = "", joiner: str = ".") -> D:
    """An instance of dataclass ``cls`` from a mapping: unknown or missing keys and values of
    the wrong type are SchemaErrors naming the place (``where``, ``joiner``, the key)."""
    if not isinstance(data, Mapping):
        raise SchemaError(f"{where or '檔案'}：應為「名稱: 值」的對應表，而不是 {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields), key=str)
    if unknown:
        hint = did_you_mean(unknown[0], fields) if len(unknown) == 1 else ""
        raise SchemaError(f"{where or '檔案'}：不認得的欄位 {', '.join(map(str, unknown))}{hint}")
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = convert(_hints(cls)[name], data[name], f"{where}{joiner}{name}" if where else name)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise SchemaError(f"{where or '檔案'}：缺少欄位 {name}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{where or '檔案'}：{exc}") from exc


def convert(tp: Any, value: Any, where: str) -> Any:
    """``value`` as type ``tp`` (str, int, bool, Fraction, Literal, unions, tuples, dicts, dataclasses)."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin is Literal:
        if value not in args:
            hint = did_you_mean(value, map(str, args))
            raise SchemaError(f"{where}：「{value}」不是可用的值（{', '.join(map(str, args))}）{hint}")
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return convert(option, value, where)
            except SchemaError as exc:
                errors.append(str(exc))
        raise SchemaError(errors[-1] if errors else f"{where}：值不正確")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise SchemaError(f"{where}：應為清單")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise SchemaError(f"{where}：應有 {len(args)} 個值")
        return tuple(convert(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True)))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise SchemaError(f"{where}：應為「名稱: 值」的對應表")
        key_type, value_type = args
        return {convert(key_type, k, where): convert(value_type, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return build(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise SchemaError(f"{where}：應為 true 或 false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{where}：應為整數")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(f"{where}：應為數字")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise SchemaError(f"{where}：應為文字（請加引號）")
        return value
    if tp is Fraction:  # a threshold: 18, "1/3", "0.5" (exact, never a float)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise SchemaError(f'{where}：應為整數或加引號的分數，例如 18 或 "1/3"')
        try:
            return Fraction(str(value).strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise SchemaError(f'{where}：「{value}」不是數字或分數（例如 "1/3"）') from exc
    raise SchemaError(f"{where}：無法檢查的型別 {tp!r}")
