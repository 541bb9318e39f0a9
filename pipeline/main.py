"""The library entry point: ``build()`` and ``check()`` run the pipeline and return results."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline import version
from pipeline.findings import Finding, has_errors
from pipeline.form.rules import load_rules
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form
from pipeline.inputs.read import read_inputs
from pipeline.office.docprops import DocumentInfo
from pipeline.office.provenance import file_hash
from pipeline.outputs import (
    TEMP_PREFIX,
    check_not_open,
    clear_marked,
    file_mode,
    keep_if_edited,
    output_folder,
    remove_stale_temporaries,
    replace_file,
    safe_file_name,
)
from pipeline.report.check import run_checks
from pipeline.report.compute import Report, compute_report
from pipeline.word.context import build_context
from pipeline.word.render import render_report
from pipeline.word.template import check_against_form, load_template

MARKED_DIR = "檢核標示"
GENERATOR_VERSION = version()  # recorded in every report (產生器版本)


@dataclass
class BuildResult:
    """What a build did: the report written (if any), the findings and stage timings."""

    output: Path | None
    findings: list[Finding]
    inputs_read: list[Path] = field(default_factory=list)
    marked_workbooks: list[Path] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)  # why a marked copy could not be written
    timings: dict[str, float] = field(default_factory=dict)
    kept_edit: Path | None = None  # where a reviewer-edited previous output was kept
    report: Report | None = None  # the report model (figures), e.g. for the city-wide summary

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not has_errors(self.findings)


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._start
        self._start = now


def _checked(inputs: Path | str, form_dir: Path | str, clock: _Clock) -> tuple[Report, list[Finding]]:
    form = load_form(form_dir)
    rules = load_rules(form)
    clock.lap("form")
    records, findings = read_inputs(Path(inputs), form)
    clock.lap("read")
    report = compute_report(records, form)
    clock.lap("compute")
    findings = findings + run_checks(report, rules)
    clock.lap("check")
    return report, findings


def verify(inputs: Path | str = "inputs", form_dir: Path | str = DEFAULT_FORM_DIR) -> BuildResult:
    """Read, compute and check without rendering: the findings only."""
    clock = _Clock()
    report, findings = _checked(inputs, form_dir, clock)
    return BuildResult(None, findings, list(report.inputs.files.values()), timings=clock.timings, report=report)


def build(
    inputs: Path | str = "inputs",
    out: Path | str = "outputs",
    form_dir: Path | str = DEFAULT_FORM_DIR,
    *,
    comments: bool = True,
    strict: bool = False,
    mark: bool = True,
) -> BuildResult:
    """Read the section workbooks in ``inputs``, compute, check and render the .docx into ``out``.

    ``comments`` anchors every finding as a Word comment (False: a clean copy);
    ``strict`` writes nothing when there are error findings; ``mark`` writes
    copies of the workbooks with the findings' cells highlighted.
    """
    clock = _Clock()
    report, findings = _checked(inputs, form_dir, clock)
    read = list(report.inputs.files.values())
    if strict and has_errors(findings):
        return BuildResult(None, findings, read, timings=clock.timings, report=report)
    template = load_template(report.form.template_path)
    check_against_form(template, report.form)
    context, layout = build_context(report)
    clock.lap("context")
    out = output_folder(Path(out))
    output = out / f"{safe_file_name(report.output_stem)}.docx"
    check_not_open(output)
    remove_stale_temporaries(out)
    # Render beside the report first: only a finished render may replace it, and only then
    # is a reviewer-edited report moved to history/.  The staging name is unique, so that
    # two builds into one folder never write the same file.
    staging = out / f"{TEMP_PREFIX}staging-{os.urandom(16).hex()}.docx"
    now = datetime.now().astimezone()
    info = DocumentInfo(title=report.title, author=report.agency, when=now, company=report.agency)
    try:
        render_report(
            template,
            context,
            layout,
            staging,
            findings if comments else None,
            report.form.tables,
            provenance(report, findings, now),
            info,
        )
        mode = file_mode(output)  # the report it replaces keeps its permissions, also when kept in history/
        kept = keep_if_edited(output)
        replace_file(staging, output, mode)
    finally:
        with contextlib.suppress(OSError):
            staging.unlink(missing_ok=True)
    clock.lap("render")
    clear_marked(out / MARKED_DIR)
    marked: list[Path] = []
    unmarked: list[str] = []
    if mark and findings:
        from pipeline.review.annotate import mark_workbooks  # only when there is something to mark

        marked, unmarked = mark_workbooks(Path(inputs), findings, out / MARKED_DIR)
    clock.lap("mark")
    return BuildResult(output, findings, read, marked, unmarked, clock.timings, kept, report)


def provenance(report: Report, findings: list[Finding], when: datetime | None = None) -> dict[str, str]:
    """What the report is built from, for its custom document properties."""
    props = {
        "表單": report.form.id,
        "表單版本": report.form.edition,
        "產生時間": (when or datetime.now().astimezone()).isoformat(timespec="seconds"),
        "產生器版本": GENERATOR_VERSION,
        "檢核結果": f"錯誤{sum(f.severity.value == 'error' for f in findings)}項，"
        f"警告{sum(f.severity.value == 'warning' for f in findings)}項",
    }
    for path in sorted(report.inputs.files.values()):
        props[f"輸入:{path.name}"] = file_hash(path)
    return props
