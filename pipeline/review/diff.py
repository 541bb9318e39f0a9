"""Comparing two reports in the form's own terms, and writing a redline with tracked changes.

Tables are matched by the id they carry (Alt Text title), rows by content
(difflib), cells by column; paragraphs outside tables by content.  A change
names the section, the table, the row and the column header.  The redline is
the newer report with each change as a Word tracked change (w:ins / w:del),
so a reviewer can accept or reject it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.errors import InputError, describe
from pipeline.form.spec import Form
from pipeline.office.wml import caption_of
from pipeline.outputs import atomic_write
from pipeline.review.extract import W_P, W_TBL, W_TC, W_TR, cell_text, paragraph_text

REDLINE_AUTHOR = "報告比對"
W_R, W_T = qn("w:r"), qn("w:t")


@dataclass(frozen=True)
class Change:
    """One difference between two reports."""

    kind: str  # "changed", "added" or "removed"
    section: str
    table: str | None  # table title, None for a paragraph
    table_id: str | None
    row: int | None  # 0-based body row (in the new report; in the old one when removed)
    row_label: str
    column: str | None  # column header
    col: int | None
    old: str
    new: str

    def __str__(self) -> str:
        where = [self.section]
        if self.table:
            where.append(f"表「{self.table}」")
        if self.row is not None:
            where.append(f"第{self.row + 1}列（{self.row_label}）" if self.row_label else f"第{self.row + 1}列")
        if self.column:
            where.append(f"欄「{self.column}」")
        verb = {"changed": "修改", "added": "新增", "removed": "刪除"}[self.kind]
        return f"{verb}：{' '.join(where)}：「{_short(self.old)}」→「{_short(self.new)}」"


def _short(text: str, limit: int = 60) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class _Table:
    element: object
    caption: str
    section: str
    header_rows: int


@dataclass
class _Outline:
    """A report's identified tables and its body paragraphs (with their sections)."""

    doc: DocxDocument
    tables: dict[str, _Table]
    paragraphs: list[tuple[object, str, str]]  # (w:p, section, text)


def _open(path: Path) -> DocxDocument:
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a broken file
        raise InputError(f"無法開啟報告 {path}：{describe(exc)}") from exc


def _outline(doc: DocxDocument, form: Form) -> _Outline:
    section = ""
    tables: dict[str, _Table] = {}
    paragraphs = []
    for child in doc.element.body.iterchildren():
        if child.tag == W_P:
            text = paragraph_text(child)
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is not None and style.get(qn("w:val")) == "Heading1":
                section = re.split(r"[：(（]", text)[0].strip()
            paragraphs.append((child, section, text))
        elif child.tag == W_TBL:
            for tbl in child.iter(W_TBL):
                caption = caption_of(tbl)
                if caption:
                    spec = form.tables.get(caption)
                    tables[caption] = _Table(tbl, caption, section, spec.header_rows if spec else 1)
    return _Outline(doc, tables, paragraphs)


def _rows(tbl) -> list:
    return tbl.findall(W_TR)


def _cells(tr) -> list:
    return tr.findall(W_TC)


def _header_labels(table: _Table) -> list[str]:
    """A label per physical body column: the header texts above it, first lines only."""
    labels: dict[int, list[str]] = {}
    for tr in _rows(table.element)[: table.header_rows]:
        col = 0
        for tc in _cells(tr):
            span_el = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            first_line = cell_text(tc).split("\n")[0].strip()
            for c in range(col, col + span):
                if first_line and first_line not in labels.setdefault(c, []):
                    labels[c].append(first_line)
            col += span
    return [" / ".join(labels.get(c, [])) for c in range(max(labels, default=-1) + 1)]


def _row_texts(tr) -> tuple[str, ...]:
    return tuple(cell_text(tc) for tc in _cells(tr))


def _row_label(texts: tuple[str, ...]) -> str:
    return next((_short(t, 24) for t in texts[:2] if t.strip()), "")


