"""Typesetting the rendered report as a clerk would: column widths, alignment, rows kept
on one page, headings and captions kept with their tables, landscape pages for wide
tables, list indents.

What to do comes from the form's data (``tables.<id>.layout`` and ``typeset`` in
form.yaml, made into :class:`TablePlan` by word/context.py); how wide a token is comes
from the text itself: a date, an amount, 「總計27人 男15人 女12人」, a short word or name,
a tick box and its label's first word must each fit on one line of their column, so the
column is made at least that wide (taking the width from the columns that wrap anyway).
Everything here works on the rendered lxml tree, after docxtpl's own after-steps.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections.abc import Container, Iterable, Iterator
from dataclasses import field
from functools import lru_cache

from pipeline.errors import FormError
from pipeline.frozen import Frozen, frozen
from pipeline.office.opc import Element, element, qn
from pipeline.office.wml import (
    caption_of,
    ensure_child,
    is_header_row,
    merge_value,
    place_child,
    span_value,
    text_of,
)

TWIPS_PER_CM = 1440 / 2.54
DEFAULT_CELL_MARGIN = 108  # twips, left and right: Word's default for Table Grid
SLACK = 1.06  # renderers differ a little in their glyph widths: keep a margin
ROW_SPLIT_SHARE = 0.8  # a row estimated taller than this share of the page may split anyway
SHORT_TABLE_SHARE = 0.3  # a table shorter than this share of the page is kept on one page


W_P, W_T, W_BR, W_TAB, W_TR, W_TC, W_TBL = (qn(t) for t in ("w:p", "w:t", "w:br", "w:tab", "w:tr", "w:tc", "w:tbl"))
W_TC_PR, W_TC_W, W_GRID_SPAN, W_VMERGE = (qn(t) for t in ("w:tcPr", "w:tcW", "w:gridSpan", "w:vMerge"))
W_VAL, W_W, W_TYPE = qn("w:val"), qn("w:w"), qn("w:type")


def paragraph_properties(p: Element) -> Element:
    """A paragraph's ``w:pPr`` (its first child), added if missing."""
    return ensure_child(p, "w:pPr")


def keep_with_next(p: Element) -> None:
    """Keep ``p`` on the same page as what follows it (a table's first row, a picture)."""
    ensure_child(paragraph_properties(p), "w:keepNext")


def align_paragraph(p: Element, align: str) -> None:
    """Set a paragraph's alignment (left, center, right, both)."""
    ensure_child(paragraph_properties(p), "w:jc").set(W_VAL, align)


def indent_paragraph(p: Element, left: int, hanging: int) -> None:
    """Indent a paragraph by ``left`` twips, its first line ``hanging`` twips further out."""
    ind = ensure_child(paragraph_properties(p), "w:ind")
    for name in ("w:firstLine", "w:firstLineChars", "w:hangingChars", "w:leftChars", "w:startChars"):
        ind.attrib.pop(qn(name), None)  # type: ignore[call-overload]  # lxml-stubs: lxml takes any default
    ind.set(qn("w:left"), str(left))
    ind.set(qn("w:hanging"), str(hanging))


def keep_row_together(tr: Element) -> None:
    """A row that never breaks across a page (``w:cantSplit``)."""
    ensure_child(ensure_child(tr, "w:trPr"), "w:cantSplit")


# -- how wide a piece of text is ------------------------------------------------------------

GLYPHS = "☑☐■□☒✓✔"
AUTOSPACE = 0.25  # em between Chinese and Latin text (Word's autoSpaceDE/DN, LibreOffice alike)
_NARROW = set(" ,.:;!|'\"()[]{}-/\\`")


