"""A report read back into a neutral document model, whichever program saved it.

A report comes back from reviewers as .docx (saved by this program, Word,
python-docx or LibreOffice) or as .odt (LibreOffice, the NDC's ODF tools).  Both
are read here, with lxml on the bounded package reader, into the same plain
blocks: paragraphs (text, style, outline level, pictures, bookmarks, comments)
and tables (rows of cells with their spans and vertical merges, header-row
flags, Alt Text).  ``diff``, ``extract`` and ``pull`` work on this model only.

The form's official tables are found by their Alt Text title (``w:tblCaption``)
when it is there; LibreOffice drops it, so otherwise by their header rows, whose
text is read from the Word template (and, for a table the template does not
hold, from the form's column headers).  Tables that share header rows are
matched in document order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.errors import InputError
from pipeline.form.spec import Form
from pipeline.inputs.values import fold
from pipeline.office import wml
from pipeline.office.opc import RT_COMMENTS, RT_STYLES, Element, Package, qn

DOCX_MAIN = "word/document.xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
MAX_CELLS = 500_000  # grid cells in one report; the sample has under 2,000
WHAT = "Word（.docx）或 ODF 文字文件（.odt）"

# -- the model ------------------------------------------------------------------------------------


@dataclass
class Image:
    """A picture placed in a paragraph."""

    name: str  # the picture's own name (the file name, when this program placed it)
    part: str  # where the package stores its bytes (its extension tells the type)
    data: bytes = field(repr=False)


@dataclass
class Paragraph:
    """One paragraph: its text as a reader sees it and what it carries."""

    text: str
    style: str  # the style id as in .docx ("Heading1"); an .odt style as LibreOffice names it in .docx
    level: int | None  # outline level 1–9 of a heading; None for body text
    images: list[Image] = field(default_factory=list)
    bookmarks: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # the texts of comments anchored here
    element: Element | None = field(default=None, repr=False, compare=False)


@dataclass
class Cell:
    """One cell as stored: a cell spanning columns once (``span``); a cell under the top
    of a vertical merge is ``continued``."""

    paragraphs: list[Paragraph]
    span: int = 1
    continued: bool = False
    tables: list[Table] = field(default_factory=list)  # tables nested in the cell
    element: Element | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The cell's paragraphs, one per line."""
        return "\n".join(p.text for p in self.paragraphs)


@dataclass
class Row:
    """One table row; ``header`` when it repeats at the top of each page."""

    cells: list[Cell]
    header: bool = False
    before: int = 0  # grid columns left empty before the first cell (w:gridBefore)
    element: Element | None = field(default=None, repr=False, compare=False)


@dataclass
class Table:
    """A table; ``id`` is the form's table id once the table is identified."""

    rows: list[Row]
    caption: str | None = None  # Alt Text title (w:tblCaption)
    description: str | None = None  # Alt Text description (w:tblDescription)
    id: str | None = None
    element: Element | None = field(default=None, repr=False, compare=False)

    def grid(self) -> list[list[str]]:
        """The table as rows of grid columns: a spanned or vertically continued cell gives ""."""
        out = []
        for row in self.rows:
            texts = [""] * row.before
            for cell in row.cells:
                texts.append("" if cell.continued else cell.text)
                texts.extend([""] * (cell.span - 1))
            out.append(texts)
        return out

    def merges(self) -> list[tuple[int, int, int, int]]:
        """The merged areas (first row, first column, last row, last column of the grid,
        0-based): a cell spanning columns, a vertical merge with the cells continuing it."""
        areas: list[list[int]] = []
        above: dict[int, list[int]] = {}  # grid column → the area a continued cell there extends
        for r, row in enumerate(self.rows):
            col = row.before
            for cell in row.cells:
                area = above.get(col) if cell.continued else None
                if area is not None:
                    area[2] = r
                else:
                    area = [r, col, r, col + cell.span - 1]
                    areas.append(area)
                    above[col] = area
                col += cell.span
        return [(r1, c1, r2, c2) for r1, c1, r2, c2 in areas if (r1, c1) != (r2, c2)]

    def tables(self) -> Iterator[Table]:
        """This table and the tables nested in it, in document order."""
        yield self
        for row in self.rows:
            for cell in row.cells:
                for nested in cell.tables:
                    yield from nested.tables()


