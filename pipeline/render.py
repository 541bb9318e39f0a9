"""Rendering: docxtpl fills the Word template, then the layout plan is applied.

No docx object leaves this module.  The output is written atomically: a
temporary file in the output folder, then a rename, so a failed or killed
build never leaves a half-written report.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.shared import Cm
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from jinja2 import Environment, FileSystemBytecodeCache, StrictUndefined, TemplateError

from .context import Block, Layout
from .docxml import (
    clear_cell,
    mark_header_row,
    physical_cells,
    set_table_caption,
    set_table_description,
    set_vmerge,
    table_caption,
)
from .errors import FormError
from .findings import Finding
from .form import TableSpec
from .outputs import atomic_write
from .provenance import set_properties
from .records import FreeTable

RESULTS_BOOKMARK = "results"
BLOCK_STYLES = {
    "heading1": "Heading 3",
    "heading2": "Heading 4",
    "heading3": "Heading 5",
    "paragraph": "Normal",
    "list": "List Paragraph",
}
MAX_IMAGE_WIDTH = Cm(15)
TEXT_WIDTH = Cm(17)


def render_report(
    template: Path,
    context: dict[str, Any],
    layout: Layout,
    out: Path,
    findings: list[Finding] | None = None,
    tables: dict[str, TableSpec] | None = None,
    properties: dict[str, str] | None = None,
) -> Path:
    """Render ``template`` with ``context``, apply ``layout``, anchor each finding as a
    Word comment where it lands, record ``properties`` (provenance) and write ``out``
    atomically."""
    doc = fill_template(template, context)
    apply_layout(doc, layout)
    if findings:
        add_comments(doc, findings, tables or {})
    set_properties(doc, properties or {})
    write_atomically(doc, out)
    return out


COMMENT_AUTHOR = "檢核程式"
NUMERALS = "一二三四五六七八九十"


def _anchor_paragraph(doc: DocxDocument, finding: Finding, tables: dict[str, TableSpec],
                      found: dict[str, Table]) -> Paragraph:
    """The paragraph a finding is shown at: its table cell, else its section heading."""
    target = finding.target
    table = found.get(target.table or "")
    spec = tables.get(target.table or "")
    if table is not None and spec is not None:
        row, col = spec.cell_of(target.column, target.row)
        body_rows = len(table.rows) - spec.header_rows
        in_body = row is not None and row < body_rows
        index = spec.header_rows + row if in_body else len(table.rows) - 1
        cells = physical_cells(table.rows[index])
        tc = cells[min(col, len(cells) - 1)]
        return _Cell(tc, table).paragraphs[0]
    paragraphs = doc.paragraphs
    if target.section:
        prefix = target.section + "、"
        for p in paragraphs:
            if p.style.name == "Heading 1" and p.text.startswith(prefix):
                return p
    return paragraphs[0]


def add_comments(doc: DocxDocument, findings: list[Finding], tables: dict[str, TableSpec]) -> None:
    """Each finding as a Word comment anchored at the cell or paragraph concerned."""
    found = tables_by_caption(doc)
    for finding in findings:
        paragraph = _anchor_paragraph(doc, finding, tables, found)
        runs = paragraph.runs or [paragraph.add_run("")]
        text = f"[{finding.severity.label}] {finding.message}"
        if finding.source is not None:
            text += f"（來源：{finding.source}）"
        text += f"〔規則 {finding.rule}〕"
        doc.add_comment(runs, text=text, author=COMMENT_AUTHOR, initials="檢")


class CachingEnvironment(Environment):
    """A Jinja environment that compiles each distinct template source once.

    docxtpl compiles the template's XML on every render.  The compiled form is kept
    in memory (a batch renders the same template for every agency) and in Jinja's
    own bytecode cache on disk (a clerk's next build starts warm).  The disk cache
    is a convenience: when its folder cannot be written, builds simply compile.
    """

    MAX_CACHED = 8

    def __init__(self, cache_dir: Path | None = None, **options: Any):
        super().__init__(**options)
        self._compiled: dict[str, Any] = {}
        self._disk = None
        if cache_dir is not None:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                self._disk = FileSystemBytecodeCache(str(cache_dir))
            except OSError:
                self._disk = None

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self.template_class.from_code(self, self._code(source), self.make_globals(None))
            if len(self._compiled) >= self.MAX_CACHED:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[source] = compiled
        return compiled

    def _code(self, source: str):
        if self._disk is None:
            return self.compile(source)
        name = "docx-" + hashlib.sha256(source.encode("utf-8")).hexdigest()
        bucket = self._disk.get_bucket(self, name, None, source)
        if bucket.code is None:
            bucket.code = self.compile(source)
            try:
                self._disk.set_bucket(bucket)
            except OSError:
                pass  # a read-only cache folder costs only the compile time
        return bucket.code


def _cache_dir() -> Path | None:
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home folder: compile in memory only
        return None
    return Path(base) / "tpe-gender-report" / "jinja"


# Autoescaping (a clerk's & or < stays text) and StrictUndefined (a missing value is an
# error, never a blank), shared so that compiled templates are reused.
JINJA = CachingEnvironment(_cache_dir(), undefined=StrictUndefined, autoescape=True)


def fill_template(template: Path, context: dict[str, Any]) -> DocxDocument:
    """Run docxtpl with autoescaping and StrictUndefined (a missing value is an error)."""
    try:
        tpl = DocxTemplate(str(template))
        tpl.get_docx()  # docxtpl opens the file lazily
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise FormError(f"無法開啟 Word 範本 {template}：{exc}") from exc
    try:
        tpl.render(context, jinja_env=JINJA, autoescape=True)
    except TemplateError as exc:
        raise FormError(f"Word 範本 {template} 的標籤有錯誤：{exc}") from exc
    return tpl.docx


def tables_by_caption(doc: DocxDocument) -> dict[str, Table]:
    """Every table (nested ones too) that carries an id in its Alt Text title."""
    found: dict[str, Table] = {}
    for tbl in doc.element.body.iter(qn("w:tbl")):
        table = Table(tbl, doc._body)
        caption = table_caption(table)
        if caption:
            found[caption] = table
    return found


def ensure_cell_paragraphs(doc: DocxDocument) -> None:
    """Give every cell a paragraph: a paragraph loop that ran zero times leaves none,
    and Word and LibreOffice then drop or reject the cell."""
    for tc in doc.element.body.iter(qn("w:tc")):
        if len(tc) == 0 or tc[-1].tag != qn("w:p"):
            tc.append(OxmlElement("w:p"))


def apply_layout(doc: DocxDocument, layout: Layout) -> None:
    """Vertical merges, nested tables and the free-layout blocks."""
    ensure_cell_paragraphs(doc)
    ids = style_ids(doc)
    tables = tables_by_caption(doc)
    for merge in layout.merges:
        table = tables.get(merge.table)
        if table is None:
            raise FormError(f"Word 範本中找不到表格「{merge.table}」（表格替代文字標題）")
        offset = layout.header_rows.get(merge.table, 1)
        for index in range(merge.first, merge.last + 1):
            tc = physical_cells(table.rows[offset + index])[merge.column]
            cell = _Cell(tc, table)
            set_vmerge(cell, restart=index == merge.first)
            if index != merge.first:
                clear_cell(cell)
    for nested in layout.nested:
        table = tables[nested.table]
        offset = layout.header_rows.get(nested.table, 1)
        tc = physical_cells(table.rows[offset + nested.row])[nested.column]
        cell = _Cell(tc, table)
        inner = cell.add_table(rows=0, cols=len(nested.header))
        _fill_grid(inner, nested.caption, [nested.header, *nested.rows], 1, ids)
    _place_blocks(doc, layout.blocks)


def style_ids(doc: DocxDocument) -> dict[str, str]:
    """Style name → style id, read once (python-docx scans every style on each lookup)."""
    return {style.name: style.style_id for style in doc.styles}


def _fill_grid(table: Table, caption: str, rows, header_rows: int, ids: dict[str, str]) -> None:
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_table_caption(table, caption)
    width = max((len(r) for r in rows), default=0)
    for r, values in enumerate(rows):
        row = table.add_row()
        if r < header_rows:
            mark_header_row(row)
        style_id = ids["Table Heading" if r < header_rows else "Table Text"]
        # The row's own cells: row.cells would recompute the whole table's grid each time.
        for c, tc in enumerate(row._tr.tc_lst[:width]):
            text = values[c] if c < len(values) else ""
            cell = _Cell(tc, table)
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style_id
            lines = str(text).split("\n")
            paragraph.add_run(lines[0])
            for line in lines[1:]:
                cell.add_paragraph(line)._p.style = style_id


def _merge_cells(table: Table, merges, width: int) -> None:
    rows = table._tbl.tr_lst
    for r1, c1, r2, c2 in merges:
        if r2 < len(rows) and c2 < width:
            merged = _tc_at(rows[r1], c1).merge(_tc_at(rows[r2], c2))
            _drop_empty_paragraphs(_Cell(merged, table))


def _tc_at(tr, col: int):
    """The cell of a row that covers grid column ``col`` (table.cell() would redo the grid)."""
    start = 0
    for tc in tr.tc_lst:
        if start <= col < start + tc.grid_span:
            return tc
        start += tc.grid_span
    raise IndexError(col)


def _drop_empty_paragraphs(cell) -> None:
    """A merge concatenates the cells' paragraphs; keep only the ones with text."""
    paragraphs = cell.paragraphs
    keep = [p for p in paragraphs if p.text.strip()] or paragraphs[:1]
    for p in paragraphs:
        if p not in keep:
            p._p.getparent().remove(p._p)


def _results_anchor(doc: DocxDocument) -> Paragraph | None:
    for start in doc.element.body.iter(qn("w:bookmarkStart")):
        if start.get(qn("w:name")) == RESULTS_BOOKMARK:
            p = start.getparent()
            if p.tag == qn("w:p"):
                return Paragraph(p, doc._body)
    return None


def _place_blocks(doc: DocxDocument, blocks: tuple[Block, ...]) -> None:
    anchor = _results_anchor(doc)
    if anchor is None:
        if blocks:
            raise FormError(f"Word 範本中找不到書籤「{RESULTS_BOOKMARK}」（成果說明的位置）")
        return
    ids = style_ids(doc)
    shape_ids = _shape_ids(doc)
    for block in blocks:
        if block.kind == "table" and block.table is not None:
            _place_table(doc, anchor, block.table, block.header_rows, block.caption, ids)
        elif block.kind == "image":
            if block.image is not None and block.image.is_file():
                paragraph = doc.add_paragraph()
                try:
                    paragraph.add_run()._r.add_drawing(_picture(doc, block.image, shape_ids))
                except Exception:  # an unusable image: the checks report it; say so in place
                    paragraph.add_run(f"〔圖片無法放入：{block.image.name}〕")
                anchor._p.addprevious(paragraph._p)
        else:
            style_id = ids.get(BLOCK_STYLES.get(block.kind, "Normal"), "Normal")
            for text in block.paragraphs:
                paragraph = doc.add_paragraph(text)
                paragraph._p.style = style_id
                anchor._p.addprevious(paragraph._p)


def _shape_ids(doc: DocxDocument) -> Iterator[int]:
    """Fresh drawing ids: python-docx would scan the whole document for each picture."""
    used = [int(v) for v in doc.element.body.xpath("//@id") if str(v).isdigit()]
    return itertools.count(max(used, default=0) + 1)


def _picture(doc: DocxDocument, path: Path, shape_ids: Iterator[int]):
    """An inline picture no wider than the text, with its own drawing id."""
    rid, image = doc.part.get_or_add_image(str(path))
    cx, cy = image.scaled_dimensions(MAX_IMAGE_WIDTH, None)
    return CT_Inline.new_pic_inline(next(shape_ids), rid, image.filename, cx, cy)


def _place_table(doc: DocxDocument, anchor: Paragraph, free: FreeTable, header_rows: int,
                 caption: str, ids: dict[str, str]) -> None:
    width = max((len(r) for r in free.cells), default=0)
    if not width:
        return
    table = doc.add_table(rows=0, cols=width)
    _fill_grid(table, caption, free.cells, header_rows, ids)
    _proportional_widths(table, free.cells)
    _merge_cells(table, free.merges, width)
    set_table_description(table, free.name)  # the sheet it came from, for `report pull`
    anchor._p.addprevious(table._tbl)
    spacer = doc.add_paragraph()
    anchor._p.addprevious(spacer._p)


def _proportional_widths(table: Table, cells: tuple[tuple[str, ...], ...]) -> None:
    """Column widths in proportion to their longest line (bounded), across the text width.

    Call before merging: every row then still has one cell per grid column."""
    width = max(len(r) for r in cells)
    weights = []
    for c in range(width):
        longest = max((len(line) for r in cells if c < len(r) for line in str(r[c]).split("\n")),
                      default=1)
        weights.append(min(max(longest, 4), 24))
    total = sum(weights)
    widths = [int(TEXT_WIDTH * w / total) for w in weights]
    table.autofit = False
    for grid_col, w in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=False):
        grid_col.w = w
    for tr in table._tbl.tr_lst:
        for tc, w in zip(tr.tc_lst, widths, strict=False):
            tc.width = w


def write_atomically(doc: DocxDocument, out: Path) -> None:
    """Save to a temporary file beside ``out``, then rename it into place."""
    with atomic_write(out) as tmp:
        doc.save(str(tmp))
