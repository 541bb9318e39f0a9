"""The renderer: its caches (in memory, and on disk across processes), and its output
against bare docxtpl's for the same template and context."""

from __future__ import annotations

import copy
import shutil
import zipfile

import pytest
from jinja2 import StrictUndefined
from lxml import etree

from pipeline.errors import FormError
from pipeline.form.spec import DEFAULT_FORM_DIR
from pipeline.office.opc import NS, qn
from pipeline.submit.odf import report_shape
from pipeline.word import template as template_module
from pipeline.word.render import JINJA, CachingEnvironment, Document, fit_table_grids, parse_rendered
from pipeline.word.template import load_template


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


def sample_context(form, inputs=None):
    """The context and layout the pipeline computes for the shipped sample (or ``inputs``)."""
    from pipeline.inputs.read import read_inputs
    from pipeline.report.compute import compute_report
    from pipeline.word.context import build_context
    from tests.conftest import SAMPLE_INPUTS

    records, _ = read_inputs(inputs or SAMPLE_INPUTS, form)
    return build_context(compute_report(records, form))


def shape(root):
    """Every element in order with its attributes, text and tail: the meaning of the XML,
    whatever the namespace declarations."""
    return [
        (el.tag, sorted(el.attrib.items()), el.text or "", el.tail or "")
        for el in root.iter()
        if isinstance(el.tag, str)
    ]


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


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "line one\nline two\n\nafter a blank line",
        "before a tab\tafter it\tand\nanother line",
        'markup stays text: <w:p> & {{ not a tag }} "quoted"',
        "  leading and trailing spaces  ",
    ],
)
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


@pytest.mark.parametrize(
    "seed,options",
    [
        (1, {"size": "small"}),
        (2, {"size": "large", "scale": 3}),
        (3, {"empty": ("s1", "s5", "s6", "s9", "s10", "results")}),
        (4, {"groups": "A群、A1組"}),
    ],
)
def test_synthetic_agencies_fill_exactly_as_docxtpl_fills_them(form, tmp_path, seed, options):
    from tests.support.synthetic import make_agency

    make_agency(tmp_path / "agency", seed, form=form, breaches=(), **options)
    context, _ = sample_context(form, tmp_path / "agency")
    ours = shape(our_body(form.template_path, context))
    assert ours == shape(docxtpl_body(form.template_path, context))


def test_empty_loops_give_exactly_what_docxtpl_gives(form):
    context, _ = sample_context(form)
    context = copy.deepcopy(context)
    context["header"]["contacts"] = []  # a row loop that runs zero times
    context["s2"]["meetings"] = []
    assert shape(our_body(form.template_path, context)) == shape(docxtpl_body(form.template_path, context))


def test_the_prepared_template_is_cached_on_disk(form, tmp_path, monkeypatch):
    monkeypatch.setenv("TPE_REPORT_CACHE", str(tmp_path / "cache"))
    template_module._MEMORY.clear()
    first = load_template(form.template_path)
    assert len(list((tmp_path / "cache" / "templates").glob("*.json"))) == 1
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
    assert len(list((tmp_path / "cache" / "templates").glob("*.json"))) == 2


def test_a_tag_that_breaks_the_xml_is_a_form_error():
    with pytest.raises(FormError, match="不是正確的 XML"):
        parse_rendered("<w:body xmlns:w='urn:w'><w:p>{{ x }}</w:body>")


# -- free-layout tables: the clerk's merged cells ---------------------------------------


