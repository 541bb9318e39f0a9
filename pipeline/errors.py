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


def describe(exc: BaseException) -> str:
    """A library's or the system's exception as a reason in Chinese a person can act on.

    Libraries speak English (「Package not found」, 「Stream has ended unexpectedly」,
    「Permission denied」); every message built around one of their exceptions names the
    file and uses this reason instead of their text."""
    if isinstance(exc, PipelineError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "找不到檔案"
    if isinstance(exc, PermissionError):
        return "沒有權限（檔案可能是唯讀的，或正被其他程式使用）"
    if isinstance(exc, IsADirectoryError):
        return "這是資料夾，不是檔案"
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    if isinstance(exc, MemoryError):
        return "內容過大，記憶體不足"
    module, name = type(exc).__module__, type(exc).__name__
    if module.startswith("pypdf"):
        return "PDF 檔已損毀或不完整"
    if name == "PackageNotFoundError" or module.startswith("docx"):
        return "不是 Word 檔（.docx），或檔案已損毀"
    if name in ("BadZipFile", "error") and module in ("zipfile", "zlib") or isinstance(exc, EOFError):
        return "檔案已損毀或不完整（不是有效的壓縮格式）"
    if module.startswith("lxml") or name in ("XMLSyntaxError", "ParseError", "ExpatError"):
        return "檔案內容不是正確的 XML（檔案已損毀）"
    if module.startswith("PIL"):
        return "不是可辨識的圖片，或圖檔已損毀"
    if isinstance(exc, OSError):
        return f"系統無法存取檔案（錯誤代碼 {exc.errno}）" if exc.errno else "系統無法存取檔案"
    return "檔案內容無法解讀（可能已損毀）"


def _os_reasons() -> dict[int, str]:
    import errno

    return {
        errno.ENOSPC: "磁碟空間不足",
        errno.EROFS: "磁碟是唯讀的",
        errno.ENAMETOOLONG: "檔名或路徑過長",
        errno.ENOTDIR: "路徑中有一段不是資料夾",
        errno.EEXIST: "檔案已存在",
        errno.EACCES: "沒有權限",
        errno.EBUSY: "檔案正被其他程式使用",
    }


_OS_REASONS = _os_reasons()
