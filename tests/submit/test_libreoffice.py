"""LibreOffice as a service: private copies, a private profile, warm or cold, timed, offline."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.errors import ConversionError, ToolMissing
from pipeline.submit import libreoffice, pdf
from pipeline.submit.libreoffice import Job, Office
from tests.conftest import SAMPLE_INPUTS, needs_soffice, pdfa_claim
from tests.support.office_links import LINKED, Listener, linked_files

MODES = ("warm", "cold")


@functools.cache
def uno_here() -> bool:
    """Whether the warm mode can run here (a Python with LibreOffice's uno module)."""
    soffice = shutil.which("soffice")
    return soffice is not None and any(
        subprocess.run([python, "-c", "import uno"], capture_output=True, timeout=60).returncode == 0
        for python in libreoffice.uno_pythons(soffice)
    )


def skip_unless_possible(mode: str) -> None:
    if mode == "warm" and not uno_here():
        pytest.skip("python3-uno not installed: the warm mode falls back to cold")


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    """A machine without LibreOffice: nothing on PATH, no install in the usual places."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(libreoffice, "KNOWN_LOCATIONS", ())


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
        libreoffice._run(["sh", "-c", script], timeout=1)
    assert time.monotonic() - started < 10
    child = int(marker.read_text())  # soffice's soffice.bin, so to speak
    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(child)


@needs_soffice
def test_report_pdf_is_pdfa_2b_written_beside_the_docx(sample_report, tmp_path):
    docx = tmp_path / sample_report.name
    docx.write_bytes(sample_report.read_bytes())
    written = pdf.report_pdf(docx)
    assert written == docx.with_suffix(".pdf")
    assert len(PdfReader(written).pages) > 10
    assert pdfa_claim(written) == ("2", "B")
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


def test_a_format_that_does_not_fit_the_document_is_refused_before_starting(tmp_path):
    source = tmp_path / "附件6 預算.xlsx"
    shutil.copyfile(SAMPLE_INPUTS / "07_性別預算.xlsx", source)
    with pytest.raises(ConversionError) as err:
        libreoffice.check_source(tmp_path / "a.pptx")
    assert "a.pptx" in str(err.value)
    if shutil.which("soffice"):
        with Office(mode="cold") as office:
            (error,) = office.convert_all([Job(source, (("odt", tmp_path / "x.odt"),))])
        assert isinstance(error, ConversionError) and "無法轉成 .odt" in str(error)


@needs_soffice
@pytest.mark.parametrize("mode", MODES)
def test_one_session_converts_every_file_and_names_the_broken_one(mode, sample_report, tmp_path):
    skip_unless_possible(mode)
    broken = tmp_path / "附件2 壞掉.docx"
    with zipfile.ZipFile(broken, "w") as archive:  # a zip, but no document in it
        archive.writestr("word/document.xml", "<not-closed")
    workbook = (
        Path(__file__).resolve().parents[2]
        / "inputs"
        / "attachments"
        / "附件6 臺北市各機關性別預算表(附屬單位預算部分).xlsx"
    )
    jobs = [
        Job(sample_report, (("pdf", tmp_path / "report.pdf"), ("odt", tmp_path / "report.odt"))),
        Job(broken, (("pdf", tmp_path / "broken.pdf"),)),
        Job(workbook, (("pdf", tmp_path / "book.pdf"), ("ods", tmp_path / "book.ods"))),
    ]
    with Office(mode=mode) as office:
        results = office.convert_all(jobs)
        assert office.warm_used == (mode == "warm")
        work = office.work
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ConversionError) and broken.name in str(results[1])
    assert not (tmp_path / "broken.pdf").exists()
    for name in ("report.pdf", "book.pdf"):
        assert pdfa_claim(tmp_path / name) == ("2", "B")
    with zipfile.ZipFile(tmp_path / "report.odt") as odt:
        assert odt.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    with zipfile.ZipFile(tmp_path / "book.ods") as ods:
        assert ods.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    assert not work.exists()  # the private folder (profile, copies) is gone


@needs_soffice
def test_a_document_over_the_time_limit_is_named_and_the_next_one_still_converts(sample_report, tmp_path):
    skip_unless_possible("warm")
    with Office(mode="warm", timeout=0.01) as office:
        office.start()
        office._warm_worker()
        (late,) = office.convert_all([Job(sample_report, (("pdf", tmp_path / "late.pdf"),))])
        office.timeout = 120
        (then,) = office.convert_all([Job(sample_report, (("pdf", tmp_path / "then.pdf"),))])
    assert isinstance(late, ConversionError) and "秒仍未完成" in str(late)
    assert then is None and len(PdfReader(tmp_path / "then.pdf").pages) > 10


NO_SETTINGS = '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry"/>'
FETCHED_WHEN_UNPROTECTED = {"docx_picture_link", "xlsx_picture_link", "odt_picture"}  # LibreOffice 7.4


def fetched(tmp_path: Path, copies: bool, profile: bool) -> tuple[list[bytes], list]:
    """Convert every linked file with or without the offline copies and the profile's settings."""
    with pytest.MonkeyPatch.context() as patch:
        if not copies:
            patch.setattr(libreoffice, "private_copy", lambda source, target: shutil.copyfile(source, target))
        if not profile:
            patch.setattr(libreoffice, "PROFILE_SETTINGS", NO_SETTINGS)
        with Listener() as listener:
            files = linked_files(tmp_path / "linked", listener.url)
            jobs = [Job(path, (("pdf", tmp_path / "out" / f"{path.stem}.pdf"),)) for path in files]
            with Office() as office:
                results = office.convert_all(jobs)
            time.sleep(0.5)  # a late request still counts
    assert {p.stem for p in files} == set(LINKED)
    return listener.connections, results


@needs_soffice
def test_an_unprotected_libreoffice_fetches_linked_pictures(tmp_path):
    """The control: without the two protections below, the listener does see LibreOffice."""
    connections, results = fetched(tmp_path, copies=False, profile=False)
    assert all(r is None for r in results), results
    paths = {re.search(rb" /(\w+)\.", c).group(1).decode() for c in connections if re.search(rb" /(\w+)\.", c)}
    assert paths == FETCHED_WHEN_UNPROTECTED, connections


@needs_soffice
@pytest.mark.parametrize("copies, profile", [(True, False), (False, True), (True, True)])
def test_offline_copies_and_the_private_profile_each_keep_linked_content_offline(tmp_path, copies, profile):
    connections, results = fetched(tmp_path, copies, profile)
    assert all(r is None for r in results), results
    assert connections == []