Block = Paragraph | Table


@dataclass
class Document:
    """A report as body blocks in order, with its identified official tables."""

    path: Path
    kind: str  # "docx" or "odt"
    blocks: list[Block]
    package: Package = field(repr=False)
    part: str = ""  # the part holding the body (word/document.xml, content.xml)
    tables: dict[str, Table] = field(default_factory=dict)  # official tables by the form's id

    def paragraphs(self) -> list[Paragraph]:
        """The body's paragraphs outside tables, in order."""
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def all_tables(self) -> list[Table]:
        """Every table, nested ones too, in document order."""
        return [t for b in self.blocks if isinstance(b, Table) for t in b.tables()]

    def free_tables(self) -> list[Table]:
        """The tables that are not official ones (the free-layout part's), in order."""
        return [t for t in self.all_tables() if t.id is None]


# -- reading ------------------------------------------------------------------------------------


def read_document(path: Path | str, form: Form | None = None) -> Document:
    """Read a .docx or .odt report (InputError naming the file when it cannot be used).

    With ``form``, the official tables are identified (by caption, else by header rows);
    without it, only by their captions."""
    path = Path(path)
    package = Package.read(path, what=WHAT)
    mimetype = package.parts.get("mimetype", b"").strip()
    if mimetype == ODT_MIMETYPE or ("content.xml" in package.parts and DOCX_MAIN not in package.parts):
        if mimetype and mimetype != ODT_MIMETYPE:
            raise InputError(f"{path.name} 不是{WHAT}（是其他 ODF 文件：{mimetype.decode('ascii', 'replace')}）")
        document = _OdtReader(path, package).read()
    else:
        main = package.main_part() or DOCX_MAIN
        if main not in package.parts:
            raise InputError(f"{path.name} 不是{WHAT}（找不到文件本文）")
        document = _DocxReader(path, package, main).read()
    if form is not None:
        identify_tables(document, form)
    return document


