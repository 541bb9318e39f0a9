"""Formulas without a cached value: a file written by a program and never opened in Excel.

openpyxl reads the value Excel cached with each formula.  When there is none,
the simple arithmetic clerks use (cell references, + − × ÷, parentheses, SUM
of ranges) is computed here; anything else is reported, never read as blank.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pipeline.office.sml import cell_ref, column_index

_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_SUM = re.compile(r"SUM\(([^()]*)\)", re.IGNORECASE)
_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class FormulaError(ValueError):
    """A formula this module cannot compute."""


def evaluate(formula: str, value_at: Callable[[int, int], Any]) -> Decimal:
    """Compute ``=…`` given ``value_at(row, col)`` for the same sheet."""
    text = formula.lstrip("=").strip().upper()

    def number(row: int, col: int) -> Decimal:
        value = value_at(row, col)
        if value is None or value == "":
            return Decimal(0)
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            ref = cell_ref(row, col)
            if isinstance(value, str):
                raise FormulaError(f"參照的儲存格 {ref} 不是數字（「{value}」）")
            raise FormulaError(f"參照的儲存格 {ref} 沒有可用的數值（其公式也無法計算）")
        return Decimal(str(value))

    def total(match: re.Match) -> str:
        parts = []
        for arg in match.group(1).split(","):
            arg = arg.strip()
            rng = _RANGE.fullmatch(arg)
            if rng:
                c1, r1, c2, r2 = (
                    column_index(rng.group(1)),
                    int(rng.group(2)),
                    column_index(rng.group(3)),
                    int(rng.group(4)),
                )
                parts.append(sum((number(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)), Decimal(0)))
            else:
                parts.append(arg)
        return "(" + "+".join(f"({p})" for p in parts) + ")"

    text = _SUM.sub(total, text)
    text = _CELL.sub(lambda m: str(number(int(m.group(2)), column_index(m.group(1)))), text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"無法計算的公式：{formula}") from exc
    return _eval(tree.body, formula)


def _eval(node: ast.AST, formula: str) -> Decimal:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Decimal(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _eval(node.operand, formula)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _eval(node.left, formula), _eval(node.right, formula)
        if isinstance(node.op, ast.Div) and right == 0:
            raise FormulaError(f"公式除以零：{formula}")
        return _OPS[type(node.op)](left, right)
    raise FormulaError(f"無法計算的公式：{formula}")