@lru_cache(maxsize=4096)
def em_width(text: str) -> float:
    """How wide ``text`` is in ems, reckoned for the widest renderer (CJK, full-width forms
    and tick glyphs one em; Latin letters and digits as DejaVu Serif, LibreOffice's
    stand-in for Times New Roman, draws them; and the quarter em Word and LibreOffice put
    between Chinese and Latin letters or digits: 「總計27人」 is four such gaps wider)."""
    total = 0.0
    wide_before: bool | None = None
    for char in text:
        wide = char in GLYPHS or unicodedata.east_asian_width(char) in ("W", "F")
        if wide:
            total += 1.0
        elif char == " ":
            total += 0.32
        elif char in _NARROW:
            total += 0.4
        elif char.isupper():
            total += 0.74
        else:
            total += 0.64
        if char in GLYPHS or not (char.isalnum() or wide):
            wide_before = None  # a box or a space: no gap added next to it
        else:
            if wide_before is not None and wide_before != wide:
                total += AUTOSPACE
            wide_before = wide
    return total


# What never breaks inside: numbers, words, dates — runs of characters that are neither
# space nor CJK (U+2E80–U+FFEF).  Written as what it keeps, not as what it leaves out: a class
# that leaves out 53,000 code points takes the regex compiler 2 ms at every start, this one 0.4
# (the same matches for every code point: tests/word/test_typeset.py).
_LATIN_RUN = re.compile("(?:(?!\\s)[\x00-\u2e7f\U0000fff0-\U0010ffff])+")
_DIGIT = re.compile(r"\d")
_GLYPH_START = re.compile(f"^[{GLYPHS}]\\s*([A-Za-z0-9]+|.)?")


@frozen
class Tokens(Frozen):
    """What must stay on one line of a cell: the form's wordings with numbers in them
    (「總計27人 男15人 女12人」, 「109年8月27日」, 「4項」), runs of Latin letters and
    digits, a tick box with its label's first word, and a short cell line (a name, a
    header word: up to ``short`` characters)."""

    patterns: tuple[re.Pattern[str], ...] = ()
    short_body: int = 6
    short_header: int = 5
    # Patterns that match only where there is a digit (a wording's numbers, a date's fields):
    # a line without one is not searched for them.
    numeric: tuple[re.Pattern[str], ...] = ()

    def of(self, line: str, header: bool) -> Iterator[str]:
        """The unbreakable pieces of one line of a cell."""
        line = line.strip()
        if not line:
            return
        if len(line) <= (self.short_header if header else self.short_body) and " " not in line:
            yield line
        for pattern in self.patterns:
            yield from (m.group(0) for m in pattern.finditer(line))
        if self.numeric and _DIGIT.search(line):
            for pattern in self.numeric:
                yield from (m.group(0) for m in pattern.finditer(line))
        yield from _LATIN_RUN.findall(line)
        m = _GLYPH_START.match(line)
        if m:
            yield m.group(0)

    def widest(self, line: str, header: bool) -> float:
        """How wide (ems) the widest unbreakable piece of one line of a cell is.

        Every piece is a part of the line, and a part is never wider than the whole: a
        short line kept whole needs no further look."""
        stripped = line.strip()
        if len(stripped) <= (self.short_header if header else self.short_body) and " " not in stripped:
            return em_width(stripped) if stripped else 0.0
        return max(map(em_width, self.of(stripped, header)), default=0.0)


def _add_lines(p: Element, lines: list[str]) -> None:
    """A paragraph's lines (one, and one more after each line break) added to ``lines``."""
    pieces: list[str] = []
    for node in p.iter(W_T, W_BR, W_TAB):
        tag = node.tag
        if tag == W_BR:
            lines.append("".join(pieces))
            pieces = []
        else:
            pieces.append(node.text or "" if tag == W_T else " ")
    lines.append("".join(pieces))


# -- tables ----------------------------------------------------------------------------------


@frozen
class TablePlan(Frozen):
    """How to typeset one table (from the form's data): widths, alignments, row splitting."""

    widths: tuple[float | str, ...] = ()  # weights, or "2.4cm"; empty: keep the table's own
    align: dict[int, str] = field(default_factory=dict)  # body column → alignment
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (body row, column) → alignment
    header_rows: int = 1
    split: bool = False
    landscape: bool = False
    padding_cm: float | None = None
    numbers: bool = False  # a table without a map (free layout): cells of a number aligned by their look


