"""Rendering: Jinja fills the prepared Word template, then the layout plan is applied.

docxtpl prepares the template once (:mod:`pipeline.word.template`).  Here Jinja renders
it and docxtpl's after-steps follow (line breaks and tabs inside values, table
grids that fit their rows, fresh drawing ids); then the layout plan: vertical
merges, nested tables, the free-layout blocks, the findings as Word comments and
the provenance properties.  All of it works on lxml elements; no document object
leaves this module.  The output is written atomically: a temporary file in the
output folder, then a rename, so a failed or killed build never leaves a
half-written report.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, StrictUndefined, Template, TemplateError, nodes
from jinja2.bccache import Bucket
from lxml import etree

from pipeline import cache
from pipeline.errors import FormError
from pipeline.findings import Finding
from pipeline.form.tablemap import TableSpec, Typeset
from pipeline.inputs.records import FreeTable
from pipeline.inputs.values import strip_forbidden
from pipeline.office.docprops import DocumentInfo, set_document_info
from pipeline.office.opc import (
    CT_COMMENTS,
    NS,
    RT_COMMENTS,
    RT_IMAGE,
    Element,
    Package,
    element,
    parent_of,
    parse,
    qn,
    serialize,
    sub,
)
from pipeline.office.pictures import Picture, UnusablePicture, read_picture
from pipeline.office.provenance import package_fingerprint, set_properties
from pipeline.office.wml import (
    caption_of,
    clear_cell,
    ensure_child,
    grid_span,
    mark_header_row,
    physical_cells,
    set_table_caption,
    set_table_description,
    set_vmerge,
    tc_properties,
    text_of,
)
from pipeline.outputs import atomic_write
from pipeline.word import typeset
from pipeline.word.context import Block, Layout
from pipeline.word.template import PreparedTemplate, load_template

EMU_PER_CM = 360000
EMU_PER_INCH = 914400
EMU_PER_TWIP = 635
MAX_IMAGE_WIDTH = 15 * EMU_PER_CM
MAX_IMAGE_HEIGHT = 22 * EMU_PER_CM  # within the form's A4 text area (25.7 cm), with a line to spare
# (form.yaml's typeset.picture_width_cm/_height_cm set the box of the free-layout pictures.)
TEXT_WIDTH = 17 * EMU_PER_CM
FIRST_DRAWING_ID = 1000  # docxtpl numbers the template's drawings from 1001

W_P, W_R, W_T, W_TC, W_TR, W_TBL = (qn(t) for t in ("w:p", "w:r", "w:t", "w:tc", "w:tr", "w:tbl"))
XML_SPACE = qn("xml:space")


def render_report(
    template: Path | PreparedTemplate,
    context: dict[str, Any],
    layout: Layout,
    out: Path,
    findings: list[Finding] | None = None,
    tables: dict[str, TableSpec] | None = None,
    properties: dict[str, str] | None = None,
    info: DocumentInfo | None = None,
) -> Path:
    """Render ``template`` (a Word template, or one already prepared) with ``context``,
    apply ``layout``, anchor each finding as a Word comment where it lands, record
    ``properties`` (provenance) and the document's title, author and times (``info``), and
    write ``out`` atomically."""
    prepared = template if isinstance(template, PreparedTemplate) else load_template(template)
    document = Document(prepared)
    document.fill(context)
    document.apply_layout(layout)
    if findings:
        document.add_comments(findings, tables or {})
    document.save(out, properties or {}, info)
    return out


class OwnBytecodeCache(FileSystemBytecodeCache):
    """Jinja's bytecode cache in a folder :func:`pipeline.cache.cache_dir` found safe, reading
    only entry files that are the user's own (compiled code runs when it is loaded)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            blob = cache.read_own(Path(self._get_cache_filename(bucket)))
        except OSError:
            return
        bucket.bytecode_from_string(blob)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class CachingEnvironment(Environment):
    """A Jinja environment that compiles each distinct template source once.

    The compiled form is kept in memory (a batch renders the same template for
    every agency) and in Jinja's own bytecode cache on disk (a clerk's next build
    starts warm).  The disk cache is a convenience: when its folder cannot be
    written, builds simply compile.
    """

    MAX_CACHED = 8

    def __init__(self, cache_dir: Path | None = None, **options: Any):
        super().__init__(**options)
        self._compiled: dict[str, Template] = {}
        # cache_dir comes from pipeline.cache.cache_dir, which checked that it is safe to use.
        self._disk: OwnBytecodeCache | None = None
        if cache_dir is not None:
            try:
                cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._disk = OwnBytecodeCache(str(cache_dir))
            except OSError:  # cannot be made: builds simply compile
                self._disk = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``x.name`` in a template, as Jinja's: the attribute, else the item.  The context is
        plain dicts, whose only attributes are dict's own: for any other name the item is
        looked up at once, instead of after a failed attribute lookup (an exception raised
        and caught for each of the four hundred values a report places)."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self.template_class.from_code(self, self._code(source), self.make_globals(None))
            if len(self._compiled) >= self.MAX_CACHED:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[source] = compiled
        return compiled

    def _code(self, source: str) -> CodeType:
        if self._disk is None:
            return self.compile(source)
        name = "docx-" + hashlib.sha256(source.encode("utf-8")).hexdigest()
        try:
            bucket = self._disk.get_bucket(self, name, None, source)
        except Exception:  # a damaged entry (cut short, unpicklable): compile and replace it
            bucket = Bucket(self, self._disk.get_cache_key(name), self._disk.get_source_checksum(source))
        if bucket.code is None:
            bucket.code = self.compile(source)
            try:
                self._disk.set_bucket(bucket)
            except OSError:
                pass  # a read-only cache folder costs only the compile time
        return bucket.code


