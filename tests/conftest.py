"""Shared fixtures: the sample inputs, builds into temp folders, and a workbook factory."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

# The program's disk cache (prepared template, form, compiled Jinja) lives in a folder of
# this test run: the suite starts cold on every machine and leaves ~/.cache alone.
_CACHE = tempfile.mkdtemp(prefix="report-test-cache-")
os.environ.setdefault("TPE_REPORT_CACHE", _CACHE)

from openpyxl import load_workbook  # noqa: E402
from pypdf import PdfWriter  # noqa: E402

from pipeline import build  # noqa: E402
from pipeline.form.spec import Form, load_form  # noqa: E402
from pipeline.inputs.read import fold_header  # noqa: E402
from pipeline.inputs.workbooks import write_workbook  # noqa: E402
from tests.support import hypothesis_profiles  # noqa: E402

hypothesis_profiles.load()

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUTS = ROOT / "inputs"
EXPECTED = Path(__file__).resolve().parent / "expected"


@pytest.fixture(scope="session")
def form() -> Form:
    return load_form()


@pytest.fixture
def sample_inputs(tmp_path: Path) -> Path:
    """A private copy of the shipped sample inputs, free to edit."""
    target = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, target)
    return target


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """The sample report, built once per test session from the shipped inputs."""
    out = tmp_path_factory.mktemp("sample-out")
    result = build(SAMPLE_INPUTS, out)
    assert result.output is not None and result.output.is_file()
    return result.output


def set_cell(book_path: Path, sheet: str, header: str, value: Any, row: int = 1) -> str:
    """Edit a workbook as a clerk would; returns the cell reference.

    In a ``fields`` sheet ``header`` is the label in column A (``row`` unused); in a
    table sheet it is the column header and ``row`` the 1-based record number.
    """
    book = load_workbook(book_path)
    ws = book[sheet]
    labels = [fold_header(c.value) for c in ws["A"]]
    if fold_header(ws["A1"].value) == "欄位":
        r = labels.index(fold_header(header)) + 1
        ref = f"B{r}"
    else:
        headers = [fold_header(c.value) for c in ws[1]]
        col = headers.index(fold_header(header)) + 1
        ref = ws.cell(row=row + 1, column=col).coordinate
    ws[ref] = value
    book.save(book_path)
    return ref


def append_row(book_path: Path, sheet: str, values: dict[str, Any]) -> int:
    """Append a record (header → value) to a table sheet; returns its Excel row."""
    book = load_workbook(book_path)
    ws = book[sheet]
    headers = [fold_header(c.value) for c in ws[1]]
    row = ws.max_row + 1
    for header, value in values.items():
        ws.cell(row=row, column=headers.index(fold_header(header)) + 1, value=value)
    book.save(book_path)
    return row


ATTACHMENTS = "attachments"

# LibreOffice converts to PDF; tests that need it are skipped without it, except in CI.
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and os.environ.get("CI") != "true",
    reason="LibreOffice not installed (tools/ensure-libreoffice installs it)",
)


# A real browser opens the city page; tests that need it are skipped without it, except in CI.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true",
    reason="Chromium not installed (tools/ensure-chromium installs it)",
)


def pdf_bytes(pages: int = 1) -> bytes:
    """A small valid PDF of blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


MINIMAL: dict[str, dict[str, Any]] = {
    "00_基本資料.xlsx": {
        "基本資料": {
            "機關名稱": "測試局",
            "年度(民國)": 112,
            "組別": "D群",
            "性平小組決議日期": "113-01-15",
            "決議通過說明": "經本局性平小組決議通過",
        },
        "性平聯絡人": [{"姓名": "王小明", "科室": "人事室", "職稱": "專員"}],
    },
    "02_性別平等專案小組.xlsx": {
        "成員": {"委員總數": 9, "男性委員數": 5, "女性委員數": 4},
    },
    "03_性別意識培力.xlsx": {
        "一般公務員": {
            "總人數": 100,
            "男性人數": 60,
            "女性人數": 40,
            "完成人數": 99,
            "男性完成人數": 59,
            "女性完成人數": 40,
        },
        "主管人員": {"總人數": 10, "男性人數": 6, "女性人數": 4, "完成人數": 10, "男性完成人數": 6, "女性完成人數": 4},
        "實體課程參訓率": {"一般公務員參訓者": 30, "機關一般公務員": 100},
        "性平聯絡人參訓時數": [{"身分": "性平聯絡人", "姓名": "王小明", "年度培力總時數": 18, "進階課程時數": 6}],
    },
    "04_性別統計.xlsx": {
        "既有指標項目": {
            "既有性別統計指標-主計處列管": 1,
            "既有性別統計指標-機關構列管": 0,
            "既有性別統計項目-主計處列管": 1,
            "既有性別統計項目-機關構列管": 0,
        },
    },
    "08_推展策略.xlsx": {
        "具體措施": [
            {"類別": "三", "項目": 1, "政策方案措施或計畫名稱": "實施計畫", "已辦理": "V"},
            {"類別": "三", "項目": 2, "政策方案措施或計畫名稱": "採購評選", "已辦理": "V"},
            {"類別": "四", "項目": 1, "政策方案措施或計畫名稱": "哺集乳室", "已辦理": "V"},
            {"類別": "四", "項目": 3, "政策方案措施或計畫名稱": "尿布台", "已辦理": "V"},
            {"類別": "五", "項目": 4, "政策方案措施或計畫名稱": "網站專區", "已辦理": "V"},
        ],
    },
    "07_性別預算.xlsx": {
        "年度及總計": {"本年度": 112, "下年度": 113},
        "本年度預算": [{"計畫項目": "性別平等研習", "預算數": 10000}],
        "下年度預算": [{"計畫項目": "性別平等研習", "預算數": 12000}],
    },
    # Not a workbook: files for inputs/attachments/, one per annex (its 附件 sheets list none).
    ATTACHMENTS: {f"附件{n} 測試附件.pdf": pdf_bytes() for n in range(1, 8)},
}


@pytest.fixture
def make_inputs(tmp_path: Path, form: Form) -> Callable[..., Path]:
    """Factory: write a complete set of section workbooks from data built in code.

    ``make_inputs()`` gives a small valid agency (MINIMAL); keyword ``data`` replaces
    it; workbooks not named in the data are written blank (headers only).  The data's
    ``attachments`` entry (file name → bytes) is written into ``attachments/``.
    """

    def factory(data: dict[str, dict[str, Any]] | None = None, name: str = "inputs") -> Path:
        folder = tmp_path / name
        chosen = MINIMAL if data is None else data
        for wb_spec in form.workbooks:
            write_workbook(wb_spec, form, folder / wb_spec.file, chosen.get(wb_spec.file, {}))
        for file_name, content in chosen.get(ATTACHMENTS, {}).items():
            (folder / ATTACHMENTS).mkdir(parents=True, exist_ok=True)
            (folder / ATTACHMENTS / file_name).write_bytes(content)
        return folder

    return factory


def run_cli(args: list[str], monkeypatch) -> int:
    """Run the console script with ``args``; its exit status."""
    from pipeline.cli import main

    monkeypatch.setattr(sys, "argv", ["report", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