@frozen
class Page(Frozen):
    """The page of a section: its size and margins in twips."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def text_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def text_height(self) -> int:
        return self.height - self.top - self.bottom

    def turned(self) -> Page:
        """The same page in the other orientation (margins turned with it)."""
        return Page(self.height, self.width, self.top, self.bottom, self.right, self.left)


def page_of(sect_pr: Element | None) -> Page:
    """The page a ``w:sectPr`` describes (A4 with 2 cm margins when it says nothing)."""

    def number(node: Element | None, name: str, default: int) -> int:
        value = None if node is None else node.get(qn(name))
        try:
            return int(value) if value else default
        except ValueError:
            return default

    size = None if sect_pr is None else sect_pr.find(qn("w:pgSz"))
    margin = None if sect_pr is None else sect_pr.find(qn("w:pgMar"))
    return Page(
        number(size, "w:w", 11906),
        number(size, "w:h", 16838),
        number(margin, "w:left", 1134),
        number(margin, "w:right", 1134),
        number(margin, "w:top", 1134),
        number(margin, "w:bottom", 1134),
    )


def grid_cols(tbl: Element) -> list[Element]:
    """The table's ``w:gridCol`` elements."""
    return tbl.findall(qn("w:tblGrid") + "/" + qn("w:gridCol"))


def cell_margin(tbl: Element) -> int:
    """The table's left + right cell margins in twips (Word's default when it sets none)."""
    total = 0
    for side in ("w:left", "w:right"):
        node = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}/{qn(side)}")
        value = None if node is None else node.get(qn("w:w"))
        try:
            total += int(value) if value else DEFAULT_CELL_MARGIN
        except ValueError:
            total += DEFAULT_CELL_MARGIN
    return total


# Cell and Row are read for every cell of every table of a build and never compared or
# printed: plain classes with slots, not dataclasses (whose generated methods cost import time).
class Cell:
    """A cell read once: its first grid column and span, its ``w:tcPr`` and ``w:tcW`` (None
    when it has none yet), its paragraphs and their lines of text, its part in a vertical
    merge (``wml.vmerge``) and how many rows the tables nested in it have."""

    __slots__ = ("start", "span", "tc", "tc_pr", "tc_w", "paragraphs", "lines", "merge", "nested_rows")

    def __init__(
        self,
        start: int,
        span: int,
        tc: Element,
        tc_pr: Element,
        lines: list[str],
        merge: str | None,
        nested_rows: int,
        tc_w: Element | None = None,
        paragraphs: list[Element] | None = None,
    ):
        self.start = start
        self.span = span
        self.tc = tc
        self.tc_pr = tc_pr
        self.tc_w = tc_w
        self.paragraphs = paragraphs if paragraphs is not None else list(tc.iterchildren(W_P))
        self.lines = lines
        self.merge = merge
        self.nested_rows = nested_rows


class Row:
    """A table row read once: whether it repeats as a header, and its cells."""

    __slots__ = ("tr", "header", "cells")

    def __init__(self, tr: Element, header: bool, cells: list[Cell]):
        self.tr = tr
        self.header = header
        self.cells = cells


