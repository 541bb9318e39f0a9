"""The Word template, prepared once by docxtpl and kept between builds.

docxtpl turns a Word document into Jinja source (its ``patch_xml``): tags that
Word split across runs are joined, ``{%tr %}``-style tags take their row,
paragraph or run with them, cell spans and merges become Jinja, and so on.  That
work depends only on the template file, so it is done here once per template and
cached on disk (see :mod:`pipeline.cache`), keyed by the template's bytes, the
code of docxtpl, of this module and of its package reader, and python-docx's
version.  A build then runs Jinja on the prepared source; the steps docxtpl
applies after Jinja are in :mod:`pipeline.word.render`, and a test renders the same
context through both and compares the documents.
"""

from __future__ import annotations

import re
from dataclasses import field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from pipeline import cache
from pipeline.errors import FormError, describe
from pipeline.frozen import Frozen, frozen
from pipeline.office import opc as ooxml
from pipeline.office.opc import (
    RT_CORE_PROPERTIES,
    RT_FOOTER,
    RT_FOOTNOTES,
    RT_HEADER,
    RT_OFFICE_DOCUMENT,
    RT_STYLES,
    Element,
    Package,
    parse,
    qn,
)

if TYPE_CHECKING:
    from pipeline.form.spec import Form

TAG_MARKS = (b"{{", b"{%", b"{#")
MARK = "body"  # a stand-in for the cleared body while the document is cut in two


@frozen
class PreparedTemplate(Frozen):
    """A template ready for Jinja: its parts, and the Jinja source of the parts with tags."""

    parts: dict[str, bytes]  # the template package, part name → bytes as stored
    document: str  # the main document part
    body: str  # Jinja source of the document's w:body (docxtpl-patched)
    head: str  # the document part's XML before its w:body …
    tail: str  # … and after it: a build parses head + rendered body + tail once
    stories: dict[str, str]  # header, footer and footnotes parts with tags → Jinja source
    plain: dict[str, str]  # other XML parts with tags (core properties) → Jinja source
    style_ids: dict[str, str]  # style name, lower case (as Word shows it) → style id
    font_sizes: dict[str, float] = field(default_factory=dict)  # style id → its font size (pt)
    # Each captioned table's grid columns (caption → count), read when the template is
    # prepared: checking them against the form's widths then needs no parse of the document.
    grid_columns: dict[str, int] = field(default_factory=dict)
    # What the body asks of its context (:func:`template_paths`), read when the template is
    # prepared: the values it places, each looped-over value's attributes, its tables' ids.
    asks: dict[str, list[str]] = field(default_factory=dict)  # "paths", "captions", "loop:<path>"

    def style_id(self, name: str) -> str | None:
        """The id of the style Word shows as ``name`` (None when the template lacks it)."""
        return self.style_ids.get(name.lower())

    def font_size(self, name: str) -> float | None:
        """The font size (points) of the style Word shows as ``name``, its own or inherited."""
        style_id = self.style_id(name)
        return self.font_sizes.get(style_id) if style_id else None


_MEMORY: dict[str, PreparedTemplate] = {}


def load_template(path: Path) -> PreparedTemplate:
    """The prepared template for ``path``: from memory, the disk cache, or docxtpl."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise FormError(f"無法開啟 Word 範本 {path}：{describe(exc)}") from exc
    entry = cache.key(blob, cache.code_of(*_code_files()))
    prepared = _MEMORY.get(entry)
    if prepared is None:
        made: list[PreparedTemplate] = []

        def make() -> dict[str, Any]:
            made.append(prepare(path))
            return _as_data(made[0])

        data = cache.remember("templates", entry, dict, make)
        prepared = made[0] if made else _from_data(data, path)
        _MEMORY.clear()  # one template per process is the norm; keep memory flat
        _MEMORY[entry] = prepared
    return prepared


def _as_data(prepared: PreparedTemplate) -> dict[str, Any]:
    """What the disk cache keeps of a prepared template: its Jinja sources (JSON data); the
    package parts are the template file's own, read again from it."""
    return {name: getattr(prepared, name) for name in _CACHED_FIELDS}


_CACHED_FIELDS = (
    "document", "body", "head", "tail", "stories", "plain", "style_ids", "font_sizes", "grid_columns", "asks",
)  # fmt: skip


def _from_data(data: dict[str, Any], path: Path) -> PreparedTemplate:
    """A prepared template from cached data and the template file's parts."""
    strings = all(isinstance(data.get(name), str) for name in ("document", "body", "head", "tail"))
    maps = all(
        isinstance(data.get(name), dict) and all(isinstance(v, str) for v in data[name].values())
        for name in ("stories", "plain", "style_ids")
    )
    sizes, columns, asks = data.get("font_sizes"), data.get("grid_columns"), data.get("asks")
    maps = maps and isinstance(sizes, dict) and all(isinstance(v, (int, float)) for v in sizes.values())
    maps = maps and isinstance(columns, dict) and all(type(v) is int for v in columns.values())
    maps = (
        maps
        and isinstance(asks, dict)
        and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in asks.values())
    )
    if not (strings and maps):  # not what this module stores: prepare again
        return prepare(path)
    try:
        parts = Package.read(path).parts
    except Exception as exc:  # as prepare() does: a damaged template is a form error
        raise FormError(f"無法開啟 Word 範本 {path}：{exc}") from exc
    return PreparedTemplate(parts, **{name: data[name] for name in _CACHED_FIELDS})


