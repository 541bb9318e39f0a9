"""The city chart: one panel per rule, every agency named, every bar labelled with its value.

Drawn with Pillow (already needed for annex images): a plotting library would bring
numpy into every build, because openpyxl imports numpy whenever it is installed.
Colours mean one thing across the chart: green meets the rule, red does not, grey has
no figure (the agency's report could not be built).  Under each panel the agencies
that do not meet its rule are listed by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.outputs import atomic_write

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

    from pipeline.city.batch import AgencyRow

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msjh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
PASS, FAIL, NO_DATA, INK, GRID, MUTED = ("#2e7d32", "#c62828", "#9e9e9e", "#000000", "#dddddd", "#555555")
PASS_TEXT, FAIL_TEXT, NO_DATA_TEXT = "符合", "未符合", "無資料（報告未能產生）"


@dataclass(frozen=True)
class Panel:
    """One rule: each agency's figure (None: no data), whether it meets the rule, how the
    figure reads on its bar, the axis' top and ticks, and the threshold line (if one)."""

    title: str
    value: Callable[[AgencyRow], float | None]
    passes: Callable[[AgencyRow], bool]
    label: Callable[[AgencyRow], str]
    top: float
    ticks: tuple[tuple[float, str], ...]
    threshold: tuple[float, str] | None = None
    mark: Callable[[AgencyRow], float | None] = lambda row: None  # each agency's own minimum


def _plain_percent(ratio: Fraction) -> str:
    return f"{float(ratio) * 100:.2f}%"


def panels(
    rows: list[AgencyRow], threshold: Fraction, percent: Callable[[Fraction], str] = _plain_percent
) -> list[Panel]:
    """The rules the office follows across the city, as panels (``percent`` prints a share
    as the report does)."""

    def share(row: AgencyRow) -> float | None:
        return None if row.failed or row.committee_share is None else float(row.committee_share)

    def items(row: AgencyRow) -> float | None:
        return None if row.failed or row.items_done is None else float(row.items_done)

    def share_label(row: AgencyRow) -> str:  # only asked of a row with a share
        return "" if row.committee_share is None else percent(row.committee_share)

    most_items = max([row.items_done or 0 for row in rows] + [row.items_required or 0 for row in rows] + [1])
    most_errors = max([row.errors for row in rows if not row.failed] + [1])
    return [
        Panel(
            f"委員單一性別比例(較低者)：門檻 {threshold}",
            share,
            lambda r: r.committee_share is not None and r.committee_share >= threshold,
            share_label,
            0.5,
            tuple((t / 10, f"{t * 10}%") for t in range(6)),
            (float(threshold), f"{threshold}"),
        ),
        Panel(
            "八 辦理項目數：組別最低要求",
            items,
            lambda r: bool(r.meets_minimum),
            lambda r: f"{r.items_done}/{r.items_required}" if r.items_required is not None else f"{r.items_done}",
            float(most_items),
            _count_ticks(most_items),
            mark=lambda r: None if r.items_required is None else float(r.items_required),
        ),
        Panel(
            "檢核錯誤數：應為 0",
            lambda r: None if r.failed else float(r.errors),
            lambda r: r.errors == 0,
            lambda r: f"{r.errors} 項",
            float(most_errors),
            _count_ticks(most_errors),
        ),
    ]


