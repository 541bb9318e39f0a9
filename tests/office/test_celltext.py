"""Values written into workbooks: text stays text in Excel's format and in LibreOffice."""

from __future__ import annotations

import csv
import os
import subprocess

from openpyxl import Workbook, load_workbook

from pipeline.office.celltext import append_values, put_value
from pipeline.submit.pdf import find_soffice
from tests.conftest import needs_soffice

ATTACKS = ["=1+1", '=HYPERLINK("http://example.invalid","x")', "+1+1", "-1+1", "@SUM(1,1)", "cmd|' /C calc'!A0"]


def test_text_is_a_string_cell_and_formula_starts_get_the_quote_prefix(tmp_path):
    book = Workbook()
    ws = book.active
    append_values(ws, ["=1+1", "一般文字", 3, None, "-3"])
    put_value(ws["A2"], "@x")
    path = tmp_path / "book.xlsx"
    book.save(path)
    ws = load_workbook(path).active
    assert [(c.value, c.data_type, c.quotePrefix) for c in ws[1]] == [
        ("=1+1", "s", True),
        ("一般文字", "s", False),
        (3, "n", False),
        (None, "n", False),
        ("-3", "s", True),
    ]
    assert (ws["A2"].value, ws["A2"].quotePrefix) == ("@x", True)


def test_characters_xml_cannot_hold_are_dropped_not_refused():
    ws = Workbook().active
    assert put_value(ws["A1"], "控制\x07字元").value == "控制字元"


@needs_soffice
def test_libreoffice_shows_the_text_and_evaluates_nothing(tmp_path):
    book = Workbook()
    for row, text in enumerate(ATTACKS, start=1):
        put_value(book.active.cell(row=row, column=1), text)
        book.active.cell(row=row, column=2, value=text)  # openpyxl's own way, for contrast
    path = tmp_path / "attacks.xlsx"
    book.save(path)
    env = dict(os.environ, HOME=str(tmp_path))  # a private LibreOffice profile
    subprocess.run(
        [find_soffice(), "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
        env=env,
        capture_output=True,
        timeout=180,
        check=True,
    )
    with open(tmp_path / "attacks.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[0] for row in rows] == ATTACKS
    assert rows[0][1] == "2" and rows[1][1] == "x"  # what openpyxl's default would have done
