"""The Word template: edits a person makes in Word must not break it."""

from __future__ import annotations

import re
import shutil
import zipfile

from docx import Document

from pipeline import build
from pipeline.form.spec import DEFAULT_FORM_DIR
from pipeline.office.wml import caption_of
from pipeline.review.extract import read_tables


def test_every_official_table_carries_its_id(form):
    doc = Document(str(form.template_path))
    captions = {caption_of(t._tbl) for t in doc.tables}
    assert set(form.tables) - {"s8.venues"} <= captions  # s8.venues is made at render time


def test_a_tag_split_across_runs_by_word_still_renders(sample_inputs, tmp_path):
    """Word often splits {{ s2.share }} into several runs when a person edits near it."""
    form_dir = tmp_path / "form"
    shutil.copytree(DEFAULT_FORM_DIR, form_dir)
    template = form_dir / "report.docx"
    with zipfile.ZipFile(template) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    run = re.search(r"<w:r>(<w:rPr>.*?</w:rPr>)?<w:t[^>]*>\{\{ s2\.share \}\}</w:t></w:r>", xml)
    assert run, "the template places {{ s2.share }} in one run"
    props = run.group(1) or ""
    split = (
        f'<w:r>{props}<w:t xml:space="preserve">{{{{ s2.</w:t></w:r>'
        f'<w:r>{props}<w:t xml:space="preserve">share }}}}</w:t></w:r>'
    )
    parts["word/document.xml"] = xml.replace(run.group(0), split).encode("utf-8")
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    output = build(sample_inputs, tmp_path / "out", form_dir).output
    assert read_tables(output)["s2.members"][1][4] == "36.11%"


def test_tags_in_headers_and_footers_are_filled(tmp_path):
    """docxtpl fills the page header and footer too; so does a build."""
    from pipeline.word.render import Document as Rendering
    from pipeline.word.template import load_template

    made = Document()
    made.sections[0].header.paragraphs[0].text = "{{ header.title }}"
    made.sections[0].footer.paragraphs[0].text = "第 {{ header.edition }} 年版"
    made.add_paragraph("{{ header.title }}")
    made.save(tmp_path / "template.docx")
    rendering = Rendering(load_template(tmp_path / "template.docx"))
    rendering.fill({"header": {"title": "臺北市 A&B\n第二行", "edition": 109}})
    rendering.save(tmp_path / "report.docx", {})
    report = Document(str(tmp_path / "report.docx"))
    header, footer = report.sections[0].header, report.sections[0].footer
    assert [p.text for p in header.paragraphs] == ["臺北市 A&B\n第二行"]  # a line break
    assert [p.text for p in footer.paragraphs] == ["第 109 年版"]
    assert report.paragraphs[0].text == "臺北市 A&B\n第二行"


def test_the_template_is_a_word_2013_document_without_python_docx_leftovers(form):
    """What tools/make_template.py makes (and a maintainer keeps when editing in Word)."""
    import zipfile

    from lxml import etree

    from pipeline.office.docprops import read_document_info

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(form.template_path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert not [n for n in parts if n.startswith("customXml/") or "stylesWithEffects" in n]
    info = read_document_info(parts["docProps/core.xml"])
    assert "python-docx" not in info["description"] and not info["created"].startswith("2013")
    assert b"Macintosh" not in parts["docProps/app.xml"]
    settings = etree.fromstring(parts["word/settings.xml"])
    compat = {s.get(w + "name"): s.get(w + "val") for s in settings.iter(w + "compatSetting")}
    assert compat["compatibilityMode"] == "15"
    footer = etree.fromstring(parts["word/footer1.xml"])
    assert [t.text.strip() for t in footer.iter(w + "instrText")] == ["PAGE", "NUMPAGES"]
    styles = {s.get(w + "styleId") for s in etree.fromstring(parts["word/styles.xml"]).iter(w + "style")}
    assert {"CommentText", "CommentReference", "Footer"} <= styles
