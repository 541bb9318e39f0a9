"""Table and cell helpers on plain lxml elements."""

from __future__ import annotations

import pytest

from pipeline.office.opc import NS, parse, qn
from pipeline.office.wml import (
    caption_of,
    clear_cell,
    grid_span,
    mark_header_row,
    set_table_caption,
    set_table_description,
    set_vmerge,
    text_of,
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
    ],
)
def test_grid_span_reads_what_is_there_and_falls_back_to_one(span, expected):
    assert grid_span(parse(f"<w:tc {W}><w:tcPr>{span}</w:tcPr><w:p/></w:tc>")) == expected


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
