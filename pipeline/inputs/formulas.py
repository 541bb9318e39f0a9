"""Formulas without a cached value: a file written by a program and never opened in Excel.

openpyxl reads the value Excel cached with each formula.  When there is none,
the simple arithmetic clerks use (cell references, + − × ÷, parentheses, SUM
of ranges) is computed here; anything else is reported, never read as blank.
Work is bounded: a range is clamped to the sheet's used range (``SUM(C1:XFD1048576)``
adds the cells that exist, not 17 billion blanks), a reference outside the sheet
(``A0``) or a formula longer than Excel allows is reported.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from decimal import Decimal, DecimalException

from pipeline.office.sml import cell_ref, column_index

_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_SUM = re.compile(r"SUM\(([^()]*)\)", re.IGNORECASE)
MAX_ROW, MAX_COLUMN = 1048576, 16384  # Excel's sheet size
MAX_FORMULA_LENGTH = 8192  # Excel's limit on a formula's text
_OPS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class FormulaError(ValueError):
    """A formula this module cannot compute."""


def evaluate(
    formula: str, value_at: Callable[[int, int], object], rows: int = MAX_ROW, columns: int = MAX_COLUMN
) -> Decimal:
    """Compute ``=…`` given ``value_at(row, col)`` for the same sheet, whose used range is
    ``rows`` × ``columns`` (cells beyond it are empty and are not visited)."""
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"公式過長（{len(formula)} 個字元，Excel 上限 {MAX_FORMULA_LENGTH}）")
    text = formula.lstrip("=").strip().upper()

    def place(letters: str, digits: str) -> tuple[int, int]:
        row, col = int(digits), column_index(letters)
        if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN):
            raise FormulaError(f"公式參照的儲存格 {letters}{digits} 不在工作表範圍內：{formula}")
        return row, col

    def number(row: int, col: int) -> Decimal:
        if row > rows or col > columns:  # outside the used range: empty
            return Decimal(0)
        value = value_at(row, col)
        if value is None or value == "":
            return Decimal(0)
        ref = cell_ref(row, col)
        if hasattr(value, "reason"):  # a formula there that could not be computed either: say why
            raise FormulaError(f"參照的儲存格 {ref} 沒有可用的數值（{value.reason}）")
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            if isinstance(value, str):
                raise FormulaError(f"參照的儲存格 {ref} 不是數字（「{value}」）")
            raise FormulaError(f"參照的儲存格 {ref} 沒有可用的數值（其公式也無法計算）")
        return Decimal(str(value))

    def total(match: re.Match[str]) -> str:
        parts: list[Decimal | str] = []
        for arg in match.group(1).split(","):
            arg = arg.strip()
            rng = _RANGE.fullmatch(arg)
            if rng:
                (r1, c1), (r2, c2) = place(rng.group(1), rng.group(2)), place(rng.group(3), rng.group(4))
                r1, r2, c1, c2 = min(r1, r2), min(max(r1, r2), rows), min(c1, c2), min(max(c1, c2), columns)
                cells = (number(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
                parts.append(sum(cells, Decimal(0)))
            else:
                parts.append(arg)
        return "(" + "+".join(f"({p})" for p in parts) + ")"

    try:
        text = _SUM.sub(total, text)
        text = _CELL.sub(lambda m: str(number(*place(m.group(1), m.group(2)))), text)
        result = _eval(ast.parse(text, mode="eval").body, formula)
    except SyntaxError as exc:
        raise FormulaError(f"無法計算的公式：{formula}") from exc
    except (RecursionError, MemoryError, DecimalException, OverflowError) as exc:
        raise FormulaError(f"無法計算的公式（過於複雜或數值過大）：{formula}") from exc
    return result


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
