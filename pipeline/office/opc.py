"""The pieces of Office Open XML the renderer writes, on plain lxml.

python-docx is a fine library for editing a document, but opening a package with
it parses every part (the template's two style parts alone are 800 kB) and
importing it costs more than the rest of a build.  The renderer only touches the
document part, its relationships, the content types and a few new parts, so it
works on those directly: a package is its parts as bytes, and only what changes
is parsed.
"""

from __future__ import annotations

import posixpath
import zipfile
from functools import cache
from pathlib import Path

from lxml import etree

Element = etree._Element  # an XML element (for type hints)

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
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

# No DTDs, no entities, no network: a template is trusted, but nothing here needs them.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)


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
    node = etree.Element(qn(tag), _attributes(attrs))
    if text is not None:
        node.text = text
    return node


def sub(parent: Element, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> Element:
    """A new last child of ``parent``."""
    node = etree.SubElement(parent, qn(tag), _attributes(attrs))
    if text is not None:
        node.text = text
    return node


def parse(blob: bytes | str) -> Element:
    """Parse a part (or a fragment) with the safe parser."""
    if isinstance(blob, str):
        blob = blob.encode("utf-8")
    return etree.fromstring(blob, PARSER)


def serialize(root: Element) -> bytes:
    """A part's bytes, as Word writes them: UTF-8 with a standalone declaration."""
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True)


def rels_name(part: str) -> str:
    """The relationships part of a part: ``word/document.xml`` → ``word/_rels/document.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a part name, relative to its source part's folder."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class Package:
    """A .docx as its parts (name → bytes), with edits to relationships and content types.

    Parts are kept as bytes; the relationship and content-type parts that are edited
    are parsed once and written back when the package is saved.
    """

    def __init__(self, parts: dict[str, bytes]):
        self.parts = dict(parts)
        self._trees: dict[str, object] = {}

    @classmethod
    def read(cls, path: Path) -> Package:
        """Every part of a .docx file."""
        with zipfile.ZipFile(path) as archive:
            return cls({name: archive.read(name) for name in archive.namelist()})

    def _tree(self, name: str, empty: str):
        tree = self._trees.get(name)
        if tree is None:
            blob = self.parts.get(name)
            tree = parse(blob) if blob is not None else parse(empty)
            self._trees[name] = tree
        return tree

    def relationships(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of each internal relationship of ``source``."""
        name = rels_name(source)
        if name not in self.parts and name not in self._trees:
            return []
        root = self._tree(name, "")
        return [
            (rel.get("Id"), rel.get("Type"), resolve(source, rel.get("Target")))
            for rel in root
            if rel.get("TargetMode") != "External"
        ]

    def relate(self, source: str, reltype: str, target: str) -> str:
        """Add a relationship from ``source`` to part ``target``; returns its id."""
        root = self._tree(rels_name(source), f'<Relationships xmlns="{NS["pr"]}"/>')
        used = {rel.get("Id") for rel in root}
        number = len(used) + 1
        while f"rId{number}" in used:
            number += 1
        rid = f"rId{number}"
        relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
        etree.SubElement(root, qn("pr:Relationship"), {"Id": rid, "Type": reltype, "Target": relative})
        return rid

    def add_part(self, name: str, blob: bytes, content_type: str) -> None:
        """A new part with its own content type."""
        self.parts[name] = blob
        root = self._tree(CONTENT_TYPES, f'<Types xmlns="{NS["ct"]}"/>')
        part_name = "/" + name
        for override in root.findall(qn("ct:Override")):
            if override.get("PartName") == part_name:
                root.remove(override)
        etree.SubElement(root, qn("ct:Override"), {"PartName": part_name, "ContentType": content_type})

    def add_media(self, name: str, blob: bytes, content_type: str) -> None:
        """A new part typed by its extension (pictures)."""
        self.parts[name] = blob
        root = self._tree(CONTENT_TYPES, f'<Types xmlns="{NS["ct"]}"/>')
        extension = posixpath.splitext(name)[1][1:].lower()
        if not any(d.get("Extension", "").lower() == extension for d in root.findall(qn("ct:Default"))):
            default = etree.Element(qn("ct:Default"), {"Extension": extension, "ContentType": content_type})
            root.insert(0, default)

    def unused_name(self, pattern: str) -> str:
        """The first part name ``pattern % n`` (n = 1, 2, …) not in the package."""
        number = 1
        while pattern % number in self.parts:
            number += 1
        return pattern % number

    def save(self, path: Path) -> None:
        """Write the package as a zip: content types first, then the parts in order."""
        for name, tree in self._trees.items():
            self.parts[name] = serialize(tree)
        names = sorted(self.parts, key=lambda n: (n != CONTENT_TYPES, n != PACKAGE_RELS))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.writestr(name, self.parts[name])