def _code_files() -> list[str]:
    """The code a prepared template depends on: this module, the package reader, docxtpl's
    own code and python-docx's version (found without importing them): new code prepares anew."""
    files = [__file__, ooxml.__file__]
    for package, module in (("docxtpl", "template.py"), ("docx", "__init__.py")):
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise FormError(f"找不到 {package} 套件，請先執行 make report 安裝")
        files.append(str(Path(spec.submodule_search_locations[0]) / module))
    return files


def _main_document(package: Package) -> str:
    for _rid, reltype, target in package.relationships(""):  # the package's own relationships
        if reltype == RT_OFFICE_DOCUMENT:
            return target
    raise FormError("Word 範本中找不到主文件（word/document.xml）")


def prepare(path: Path) -> PreparedTemplate:
    """Run docxtpl's clean-up on the document body and on every other part with tags."""
    from docxtpl import DocxTemplate  # only when the template is new or has changed

    try:
        package = Package.read(path)
        document = _main_document(package)
        tpl = DocxTemplate(str(path))
        tpl.init_docx()
    except Exception as exc:  # a bad zip, a missing part, bad XML: python-docx raises many kinds
        raise FormError(f"無法開啟 Word 範本 {path}：{describe(exc)}") from exc
    body = _for_jinja(tpl.patch_xml(tpl.get_xml()))
    head, tail = _around_body(package.parts[document])
    story_types = (RT_HEADER, RT_FOOTER, RT_FOOTNOTES)
    story_parts = {target for _rid, reltype, target in package.relationships(document) if reltype in story_types}
    # The core properties (title, subject, …) take tags too; other parts are left as they
    # are, as docxtpl leaves them.
    core_parts = {target for _rid, reltype, target in package.relationships("") if reltype == RT_CORE_PROPERTIES}
    stories, plain = {}, {}
    for name in sorted(story_parts | core_parts):
        blob = package.parts.get(name, b"")
        if not any(m in blob for m in TAG_MARKS):
            continue
        text = blob.decode("utf-8")
        if name in story_parts:
            stories[name] = _for_jinja(tpl.patch_xml(text))
        else:
            plain[name] = text
    styles = _styles_part(package, document)
    return PreparedTemplate(
        package.parts,
        document,
        body,
        head,
        tail,
        stories,
        plain,
        _style_ids(styles),
        _font_sizes(styles),
        _grid_columns(package.parts[document]),
        _asks(body),
    )


def _around_body(blob: bytes) -> tuple[str, str]:
    """The document part's XML with its body cut out: (before, after)."""
    root = parse(blob)
    body = root.find(qn("w:body"))
    if body is None:
        raise FormError("Word 範本的主文件沒有本文（w:body）")
    body.clear()
    body.text = MARK
    prefix = body.prefix + ":" if body.prefix else ""
    pieces = etree.tostring(root, encoding="unicode").split(f"<{prefix}body>{MARK}</{prefix}body>")
    if len(pieces) != 2:
        raise FormError("Word 範本的主文件無法分出本文（w:body）")
    return pieces[0], pieces[1]


def _styles_part(package: Package, document: str) -> Element | None:
    for _rid, reltype, target in package.relationships(document):
        if reltype == RT_STYLES and target in package.parts:
            return parse(package.parts[target])
    return None


def _style_ids(root: Element | None) -> dict[str, str]:
    if root is None:
        return {}
    return {
        name.get(qn("w:val"), "").lower(): style_id
        for style in root.iter(qn("w:style"))
        if (name := style.find(qn("w:name"))) is not None and (style_id := style.get(qn("w:styleId")))
    }


def _font_sizes(root: Element | None) -> dict[str, float]:
    """Each paragraph style's font size in points, following ``w:basedOn`` (then the
    document defaults)."""
    if root is None:
        return {}

    def size_of(node: Element | None) -> float | None:
        sz = None if node is None else node.find(f"{qn('w:rPr')}/{qn('w:sz')}")
        value = None if sz is None else sz.get(qn("w:val"))
        try:
            return int(value) / 2 if value is not None else None
        except ValueError:
            return None

    default = size_of(root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}")) or 10.0
    styles = {s.get(qn("w:styleId")): s for s in root.iter(qn("w:style")) if s.get(qn("w:type")) == "paragraph"}
    sizes: dict[str, float] = {}
    for style_id, style in styles.items():
        node: Element | None = style
        seen: set[int] = set()
        while node is not None and size_of(node) is None and id(node) not in seen:
            seen.add(id(node))
            based = node.find(qn("w:basedOn"))
            node = styles.get(based.get(qn("w:val"))) if based is not None else None
        if style_id is not None:  # a paragraph's size is asked for by its style id
            sizes[style_id] = size_of(node) or default
    return sizes


