"""The neutral document model: the same report read from .docx and .odt, whoever saved it."""

from __future__ import annotations

import zipfile

import pytest

from pipeline.errors import InputError
from pipeline.review.document import MAX_CELLS, Document, read_document
from tests.conftest import needs_soffice
from tests.support.libreoffice import edit_part
from tests.support.office_files import PICTURE, PNG, docx_file, odt_file, tc

NESTED = "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>" + tc("內") + "</w:tr></w:tbl>"
TABLE_TEXT = "<w:pPr><w:pStyle w:val='TableText'/></w:pPr>"
DOCX_BODY = (
    '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>一、標題</w:t></w:r></w:p>'
    '<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t xml:space="preserve">丙  丁</w:t></w:r></w:p>'
    '<w:p><w:bookmarkStart w:id="1" w:name="results"/><w:bookmarkEnd w:id="1"/>'
    '<w:r><w:t>有註解</w:t></w:r><w:r><w:commentReference w:id="7"/></w:r></w:p>'
    f"<w:p>{PICTURE}</w:p>"
    "<w:tbl><w:tblPr><w:tblCaption w:val='s10.future'/><w:tblDescription w:val='說明'/></w:tblPr>"
    "<w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
    "<w:tr><w:trPr><w:tblHeader/></w:trPr>" + tc("項次") + tc("名稱") + tc("說明") + "</w:tr>"
    "<w:tr>" + tc("合併", '<w:gridSpan w:val="2"/>') + tc("x") + "</w:tr>"
    "<w:tr>" + tc("上", '<w:vMerge w:val="restart"/>') + tc("1") + tc("2") + "</w:tr>"
    "<w:tr>"
    + tc("", "<w:vMerge/>")
    + tc("3")
    + f"<w:tc><w:p>{TABLE_TEXT}<w:r><w:t>外</w:t></w:r></w:p>{NESTED}<w:p/></w:tc></w:tr>"
    "</w:tbl>"
)

ODT_BODY = (
    '<text:h text:style-name="Heading_20_1" text:outline-level="1">一、標題</text:h>'
    '<text:p text:style-name="P1">甲<text:tab/>乙<text:line-break/>丙 <text:s/>丁</text:p>'
    '<text:p text:style-name="Standard"><text:bookmark text:name="results"/>有註解<office:annotation>'
    "<dc:creator>審查</dc:creator><text:p>請確認</text:p></office:annotation></text:p>"
    '<text:p text:style-name="Standard"><draw:frame draw:name="海報.png"><draw:image xlink:href="Pictures/1.png"/>'
    "</draw:frame></text:p>"
    '<table:table table:name="Table1"><table:table-column table:number-columns-repeated="3"/>'
    "<table:table-header-rows><table:table-row>"
    "<table:table-cell><text:p>項次</text:p></table:table-cell><table:table-cell><text:p>名稱</text:p></table:table-cell>"
    "<table:table-cell><text:p>說明</text:p></table:table-cell></table:table-row></table:table-header-rows>"
    '<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>合併</text:p></table:table-cell>'
    "<table:covered-table-cell/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>"
    '<table:table-row><table:table-cell table:number-rows-spanned="2"><text:p>上</text:p></table:table-cell>'
    "<table:table-cell><text:p>1</text:p></table:table-cell><table:table-cell><text:p>2</text:p></table:table-cell>"
    "</table:table-row>"
    "<table:table-row><table:covered-table-cell/><table:table-cell><text:p>3</text:p></table:table-cell>"
    '<table:table-cell><text:p text:style-name="P2">外</text:p><table:table><table:table-column/>'
    "<table:table-row><table:table-cell><text:p>內</text:p></table:table-cell></table:table-row></table:table>"
    "<text:p/></table:table-cell></table:table-row></table:table>"
)


def model(document: Document) -> tuple:
    """What a reader gets from a document, without the source elements and part names."""
    paragraphs = [(p.text, p.style, p.level, [(i.name, i.data) for i in p.images], p.bookmarks, p.comments)
                  for p in document.paragraphs()]  # fmt: skip
    tables = [
        (
            t.grid(),
            t.merges(),
            [r.header for r in t.rows],
            [
                [
                    (c.span, c.continued, [] if c.continued else [(p.text, p.style) for p in c.paragraphs])
                    for c in r.cells
                ]
                for r in t.rows
            ],
        )
        for t in document.all_tables()
    ]
    return paragraphs, tables


# -- what is read -------------------------------------------------------------------------------


