"""The Office package: relationships, content types, saving, and the limits on reading."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile

import pytest
from docx import Document
from lxml import etree

from pipeline.errors import InputError
from pipeline.office.opc import (
    ANY,
    LIMITS,
    NS,
    Package,
    element,
    insert_in_order,
    qn,
    rels_name,
    resolve,
    serialize,
    sub,
)


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


# -- reading a package from anyone's file ---------------------------------------------------


def write_zip(path, parts: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    return path


def test_a_docx_with_a_huge_image_part_is_refused_before_it_is_decompressed(tmp_path):
    path = tmp_path / "炸彈.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.png", "w", force_zip64=True) as part:
            block = bytes(1 << 20)
            for _ in range(300):  # 300 MB of zeros, a few hundred KB compressed
                part.write(block)
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="炸彈.docx.*壓縮炸彈"):
            Package.read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_a_zip_directory_that_promises_gigabytes_is_refused(tmp_path):
    path = write_zip(tmp_path / "謊報.docx", {"word/document.xml": b"<w:document/>", "word/media/a.png": b"x" * 1000})
    data = bytearray(path.read_bytes())
    # The central directory's entry for a.png (signature, then its name at byte 46): its
    # uncompressed size (at byte 24) becomes 3 GiB.
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    assert data[entry + 46 : entry + 62] == b"word/media/a.png"
    struct.pack_into("<I", data, entry + 24, 3 * 1024**3)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="謊報.docx.*壓縮炸彈"):
        Package.read(path)


def test_too_many_parts_are_refused(tmp_path):
    path = write_zip(tmp_path / "很多.docx", {f"word/p{n}.xml": b"<x/>" for n in range(LIMITS.members + 1)})
    with pytest.raises(InputError, match="很多.docx.*過多檔案"):
        Package.read(path)


@pytest.mark.parametrize(
    "head,words", [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "密碼"), (b"plain text", "不是")]
)
def test_not_a_package_is_named(tmp_path, head, words):
    path = tmp_path / "報告.docx"
    path.write_bytes(head)
    with pytest.raises(InputError, match=f"報告.docx.*{words}"):
        Package.read(path)


def test_xml_with_a_document_type_is_refused_when_read(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'
    package = Package.read(write_zip(tmp_path / "實體.docx", {"word/document.xml": bomb}))
    with pytest.raises(InputError, match="實體.docx.*XML 炸彈"):
        package.xml("word/document.xml")


def test_a_package_read_and_saved_keeps_its_parts_and_order(form, tmp_path):
    package = Package.read(form.template_path)
    out = tmp_path / "copy.docx"
    package.save(out)
    with zipfile.ZipFile(form.template_path) as old, zipfile.ZipFile(out) as new:
        assert old.namelist() == new.namelist()
        assert all(old.read(n) == new.read(n) for n in old.namelist())


def test_children_go_where_the_schema_puts_them():
    order = ("w:pStyle", "w:jc", ANY)
    p = etree.Element(qn("w:p"))
    sub(p, "w:r")
    insert_in_order(p, element("w:jc"), order)
    insert_in_order(p, element("w:pStyle"), order)
    assert [etree.QName(c).localname for c in p] == ["pStyle", "jc", "r"]
