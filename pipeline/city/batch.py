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
    from multiprocessing.connection import Connection
    from multiprocessing.context import DefaultContext
    from multiprocessing.process import BaseProcess

    from pipeline.main import BuildResult
    from pipeline.office.celltext import CellValue
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
Builder = Callable[[Path, Path, Path], AgencyRow]


def build_agency(folder: Path, out: Path, form_dir: Path = DEFAULT_FORM_DIR) -> AgencyRow:
    """Build one agency's report (in a worker process) and return its summary row."""
    from pipeline.main import build

    start = time.perf_counter()
    try:
        result = build(folder, out, form_dir)
    except PipelineError as exc:
        return AgencyRow(folder.name, Status.FAILED, str(exc), seconds=time.perf_counter() - start)
    except MemoryError:
        return AgencyRow(folder.name, Status.FAILED, "記憶體不足，無法建置（輸入檔可能異常龐大）")
    except Exception as exc:  # an unexpected fault in one agency must not stop the city
        return AgencyRow(
            folder.name, Status.FAILED, f"內部錯誤（{type(exc).__name__}）：{exc}", seconds=time.perf_counter() - start
        )
    assert result.report is not None  # build() returns its report model whenever it returns
    return summarize(folder.name, result, result.report, time.perf_counter() - start)


def build_all(
    root: Path | str,
    out: Path | str,
    workers: int | None = None,
    progress: Progress | None = None,
    form_dir: Path | str = DEFAULT_FORM_DIR,
    builder: Builder = build_agency,
) -> BatchResult:
    """Build every agency under ``root`` into ``out/<subfolder>/``, then the summary and chart.

    ``progress(row, done, total)`` is called as each agency finishes.  An agency
    whose inputs cannot be used, or whose worker process dies (killed, out of
    memory, a library aborting), is a row with status 失敗 and the reason; the
    others are still built.  Only an unusable ``root`` or form raises
    (:class:`~pipeline.errors.InputError`, FormError); Ctrl-C stops the workers and
    raises KeyboardInterrupt.
    """
    start = time.perf_counter()
    root, out, form_dir = Path(root), Path(out), Path(form_dir)
    folders = find_agencies(root, out)
    form = load_form(form_dir)  # a broken form stops here, before any worker starts
    threshold = committee_threshold(form)
    workers = max(1, min(workers or os.cpu_count() or 1, len(folders)))
    rows: dict[str, AgencyRow] = {}

    def done(row: AgencyRow) -> None:
        rows[row.folder] = row
        if progress is not None:
            progress(row, len(rows), len(folders))

    _run_workers([(folder, out / folder.name) for folder in folders], workers, form_dir, builder, done)
    built = time.perf_counter()
    ordered = [rows[folder.name] for folder in folders]
    summary = write_summary(ordered, out / SUMMARY_NAME, form, threshold)
    chart = write_chart(ordered, out / CHART_NAME, threshold, Formatter(form.formats).percent)
    page = write_city_page(ordered, chart, out / PAGE_NAME, form, threshold)
    end = time.perf_counter()
    timings = {"build": built - start, "summary": end - built}
    return BatchResult(ordered, summary, chart, end - start, workers, timings, page)


# -- the worker processes ---------------------------------------------------------------
# Not a ProcessPoolExecutor: when one of its workers dies, the whole pool breaks and every
# agency still queued fails with it.  Here each worker builds one agency at a time, so the
# parent knows which agency a dead worker was building, records it, and starts another.


Task = tuple[Path, Path]  # an agency's input folder, its output folder


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection[Task | None, AgencyRow]  # the parent's end of the pipe (None: stop)
    task: Task | None = None
    started: float = 0.0


def _worker_main(conn: Connection[AgencyRow, Task | None], form_dir: Path, builder: Builder) -> None:
    """A worker: build the agencies the parent sends, one at a time, until told to stop."""
    from pipeline import cache

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cache.notice_shown()  # the parent has already told about an unsafe cache folder
    from pipeline import main  # noqa: F401  (import the pipeline before the first agency)

    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        folder, out = task
        conn.send(builder(folder, out, form_dir))