# Autoescaping (a clerk's & or < stays text) and StrictUndefined (a missing value is an
# error, never a blank), shared so that compiled templates are reused.
JINJA = CachingEnvironment(cache.cache_dir("jinja"), undefined=StrictUndefined, autoescape=True)


def render_source(source: str, context: dict[str, Any]) -> str:
    """Jinja on a prepared part, then docxtpl's clean-up of the result (as its
    ``render_xml_part``; the line breaks and tabs in values are resolved on the tree)."""
    try:
        xml = JINJA.from_string(source).render(context)
    except TemplateError as exc:
        raise FormError(f"Word 範本的標籤有錯誤：{exc}") from exc
    # The line break template.py put before each paragraph (for Jinja's error lines) goes.
    xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    return xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")


def parse_rendered(xml: str) -> Element:
    """The rendered XML as a tree; a template whose tags break the XML is a form error."""
    try:
        return parse(xml)
    except etree.XMLSyntaxError as exc:
        raise FormError(f"Word 範本填入資料後不是正確的 XML：{exc}") from exc


def resolve_listing(root: Element) -> None:
    """Line breaks and tabs inside a value become Word breaks and tabs, as docxtpl does.

    (docxtpl also turns \\a and \\f into paragraphs and page breaks; neither can
    reach here, since both are characters XML forbids and the context removes.)"""
    for t in list(root.iter(W_T)):
        text = t.text
        if not text or ("\n" not in text and "\t" not in text):
            continue
        run = parent_of(t)
        rpr = run.find(qn("w:rPr"))
        pieces = text.split("\t")
        last = _break_lines(t, pieces[0])
        for piece in pieces[1:]:
            tab_run = element("w:r")
            next_run = element("w:r")
            for target in (tab_run, next_run):
                if rpr is not None:
                    target.append(copy.deepcopy(rpr))
            sub(tab_run, "w:tab")
            first = sub(next_run, "w:t", {"xml:space": "preserve"})
            for rest in list(last.itersiblings()):
                next_run.append(rest)  # what followed the tab moves to the run after it
            run.addnext(tab_run)
            tab_run.addnext(next_run)
            run = next_run
            last = _break_lines(first, piece)


def _break_lines(t: Element, text: str) -> Element:
    """Put ``text`` in ``t``, with a w:br and a new w:t for each line after the first."""
    lines = text.split("\n")
    t.text = lines[0]
    last = t
    for line in lines[1:]:
        br = element("w:br")
        nxt = element("w:t", {"xml:space": "preserve"}, line)
        last.addnext(br)
        br.addnext(nxt)
        last = nxt
    return last