def rows_of(tbl: Element) -> list[Row]:
    """The table's rows, each cell read once (everything the layout needs to know of it);
    a cell without a ``w:tcPr`` gets one (the layout sets each cell's width in it).

    This reads every cell of every table of a build: each cell's children, and its
    properties' children, are gone through once (lxml calls dominate the typesetting)."""
    rows = []
    for tr in tbl.iterchildren(W_TR):
        cells, start = [], 0
        for tc in tr.iterchildren(W_TC):
            tc_pr = None
            paragraphs: list[Element] = []
            lines: list[str] = []
            nested = 0
            for child in tc:
                tag = child.tag
                if tag == W_P:
                    paragraphs.append(child)
                    _add_lines(child, lines)
                elif tag == W_TC_PR:
                    tc_pr = tc_pr if tc_pr is not None else child
                elif tag == W_TBL:
                    nested += len(child.findall(W_TR))
            tc_w = grid_span = merge = None
            if tc_pr is None:
                tc_pr = ensure_child(tc, "w:tcPr")
            else:
                for prop in tc_pr:
                    tag = prop.tag
                    if tag == W_TC_W:
                        tc_w = tc_w if tc_w is not None else prop
                    elif tag == W_GRID_SPAN:
                        grid_span = grid_span if grid_span is not None else prop
                    elif tag == W_VMERGE:
                        merge = merge if merge is not None else prop
            span = span_value(grid_span)
            cells.append(Cell(start, span, tc, tc_pr, lines, merge_value(merge), nested, tc_w, paragraphs))
            start += span
        rows.append(Row(tr, is_header_row(tr), cells))
    return rows


def minimum_widths(
    rows: list[Row],
    columns: int,
    tokens: Tokens,
    font_pt: float,
    padding: int,
    seen: dict[tuple[str, bool], float] | None = None,
) -> list[int]:
    """For each grid column, the width (twips) its longest unbreakable token needs.

    Lines repeat (是, 否, 0, a name in several tables): ``seen`` keeps the widest piece (ems)
    of each line measured, for the tables of one document."""
    widest = [0.0] * columns
    seen = {} if seen is None else seen
    for row in rows:
        for cell in row.cells:
            start = cell.start
            if cell.span != 1 or start >= columns:
                continue  # a spanning cell shares its width: not one column's minimum
            for line in cell.lines:
                em = seen.get((line, row.header))
                if em is None:
                    em = seen[line, row.header] = tokens.widest(line, row.header)
                widest[start] = max(widest[start], em)
    return [math.ceil(em * font_pt * 20 * SLACK) + padding if em else 0 for em in widest]


def share_widths(total: int, wanted: list[float | None], weights: list[float], mins: list[int]) -> list[int]:
    """Column widths (twips) adding up to ``total``: fixed ones as ``wanted``, the others
    sharing what is left by their ``weights``; each at least its minimum, taken from the
    columns that have room.  When even the minimums do not fit, all shrink alike."""
    count = len(weights)
    width: list[float | None] = [None] * count
    for i in range(count):
        want = wanted[i]
        if want is not None:
            width[i] = max(want, mins[i])
    while True:
        free = [i for i in range(count) if width[i] is None]
        left = total - sum(w for w in width if w is not None)
        weight = sum(weights[i] for i in free)
        if not free:
            break
        pinned = [i for i in free if weight and left * weights[i] / weight < mins[i]]
        if not pinned:
            for i in free:
                width[i] = left * weights[i] / weight if weight else left / len(free)
            break
        for i in pinned:
            width[i] = mins[i]
    result = [float(w or 0) for w in width]
    fixed_over = sum(result) - total
    if fixed_over > 0.5:  # fixed columns take more than the page: take it from the wide ones
        room = [max(0.0, result[i] - mins[i]) for i in range(count)]
        spare = sum(room)
        if spare > 0:
            cut = min(1.0, fixed_over / spare)
            result = [result[i] - room[i] * cut for i in range(count)]
        if sum(result) > total:  # not even the minimums fit: everything shrinks alike
            scale = total / sum(result)
            result = [w * scale for w in result]
    widths = [int(w) for w in result]
    widths[-1] += total - sum(widths)  # rounding goes to the last column
    return widths


