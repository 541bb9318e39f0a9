"""Office packages (.docx, .xlsx, .odt) on plain lxml: the parts, their relationships,
and the limits that make reading a package from anyone's file safe.

python-docx is a fine library for editing a document, but opening a package with
it parses every part (the template's two style parts alone are 800 kB) and
importing it costs more than the rest of a build.  The renderer, the marked
workbook copies and the reader of reports only touch a few parts, so they work
on those directly: a package is its parts as bytes, and only what is asked for
is parsed (once).

A file that comes from outside (a workbook, a report sent back) is checked from
its zip directory before anything is decompressed: the number of parts, each
part's size and compression ratio, the total; and no XML part may declare a
document type (entities).  A refusal is an InputError naming the file.
"""

from __future__ import annotations

import posixpath
import time
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TypeAlias

from lxml import etree

from pipeline.errors import InputError
from pipeline.frozen import Frozen, frozen

# An XML element, for type hints: lxml's element class is the private etree._Element (the public
# etree.Element is a factory function), so it is named once here as an explicit alias.
Element: TypeAlias = etree._Element

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "xml": "http://www.w3.org/XML/1998/namespace",
}

RT_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_COMMENTS = RT_OFFICE + "comments"
RT_IMAGE = RT_OFFICE + "image"
RT_HEADER = RT_OFFICE + "header"
RT_FOOTER = RT_OFFICE + "footer"
RT_FOOTNOTES = RT_OFFICE + "footnotes"
RT_STYLES = RT_OFFICE + "styles"
RT_CUSTOM_PROPERTIES = RT_OFFICE + "custom-properties"
RT_OFFICE_DOCUMENT = RT_OFFICE + "officeDocument"
RT_CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"

CT_COMMENTS = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
CT_CUSTOM_PROPERTIES = "application/vnd.openxmlformats-officedocument.custom-properties+xml"

CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "_rels/.rels"

# As Word and Excel write it (double quotes, CRLF).
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

# No DTDs, no entities, no network; lxml's own limits on depth and text size stay on.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
# The same, keeping whitespace between elements as written (parts that are edited in place).
KEEP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

# zlib's fastest level: a report's parts (styles.xml alone is 350 KB of XML) deflate three
# times as fast as at the default level, and the file is about a fifth larger (83 KB, not 69).
COMPRESS_LEVEL = 1

ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .docx/.xlsx (and an old .doc/.xls) is an OLE compound file, not a zip.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@frozen
class Limits(Frozen):
    """What a package from outside may hold before it is refused unread."""

    file_bytes: int = 100 * 1024 * 1024  # a report with pictures; a workbook has its own
    unpacked_bytes: int = 200 * 1024 * 1024  # all parts together, decompressed
    members: int = 5000
    ratio: int = 200  # decompressed / compressed size of one part …
    ratio_floor: int = 1024 * 1024  # … checked for parts bigger than this
    xml_bytes: int = 64 * 1024 * 1024  # one part parsed as XML


LIMITS = Limits()


def _bomb(name: str) -> InputError:
    return InputError(f"{name} 解壓縮後異常龐大（疑似壓縮炸彈），已拒絕讀取")


def check_members(archive: zipfile.ZipFile, name: str, what: str, limits: Limits = LIMITS) -> None:
    """Refuse a zip whose directory promises too many or too large parts (InputError naming
    ``name``; ``what`` is the kind of file, for the message).  Python's zip reader never
    returns more than a member's declared size, so the directory bounds every later read."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise InputError(f"{name} 內含過多檔案（{len(members)} 個），不是一般的{what}")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > limits.unpacked_bytes or (member.file_size > limits.ratio_floor and ratio > limits.ratio):
            raise _bomb(name)


def refuse_doctype(data: bytes, name: str, part: str = "") -> None:
    """Refuse XML bytes that declare a document type or entities (no Office program writes
    them; an entity bomb is built from them)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        where = f"（{part}）" if part else ""
        raise InputError(f"{name}{where} 含有 XML 實體宣告（Office 不會產生，疑似 XML 炸彈），已拒絕讀取")


@cache
def qn(tag: str) -> str:
    """Clark notation for a prefixed name: ``w:p`` → ``{http://…/main}p``."""
    prefix, local = tag.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _attributes(attrs: dict[str, str] | None) -> dict[str, str]:
    return {qn(name) if ":" in name else name: value for name, value in (attrs or {}).items()}