def fit_table_grids(root: Element) -> None:
    """Grid columns that match the rows, keeping the table's width (docxtpl's fix_tables:
    a column loop can leave more or fewer cells than the template's grid)."""
    for tbl in root.iter(W_TBL):
        grid = tbl.find(qn("w:tblGrid"))
        if grid is None:
            continue
        # A column without a width (Word never writes one, other tools may) counts as 0.
        columns = grid.findall(qn("w:gridCol"))
        rows = [physical_cells(tr) for tr in tbl.iter(W_TR)]
        most = max((len(cells) for cells in rows), default=0)
        to_add = most - len(columns)
        width = sum(_grid_width(c) for c in columns)
        if to_add > 0 and width > 0:
            old, new = width / len(columns), width / (len(columns) + to_add)
            for c in columns:
                c.set(qn("w:w"), str(int(_grid_width(c) * new / old)))
            for _ in range(to_add):
                sub(grid, "w:gridCol", {"w:w": str(int(new))})
            columns = grid.findall(qn("w:gridCol"))
        spanned = max((sum(grid_span(tc) for tc in cells) for cells in rows), default=0)
        to_remove = len(columns) - spanned
        if to_remove > 0:
            removed = 0.0
            for c in columns[-to_remove:]:
                removed += _grid_width(c)
                grid.remove(c)
            left = grid.findall(qn("w:gridCol"))
            extra = int(removed / len(left)) if left else 0
            for c in left:
                c.set(qn("w:w"), str(int(_grid_width(c) + extra)))


def _grid_width(grid_col: Element) -> float:
    try:
        return float(grid_col.get(qn("w:w")) or 0)
    except ValueError:
        return 0.0


def renumber_drawings(root: Element) -> None:
    """Fresh ids for the template's drawings (docxtpl's fix_docpr_ids: a loop copies them)."""
    for number, doc_pr in enumerate(root.iter(qn("wp:docPr")), start=FIRST_DRAWING_ID + 1):
        doc_pr.set("id", str(number))