def set_widths(tbl: Element, rows: list[Row], widths: list[int]) -> None:
    """Fixed table layout with these grid column widths: Word keeps them as they are."""
    tbl_pr = ensure_child(tbl, "w:tblPr")
    tbl_w = ensure_child(tbl_pr, "w:tblW")
    tbl_w.set(W_TYPE, "dxa")
    tbl_w.set(W_W, str(sum(widths)))
    ensure_child(tbl_pr, "w:tblLayout").set(W_TYPE, "fixed")
    for col, width in zip(grid_cols(tbl), widths, strict=False):
        col.set(W_W, str(width))
    shown: dict[tuple[int, int], str] = {}  # (first column, span) → the cell's width
    for row in rows:
        for cell in row.cells:
            tc_w = cell.tc_w
            if tc_w is None:
                tc_w = cell.tc_w = ensure_child(cell.tc_pr, "w:tcW")
            key = (cell.start, cell.span)
            text = shown.get(key)
            if text is None:
                text = shown[key] = str(sum(widths[cell.start : cell.start + cell.span]))
            tc_w.set(W_TYPE, "dxa")
            tc_w.set(W_W, text)


def set_cell_margins(tbl: Element, twips: int) -> None:
    """Left and right cell margins of a dense table."""
    margins = ensure_child(ensure_child(tbl, "w:tblPr"), "w:tblCellMar")
    for side in ("w:left", "w:right"):
        node = ensure_child(margins, side)
        node.set(W_W, str(twips))
        node.set(W_TYPE, "dxa")


LINE_HEIGHT = 1.3  # ems: a line of 10 pt Chinese text as Word and LibreOffice set it


def text_height(lines: Iterable[str], width: int, padding: int, font_pt: float) -> int:
    """How tall (twips) lines of text are in a cell ``width`` twips wide, roughly."""
    avail_em = max(1.0, (width - padding) / (font_pt * 20))
    count = sum(max(1, math.ceil(em_width(line) / avail_em)) for line in lines)
    return int(count * font_pt * 20 * LINE_HEIGHT)


def estimated_height(row: Row, widths: list[int], padding: int, font_pt: float) -> int:
    """A row's height in twips as a renderer would lay it out, roughly (its tallest cell)."""
    tallest = 0
    for cell in row.cells:
        if cell.merge is not None:
            continue  # a merged cell's text spreads over its rows (see keep_merged_rows)
        nested = cell.nested_rows * 2  # two lines a row
        height = text_height(cell.lines, sum(widths[cell.start : cell.start + cell.span]), padding, font_pt)
        tallest = max(tallest, height + int(nested * font_pt * 20 * LINE_HEIGHT))
    return tallest


def keep_rows(rows: list[Row], heights: list[int], split: bool, page: Page) -> None:
    """``w:cantSplit`` on the header rows and, unless the table's rows may split, on every
    body row that can fit on a page (a taller one must break, or Word would cut it off)."""
    for row, height in zip(rows, heights, strict=True):
        if row.header or (not split and height < page.text_height * ROW_SPLIT_SHARE):
            keep_row_together(row.tr)


def align_cells(rows: list[Row], plan: TablePlan) -> None:
    """The body cells' alignment by column (and by cell for a table of single values)."""
    for index, row in enumerate(rows[plan.header_rows :]):
        for cell in row.cells:
            align = plan.cells.get((index, cell.start)) or plan.align.get(cell.start)
            if align:
                for p in cell.paragraphs:
                    align_paragraph(p, align)


_NUMBER = re.compile(r"^[-+]?[\d,，]*\.?\d+%?$")


def align_numbers(rows: list[Row]) -> None:
    """In a table the form does not describe, a cell holding only a number: centred (a
    score, a count, an item number), or right when it is an amount (thousands separators,
    five digits or more)."""
    for row in rows:
        if row.header:
            continue
        for cell in row.cells:
            text = "".join(cell.lines).strip()
            if _NUMBER.match(text):
                amount = "," in text or "，" in text or len(text.replace(".", "")) >= 5
                for p in cell.paragraphs:
                    align_paragraph(p, "right" if amount else "center")


def keep_header_with_body(rows: list[Row]) -> None:
    """The header rows stay on the page of the first body row (Word keeps a row whose
    paragraphs are kept with the next with the row after it)."""
    for row in rows:
        if not row.header:
            break
        keep_rows_with_next([row])


