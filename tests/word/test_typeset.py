"""Typesetting: how wide tokens are, how widths are shared, and what the sample report
carries (fixed widths from form.yaml, alignment, rows kept on a page, captions kept with
their tables, landscape sections, page numbers, list indents, pictures)."""

from __future__ import annotations

import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pipeline.office.opc import NS, parse, qn
from pipeline.office.wml import caption_of, text_of
from pipeline.word import typeset
from pipeline.word.typeset import Page, TablePlan, Tokens, em_width, share_widths

A4 = Page(11906, 16838, 1134, 1134, 1134, 1134)
W = NS["w"]


def test_a_chinese_character_is_an_em_latin_text_less_with_a_gap_where_they_meet():
    assert em_width("性平小組") == 4
    assert em_width("109-07-10") == pytest.approx(7 * 0.64 + 2 * 0.4)
    # 總計 27 人: a quarter em on each side of the digits, as Word and LibreOffice space them
    assert em_width("總計27人") == pytest.approx(3 + 2 * 0.64 + 2 * typeset.AUTOSPACE)
    assert em_width("☐CEDAW") < em_width("☐ CEDAW")  # no gap after a box, a space is wider


def test_tokens_are_the_forms_wordings_dates_latin_runs_boxes_and_short_lines(form):
    from pipeline.word.context import tokens

    found = tokens(form)
    assert "總計27人 男15人 女12人" in list(found.of("總計27人 男15人 女12人", header=False))
    assert "109年8月27日" in list(found.of("109年8月27日經本處性平小組討論", header=False))
    assert "☐CEDAW" in list(found.of("☐CEDAW", header=False))
    assert "3,021,400" in list(found.of("3,021,400", header=False))
    assert "許子涵" in list(found.of("許子涵", header=False))
    assert "副首長" in list(found.of("副首長", header=True))
    assert "年度培力總時數" not in list(Tokens().of("年度培力總時數", header=True))  # a header may wrap


