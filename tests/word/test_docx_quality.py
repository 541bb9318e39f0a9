"""The report is a clean, native Word document a reviewer can work in."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from pipeline.office.wml import caption_of
from pipeline.review.extract import read_tables
from tests.conftest import needs_soffice


def test_reopens_and_has_no_leftover_template_tags(sample_report):
    doc = Document(str(sample_report))
    assert len(doc.tables) >= 20
    with zipfile.ZipFile(sample_report) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    for tag in ("{{", "}}", "{%", "%}", "{#"):
        assert tag not in xml


def test_page_is_a4(sample_report):
    section = Document(str(sample_report)).sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.05)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.05)


def test_fonts_kaiti_in_east_asian_slot_times_for_latin(sample_report):
    doc = Document(str(sample_report))
    for name in ("Normal", "Heading 1", "Heading 2", "Title", "Table Text"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        if fonts is None:  # inherits from Normal
            continue
        assert fonts.get(qn("w:eastAsia")) == "標楷體", name
        assert fonts.get(qn("w:ascii")) == "Times New Roman", name
        assert fonts.get(qn("w:asciiTheme")) is None, name
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts.get(qn("w:eastAsia")) == "標楷體"


def test_sections_are_headings_for_the_navigation_pane(sample_report):
    doc = Document(str(sample_report))
    level1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    numerals = "一二三四五六七八九十"
    assert [t[0] for t in level1] == list(numerals)
    level2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "(一) 成員" in level2 and "(二) 運作情形" in level2
    outline = doc.styles["Heading 1"].element.pPr.find(qn("w:outlineLvl"))
    assert outline is not None and outline.get(qn("w:val")) == "0"


def test_header_rows_repeat_on_every_page(sample_report):
    doc = Document(str(sample_report))
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None


def test_two_level_headers_are_merged_cells(sample_report):
    tables = read_tables(sample_report)
    # 會議主席 spans four columns; the first header cell spans two rows.
    assert tables["s2.meetings"][0][1:5] == ["會議主席\n(請勾選，主席為「其他」者，請填報職稱。)", "", "", ""]
    assert tables["s2.meetings"][1][0] == ""
    doc = Document(str(sample_report))
    meetings = next(t for t in doc.tables if "會議主席" in t.rows[0].cells[1].text)
    assert meetings.rows[0].cells[1]._tc.grid_span == 4
    assert meetings.rows[1]._tr.tc_lst[0].vMerge == "continue"


def test_checkbox_glyphs_use_a_symbol_font(sample_report):
    doc = Document(str(sample_report))
    runs = [
        run
        for table in doc.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
        for run in p.runs
        if run.text in ("☑", "☐")
    ]
    assert runs, "no checkbox glyphs found"
    assert all(r.style.name == "Checkbox" for r in runs)


def test_body_merges_follow_the_data(sample_report):
    doc = Document(str(sample_report))
    contacts_tbl = next(t for t in doc.tables if caption_of(t._tbl) == "header.contacts")
    first, second = contacts_tbl._tbl.tr_lst[1], contacts_tbl._tbl.tr_lst[2]
    assert first.tc_lst[0].vMerge == "restart" and second.tc_lst[0].vMerge == "continue"
    assert first.tc_lst[4].vMerge == "restart" and second.tc_lst[4].vMerge == "continue"
    tables = read_tables(sample_report)
    contacts = tables["header.contacts"]
    assert contacts[1][0] == "性平聯絡人" and contacts[2][0] == ""
    strategies = tables["s8.strategies"]
    categories = [row[0] for row in strategies[1:]]
    assert sum(1 for c in categories if c) == 6


@needs_soffice
def test_libreoffice_opens_and_converts_to_pdf(sample_report, tmp_path):
    assert shutil.which("soffice"), "CI must have LibreOffice installed"
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(sample_report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdfs = list(tmp_path.glob("*.pdf"))
    assert result.returncode == 0 and pdfs, result.stderr
    data = pdfs[0].read_bytes()
    pages = re.findall(rb"/Type\s*/Page(?!s)", data)
    assert data.startswith(b"%PDF") and len(pages) > 10


def test_parts_use_the_usual_namespace_prefixes(sample_report):
    with zipfile.ZipFile(sample_report) as archive:
        for name in ("word/document.xml", "docProps/custom.xml"):
            xml = archive.read(name).decode("utf-8")
            assert not re.search(r"<ns\d+:", xml), name  # no prefixes lxml had to invent
        document = archive.read("word/document.xml").decode("utf-8")
    assert "<pic:pic>" in document and "<a:blip " in document


# -- what File → Info and the document's parts say about it ------------------------------------


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_properties_name_the_agency_the_year_and_the_build_time(sample_report):
    from datetime import datetime

    from pipeline.office.docprops import read_document_info
    from pipeline.office.provenance import read_properties

    parts = _parts(sample_report)
    info = read_document_info(parts["docProps/core.xml"])
    assert info["title"] == "臺北自來水事業處109年推動性別平等工作成果報告"
    assert info["creator"] == info["lastModifiedBy"] == "臺北自來水事業處"
    assert info["description"] == ""  # not "generated by python-docx"
    built = datetime.fromisoformat(read_properties(sample_report)["產生時間"])
    created = datetime.fromisoformat(info["created"].replace("Z", "+00:00"))
    assert info["modified"] == info["created"] and abs((created - built).total_seconds()) < 60
    app = parts["docProps/app.xml"].decode("utf-8")
    assert "Macintosh" not in app and "<Company>臺北自來水事業處</Company>" in app


def test_word_2013_mode_traditional_chinese_and_the_fonts_it_uses(sample_report):
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = _parts(sample_report)
    settings = etree.fromstring(parts["word/settings.xml"])
    compat = {s.get(w + "name"): s.get(w + "val") for s in settings.iter(w + "compatSetting")}
    assert compat["compatibilityMode"] == "15"  # no 相容模式 in Word's title bar
    assert settings.find(w + "themeFontLang").get(w + "eastAsia") == "zh-TW"
    fonts = {f.get(w + "name"): f for f in etree.fromstring(parts["word/fontTable.xml"])}
    assert fonts["標楷體"].find(w + "altName").get(w + "val") == "DFKai-SB"
    assert fonts["標楷體"].find(w + "charset").get(w + "val") == "88"  # Big5
    assert "Segoe UI Symbol" in fonts and not any(name.startswith("ＭＳ") for name in fonts)
    theme = parts["word/theme/theme1.xml"].decode("utf-8")
    assert 'script="Hant" typeface="標楷體"' in theme and "Cambria" not in theme
    assert not [n for n in parts if n.startswith("customXml/") or "stylesWithEffects" in n]


def test_every_style_the_report_and_its_comments_use_is_defined(sample_inputs, tmp_path):
    """Word falls back to Normal for an undefined style; the validator does not notice."""
    from lxml import etree

    from pipeline import build
    from tests.conftest import set_cell

    set_cell(sample_inputs / "02_性別平等專案小組.xlsx", "成員", "委員總數", 40)  # a finding: a comment
    report = build(sample_inputs, tmp_path).output
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = _parts(report)
    defined = {s.get(w + "styleId") for s in etree.fromstring(parts["word/styles.xml"]).iter(w + "style")}
    used = set()
    for name in ("word/document.xml", "word/comments.xml", "word/footer1.xml"):
        root = etree.fromstring(parts[name])
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used |= {node.get(w + "val") for node in root.iter(w + tag)}
    assert {"CommentText", "CommentReference"} <= used
    assert used <= defined