class _Budget:
    """Counts grid cells as they are read: a file with absurd tables is refused, not built."""

    def __init__(self, name: str):
        self.name, self.left = name, MAX_CELLS

    def take(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise InputError(f"{self.name} 的表格儲存格數量異常龐大（超過 {MAX_CELLS:,} 格），已拒絕讀取")


# -- .docx --------------------------------------------------------------------------------------


class _DocxReader:
    def __init__(self, path: Path, package: Package, main: str):
        self.path, self.package, self.main = path, package, main
        self.budget = _Budget(path.name)
        self.styles: dict[str, tuple[str | None, int | None]] = {}  # id → (based on, outline level)
        self.default_style = "Normal"
        self.comments: dict[str, str] = {}
        for _rid, reltype, target in package.relationships(main):
            if reltype == RT_STYLES and package.has(target):
                self._read_styles(package.xml(target))
            elif reltype == RT_COMMENTS and package.has(target):
                for comment in package.xml(target).iter(qn("w:comment")):
                    texts = [wml.paragraph_text(p) for p in comment.iter(qn("w:p"))]
                    self.comments[comment.get(qn("w:id"), "")] = "\n".join(texts)

    def _read_styles(self, root: Element) -> None:
        for style in root.iter(qn("w:style")):
            if style.get(qn("w:type")) != "paragraph":
                continue
            style_id = style.get(qn("w:styleId"), "")
            based = style.find(qn("w:basedOn"))
            level = style.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
            self.styles[style_id] = (
                None if based is None else based.get(qn("w:val")),
                None if level is None else _outline(level.get(qn("w:val"))),
            )
            if style.get(qn("w:default")) in ("1", "true", "on"):
                self.default_style = style_id

    def _style_level(self, style_id: str) -> int | None:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            based, level = self.styles.get(style_id, (None, None))
            if level is not None:
                return level if level > 0 else None
            style_id = based or ""
        return None

    def read(self) -> Document:
        root = self.package.xml(self.main)
        body = root.find(qn("w:body"))
        if root.tag != qn("w:document") or body is None:
            raise InputError(f"{self.path.name} 不是{WHAT}（文件本文是空的）")
        return Document(self.path, "docx", list(self.blocks(body)), self.package, self.main)

    def blocks(self, container: Element) -> Iterator[Block]:
        for child in container:
            if child.tag == qn("w:p") and _only_a_section_break(child):
                continue  # a page-layout marker, not text (LibreOffice drops it when it saves)
            if child.tag == qn("w:p"):
                yield self.paragraph(child)
            elif child.tag == qn("w:tbl"):
                yield self.table(child)
            elif child.tag in (qn("w:sdt"), qn("w:customXml")):
                content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
                if content is not None:
                    yield from self.blocks(content)

    def paragraph(self, p: Element) -> Paragraph:
        ppr = p.find(qn("w:pPr"))
        style_el = None if ppr is None else ppr.find(qn("w:pStyle"))
        style = self.default_style if style_el is None else style_el.get(qn("w:val"), self.default_style)
        own = None if ppr is None else ppr.find(qn("w:outlineLvl"))
        level = self._style_level(style) if own is None else _outline(own.get(qn("w:val")))
        return Paragraph(
            wml.paragraph_text(p),
            style,
            level or None,
            self.images(p),
            list(dict.fromkeys(b.get(qn("w:name"), "") for b in p.iter(qn("w:bookmarkStart")))),
            [
                self.comments[r.get(qn("w:id"), "")]
                for r in p.iter(qn("w:commentReference"))
                if r.get(qn("w:id"), "") in self.comments
            ],
            p,
        )

    def images(self, p: Element) -> list[Image]:
        found = []
        for blip in p.iter(qn("a:blip"), "{urn:schemas-microsoft-com:vml}imagedata"):
            if any(a.tag == qn("mc:Fallback") for a in blip.iterancestors()):
                continue  # the same picture again, for older programs
            rid = blip.get(qn("r:embed")) or blip.get(qn("r:id")) or ""
            part = self.package.related(self.main, rid)
            if part is None or not self.package.has(part):
                continue
            names = [el.get("name", "") for el in _drawing_names(blip)]
            found.append(Image(next((n for n in names if n), ""), part, self.package.parts.get(part, b"")))
        return found

    def table(self, tbl: Element) -> Table:
        trs = list(wml.content_children(tbl, "w:tr"))
        widest = max((sum(1 for _ in wml.content_children(tr, "w:tc")) for tr in trs), default=0)
        width = min(max(wml.grid_columns(tbl), widest, 1), wml.MAX_GRID_COLUMNS)
        rows = []
        for tr in trs:
            trpr = tr.find(qn("w:trPr"))
            before_el = None if trpr is None else trpr.find(qn("w:gridBefore"))
            before = 0 if before_el is None else _bounded_int(before_el.get(qn("w:val")), width - 1)
            cells: list[Cell] = []
            col = before
            for tc in wml.content_children(tr, "w:tc"):
                span = wml.grid_span(tc, max(width - col, 1))
                if wml.hmerge(tc) == "continue" and cells:  # an old-style span: the cell before widens
                    cells[-1].span += span
                else:
                    cells.append(_cell(list(self.blocks(tc)), span, wml.vmerge(tc) == "continue", tc))
                col += span
            self.budget.take(max(col, 1))
            rows.append(Row(cells, wml.is_header_row(tr), before, tr))
        return Table(rows, wml.caption_of(tbl), wml.description_of(tbl), None, tbl)


def _cell(blocks: list[Block], span: int, continued: bool, element: Element) -> Cell:
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    return Cell(paragraphs, span, continued, [b for b in blocks if isinstance(b, Table)], element)


def _drawing_names(blip: Element) -> list[Element]:
    """The names a picture is known by, nearest first: pic:cNvPr, then wp:docPr."""
    names: list[Element] = []
    for ancestor in blip.iterancestors():
        if ancestor.tag == qn("pic:pic"):
            names.extend(ancestor.iter(qn("pic:cNvPr")))
        elif ancestor.tag in (qn("wp:inline"), qn("wp:anchor")):
            names.extend(ancestor.iterchildren(qn("wp:docPr")))
            break
    return names


def _owner(node: Element, tag: str) -> Element | None:
    """The nearest ancestor of ``node`` with ``tag``."""
    return next(node.iterancestors(tag), None)


def _outline(value: str | None) -> int | None:
    """w:outlineLvl (0-based; 9 is body text) as a 1-based level, 0 for body text."""
    return int(value) + 1 if value and value.isdigit() and int(value) < 9 else 0


def _bounded_int(value: str | None, limit: int, default: int = 0) -> int:
    if not value or not value.isascii() or not value.isdigit():
        return default
    return max(0, min(int(value) if len(value) <= 9 else limit, limit))


# -- .odt ---------------------------------------------------------------------------------------

ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
}