@given(st.text(alphabet=st.sampled_from("性平小組總計人年月日 ,.:-()ABCxyz0123456789☑☐\u3000"), max_size=24), st.data())
def test_a_piece_of_a_line_is_never_wider_than_the_line(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert em_width(text[start:end]) <= em_width(text) + 1e-9


@given(st.text(alphabet=st.sampled_from("性平小組總計人男女項年月日 ,.:-ABC0123456789☑☐"), max_size=30), st.booleans())
def test_the_widest_piece_of_a_line_is_the_widest_of_its_tokens(form, text, header):
    from pipeline.word.context import tokens

    found = tokens(form)
    expected = max(map(em_width, found.of(text, header)), default=0.0)
    assert found.widest(text, header) == pytest.approx(expected)


def test_latin_runs_are_the_runs_of_characters_neither_space_nor_cjk():
    left_out = re.compile(r"[^\s\u2E80-\uFFEF]")  # the definition, as what it leaves out
    for code in range(0x110000):
        char = chr(code)
        assert bool(typeset._LATIN_RUN.fullmatch(char)) == bool(left_out.fullmatch(char)), hex(code)
    assert typeset._LATIN_RUN.findall("總計27人 男15人，CEDAW 第2條") == ["27", "15", "CEDAW", "2"]


def test_widths_share_the_page_by_weight_and_give_each_token_its_room():
    widths = share_widths(10000, [None, None, None], [1, 1, 2], [0, 0, 0])
    assert widths == [2500, 2500, 5000]
    widths = share_widths(10000, [None, None, None], [1, 1, 2], [4000, 0, 0])
    assert widths[0] == 4000 and sum(widths) == 10000 and widths[2] == 2 * widths[1]
    fixed = share_widths(10000, [1417.0, None], [0, 1], [0, 0])
    assert fixed == [1417, 8583]
    squeezed = share_widths(10000, [None, None], [1, 1], [8000, 8000])  # more than the page
    assert sum(squeezed) == 10000 and squeezed[0] == squeezed[1]


def grid_table(rows: list[list[str]], widths: list[int], header_rows: int = 1) -> etree._Element:
    """A small w:tbl of text cells, its first rows marked as headers."""
    body = etree.Element(qn("w:body"), nsmap={"w": W})
    tbl = etree.SubElement(body, qn("w:tbl"))
    etree.SubElement(tbl, qn("w:tblPr"))
    grid = etree.SubElement(tbl, qn("w:tblGrid"))
    for width in widths:
        etree.SubElement(grid, qn("w:gridCol"), {qn("w:w"): str(width)})
    for index, values in enumerate(rows):
        tr = etree.SubElement(tbl, qn("w:tr"))
        if index < header_rows:
            etree.SubElement(etree.SubElement(tr, qn("w:trPr")), qn("w:tblHeader"))
        for value in values:
            p = etree.SubElement(etree.SubElement(tr, qn("w:tc")), qn("w:p"))
            etree.SubElement(etree.SubElement(p, qn("w:r")), qn("w:t")).text = value
    return tbl


def row_flags(tbl) -> list[bool]:
    return [tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for tr in tbl.findall(qn("w:tr"))]


def test_a_table_gets_fixed_widths_alignment_and_rows_kept_on_a_page():
    tbl = grid_table([["日期", "金額", "說明"], ["109-07-10", "1,200,000", "說明" * 30]], [1000, 1000, 1000])
    plan = TablePlan(widths=(1, 1, 6), align={1: "right"}, header_rows=1)
    typeset.lay_out_table(tbl, plan, A4, Tokens(), 10)
    assert tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}").get(qn("w:type")) == "fixed"
    cols = [int(c.get(qn("w:w"))) for c in tbl.iter(qn("w:gridCol"))]
    assert sum(cols) == A4.text_width and cols[2] > cols[0]
    assert cols[0] >= em_width("109-07-10") * 200  # the date fits on one line
    cells = [int(tc.get(qn("w:w"))) for tc in tbl.iter(qn("w:tcW"))]
    assert cells == cols * 2
    amount = tbl.findall(qn("w:tr"))[1].findall(qn("w:tc"))[1]
    assert amount.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "right"
    assert row_flags(tbl) == [True, True]


def test_narrative_rows_may_split_and_a_row_taller_than_a_page_always_may():
    long = "敘述" * 3000
    tbl = grid_table([["項次", "摘要"], ["1.", long], ["2.", "短"]], [1000, 8000])
    typeset.lay_out_table(tbl, TablePlan(header_rows=1, split=True), A4, Tokens(), 10)
    assert row_flags(tbl) == [True, False, False]  # the header row never splits
    tbl = grid_table([["項次", "摘要"], ["1.", long], ["2.", "短"]], [1000, 8000])
    typeset.lay_out_table(tbl, TablePlan(header_rows=1, split=False), A4, Tokens(), 10)
    assert row_flags(tbl) == [True, False, True]  # Word would cut a row taller than the page


def test_widths_that_do_not_match_the_template_are_a_form_error():
    from pipeline.errors import FormError
    from pipeline.office.wml import set_table_caption

    tbl = grid_table([["a", "b"]], [1000, 1000])
    set_table_caption(tbl, "s2.members")
    with pytest.raises(FormError, match="s2.members"):
        typeset.lay_out_table(tbl, TablePlan(widths=(1, 2, 3)), A4, Tokens(), 10)


@pytest.mark.parametrize(
    "text,level",
    [
        ("一、積極運用", 0),
        ("(一) 方案名稱", 1),
        ("（二）說明", 1),
        ("1、說明：落實", 2),
        ("2. 性騷擾", 2),
        ("(3) 本案", 3),
    ],
)
def test_list_items_are_indented_by_their_numbering(text, level):
    lists = typeset.ListStyle.of([["{zh}、"], ["({zh})", "（{zh}）"], ["{n}、", "{n}."], ["({n})"]], 1, 12)
    left, hanging = lists.indent(text)
    assert hanging > 0 and left == level * 240 + hanging  # continuation lines start under the text


