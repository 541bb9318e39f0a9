"""What a report was built from, recorded in its custom document properties.

Every generated .docx carries the form id and edition, a hash of each input
file, the build time and a fingerprint of its own content (word/document.xml
and the comments).  A later build compares the fingerprint with the file on
disk: a mismatch means a person edited the file since, and the edited file is
kept instead of being silently overwritten.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part

CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_URI = "/docProps/custom.xml"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
FINGERPRINT = "報告產生器:內容指紋"
PREFIX = "報告產生器:"
CONTENT_PARTS = ("word/document.xml", "word/comments.xml")


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


def document_fingerprint(doc: DocxDocument) -> str:
    """The fingerprint of a document as python-docx will save it."""
    try:
        comments = doc.part.part_related_by(RT.COMMENTS).blob
    except KeyError:
        comments = b""
    return _fingerprint([doc.part.blob, comments])


def file_fingerprint(path: Path) -> str:
    """The fingerprint of a saved .docx."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        return _fingerprint(z.read(n) if n in names else b"" for n in CONTENT_PARTS)


def set_properties(doc: DocxDocument, properties: Mapping[str, str]) -> None:
    """Write ``properties`` (plus the content fingerprint) as custom document properties.

    Call last, right before saving: the fingerprint covers the content as it is now.
    """
    values = {**{PREFIX + k: v for k, v in properties.items()},
              FINGERPRINT: document_fingerprint(doc)}
    items = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(values.items(), start=2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{items}</Properties>"
    ).encode()
    package = doc.part.package
    for rel in list(package.rels.values()):
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            rel.target_part._blob = xml
            return
    part = Part(PackURI(CUSTOM_URI), CUSTOM_CT, xml, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


_PROPERTY = re.compile(
    r'<property[^>]*\bname="([^"]*)"[^>]*>\s*<vt:lpwstr>(.*?)</vt:lpwstr>', re.DOTALL
)


def read_properties(path: Path) -> dict[str, str]:
    """The generator's custom properties of a .docx (empty when it has none)."""
    from xml.sax.saxutils import unescape

    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/custom.xml").decode("utf-8")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    unquote = {"&quot;": '"'}
    return {
        unescape(name, unquote)[len(PREFIX):]: unescape(value)
        for name, value in _PROPERTY.findall(xml)
        if unescape(name, unquote).startswith(PREFIX)
    }


def was_edited(path: Path) -> bool:
    """True when a .docx is not exactly as this generator wrote it (or not ours at all)."""
    recorded = read_properties(path).get(FINGERPRINT[len(PREFIX):])
    try:
        return recorded is None or recorded != file_fingerprint(path)
    except (zipfile.BadZipFile, OSError):
        return True
