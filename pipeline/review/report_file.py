"""A report opened for ``report pull``: the document model of review/document.py (a .docx
from any editor, or an .odt) as the blocks the template is aligned with, the official
tables as grid rows, and the free-layout tables and pictures as sheets and files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.form.spec import Form
from pipeline.office.celltext import safe_sheet_name
from pipeline.office.sml import range_ref
from pipeline.review.align import Block
from pipeline.review.document import Paragraph, Table, read_document

SAFE_NAME = re.compile(r"^[^\\/:*?\"<>|\x00-\x1f]{1,100}\.[A-Za-z0-9]{1,5}$")


@dataclass
class ReportFile:
    """A report read back: top-level blocks in order and the official tables by id."""

    blocks: list[Block]
    tables: dict[str, list[list[str]]]

    def free_table(self, table: Table) -> tuple[str, dict[str, Any]]:
        """A free-layout table as a sheet: its cells, merges (A1 ranges) and header rows."""
        # A sheet name Excel takes ('/' or ':' in a reviewer's table description were a traceback).
        name = safe_sheet_name(table.description or table.caption or "表格")
        ranges = [range_ref(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for r1, c1, r2, c2 in table.merges()]
        header_rows = sum(1 for row in table.rows if row.header)
        return name, {"cells": table.grid(), "merges": ranges, "header_rows": header_rows}

    def image(self, paragraph: Paragraph, out_dir: Path) -> str | None:
        """The picture of a paragraph, written into ``out_dir``/attachments; its path there."""
        if not paragraph.images:
            return None
        picture = paragraph.images[0]
        folder = out_dir / "attachments"
        name = Path(picture.name or "").name
        if not SAFE_NAME.match(name) or name.startswith("."):
            extension = Path(picture.part).suffix.lower() or ".png"
            name = f"image{len(list(folder.glob('*'))) + 1}{extension}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(picture.data)
        return f"attachments/{name}"


def open_report(path: Path, form: Form) -> ReportFile:
    """Read a report (.docx from any editor, or .odt); InputError when it cannot be used."""
    document = read_document(path, form)
    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            blocks.append(Block("p", block, block.text, block.style, has_image=bool(block.images)))
        else:
            blocks.append(Block("tbl", block, table=block.id))
    return ReportFile(blocks, {table_id: table.grid() for table_id, table in document.tables.items()})