def _for_jinja(source: str) -> str:
    """docxtpl's last step before Jinja: each paragraph on its own line (for error lines)."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", source)


# -- the template against the form's report map ----------------------------------------------

_STATEMENT = re.compile(r"{%-?\s*(.*?)\s*-?%}|{{\s*([A-Za-z_][\w.]*)\s*}}", re.DOTALL)
_FOR = re.compile(r"^for\s+(\w+)\s+in\s+([\w.]+)$")
_IF = re.compile(r"^if\s+([\w.]+)$")
_CAPTION = re.compile(r'<w:tblCaption w:val="([^"]*)"')


def template_paths(body: str) -> tuple[set[str], dict[str, set[str]], set[str]]:
    """What a prepared template asks of its context: the paths it places or loops over
    (outside loops), the attributes used of each looped-over path (``r.name`` of
    ``{% for r in s2.meetings %}``), and the ids of its tables."""
    paths: set[str] = set()
    attributes: dict[str, set[str]] = {}
    loops: list[tuple[str, str]] = []  # (variable, the path it runs over)
    for m in _STATEMENT.finditer(body):
        statement, tag = m.group(1), m.group(2)
        name = tag
        loop = None
        if statement is not None:
            loop = _FOR.match(statement)
            cond = _IF.match(statement)
            if statement.startswith("endfor") and loops:
                loops.pop()
                continue
            name = loop.group(2) if loop else cond.group(1) if cond else None
        if name is None:
            continue
        root, _, rest = name.partition(".")
        outer = next((path for var, path in reversed(loops) if var == root), None)
        if outer is None:
            paths.add(name)
            full = name
        else:
            if rest:
                attributes.setdefault(outer, set()).add(rest.split(".")[0])
            full = f"{outer}[].{rest}" if rest else outer
        if loop:
            loops.append((loop.group(1), full))
    return paths, attributes, set(_CAPTION.findall(body))


def _asks(body: str) -> dict[str, list[str]]:
    """:func:`template_paths` as JSON data (kept with the prepared template)."""
    paths, attributes, captions = template_paths(body)
    asks = {"paths": sorted(paths), "captions": sorted(captions)}
    asks.update({f"loop:{path}": sorted(used) for path, used in attributes.items()})
    return asks


def check_against_form(prepared: PreparedTemplate, form: Form) -> None:
    """Every table of the form is in the template, and every value the template places is
    one the form's report map makes: a miss is a FormError naming it, never a blank."""
    asks = prepared.asks
    paths, captions = set(asks.get("paths", ())), set(asks.get("captions", ()))
    attributes = {key.removeprefix("loop:"): set(used) for key, used in asks.items() if key.startswith("loop:")}
    provided: dict[str, set[str] | None] = {path: None for path in form.values}
    for path, recipe in form.values.items():
        if recipe.kind == "items":
            provided[path] = {"paragraphs"}
        elif recipe.kind == "ticks":
            provided[path] = {"box", "text"}
    columns = prepared.grid_columns
    for table_id, table in form.tables.items():
        if table.nested_in is not None:
            continue  # placed by the renderer
        widths = table.layout.widths
        if widths and table_id in columns and len(widths) != columns[table_id]:
            raise FormError(
                f"表單定義檔中表格「{table_id}」的 layout.widths 列了 {len(widths)} 欄，"
                f"Word 範本的表格有 {columns[table_id]} 欄"
            )
        if table_id not in captions:
            raise FormError(f"Word 範本中找不到表格「{table_id}」（表格替代文字標題）；表單定義檔的 tables 列有此表")
        context = table.context or table_id
        if table.rows and form.sheets[table.rows][1].kind == "fields":
            for name in table.cells:
                provided[f"{context}.{name}"] = None
        else:
            provided[context] = set(table.cells)
            for name, recipe in table.cells.items():
                if recipe.kind == "ticks":
                    provided[f"{context}[].{name}"] = {"box", "text"}
    for path in sorted(paths):
        if path not in provided:
            raise FormError(f"Word 範本的標籤「{path}」在表單定義檔中沒有對應的值（values 或 tables）")
    for path, used in attributes.items():
        known = provided.get(path)
        if known is not None and not used <= known:
            missing = "、".join(sorted(used - known))
            raise FormError(f"Word 範本在「{path}」的每一列用到 {missing}，表單定義檔中沒有這些欄")


def _grid_columns(document: bytes) -> dict[str, int]:
    """How many grid columns each captioned table of the template's document part has."""
    from pipeline.office.wml import caption_of, grid_columns

    root = parse(document)
    return {caption: grid_columns(tbl) for tbl in root.iter(qn("w:tbl")) if (caption := caption_of(tbl))}
