"""Table and cell helpers on plain lxml elements."""

from __future__ import annotations

import pytest

from pipeline.office.opc import NS, parse, qn
from pipeline.office.wml import (
    CHILD_ORDER,
    MAX_GRID_COLUMNS,
    caption_of,
    clear_cell,
    ensure_child,
    grid_span,
    insert_child,
    mark_header_row,
    set_run_fonts,
    set_table_caption,
    set_table_description,
    set_vmerge,
    text_of,
    vmerge,
)

W = f"xmlns:w='{NS['w']}'"


@pytest.mark.parametrize(
    "span,expected",
    [
        ("", 1),
        ("<w:gridSpan w:val='3'/>", 3),
        ("<w:gridSpan/>", 1),
        ("<w:gridSpan w:val='x'/>", 1),
        ("<w:gridSpan w:val='0'/>", 1),
        ("<w:gridSpan w:val='2.5'/>", 1),
        ("<w:gridSpan w:val='-2'/>", 1),
        ("<w:gridSpan w:val='400000000'/>", MAX_GRID_COLUMNS),
        (f"<w:gridSpan w:val='{'9' * 5000}'/>", MAX_GRID_COLUMNS),
    ],
)
def test_grid_span_reads_what_is_there_and_falls_back_to_one(span, expected):
    assert grid_span(parse(f"<w:tc {W}><w:tcPr>{span}</w:tcPr><w:p/></w:tc>")) == expected


def test_grid_span_is_clamped_to_the_columns_left():
    tc = parse(f"<w:tc {W}><w:tcPr><w:gridSpan w:val='400000000'/></w:tcPr><w:p/></w:tc>")
    assert grid_span(tc, 3) == 3 and grid_span(tc, 0) == 1


def test_vmerge_goes_after_width_and_span_and_restart_is_explicit():
    tc = parse(f"<w:tc {W}><w:tcPr><w:tcW w:w='10'/><w:gridSpan w:val='2'/><w:vAlign/></w:tcPr><w:p/></w:tc>")
    set_vmerge(tc, restart=True)
    assert [c.tag.split("}")[1] for c in tc[0]] == ["tcW", "gridSpan", "vMerge", "vAlign"]
    assert tc[0][2].get(qn("w:val")) == "restart"
    set_vmerge(tc, restart=False)
    assert qn("w:val") not in tc[0][2].attrib and len(tc[0]) == 4


def test_header_rows_captions_and_descriptions():
    tbl = parse(f"<w:tbl {W}><w:tblPr><w:tblW/></w:tblPr><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>")
    tr = tbl.find(qn("w:tr"))
    mark_header_row(tr)
    mark_header_row(tr)  # once is enough
    assert len(tr.findall(f"{qn('w:trPr')}/{qn('w:tblHeader')}")) == 1 and tr[0].tag == qn("w:trPr")
    set_table_caption(tbl, "s2.members")
    set_table_description(tbl, "成員")
    set_table_caption(tbl, "s2.meetings")
    assert caption_of(tbl) == "s2.meetings"
    assert [c.tag.split("}")[1] for c in tbl[0]] == ["tblW", "tblCaption", "tblDescription"]


def test_clearing_a_cell_keeps_one_paragraph_and_its_style():
    tc = parse(
        f"<w:tc {W}><w:tcPr/><w:p><w:pPr><w:pStyle w:val='TableText'/></w:pPr>"
        "<w:r><w:t>甲</w:t></w:r></w:p><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc>"
    )
    clear_cell(tc)
    assert len(tc.findall(qn("w:p"))) == 1 and text_of(tc) == ""
    assert tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:pStyle')}").get(qn("w:val")) == "TableText"


def names(parent):
    return [c.tag.split("}")[1] for c in parent]


def test_new_children_go_where_the_schema_puts_them():
    tc_pr = parse(f"<w:tcPr {W}><w:tcW w:w='5'/><w:vAlign w:val='center'/></w:tcPr>")
    ensure_child(tc_pr, "w:gridSpan")
    ensure_child(tc_pr, "w:shd")
    ensure_child(tc_pr, "w:cnfStyle")
    assert names(tc_pr) == ["cnfStyle", "tcW", "gridSpan", "shd", "vAlign"]
    tr = parse(f"<w:tr {W}><w:tblPrEx/><w:tc><w:p/></w:tc></w:tr>")
    mark_header_row(tr)
    insert_child(tr.find(qn("w:trPr")), "w:del", {"w:id": "1"})
    insert_child(tr.find(qn("w:trPr")), "w:cantSplit")
    assert names(tr) == ["tblPrEx", "trPr", "tc"]
    assert names(tr[1]) == ["tblHeader", "cantSplit", "del"]  # a choice, then the tracked change


def test_the_paragraph_mark_s_tracked_change_comes_first():
    p = parse(f"<w:p {W}><w:pPr><w:pStyle w:val='A'/><w:rPr><w:b/><w:sz w:val='20'/></w:rPr></w:pPr><w:r/></w:p>")
    mark = p.find(f"{qn('w:pPr')}/{qn('w:rPr')}")
    insert_child(mark, "w:ins", {"w:id": "3"})
    assert names(mark) == ["ins", "b", "sz"]
    run = parse(f"<w:r {W}><w:rPr><w:rStyle w:val='X'/><w:b/></w:rPr><w:t>甲</w:t></w:r>")
    set_run_fonts(run.find(qn("w:rPr")), "標楷體", "Times New Roman")
    assert names(run.find(qn("w:rPr"))) == ["rStyle", "rFonts", "b"]  # after the style, not first
    assert names(parse(f"<w:p {W}><w:r/></w:p>")) == ["r"]
    ensure_child(p, "w:pPr")
    assert names(p)[0] == "pPr"


def test_every_declared_order_names_its_children_once():
    for parent, order in CHILD_ORDER.items():
        tags = [t for entry in order for t in ((entry,) if isinstance(entry, str) else entry)]
        assert len(tags) == len(set(tags)), parent


def test_vertical_merge_states():
    merges = ("", "<w:vMerge/>", "<w:vMerge w:val='continue'/>", "<w:vMerge w:val='restart'/>")
    states = [vmerge(parse(f"<w:tc {W}><w:tcPr>{m}</w:tcPr></w:tc>")) for m in merges]
    assert states == [None, "continue", "continue", "restart"]
