"""The one exception family for "cannot continue".

Problems in the data are findings (see :mod:`pipeline.findings`), collected and
reported together.  An exception here means the build cannot go on at all; the
CLI turns it into a message and exit status 2 in one place.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: the build cannot continue. ``str(err)`` is the user message."""

    exit_code = 2


class FormError(PipelineError):
    """The form definition (form.yaml) or the Word template is missing or broken."""


class InputError(PipelineError):
    """The inputs folder or a required workbook is missing or unreadable."""


class OutputError(PipelineError):
    """The report cannot be written (folder not writable, file open in Word, …)."""


class ToolMissing(PipelineError):
    """A program a step needs is not installed (LibreOffice, for PDF output)."""


class ConversionError(PipelineError):
    """A file cannot be turned into PDF pages (corrupt, password-protected, conversion failed)."""
