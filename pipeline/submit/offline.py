"""Private copies of Office and ODF files with every way out to the network cut.

A document can make the program that opens it fetch things: a picture linked
(not embedded) from a web server — a tracking beacon —, an attached template,
a subdocument, a linked OLE object or spreadsheet, a frame, a field such as
INCLUDEPICTURE; on Windows a ``\\\\server\\share`` link even sends the user's
credentials.  Before LibreOffice converts an annex or a received report, the
copy it is given has each of those targets replaced by a local name that does
not exist, so nothing is fetched whatever LibreOffice's settings:

- .docx/.xlsx (OPC): every relationship with ``TargetMode="External"`` except
  hyperlinks (which a conversion never follows); ``src``/``href`` attributes
  holding a URL or a network path; field codes (INCLUDEPICTURE, INCLUDETEXT,
  LINK, DDE …) naming one; data connections' URLs;
- .odt/.ods (ODF): every ``xlink:href`` that leaves the package (a scheme such
  as http: or file:, an absolute or network path) is removed, except on hyperlinks.

Hyperlinks stay, so a PDF keeps its clickable links.  A file that needs no
change is copied byte for byte.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import cast

from lxml import etree

from pipeline.errors import InputError
from pipeline.office.opc import LIMITS, Element, check_members

BLOCKED = "blocked-external-link"  # a relative name: it resolves inside the private folder, to nothing
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# ODF elements whose xlink:href is a hyperlink, followed only when a person clicks it.
ODF_HYPERLINKS = {
    "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}a",
    "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}a",
}
# A scheme (http:, file:, smb: …), a network path (\\server, //server) or an absolute path.
_EXTERNAL = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9+.\-]*:|[\\/])")
# In a field code: a quoted or bare URL or network path.
_FIELD_TARGET = re.compile(r"""[A-Za-z][A-Za-z0-9+.\-]*://[^\s"]*|\\\\[^\s"]+|"[A-Za-z]:\\[^"]*\"""")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def is_external(target: str | None) -> bool:
    """True when a link target leaves the package (URL, absolute, network or drive path)."""
    if not target or not _EXTERNAL.match(target):
        return False
    # LibreOffice's own name for a picture inside the package (older ODF files).
    return not target.strip().lower().startswith("vnd.sun.star.graphicobject:")


def private_copy(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` with its external links cut; returns how many were cut.

    .docx/.xlsx/.odt/.ods are rewritten when needed; any other file is copied as it is.
    Raises ValueError for a part that is not well-formed XML or too large,
    zipfile.BadZipFile for a damaged package.
    """
    suffix = source.suffix.lower()
    if suffix not in (".docx", ".xlsx", ".odt", ".ods"):
        shutil.copyfile(source, target)
        return 0
    odf = suffix in (".odt", ".ods")
    changed: dict[str, bytes] = {}
    cut = 0
    with zipfile.ZipFile(source) as archive:
        try:
            check_members(archive, source.name, "檔案")  # a zip bomb is refused unread
        except InputError as exc:
            raise ValueError(str(exc)) from exc
        for info in archive.infolist():
            name = info.filename
            if not name.endswith((".xml", ".rels")):
                continue
            if info.file_size > LIMITS.xml_bytes:
                raise ValueError(f"{name} 過大（{info.file_size // (1024 * 1024)} MB）")
            data = archive.read(info)
            if odf:
                fixed, n = _cut_odf(data)
            elif name.endswith(".rels"):
                fixed, n = _cut_relationships(data)
            else:
                fixed, n = _cut_ooxml_part(data)
            if n:
                changed[name] = fixed
                cut += n
        if not changed:
            shutil.copyfile(source, target)
            return 0
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in archive.infolist():
                kept = changed.get(info.filename)
                data = archive.read(info) if kept is None else kept
                # ODF wants its mimetype member first and stored; keep every member as it was.
                member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                member.compress_type = info.compress_type
                member.external_attr = info.external_attr
                copy.writestr(member, data)
    return cut


def _parse(data: bytes) -> Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"內容不是格式正確的 XML（第 {exc.lineno} 行）") from exc


def _serialize(root: Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _attributes(node: Element) -> list[tuple[str, str]]:
    # lxml gives attribute names and values as str; lxml-stubs says str | bytes.
    return cast("list[tuple[str, str]]", node.attrib.items())


def _cut_relationships(data: bytes) -> tuple[bytes, int]:
    """External relationships (but hyperlinks) point at a name that does not exist."""
    if b"External" not in data:
        return data, 0
    root = _parse(data)
    cut = 0
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External" and rel.get("Type") != RT_HYPERLINK:
            rel.set("Target", BLOCKED)
            cut += 1
    return (_serialize(root), cut) if cut else (data, 0)


def _cut_ooxml_part(data: bytes) -> tuple[bytes, int]:
    """URLs in src/href attributes, field codes and data connections."""
    if not any(mark in data for mark in (b"://", b"\\\\", b"href", b"src", b"instr", b"url")):
        return data, 0
    root = _parse(data)
    cut = 0
    for node in root.iter(etree.Element):  # elements only: no comments, no processing instructions
        for name, value in _attributes(node):
            local = etree.QName(name).localname
            if local in ("src", "href", "url", "sourceFile", "connectionFile") and is_external(value):
                node.set(name, BLOCKED)
                cut += 1
            elif local == "instr" and _FIELD_TARGET.search(value):
                node.set(name, _FIELD_TARGET.sub(BLOCKED, value))
                cut += 1
        if node.tag == f"{{{W_NS}}}instrText" and node.text and _FIELD_TARGET.search(node.text):
            node.text = _FIELD_TARGET.sub(BLOCKED, node.text)
            cut += 1
    return (_serialize(root), cut) if cut else (data, 0)


def _cut_odf(data: bytes) -> tuple[bytes, int]:
    """xlink:href targets outside the package (but hyperlinks)."""
    if b"href" not in data:
        return data, 0
    root = _parse(data)
    cut = 0
    for node in root.iter():
        if not isinstance(node.tag, str) or node.tag in ODF_HYPERLINKS:
            continue
        href = node.get(XLINK_HREF)
        if href is not None and is_external(href):
            # Removed, not renamed: a relative href names a member of the package, and a
            # missing member makes LibreOffice refuse the whole file.
            del node.attrib[XLINK_HREF]
            cut += 1
    return (_serialize(root), cut) if cut else (data, 0)
