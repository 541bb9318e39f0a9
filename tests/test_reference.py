"""Golden test: the sample report holds every table cell and paragraph of the filed report.

The expected values in tests/expected/reference_109.json were transcribed by
hand from the filed report's text rendering (page-break artefacts joined), not
captured from this program's output.  Whitespace is ignored: the rendering
inserts spaces between CJK and Latin text that the original does not have.
"""

from __future__ import annotations

import json
import re

import pytest

from pipeline.review.extract import read_paragraphs, read_tables

from .conftest import EXPECTED

REFERENCE = json.loads((EXPECTED / "reference_109.json").read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def tables(sample_report):
    return read_tables(sample_report)


@pytest.mark.parametrize("expected", REFERENCE["tables"], ids=lambda t: t["id"])
def test_table_matches_reference_cell_by_cell(tables, expected):
    got = tables.get(expected["id"])
    assert got is not None, f"table {expected['id']} missing from the report"
    assert len(got) == len(expected["rows"]), "row count"
    for r, (want_row, got_row) in enumerate(zip(expected["rows"], got, strict=True)):
        assert [squash(c) for c in got_row] == [squash(c) for c in want_row], f"row {r}"


def test_every_reference_paragraph_in_order(sample_report):
    paragraphs = [squash(p) for p in read_paragraphs(sample_report)]
    position = 0
    missing = []
    for want in REFERENCE["paragraphs"]:
        needle = squash(want)
        hit = next((i for i in range(position, len(paragraphs)) if needle in paragraphs[i]), None)
        if hit is None:
            missing.append(want)
        else:
            position = hit
    assert missing == []


def test_report_has_no_tables_beyond_the_form(tables):
    expected_ids = {t["id"] for t in REFERENCE["tables"]}
    assert set(tables) == expected_ids