def on(tag: str) -> str:
    """Clark notation for an ODF name: ``text:p`` → ``{urn:…:text:1.0}p``."""
    prefix, local = tag.split(":")
    return f"{{{ODF[prefix]}}}{local}"


T_P, T_H, T_S, T_TAB, T_BREAK = (on(t) for t in ("text:p", "text:h", "text:s", "text:tab", "text:line-break"))
# What holds paragraphs and tables in the flow of the text: lists, sections, indexes.
_ODF_CONTAINERS = frozenset(
    on(f"text:{name}")
    for name in (
        "list", "list-item", "list-header", "section", "index-body", "index-title", "table-of-content",
        "illustration-index", "table-index", "object-index", "user-index", "alphabetical-index", "bibliography",
    )
)  # fmt: skip
TABLE, ROW = on("table:table"), on("table:table-row")
CELL, COVERED = on("table:table-cell"), on("table:covered-table-cell")
ANNOTATION = on("office:annotation")
# Inline content that is not the paragraph's own text (as the .docx reader skips text boxes,
# notes and comments): frames and shapes, notes, annotations, ruby annotations.
_ODF_NOT_TEXT = frozenset(
    {ANNOTATION, on("office:annotation-end"), on("text:note"), on("text:ruby-text"), on("text:bookmark-ref")}
)
_ODF_SPACE = re.compile(r"[ \t\r\n]+")


