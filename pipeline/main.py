"""The library entry point: ``build()`` runs the whole pipeline and returns a result."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .compute import compute_report
from .context import build_context
from .findings import Finding, has_errors
from .form import DEFAULT_FORM_DIR, load_form
from .read import read_inputs
from .render import render_report


@dataclass
class BuildResult:
    """What a build did: the report written (if any), the findings and stage timings."""

    output: Path | None
    findings: list[Finding]
    inputs_read: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not has_errors(self.findings)


def build(
    inputs: Path | str = "inputs",
    out: Path | str = "outputs",
    form_dir: Path | str = DEFAULT_FORM_DIR,
) -> BuildResult:
    """Read the section workbooks in ``inputs``, compute, render the .docx into ``out``."""
    timings: dict[str, float] = {}
    start = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal start
        now = time.perf_counter()
        timings[stage] = now - start
        start = now

    form = load_form(form_dir)
    lap("form")
    records, findings = read_inputs(Path(inputs), form)
    lap("read")
    report = compute_report(records, form)
    lap("compute")
    context, layout = build_context(report)
    lap("context")
    output = Path(out) / f"{report.output_stem}.docx"
    render_report(form.template_path, context, layout, output)
    lap("render")
    return BuildResult(output, findings, list(records.files.values()), timings)