def keep_rows_with_next(rows: list[Row]) -> None:
    """Each of ``rows`` stays on the page of the row after it."""
    for row in rows:
        for p in row.tr.iter(W_P):
            keep_with_next(p)


def lay_out_table(
    tbl: Element,
    plan: TablePlan,
    page: Page,
    tokens: Tokens,
    font_pt: float,
    seen: dict[tuple[str, bool], float] | None = None,
) -> None:
    """Widths, alignment and row keeping for one table (``seen``: see :func:`minimum_widths`)."""
    if plan.padding_cm is not None:
        set_cell_margins(tbl, round(plan.padding_cm * TWIPS_PER_CM))
    columns = grid_cols(tbl)
    if plan.widths:
        if len(plan.widths) != len(columns):
            caption = caption_of(tbl) or "?"
            raise FormError(
                f"表單定義檔中表格「{caption}」的 layout.widths 列了 {len(plan.widths)} 欄，"
                f"Word 範本的表格有 {len(columns)} 欄"
            )
        wanted = [_cm(w) for w in plan.widths]
        weights = [0.0 if isinstance(w, str) else float(w) for w in plan.widths]
    else:
        wanted = [None] * len(columns)
        weights = [float(c.get(W_W) or 1) for c in columns]
    rows = rows_of(tbl)
    padding = cell_margin(tbl)
    widths = share_widths(
        page.text_width, wanted, weights, minimum_widths(rows, len(columns), tokens, font_pt, padding, seen)
    )
    set_widths(tbl, rows, widths)
    align_cells(rows, plan)
    if plan.numbers:
        align_numbers(rows)
    heights = [estimated_height(row, widths, padding, font_pt) for row in rows]
    keep_rows(rows, heights, plan.split, page)
    keep_header_with_body(rows)
    if sum(heights) < page.text_height * SHORT_TABLE_SHARE:
        keep_rows_with_next(rows[:-1])  # a short table on one page (LibreOffice: 不可分割)
    else:
        keep_merged_rows(rows, heights, widths, padding, font_pt)


def _cm(width: float | str) -> float | None:
    if isinstance(width, str):
        return float(width.strip()[:-2]) * TWIPS_PER_CM
    return None


# -- around tables ---------------------------------------------------------------------------


def style_of(p: Element) -> str | None:
    node = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if node is None else node.get(qn("w:val"))


LEAD_IN_LIMIT = 8  # paragraphs
LEAD_IN_LONG = 80  # characters: a longer plain paragraph is text of its own, not a caption


def lead_in(tbl: Element, headings: Container[str], notes: Container[str] = frozenset()) -> list[Element]:
    """The paragraphs that introduce a table, nearest first: its caption, instructions
    (``notes`` styles) and short lines back to its heading, and the headings right above
    that one (「六、…」 then 「(一) …」)."""
    found: list[Element] = []
    node = tbl.getprevious()
    heading_seen = False
    while node is not None and node.tag == qn("w:p") and len(found) < LEAD_IN_LIMIT:
        if node.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            break
        style = style_of(node)
        text = text_of(node).strip()
        if heading_seen and style not in headings:
            break
        if not heading_seen and style not in headings and style not in notes and len(text) > LEAD_IN_LONG:
            break
        if text or node.find(".//" + qn("w:drawing")) is not None:
            found.append(node)
        heading_seen = heading_seen or style in headings
        node = node.getprevious()
    return found


def keep_captions_with_tables(body: Element, headings: Container[str], notes: Container[str] = frozenset()) -> None:
    """A table's heading, instructions and caption stay on the page of its first rows."""
    for tbl in body.findall(qn("w:tbl")):
        for p in lead_in(tbl, headings, notes):
            keep_with_next(p)


@frozen
class MergeGroup(Frozen):
    """The rows ``first``..``last`` under one vertically merged cell, and that cell's text."""

    first: int
    last: int
    start: int  # its first grid column
    span: int
    lines: tuple[str, ...]
    cell: Element = field(compare=False)


