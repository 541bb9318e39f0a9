"""A report file opened for reading back: its body blocks, its identified tables as grid
rows, its free-layout tables and pictures.  Used by ``report pull``."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.errors import InputError
from pipeline.form.spec import Form
from pipeline.office.celltext import safe_sheet_name
from pipeline.office.opc import PARSER, qn, rels_name, resolve
from pipeline.office.wml import caption_of, grid_span
from pipeline.review.align import Block
from pipeline.review.extract import W_P, W_TBL, W_TC, W_TR, cell_text, grid_rows, paragraph_text

R_EMBED = qn("r:embed")
A_BLIP = qn("a:blip")
PIC_NAME = "{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr"
SAFE_NAME = re.compile(r"^[^\\/:*?\"<>|\x00-\x1f]{1,100}\.[A-Za-z0-9]{1,5}$")


@dataclass
class ReportFile:
    """A report read back: top-level blocks in order and the official tables by id."""

    blocks: list[Block]
    tables: dict[str, list[list[str]]]
    media: dict[str, bytes]  # relationship id → picture bytes

    def free_table(self, tbl: Any) -> tuple[str, dict[str, Any]]:
        """A free-layout table as a sheet: its cells, merges (A1 ranges) and header rows."""
        from openpyxl.utils import get_column_letter

        desc = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblDescription')}")
        # A sheet name Excel takes ('/' or ':' in a reviewer's table description were a traceback).
        name = safe_sheet_name(desc.get(qn("w:val")) or "" if desc is not None else caption_of(tbl) or "表格")
        cells: list[list[str]] = []
        merges: list[list[int]] = []
        below: dict[int, list[int]] = {}
        header_rows = 0
        for r, tr in enumerate(tbl.findall(W_TR)):
            if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
                header_rows += 1
            row: list[str] = []
            col = 0
            for tc in tr.findall(W_TC):
                span = grid_span(tc)
                vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                if vmerge is not None and vmerge.get(qn("w:val")) != "restart" and col in below:
                    below[col][2] = r  # extend the open vertical merge
                    row.extend([""] * span)
                else:
                    row.append(cell_text(tc))
                    row.extend([""] * (span - 1))
                    if vmerge is not None:
                        below[col] = [r, col, r, col + span - 1]
                        merges.append(below[col])
                    elif span > 1:
                        merges.append([r, col, r, col + span - 1])
                col += span
            cells.append(row)

        def ref(row: int, col: int) -> str:
            return f"{get_column_letter(col + 1)}{row + 1}"

        ranges = [f"{ref(r1, c1)}:{ref(r2, c2)}" for r1, c1, r2, c2 in merges if (r1, c1) != (r2, c2)]
        return name, {"cells": cells, "merges": ranges, "header_rows": header_rows}

    def image(self, p: Any, out_dir: Path) -> str | None:
        """The picture of a paragraph, written into ``out_dir``/attachments; its path there."""
        blip = next(p.iter(A_BLIP), None)
        blob = self.media.get(blip.get(R_EMBED)) if blip is not None else None
        if blob is None:
            return None
        name_el = next(p.iter(PIC_NAME), None)
        name = Path(name_el.get("name") or "").name if name_el is not None else ""
        folder = out_dir / "attachments"
        if not SAFE_NAME.match(name) or name.startswith("."):
            name = f"image{len(list(folder.glob('*'))) + 1}.png"
        target = folder / name
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
        return f"attachments/{name}"


def open_report(path: Path, form: Form) -> ReportFile:
    """Read a .docx report's body (InputError when it is not a readable Word file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            document = _main_part(archive)
            root = etree.fromstring(archive.read(document), PARSER)
            media = _pictures(archive, document)
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"無法開啟報告 {path.name}：檔案已損毀或不是 Word（.docx）檔（{exc}）") from exc
    body = root.find(qn("w:body"))
    if body is None:
        raise InputError(f"無法開啟報告 {path.name}：文件沒有本文")
    blocks: list[Block] = []
    tables: dict[str, list[list[str]]] = {}
    for child in body.iterchildren():
        if child.tag == W_P:
            style = child.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            blocks.append(Block("p", child, paragraph_text(child), style.get(qn("w:val"), "") if style is not None
                                else "", has_image=next(child.iter(A_BLIP), None) is not None))  # fmt: skip
        elif child.tag == W_TBL:
            caption = caption_of(child)
            blocks.append(Block("tbl", child, table=caption if caption in form.tables else None))
            for tbl in child.iter(W_TBL):
                caption = caption_of(tbl)
                if caption in form.tables:
                    tables[caption] = grid_rows(tbl)
    return ReportFile(blocks, tables, media)


def _main_part(archive: zipfile.ZipFile) -> str:
    rels = etree.fromstring(archive.read("_rels/.rels"), PARSER)
    for rel in rels:
        if rel.get("Type", "").endswith("/officeDocument"):
            return posixpath.normpath(rel.get("Target", "").lstrip("/"))
    raise KeyError("word/document.xml")


def _pictures(archive: zipfile.ZipFile, document: str) -> dict[str, bytes]:
    name = rels_name(document)
    if name not in archive.namelist():
        return {}
    rels = etree.fromstring(archive.read(name), PARSER)
    out = {}
    names = set(archive.namelist())
    for rel in rels:
        if rel.get("Type", "").endswith("/image") and rel.get("TargetMode") != "External":
            target = resolve(document, rel.get("Target", ""))
            if target in names:
                out[rel.get("Id")] = archive.read(target)
    return out


__all__ = ["ReportFile", "open_report"]
