"""Library and system exceptions become reasons in Chinese, naming no Python or English text."""

from __future__ import annotations

import errno
import re
import zipfile
from io import BytesIO

import pytest

from pipeline.errors import InputError, describe

from .conftest import run_cli

ALLOWED = {"PDF", "Word", "docx", "XML"}


def raised(action) -> BaseException:
    try:
        action()
    except Exception as exc:  # the library's own exception, whatever its kind
        return exc
    raise AssertionError("the library accepted the bad file")


def python_docx_on_text(tmp_path):
    from docx import Document

    path = tmp_path / "x.docx"
    path.write_text("not a report")
    return raised(lambda: Document(str(path)))


def pypdf_on_truncated(tmp_path):
    from pypdf import PdfReader

    from .conftest import pdf_bytes

    return raised(lambda: PdfReader(BytesIO(pdf_bytes()[:200])).pages[0])


CASES = [
    ("python-docx", python_docx_on_text, "不是 Word 檔"),
    ("pypdf", pypdf_on_truncated, "PDF 檔已損毀"),
    ("zipfile", lambda tmp: raised(lambda: zipfile.ZipFile(BytesIO(b"PK\x03\x04 broken"))), "已損毀"),
    ("permission", lambda tmp: PermissionError(errno.EACCES, "Permission denied"), "沒有權限"),
    ("disk-full", lambda tmp: OSError(errno.ENOSPC, "No space left on device"), "磁碟空間不足"),
    ("name-too-long", lambda tmp: OSError(errno.ENAMETOOLONG, "File name too long"), "過長"),
    ("anything-else", lambda tmp: RuntimeError("Stream has ended unexpectedly"), "無法解讀"),
]


@pytest.mark.parametrize("make, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_library_message_is_wrapped_in_chinese(tmp_path, make, words):
    reason = describe(make(tmp_path))
    assert words in reason
    assert [w for w in re.findall(r"[A-Za-z]{2,}", reason) if w not in ALLOWED] == []


def test_a_pipeline_message_is_kept():
    assert describe(InputError("找不到輸入資料夾")) == "找不到輸入資料夾"


def test_diff_of_a_file_that_is_not_a_report_names_it_in_chinese(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "筆記.docx"
    bad.write_text("not a report")
    assert run_cli(["diff", str(bad), str(bad)], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "筆記.docx" in err and re.search(r"不是\s*Word", err) and "Package not found" not in err
