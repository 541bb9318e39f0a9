"""PDF through LibreOffice: the report as PDF, clear messages when it cannot be made."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.errors import ConversionError, ToolMissing
from pipeline.submit import pdf
from tests.conftest import needs_soffice


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    """A machine without LibreOffice: nothing on PATH, no install in the usual places."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pdf, "KNOWN_LOCATIONS", ())


def test_missing_libreoffice_is_a_clear_message_with_the_install_hint(no_soffice, tmp_path):
    source = tmp_path / "a.docx"
    source.write_bytes(b"whatever")
    with pytest.raises(ToolMissing) as err:
        pdf.convert_to_pdf(source, tmp_path / "a.pdf")
    message = str(err.value)
    assert "找不到 LibreOffice" in message
    assert "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" in message
    assert err.value.exit_code == 2
    assert not (tmp_path / "a.pdf").exists()


def is_running(pid: int) -> bool:
    """True while a process runs (a killed one not yet reaped is a zombie, 'Z')."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_conversion_that_hangs_is_ended_with_all_it_started(tmp_path):
    marker = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {marker}; wait"
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        pdf._run(["sh", "-c", script], timeout=1)
    assert time.monotonic() - started < 10
    child = int(marker.read_text())  # soffice's soffice.bin, so to speak
    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(child)


@needs_soffice
def test_report_pdf_is_written_beside_the_docx(sample_report, tmp_path):
    docx = tmp_path / sample_report.name
    docx.write_bytes(sample_report.read_bytes())
    written = pdf.report_pdf(docx)
    assert written == docx.with_suffix(".pdf")
    assert len(PdfReader(written).pages) > 10
    # Nothing else beside it: no lock file, no leftover temporary.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([docx.name, written.name])


@needs_soffice
@pytest.mark.parametrize(
    "content, says",
    [
        (b"this is not a word file" * 40, "不是有效的 .docx 檔"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "有密碼保護"),  # how Word stores encrypted
    ],
)
def test_an_unconvertible_file_is_named_with_the_reason(tmp_path, content, says):
    source = tmp_path / "附件5-1 評估表.docx"
    source.write_bytes(content)
    with pytest.raises(ConversionError) as err:
        pdf.convert_to_pdf(source, tmp_path / "out.pdf")
    assert "附件5-1 評估表.docx" in str(err.value) and says in str(err.value)
    assert not (tmp_path / "out.pdf").exists()