def diff_reports(old_path: Path, new_path: Path, form: Form) -> list[Change]:
    """The differences from ``old_path`` to ``new_path``, in document order."""
    return _diff(_outline(_open(old_path), form), _outline(_open(new_path), form), form)[0]


def _diff(old: _Outline, new: _Outline, form: Form) -> tuple[list[Change], list]:
    """Changes, plus the redline actions that go with them."""
    changes: list[Change] = []
    actions: list = []
    for caption, new_table in new.tables.items():
        old_table = old.tables.get(caption)
        title = form.tables[caption].title if caption in form.tables else caption
        if old_table is None:
            continue
        labels = _header_labels(new_table)
        h = new_table.header_rows
        old_rows, new_rows = _rows(old_table.element)[h:], _rows(new_table.element)[h:]
        old_texts = [_row_texts(tr) for tr in old_rows]
        new_texts = [_row_texts(tr) for tr in new_rows]
        matcher = SequenceMatcher(
            a=[tuple(map(_norm, r)) for r in old_texts], b=[tuple(map(_norm, r)) for r in new_texts], autojunk=False
        )
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                continue
            paired = min(a2 - a1, b2 - b1) if op == "replace" else 0
            for k in range(paired):
                a, b = a1 + k, b1 + k
                for col, (was, now) in enumerate(zip(old_texts[a], new_texts[b], strict=False)):
                    if _norm(was) != _norm(now):
                        label = labels[col] if col < len(labels) else ""
                        changes.append(
                            Change(
                                "changed",
                                new_table.section,
                                title,
                                caption,
                                b,
                                _row_label(new_texts[b]),
                                label,
                                col,
                                was,
                                now,
                            )
                        )
                        actions.append(("cell", _cells(new_rows[b])[col], was))
            for b in range(b1 + paired, b2):
                changes.append(
                    Change(
                        "added",
                        new_table.section,
                        title,
                        caption,
                        b,
                        _row_label(new_texts[b]),
                        None,
                        None,
                        "",
                        " | ".join(new_texts[b]),
                    )
                )
                actions.append(("row-added", new_rows[b]))
            for a in range(a1 + paired, a2):
                changes.append(
                    Change(
                        "removed",
                        old_table.section,
                        title,
                        caption,
                        a,
                        _row_label(old_texts[a]),
                        None,
                        None,
                        " | ".join(old_texts[a]),
                        "",
                    )
                )
                anchor = new_rows[b2 - 1] if b2 > 0 else _rows(new_table.element)[h - 1]
                actions.append(("row-removed", old_rows[a], anchor))
    for caption in [c for c in new.tables if c not in old.tables]:
        table = new.tables[caption]
        title = form.tables[caption].title if caption in form.tables else caption
        rows = len(_rows(table.element))
        changes.append(
            Change("added", table.section, title, caption, None, "", None, None, "", f"（整個表格，{rows} 列）")
        )
    for caption in [c for c in old.tables if c not in new.tables]:
        table = old.tables[caption]
        title = form.tables[caption].title if caption in form.tables else caption
        rows = len(_rows(table.element))
        changes.append(
            Change("removed", table.section, title, caption, None, "", None, None, f"（整個表格，{rows} 列）", "")
        )
    old_p = [(p, s, t) for p, s, t in old.paragraphs if t.strip()]
    new_p = [(p, s, t) for p, s, t in new.paragraphs if t.strip()]
    matcher = SequenceMatcher(a=[_norm(t) for _, _, t in old_p], b=[_norm(t) for _, _, t in new_p], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(a2 - a1, b2 - b1) if op == "replace" else 0
        for k in range(paired):
            (_, _, was), (p, section, now) = old_p[a1 + k], new_p[b1 + k]
            changes.append(Change("changed", section, None, None, None, "", None, None, was, now))
            actions.append(("paragraph", p, was))
        for b in range(b1 + paired, b2):
            p, section, now = new_p[b]
            changes.append(Change("added", section, None, None, None, "", None, None, "", now))
            actions.append(("paragraph-added", p))
        for a in range(a1 + paired, a2):
            p, section, was = old_p[a]
            changes.append(Change("removed", section, None, None, None, "", None, None, was, ""))
            anchor = new_p[b1 - 1][0] if b1 > 0 else None
            actions.append(("paragraph-removed", p, anchor))
    return changes, actions


# -- tracked changes -----------------------------------------------------------------


class _Marks:
    """Makes w:ins / w:del elements with unique ids."""

    def __init__(self) -> None:
        self.next_id = 9000
        self.date = datetime.now().astimezone().replace(microsecond=0).isoformat()

    def mark(self, tag: str):
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), REDLINE_AUTHOR)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def _wrap_runs_inserted(p, marks: _Marks) -> None:
    for run in [r for r in p if r.tag == W_R]:
        ins = marks.mark("w:ins")
        run.addprevious(ins)
        ins.append(run)


