"""The newer report with each difference from the older one as a Word tracked change.

A changed paragraph or cell keeps its runs: only the characters that changed are
marked (w:ins around the new ones, w:del with the old ones beside them), so a
reviewer accepts or rejects just the edit.  An added row or paragraph is marked
inserted; a removed one is put back where it stood, marked deleted.  The old
report may be .docx or .odt; the new one is written as .docx (an .odt is first
converted by LibreOffice, on a private copy).
"""

from __future__ import annotations

import copy
import re
import tempfile
from datetime import datetime
from pathlib import Path

from pipeline.form.spec import Form
from pipeline.office.opc import Element, element, parent_of, qn, sub
from pipeline.office.wml import ensure_child, place_child, text_atoms
from pipeline.outputs import atomic_write
from pipeline.review.diff import Change, _hunks, _pairs, compare
from pipeline.review.document import Cell, Document, Paragraph, Row, Table, read_document

REDLINE_AUTHOR = "報告比對"
XML_SPACE = qn("xml:space")
W_R, W_P, W_TR = qn("w:r"), qn("w:p"), qn("w:tr")
# What a run inside these is already: a tracked change, or not the paragraph's own run.
_NOT_OWN_RUN = frozenset(qn(t) for t in ("w:r", "w:ins", "w:del", "w:moveFrom", "w:moveTo", "mc:Fallback"))
# What cannot travel from the old report into the new one: references to its comments,
# notes, pictures and links, its bookmarks, a section break.
_NOT_PORTABLE = frozenset(
    qn(t)
    for t in (
        "w:commentRangeStart", "w:commentRangeEnd", "w:commentReference", "w:bookmarkStart",
        "w:bookmarkEnd", "w:drawing", "w:pict", "w:object", "w:footnoteReference",
        "w:endnoteReference", "w:sectPr", "w:pPrChange", "w:rPrChange", "w:proofErr",
    )
)  # fmt: skip
_UNWRAP = frozenset(qn(t) for t in ("w:hyperlink", "w:ins", "w:smartTag", "w:fldSimple"))


class _Marks:
    """Makes w:ins / w:del elements with ids unused in the document."""

    def __init__(self, root: Element) -> None:
        ids = [int(v) for node in root.iter() if (v := node.get(qn("w:id"), "")).isdigit()]
        self.next_id = max(ids, default=0) + 1
        self.date = datetime.now().astimezone().replace(microsecond=0).isoformat()

    def mark(self, tag: str) -> Element:
        found = element(tag, {"w:id": str(self.next_id), "w:author": REDLINE_AUTHOR, "w:date": self.date})
        self.next_id += 1
        return found


def write_redline(old_path: Path, new_path: Path, out: Path, form: Form) -> list[Change]:
    """Write ``new_path`` with every change since ``old_path`` as a tracked change into
    ``out`` (a .docx); returns the changes.  A new report in .odt is converted to .docx by
    LibreOffice first (ToolMissing when it is not installed)."""
    old = read_document(old_path, form)
    new = read_document(new_path, form)
    with tempfile.TemporaryDirectory(prefix="report-redline-") as tmp:
        if new.kind != "docx":
            from pipeline.submit.pdf import convert

            converted = convert(Path(new_path), Path(tmp) / "new.docx", "docx:MS Word 2007 XML", "Word（.docx）")
            new = read_document(converted, form)
        changes = compare(old, new, form)
        mark_changes(new, changes)
        with atomic_write(Path(out)) as target:
            new.package.save(target)
    return changes


def mark_changes(document: Document, changes: list[Change]) -> None:
    """Apply ``changes`` (from :func:`compare`, with ``document`` as the new report) to its
    XML as tracked changes; the package then saves them."""
    root = document.package.xml(document.part, edit=True)
    marks = _Marks(root)
    body = root.find(qn("w:body"))
    for change in changes:
        before, after, anchor = change.before, change.after, change.anchor
        if change.kind == "changed" and isinstance(after, Paragraph):
            mark_paragraph(_xml(after), change.old, marks)
        elif change.kind == "changed" and isinstance(after, Cell):
            _mark_cell(after, before if isinstance(before, Cell) else None, change.old, marks)
        elif change.kind == "added" and isinstance(after, Row):
            _insert_row(_xml(after), marks)
        elif change.kind == "added" and isinstance(after, Paragraph):
            _insert_paragraph(_xml(after), marks)
        elif change.kind == "added" and isinstance(after, Table):
            for row in after.rows:
                _insert_row(_xml(row), marks)
        elif change.kind == "removed" and isinstance(before, Row):
            tr = _deleted_row(before, marks)
            if isinstance(anchor, Row):
                _xml(anchor).addnext(tr)
        elif change.kind == "removed" and isinstance(before, Paragraph):
            p = _deleted_paragraph(before, None, marks)
            if isinstance(anchor, Paragraph):
                _xml(anchor).addnext(p)
            elif body is not None:
                body.insert(0, p)
        # A whole table removed is listed, not put back: where it stood in the new report
        # is not known once its neighbours changed too.


