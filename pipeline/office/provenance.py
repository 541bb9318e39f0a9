"""What a report was built from, recorded in its custom document properties.

Every generated .docx carries the form id and edition, a hash of each input
file, the build time and a fingerprint of its own content (word/document.xml
and the comments).  A later build compares the fingerprint with the file on
disk: a mismatch means a person edited the file since, and the edited file is
kept instead of being silently overwritten.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from lxml import etree

from pipeline.errors import InputError
from pipeline.office.opc import CT_CUSTOM_PROPERTIES, RT_CUSTOM_PROPERTIES, Package, check_members, parse, serialize

CUSTOM_PART = "docProps/custom.xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
FINGERPRINT = "報告產生器:內容指紋"
PREFIX = "報告產生器:"
CONTENT_PARTS = ("word/document.xml", "word/comments.xml")
WHAT = "Word 文件（.docx）"
# What reading a damaged .docx raises: a bad zip, a cut-short or scrambled member.
DAMAGED = (zipfile.BadZipFile, OSError, EOFError, zlib.error)


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(blobs: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()


def package_fingerprint(package: Package) -> str:
    """The fingerprint of a report about to be saved: the same parts :func:`file_fingerprint`
    reads back (the template's own comments too, when the build adds none)."""
    return _fingerprint(package.parts.get(n, b"") for n in CONTENT_PARTS)


def file_fingerprint(path: Path) -> str:
    """The fingerprint of a saved .docx (InputError for a zip bomb)."""
    with zipfile.ZipFile(path) as z:
        check_members(z, Path(path).name, WHAT)
        names = set(z.namelist())
        return _fingerprint(z.read(n) if n in names else b"" for n in CONTENT_PARTS)


def set_properties(package: Package, properties: Mapping[str, str], fingerprint: str) -> None:
    """Write ``properties`` and the content ``fingerprint`` as custom document properties."""
    values = {**{PREFIX + k: v for k, v in properties.items()}, FINGERPRINT: fingerprint}
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(values.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", {"fmtid": FMTID, "pid": str(pid), "name": name})
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    xml = serialize(root)
    for _rid, reltype, target in package.relationships(""):
        if reltype == RT_CUSTOM_PROPERTIES:
            package.parts[target] = xml
            return
    package.add_part(CUSTOM_PART, xml, CT_CUSTOM_PROPERTIES)
    package.relate("", RT_CUSTOM_PROPERTIES, CUSTOM_PART)


def read_properties(path: Path) -> dict[str, str]:
    """The generator's custom properties of a .docx (empty when it has none)."""
    try:
        with zipfile.ZipFile(path) as z:
            check_members(z, Path(path).name, WHAT)
            root = parse(z.read(CUSTOM_PART))
    except (KeyError, InputError, *DAMAGED, etree.XMLSyntaxError):
        return {}
    found = {}
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name") or ""
        value = prop.find(f"{{{VT_NS}}}lpwstr")
        if name.startswith(PREFIX) and value is not None:
            found[name[len(PREFIX) :]] = value.text or ""
    return found


def was_edited(path: Path) -> bool:
    """True when a .docx is not exactly as this generator wrote it (or not ours at all)."""
    recorded = read_properties(path).get(FINGERPRINT[len(PREFIX) :])
    try:
        return recorded is None or recorded != file_fingerprint(path)
    except (InputError, *DAMAGED):
        return True