def element(tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> Element:
    """A new element; attribute names may be prefixed (``w:val``).  It takes the
    namespace prefixes of the tree it is placed in."""
    node = etree.Element(qn(tag), _attributes(attrs)) if attrs else etree.Element(qn(tag))
    if text is not None:
        node.text = text
    return node


def sub(parent: Element, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> Element:
    """A new last child of ``parent``."""
    node = etree.SubElement(parent, qn(tag), _attributes(attrs)) if attrs else etree.SubElement(parent, qn(tag))
    if text is not None:
        node.text = text
    return node


def parent_of(node: Element) -> Element:
    """The parent of an element that has one (a run's paragraph, a row's table): a
    ValueError for a root, where a caller would otherwise fail on None."""
    parent = node.getparent()
    if parent is None:
        raise ValueError(f"{node.tag!s} has no parent element")
    return parent


def parse(blob: bytes | str) -> Element:
    """Parse a part (or a fragment) with the safe parser."""
    if isinstance(blob, str):
        blob = blob.encode("utf-8")
    return etree.fromstring(blob, PARSER)


def serialize(root: Element) -> bytes:
    """A part's bytes, as Word and Excel write them: UTF-8 with a standalone declaration."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


def rels_name(part: str) -> str:
    """The relationships part of a part: ``word/document.xml`` → ``word/_rels/document.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a part name, relative to its source part's folder."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


# -- children in schema order ---------------------------------------------------------------

Order = Sequence[str | tuple[str, ...]]  # a schema's child sequence; a tuple: a choice, any order
ANY = "*"  # in an Order: every child the sequence does not name (the content after properties)


Ranks = tuple[dict[str, int], int | None]  # an Order as each Clark name's place, and ANY's


@cache
def ranks_of(order: tuple[str | tuple[str, ...], ...]) -> Ranks:
    """Each child's place in a schema sequence (Clark names), and the place of ``ANY``."""
    ranks, wildcard = {}, None
    for rank, entry in enumerate(order):
        for tag in (entry,) if isinstance(entry, str) else entry:
            if tag == ANY:
                wildcard = rank
            else:
                ranks[qn(tag)] = rank
    return ranks, wildcard


def insert_in_order(parent: Element, new: Element, order: Order) -> Element:
    """Place ``new`` among ``parent``'s children where the schema's sequence ``order`` puts
    it: before the first child that comes later in the sequence.  Children the sequence
    does not name (extensions, comments) are passed over, unless it has an ``ANY`` place."""
    return insert_ranked(parent, new, ranks_of(tuple(order)))


def insert_ranked(parent: Element, new: Element, order: Ranks) -> Element:
    """:func:`insert_in_order` with the sequence's places worked out (:func:`ranks_of`)."""
    ranks, wildcard = order
    tag = new.tag
    rank = ranks.get(tag, wildcard) if isinstance(tag, str) else wildcard
    if rank is None:
        raise KeyError(f"{tag!s} is not a child in this sequence")
    for existing in parent:
        later = ranks.get(existing.tag, wildcard) if isinstance(existing.tag, str) else None
        if later is not None and later > rank:
            existing.addprevious(new)
            return new
    parent.append(new)
    return new


# -- the package ------------------------------------------------------------------------------


class Package:
    """An Office package as its parts (name → bytes): XML parts parsed when asked for and
    written back when edited; relationships and content types kept in step.

    Used for .docx and .xlsx (and read-only for .odt, which is a zip of XML parts too).
    ``Package.read`` checks a file before it decompresses anything (see :class:`Limits`).
    """

    def __init__(self, parts: dict[str, bytes], name: str = "", infos: dict[str, zipfile.ZipInfo] | None = None):
        self.parts = dict(parts)
        self.name = name  # the file's name, for messages
        self.infos = dict(infos or {})  # the stored entries of a package read from a file
        self._trees: dict[str, Element] = {}
        self._edited: set[str] = set()

    @classmethod
    def read(
        cls, path: Path, *, what: str = "Office 文件", required: Iterable[str] = (), limits: Limits = LIMITS
    ) -> Package:
        """Every part of an Office file, after checking it (InputError naming the file when
        it is not a usable package: not a zip, password-protected, damaged, a bomb)."""
        path = Path(path)
        name = path.name
        try:
            size = path.stat().st_size
            with open(path, "rb") as handle:
                head = handle.read(8)
        except OSError as exc:
            raise InputError(f"無法讀取 {name}：{exc.strerror or exc}") from exc
        if size > limits.file_bytes:
            raise InputError(
                f"{name} 檔案過大（{size // (1024 * 1024)} MB，上限 {limits.file_bytes // (1024 * 1024)} MB）"
            )
        if head == OLE_MAGIC:
            raise InputError(f"{name} 設有開啟密碼或是舊版格式（.doc／.xls），無法讀取：請移除密碼或另存新格式後再試")
        if head[:4] != ZIP_MAGIC:
            raise InputError(f"{name} 不是{what}（檔案內容不是 Office 檔案格式）")
        try:
            with zipfile.ZipFile(path) as archive:
                check_members(archive, name, what, limits)
                infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
                parts = {part: archive.read(info) for part, info in infos.items()}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise InputError(f"{name} 檔案已損毀，無法開啟（{exc}）") from exc
        for part in required:
            if part not in parts:
                raise InputError(f"{name} 不是{what}（缺少 {part}）")
        return cls(parts, name, infos)

    # -- XML parts ---------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the package holds part ``name`` (stored, parsed or new)."""
        return name in self.parts or name in self._trees

    def xml(self, name: str, edit: bool = False, empty: str | None = None) -> Element:
        """Part ``name`` parsed (once, whitespace kept); with ``edit`` it is written back on save.

        A missing part is KeyError, or the ``empty`` XML when given (a part to create)."""
        tree = self._trees.get(name)
        if tree is None:
            blob = self.parts.get(name)
            if blob is None:
                if empty is None:
                    raise KeyError(name)
                tree = etree.fromstring(empty.encode("utf-8"), KEEP_PARSER)
            else:
                label = self.name or name
                if len(blob) > LIMITS.xml_bytes:
                    raise _bomb(label)
                try:
                    tree = etree.fromstring(blob, KEEP_PARSER)
                except etree.XMLSyntaxError as exc:
                    raise InputError(f"{label} 的 {name} 不是有效的 XML（{exc}）") from exc
                # lxml-stubs' DocInfo lacks doctype (lxml has it).
                if tree.getroottree().docinfo.doctype:  # type: ignore[union-attr]
                    refuse_doctype(b"<!DOCTYPE", label, name)
            self._trees[name] = tree
        if edit:
            self._edited.add(name)
        return tree

    # -- relationships -------------------------------------------------------------------------

    def rels(self, source: str, edit: bool = False) -> Element:
        """The relationships part of ``source`` (an empty one when it has none yet)."""
        return self.xml(rels_name(source), edit, f'<Relationships xmlns="{NS["pr"]}"/>')

    def relationships(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of each internal relationship of ``source``."""
        if not self.has(rels_name(source)):
            return []
        return [
            (rel.get("Id", ""), rel.get("Type", ""), resolve(source, rel.get("Target", "")))
            for rel in self.rels(source).iter(qn("pr:Relationship"))
            if rel.get("TargetMode") != "External"
        ]

    def related(self, source: str, rid: str) -> str | None:
        """The part that relationship ``rid`` of ``source`` points to (None when there is none)."""
        return next((target for r, _t, target in self.relationships(source) if r == rid), None)

    def relate(self, source: str, reltype: str, target: str) -> str:
        """Add a relationship from ``source`` to part ``target``; returns its id."""
        root = self.rels(source, edit=True)
        used = {rel.get("Id") for rel in root}
        number = len(used) + 1
        while f"rId{number}" in used:
            number += 1
        rid = f"rId{number}"
        relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
        etree.SubElement(root, qn("pr:Relationship"), {"Id": rid, "Type": reltype, "Target": relative})
        return rid

    def main_part(self) -> str | None:
        """The package's main part (word/document.xml, xl/workbook.xml), by its relationship."""
        return next((t for _r, reltype, t in self.relationships("") if reltype == RT_OFFICE_DOCUMENT), None)

    # -- new parts -------------------------------------------------------------------------------

    def _types(self) -> Element:
        return self.xml(CONTENT_TYPES, True, f'<Types xmlns="{NS["ct"]}"/>')

    def add_part(self, name: str, blob: bytes, content_type: str) -> None:
        """A new part with its own content type."""
        self.parts[name] = blob
        root = self._types()
        part_name = "/" + name
        for override in root.findall(qn("ct:Override")):
            if override.get("PartName") == part_name:
                root.remove(override)
        etree.SubElement(root, qn("ct:Override"), {"PartName": part_name, "ContentType": content_type})

    def add_media(self, name: str, blob: bytes, content_type: str) -> None:
        """A new part typed by its extension (pictures, VML drawings)."""
        self.parts[name] = blob
        self.declare_extension(posixpath.splitext(name)[1][1:], content_type)

    def declare_extension(self, extension: str, content_type: str) -> None:
        """Type every part named ``*.extension`` (unless the extension is typed already)."""
        root = self._types()
        extension = extension.lower()
        if not any(d.get("Extension", "").lower() == extension for d in root.findall(qn("ct:Default"))):
            default = etree.Element(qn("ct:Default"), {"Extension": extension, "ContentType": content_type})
            root.insert(0, default)

    def unused_number(self, *patterns: str, start: int = 1) -> int:
        """The smallest n ≥ start for which no ``pattern % n`` names a part."""
        number = start
        while any(self.has(pattern % number) for pattern in patterns):
            number += 1
        return number

    def unused_name(self, pattern: str) -> str:
        """The first part name ``pattern % n`` (n = 1, 2, …) not in the package."""
        return pattern % self.unused_number(pattern)

    def save(self, path: Path) -> None:
        """Write the package: the parts in their order (a part read from a file keeps its
        stored date and compression), the edited XML parts serialized, new parts last."""
        for name in self._edited:
            self.parts[name] = serialize(self._trees[name])
        stamp = time.localtime()[:6]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, blob in self.parts.items():
                stored = self.infos.get(name)
                info = zipfile.ZipInfo(name, stored.date_time if stored else stamp)
                info.compress_type = stored.compress_type if stored else zipfile.ZIP_DEFLATED
                if stored:
                    info.external_attr = stored.external_attr
                archive.writestr(info, blob, compresslevel=COMPRESS_LEVEL)
