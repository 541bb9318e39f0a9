"""The city page: one self-contained file, read back in a real headless browser."""

from __future__ import annotations

import base64
import re
import subprocess
from decimal import Decimal

import pytest
from lxml import html

from pipeline.city.batch import COLUMNS, TOTALS_LABEL, build_all
from pipeline.city.page import PAGE_NAME, shown
from tests.conftest import CHROMIUM, needs_chromium
from tests.support.browser import FLAGS
from tests.support.synthetic import make_city

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """Six synthetic agencies, one broken, one with a name that needs escaping."""
    root = tmp_path_factory.mktemp("city-page")
    agencies = make_city(root / "inputs", 6, seed=7, broken=[2])
    (root / "inputs" / agencies[0].folder.name).rename(root / "inputs" / "000_<b>&局")
    result = build_all(root / "inputs", root / "outputs", workers=2)
    return result, root


def headless(*args: str, profile) -> subprocess.CompletedProcess:
    """Chromium headless, kept off the network and away from the user's profile."""
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_page_is_written_beside_the_summary(city):
    result, root = city
    assert result.page == root / "outputs" / PAGE_NAME and result.page.is_file()


def test_the_page_needs_nothing_but_itself(city):
    result, _ = city
    text = result.page.read_text(encoding="utf-8")
    assert re.findall(r'(?:src|href)\s*=\s*"(?!data:|#)', text) == []  # no file, no network
    assert "<script src" not in text and "<link" not in text and "@import" not in text and "url(" not in text
    [data] = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert base64.b64decode(data).startswith(PNG_SIGNATURE)
    assert "000_&lt;b&gt;&amp;局" in text and "<b>&" not in text  # names are escaped


@needs_chromium
def test_the_page_opens_in_a_browser_with_a_row_per_agency_and_the_chart(city, tmp_path):
    result, _ = city
    done = headless("--dump-dom", result.page.as_uri(), profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = html.fromstring(done.stdout)
    headers = [th.text_content() for th in dom.xpath("//table[@id='city']/thead/tr/th")]
    assert headers[: len(COLUMNS)] == [h.format(threshold="1/3") for h, _, _ in COLUMNS]
    body = dom.xpath("//table[@id='city']/tbody/tr")
    assert [tr.xpath("td")[0].text_content() for tr in body] == [row.folder for row in result.rows]
    statuses = {tr.xpath("td")[0].text_content(): tr.get("class") for tr in body}
    assert list(statuses.values()).count("failed") == 1
    [foot] = dom.xpath("//table[@id='city']/tfoot/tr")
    assert foot.xpath("td")[0].text_content() == TOTALS_LABEL
    [chart] = dom.xpath("//img[@id='chart']")
    assert chart.get("src").startswith("data:image/png;base64,") and chart.get("alt")


@needs_chromium
def test_the_browser_draws_the_chart(city, tmp_path):
    from PIL import Image

    result, _ = city
    shot = tmp_path / "page.png"
    done = headless("--window-size=1400,3000", f"--screenshot={shot}", result.page.as_uri(), profile=tmp_path / "p")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1_000_000)
    # The chart's pass colour is nowhere else on the page: seen, it was decoded and drawn.
    assert any(colour == (0x2E, 0x7D, 0x32) and count > 500 for count, colour in colours)


def test_values_are_shown_as_the_workbook_shows_them():
    assert shown(Decimal("0.2153"), "0.00%") == "21.53%"
    assert shown(Decimal(1234567), "#,##0") == "1,234,567"
    assert shown(None, "0") == "" and shown("是", None) == "是"


@needs_chromium
def test_a_click_on_a_header_sorts_the_agencies_in_the_browser(city, tmp_path):
    from tests.support.browser import Browser

    result, _ = city
    share = [h for h, _, _ in COLUMNS].index("單一性別比例(較低者)")
    cells = f"Array.from(document.querySelectorAll('#city tbody tr')).map(r => r.cells[{share}].textContent)"
    click = f"document.querySelectorAll('#city thead th')[{share}].click()"
    with Browser(CHROMIUM, result.page.as_uri(), tmp_path / "profile") as browser:
        assert browser.evaluate("document.getElementById('chart').naturalWidth") > 500  # the PNG decoded
        browser.evaluate(click)
        ascending = browser.evaluate(cells)
        browser.evaluate(click)
        descending = browser.evaluate(cells)
        foot = browser.evaluate("document.querySelector('#city tfoot td').textContent")
    numbers = [float(text.rstrip("%")) for text in ascending if text]
    assert numbers == sorted(numbers) and ascending[-1] == ""  # the failed agency (no figure) last
    assert [float(t.rstrip("%")) for t in descending if t] == sorted(numbers, reverse=True)
    assert foot == TOTALS_LABEL  # the city line stays under the agencies
