"""The sample report as a reviewer prints it: rendered by LibreOffice to PDF and read back
with poppler's pdftotext.  Every page carries its number, no date, name, amount or
participants' count is broken over two lines, and no table row is split over two pages
except in the tables whose long narrative rows may split (layout.split in form.yaml)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from pipeline.form.spec import load_form
from pipeline.office.opc import qn
from pipeline.office.wml import caption_of, grid_span, text_of
from tests.conftest import needs_soffice

# The people the sample's tables name (tools/sample_data.yaml): committee experts, contacts,
# lecturers, the experts of 六 (at the end of their titles).
NAMES = ("許子涵", "施沛函", "黃煥榮", "吳嘉麗", "劉嘉怡", "嚴祥鸞", "范雲", "鄭麗燕", "王麗容", "陳艾勳", "陳艾懃")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(sample_report, tmp_path_factory):
    """(the PDF LibreOffice makes of the sample report, its pages' text by pdftotext -layout)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = tmp_path_factory.mktemp("pdf")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to", "pdf",
         "--outdir", str(out), str(sample_report)],
        capture_output=True, timeout=240, check=True,
    )  # fmt: skip
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return pdf, text.stdout.split("\f")[:-1]


@needs_soffice
def test_every_page_has_its_number(printed):
    _pdf, pages = printed
    assert len(pages) > 15
    for number, page in enumerate(pages, start=1):
        assert f"第{number}頁，共{len(pages)}頁" in squash(page), f"page {number}"


def sample_tokens(sample_report: Path) -> list[str]:
    """The dates, amounts and participants' counts the sample's tables show, read from the
    report's own cells: what a reviewer must find whole."""
    from pipeline.review.extract import read_tables

    tokens: set[str] = set(NAMES)
    form = load_form()
    date = re.compile(r"\d{3}-\d{2}-\d{2}|\d{2,3}年\d{1,2}月\d{1,2}日")
    people = re.compile(form.wording["people_total"].format(total=r"\d+", male=r"\d+", female=r"\d+"))
    people_short = re.compile(form.wording["people"].format(male=r"\d+", female=r"\d+"))
    amount = re.compile(r"\d{1,3}(?:,\d{3})+")
    for rows in read_tables(sample_report).values():
        for row in rows:
            for cell in row:
                # a date the table shows as a value (a line of its own), not one in running text
                tokens.update(line.strip() for line in cell.split("\n") if date.fullmatch(line.strip()))
                for pattern in (people, people_short, amount):
                    tokens.update(m.group(0) for m in pattern.finditer(cell))
    return sorted(tokens)


@needs_soffice
def test_dates_names_amounts_and_counts_are_never_broken(sample_report, printed):
    _pdf, pages = printed
    lines = [squash(line) for page in pages for line in page.splitlines()]
    tokens = sample_tokens(sample_report)
    assert {"109-07-10", "109年12月18日", "7,414,140", "總計27人 男15人 女12人", "男1人 女0人"} <= set(tokens)
    broken = [token for token in tokens if not any(squash(token) in line for line in lines)]
    assert broken == []


@dataclass(frozen=True)
class Cell:
    """A body cell of a report table: its text, its grid columns and its table's geometry."""

    table: str
    row: int
    text: str
    left: float  # points from the table's left edge
    right: float
    table_width: float
    page_width: float


def body_cells(docx: Path) -> list[Cell]:
    """Every body cell of the report's top-level tables whose rows must stay on one page
    (the tables with layout.split excepted), with where it sits across the page."""
    form = load_form()
    with zipfile.ZipFile(docx) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    body = root.find(qn("w:body"))
    cells: list[Cell] = []
    page_width = 0.0
    pending: list[tuple[str, etree._Element]] = []
    for node in body:
        sect = node.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if node.tag == qn("w:p") else None
        if node.tag == qn("w:sectPr"):
            sect = node
        if node.tag == qn("w:tbl") and (caption := caption_of(node)) is not None:
            spec = form.tables.get(caption)
            if spec is None or not spec.layout.split:
                pending.append((caption, node))
        if sect is not None:  # the tables before it are laid out on this section's pages
            page_width = int(sect.find(qn("w:pgSz")).get(qn("w:w"))) / 20
            for caption, tbl in pending:
                cells.extend(_cells(caption, tbl, page_width))
            pending = []
    return cells


def _cells(caption: str, tbl, page_width: float) -> list[Cell]:
    widths = [int(c.get(qn("w:w"))) / 20 for c in tbl.iter(qn("w:gridCol")) if c.getparent().getparent() is tbl]
    found = []
    for index, tr in enumerate(tbl.findall(qn("w:tr"))):
        if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
            continue  # repeated on every page
        start = 0
        for tc in tr.findall(qn("w:tc")):
            span = grid_span(tc)
            vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            text = squash("".join(text_of(p) for p in tc.findall(qn("w:p"))))
            if text and (vmerge is None or vmerge.get(qn("w:val")) == "restart"):
                left = sum(widths[:start])
                found.append(Cell(caption, index, text, left, left + sum(widths[start : start + span]), sum(widths),
                                  page_width))  # fmt: skip
            start += span
    return found


def page_words(pdf: Path) -> list[tuple[float, list[tuple[float, float, float, str]]]]:
    """Each page's width and its words: (x min, x max, y min, text)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', html, re.S):
        words = [
            (float(x0), float(x1), float(y0), text)
            for x0, y0, x1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page.group(2)
            )
        ]
        pages.append((float(page.group(1)), words))
    return pages


def whole_on_one_page(cell: Cell, pages) -> bool:
    """The cell's text reads in one piece down its column on one page."""
    for width, words in pages:
        if abs(width - cell.page_width) > 2:
            continue
        left = (width - cell.table_width) / 2 + cell.left  # the form's tables are centred
        right = left + cell.right - cell.left
        column = sorted((y, x0, text) for x0, x1, y, text in words if left <= (x0 + x1) / 2 <= right)
        stream = squash("".join(text for _y, _x, text in column))
        if cell.text in stream.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"):
            return True
    return False


@needs_soffice
def test_no_table_row_is_split_across_pages(sample_report, printed):
    pdf, _pages = printed
    cells = body_cells(sample_report)
    tables = {c.table for c in cells}
    assert {"s3.self_training", "s7.budget_current", "s8.strategies", "results.2"} <= tables
    assert not tables & {"s6.public_works"}  # its narrative rows may split
    pages = page_words(pdf)
    split = [f"{c.table} row {c.row}: {c.text[:20]}" for c in cells if not whole_on_one_page(c, pages)]
    assert split == []


@needs_soffice
def test_the_check_sees_a_row_split_across_pages(sample_report, printed):
    """The row check is not blind: 六(二)'s long rows do split (as they must)."""
    pdf, _pages = printed
    with zipfile.ZipFile(sample_report) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    tbl = next(t for t in root.iter(qn("w:tbl")) if caption_of(t) == "s6.public_works")
    landscape = 16838 / 20
    cells = [c for c in _cells("s6.public_works", tbl, landscape) if len(c.text) > 400]
    assert cells and not all(whole_on_one_page(c, page_words(pdf)) for c in cells)
