"""The renderer: its caches (in memory, and on disk across processes), and its output
against bare docxtpl's for the same template and context."""

from __future__ import annotations

import copy
import shutil
import zipfile

import pytest
from jinja2 import StrictUndefined
from lxml import etree

from pipeline import template as template_module
from pipeline.errors import FormError
from pipeline.render import JINJA, CachingEnvironment, Document, parse_rendered
from pipeline.template import load_template


def test_compiled_once_then_reused_from_memory_and_disk(tmp_path):
    source = "<w:t>{{ s2.share }}</w:t>"
    first = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    template = first.from_string(source)
    assert first.from_string(source) is template  # memory
    assert len(list((tmp_path / "cache").iterdir())) == 1  # and disk
    second = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    second.compile = None  # a new process must not need to compile again
    assert second.from_string(source).render(s2={"share": "A&B"}) == "<w:t>A&amp;B</w:t>"


def test_an_unwritable_cache_folder_only_costs_the_compile(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = CachingEnvironment(blocked / "cache", undefined=StrictUndefined, autoescape=True)
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


# -- the renderer against docxtpl itself ------------------------------------------------


def sample_context(form):
    """The context and layout the pipeline computes for the shipped sample."""
    from pipeline.compute import compute_report
    from pipeline.context import build_context
    from pipeline.read import read_inputs

    from .conftest import SAMPLE_INPUTS

    records, _ = read_inputs(SAMPLE_INPUTS, form)
    return build_context(compute_report(records, form))


def shape(root):
    """Every element in order with its attributes, text and tail: the meaning of the XML,
    whatever the namespace declarations."""
    return [(el.tag, sorted(el.attrib.items()), el.text or "", el.tail or "")
            for el in root.iter() if isinstance(el.tag, str)]


def docxtpl_body(template, context):
    """The document body as bare docxtpl renders it, with the same Jinja environment."""
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    tpl.render(context, jinja_env=JINJA, autoescape=True)
    # Re-parsed as plain lxml: python-docx's element classes redefine .text.
    return etree.fromstring(etree.tostring(tpl.docx.element.body))


def our_body(template, context):
    document = Document(load_template(template))
    document.fill(context)
    return document.body


@pytest.mark.parametrize("text", [
    "plain",
    "line one\nline two\n\nafter a blank line",
    "before a tab\tafter it\tand\nanother line",
    "markup stays text: <w:p> & {{ not a tag }} \"quoted\"",
    "  leading and trailing spaces  ",
])
def test_filling_gives_exactly_what_docxtpl_gives(form, text):
    context, _ = sample_context(form)
    context = copy.deepcopy(context)
    context["header"]["title"] = text  # a paragraph
    context["s2"]["reason"] = text  # and a table cell
    context["header"]["contacts"][0] = {**context["header"]["contacts"][0], "name": text}
    ours = shape(our_body(form.template_path, context))
    theirs = shape(docxtpl_body(form.template_path, context))
    assert len(ours) > 1000
    assert ours == theirs


def test_empty_loops_give_exactly_what_docxtpl_gives(form):
    context, _ = sample_context(form)
    context = copy.deepcopy(context)
    context["header"]["contacts"] = []  # a row loop that runs zero times
    context["s2"]["meetings"] = []
    assert shape(our_body(form.template_path, context)) == \
        shape(docxtpl_body(form.template_path, context))


def test_the_prepared_template_is_cached_on_disk(form, tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    template_module._MEMORY.clear()
    first = load_template(form.template_path)
    assert len(list((tmp_path / "cache" / "templates").glob("*.pickle"))) == 1
    template_module._MEMORY.clear()
    monkeypatch.setattr(template_module, "prepare", None)  # a new process must not need docxtpl
    second = load_template(form.template_path)
    assert second == first and second.body.count("{%") > 50


def test_a_changed_template_is_prepared_again(form, tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    template_module._MEMORY.clear()
    copied = tmp_path / "report.docx"
    shutil.copy(form.template_path, copied)
    load_template(copied)
    with zipfile.ZipFile(copied, "a") as archive:  # any change to the bytes
        archive.writestr("customXml/extra.xml", "<x/>")
    template_module._MEMORY.clear()
    assert "customXml/extra.xml" in load_template(copied).parts
    assert len(list((tmp_path / "cache" / "templates").glob("*.pickle"))) == 2


def test_a_tag_that_breaks_the_xml_is_a_form_error():
    with pytest.raises(FormError, match="不是正確的 XML"):
        parse_rendered("<w:body xmlns:w='urn:w'><w:p>{{ x }}</w:body>")
