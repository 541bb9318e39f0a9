"""The report in the formats agencies file and exchange: PDF/A-2b and ODF (.odt).

Both are made by LibreOffice from the finished .docx, in one load of it.  The
.odt is read back and compared with the .docx (:mod:`pipeline.submit.odf`)
before it is delivered, and carries the build's provenance with its own
content fingerprint, so that a later build recognises an .odt a reviewer edited
and keeps it in ``history/`` as it does for the .docx.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConversionError, OutputError, PipelineError
from pipeline.office.provenance import FINGERPRINT, PREFIX, read_properties, stamp_odf
from pipeline.outputs import atomic_write, check_not_open, keep_if_edited
from pipeline.submit.libreoffice import Job, Office
from pipeline.submit.odf import differences

FORMATS = ("pdf", "odt")


@dataclass
class Exported:
    """The report's copies written (by extension) and reviewer-edited copies kept in history/."""

    files: dict[str, Path] = field(default_factory=dict)
    kept_edits: list[Path] = field(default_factory=list)


class ReportExport:
    """The PDF and/or .odt of one report: the conversion job, then the delivery.

    Split in two so that a command can run the job together with others (the
    annexes of a package) in one LibreOffice session.
    """

    def __init__(self, docx: Path, formats: Sequence[str], office: Office):
        unknown = set(formats) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown formats: {sorted(unknown)}")
        self.docx = Path(docx)
        self.targets = {ext: self.docx.with_suffix(f".{ext}") for ext in formats}
        for target in self.targets.values():
            check_not_open(target)  # before LibreOffice spends any time
        staging = office.work / f"export-{len(list(office.work.glob('export-*')))}"
        staging.mkdir()
        self.staged = {ext: staging / f"report.{ext}" for ext in formats}
        self.job = Job(self.docx, tuple((ext, path) for ext, path in self.staged.items()))

    def deliver(self, error: ConversionError | None) -> Exported:
        """Check and stamp the .odt, then move the copies into place (ConversionError when the
        conversion failed or the .odt lost something)."""
        if error is not None:
            raise error
        odt = self.staged.get("odt")
        if odt is not None:
            lost = differences(self.docx, odt)
            if lost:
                raise ConversionError(
                    f"LibreOffice 轉出的 .odt 與「{self.docx.name}」不一致，未寫出 .odt：\n  " + "\n  ".join(lost)
                )
            properties = read_properties(self.docx)
            properties.pop(FINGERPRINT[len(PREFIX) :], None)
            stamp_odf(odt, properties)
        done = Exported()
        for ext, target in self.targets.items():
            if ext == "odt":
                kept = keep_if_edited(target)
                if kept is not None:
                    done.kept_edits.append(kept)
            with atomic_write(target) as tmp:
                shutil.copyfile(self.staged[ext], tmp)
            done.files[ext] = target
        return done


def export_report(docx: Path, formats: Sequence[str] = FORMATS, office: Office | None = None) -> Exported:
    """Write the report's PDF/A and/or .odt beside ``docx`` (same name); one LibreOffice load.

    Raises ToolMissing without LibreOffice, ConversionError when a copy cannot be made.
    """
    (outcome,) = export_reports([docx], formats, office).values()
    if isinstance(outcome, PipelineError):
        raise outcome
    return outcome


def export_reports(
    reports: Sequence[Path], formats: Sequence[str] = FORMATS, office: Office | None = None
) -> dict[Path, Exported | PipelineError]:
    """Write the PDF/A and/or .odt of several reports in one LibreOffice session.

    Each report gets what was written for it, or the error that stopped it (a
    report open in an editor, a failed conversion): one report failing does not
    stop the others.  Raises ToolMissing without LibreOffice.
    """
    if office is None:
        with Office() as own:
            return export_reports(reports, formats, own)
    outcomes: dict[Path, Exported | PipelineError] = {}
    exports: list[ReportExport] = []
    for docx in reports:
        try:
            exports.append(ReportExport(docx, formats, office))
        except OutputError as exc:
            outcomes[Path(docx)] = exc
    errors = office.convert_all([export.job for export in exports])
    for export, error in zip(exports, errors, strict=True):
        try:
            outcomes[export.docx] = export.deliver(error)
        except (ConversionError, OutputError) as exc:
            outcomes[export.docx] = exc
    return {Path(docx): outcomes[Path(docx)] for docx in reports}