def test_a_docx_is_read_as_a_reader_sees_it(tmp_path):
    document = read_document(docx_file(tmp_path / "a.docx", DOCX_BODY))
    paragraphs = document.paragraphs()
    assert [(p.text, p.style, p.level) for p in paragraphs] == [
        ("一、標題", "Heading1", 1),
        ("甲\t乙\n丙  丁", "Normal", None),
        ("有註解", "Normal", None),
        ("", "Normal", None),
    ]
    assert paragraphs[2].bookmarks == ["results"] and paragraphs[2].comments == ["請確認"]
    [image] = paragraphs[3].images
    assert (image.name, image.part, image.data) == ("海報.png", "word/media/image1.png", PNG)
    outer, inner = document.all_tables()
    assert outer.grid() == [["項次", "名稱", "說明"], ["合併", "", "x"], ["上", "1", "2"], ["", "3", "外\n"]]
    assert [r.header for r in outer.rows] == [True, False, False, False]
    assert (outer.caption, outer.description) == ("s10.future", "說明")
    assert outer.merges() == [(1, 0, 1, 1), (2, 0, 3, 0)]
    assert inner.grid() == [["內"]] and outer.rows[3].cells[2].tables == [inner]


def test_the_same_content_as_odt_reads_the_same(tmp_path):
    docx = read_document(docx_file(tmp_path / "a.docx", DOCX_BODY))
    odt = read_document(odt_file(tmp_path / "a.odt", ODT_BODY))
    assert odt.kind == "odt" and docx.kind == "docx"
    assert model(odt) == model(docx)


def test_odt_white_space_is_read_as_odf_defines_it(tmp_path):
    body = (
        '<text:p>  前面的空白不算，  中間   連續的空白\n  算一個<text:s text:c="3"/>這裡三個'
        "<text:span> 跨越 </text:span> 標記"
        "<office:annotation><text:p>註解不是本文</text:p></office:annotation></text:p>"
    )
    [paragraph] = read_document(odt_file(tmp_path / "s.odt", body)).paragraphs()
    assert paragraph.text == "前面的空白不算， 中間 連續的空白 算一個   這裡三個 跨越 標記"
    assert paragraph.comments == ["註解不是本文"]


def test_odt_lists_and_sections_are_read_as_their_paragraphs(tmp_path):
    body = (
        "<text:section><text:list><text:list-item><text:p>條列一</text:p></text:list-item>"
        "<text:list-item><text:list><text:list-item><text:p>條列二</text:p></text:list-item></text:list>"
        "</text:list-item></text:list></text:section><text:p>段落</text:p>"
    )
    document = read_document(odt_file(tmp_path / "l.odt", body))
    assert [p.text for p in document.paragraphs()] == ["條列一", "條列二", "段落"]


def test_docx_text_leaves_out_what_is_not_shown_as_text(tmp_path):
    body = (
        "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
        "<w:r><w:t>留下</w:t></w:r><w:del w:id='1'><w:r><w:delText>刪掉的</w:delText></w:r></w:del>"
        "<w:ins w:id='2'><w:r><w:t>新增的</w:t></w:r></w:ins>"
        "<w:r><w:fldChar w:fldCharType='begin'/><w:instrText>PAGE</w:instrText><w:fldChar w:fldCharType='separate'/>"
        "<w:t>3</w:t><w:fldChar w:fldCharType='end'/><w:br w:type='page'/></w:r>"
        "<mc:AlternateContent><mc:Choice Requires='wps'><w:r><w:t>甲</w:t></w:r></mc:Choice>"
        "<mc:Fallback><w:r><w:t>甲</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"
    )
    [paragraph] = read_document(docx_file(tmp_path / "t.docx", body)).paragraphs()
    assert paragraph.text == "留下新增的3甲"


@pytest.mark.parametrize("value", ["400000000", "99999999999999999999999999999999", "2.5", "", "-3", "x", "２"])
def test_a_cell_span_is_clamped_to_the_table_grid(tmp_path, value):
    span = f'<w:gridSpan w:val="{value}"/>' if value else "<w:gridSpan/>"
    grid = "<w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
    body = f"<w:tbl>{grid}<w:tr>" + tc("甲", span) + tc("乙") + "</w:tr></w:tbl>"
    [table] = read_document(docx_file(tmp_path / "span.docx", body)).all_tables()
    width = len(table.grid()[0])
    assert table.grid()[0][0] == "甲" and "乙" in table.grid()[0]
    assert width == (4 if value in ("400000000", "99999999999999999999999999999999") else 2)