def _xml(part: Paragraph | Cell | Row | Table) -> Element:
    """The element a part of the new report stands on (every part read from a .docx has one)."""
    if part.element is None:
        raise ValueError(f"a {type(part).__name__} of the new report without its XML element")
    return part.element


# -- runs ----------------------------------------------------------------------------------------


def _own_runs(p: Element) -> list[Element]:
    """The paragraph's runs that are its own text: not inside another run (text boxes),
    not already a tracked change."""
    runs = []
    for run in p.iter(W_R):
        node = run.getparent()
        while node is not None and node is not p and node.tag not in _NOT_OWN_RUN:
            node = node.getparent()
        if node is p:
            runs.append(run)
    return runs


def _split_run(run: Element, node: Element, offset: int) -> Element:
    """Cut ``run`` before ``node`` (``offset`` characters into it when it is a w:t); the
    second half is a new run with the same properties, returned."""
    second = etree_copy_shell(run)
    if offset > 0:
        text = node.text or ""  # a w:t with text: the offset is inside it
        tail = sub(second, "w:t", text=text[offset:])
        tail.set(XML_SPACE, "preserve")
        node.text = text[:offset]
        node.set(XML_SPACE, "preserve")
        moving = list(node.itersiblings())
    else:
        moving = [node, *node.itersiblings()]
    for child in moving:
        second.append(child)
    run.addnext(second)
    return second


def etree_copy_shell(run: Element) -> Element:
    """A new run with ``run``'s attributes and properties (w:rPr), no content."""
    shell = element("w:r")
    for name, value in run.attrib.items():
        shell.set(name, value)
    rpr = run.find(qn("w:rPr"))
    if rpr is not None:
        shell.append(copy.deepcopy(rpr))
    return shell


def _run_at(p: Element, position: int) -> Element | None:
    """The run that starts at character ``position`` of the paragraph's text, splitting a
    run there if needed; None at the end of the text."""
    offset = 0
    for node, text in text_atoms(p):
        end = offset + len(text)
        run = parent_of(node)
        if offset < position < end:
            return _split_run(run, node, position - offset)
        if position == offset:
            earlier = [s for s in node.itersiblings(preceding=True) if s.tag != qn("w:rPr")]
            return _split_run(run, node, 0) if earlier else run
        offset = end
    return None


def _runs_between(p: Element, start: int, end: int) -> list[Element]:
    """The runs holding characters start…end-1 (cut at both ends first)."""
    _run_at(p, start)
    _run_at(p, end)
    found: list[Element] = []
    offset = 0
    for node, text in text_atoms(p):
        if start <= offset < end and parent_of(node) not in found:
            found.append(parent_of(node))
        offset += len(text)
    return found


def _wrap(runs: list[Element], tag: str, marks: _Marks) -> None:
    """Put each run (consecutive ones together) inside a new w:ins / w:del."""
    current: Element | None = None
    for run in runs:
        holder = run.getparent()
        if holder is not None and holder.tag in (qn("w:ins"), qn("w:del")):
            continue  # already a tracked change
        if current is None or current.getnext() is not run:
            current = marks.mark(tag)
            run.addprevious(current)
        current.append(run)


