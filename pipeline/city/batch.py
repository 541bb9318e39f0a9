"""The whole city in one run: every agency's report, built in parallel, and a summary.

``build_all(root, out)`` treats each subfolder of ``root`` as one agency's inputs,
builds the reports in worker processes (each into its own subfolder of ``out``),
carries on past agencies whose inputs cannot be used, and writes a city-wide
summary workbook and a chart of the main figures.

    from pipeline.city.batch import build_all
    result = build_all("各機關", "全市輸出", workers=2)
    for row in result.failed:
        print(row.folder, row.message)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError, PipelineError
from pipeline.findings import Severity
from pipeline.form.fmt import Formatter
from pipeline.form.spec import DEFAULT_FORM_DIR, Form, load_form

if TYPE_CHECKING:
    from pipeline.main import BuildResult
    from pipeline.report.compute import Report

SUMMARY_NAME = "全市彙整表.xlsx"
CHART_NAME = "全市彙整圖.png"


class Status:
    """How an agency's build ended (the summary's 狀態 column)."""

    BUILT = "完成"
    ERRORS = "完成（有錯誤）"
    FAILED = "失敗"


@dataclass(frozen=True)
class AgencyRow:
    """One agency's line of the city-wide summary (plain values, sent across processes)."""

    folder: str
    status: str
    message: str = ""  # why it failed (the pipeline's message), empty when built
    agency: str = ""
    year: int | None = None
    groups: tuple[str, ...] = ()
    committee_total: int | None = None
    committee_share: Fraction | None = None  # the lower single-gender share
    general_rate: Fraction | None = None
    managers_rate: Fraction | None = None
    physical_rate: Fraction | None = None
    budget_current: Decimal | None = None
    budget_next: Decimal | None = None
    categories_done: int | None = None
    items_done: int | None = None
    categories_required: int | None = None
    items_required: int | None = None
    errors: int = 0
    warnings: int = 0
    output: Path | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """True when no report could be built."""
        return self.status == Status.FAILED

    @property
    def meets_minimum(self) -> bool | None:
        """Section 八: categories and items done reach the group minimum (None: unknown)."""
        if self.categories_required is None or self.categories_done is None:
            return None
        return self.categories_done >= self.categories_required and (self.items_done or 0) >= (self.items_required or 0)


@dataclass
class BatchResult:
    """What a city-wide run did: one row per agency, the summary files and the time taken."""

    rows: list[AgencyRow]
    summary: Path
    chart: Path
    seconds: float
    workers: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def built(self) -> list[AgencyRow]:
        """Agencies whose report was written."""
        return [row for row in self.rows if not row.failed]

    @property
    def failed(self) -> list[AgencyRow]:
        """Agencies whose inputs could not be used."""
        return [row for row in self.rows if row.failed]

    @property
    def ok(self) -> bool:
        """True when every agency was built without error findings."""
        return all(row.status == Status.BUILT for row in self.rows)


def find_agencies(root: Path | str, out: Path | str | None = None) -> list[Path]:
    """The agency subfolders of ``root`` in name order (hidden ones and ``out`` left out)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"找不到各機關資料夾：{root}")
    skip = Path(out).resolve() if out is not None else None
    folders = sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "~")) and p.resolve() != skip
    )
    if not folders:
        raise InputError(f"{root} 中沒有任何機關子資料夾（每個機關一個子資料夾，內含各章節活頁簿）")
    return folders


Progress = Callable[[AgencyRow, int, int], None]


def build_all(
    root: Path | str,
    out: Path | str,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Build every agency under ``root`` into ``out/<subfolder>/``, then the summary and chart.

    ``progress(row, done, total)`` is called as each agency finishes.  An agency
    whose inputs cannot be used is a row with status 失敗 and the reason; only an
    unusable ``root`` raises (:class:`~pipeline.errors.InputError`).
    """
    start = time.perf_counter()
    root, out = Path(root), Path(out)
    folders = find_agencies(root, out)
    workers = max(1, min(workers or os.cpu_count() or 1, len(folders)))
    rows: dict[str, AgencyRow] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_up) as pool:
        futures = {pool.submit(build_agency, folder, out / folder.name): folder for folder in folders}
        for future in as_completed(futures):
            folder = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker died (out of memory, killed): record, go on
                row = AgencyRow(folder.name, Status.FAILED, f"建置程序異常結束：{exc}")
            rows[folder.name] = row
            if progress is not None:
                progress(row, len(rows), len(folders))
    built = time.perf_counter()
    ordered = [rows[folder.name] for folder in folders]
    form = load_form(DEFAULT_FORM_DIR)
    threshold = committee_threshold(form)
    summary = write_summary(ordered, out / SUMMARY_NAME, form, threshold)
    chart = write_chart(ordered, out / CHART_NAME, threshold)
    end = time.perf_counter()
    return BatchResult(ordered, summary, chart, end - start, workers, {"build": built - start, "summary": end - built})


