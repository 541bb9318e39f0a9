"""Reading a report back as plain text: its tables (as grid rows) and its paragraphs.

The report may be .docx or .odt, saved by any editor (see :mod:`pipeline.review.document`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.form.spec import Form
from pipeline.office.opc import Element, qn
from pipeline.office.wml import cell_text, paragraph_text
from pipeline.review.document import docx_table, read_document

__all__ = ["read_tables", "read_paragraphs", "grid_rows", "cell_text", "paragraph_text"]

# The WordprocessingML names pull.py still walks a python-docx tree with.
W_TBL, W_TR, W_TC, W_P, W_T = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:t")


def grid_rows(tbl: Element) -> list[list[str]]:
    """A ``w:tbl`` as rows of grid columns: a spanned or vertically continued cell gives ""."""
    return docx_table(tbl).grid()


def read_tables(path: Path | str, form: Form | None = None) -> dict[str, list[list[str]]]:
    """Every identified table of a report (nested ones too) as grid rows: by the form's
    table id (with ``form``: also tables that lost their caption), else by caption."""
    document = read_document(path, form)
    return {key: t.grid() for t in document.all_tables() if (key := t.id or t.caption) is not None}


def read_paragraphs(path: Path | str) -> list[str]:
    """The body's paragraphs outside tables, in order."""
    return [p.text for p in read_document(path).paragraphs()]