# -- the sample report ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(sample_report):
    with zipfile.ZipFile(sample_report) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def body(document):
    return parse(document["word/document.xml"]).find(qn("w:body"))


def tables_of(body) -> dict[str, etree._Element]:
    return {caption_of(t): t for t in body.iter(qn("w:tbl")) if caption_of(t)}


def test_the_forms_widths_are_the_reports_widths(body, form):
    tables = tables_of(body)
    for table_id, spec in form.tables.items():
        tbl = tables[table_id]
        assert tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}").get(qn("w:type")) == "fixed", table_id
        cols = [int(c.get(qn("w:w"))) for c in tbl.find(qn("w:tblGrid"))]
        if spec.nested_in is None:
            assert sum(cols) in (9638, 14570), table_id  # the text width, portrait or landscape
        for index, width in enumerate(spec.layout.widths):
            if isinstance(width, str):  # a fixed width in cm
                assert cols[index] == pytest.approx(float(width[:-2]) * 1440 / 2.54, abs=2), (table_id, index)


def cell_align(tbl, row: int, col: int) -> str | None:
    tc = tbl.findall(qn("w:tr"))[row].findall(qn("w:tc"))[col]
    jc = tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:jc')}")
    return None if jc is None else jc.get(qn("w:val"))


def test_amounts_right_counts_numbers_ticks_and_dates_centred(body):
    tables = tables_of(body)
    assert cell_align(tables["s7.budget_current"], 1, 2) == "right"  # 30,000
    assert cell_align(tables["s7.budget_current"], 7, 2) == "right"  # the total row
    assert cell_align(tables["s7.budget_current"], 1, 0) == "center"  # 項次
    assert cell_align(tables["s3.self_training"], 1, 1) == "center"  # 109-07-10
    assert cell_align(tables["s3.self_training"], 1, 9) == "center"  # 總計27人 男15人 女12人
    assert cell_align(tables["s2.meetings"], 2, 1) == "center"  # V
    assert cell_align(tables["s2.meetings"], 2, 4) == "center"  # 其他 (blank)
    assert cell_align(tables["s6.public_works"], 2, 5) == "center"  # 1項
    assert cell_align(tables["s2.members"], 1, 4) == "center"  # 36.11%
    assert cell_align(tables["results.1"], 1, 2) == "center"  # a score in a free-layout table
    assert cell_align(tables["s7.budget_current"], 1, 1) is None  # text keeps the template's


def test_rows_stay_on_one_page_except_the_narrative_tables(body, form):
    for table_id, tbl in tables_of(body).items():
        spec = form.tables.get(table_id)
        rows = tbl.findall(qn("w:tr"))
        headers = [typeset.is_header_row(tr) for tr in rows]
        flags = row_flags(tbl)
        assert all(flag for flag, head in zip(flags, headers, strict=True) if head), table_id
        if spec is not None and spec.layout.split:
            assert not any(flag for flag, head in zip(flags, headers, strict=True) if not head), table_id
        else:
            assert all(flags), table_id


def keeps_next(p) -> bool:
    return p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None


def test_headings_instructions_and_captions_stay_with_their_tables(body):
    tables = tables_of(body)
    before = tables["s3.general"].getprevious()  # 總人數：715 …
    assert "總人數" in text_of(before) and keeps_next(before)
    instruction = before.getprevious()
    assert "一般公務人員" in text_of(instruction) and keeps_next(instruction)
    header_cells = tables["s3.general"].findall(qn("w:tr"))[0].iter(qn("w:p"))
    assert all(keeps_next(p) for p in header_cells)  # the header row stays with the first row
    rules = [p for p in body.findall(qn("w:p")) if re.match(r"\([一二三四五]\) [A-E]", text_of(p))]
    assert len(rules) == 5 and all(keeps_next(p) for p in rules)  # 八's group rules with its table