def _warm_up() -> None:
    """Import the pipeline once per worker, before its first agency."""
    from pipeline import main  # noqa: F401


def build_agency(folder: Path, out: Path) -> AgencyRow:
    """Build one agency's report (in a worker process) and return its summary row."""
    from pipeline.main import build

    start = time.perf_counter()
    try:
        result = build(folder, out)
    except PipelineError as exc:
        return AgencyRow(folder.name, Status.FAILED, str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # an unexpected fault in one agency must not stop the city
        return AgencyRow(
            folder.name, Status.FAILED, f"內部錯誤（{type(exc).__name__}）：{exc}", seconds=time.perf_counter() - start
        )
    return summarize(folder.name, result, result.report, time.perf_counter() - start)


def summarize(folder: str, result: BuildResult, report: Report, seconds: float = 0.0) -> AgencyRow:
    """An agency's summary row from its build result and report model."""
    groups = [g for g in (report.form.group_rule(code) for code in report.groups) if g]
    city = report.form.city
    errors = sum(f.severity is Severity.ERROR for f in result.findings)
    warnings_ = sum(f.severity is Severity.WARNING for f in result.findings)
    return AgencyRow(
        folder=folder,
        status=Status.ERRORS if errors else Status.BUILT,
        agency=report.agency,
        year=report.year,
        groups=report.groups,
        committee_total=report.value(city.committee_total),
        committee_share=report.figures.get(city.committee_share),
        general_rate=report.figures.get(city.general_rate),
        managers_rate=report.figures.get(city.managers_rate),
        physical_rate=report.figures.get(city.physical_rate),
        budget_current=report.figures.get(city.budget_current),
        budget_next=report.figures.get(city.budget_next),
        categories_done=len(report.strategies.categories_done),
        items_done=len(report.strategies.items_done),
        categories_required=max((g.categories for g in groups), default=None),
        items_required=max((g.items for g in groups), default=None),
        errors=errors,
        warnings=warnings_,
        output=result.output,
        seconds=seconds,
    )


def committee_threshold(form: Form) -> Fraction:
    """The committee's single-gender threshold: that of the rule form.yaml `city` names (else 1/3)."""
    from pipeline.report.check import fraction, load_rules

    rule = next((r for r in load_rules(form.directory) if r.id == form.city.committee_rule), None)
    return fraction(rule.param("threshold")) if rule is not None else Fraction(1, 3)


# -- the summary workbook ---------------------------------------------------------------

COLUMNS = (
    # header ({threshold}: the committee's, e.g. 1/3), width, number format
    ("機關資料夾", 26, None),
    ("機關名稱", 22, None),
    ("年度", 6, "0"),
    ("組別", 12, None),
    ("專案小組委員數", 9, "0"),
    ("單一性別比例(較低者)", 11, "0.00%"),
    ("達{threshold}", 8, None),  # the share reaches the threshold of rules.yaml
    ("一般公務員完成率", 10, "0.00%"),
    ("主管人員完成率", 10, "0.00%"),
    ("實體課程參訓率", 10, "0.00%"),
    ("本年度性別預算(元)", 14, "#,##0"),
    ("下年度性別預算(元)", 14, "#,##0"),
    ("增減(元)", 12, "#,##0;-#,##0;0"),
    ("八 辦理類別數", 8, "0"),
    ("八 應辦類別數", 8, "0"),
    ("八 辦理項目數", 8, "0"),
    ("八 應辦項目數", 8, "0"),
    ("八 達最低要求", 8, None),
    ("錯誤", 6, "0"),
    ("警告", 6, "0"),
    ("狀態", 12, None),
    ("說明", 60, None),
)


def _percent_value(ratio: Fraction | None, form: Form | None) -> Decimal | None:
    """A ratio as the number Excel shows with 0.00%, cut the way the form's rule cuts it."""
    if form is None:
        return None if ratio is None else Decimal(ratio.numerator) / Decimal(ratio.denominator)
    return Formatter(form.formats).ratio(ratio)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "是" if value else "否"


def summary_values(row: AgencyRow, form: Form | None = None, threshold: Fraction = Fraction(1, 3)) -> list[object]:
    """One summary line, in the order of COLUMNS."""
    difference = (
        row.budget_next - row.budget_current if row.budget_next is not None and row.budget_current is not None else None
    )
    share_ok = None if row.committee_share is None else row.committee_share >= threshold
    note = row.message if row.failed else (row.output.name if row.output else "")
    return [
        row.folder,
        row.agency,
        row.year,
        "、".join(row.groups),
        row.committee_total,
        _percent_value(row.committee_share, form),
        _yes_no(share_ok),
        _percent_value(row.general_rate, form),
        _percent_value(row.managers_rate, form),
        _percent_value(row.physical_rate, form),
        row.budget_current,
        row.budget_next,
        difference,
        row.categories_done,
        row.categories_required,
        row.items_done,
        row.items_required,
        _yes_no(row.meets_minimum),
        None if row.failed else row.errors,
        None if row.failed else row.warnings,
        row.status,
        note,
    ]


def write_summary(rows: list[AgencyRow], path: Path, form: Form, threshold: Fraction = Fraction(1, 3)) -> Path:
    """The city-wide summary workbook: one row per agency, failed ones included."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from pipeline.office.xlsx import use_excel_font_order
    from pipeline.outputs import atomic_write

    fills = {
        Status.FAILED: PatternFill("solid", fgColor="FFC7CE"),
        Status.ERRORS: PatternFill("solid", fgColor="FFEB9C"),
        Status.BUILT: PatternFill("solid", fgColor="C6EFCE"),
    }
    book = Workbook()
    ws = book.active
    ws.title = "全市彙整"
    ws.append([header.format(threshold=threshold) for header, _, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(summary_values(row, form, threshold))
        status_cell = ws.cell(row=ws.max_row, column=len(COLUMNS) - 1)
        status_cell.fill = fills[row.status]
    for col, (_, width, number_format) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = number_format
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    use_excel_font_order()
    with atomic_write(path) as tmp:
        book.save(tmp)
    return path


# -- the chart --------------------------------------------------------------------------
# Drawn with Pillow (already needed for annex images): a plotting library would bring
# numpy into every build, because openpyxl imports numpy whenever it is installed.

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msjh.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)
BLUE, RED, GREEN, PURPLE, ORANGE, GREY = ("#4f81bd", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#7f7f7f")


def _font(size: int):
    """A font that can show Chinese when one is installed; Pillow's default otherwise."""
    from PIL import ImageFont

    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def write_chart(rows: list[AgencyRow], path: Path, threshold: Fraction = Fraction(1, 3)) -> Path:
    """A PNG of the main figures per agency: committee share against the threshold,
    completion rates, section 八 items against the group minimum, and the build results."""
    from PIL import Image, ImageDraw

    from pipeline.outputs import atomic_write

    built = [row for row in rows if not row.failed]
    named = len(built) <= 60
    bar, gap, label_w, panel_w, margin = (14, 6, 230, 330, 24) if named else (3, 1, 0, 330, 24)
    body_h = max(len(built), 1) * (bar + gap)
    width = margin * 2 + label_w + panel_w * 3 + 40 * 2
    height = 90 + body_h + 150
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title, text, small = _font(22), _font(13), _font(11)
    draw.text((margin, 12), "臺北市政府各機關推動性別平等工作成果 全市彙整", font=title, fill="black")

    def pct(value: Fraction | None) -> float:
        return float(value) if value is not None else 0.0

    panels = [
        (
            "單一性別比例(較低者)",
            lambda r: pct(r.committee_share) / 0.5,
            float(threshold) / 0.5,
            lambda r: RED if r.committee_share is None or r.committee_share < threshold else BLUE,
            "0%",
            "50%",
        ),
        ("一般公務員完成率", lambda r: pct(r.general_rate), None, lambda r: GREEN, "0%", "100%"),
        (
            "八 辦理項目／最低項目",
            lambda r: min((r.items_done or 0) / max(r.items_required or 1, 1) / 2, 1),
            0.5,
            lambda r: BLUE if r.meets_minimum else RED,
            "0",
            "2×最低",
        ),
    ]
    top = 60
    for p, (name, value, mark, colour, low, high) in enumerate(panels):
        x0 = margin + label_w + p * (panel_w + 40)
        draw.text((x0, top - 20), name, font=text, fill="black")
        draw.rectangle([x0, top, x0 + panel_w, top + body_h], outline=GREY)
        for i, row in enumerate(built):
            y = top + i * (bar + gap) + gap // 2
            length = max(0.0, min(value(row), 1.0)) * panel_w
            draw.rectangle([x0, y, x0 + length, y + bar], fill=colour(row))
        if mark is not None:
            xm = x0 + mark * panel_w
            draw.line([xm, top, xm, top + body_h], fill="black", width=2)
        draw.text((x0, top + body_h + 4), low, font=small, fill=GREY)
        draw.text((x0 + panel_w - 40, top + body_h + 4), high, font=small, fill=GREY)
    if named:
        for i, row in enumerate(built):
            y = top + i * (bar + gap) + gap // 2
            draw.text((margin, y), (row.agency or row.folder)[:16], font=small, fill="black")
    counts = [(Status.BUILT, GREEN), (Status.ERRORS, ORANGE), (Status.FAILED, RED)]
    y = top + body_h + 40
    draw.text((margin, y), f"建置結果（共 {len(rows)} 個機關）", font=text, fill="black")
    for k, (status, fill) in enumerate(counts):
        n = sum(row.status == status for row in rows)
        x = margin + k * 220
        draw.rectangle([x, y + 30, x + 24, y + 54], fill=fill)
        draw.text((x + 32, y + 32), f"{status}：{n}", font=text, fill="black")
    draw.text((margin, y + 70), f"粗線：單一性別比例門檻 {threshold}；各組別最低辦理項目數", font=small, fill=GREY)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        image.save(tmp, format="PNG")
    return path
