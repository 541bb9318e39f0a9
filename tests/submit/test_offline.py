"""Private copies with every link out of the document cut (no LibreOffice needed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document

from pipeline.submit.offline import BLOCKED, is_external, private_copy
from tests.support.office_links import LINKED, linked_files

URL = "http://127.0.0.1:9/"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("name", sorted(LINKED))
def test_no_copy_names_the_server_any_more(tmp_path, name):
    source = next(p for p in linked_files(tmp_path / "in", URL) if p.stem == name)
    assert any(URL.encode() in data for data in members(source).values())
    copy = tmp_path / f"copy{source.suffix}"
    cut = private_copy(source, copy)
    assert cut >= 1
    after = members(copy)
    assert not any(b"127.0.0.1:9" in data for data in after.values())
    # Only what linked out changed: every other member is as it was.
    before = members(source)
    assert list(after) == list(before)
    assert sum(before[n] != after[n] for n in before) <= 2


def test_hyperlinks_stay_and_an_untouched_file_is_copied_byte_for_byte(tmp_path):
    document = Document()
    paragraph = document.add_paragraph()
    part = document.part
    rid = part.relate_to(
        "https://www.gov.taipei/",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    link = paragraph._p.makeelement("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}hyperlink")
    link.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id", rid)
    paragraph._p.append(link)
    source = tmp_path / "a.docx"
    document.save(source)
    copy = tmp_path / "b.docx"
    assert private_copy(source, copy) == 0
    assert copy.read_bytes() == source.read_bytes()


def test_an_odf_copy_keeps_its_mimetype_first_and_stored(tmp_path):
    source = next(p for p in linked_files(tmp_path / "in", URL) if p.stem == "odt_picture")
    copy = tmp_path / "copy.odt"
    private_copy(source, copy)
    with zipfile.ZipFile(copy) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        content = archive.read("content.xml").decode("utf-8")
    assert "draw:image" in content and "xlink:href" not in content  # removed, not renamed: see offline.py


@pytest.mark.parametrize(
    "target, external",
    [
        ("http://example.org/a.png", True),
        ("file:///etc/passwd", True),
        ("\\\\server\\share\\a.png", True),
        ("//server/share/a.png", True),
        ("C:\\Users\\a.png", True),
        ("/etc/passwd", True),
        ("media/image1.png", False),
        ("../media/image1.png", False),
        ("Pictures/1000.png", False),
        ("vnd.sun.star.GraphicObject:1000", False),
        ("", False),
    ],
)
def test_what_counts_as_leaving_the_package(target, external):
    assert is_external(target) is external


def test_a_relationship_target_is_cut_to_a_name_that_does_not_exist(tmp_path):
    source = next(p for p in linked_files(tmp_path / "in", URL) if p.stem == "docx_template")
    copy = tmp_path / "copy.docx"
    private_copy(source, copy)
    rels = members(copy)["word/_rels/settings.xml.rels"].decode("utf-8")
    assert f'Target="{BLOCKED}"' in rels and 'TargetMode="External"' in rels


def test_a_part_that_is_not_xml_is_refused(tmp_path):
    source = tmp_path / "a.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("word/document.xml", "<w:document href='http://x/'")
    with pytest.raises(ValueError):
        private_copy(source, tmp_path / "b.docx")


def test_other_files_are_copied_as_they_are(tmp_path):
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.4 http://example.org/")
    assert private_copy(source, tmp_path / "b.pdf") == 0
    assert (tmp_path / "b.pdf").read_bytes() == source.read_bytes()
