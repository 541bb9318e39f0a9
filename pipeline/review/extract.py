"""Reading a generated (or reviewer-edited) report back: its tables and paragraphs as text."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from pipeline.office.wml import caption_of

W_TBL, W_TR, W_TC, W_P, W_T = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:t")


def paragraph_text(p) -> str:
    """The text of one ``w:p`` (tabs and breaks as spaces and newlines)."""
    parts = []
    for node in p.iter(W_T, qn("w:tab"), qn("w:br")):
        if node.tag == W_T:
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def cell_text(tc) -> str:
    """A cell's own paragraphs (not those of a table nested in it), one per line."""
    return "\n".join(paragraph_text(p) for p in tc.findall(W_P))


def grid_rows(tbl) -> list[list[str]]:
    """A table as rows of grid columns: a spanned or vertically continued cell gives ""."""
    rows = []
    for tr in tbl.findall(W_TR):
        row: list[str] = []
        for tc in tr.findall(W_TC):
            tc_pr = tc.find(qn("w:tcPr"))
            span, continued = 1, False
            if tc_pr is not None:
                grid_span = tc_pr.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = int(grid_span.get(qn("w:val")))
                vmerge = tc_pr.find(qn("w:vMerge"))
                continued = vmerge is not None and vmerge.get(qn("w:val")) != "restart"
            row.append("" if continued else cell_text(tc))
            row.extend([""] * (span - 1))
        rows.append(row)
    return rows


def read_tables(path: Path | str) -> dict[str, list[list[str]]]:
    """Every identified table of a report (nested ones too) as grid rows, by id."""
    body = Document(str(path)).element.body
    return {caption: grid_rows(tbl) for tbl in body.iter(W_TBL) if (caption := caption_of(tbl)) is not None}


def read_paragraphs(path: Path | str) -> list[str]:
    """The body's paragraphs outside tables, in order."""
    body = Document(str(path)).element.body
    return [paragraph_text(p) for p in body.findall(W_P)]