def _deleted_run(text: str, like: Element | None, marks: _Marks) -> Element:
    """A w:del holding ``text`` as deleted text, in the look of run ``like``."""
    deletion = marks.mark("w:del")
    run = sub(deletion, "w:r")
    rpr = None if like is None else like.find(qn("w:rPr"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for piece in re.split(r"([\t\n])", text):
        if piece == "\n":
            sub(run, "w:br")
        elif piece == "\t":
            sub(run, "w:tab")
        elif piece:
            sub(run, "w:delText", text=piece).set(XML_SPACE, "preserve")
    return deletion


def _mark_mark(p: Element, tag: str, marks: _Marks) -> None:
    """Mark the paragraph's own mark (its end) inserted or deleted."""
    rpr = ensure_child(ensure_child(p, "w:pPr"), "w:rPr")
    if rpr.find(qn(tag)) is None:
        place_child(rpr, marks.mark(tag))


# -- paragraphs, cells, rows ---------------------------------------------------------------------


def mark_paragraph(p: Element, old_text: str, marks: _Marks) -> None:
    """Mark in ``p`` what changed since ``old_text``: the new characters inside w:ins, the
    old ones as w:del beside them; the unchanged runs are left as they are."""
    new_text = "".join(text for _node, text in text_atoms(p))
    for tag, i1, i2, j1, j2 in reversed(_hunks(old_text, new_text)):
        if tag == "equal":
            continue
        if j2 > j1:
            _wrap(_runs_between(p, j1, j2), "w:ins", marks)
        if i2 > i1:
            _put_deleted(p, j1, old_text[i1:i2], marks)


def _put_deleted(p: Element, position: int, text: str, marks: _Marks) -> None:
    """Old text as a deletion at ``position`` of the new text (before what was inserted there)."""
    run = _run_at(p, position)
    if run is not None:
        place = parent_of(run) if parent_of(run).tag == qn("w:ins") else run
        place.addprevious(_deleted_run(text, run, marks))
        return
    atoms = [node for node, _text in text_atoms(p)]
    runs = _own_runs(p)
    last = atoms[-1].getparent() if atoms else runs[-1] if runs else None
    deletion = _deleted_run(text, last, marks)
    if last is None:
        p.append(deletion)
    else:
        place = parent_of(last) if parent_of(last).tag == qn("w:ins") else last
        place.addnext(deletion)


def _insert_paragraph(p: Element, marks: _Marks) -> None:
    """A paragraph that is new: all its runs and its mark inserted."""
    _wrap(_own_runs(p), "w:ins", marks)
    _mark_mark(p, "w:ins", marks)


def _delete_runs(p: Element, marks: _Marks) -> None:
    """Turn a copied paragraph into deleted text."""
    for run in _own_runs(p):
        for node in run.iter(qn("w:t"), qn("w:instrText")):
            node.tag = qn("w:delText") if node.tag == qn("w:t") else qn("w:delInstrText")
    _wrap(_own_runs(p), "w:del", marks)
    _mark_mark(p, "w:del", marks)


def _portable(node: Element) -> Element:
    """A copy of an element of the old report that is safe to put into the new one."""
    twin = copy.deepcopy(node)
    for found in list(twin.iter(*_NOT_PORTABLE)):
        parent_of(found).remove(found)
    for wrapper in list(twin.iter(*_UNWRAP)):
        for child in list(wrapper):
            wrapper.addprevious(child)
        parent_of(wrapper).remove(wrapper)
    return twin


def _deleted_paragraph(old: Paragraph, like: Element | None, marks: _Marks) -> Element:
    """The old paragraph, as deleted text: its own copy when it came from a .docx, else a
    new paragraph of its text (in the look of ``like``)."""
    if old.element is not None and old.element.tag == W_P:
        p = _portable(old.element)
        _delete_runs(p, marks)
        return p
    p = element("w:p")
    ppr = None if like is None else like.find(qn("w:pPr"))
    if ppr is not None:
        p.append(_portable(ppr))
    elif old.style:
        sub(sub(p, "w:pPr"), "w:pStyle", {"w:val": old.style})
    if old.text:
        p.append(_deleted_run(old.text, None, marks))
    _mark_mark(p, "w:del", marks)
    return p


def _mark_cell(cell: Cell, old: Cell | None, old_text: str, marks: _Marks) -> None:
    """A changed cell, paragraph by paragraph: changed ones marked by character, new ones
    inserted, old ones put back as deleted."""
    new_paragraphs = cell.paragraphs
    old_paragraphs = old.paragraphs if old is not None else [Paragraph(t, "", None) for t in old_text.split("\n")]
    if not new_paragraphs:
        return
    pairs = _pairs([p.text for p in old_paragraphs], [p.text for p in new_paragraphs])
    following: Element | None = None  # the new paragraph a removed one goes before
    for a, b in reversed(pairs):
        if b is not None:
            following = _xml(new_paragraphs[b])
            if a is not None:
                if re.sub(r"\s+", "", old_paragraphs[a].text) != re.sub(r"\s+", "", new_paragraphs[b].text):
                    mark_paragraph(following, old_paragraphs[a].text, marks)
            else:
                _insert_paragraph(following, marks)
        elif a is not None and old_paragraphs[a].text.strip():
            like = following if following is not None else new_paragraphs[-1].element
            deleted = _deleted_paragraph(old_paragraphs[a], like, marks)
            if following is not None:
                following.addprevious(deleted)
            else:
                _xml(new_paragraphs[-1]).addnext(deleted)


def _insert_row(tr: Element, marks: _Marks) -> None:
    """A row that is new: marked inserted, and its text too."""
    place_child(ensure_child(tr, "w:trPr"), marks.mark("w:ins"))
    for p in tr.iter(W_P):
        _insert_paragraph(p, marks)


def _deleted_row(old: Row, marks: _Marks) -> Element:
    """The old row, as a deleted row: its own copy when it came from a .docx, else a new row
    of its cells' text."""
    if old.element is not None and old.element.tag == W_TR:
        tr = _portable(old.element)
        for p in tr.iter(W_P):
            _delete_runs(p, marks)
    else:
        tr = element("w:tr")
        for cell in old.cells:
            tc = sub(tr, "w:tc")
            tc_pr = sub(tc, "w:tcPr")
            if cell.span > 1:
                sub(tc_pr, "w:gridSpan", {"w:val": str(cell.span)})
            if cell.continued:
                sub(tc_pr, "w:vMerge")
            for paragraph in cell.paragraphs or [Paragraph("", "", None)]:
                tc.append(_deleted_paragraph(paragraph, None, marks))
    place_child(ensure_child(tr, "w:trPr"), marks.mark("w:del"))
    return tr