def merge_groups(rows: list[Row]) -> list[MergeGroup]:
    """Each vertical merge (a cell over several rows), in the order they end."""
    groups: list[MergeGroup] = []
    open_at: dict[int, Cell] = {}  # column → the cell that starts its merge
    first_row: dict[int, int] = {}

    def close(start: int, last: int) -> None:
        cell = open_at.pop(start)
        first = first_row.pop(start)
        if last > first:
            groups.append(MergeGroup(first, last, start, cell.span, tuple(cell.lines), cell.tc))

    for index, row in enumerate(rows):
        seen = set()
        for cell in row.cells:
            start = cell.start
            seen.add(start)
            if cell.merge == "restart":
                if start in open_at:
                    close(start, index - 1)
                open_at[start] = cell
                first_row[start] = index
            elif cell.merge is None and start in open_at:
                close(start, index - 1)
        for start in [s for s in open_at if s not in seen]:
            close(start, index - 1)
    for start in list(open_at):
        close(start, len(rows) - 1)
    return groups


def keep_merged_rows(rows: list[Row], heights: list[int], widths: list[int], padding: int, font_pt: float) -> None:
    """A merged cell's text is never cut by a page break: it sits at the top of its cell,
    and the rows under it are kept together as far down as its text reaches (the rest of
    the group may break, so a tall group does not leave a page half empty)."""
    for group in merge_groups(rows):
        ensure_child(ensure_child(group.cell, "w:tcPr"), "w:vAlign").set(W_VAL, "top")
        needed = text_height(group.lines, sum(widths[group.start : group.start + group.span]), padding, font_pt)
        covered, last = 0, group.first
        while last < group.last and covered + heights[last] < needed:
            covered += heights[last]
            last += 1
        keep_rows_with_next(rows[group.first : last])  # rows first … last stay on one page


# -- sections --------------------------------------------------------------------------------


def body_section(body: Element) -> Element:
    """The document's last (body-level) ``w:sectPr``, added if missing."""
    sect_pr = body.find(qn("w:sectPr"))
    if sect_pr is None:
        sect_pr = element("w:sectPr")
        body.append(sect_pr)
    return sect_pr


def _section_like(template: Element, landscape: bool) -> Element:
    sect_pr = copy.deepcopy(template)
    for attr in list(sect_pr.attrib):
        del sect_pr.attrib[attr]  # revision ids belong to the original
    page = page_of(template)
    turned = page.turned() if landscape != (page.width > page.height) else page
    size = ensure_child(sect_pr, "w:pgSz")
    size.set(qn("w:w"), str(turned.width))
    size.set(qn("w:h"), str(turned.height))
    if turned.width > turned.height:
        size.set(qn("w:orient"), "landscape")
    else:
        size.attrib.pop(qn("w:orient"), None)  # type: ignore[call-overload]  # lxml-stubs: lxml takes any default
    margins = ensure_child(sect_pr, "w:pgMar")
    for name, value in (("w:left", turned.left), ("w:right", turned.right), ("w:top", turned.top),
                        ("w:bottom", turned.bottom)):  # fmt: skip
        margins.set(qn(name), str(value))
    kind = sect_pr.find(qn("w:type"))
    if kind is not None:
        sect_pr.remove(kind)  # a new page: the default
    return sect_pr


def end_section(p: Element, sect_pr: Element) -> None:
    """Make paragraph ``p`` the last of a section laid out as ``sect_pr``."""
    ppr = paragraph_properties(p)
    old = ppr.find(qn("w:sectPr"))
    if old is not None:
        ppr.remove(old)
    place_child(ppr, sect_pr)


class Region:
    """A run of body elements on landscape pages: from ``first`` to ``last`` (paragraphs)."""

    __slots__ = ("first", "last", "tables")

    def __init__(self, first: Element, last: Element, tables: list[Element]):
        self.first = first
        self.last = last
        self.tables = tables


def _heading_level(p: Element, levels: dict[str, int]) -> int | None:
    return levels.get(style_of(p) or "")


