"""Property: any values in any field give a valid report or a clear error — never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import date, datetime
from pathlib import Path

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline import build
from pipeline.errors import PipelineError
from pipeline.form.spec import load_form
from pipeline.inputs.workbooks import write_workbook

FORM = load_form()

text = st.text(max_size=40).map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
tricky = st.sampled_from(
    [
        "&",
        "<b>",
        "{{ x }}",
        "{% if %}",
        "'\"",
        "😀",
        "V",
        "否",
        "1,200元",
        "109/7/10",
        "１２",
        "-3",
        "3.5",
        "=1+1",
        " ",
        "無",
    ]
)
cell_value = st.one_of(
    st.none(),
    text,
    tricky,
    st.integers(min_value=-(10**6), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.booleans(),
    st.dates(min_value=date(1899, 12, 31), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)


@st.composite
def agency(draw):
    """Every field of every section filled with arbitrary values."""
    data = {}
    for wb in FORM.workbooks:
        sheets = {}
        for sheet in wb.sheets:
            if sheet.kind == "fields":
                sheets[sheet.name] = {f.header: draw(cell_value) for f in sheet.fields}
            else:
                rows = draw(st.integers(min_value=0, max_value=3))
                sheets[sheet.name] = [{c.header: draw(cell_value) for c in sheet.columns} for _ in range(rows)]
        data[wb.file] = sheets
    # Half the time, a usable header, so that the build goes on to render.
    if draw(st.booleans()):
        data["00_基本資料.xlsx"]["基本資料"].update({"機關名稱": draw(text) or "某局", "年度(民國)": 112})
    return data


def build_or_clear_error(data) -> Path | None:
    folder = Path(tempfile.mkdtemp())
    try:
        for wb in FORM.workbooks:
            write_workbook(wb, FORM, folder / "in" / wb.file, data.get(wb.file))
        try:
            result = build(folder / "in", folder / "out")
        except PipelineError as exc:
            assert str(exc).strip(), "an error must say what is wrong"
            assert not list((folder / "out").glob("*.docx"))
            return None
        Document(str(result.output))  # reopens
        keep = Path(tempfile.mkdtemp()) / "report.docx"
        shutil.copy(result.output, keep)
        return keep
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(agency())
def test_any_values_give_a_valid_docx_or_a_clear_error(data):
    output = build_or_clear_error(data)
    if output is not None:
        shutil.rmtree(output.parent, ignore_errors=True)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(agency())
def test_libreoffice_converts_reports_of_arbitrary_values(data):
    if shutil.which("soffice") is None and os.environ.get("CI") != "true":
        return  # LibreOffice is installed by tools/ensure-libreoffice; CI always has it
    output = build_or_clear_error(data)
    if output is None:
        return
    try:
        result = subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{output.parent}/profile",
                "--convert-to",
                "pdf",
                "--outdir",
                str(output.parent),
                str(output),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert result.returncode == 0 and (output.parent / "report.pdf").is_file(), result.stderr
    finally:
        shutil.rmtree(output.parent, ignore_errors=True)
