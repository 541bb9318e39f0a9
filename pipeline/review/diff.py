"""Comparing two reports in the form's own terms.

Either report may be .docx or .odt, saved by any editor: both are read into the
neutral model of :mod:`pipeline.review.document`.  Official tables are matched
by their form id, the free-layout tables and the paragraphs outside tables by
content (difflib), rows by content, cells by column.  A change names the
section, the table, the row and the column header, and shows the changed words
(difflib over characters) in their context.  :mod:`pipeline.review.redline`
writes the same changes as Word tracked changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.form.spec import Form
from pipeline.review.document import Cell, Document, Paragraph, Row, Table, read_document

Part = Paragraph | Cell | Row | Table  # what a change concerns in a report

CONTEXT = 12  # characters of unchanged text shown on each side of a change
SHORT = 30  # texts up to this long are shown whole, old → new


@dataclass(frozen=True)
class Change:
    """One difference between two reports.

    ``before`` / ``after`` are the paragraph, cell, row or table it concerns in the old and
    the new report, and ``anchor`` the new report's row or paragraph a removed one followed
    (for the redline; not compared)."""

    kind: str  # "changed", "added" or "removed"
    section: str
    table: str | None  # table title, None for a paragraph
    table_id: str | None
    row: int | None  # 0-based body row (in the new report; in the old one when removed)
    row_label: str
    column: str | None  # column header
    col: int | None  # grid column
    old: str
    new: str
    before: Part | None = field(default=None, compare=False, repr=False)
    after: Part | None = field(default=None, compare=False, repr=False)
    anchor: Row | Paragraph | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        where = [self.section] if self.section else []
        if self.table:
            where.append(f"表「{self.table}」")
        if self.row is not None:
            where.append(f"第{self.row + 1}列（{self.row_label}）" if self.row_label else f"第{self.row + 1}列")
        if self.column:
            where.append(f"欄「{self.column}」")
        verb = {"changed": "修改", "added": "新增", "removed": "刪除"}[self.kind]
        if self.kind == "changed":
            what = changed_words(self.old, self.new)
        else:
            what = f"「{_flat(self.new if self.kind == 'added' else self.old)}」"
        return f"{verb}：{' '.join(where)}：{what}" if where else f"{verb}：{what}"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def changed_words(old: str, new: str) -> str:
    """What changed from ``old`` to ``new``, for a person: short texts whole (「39」→「40」);
    longer ones as the changed characters in brackets (［舊→新］, ［+新］, ［-舊］) with a
    little unchanged text around each, never cut at a fixed length."""
    old, new = _flat(old), _flat(new)
    if len(old) <= SHORT and len(new) <= SHORT:
        return f"「{old}」→「{new}」"
    hunks = _hunks(old, new)
    out = []
    for index, (tag, i1, i2, j1, j2) in enumerate(hunks):
        if tag == "equal":
            text = old[i1:i2]
            first, last = index == 0, index == len(hunks) - 1
            if first and len(text) > CONTEXT:
                text = "…" + text[-CONTEXT:]
            elif last and len(text) > CONTEXT:
                text = text[:CONTEXT] + "…"
            elif not first and not last and len(text) > 2 * CONTEXT:
                text = text[:CONTEXT] + "…" + text[-CONTEXT:]
            out.append(text)
        elif tag == "insert":
            out.append(f"［+{new[j1:j2]}］")
        elif tag == "delete":
            out.append(f"［-{old[i1:i2]}］")
        else:
            out.append(f"［{old[i1:i2]}→{new[j1:j2]}］")
    return "「" + "".join(out) + "」"


def _hunks(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes over characters; two changes with only one or two unchanged
    characters between them are one change (「黃煥榮、吳嘉麗」 reads better than a change
    per character)."""
    merged: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal" and len(merged) >= 2 and merged[-1][0] == "equal" and merged[-2][0] != "equal":
            gap, previous = merged[-1], merged[-2]
            if gap[2] - gap[1] <= 2:
                merged[-2:] = [("replace", previous[1], i2, previous[3], j2)]
                continue
        merged.append((tag, i1, i2, j1, j2))
    return [(tag if tag == "equal" else _kind(i1, i2, j1, j2), i1, i2, j1, j2) for tag, i1, i2, j1, j2 in merged]


def _kind(i1: int, i2: int, j1: int, j2: int) -> str:
    return "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"


# -- the two reports, outlined ---------------------------------------------------------------


@dataclass
class _Placed:
    """A table with the section it stands in."""

    table: Table
    section: str


@dataclass
class _Outline:
    """A report's official tables, its other tables and its body paragraphs, with sections."""

    document: Document
    tables: dict[str, _Placed]
    free: list[_Placed]
    paragraphs: list[tuple[Paragraph, str]]


def _section_of(paragraph: Paragraph) -> str:
    return re.split(r"[：(（]", paragraph.text)[0].strip()


