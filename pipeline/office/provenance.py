"""What a report was built from, recorded in its custom document properties.

Every generated .docx carries the form id and edition, a hash of each input
file, the build time and a fingerprint of its own content (word/document.xml
and the comments).  A later build compares the fingerprint with the file on
disk: a mismatch means a person edited the file since, and the edited file is
kept instead of being silently overwritten.

The .odt made from it carries the same properties as ODF user-defined metadata
(meta.xml), with the fingerprint of its own content (content.xml, styles.xml).
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
ODF_CONTENT_PARTS = ("content.xml", "styles.xml")
ODF_META_PART = "meta.xml"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
META_NS = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
ODF_SUFFIXES = (".odt", ".ods")
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
    """The fingerprint of a saved .docx or .odt (InputError for a zip bomb)."""
    with zipfile.ZipFile(path) as z:
        check_members(z, Path(path).name, WHAT)
        return _zip_fingerprint(z, _is_odf(path))


def _is_odf(path: Path) -> bool:
    return Path(path).suffix.lower() in ODF_SUFFIXES


def _zip_fingerprint(z: zipfile.ZipFile, odf: bool) -> str:
    names = set(z.namelist())
    return _fingerprint(z.read(n) if n in names else b"" for n in (ODF_CONTENT_PARTS if odf else CONTENT_PARTS))


def set_properties(package: Package, properties: Mapping[str, str], fingerprint: str) -> None:
    """Write ``properties`` and the content ``fingerprint`` as custom document properties."""
    values = {**{PREFIX + k: v for k, v in properties.items()}, FINGERPRINT: fingerprint}
    # lxml-stubs types nsmap as str → str; lxml takes None for the default namespace.
    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})  # type: ignore[dict-item]
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
    """The generator's custom properties of a .docx or .odt (empty when it has none)."""
    try:
        with zipfile.ZipFile(path) as z:
            check_members(z, Path(path).name, WHAT)
            return _zip_properties(z, _is_odf(path))
    except (InputError, *DAMAGED):
        return {}


def _zip_properties(z: zipfile.ZipFile, odf: bool) -> dict[str, str]:
    try:
        root = parse(z.read(ODF_META_PART if odf else CUSTOM_PART))
    except (KeyError, *DAMAGED, etree.XMLSyntaxError):
        return {}
    found = {}
    if odf:
        for prop in root.iter(f"{{{META_NS}}}user-defined"):
            name = prop.get(f"{{{META_NS}}}name") or ""
            if name.startswith(PREFIX):
                found[name[len(PREFIX) :]] = prop.text or ""
        return found
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name") or ""
        value = prop.find(f"{{{VT_NS}}}lpwstr")
        if name.startswith(PREFIX) and value is not None:
            found[name[len(PREFIX) :]] = value.text or ""
    return found


def stamp_odf(path: Path, properties: Mapping[str, str]) -> None:
    """Record ``properties`` and the file's own content fingerprint in an ODF file's meta.xml
    (in place: the caller writes to a temporary file and moves it into place).

    LibreOffice carries a .docx's custom properties over as user-defined metadata,
    the .docx's fingerprint among them; every generator property is replaced here.
    """
    values = {**{PREFIX + k: v for k, v in properties.items()}, FINGERPRINT: file_fingerprint(path)}
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        data = {info.filename: z.read(info) for info in infos}
    root = parse(data[ODF_META_PART]) if ODF_META_PART in data else None
    if root is None:
        root = etree.Element(f"{{{OFFICE_NS}}}document-meta", nsmap={"office": OFFICE_NS, "meta": META_NS})
        root.set(f"{{{OFFICE_NS}}}version", "1.3")
    meta = root.find(f"{{{OFFICE_NS}}}meta")
    if meta is None:
        meta = etree.SubElement(root, f"{{{OFFICE_NS}}}meta")
    for old in list(meta.iter(f"{{{META_NS}}}user-defined")):
        if (old.get(f"{{{META_NS}}}name") or "").startswith(PREFIX):
            parent = old.getparent()  # meta's descendant: never None
            if parent is not None:
                parent.remove(old)
    for name, value in values.items():
        prop = etree.SubElement(meta, f"{{{META_NS}}}user-defined", {f"{{{META_NS}}}name": name})
        prop.set(f"{{{META_NS}}}value-type", "string")
        prop.text = value
    data[ODF_META_PART] = serialize(root)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in infos:
            # The mimetype member stays first and stored, as ODF requires.
            z.writestr(info, data.pop(info.filename))
        if ODF_META_PART in data:
            z.writestr(ODF_META_PART, data[ODF_META_PART])


def was_edited(path: Path) -> bool:
    """True when a .docx or .odt is not exactly as this generator wrote it (or not ours at all)."""
    try:
        # One opening for both: a build replacing the file meanwhile (another build into the
        # same folder) cannot pair one version's recorded fingerprint with the other's content.
        with zipfile.ZipFile(path) as z:
            check_members(z, Path(path).name, WHAT)
            odf = _is_odf(path)
            recorded = _zip_properties(z, odf).get(FINGERPRINT[len(PREFIX) :])
            return recorded is None or recorded != _zip_fingerprint(z, odf)
    except (InputError, *DAMAGED):
        return True
