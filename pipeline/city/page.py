"""The city summary as one web page: the summary table (sortable) and the chart, in one file.

The page needs nothing but a browser: no network, no other file.  Its style and
script are inline, the chart is embedded as a PNG data URI, and every value is
HTML-escaped (agency and folder names come from anyone).  A click on a column
header sorts the agencies by it (again: the other way); the city line stays last.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path

from pipeline.outputs import atomic_write

PAGE_NAME = "全市彙整.html"
CHART_ALT = "全市彙整圖：各機關委員單一性別比例、八辦理項目數、檢核錯誤數"

STYLE = """
body { font-family: "Noto Sans CJK TC", "Microsoft JhengHei", "PingFang TC", sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
p.note { color: #555; margin: .2em 0 1em; }
table { border-collapse: collapse; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .3em .5em; vertical-align: top; }
thead th { background: #ddebf7; position: sticky; top: 0; cursor: pointer; }
thead th[aria-sort="ascending"]::after { content: " ▲"; }
thead th[aria-sort="descending"]::after { content: " ▼"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.status { white-space: nowrap; }
tr.built td.status { background: #c6efce; }
tr.errors td.status { background: #ffeb9c; }
tr.failed td.status { background: #ffc7ce; }
tfoot td { font-weight: bold; background: #f2f2f2; }
figure { margin: 2em 0 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ccc; }
"""

# Sorting: numbers by their data-v value, text by the Chinese collation; blanks last.
SCRIPT = """
document.querySelectorAll("#city thead th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = document.querySelector("#city tbody");
    var down = th.getAttribute("aria-sort") === "ascending";
    document.querySelectorAll("#city thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", down ? "descending" : "ascending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var vx = x.getAttribute("data-v"), vy = y.getAttribute("data-v");
      if (vx === "" || vy === "") { return (vx === "") - (vy === ""); }
      var c = vx !== null && vy !== null ? Number(vx) - Number(vy)
                                         : x.textContent.localeCompare(y.textContent, "zh-Hant");
      return down ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def shown(value: object, number_format: str | None) -> str:
    """A summary value as the workbook shows it with its number format."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and number_format:
        if "%" in number_format:
            return f"{Decimal(value) * 100:.2f}%"
        if "," in number_format:
            return f"{value:,.0f}"
    return str(value)


def _cell(value: object, number_format: str | None, css: str = "") -> str:
    numeric = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
    classes = " ".join(c for c in (css, "n" if numeric else "") if c)
    attrs = f' class="{classes}"' if classes else ""
    if number_format is not None or numeric:  # a number column: sort by value, blanks last
        attrs += f' data-v="{escape(str(value))}"' if numeric else ' data-v=""'
    return f"<td{attrs}>{escape(shown(value, number_format))}</td>"


def write_page(
    headers: list[str],
    formats: list[str | None],
    rows: Sequence[tuple[str, Sequence[object]]],
    totals: Sequence[object],
    chart: Path,
    path: Path,
    title: str = "臺北市政府各機關推動性別平等工作成果 全市彙整",
) -> Path:
    """Write the page: ``rows`` are (status class, values in the order of ``headers``), the
    ``totals`` line under them, and the ``chart`` PNG embedded."""
    status = headers.index("狀態")
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "\n".join(
        f'<tr class="{escape(css)}">'
        + "".join(
            _cell(v, f, "status" if i == status else "") for i, (v, f) in enumerate(zip(values, formats, strict=True))
        )
        + "</tr>"
        for css, values in rows
    )
    foot = "<tr>" + "".join(_cell(v, f) for v, f in zip(totals, formats, strict=True)) + "</tr>"
    picture = base64.b64encode(chart.read_bytes()).decode("ascii")
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="note">共 {len(rows)} 個機關，產生於 {made}。點欄位標題可排序（再點一次反向）；最後一列為全市合計／平均。</p>
<table id="city">
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
<tfoot>{foot}</tfoot>
</table>
<figure>
<img id="chart" alt="{CHART_ALT}" src="data:image/png;base64,{picture}">
<figcaption>全市彙整圖（綠：符合，紅：未符合，灰：無資料）</figcaption>
</figure>
<script>{SCRIPT}</script>
</body>
</html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path