def outline(document: Document) -> _Outline:
    """The report's tables and paragraphs, each with the section (Heading 1) it is in."""
    section = ""
    tables: dict[str, _Placed] = {}
    free: list[_Placed] = []
    paragraphs = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            if block.level == 1:
                section = _section_of(block)
            paragraphs.append((block, section))
            continue
        for table in block.tables():
            if table.id is not None:
                tables[table.id] = _Placed(table, section)
            else:
                free.append(_Placed(table, section))
    return _Outline(document, tables, free, paragraphs)


def _pairs(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Old and new items (texts) aligned in order: equal ones and, in a changed stretch, the
    most alike pairs (as difflib's ndiff does); the others alone (removed or added)."""
    out: list[tuple[int | None, int | None]] = []
    matcher = SequenceMatcher(a=[_norm(t) for t in old], b=[_norm(t) for t in new], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend((a1 + k, b1 + k) for k in range(a2 - a1))
        else:
            out.extend(_best_pairs(old, new, a1, a2, b1, b2))
    return out


def _best_pairs(
    old: Sequence[str], new: Sequence[str], a1: int, a2: int, b1: int, b2: int
) -> list[tuple[int | None, int | None]]:
    if a1 == a2 or b1 == b2:
        return [(a, None) for a in range(a1, a2)] + [(None, b) for b in range(b1, b2)]
    if a2 - a1 == 1 and b2 - b1 == 1:  # one text in place of one: it was edited
        return [(a1, b1)]
    if (a2 - a1) * (b2 - b1) > 400:  # a large stretch: side by side, as it comes
        paired = min(a2 - a1, b2 - b1)
        return (
            [(a1 + k, b1 + k) for k in range(paired)]
            + [(a, None) for a in range(a1 + paired, a2)]
            + [(None, b) for b in range(b1 + paired, b2)]
        )
    best, where = 0.5, None  # below half alike, two texts are a removal and an addition
    for a in range(a1, a2):
        for b in range(b1, b2):
            ratio = SequenceMatcher(None, _norm(old[a]), _norm(new[b]), autojunk=False).ratio()
            if ratio > best:
                best, where = ratio, (a, b)
    if where is None:
        return [(a, None) for a in range(a1, a2)] + [(None, b) for b in range(b1, b2)]
    a, b = where
    return [*_best_pairs(old, new, a1, a, b1, b), (a, b), *_best_pairs(old, new, a + 1, a2, b + 1, b2)]


def _header_labels(table: Table, header_rows: int) -> list[str]:
    """A label per grid column: the header texts above it, first lines only."""
    labels: dict[int, list[str]] = {}
    for row in table.grid()[:header_rows]:
        for col, text in enumerate(row):
            first_line = text.split("\n")[0].strip()
            if first_line and first_line not in labels.setdefault(col, []):
                labels[col].append(first_line)
    return [" / ".join(labels.get(c, [])) for c in range(max(labels, default=-1) + 1)]


def _row_texts(row: Row) -> tuple[str, ...]:
    return tuple("" if cell.continued else cell.text for cell in row.cells)


def _row_label(texts: Sequence[str]) -> str:
    first = next((t for t in texts[:2] if t.strip()), "")
    return _flat(first)[:24]


def _grid_starts(row: Row) -> list[int]:
    """The grid column each cell of a row starts at."""
    starts, col = [], row.before
    for cell in row.cells:
        starts.append(col)
        col += cell.span
    return starts


def _whole(table: Table) -> str:
    return f"（整個表格，{len(table.rows)} 列）"


def _compare_tables(old: _Placed, new: _Placed, title: str, table_id: str | None, header_rows: int) -> list[Change]:
    """The rows of two versions of one table: changed cells, added and removed rows."""
    changes: list[Change] = []
    labels = _header_labels(new.table, header_rows)
    old_rows, new_rows = old.table.rows[header_rows:], new.table.rows[header_rows:]
    old_texts = [_row_texts(r) for r in old_rows]
    new_texts = [_row_texts(r) for r in new_rows]
    # A removed row goes back after the new table's row before it (or its header).
    last: Row | None = new.table.rows[header_rows - 1] if 0 < header_rows <= len(new.table.rows) else None

    def row_change(
        kind: str,
        side: _Placed,
        row: int,
        texts: Sequence[str],
        old: str,
        new: str,
        before: Row | Cell | None = None,
        after: Row | Cell | None = None,
        column: tuple[str, int] | None = None,
    ) -> Change:
        """A change in body row ``row`` of ``side`` (``column``: a cell's header and grid column)."""
        label, col = column if column is not None else (None, None)
        anchor = last if kind == "removed" else None
        return Change(
            kind, side.section, title, table_id, row, _row_label(texts), label, col, old, new, before, after, anchor
        )

    for a, b in _pairs([" | ".join(t) for t in old_texts], [" | ".join(t) for t in new_texts]):
        if a is not None and b is not None:
            last = new_rows[b]
            starts = _grid_starts(new_rows[b])
            old_cells, new_cells = old_rows[a].cells, new_rows[b].cells
            for index, now in enumerate(new_texts[b]):
                was = old_texts[a][index] if index < len(old_texts[a]) else ""
                if _norm(was) != _norm(now):
                    before = old_cells[index] if index < len(old_cells) else None
                    col = starts[index]
                    where = (labels[col] if col < len(labels) else "", col)
                    changes.append(
                        row_change("changed", new, b, new_texts[b], was, now, before, new_cells[index], where)
                    )
        elif b is not None:
            last = new_rows[b]
            changes.append(row_change("added", new, b, new_texts[b], "", " | ".join(new_texts[b]), after=new_rows[b]))
        elif a is not None:
            changes.append(
                row_change("removed", old, a, old_texts[a], " | ".join(old_texts[a]), "", before=old_rows[a])
            )
    return changes


def _whole_table(kind: str, placed: _Placed, title: str, table_id: str | None) -> Change:
    """A table one report has and the other has not."""
    text = _whole(placed.table)
    old, new = (text, "") if kind == "removed" else ("", text)
    before, after = (placed.table, None) if kind == "removed" else (None, placed.table)
    return Change(kind, placed.section, title, table_id, None, "", None, None, old, new, before, after)


def _paragraph_change(
    kind: str, section: str, was: Paragraph | None, now: Paragraph | None, anchor: Paragraph | None = None
) -> Change:
    old, new = (was.text if was else ""), (now.text if now else "")
    return Change(kind, section, None, None, None, "", None, None, old, new, was, now, anchor)


def compare(old: Document, new: Document, form: Form) -> list[Change]:
    """The differences from ``old`` to ``new``: the official tables in the new report's
    order, then the free-layout tables, then the paragraphs outside tables."""
    before, after = outline(old), outline(new)
    changes: list[Change] = []
    for table_id, placed in after.tables.items():
        spec = form.tables.get(table_id)
        title = spec.title if spec else table_id
        if table_id in before.tables:
            header_rows = spec.header_rows if spec else 1
            changes += _compare_tables(before.tables[table_id], placed, title, table_id, header_rows)
        else:
            changes.append(_whole_table("added", placed, title, table_id))
    for table_id, placed in before.tables.items():
        if table_id not in after.tables:
            spec = form.tables.get(table_id)
            changes.append(_whole_table("removed", placed, spec.title if spec else table_id, table_id))
    old_free, new_free = [_table_text(p.table) for p in before.free], [_table_text(p.table) for p in after.free]
    for a, b in _pairs(old_free, new_free):
        if a is not None and b is not None:
            if _norm(old_free[a]) != _norm(new_free[b]):
                was_placed, now_placed = before.free[a], after.free[b]
                header_rows = sum(1 for r in now_placed.table.rows if r.header) or 1
                name = _free_name(now_placed.table, was_placed.table)
                free_id = _free_id(now_placed.table, was_placed.table)
                changes += _compare_tables(was_placed, now_placed, name, free_id, header_rows)
        elif b is not None:
            placed = after.free[b]
            changes.append(_whole_table("added", placed, _free_name(placed.table), _free_id(placed.table)))
        elif a is not None:
            placed = before.free[a]
            changes.append(_whole_table("removed", placed, _free_name(placed.table), _free_id(placed.table)))
    old_p = [(p, s) for p, s in before.paragraphs if p.text.strip()]
    new_p = [(p, s) for p, s in after.paragraphs if p.text.strip()]
    last: Paragraph | None = None  # a removed paragraph goes back after the new one before it
    for a, b in _pairs([p.text for p, _ in old_p], [p.text for p, _ in new_p]):
        if a is not None and b is not None:
            (was, _), (now, section) = old_p[a], new_p[b]
            last = now
            if _norm(was.text) != _norm(now.text):
                changes.append(_paragraph_change("changed", section, was, now))
        elif b is not None:
            now, section = new_p[b]
            last = now
            changes.append(_paragraph_change("added", section, None, now))
        elif a is not None:
            was, section = old_p[a]
            changes.append(_paragraph_change("removed", section, was, None, last))
    return changes


def _table_text(table: Table) -> str:
    return "\n".join(" | ".join(row) for row in table.grid())


def _free_name(*tables: Table) -> str:
    """A free-layout table's name: its Alt Text description (the sheet it came from), else
    its caption."""
    for table in tables:
        if table.description or table.caption:
            return table.description or table.caption or ""
    return "（未命名表格）"


def _free_id(*tables: Table) -> str | None:
    return next((t.caption for t in tables if t.caption), None)


def diff_reports(old_path: Path, new_path: Path, form: Form) -> list[Change]:
    """The differences from ``old_path`` to ``new_path`` (.docx or .odt), in document order."""
    return compare(read_document(old_path, form), read_document(new_path, form), form)
