"""Word and Excel files to PDF through LibreOffice, headless.

Each conversion runs its own LibreOffice on a private copy of the file, with a
private profile in a temporary folder, under a time limit: an open LibreOffice
window, a broken user profile or a lock file cannot get in the way, and
nothing is ever written beside the clerk's files.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from pipeline.errors import ConversionError, ToolMissing, describe
from pipeline.inputs.filecheck import OLE_MAGIC
from pipeline.outputs import atomic_write

INSTALL_HINT = "sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"
PROGRAMS = ("soffice", "libreoffice")
# Where the installers put it when it is not on PATH (Windows, macOS).
KNOWN_LOCATIONS = (
    Path("C:/Program Files/LibreOffice/program/soffice.exe"),
    Path("C:/Program Files (x86)/LibreOffice/program/soffice.exe"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)
CONVERTIBLE = (".docx", ".xlsx")
DEFAULT_TIMEOUT = 180.0  # seconds; a long report converts in well under a minute
# An encrypted .docx/.xlsx (and an old .doc/.xls) is an OLE compound file, not a zip.


def find_soffice() -> str:
    """The LibreOffice program to run; ToolMissing, with the install hint, when there is none."""
    for name in PROGRAMS:
        found = shutil.which(name)
        if found:
            return found
    for location in KNOWN_LOCATIONS:
        if location.is_file():
            return str(location)
    raise ToolMissing(
        "找不到 LibreOffice（soffice），無法將 Word／Excel 檔轉成 PDF。\n"
        f"請先安裝：{INSTALL_HINT}\n"
        "（Windows／macOS：由 https://www.libreoffice.org 下載安裝）"
    )


def _check_office_file(source: Path) -> None:
    """Refuse what LibreOffice would misread: it opens any non-zip file as plain text."""
    kind = source.suffix.lower()
    try:
        with source.open("rb") as handle:
            head = handle.read(len(OLE_MAGIC))
    except OSError as exc:
        raise ConversionError(f"無法讀取「{source.name}」：{describe(exc)}") from exc
    if head == OLE_MAGIC:
        raise ConversionError(
            f"「{source.name}」有密碼保護（或是舊版 .doc／.xls 改了副檔名），無法轉成 PDF："
            f"請移除密碼，或另存為 {kind} 或 PDF 後再放入"
        )
    if not zipfile.is_zipfile(source):
        raise ConversionError(f"「{source.name}」不是有效的 {kind} 檔（檔案可能已損毀），無法轉成 PDF")


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run LibreOffice; on timeout end it and every process it started."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=os.name == "posix"
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)  # soffice starts soffice.bin under it
        else:
            process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def convert_to_pdf(source: Path, target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a .docx or .xlsx file to PDF at ``target`` (written atomically); returns ``target``.

    Raises ToolMissing when LibreOffice is not installed and ConversionError,
    naming the file, when it cannot be converted.
    """
    source = Path(source)
    if source.suffix.lower() not in CONVERTIBLE:
        find_soffice()
        raise ConversionError(f"「{source.name}」不是 Word（.docx）或 Excel（.xlsx）檔，無法轉成 PDF")
    return convert(source, target, "pdf", "PDF", timeout=timeout)


def convert(source: Path, target: Path, convert_to: str, label: str, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Have LibreOffice convert ``source`` (``--convert-to convert_to``, e.g. ``pdf`` or
    ``docx:MS Word 2007 XML``) into ``target``, written atomically; ``label`` names the
    target format in messages.  A private copy of the file and a private profile, under
    a time limit."""
    source, target = Path(source), Path(target)
    soffice = find_soffice()
    _check_office_file(source)
    extension = convert_to.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="report-convert-") as tmp:
        work = Path(tmp)
        # An ASCII name: LibreOffice under a C locale mangles others.
        copy = work / f"document{source.suffix.lower()}"
        shutil.copyfile(source, copy)
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            convert_to,
            "--outdir",
            str(work / "out"),
            str(copy),
        ]
        try:
            done = _run(command, timeout)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(
                f"LibreOffice 轉換「{source.name}」超過 {timeout:g} 秒仍未完成（檔案可能過大或已損毀）"
            ) from exc
        except OSError as exc:
            raise ConversionError(f"無法執行 LibreOffice（{soffice}）：{describe(exc)}") from exc
        produced = work / "out" / f"document.{extension}"
        if done.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = f"（LibreOffice：{detail[-1]}）" if detail else ""
            raise ConversionError(
                f"LibreOffice 無法將「{source.name}」轉成 {label}，檔案可能已損毀或有密碼保護{reason}"
            )
        with atomic_write(target) as tmp_target:
            shutil.copyfile(produced, tmp_target)
    return target


def report_pdf(docx_path: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """The report as PDF beside its .docx (same name, .pdf); returns the PDF's path."""
    docx_path = Path(docx_path)
    return convert_to_pdf(docx_path, docx_path.with_suffix(".pdf"), timeout=timeout)
