"""The minimal package the renderer writes: relationships, content types, saving."""

from __future__ import annotations

import zipfile

from docx import Document
from lxml import etree

from pipeline.office.opc import NS, Package, element, qn, rels_name, resolve, serialize, sub


def test_part_names_and_relationship_targets():
    assert rels_name("word/document.xml") == "word/_rels/document.xml.rels"
    assert rels_name("") == "_rels/.rels"
    assert resolve("word/document.xml", "media/image1.png") == "word/media/image1.png"
    assert resolve("word/document.xml", "../customXml/item1.xml") == "customXml/item1.xml"
    assert resolve("word/document.xml", "/word/styles.xml") == "word/styles.xml"


def test_new_parts_are_related_typed_and_saved(form, tmp_path):
    package = Package.read(form.template_path)
    before = {rid for rid, _t, _p in package.relationships("word/document.xml")}
    package.add_media("word/media/image1.png", b"\x89PNG fake", "image/png")
    rid = package.relate("word/document.xml", "urn:test/image", "word/media/image1.png")
    assert rid not in before
    assert (rid, "urn:test/image", "word/media/image1.png") in package.relationships("word/document.xml")
    package.add_part("word/extra.xml", b"<x/>", "application/test+xml")
    package.relate("", "urn:test/extra", "word/extra.xml")
    out = tmp_path / "out.docx"
    package.save(out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"  # first, as Word writes it
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert 'Target="media/image1.png"' in rels  # relative to the source part
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(qn("ct:Default"))}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(qn("ct:Override"))}
    assert defaults["png"] == "image/png" and overrides["/word/extra.xml"] == "application/test+xml"
    Document(str(out))  # python-docx still opens the package


def test_unused_names_and_new_elements_take_the_tree_s_prefixes(form):
    package = Package.read(form.template_path)
    assert package.unused_name("word/media/image%d.png") == "word/media/image1.png"
    package.parts["word/media/image1.png"] = b""
    assert package.unused_name("word/media/image%d.png") == "word/media/image2.png"
    root = etree.Element(qn("w:document"), nsmap={"w": NS["w"]})
    p = sub(sub(root, "w:body"), "w:p")
    p.append(element("w:r", {"w:rsidR": "00AB"}, None))
    xml = serialize(root).decode()
    assert '<w:r w:rsidR="00AB"/>' in xml and "ns0" not in xml