def _start_worker(context: DefaultContext, form_dir: Path, builder: Builder) -> _Worker:
    parent, child = context.Pipe()
    process = context.Process(target=_worker_main, args=(child, form_dir, builder), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


def _ended(process: BaseProcess) -> str:
    """Why a worker process ended, for the summary (a signal or an exit status)."""
    process.join(timeout=5)
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"訊號 {signal.Signals(-code).name}"
        except ValueError:
            return f"訊號 {-code}"
    return f"結束代碼 {code}"


def _run_workers(
    tasks: list[Task], count: int, form_dir: Path, builder: Builder, done: Callable[[AgencyRow], None]
) -> None:
    from multiprocessing.connection import wait

    context = multiprocessing.get_context()
    queue = list(reversed(tasks))
    workers = [_start_worker(context, form_dir, builder) for _ in range(count)]
    try:
        while True:
            for i, worker in enumerate(workers):
                if worker.task is None and queue:
                    if not worker.process.is_alive():  # died (building or between two agencies)
                        worker.conn.close()
                        worker = workers[i] = _start_worker(context, form_dir, builder)
                    worker.task = queue.pop()
                    worker.started = time.perf_counter()
                    try:
                        worker.conn.send(worker.task)
                    except OSError:  # died while idle: the task is noticed as failed below
                        pass
            busy = [(w, w.task) for w in workers if w.task is not None]
            if not busy:
                break
            ready = set(wait([w.conn for w, _ in busy] + [w.process.sentinel for w, _ in busy]))
            for worker, (folder, _) in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                try:
                    row = worker.conn.recv() if worker.conn.poll() else None
                except (EOFError, OSError):
                    row = None
                if row is None:  # the worker died while building this agency
                    reason = _ended(worker.process)
                    row = AgencyRow(
                        folder.name,
                        Status.FAILED,
                        f"建置程序異常結束（{reason}）：可能是記憶體不足或輸入檔異常，其他機關照常建置",
                        seconds=time.perf_counter() - worker.started,
                    )
                    worker.conn.close()  # a new worker takes its place if there is more to build
                worker.task = None
                done(row)
    finally:
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):  # already gone (its pipe closed)
                pass
        for worker in workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():  # interrupted mid-build: stop it
                worker.process.terminate()
                worker.process.join()


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
        committee_share=report.share(city.committee_share),
        general_rate=report.share(city.general_rate),
        managers_rate=report.share(city.managers_rate),
        physical_rate=report.share(city.physical_rate),
        budget_current=report.amount(city.budget_current),
        budget_next=report.amount(city.budget_next),
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


def summary_values(row: AgencyRow, form: Form | None = None, threshold: Fraction = Fraction(1, 3)) -> list[CellValue]:
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


def city_totals(
    rows: list[AgencyRow], form: Form | None = None, threshold: Fraction = Fraction(1, 3)
) -> list[CellValue]:
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

    from pipeline.office.celltext import append_values
    from pipeline.office.xlsx import first_worksheet, use_excel_font_order
    from pipeline.outputs import atomic_write

    fills = {
        Status.FAILED: PatternFill("solid", fgColor="FFC7CE"),
        Status.ERRORS: PatternFill("solid", fgColor="FFEB9C"),
        Status.BUILT: PatternFill("solid", fgColor="C6EFCE"),
    }
    book = Workbook()
    ws = first_worksheet(book)
    ws.title = "全市彙整"
    append_values(ws, [header.format(threshold=threshold) for header, _, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_values(ws, summary_values(row, form, threshold))
        status_cell = ws.cell(row=ws.max_row, column=STATUS_COLUMN)
        status_cell.fill = fills[row.status]
    append_values(ws, city_totals(rows, form, threshold))
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