def _count_ticks(top: int) -> tuple[tuple[float, str], ...]:
    step = max(1, -(-top // 5))
    return tuple((float(v), str(v)) for v in range(0, top + 1, step))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that can show Chinese when one is installed; Pillow's default otherwise."""
    from PIL import ImageFont

    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int
) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels (at any character: Chinese)."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def write_chart(
    rows: list[AgencyRow],
    path: Path,
    threshold: Fraction = Fraction(1, 3),
    percent: Callable[[Fraction], str] = _plain_percent,
) -> Path:
    """A PNG of the city: per rule, each agency's figure with its value (shares printed by
    ``percent``, the form's rule), pass/fail colour and the agencies that fail listed beneath."""
    from PIL import Image, ImageDraw

    title_font, text_font, small_font = _font(24), _font(14), _font(12)
    bar, gap = 16, 6
    margin, label_w, panel_w, value_w, between = 24, 250, 300, 70, 40
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    chosen = panels(rows, threshold, percent)
    failing = [
        [row.agency or row.folder for row in rows if p.value(row) is not None and not p.passes(row)] for p in chosen
    ]
    notes = [
        _wrap(scratch, "未符合：" + ("、".join(names) or "無"), small_font, panel_w + value_w) for names in failing
    ]
    body_h = max(len(rows), 1) * (bar + gap)
    top = 124
    notes_h = max(len(lines) for lines in notes) * 18
    width = margin * 2 + label_w + len(chosen) * (panel_w + value_w + between)
    height = top + body_h + 40 + notes_h + 70
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    built = sum(not row.failed for row in rows)
    draw.text((margin, 14), "臺北市政府各機關推動性別平等工作成果 全市彙整", font=title_font, fill=INK)
    draw.text((margin, 50), f"共 {len(rows)} 個機關，{built} 個產生報告；各列為一個機關", font=text_font, fill=MUTED)
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        name = row.agency or row.folder
        while draw.textlength(name, font=small_font) > label_w - 10 and len(name) > 1:
            name = name[:-2] + "…"
        draw.text((margin, y + 1), name, font=small_font, fill=INK)
    for p, (panel, lines) in enumerate(zip(chosen, notes, strict=True)):
        x0 = margin + label_w + p * (panel_w + value_w + between)
        draw.text((x0, top - 46), panel.title, font=text_font, fill=INK)
        for at, text in panel.ticks:
            x = x0 + at / panel.top * panel_w
            draw.line([x, top - 4, x, top + body_h], fill=GRID)
            draw.text(
                (x - draw.textlength(text, font=small_font) / 2, top + body_h + 4), text, font=small_font, fill=MUTED
            )
        for i, row in enumerate(rows):
            y = top + i * (bar + gap)
            value = panel.value(row)
            if value is None:
                draw.rectangle([x0, y, x0 + 8, y + bar], fill=NO_DATA)
                draw.text((x0 + 12, y + 1), "無資料", font=small_font, fill=MUTED)
                continue
            length = max(0.0, min(value / panel.top, 1.0)) * panel_w
            colour = PASS if panel.passes(row) else FAIL
            draw.rectangle([x0, y, x0 + max(length, 2), y + bar], fill=colour)
            draw.text((x0 + max(length, 2) + 4, y + 1), panel.label(row), font=small_font, fill=INK)
            mark = panel.mark(row)
            if mark is not None:
                xm = x0 + min(mark / panel.top, 1.0) * panel_w
                draw.line([xm, y - 2, xm, y + bar + 2], fill=INK, width=2)
        if panel.threshold is not None:
            at, text = panel.threshold
            x = x0 + at / panel.top * panel_w
            draw.line([x, top - 8, x, top + body_h], fill=INK, width=2)
            draw.text((x + 3, top - 22), f"門檻 {text}", font=small_font, fill=INK)
        for k, line in enumerate(lines):
            draw.text((x0, top + body_h + 26 + k * 18), line, font=small_font, fill=FAIL if failing[p] else MUTED)
    y = top + body_h + 40 + notes_h + 16
    for k, (colour, text) in enumerate(((PASS, PASS_TEXT), (FAIL, FAIL_TEXT), (NO_DATA, NO_DATA_TEXT))):
        x = margin + k * 200
        draw.rectangle([x, y, x + 20, y + 16], fill=colour)
        draw.text((x + 28, y), text, font=text_font, fill=INK)
    x = margin + 3 * 200 + 80
    draw.line([x, y - 2, x, y + 18], fill=INK, width=2)
    draw.text((x + 8, y), "黑線：門檻；八的短黑線：該機關組別的最低項目數", font=text_font, fill=INK)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        image.save(tmp, format="PNG")
    return path