class _OdtReader:
    def __init__(self, path: Path, package: Package):
        self.path, self.package = path, package
        self.budget = _Budget(path.name)
        self.parents: dict[str, str] = {}  # style name → parent style name
        self.display: dict[str, str] = {}  # style name → display name
        self.levels: dict[str, int] = {}  # style name → default outline level
        self.automatic: set[str] = set()  # styles of single paragraphs (P1, P2, …), on a named one
        for part in ("styles.xml", "content.xml"):
            if package.has(part):
                root = package.xml(part)
                for style in root.iter(on("style:style")):
                    if style.get(on("style:family")) != "paragraph":
                        continue
                    name = style.get(on("style:name"), "")
                    holder = style.getparent()  # (the root is no style:style)
                    if holder is not None and holder.tag == on("office:automatic-styles"):
                        self.automatic.add(name)
                    parent = style.get(on("style:parent-style-name"))
                    if parent:
                        self.parents[name] = parent
                    self.display[name] = style.get(on("style:display-name")) or _odf_decode(name)
                    level = style.get(on("style:default-outline-level"), "")
                    if level.isdigit():
                        self.levels[name] = int(level)

    def read(self) -> Document:
        if not self.package.has("content.xml"):
            raise InputError(f"{self.path.name} 不是{WHAT}（缺少 content.xml）")
        root = self.package.xml("content.xml")
        text = root.find(f"{on('office:body')}/{on('office:text')}")
        if text is None:
            raise InputError(f"{self.path.name} 不是 ODF 文字文件（沒有本文）")
        return Document(self.path, "odt", list(self.blocks(text)), self.package, "content.xml")

    def blocks(self, container: Element) -> Iterator[Block]:
        for child in container:
            tag = child.tag
            if tag in (T_P, T_H):
                yield self.paragraph(child)
            elif tag == TABLE:
                yield self.table(child)
            elif tag in _ODF_CONTAINERS:
                yield from self.blocks(child)

    def style(self, name: str) -> tuple[str, int | None]:
        """A paragraph style as LibreOffice names it in .docx, and its outline level."""
        level = self.levels.get(name)
        seen = {name}
        while name in self.automatic and self.parents.get(name, name) not in seen:
            name = self.parents[name]
            seen.add(name)
            level = level or self.levels.get(name)
        return _docx_style_id(self.display.get(name, _odf_decode(name))), level or None

    def paragraph(self, p: Element) -> Paragraph:
        style, level = self.style(p.get(on("text:style-name"), "Standard"))
        if p.tag == T_H:
            raw = p.get(on("text:outline-level"), "1")
            level = int(raw) if raw.isdigit() and 0 < int(raw) <= 10 else 1
        images = []
        for image in p.iter(on("draw:image")):
            if _owner(image, ANNOTATION) is not None:
                continue
            href = image.get(on("xlink:href"), "")
            frame = _owner(image, on("draw:frame"))
            if href and not href.startswith(("http:", "https:", "file:", "/", "..")) and self.package.has(href):
                name = "" if frame is None else frame.get(on("draw:name"), "")
                images.append(Image(name, href, self.package.parts.get(href, b"")))
        marks = p.iter(on("text:bookmark"), on("text:bookmark-start"))
        bookmarks = list(dict.fromkeys(b.get(on("text:name"), "") for b in marks))
        comments = ["\n".join(_odf_text(q) for q in note.iter(T_P, T_H)) for note in p.iter(ANNOTATION)]
        return Paragraph(_odf_text(p), style, level, images, bookmarks, comments, p)

    def table(self, tbl: Element) -> Table:
        width = min(max(_column_count(tbl), 1), wml.MAX_GRID_COLUMNS)
        rows: list[Row] = []
        vertical: dict[int, tuple[int, int]] = {}  # grid column → (span, last row) of a merge from above
        for r, (tr, header) in enumerate(self.rows(tbl)):
            elements = []
            for child in tr:
                if child.tag in (CELL, COVERED):
                    repeat = _bounded_int(child.get(on("table:number-columns-repeated")), width, 1) or 1
                    elements.extend([child] * repeat)
                    if len(elements) > width * 4:  # far more than the table's columns: stop
                        break
            cells, col, i = [], 0, 0
            while i < len(elements) and col < wml.MAX_GRID_COLUMNS:
                el = elements[i]
                if el.tag == COVERED:
                    above = vertical.get(col)
                    span = above[0] if above is not None and above[1] >= r else 1
                    span = max(1, min(span, len(elements) - i))
                    cells.append(Cell([], span, True, [], el))
                else:
                    span = _bounded_int(el.get(on("table:number-columns-spanned")), max(width - col, 1), 1) or 1
                    down = _bounded_int(el.get(on("table:number-rows-spanned")), 1_000_000, 1) or 1
                    cells.append(_cell(list(self.blocks(el)), span, False, el))
                    if down > 1:
                        vertical[col] = (span, r + down - 1)
                i += span
                col += span
            self.budget.take(max(col, 1))
            rows.append(Row(cells, header, 0, tr))
        return Table(rows, None, None, None, tbl)

    def rows(self, tbl: Element, header: bool = False) -> Iterator[tuple[Element, bool]]:
        for child in tbl:
            if child.tag == ROW:
                repeat = _bounded_int(child.get(on("table:number-rows-repeated")), 10_000, 1) or 1
                for _ in range(repeat):
                    yield child, header
            elif child.tag == on("table:table-header-rows"):
                yield from self.rows(child, True)
            elif child.tag in (on("table:table-rows"), on("table:table-row-group")):
                yield from self.rows(child, header)


def _column_count(tbl: Element) -> int:
    count = 0
    for column in tbl.iter(on("table:table-column")):
        if _owner(column, TABLE) is tbl:
            count += _bounded_int(column.get(on("table:number-columns-repeated")), wml.MAX_GRID_COLUMNS, 1) or 1
    return count


def _odf_decode(name: str) -> str:
    """An ODF style name with its escapes undone: ``Heading_20_1`` → ``Heading 1``."""
    return re.sub(r"_([0-9A-Fa-f]{2})_", lambda m: chr(int(m.group(1), 16)), name)


# LibreOffice's own names for the styles Word calls otherwise (what its .docx export writes).
_ODF_TO_WORD = {"Standard": "Normal", "Default Paragraph Style": "Normal"}