def free_table(rows: int, cols: int, merges):
    """A free-layout table of cells A1, B1, … as the renderer builds it, merged."""
    from pipeline.word.render import EMU_PER_CM, _merge_cells

    cells = tuple(tuple(f"{chr(65 + c)}{r + 1}" for c in range(cols)) for r in range(rows))
    document = Document(load_template(DEFAULT_FORM_DIR / "report.docx"))
    tbl = document._grid("t", cells, 1, 17 * EMU_PER_CM, [17 * EMU_PER_CM // cols] * cols)
    _merge_cells(tbl, merges)
    return tbl


def word_areas(tbl, width: int = 3):
    """What Word shows: each merged cell as ((first row, first col, last row, last col), text),
    after checking that every row covers ``width`` columns and every continued cell sits under
    a cell of the same columns."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    open_cells, areas = {}, []
    for r, tr in enumerate(tbl.findall(w + "tr")):
        start = 0
        for tc in tr.findall(w + "tc"):
            span_el = tc.find(f"{w}tcPr/{w}gridSpan")
            span = 1 if span_el is None else int(span_el.get(w + "val"))
            vmerge = tc.find(f"{w}tcPr/{w}vMerge")
            text = "".join(t.text or "" for t in tc.iter(w + "t"))
            if vmerge is not None and vmerge.get(w + "val") != "restart":
                above = open_cells.get((start, span))
                assert above is not None, f"row {r}: a continued cell with nothing above it"
                assert text == "", f"row {r}: text in a continued cell is hidden by Word"
                above[0][2] = r
            else:
                area = [r, start, r, start + span - 1]
                areas.append((area, text))
                open_cells = {k: v for k, v in open_cells.items() if k[0] + k[1] <= start or k[0] >= start + span}
                if vmerge is not None:
                    open_cells[(start, span)] = areas[-1]
            start += span
        assert start == width, f"row {r} covers {start} grid columns"
    return sorted((tuple(area), text) for area, text in areas if area[:2] != area[2:])


@pytest.mark.parametrize(
    "merges,merged",
    [
        ([(0, 0, 0, 1)], [((0, 0, 0, 1), "A1B1")]),
        ([(1, 0, 2, 0)], [((1, 0, 2, 0), "A2A3")]),
        ([(1, 1, 2, 2)], [((1, 1, 2, 2), "B2C2B3C3")]),
        # Excel refuses overlapping merges, a program writing the workbook does not: Word's own
        # merge (and python-docx's) takes the rectangle around both.
        ([(0, 0, 1, 1), (1, 1, 2, 2)], [((0, 0, 2, 2), "A1B1C1A2B2C2A3B3C3")]),
        ([(0, 0, 1, 0), (1, 0, 1, 1)], [((0, 0, 1, 1), "A1B1A2B2")]),
        ([(0, 0, 0, 1), (0, 1, 0, 2)], [((0, 0, 0, 2), "A1B1C1")]),
        ([(0, 0, 2, 2), (1, 1, 1, 1)], [((0, 0, 2, 2), "A1B1C1A2B2C2A3B3C3")]),
        # A range written last-corner-first, and one running past the last row the sheet keeps
        # (its blank rows are dropped): still merged, within the table.
        ([(2, 1, 1, 0)], [((1, 0, 2, 1), "A2B2A3B3")]),
        ([(1, 0, 5, 1)], [((1, 0, 2, 1), "A2B2A3B3")]),
        ([(5, 0, 1, 0)], [((1, 0, 2, 0), "A2A3")]),
    ],
)
def test_merged_cells_are_what_word_shows(merges, merged):
    assert word_areas(free_table(3, 3, merges)) == merged


def test_an_empty_merged_area_keeps_the_table_paragraph_style():
    from pipeline.word.render import _merge_cells

    document = Document(load_template(DEFAULT_FORM_DIR / "report.docx"))
    tbl = document._grid("t", [("head", ""), ("", ""), ("x", "y")], 1, 6000000, [3000000] * 2)
    _merge_cells(tbl, [(1, 0, 1, 1)])
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    merged = tbl.findall(w + "tr")[1].find(w + "tc")
    styles = [p.find(f"{w}pPr/{w}pStyle") for p in merged.findall(w + "p")]
    assert len(styles) == 1 and styles[0] is not None
    assert styles[0].get(w + "val") == document.style_id("Table Text")


def test_a_damaged_compiled_entry_is_compiled_again(tmp_path):
    from jinja2.bccache import bc_magic

    source = "<w:t>{{ x }}</w:t>"
    CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True).from_string(source)
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_bytes(bc_magic + b"\x80")  # cut short (a full disk, a copied cache folder)
    env = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    assert env.from_string(source).render(x="A&B") == "<w:t>A&amp;B</w:t>"
    fresh = CachingEnvironment(tmp_path / "cache", undefined=StrictUndefined, autoescape=True)
    fresh.compile = None  # and the entry was written again
    assert fresh.from_string(source).render(x=1) == "<w:t>1</w:t>"


def test_a_template_with_its_own_comment_is_not_taken_for_an_edited_report(tmp_path):
    """A maintainer's note left as a comment in the template is part of every report."""
    from docx import Document as DocxDocument

    from pipeline.office.provenance import was_edited

    made = DocxDocument()
    paragraph = made.add_paragraph("{{ header.title }}")
    made.add_comment(paragraph.runs, text="標題由基本資料填入", author="維護者")
    made.save(tmp_path / "template.docx")
    document = Document(load_template(tmp_path / "template.docx"))
    document.fill({"header": {"title": "報告"}})
    document.save(tmp_path / "report.docx", {})  # no findings, so no comments of ours
    with zipfile.ZipFile(tmp_path / "report.docx") as archive:
        assert "標題由基本資料填入" in archive.read("word/comments.xml").decode("utf-8")
    assert not was_edited(tmp_path / "report.docx")


@pytest.mark.parametrize("size", [(1080, 2340), (100, 10000), (10000, 3)])
def test_a_picture_fits_the_page_whatever_its_shape(tmp_path, size):
    """A phone screenshot is taller than the page at full width: Word would cut it off."""
    from PIL import Image

    from pipeline.word.render import EMU_PER_CM, MAX_IMAGE_WIDTH

    Image.new("RGB", size, "white").save(tmp_path / "shot.png")
    document = Document(load_template(DEFAULT_FORM_DIR / "report.docx"))
    p = document._picture_paragraph(tmp_path / "shot.png", iter([5000]))
    extent = p.find(".//{*}extent")
    cx, cy = int(extent.get("cx")), int(extent.get("cy"))
    text_height = (29.7 - 2 * 2.0) * EMU_PER_CM  # A4 with the form's 2 cm margins
    assert 0 < cx <= MAX_IMAGE_WIDTH and 0 < cy < text_height
    assert cy / cx == pytest.approx(size[1] / size[0], rel=0.01)


def test_a_picture_header_with_absurd_dimensions_stays_within_what_word_reads(tmp_path):
    import struct

    from PIL import Image

    Image.new("RGB", (1, 1)).save(tmp_path / "claims.png")
    blob = bytearray((tmp_path / "claims.png").read_bytes())
    blob[16:24] = struct.pack(">II", 1, 80_000_000)  # 1 × 80 million pixels, says the header
    (tmp_path / "claims.png").write_bytes(bytes(blob))
    document = Document(load_template(DEFAULT_FORM_DIR / "report.docx"))
    p = document._picture_paragraph(tmp_path / "claims.png", iter([5000]))
    for extent in (p.find(".//{*}extent"), p.find(".//{*}ext")):
        # ST_PositiveCoordinate: 0 … 27273042316900; a picture of no size is not shown at all.
        assert 1 <= int(extent.get("cx")) <= 27273042316900
        assert 1 <= int(extent.get("cy")) <= 27273042316900
    blob[16:24] = struct.pack(">II", 1, 0x7FFFFFFF)  # 1 × 2³¹: more pixels than a report carries
    (tmp_path / "claims.png").write_bytes(bytes(blob))
    p = document._picture_paragraph(tmp_path / "claims.png", iter([5001]))
    assert p.find(".//{*}drawing") is None and "圖片無法放入：claims.png" in "".join(p.itertext())


def test_the_prepared_template_is_keyed_by_all_the_code_that_shapes_it(form, monkeypatch):
    """A cached template made by other code would be used without a word."""
    from pathlib import Path

    import docx
    import docxtpl

    from pipeline import cache
    from pipeline.office import opc as ooxml

    seen: list[str] = []
    code_of = cache.code_of
    monkeypatch.setattr(cache, "code_of", lambda *files: seen.extend(files) or code_of(*files))
    template_module._MEMORY.clear()
    load_template(form.template_path)
    used = {Path(f).resolve() for f in seen}
    assert Path(template_module.__file__).resolve() in used
    assert Path(ooxml.__file__).resolve() in used  # reads the package, cuts the body out
    assert Path(docxtpl.__file__).resolve().with_name("template.py") in used
    assert Path(docx.__file__).resolve() in used  # python-docx's version: docxtpl reads through it


def test_grid_columns_without_a_width_do_not_stop_the_build():
    body = parse_rendered(
        f"<w:body xmlns:w='{NS['w']}'><w:tbl><w:tblGrid><w:gridCol/><w:gridCol w:w='2000'/>"
        "<w:gridCol w:w='x'/></w:tblGrid><w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>"
        "</w:tbl></w:body>"
    )
    fit_table_grids(body)
    widths = [c.get(qn("w:w")) for c in body.iter(qn("w:gridCol"))]
    assert len(widths) == 2  # one column per cell, the width of the removed one shared out


def test_a_layout_naming_a_table_the_template_lacks_is_a_form_error(form):
    from pipeline.word.context import Layout, NestedTable

    context, _ = sample_context(form)
    document = Document(load_template(form.template_path))
    document.fill(context)
    nested = NestedTable("no.such.table", 0, 0, "x", ("a",), (("b",),))
    with pytest.raises(FormError, match="no.such.table"):
        document.apply_layout(Layout({}, nested=(nested,)))


@pytest.mark.parametrize(
    "layout",
    [
        {"merges": ("header.contacts", 9, 0, 1)},  # a column the template's row no longer has
        {"merges": ("header.contacts", 0, 0, 99)},  # rows past the table's end
        {"nested": ("s2.members", 50, 0)},
    ],
    ids=["merge-column", "merge-rows", "nested-row"],
)
def test_a_layout_the_template_s_table_cannot_hold_is_a_form_error(form, layout):
    """A maintainer removed a column or a loop row in Word: a message, not a traceback."""
    from pipeline.word.context import Layout, Merge, NestedTable

    context, _ = sample_context(form)
    document = Document(load_template(form.template_path))
    document.fill(context)
    if "merges" in layout:
        plan = Layout({}, merges=(Merge(*layout["merges"]),))
    else:
        plan = Layout({}, nested=(NestedTable(*layout["nested"], "x", ("a",), (("b",),)),))
    table = (layout.get("merges") or layout["nested"])[0]
    with pytest.raises(FormError, match=table):
        document.apply_layout(plan)


def test_a_finding_naming_a_file_with_control_characters_is_still_a_comment(form, tmp_path):
    """A finding can quote a file name (an annex), and Linux names may hold what XML cannot."""
    from pipeline.findings import Finding, Severity, Target

    document = Document(load_template(form.template_path))
    document.fill(sample_context(form)[0])
    finding = Finding(
        "annex.unknown", Severity.WARNING, "「附件9 a\x01b\x0b.pdf」不屬於任何附件", target=Target(section="一")
    )
    document.add_comments([finding], {})
    document.save(tmp_path / "report.docx", {})
    with zipfile.ZipFile(tmp_path / "report.docx") as archive:
        assert "「附件9 ab.pdf」不屬於任何附件" in archive.read("word/comments.xml").decode("utf-8")


W_NS = "{" + NS["w"] + "}"


def test_a_finding_on_a_merged_area_is_anchored_in_its_first_cell(group_minimum_report):
    with zipfile.ZipFile(group_minimum_report) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    cells = [next(r.iterancestors(W_NS + "tc")) for r in body.iter(W_NS + "commentReference")]
    assert cells
    for tc in cells:  # never a continued cell of a vertical merge, which LibreOffice drops
        merge = tc.find(f"{W_NS}tcPr/{W_NS}vMerge")
        assert merge is None or merge.get(W_NS + "val") == "restart"
    # The group minimum's comment is in section 八's table, in a cell spanning several rows.
    shape = report_shape(group_minimum_report)
    places = [place for place, text in shape.comments if "至少辦理" in text]
    assert len(places) == 1 and places[0] is not None
    table, row, column = places[0]
    _grid, merges = shape.tables[table]
    assert any((r1, c1) == (row, column) and r2 > r1 for r1, c1, r2, _c2 in merges)


def test_a_dotted_name_reads_a_dict_item_as_jinja_does():
    from jinja2 import Environment, UndefinedError

    from pipeline.word.render import JINJA

    plain = Environment(undefined=StrictUndefined, autoescape=True)
    context = {"d": {"name": "甲", "items": "乙", "nested": {"x": 1}}, "n": 3}
    for source in ("{{ d.name }}", "{{ d.nested.x }}", "{{ d.items is callable }}", "{{ n.real }}"):
        assert JINJA.from_string(source).render(context) == plain.from_string(source).render(context)
    with pytest.raises(UndefinedError):
        JINJA.from_string("{{ d.missing }}").render(context)