def landscape_regions(body: Element, landscape: set[int], levels: dict[str, int]) -> list[Region]:
    """The runs of body elements that go on landscape pages: each landscape table with its
    lead-in (back to its heading), its notes after it (up to the next heading of the same or
    a higher level, or the next table); landscape tables next to each other share a run."""
    kids = list(body)
    regions: list[Region] = []
    for tbl in (k for k in kids if k.tag == qn("w:tbl") and id(k) in landscape):
        lead = lead_in(tbl, set(levels))
        first = lead[-1] if lead else tbl
        level = min((lv for p in lead if (lv := _heading_level(p, levels)) is not None), default=99)
        at = kids.index(tbl)
        last = tbl
        for node in kids[at + 1 :]:
            if node.tag != qn("w:p"):
                break
            lv = _heading_level(node, levels)
            if lv is not None and lv <= level:
                break
            if node.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
                break
            last = node
        if regions and _only_paragraphs_between(kids, regions[-1].last, first):
            if kids.index(last) > kids.index(regions[-1].last):
                regions[-1].last = last
            regions[-1].tables.append(tbl)
        else:
            regions.append(Region(first, last, [tbl]))
    return regions


def _only_paragraphs_between(kids: list[Element], a: Element, b: Element) -> bool:
    """``b`` comes at or before ``a`` (the runs overlap), or only paragraphs lie between."""
    i, j = kids.index(a), kids.index(b)
    return j <= i or all(k.tag == qn("w:p") for k in kids[i + 1 : j])


def make_landscape(body: Element, regions: list[Region]) -> None:
    """Put each region on landscape pages: a section break before it and after it.  The
    sections share the document's footer (page numbers run on)."""
    final = body_section(body)
    for region in regions:
        if region.last.tag != qn("w:p"):
            paragraph = element("w:p")
            region.last.addnext(paragraph)
            region.last = paragraph
        before = region.first.getprevious()
        if before is None or before.tag != qn("w:p"):
            before = element("w:p")
            region.first.addprevious(before)
        end_section(before, _section_like(final, landscape=False))
        end_section(region.last, _section_like(final, landscape=True))


# -- free layout -----------------------------------------------------------------------------


def introduces(text: str) -> bool:
    """A paragraph that ends in a colon (「備註：」, 「…如下：」) belongs with what follows."""
    return text.rstrip().endswith(("：", ":"))


def numbering_pattern(numbering: str) -> re.Pattern[str]:
    """A regex for a list numbering such as 「({zh})」 or 「{n}、」 at the start of a text."""
    parts = []
    for piece in re.split(r"(\{zh\}|\{n\})", numbering):
        if piece == "{zh}":
            parts.append("[一二三四五六七八九十百]+")
        elif piece == "{n}":
            parts.append("[0-9０-９]+")
        elif piece:
            parts.append(re.escape(piece))
    return re.compile("^\\s*" + "".join(parts) + "[ \u3000]?")


@frozen
class ListStyle(Frozen):
    """How the free layout's list items are indented: the numbering of each level."""

    levels: tuple[tuple[re.Pattern[str], ...], ...]
    indent_em: float
    font_pt: float

    @classmethod
    def of(cls, levels: Iterable[Iterable[str]], indent_em: float, font_pt: float) -> ListStyle:
        return cls(tuple(tuple(numbering_pattern(n) for n in level) for level in levels), indent_em, font_pt)

    def indent(self, text: str) -> tuple[int, int]:
        """(left, hanging) twips for a list item: its level sets where it starts, its
        numbering how far its continuation lines are indented."""
        em = self.font_pt * 20
        for level, patterns in enumerate(self.levels):
            for pattern in patterns:
                m = pattern.match(text)
                if m:
                    hanging = math.ceil(em_width(m.group(0).lstrip()) * em * 0.96)
                    return int(level * self.indent_em * em) + hanging, hanging
        return int(2 * em), 0  # an item without a numbering: indented as a block