def sections(body) -> list[etree._Element]:
    return [*body.iter(qn("w:sectPr"))]


def test_the_wide_tables_are_on_landscape_pages_and_every_section_numbers_its_pages(body):
    found = sections(body)
    orient = [s.find(qn("w:pgSz")).get(qn("w:orient")) for s in found]
    assert orient == [None, "landscape", None, "landscape", None]
    for sect in found:
        assert sect.find(qn("w:footerReference")) is not None
    order = [el for el in body.iter(qn("w:tbl"), qn("w:sectPr")) if el.tag == qn("w:sectPr") or caption_of(el)]
    landscape_tables = set()
    pending = []
    for el in order:
        if el.tag == qn("w:tbl"):
            pending.append(caption_of(el))
        else:
            if el.find(qn("w:pgSz")).get(qn("w:orient")) == "landscape":
                landscape_tables |= {c for c in pending if c != "s8.venues"}
            pending = []
    assert landscape_tables == {
        "s3.self_training", "s3.staff_training", "s3.media_training", "s6.ordinances", "s6.public_works",
        "s6.major_policies",
    }  # fmt: skip


def test_the_footer_prints_page_n_of_m(document):
    footer = parse(document["word/footer1.xml"])
    instructions = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert text_of(footer).replace("1", "N", 1).replace("1", "M") == "第 N 頁，共 M 頁"


def test_list_items_hang_and_the_picture_is_centred_with_alt_text(body):
    paragraphs = body.findall(qn("w:p"))
    item = next(p for p in paragraphs if text_of(p).startswith("2、推動方式："))
    ind = item.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    assert int(ind.get(qn("w:hanging"))) >= 300 and int(ind.get(qn("w:left"))) > int(ind.get(qn("w:hanging")))
    picture = next(p for p in paragraphs if p.find(".//" + qn("w:drawing")) is not None)
    assert picture.find(f"{qn('w:pPr')}/{qn('w:jc')}").get(qn("w:val")) == "center"
    doc_pr = picture.find(".//" + qn("wp:docPr"))
    assert doc_pr.get("descr") == "公開揭示海報"
    caption = picture.getprevious()
    assert text_of(caption) == "公開揭示海報" and keeps_next(caption)
    extent = picture.find(".//" + qn("wp:extent"))
    assert int(extent.get("cy")) <= 12 * 360000  # typeset.picture_height_cm


def test_only_the_clerks_headings_are_headings_in_the_free_layout(body):
    heading3 = [text_of(p)[:2] for p in body.findall(qn("w:p")) if _style(p) == "Heading3"]
    assert heading3 == ["一、", "二、", "三、"]  # the navigation pane under 八


def _style(p) -> str | None:
    node = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return None if node is None else node.get(qn("w:val"))


def test_a_merged_cells_text_is_kept_whole_but_a_tall_group_may_break():
    """The label of a merged cell over short rows keeps those rows together as far as the
    label reaches; the rows after that are free to go to the next page."""
    from pipeline.office.wml import set_vmerge

    label = "類別" * 40  # many lines in its column
    rows = [["類別", "項目"]] + [[label if i == 0 else "", f"第{i}項" + "說明" * 90] for i in range(6)]
    tbl = grid_table(rows, [2000, 7000])
    trs = tbl.findall(qn("w:tr"))
    for index, tr in enumerate(trs[1:]):
        set_vmerge(tr.findall(qn("w:tc"))[0], restart=index == 0)
    typeset.lay_out_table(tbl, TablePlan(header_rows=1), A4, Tokens(), 10)
    first = trs[1].findall(qn("w:tc"))[0]
    assert first.find(f"{qn('w:tcPr')}/{qn('w:vAlign')}").get(qn("w:val")) == "top"
    kept = [all(keeps_next(p) for p in tr.iter(qn("w:p"))) for tr in trs[1:]]
    assert kept[0] and not kept[-1] and kept.count(True) < len(kept) - 1