class Document:
    """One report being rendered: the package, the document tree and the body."""

    def __init__(self, prepared: PreparedTemplate):
        self.prepared = prepared
        self.package = Package(prepared.parts)
        self.part = prepared.document
        self._filled: tuple[Element, Element] | None = None  # the document's tree, its w:body
        self.comments: tuple[str, Element] | None = None  # the comments part: its name, its tree

    @property
    def root(self) -> Element:
        """The document part's tree (once filled)."""
        return self._tree()[0]

    @property
    def body(self) -> Element:
        """The document's w:body (once filled)."""
        return self._tree()[1]

    def _tree(self) -> tuple[Element, Element]:
        if self._filled is None:
            raise RuntimeError("the document is not filled yet: fill() comes first")
        return self._filled

    # -- filling -------------------------------------------------------------------------

    def fill(self, context: dict[str, Any]) -> None:
        """Jinja on the body and on every other part with tags, then docxtpl's after-steps."""
        # The rendered body goes back between the document's own head and tail as text:
        # parsed once, rather than moved into the document tree node by node.
        rendered = render_source(self.prepared.body, context)
        root = parse_rendered(self.prepared.head + rendered + self.prepared.tail)
        body = root.find(qn("w:body"))
        if body is None:  # template.py cut the body out of this part: it is there
            raise FormError("Word 範本的主文件沒有本文（w:body）")
        self._filled = (root, body)
        resolve_listing(body)
        fit_table_grids(body)
        renumber_drawings(body)
        for name, source in self.prepared.stories.items():
            story = parse_rendered(render_source(source, context))
            resolve_listing(story)
            self.package.parts[name] = serialize(story)
        for name, source in self.prepared.plain.items():
            self.package.parts[name] = serialize(parse_rendered(render_source(source, context)))

    # -- layout --------------------------------------------------------------------------

    def style_id(self, name: str) -> str | None:
        """The id of a style by the name Word shows."""
        return self.prepared.style_id(name)

    def tables_by_caption(self) -> dict[str, Element]:
        """Every table (nested ones too) that carries an id in its Alt Text title."""
        found = {}
        for tbl in self.body.iter(W_TBL):
            caption = caption_of(tbl)
            if caption is not None:
                found[caption] = tbl
        return found

    def apply_layout(self, layout: Layout) -> None:
        """Vertical merges, nested tables and the free-layout blocks."""
        for tc in self.body.iter(W_TC):
            # A paragraph loop that ran zero times leaves a cell without a paragraph,
            # and Word and LibreOffice then drop or reject the cell.
            if len(tc) == 0 or tc[-1].tag != W_P:
                sub(tc, "w:p")
        tables = self.tables_by_caption()

        def table(table_id: str) -> Element:
            if table_id not in tables:
                raise FormError(f"Word 範本中找不到表格「{table_id}」（表格替代文字標題）")
            return tables[table_id]

        def cell(table_id: str, row: int, column: int) -> Element:
            """A body cell of an official table (rows counted after its header rows)."""
            rows = table(table_id).findall(W_TR)
            try:
                return physical_cells(rows[layout.header_rows.get(table_id, 1) + row])[column]
            except IndexError as exc:
                # The template's table lost a column or its loop row (edited in Word).
                raise FormError(
                    f"Word 範本的表格「{table_id}」沒有第 {row + 1} 列第 {column + 1} 欄"
                    "，與表單的欄位不符（請檢查範本中此表的欄數及 {%tr %} 列）"
                ) from exc

        for merge in layout.merges:
            for index in range(merge.first, merge.last + 1):
                tc = cell(merge.table, index, merge.column)
                set_vmerge(tc, restart=index == merge.first)
                if index != merge.first:
                    clear_cell(tc)
        for nested in layout.nested:
            tc = cell(nested.table, nested.row, nested.column)
            tc.append(self._grid(nested.caption, [nested.header, *nested.rows], 1, _cell_width(tc)))
            sub(tc, "w:p")  # a cell must end with a paragraph
        self._place_blocks(layout.blocks, layout.bookmark, layout.typeset)
        self._typeset(layout)

    def _typeset(self, layout: Layout) -> None:
        """Widths, alignment, rows kept together, captions kept with their tables, landscape
        pages (pipeline/word/typeset.py), from the form's layout data."""
        headings = {self.style_id(f"Heading {n}"): n for n in range(1, 10)}
        levels = {sid: n for sid, n in headings.items() if sid}
        notes = {sid for sid in (self.style_id("Instruction"),) if sid}
        font_pt = self._font_pt("Table Text")
        tables = self.tables_by_caption()
        plans = {id(tbl): layout.tables.get(caption) for caption, tbl in tables.items()}
        portrait = typeset.page_of(typeset.body_section(self.body))
        landscape = {key for key, plan in plans.items() if plan is not None and plan.landscape}
        regions = typeset.landscape_regions(self.body, landscape, levels)
        turned = {id(tbl) for region in regions for tbl in region.tables}
        typeset.make_landscape(self.body, regions)
        seen: dict[tuple[str, bool], float] = {}  # lines measured, for all the tables
        for tbl in self.body.iter(W_TBL):  # outer tables first: a nested one fits its cell
            plan = plans.get(id(tbl)) or typeset.TablePlan(header_rows=0, numbers=True)
            page = portrait.turned() if id(tbl) in turned else portrait
            holder = parent_of(tbl)
            if holder.tag == W_TC:  # the width of its cell, inside the cell's margins
                outer = parent_of(parent_of(holder))
                inner = (_tc_twips(holder) or page.text_width) - typeset.cell_margin(outer)
                page = typeset.Page(inner, page.height, 0, 0, page.top, page.bottom)
            typeset.lay_out_table(tbl, plan, page, layout.tokens, font_pt, seen)
        typeset.keep_captions_with_tables(self.body, set(levels), notes)

    def _font_pt(self, style: str) -> float:
        """The font size of a style of the template (points; 10 when it says none)."""
        return self.prepared.font_size(style) or 10.0

    def _paragraph(self, text: str = "", style: str | None = None) -> Element:
        """A new ``w:p`` with ``text`` in one run (line breaks and tabs as Word's)."""
        p = element("w:p")
        style_id = self.style_id(style) if style else None
        if style_id:
            sub(sub(p, "w:pPr"), "w:pStyle", {"w:val": style_id})
        if text:
            _add_text_run(p, text)
        return p

    def _grid(
        self,
        caption: str,
        rows: Sequence[Sequence[str]],
        header_rows: int,
        width: int,
        widths: list[int] | None = None,
    ) -> Element:
        """A centred 'Table Grid' table of text cells, its first rows repeated as headers.

        ``width`` (EMU) is shared evenly unless ``widths`` gives each column's."""
        columns = max((len(r) for r in rows), default=0)
        fixed = widths is not None
        widths = widths or [width // columns] * columns
        tbl = element("w:tbl")
        tbl_pr = sub(tbl, "w:tblPr")
        grid_style = self.style_id("Table Grid")
        if grid_style:
            sub(tbl_pr, "w:tblStyle", {"w:val": grid_style})
        sub(tbl_pr, "w:tblW", {"w:type": "auto", "w:w": "0"})
        sub(tbl_pr, "w:jc", {"w:val": "center"})
        if fixed:
            sub(tbl_pr, "w:tblLayout", {"w:type": "fixed"})
        sub(
            tbl_pr,
            "w:tblLook",
            {
                "w:firstColumn": "1",
                "w:firstRow": "1",
                "w:lastColumn": "0",
                "w:lastRow": "0",
                "w:noHBand": "0",
                "w:noVBand": "1",
                "w:val": "04A0",
            },
        )
        set_table_caption(tbl, caption)
        grid = sub(tbl, "w:tblGrid")
        twips = [str(round(w / EMU_PER_TWIP)) for w in widths]
        for w in twips:
            sub(grid, "w:gridCol", {"w:w": w})
        styles = (self.style_id("Table Heading"), self.style_id("Table Text"))
        for r, values in enumerate(rows):
            tr = sub(tbl, "w:tr")
            if r < header_rows:
                mark_header_row(tr)
            style_id = styles[0] if r < header_rows else styles[1]
            for c in range(columns):
                tc = sub(tr, "w:tc")
                sub(sub(tc, "w:tcPr"), "w:tcW", {"w:type": "dxa", "w:w": twips[c]})
                text = str(values[c]) if c < len(values) else ""
                for line in text.split("\n"):
                    p = sub(tc, "w:p")
                    if style_id:
                        sub(sub(p, "w:pPr"), "w:pStyle", {"w:val": style_id})
                    if line:
                        _add_text_run(p, line)
        return tbl

    def _bookmarked(self, name: str) -> Element | None:
        for start in self.body.iter(qn("w:bookmarkStart")):
            paragraph = start.getparent()
            if start.get(qn("w:name")) == name and paragraph is not None and paragraph.tag == W_P:
                return paragraph
        return None

    def _place_blocks(self, blocks: tuple[Block, ...], bookmark: str, style: Typeset | None = None) -> None:
        anchor = self._bookmarked(bookmark)
        if anchor is None:
            if blocks:
                raise FormError(f"Word 範本中找不到書籤「{bookmark}」（成果說明的位置）")
            return
        style = style or Typeset()
        drawing_ids = self._drawing_ids()
        lists = typeset.ListStyle.of(style.list_levels, style.list_indent_em, self._font_pt("List Paragraph"))
        box = (int(style.picture_width_cm * EMU_PER_CM), int(style.picture_height_cm * EMU_PER_CM))
        caption = None  # the paragraph just placed: a picture after it keeps it on its page
        for block in blocks:
            if block.kind == "table" and block.table is not None:
                self._place_table(anchor, block.table, block.header_rows, block.caption)
                caption = None
            elif block.kind == "image":
                if block.image is not None and block.image.is_file():
                    if caption is not None:
                        typeset.keep_with_next(caption)
                    anchor.addprevious(self._picture_paragraph(block.image, drawing_ids, box))
                caption = None
            else:
                for text in block.paragraphs:
                    caption = self._paragraph(text, block.style)
                    if block.listed:
                        typeset.indent_paragraph(caption, *lists.indent(text))
                    if typeset.introduces(text):
                        typeset.keep_with_next(caption)
                    anchor.addprevious(caption)

    def _place_table(self, anchor: Element, free: FreeTable, header_rows: int, caption: str) -> None:
        if not max((len(r) for r in free.cells), default=0):
            return
        tbl = self._grid(caption, free.cells, header_rows, TEXT_WIDTH, _proportional_widths(free.cells))
        _merge_cells(tbl, free.merges)
        set_table_description(tbl, free.name)  # the sheet it came from, for `report pull`
        anchor.addprevious(tbl)
        anchor.addprevious(element("w:p"))

    def _drawing_ids(self) -> Iterator[int]:
        """Fresh drawing ids, after every numeric id already in the document."""
        used = _numeric_values(self.body, "//@id")
        return itertools.count(max(used, default=FIRST_DRAWING_ID) + 1)

    def _picture_paragraph(
        self, path: Path, drawing_ids: Iterator[int], box: tuple[int, int] = (MAX_IMAGE_WIDTH, MAX_IMAGE_HEIGHT)
    ) -> Element:
        """A centred paragraph with the picture, scaled down to fit ``box`` (EMU), its file
        name as alt text; an unusable file is named in its place (the checks report it)."""
        try:
            picture = read_picture(path)
        except UnusablePicture:
            return self._paragraph(f"〔圖片無法放入：{path.name}〕")
        rid = self._add_media(picture)
        p = element("w:p")
        typeset.align_paragraph(p, "center")
        inline = _inline_picture(next(drawing_ids), rid, path.name, picture, box)
        sub(sub(p, "w:r"), "w:drawing").append(inline)
        return p

    def _add_media(self, picture: Picture) -> str:
        """The picture as a media part related to the document (one part per distinct image)."""
        digest = hashlib.sha1(picture.blob).digest()
        for rid, reltype, target in self.package.relationships(self.part):
            if reltype == RT_IMAGE and hashlib.sha1(self.package.parts.get(target, b"")).digest() == digest:
                return rid
        name = self.package.unused_name("word/media/image%d." + picture.extension)
        self.package.add_media(name, picture.blob, picture.content_type)
        return self.package.relate(self.part, RT_IMAGE, name)

    # -- comments ------------------------------------------------------------------------

    def add_comments(self, findings: list[Finding], tables: dict[str, TableSpec]) -> None:
        """Each finding as a Word comment anchored at the cell or paragraph concerned."""
        found = self.tables_by_caption()
        comments = self._comments_root()
        # Comments share their ids with the other annotations (bookmarks, tracked changes).
        used = _numeric_values(self.body, "//@w:id") + _numeric_values(comments, "w:comment/@w:id")
        ids = itertools.count(max(used, default=-1) + 1)
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for finding in findings:
            paragraph = self._anchor_paragraph(finding, tables, found)
            text = f"[{finding.severity.label}] {finding.heading}：{finding.message}"
            if finding.source is not None:
                text += f"（來源：{finding.source}）"
            comment_id = str(next(ids))
            # A message may quote a file name, which can hold characters XML cannot.
            comments.append(self._comment(comment_id, strip_forbidden(text), date))
            runs = paragraph.findall(W_R) or [sub(paragraph, "w:r")]
            runs[0].addprevious(element("w:commentRangeStart", {"w:id": comment_id}))
            reference = element("w:r")
            sub(sub(reference, "w:rPr"), "w:rStyle", {"w:val": "CommentReference"})
            sub(reference, "w:commentReference", {"w:id": comment_id})
            runs[-1].addnext(reference)
            runs[-1].addnext(element("w:commentRangeEnd", {"w:id": comment_id}))

    def _comments_root(self) -> Element:
        if self.comments is not None:
            return self.comments[1]
        for _rid, reltype, target in self.package.relationships(self.part):
            if reltype == RT_COMMENTS and target in self.package.parts:
                self.comments = (target, parse(self.package.parts[target]))
                return self.comments[1]
        name = "word/comments.xml"
        if name in self.package.parts:  # a stray part no relationship points to
            name = self.package.unused_name("word/comments%d.xml")
        root = etree.Element(qn("w:comments"), nsmap={"w": NS["w"]})
        self.package.add_part(name, b"", CT_COMMENTS)
        self.package.relate(self.part, RT_COMMENTS, name)
        self.comments = (name, root)
        return root

    def _comment(self, comment_id: str, text: str, date: str) -> Element:
        comment = element(
            "w:comment",
            {"w:id": comment_id, "w:author": COMMENT_AUTHOR, "w:date": date, "w:initials": COMMENT_INITIALS},
        )
        for number, line in enumerate(text.split("\n")):
            p = sub(comment, "w:p")
            sub(sub(p, "w:pPr"), "w:pStyle", {"w:val": "CommentText"})
            if number == 0:
                mark = sub(p, "w:r")
                sub(sub(mark, "w:rPr"), "w:rStyle", {"w:val": "CommentReference"})
                sub(mark, "w:annotationRef")
            if line:
                _add_text_run(p, line)
        return comment

    def _anchor_paragraph(self, finding: Finding, tables: dict[str, TableSpec], found: dict[str, Element]) -> Element:
        """The paragraph a finding is shown at: its table cell, else its section heading."""
        target = finding.target
        tbl = found.get(target.table or "")
        spec = tables.get(target.table or "")
        if tbl is not None and spec is not None:
            rows = tbl.findall(W_TR)
            row, col = spec.cell_of(target.column, target.row)
            body_rows = len(rows) - spec.header_rows
            index = spec.header_rows + row if row is not None and row < body_rows else len(rows) - 1
            cells = physical_cells(rows[index])
            tc = _merge_origin(rows, index, cells[min(col, len(cells) - 1)])
            paragraph = None if tc is None else tc.find(W_P)  # every cell has one (apply_layout)
            if paragraph is not None:
                return paragraph
        paragraphs = self.body.findall(W_P)
        if target.section:
            prefix = target.section + "、"
            heading = self.style_id("Heading 1")
            for p in paragraphs:
                style = p.find(qn("w:pPr") + "/" + qn("w:pStyle"))
                if style is not None and style.get(qn("w:val")) == heading and text_of(p).startswith(prefix):
                    return p
        return paragraphs[0]

    # -- saving --------------------------------------------------------------------------

    def save(self, out: Path, properties: dict[str, str], info: DocumentInfo | None = None) -> None:
        """Record the provenance (with the content fingerprint) and the document's own
        properties (``info``), and write ``out`` atomically."""
        self.package.parts[self.part] = serialize(self.root)
        if self.comments is not None:
            self.package.parts[self.comments[0]] = serialize(self.comments[1])
        set_properties(self.package, properties, package_fingerprint(self.package))
        if info is not None:
            set_document_info(self.package, info)
        with atomic_write(out) as tmp:
            self.package.save(tmp)


COMMENT_AUTHOR = "檢核程式"
COMMENT_INITIALS = "檢"


def _add_text_run(p: Element, text: str) -> None:
    """A run with ``text``: tabs and line breaks as Word's own elements."""
    run = sub(p, "w:r")
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            sub(run, "w:br")
        for tab_number, piece in enumerate(line.split("\t")):
            if tab_number:
                sub(run, "w:tab")
            if piece:
                t = sub(run, "w:t", text=piece)
                if piece != piece.strip():
                    t.set(XML_SPACE, "preserve")


def _numeric_values(node: Element, path: str) -> list[int]:
    """The numeric values of the attributes an XPath finds (ids: the others are not numbers)."""
    found = node.xpath(path, namespaces=NS)
    return [int(str(v)) for v in found if str(v).isdigit()] if isinstance(found, list) else []


def _tc_twips(tc: Element) -> int | None:
    """A cell's width in twips from its w:tcW (None when it gives none in twips)."""
    tc_w = tc.find(qn("w:tcPr") + "/" + qn("w:tcW"))
    if tc_w is None or tc_w.get(qn("w:type")) not in (None, "dxa"):
        return None
    try:
        return int(tc_w.get(qn("w:w"), ""))
    except ValueError:
        return None


def _cell_width(tc: Element) -> int:
    """A cell's width in EMU (one inch when it does not say, as python-docx assumed)."""
    twips = _tc_twips(tc)
    return 914400 if twips is None else twips * EMU_PER_TWIP


def _proportional_widths(cells: tuple[tuple[str, ...], ...]) -> list[int]:
    """Column widths (EMU) in proportion to their longest line (bounded), across the text."""
    width = max(len(r) for r in cells)
    weights = []
    for c in range(width):
        longest = max((len(line) for r in cells if c < len(r) for line in str(r[c]).split("\n")), default=1)
        weights.append(min(max(longest, 4), 24))
    total = sum(weights)
    return [int(TEXT_WIDTH * w / total) for w in weights]


def _tc_at(tr: Element, col: int) -> Element:
    """The cell of a row that covers grid column ``col``."""
    start = 0
    for tc in physical_cells(tr):
        span = grid_span(tc)
        if start <= col < start + span:
            return tc
        start += span
    raise IndexError(col)


def _merge_origin(rows: list[Element], index: int, tc: Element) -> Element | None:
    """The first cell of the merged area ``tc`` (in ``rows[index]``) belongs to; ``tc`` itself
    when it is not a continuation.  LibreOffice drops a comment anchored in a vertically
    continued cell, so comments go to the area's first cell (None: no such cell found)."""
    tc_pr = tc.find(qn("w:tcPr"))
    vmerge = None if tc_pr is None else tc_pr.find(qn("w:vMerge"))
    if vmerge is None or vmerge.get(qn("w:val")) == "restart":
        return tc
    column = 0
    for cell in physical_cells(rows[index]):
        if cell is tc:
            break
        column += grid_span(cell)
    for above in reversed(rows[:index]):
        try:
            cell = _tc_at(above, column)
        except IndexError:
            return None
        cell_pr = cell.find(qn("w:tcPr"))
        merge = None if cell_pr is None else cell_pr.find(qn("w:vMerge"))
        if merge is None:
            return None  # a continuation without a start: the section heading instead
        if merge.get(qn("w:val")) == "restart":
            return cell
    return None


Area = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


def _merge_areas(merges: Iterable[Area], height: int, width: int) -> list[Area]:
    """The sheet's merges as disjoint rectangles of a ``height`` × ``width`` table: each one
    clipped to the table (its blank last rows are not kept), and overlapping ones joined
    into the rectangle around them, as Word's own merge (and python-docx's) does."""
    areas: list[Area] = []  # pairwise disjoint
    for r1, c1, r2, c2 in merges:
        (r1, r2), (c1, c2) = sorted((r1, r2)), sorted((c1, c2))
        if r1 >= height or c1 >= width:
            continue
        area = (r1, c1, min(r2, height - 1), min(c2, width - 1))
        while True:
            hit = next(
                (
                    i
                    for i, b in enumerate(areas)
                    if area[0] <= b[2] and b[0] <= area[2] and area[1] <= b[3] and b[1] <= area[3]
                ),
                None,
            )
            if hit is None:
                break
            b = areas.pop(hit)  # the rectangle around both may meet yet another one
            area = (min(area[0], b[0]), min(area[1], b[1]), max(area[2], b[2]), max(area[3], b[3]))
        areas.append(area)
    return [a for a in areas if a[:2] != a[2:]]


def _merge_cells(tbl: Element, merges: Iterable[Area]) -> None:
    """Merge each (r1, c1, r2, c2) rectangle: the top-left cell spans it and keeps the text
    of all its cells; the rows below continue a vertical merge."""
    rows = tbl.findall(W_TR)
    width = len(tbl.findall(qn("w:tblGrid") + "/" + qn("w:gridCol")))
    for r1, c1, r2, c2 in _merge_areas(merges, len(rows), width):
        # An area without text keeps its first paragraph, and so the table's paragraph style.
        blank = _tc_at(rows[r1], c1).find(W_P)
        kept = []
        for r in range(r1, r2 + 1):
            first = _tc_at(rows[r], c1)
            span_cells = [first]
            while sum(grid_span(tc) for tc in span_cells) < c2 - c1 + 1:
                following = span_cells[-1].getnext()
                if following is None:  # _grid made every cell and _merge_areas stays inside
                    raise ValueError(f"row {r} has no cell at column {c2}")
                span_cells.append(following)
            kept += [p for tc in span_cells for p in tc.findall(W_P) if text_of(p).strip()]
            total = sum(_tc_twips(tc) or 0 for tc in span_cells)
            for extra in span_cells[1:]:
                rows[r].remove(extra)
            tc_pr = tc_properties(first)
            tc_w = ensure_child(tc_pr, "w:tcW")
            tc_w.set(qn("w:type"), "dxa")
            tc_w.set(qn("w:w"), str(total))
            if c2 > c1:
                ensure_child(tc_pr, "w:gridSpan").set(qn("w:val"), str(c2 - c1 + 1))
            if r2 > r1:
                set_vmerge(first, restart=r == r1)
            for p in first.findall(W_P):
                first.remove(p)
        top = _tc_at(rows[r1], c1)
        for p in kept or [blank if blank is not None else element("w:p")]:
            top.append(p)
        for r in range(r1 + 1, r2 + 1):
            below = _tc_at(rows[r], c1)
            if below.find(W_P) is None:
                sub(below, "w:p")


def _inline_picture(
    drawing_id: int,
    rid: str,
    filename: str,
    picture: Picture,
    box: tuple[int, int] = (MAX_IMAGE_WIDTH, MAX_IMAGE_HEIGHT),
) -> Element:
    """A ``wp:inline`` picture at its natural size, scaled down to fit ``box`` (EMU: Word cuts
    off what runs past the page), with its file name as alt text, as python-docx and Word write it."""
    natural = (round(picture.width_in * EMU_PER_INCH), round(picture.height_in * EMU_PER_INCH))
    cx, cy = picture.fit(max(1, min(box[0], natural[0])), max(1, min(box[1], natural[1])))
    # The usual prefixes declared here: lxml would otherwise invent ns0, ns1, … for them.
    inline = etree.Element(qn("wp:inline"), nsmap={p: NS[p] for p in ("wp", "a", "pic", "r")})
    sub(inline, "wp:extent", {"cx": str(cx), "cy": str(cy)})
    alt = Path(filename).stem
    sub(inline, "wp:docPr", {"id": str(drawing_id), "name": f"Picture {drawing_id}", "descr": alt})
    sub(sub(inline, "wp:cNvGraphicFramePr"), "a:graphicFrameLocks", {"noChangeAspect": "1"})
    data = sub(sub(inline, "a:graphic"), "a:graphicData", {"uri": NS["pic"]})
    pic = sub(data, "pic:pic")
    nv = sub(pic, "pic:nvPicPr")
    sub(nv, "pic:cNvPr", {"id": "0", "name": filename})
    sub(nv, "pic:cNvPicPr")
    fill = sub(pic, "pic:blipFill")
    sub(fill, "a:blip", {"r:embed": rid})
    sub(sub(fill, "a:stretch"), "a:fillRect")
    shape = sub(pic, "pic:spPr")
    xfrm = sub(shape, "a:xfrm")
    sub(xfrm, "a:off", {"x": "0", "y": "0"})
    sub(xfrm, "a:ext", {"cx": str(cx), "cy": str(cy)})
    sub(shape, "a:prstGeom", {"prst": "rect"}).append(element("a:avLst"))
    return inline