def _docx_style_id(display: str) -> str:
    """The style id LibreOffice gives a paragraph style when it saves .docx: the display
    name without spaces and punctuation (``Heading 1`` → ``Heading1``)."""
    display = _ODF_TO_WORD.get(display, display)
    return "".join(ch for ch in display if ch.isalnum()) or display


def _odf_text(p: Element) -> str:
    """A paragraph's text as ODF defines it: runs of white space in the XML are one space
    (none at the start); ``text:s`` spaces, tabs and line breaks are kept."""
    out: list[str] = []
    state = {"space": True}  # True: a collapsible space would be dropped here

    def walk(node: Element) -> None:
        if node.text:
            add(node.text)
        for child in node:
            tag = child.tag
            if isinstance(tag, str) and tag not in _ODF_NOT_TEXT and not tag.startswith(f"{{{ODF['draw']}}}"):
                if tag == T_S:
                    count = _bounded_int(child.get(on("text:c")), 10_000, 1) or 1
                    out.append(" " * count)
                    state["space"] = False
                elif tag == T_TAB:
                    out.append("\t")
                    state["space"] = False
                elif tag == T_BREAK:
                    out.append("\n")
                    state["space"] = False
                else:
                    walk(child)
            if child.tail:
                add(child.tail)

    def add(text: str) -> None:
        collapsed = _ODF_SPACE.sub(" ", text)
        if collapsed.startswith(" ") and state["space"]:
            collapsed = collapsed[1:]
        if collapsed:
            out.append(collapsed)
            state["space"] = collapsed.endswith(" ")

    walk(p)
    return "".join(out)


# -- identifying the official tables --------------------------------------------------------------


Signature = tuple[tuple[str, ...], ...]


def header_signature(rows: list[list[str]]) -> Signature:
    """Header rows as compared: each cell's text folded (width, spaces, case)."""
    return tuple(tuple(fold(cell) for cell in row) for row in rows)


def table_signatures(form: Form) -> list[tuple[str, Signature]]:
    """Each official table's header rows, in the template's order: read from the Word
    template's tables (found there by caption); for a table the template does not hold
    (placed by the program inside another table's cell), from its header in form.yaml."""
    path = form.template_path
    stat = path.stat()
    template = _template_tables(str(path), stat.st_mtime_ns, stat.st_size)
    found: list[tuple[str, Signature]] = []
    for table_id, grid in template.items():
        spec = form.tables.get(table_id)
        if spec is not None and spec.header_rows > 0:
            found.append((table_id, header_signature(grid[: spec.header_rows])))
    for table_id, spec in form.tables.items():
        header = spec.header  # a table placed in another table's cell: its header row
        if table_id not in template and header and spec.header_rows == 1:
            found.append((table_id, header_signature([list(header)])))
    return found


@lru_cache(maxsize=4)
def _template_tables(path: str, _mtime: int, _size: int) -> dict[str, list[list[str]]]:
    """The Word template's captioned tables as grid rows (read once per template file)."""
    template = read_document(path)
    return {t.caption: t.grid() for t in template.all_tables() if t.caption}


def identify_tables(document: Document, form: Form) -> None:
    """Give each official table of ``document`` its id: by its caption when it carries one,
    else by its header rows (the first unmatched table id with the same header rows, in
    document order)."""
    tables = document.all_tables()
    for table in tables:
        if table.caption in form.tables and table.caption not in document.tables:
            table.id = table.caption
            document.tables[table.caption] = table
    signatures = [(i, s) for i, s in table_signatures(form) if i not in document.tables]
    for table in tables:
        if table.id is not None:
            continue
        grid = None
        for table_id, signature in signatures:
            if table_id in document.tables or len(table.rows) < len(signature):
                continue
            grid = grid or table.grid()
            if header_signature(grid[: len(signature)]) == signature:
                table.id = table_id
                document.tables[table_id] = table
                break


def docx_table(tbl: Element) -> Table:
    """One ``w:tbl`` element read on its own (no package: its pictures are not read)."""
    return _DocxReader(Path("table"), Package({}), "").table(tbl)


def _only_a_section_break(p: Element) -> bool:
    """An empty paragraph that only ends a section (a landscape page before or after it)."""
    return p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None and not any(node.tag != qn("w:pPr") for node in p)
