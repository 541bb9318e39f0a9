"""One file converted by LibreOffice, for callers that have a single file to convert.

Commands with several conversions open one :class:`pipeline.submit.libreoffice.Office`
for all of them; these helpers open a session for one file.  PDFs are PDF/A-2b.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.submit.libreoffice import DEFAULT_TIMEOUT, Office, find_soffice

__all__ = ["convert", "convert_to_pdf", "find_soffice", "report_pdf"]


def convert(
    source: Path, target: Path, convert_to: str = "", label: str = "", *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert ``source`` to ``target`` (written atomically) in its own LibreOffice session.

    The format is ``convert_to``'s extension (``pdf``, ``odt``, ``docx:MS Word 2007 XML``
    …), else ``target``'s.  Raises ToolMissing without LibreOffice and ConversionError,
    naming the file, when it cannot be converted.
    """
    target = Path(target)
    extension = convert_to.split(":", 1)[0] or target.suffix.lstrip(".")
    staged = target if target.suffix.lower() == f".{extension}" else target.with_name(f"{target.name}.{extension}")
    with Office(timeout=timeout) as office:
        office.convert(Path(source), staged)
    if staged != target:
        staged.replace(target)
    return target


def convert_to_pdf(source: Path, target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a .docx, .xlsx, .odt or .ods file to PDF/A at ``target``; returns ``target``."""
    return convert(source, target, "pdf", timeout=timeout)


def report_pdf(docx_path: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """The report as PDF beside its .docx (same name, .pdf); returns the PDF's path."""
    docx_path = Path(docx_path)
    return convert_to_pdf(docx_path, docx_path.with_suffix(".pdf"), timeout=timeout)
