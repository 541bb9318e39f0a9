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

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.city.chart import write_chart
from pipeline.city.page import PAGE_NAME, write_page
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
    kept_edit: Path | None = None  # a reviewer-edited report moved to history/ before this build

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
    page: Path | None = None  # the city summary as a web page

    @property
    def built(self) -> list[AgencyRow]:
        """Agencies whose report was written."""
        return [row for row in self.rows if not row.failed]

    @property
    def failed(self) -> list[AgencyRow]:
        """Agencies whose inputs could not be used."""
        return [row for row in self.rows if row.failed]

    @property
    def kept_edits(self) -> list[AgencyRow]:
        """Agencies whose previous report a reviewer had edited: moved to history/ first."""
        return [row for row in self.rows if row.kept_edit is not None]

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
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_up)
    try:
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
    except KeyboardInterrupt:
        _stop_workers(pool)
        raise
    pool.shutdown()
    built = time.perf_counter()
    ordered = [rows[folder.name] for folder in folders]
    form = load_form(DEFAULT_FORM_DIR)
    threshold = committee_threshold(form)
    summary = write_summary(ordered, out / SUMMARY_NAME, form, threshold)
    chart = write_chart(ordered, out / CHART_NAME, threshold, Formatter(form.formats).percent)
    page = write_city_page(ordered, chart, out / PAGE_NAME, form, threshold)
    end = time.perf_counter()
    timings = {"build": built - start, "summary": end - built}
    return BatchResult(ordered, summary, chart, end - start, workers, timings, page)


def _warm_up() -> None:
    """Import the pipeline once per worker, before its first agency.  Workers ignore Ctrl-C
    (the terminal sends it to them too): the parent stops them, so that they print nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from pipeline import main  # noqa: F401


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C: drop the agencies not started and end the workers at once.  Each report is
    written to a temporary file and renamed, so a build cut short leaves the previous
    report as it was (its temporary file is cleared by the next build)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in multiprocessing.active_children():
        process.terminate()
    for process in multiprocessing.active_children():
        process.join(timeout=5)


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
        kept_edit=result.kept_edit,
    )


def committee_threshold(form: Form) -> Fraction:
    """The committee's single-gender threshold: that of the rule form.yaml `city` names (else 1/3)."""
    from pipeline.form.rules import MinShare, load_rules

    rule = next((r for r in load_rules(form) if r.id == form.city.committee_rule), None)
    return rule.params.threshold if rule is not None and isinstance(rule.params, MinShare) else Fraction(1, 3)


def write_city_page(rows: list[AgencyRow], chart: Path, path: Path, form: Form, threshold: Fraction) -> Path:
    """The summary table (one row per agency, the city line last) and the chart as one web page."""
    css = {Status.BUILT: "built", Status.ERRORS: "errors", Status.FAILED: "failed"}
    return write_page(
        [header.format(threshold=threshold) for header, _, _ in COLUMNS],
        [number_format for _, _, number_format in COLUMNS],
        [(css[row.status], summary_values(row, form, threshold)) for row in rows],
        city_totals(rows, form, threshold),
        chart,
        path,
    )


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
    ("審查者編修版（已移到 history/）", 50, None),
)


STATUS_COLUMN = [header for header, _, _ in COLUMNS].index("狀態") + 1  # 1-based


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
        f"{row.folder}/{row.kept_edit.parent.name}/{row.kept_edit.name}" if row.kept_edit else "",
    ]


TOTALS_LABEL = "全市合計／平均"
TOTALS_NOTE = "委員數、預算、錯誤、警告為各機關合計；比例、完成率、參訓率為各機關平均"


def _mean(values: list[Fraction | None]) -> Fraction | None:
    known = [v for v in values if v is not None]
    return sum(known, Fraction(0)) / len(known) if known else None


def _sum(values: list[int | Decimal | None]) -> int | Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _yes_no_count(values: list[bool | None]) -> str:
    return f"是 {values.count(True)}／否 {values.count(False)}"


def city_totals(rows: list[AgencyRow], form: Form | None = None, threshold: Fraction = Fraction(1, 3)) -> list[object]:
    """The city line under the agencies (order of COLUMNS): counts and amounts added up,
    shares and rates averaged over the agencies that have them."""
    built = [row for row in rows if not row.failed]
    years = {row.year for row in built if row.year is not None}
    statuses = {
        status: sum(row.status == status for row in rows) for status in (Status.BUILT, Status.ERRORS, Status.FAILED)
    }
    return [
        TOTALS_LABEL,
        f"{len(built)} 個機關產生報告（共 {len(rows)} 個）",
        years.pop() if len(years) == 1 else None,
        "",
        _sum([row.committee_total for row in built]),
        _percent_value(_mean([row.committee_share for row in built]), form),
        _yes_no_count([None if r.committee_share is None else r.committee_share >= threshold for r in built]),
        _percent_value(_mean([row.general_rate for row in built]), form),
        _percent_value(_mean([row.managers_rate for row in built]), form),
        _percent_value(_mean([row.physical_rate for row in built]), form),
        _sum([row.budget_current for row in built]),
        _sum([row.budget_next for row in built]),
        _sum(
            [
                r.budget_next - r.budget_current
                for r in built
                if r.budget_next is not None and r.budget_current is not None
            ]
        ),
        None,
        None,
        None,
        None,
        _yes_no_count([row.meets_minimum for row in built]),
        sum(row.errors for row in built),
        sum(row.warnings for row in built),
        "、".join(f"{status} {n}" for status, n in statuses.items()),
        TOTALS_NOTE,
        f"{sum(row.kept_edit is not None for row in rows)} 份",
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
        status_cell = ws.cell(row=ws.max_row, column=STATUS_COLUMN)
        status_cell.fill = fills[row.status]
    ws.append(city_totals(rows, form, threshold))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    for col, (_, width, number_format) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = number_format
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{ws.max_row - 1}"  # the agencies, not the city line
    path.parent.mkdir(parents=True, exist_ok=True)
    use_excel_font_order()
    with atomic_write(path) as tmp:
        book.save(tmp)
    return path