def test_an_old_style_horizontal_merge_reads_as_a_span(tmp_path):
    row = "<w:tr>" + tc("甲", '<w:hMerge w:val="restart"/>') + tc("", "<w:hMerge/>") + tc("乙") + "</w:tr>"
    [table] = read_document(docx_file(tmp_path / "h.docx", f"<w:tbl>{row}</w:tbl>")).all_tables()
    assert table.grid() == [["甲", "", "乙"]] and [c.span for c in table.rows[0].cells] == [2, 1]
    assert table.merges() == [(0, 0, 0, 1)]


def test_a_table_too_large_to_be_a_report_is_refused(tmp_path):
    row = "<w:tr>" + tc("x", '<w:gridSpan w:val="1000"/>') + "</w:tr>"
    grid = "<w:gridCol/>" * 1000
    rows = MAX_CELLS // 1000 + 1
    body = f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>{row * rows}</w:tbl>"
    with pytest.raises(InputError, match="big.docx.*儲存格數量異常龐大"):
        read_document(docx_file(tmp_path / "big.docx", body))


@pytest.mark.parametrize(
    "name,content,words",
    [
        ("文字.docx", b"just some text", "不是"),
        ("活頁簿.docx", None, "不是"),
        ("試算表.odt", b"", "不是"),
    ],
)
def test_what_is_not_a_report_is_a_clear_message(tmp_path, name, content, words):
    path = tmp_path / name
    if content is None:  # a workbook renamed: a package, but no document in it
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    elif name.endswith(".odt"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", "<x/>")
    else:
        path.write_bytes(content)
    with pytest.raises(InputError) as error:
        read_document(path)
    assert name in str(error.value) and words in str(error.value)


# -- the official tables ----------------------------------------------------------------------------


def test_tables_are_found_by_their_header_rows_when_captions_are_gone(sample_report, tmp_path, form):
    stripped = edit_part(
        sample_report, tmp_path / "no-captions.docx", "word/document.xml", [(r"<w:tblCaption [^>]*/>", "")] * 25
    )
    with_captions = read_document(sample_report, form)
    without = read_document(stripped, form)
    assert all(t.caption is None for t in without.all_tables())
    assert set(without.tables) == set(form.tables)
    assert {k: t.grid() for k, t in without.tables.items()} == {k: t.grid() for k, t in with_captions.tables.items()}
    # The three 六 tables share their header rows: they are told apart by their order.
    order = [t.id for t in without.all_tables() if t.id and t.id.startswith("s6.")]
    assert order == ["s6.ordinances", "s6.public_works", "s6.major_policies"]


def test_without_the_form_tables_are_known_by_caption_only(sample_report):
    document = read_document(sample_report)
    assert document.tables == {} and all(t.id is None for t in document.all_tables())


@needs_soffice
def test_the_sample_reads_the_same_from_docx_libreoffice_docx_and_odt(
    sample_report, libreoffice_docx, libreoffice_odt, form
):
    ours = read_document(sample_report, form)
    for saved in (libreoffice_docx, libreoffice_odt):
        theirs = read_document(saved, form)
        assert set(theirs.tables) == set(form.tables), saved.name
        assert {k: t.grid() for k, t in theirs.tables.items()} == {k: t.grid() for k, t in ours.tables.items()}
        assert {k: t.merges() for k, t in theirs.tables.items()} == {k: t.merges() for k, t in ours.tables.items()}
        assert [(t.grid(), t.merges()) for t in theirs.free_tables()] == [
            (t.grid(), t.merges()) for t in ours.free_tables()
        ]
        assert [(p.text, p.style, p.level, p.comments) for p in theirs.paragraphs()] == [
            (p.text, p.style, p.level, p.comments) for p in ours.paragraphs()
        ]
        assert [[i.data for i in p.images] for p in theirs.paragraphs()] == [
            [i.data for i in p.images] for p in ours.paragraphs()
        ]
        cells = [
            [(p.text, p.style, p.comments) for p in c.paragraphs]
            for t in theirs.all_tables()
            for r in t.rows
            for c in r.cells
            if not c.continued
        ]
        assert cells == [
            [(p.text, p.style, p.comments) for p in c.paragraphs]
            for t in ours.all_tables()
            for r in t.rows
            for c in r.cells
            if not c.continued
        ]
        # Header-row flags hold, but for the table nested in a cell (LibreOffice has none there).
        nested = {t.id for t in ours.all_tables() if t.id and t.element.getparent().tag.endswith("}tc")}
        assert {k: [r.header for r in t.rows] for k, t in theirs.tables.items() if k not in nested} == {
            k: [r.header for r in t.rows] for k, t in ours.tables.items() if k not in nested
        }
