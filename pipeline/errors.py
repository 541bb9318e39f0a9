"""The one exception family for "cannot continue", and the exit statuses of the commands.

Problems in the data are findings (see :mod:`pipeline.findings`), collected and
reported together.  An exception here means the build cannot go on at all; the
CLI turns it into a message and exit status 2 in one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit statuses of every ``report`` command, kept apart (the README lists them)."""

    OK = 0  # done, no error findings
    FINDINGS = 1  # done, with error findings (or an annex left out of the package, an agency failed)
    UNUSABLE = 2  # the input, the form or the output folder cannot be used: a message, nothing written
    INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT, as shells report it)


class PipelineError(Exception):
    """Base class: the build cannot continue. ``str(err)`` is the user message."""

    exit_code = ExitCode.UNUSABLE


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
