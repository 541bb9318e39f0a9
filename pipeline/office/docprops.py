"""The document's own properties (File → Info in Word): title, author, times, company.

A report names its agency and year in its title (a PDF made from it inherits the title),
its author is the agency, and its created/modified times are the build's; the extended
properties (docProps/app.xml) hold only what is true of a generated file — no statistics
nobody computed and no application that did not write it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from lxml import etree

from pipeline.frozen import Frozen, frozen
from pipeline.office.opc import Package, serialize

RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
RT_APP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CORE_PART = "docProps/core.xml"
APP_PART = "docProps/app.xml"

CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
DCMITYPE = "http://purl.org/dc/dcmitype/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


@frozen
class DocumentInfo(Frozen):
    """What File → Info shows of a document: its title, who wrote it and when."""

    title: str
    author: str
    when: datetime  # the build time (any time zone; written as UTC, to the minute, as Word does)
    company: str = ""


def w3cdtf(when: datetime) -> str:
    """A time as the core properties hold it: UTC, to the minute (``2026-11-30T19:52:00Z``)."""
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:00Z")


def core_xml(info: DocumentInfo) -> bytes:
    """docProps/core.xml for ``info`` (the elements and their order as Word writes them)."""
    root = etree.Element(
        f"{{{CP}}}coreProperties", nsmap={"cp": CP, "dc": DC, "dcterms": DCTERMS, "dcmitype": DCMITYPE, "xsi": XSI}
    )
    stamp = w3cdtf(info.when)
    for tag, text in (
        (f"{{{DC}}}title", info.title),
        (f"{{{DC}}}subject", ""),
        (f"{{{DC}}}creator", info.author),
        (f"{{{CP}}}keywords", ""),
        (f"{{{DC}}}description", ""),
        (f"{{{CP}}}lastModifiedBy", info.author),
        (f"{{{CP}}}revision", "1"),
    ):
        etree.SubElement(root, tag).text = text
    for tag in ("created", "modified"):
        node = etree.SubElement(root, f"{{{DCTERMS}}}{tag}", {f"{{{XSI}}}type": "dcterms:W3CDTF"})
        node.text = stamp
    return serialize(root)


def app_xml(info: DocumentInfo) -> bytes:
    """docProps/app.xml: the company, and none of the statistics Word would recompute."""
    # lxml-stubs types nsmap as str → str; lxml takes None for the default namespace.
    root = etree.Element(f"{{{EP}}}Properties", nsmap={None: EP, "vt": VT})  # type: ignore[dict-item]
    for tag, text in (
        ("TotalTime", "0"),
        ("DocSecurity", "0"),
        ("ScaleCrop", "false"),
        ("Company", info.company),
        ("LinksUpToDate", "false"),
        ("SharedDoc", "false"),
        ("HyperlinksChanged", "false"),
    ):
        etree.SubElement(root, f"{{{EP}}}{tag}").text = text
    return serialize(root)


def set_document_info(package: Package, info: DocumentInfo) -> None:
    """Replace the package's core and extended properties with ``info`` (adding the parts
    and their relationships when the package has none)."""
    for reltype, default, content_type, blob in (
        (RT_CORE, CORE_PART, CT_CORE, core_xml(info)),
        (RT_APP, APP_PART, CT_APP, app_xml(info)),
    ):
        target = next((t for _rid, rt, t in package.relationships("") if rt == reltype), None)
        if target is None:
            package.add_part(default, blob, content_type)
            package.relate("", reltype, default)
        else:
            package.parts[target] = blob


def read_document_info(blob: bytes) -> dict[str, str]:
    """The core properties of a core.xml part, by local name (title, creator, created …)."""
    root = etree.fromstring(blob, etree.XMLParser(resolve_entities=False, no_network=True))
    return {etree.QName(node).localname: node.text or "" for node in root}