def _deleted_run(text: str, template_run, marks: _Marks):
    deletion = marks.mark("w:del")
    run = OxmlElement("w:r")
    rpr = template_run.find(qn("w:rPr")) if template_run is not None else None
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for i, line in enumerate(text.split("\n")):
        if i:
            run.append(OxmlElement("w:br"))
        t = OxmlElement("w:delText")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = line
        run.append(t)
    deletion.append(run)
    return deletion


def _to_deleted(p, marks: _Marks) -> None:
    """Turn every run of a copied paragraph into deleted text."""
    for run in [r for r in p if r.tag == W_R]:
        for t in run.findall(W_T):
            t.tag = qn("w:delText")
        deletion = marks.mark("w:del")
        run.addprevious(deletion)
        deletion.append(run)
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    rpr.append(marks.mark("w:del"))


def _mark_row(tr, tag: str, marks: _Marks) -> None:
    tr.get_or_add_trPr().append(marks.mark(tag))


def _replace_text(container_paragraphs: list, old_text: str, marks: _Marks) -> None:
    """Old text deleted at the start of the first paragraph, the current runs inserted."""
    if not container_paragraphs:
        return
    first = container_paragraphs[0]
    runs = [r for p in container_paragraphs for r in p if r.tag == W_R]
    for p in container_paragraphs:
        _wrap_runs_inserted(p, marks)
    if old_text:
        deletion = _deleted_run(old_text, runs[0] if runs else None, marks)
        ppr = first.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(deletion)
        else:
            first.insert(0, deletion)


def write_redline(old_path: Path, new_path: Path, out: Path, form: Form) -> list[Change]:
    """Write ``new_path`` with every change since ``old_path`` as a tracked change."""
    old, new = _outline(_open(old_path), form), _outline(_open(new_path), form)
    changes, actions = _diff(old, new, form)
    marks = _Marks()
    for action in actions:
        kind = action[0]
        if kind == "cell":
            _, tc, was = action
            _replace_text(tc.findall(W_P), was, marks)
        elif kind == "row-added":
            tr = action[1]
            _mark_row(tr, "w:ins", marks)
            for tc in _cells(tr):
                for p in tc.findall(W_P):
                    _wrap_runs_inserted(p, marks)
        elif kind == "row-removed":
            _, old_tr, anchor = action
            copy_tr = copy.deepcopy(old_tr)
            for p in copy_tr.iter(W_P):
                _to_deleted(p, marks)
            _mark_row(copy_tr, "w:del", marks)
            anchor.addnext(copy_tr)
        elif kind == "paragraph":
            _, p, was = action
            _replace_text([p], was, marks)
        elif kind == "paragraph-added":
            _wrap_runs_inserted(action[1], marks)
        elif kind == "paragraph-removed":
            _, old_p, anchor = action
            copy_p = copy.deepcopy(old_p)
            _to_deleted(copy_p, marks)
            if anchor is not None:
                anchor.addnext(copy_p)
            else:
                new.doc.element.body.insert(0, copy_p)
    with atomic_write(out) as tmp:
        new.doc.save(str(tmp))
    return changes
