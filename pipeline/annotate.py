"""Copies of the clerk's workbooks with each finding's cell highlighted and commented.

The files in inputs/ are never touched: the copies go to the output folder.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from .findings import Finding, Severity
from .outputs import atomic_write

FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Severity.INFO: PatternFill("solid", fgColor="DDEBF7"),
}
AUTHOR = "檢核程式"
CELL_REF = re.compile(r"^[A-Z]{1,3}[0-9]+$")


def _top_left(ws, ref: str) -> str:
    """A merged cell is marked on its range's top-left cell (the others cannot hold a comment)."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return rng.start_cell.coordinate
    return ref


def mark_workbooks(inputs_dir: Path, findings: list[Finding], out_dir: Path) -> list[Path]:
    """Write a marked copy of every workbook that has findings into ``out_dir``."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.source is not None:
            by_file[finding.source.workbook].append(finding)
    written = []
    for name, items in sorted(by_file.items()):
        source = inputs_dir / name
        if not source.is_file():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(source)
        notes: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for finding in items:
            sheet = finding.source.sheet if finding.source.sheet in book.sheetnames else None
            sheet = sheet or book.sheetnames[0]
            cell = finding.source.cell if finding.source.cell and CELL_REF.match(
                finding.source.cell) else "A1"
            notes[(sheet, _top_left(book[sheet], cell))].append(finding)
        for (sheet, cell), group in notes.items():
            target = book[sheet][cell]
            worst = min(group, key=lambda f: list(Severity).index(f.severity))
            target.fill = FILLS[worst.severity]
            text = "\n".join(f"[{f.severity.label}] {f.message}〔{f.rule}〕" for f in group)
            target.comment = Comment(text, AUTHOR, width=320, height=40 + 60 * len(group))
        path = out_dir / name
        with atomic_write(path) as tmp:
            book.save(tmp)
        written.append(path)
    return written
