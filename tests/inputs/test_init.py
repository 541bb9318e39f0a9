"""report init: blank workbooks for a new year, and the clerk's round trip through them."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from openpyxl import load_workbook

from pipeline import build
from pipeline.errors import InputError, OutputError
from pipeline.inputs.init import init_inputs
from pipeline.inputs.read import fold_header
from pipeline.review.extract import read_paragraphs, read_tables
from tests.conftest import ROOT, SAMPLE_INPUTS, needs_soffice

SAMPLE_DATA = yaml.safe_load((ROOT / "tools" / "sample_data.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def blank(tmp_path, form):
    folder = tmp_path / "blank"
    init_inputs(folder, "臺北自來水事業處", 109, "C群、C2組", form)
    return folder


def test_init_writes_every_workbook_with_headers_and_instructions(blank, form):
    for wb_spec in form.workbooks:
        book = load_workbook(blank / wb_spec.file)
        assert [s.name for s in wb_spec.sheets] + ["填寫說明"] == book.sheetnames
        for sheet in wb_spec.sheets:
            ws = book[sheet.name]
            assert ws.freeze_panes == "A2"
            if sheet.kind == "table":
                assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
            else:
                assert [ws.cell(row=i + 2, column=1).value for i in range(len(sheet.fields))] == [
                    f.header for f in sheet.fields
                ]
        notes = [c.value for c in book["填寫說明"]["A"] if c.value]
        assert all(line in notes for line in wb_spec.instructions)
    info = load_workbook(blank / "00_基本資料.xlsx")["基本資料"]
    assert [info["B2"].value, info["B3"].value, info["B4"].value] == ["臺北自來水事業處", 109, "C群、C2組"]


def validations(ws) -> dict[str, str]:
    """Column letter (or cell) → list formula of each data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv.formula1
    return out


def test_dropdowns_are_real_data_validations(blank):
    meetings = validations(load_workbook(blank / "02_性別平等專案小組.xlsx")["會議"])
    assert meetings["C"].startswith('"V,✓') and meetings["H"] == meetings["C"]  # 主席-首長, 全數委員達2/3出席
    levels = validations(load_workbook(blank / "04_性別統計.xlsx")["新增指標"])
    assert levels["C"] == '"主計處列管,機關構列管"'
    impact = validations(load_workbook(blank / "06_性別影響評估.xlsx")["自治條例"])
    assert impact["C"] == '"書面審查,性平小組"'
    groups = validations(load_workbook(blank / "00_基本資料.xlsx")["基本資料"])
    assert "C2組" in groups["B"]


def test_init_never_overwrites_and_checks_the_group(blank, tmp_path, form):
    with pytest.raises(OutputError, match="已有檔案"):
        init_inputs(blank, "某局", 110, "A群", form)
    with pytest.raises(InputError, match="組別"):
        init_inputs(tmp_path / "new", "某局", 110, "Z群", form)


def test_init_from_last_year_carries_what_persists(tmp_path, form):
    folder = tmp_path / "110"
    init_inputs(folder, "臺北自來水事業處", 110, "C群、C2組", form, previous=SAMPLE_INPUTS)
    contacts = load_workbook(folder / "00_基本資料.xlsx")["性平聯絡人"]
    assert [c.value for c in contacts["A"]][1:] == ["許子涵", "施沛函"]
    members = load_workbook(folder / "02_性別平等專案小組.xlsx")["成員"]
    assert [members["B2"].value, members["B3"].value, members["B4"].value] == [36, 23, 13]
    hours = load_workbook(folder / "03_性別意識培力.xlsx")["性平聯絡人參訓時數"]
    assert hours["B2"].value == "許子涵" and hours["C2"].value is None  # hours are this year's
    years = load_workbook(folder / "07_性別預算.xlsx")["年度及總計"]
    assert (years["B2"].value, years["B3"].value) == (110, 111)
    assert load_workbook(folder / "03_性別意識培力.xlsx")["自辦訓練"].max_row == 1  # not carried


def fill_like_a_clerk(folder, data):
    """Type the sample's values into the blank workbooks through openpyxl, by header name."""
    for file, sheets in data.items():
        book = load_workbook(folder / file)
        for sheet, content in sheets.items():
            if isinstance(content, dict) and "cells" in content:  # a free-layout table sheet
                ws = book.create_sheet(sheet)
                for row in content["cells"]:
                    ws.append([None if v == "" else v for v in row])
                for rng in content.get("merges", []):
                    ws.merge_cells(rng)
                continue
            ws = book[sheet]
            if isinstance(content, dict):
                labels = {fold_header(c.value): c.row for c in ws["A"]}
                for header, value in content.items():
                    ws.cell(row=labels[fold_header(header)], column=2, value=value)
            else:
                columns = {fold_header(c.value): c.column for c in ws[1]}
                for i, record in enumerate(content, start=2):
                    for header, value in record.items():
                        ws.cell(row=i, column=columns[fold_header(header)], value=value)
        book.save(folder / file)


def test_round_trip_init_fill_build_gives_the_shipped_report(blank, tmp_path, sample_report):
    fill_like_a_clerk(blank, SAMPLE_DATA)
    shutil.copytree(SAMPLE_INPUTS / "attachments", blank / "attachments")
    result = build(blank, tmp_path / "out")
    assert [f.rule for f in result.findings if f.severity.value == "error"] == []
    assert read_tables(result.output) == read_tables(sample_report)
    assert read_paragraphs(result.output) == read_paragraphs(sample_report)


@needs_soffice
def test_blank_workbooks_open_in_libreoffice(blank, tmp_path, form):
    files = [str(blank / wb.file) for wb in form.workbooks]
    result = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == len(files)


@needs_soffice
def test_init_ods_writes_the_same_workbooks_as_ods_and_they_build(tmp_path, form):
    from pipeline.inputs.sheets import open_book
    from pipeline.submit.odf import ods_dropdowns, xlsx_dropdowns

    xlsx, ods = tmp_path / "xlsx", tmp_path / "ods"
    init_inputs(xlsx, "臺北自來水事業處", 110, "C群、C2組", form, SAMPLE_INPUTS)
    written = init_inputs(ods, "臺北自來水事業處", 110, "C群、C2組", form, SAMPLE_INPUTS, ods=True)
    assert sorted(p.name for p in written) == sorted(p.name for p in ods.iterdir())
    assert sorted(p.name for p in ods.iterdir()) == sorted(f"{p.stem}.ods" for p in xlsx.iterdir())
    for book in xlsx.iterdir():
        twin = ods / f"{book.stem}.ods"
        want, got = open_book(book), open_book(twin)
        assert [g.title for g in got.grids] == [g.title for g in want.grids]  # 填寫說明 included
        assert [g.rows() for g in got.grids] == [g.rows() for g in want.grids]  # headers, instructions, carried values
        assert ods_dropdowns(twin) == xlsx_dropdowns(book)  # the same choices
    assert any(ods_dropdowns(ods / f"{p.stem}.ods") for p in xlsx.iterdir())
    built_xlsx, built_ods = build(xlsx, tmp_path / "out-xlsx"), build(ods, tmp_path / "out-ods")
    assert read_tables(built_ods.output) == read_tables(built_xlsx.output)
    assert [f.rule for f in built_ods.findings] == [f.rule for f in built_xlsx.findings]


def test_init_ods_without_libreoffice_is_a_clear_message_and_writes_nothing(tmp_path, monkeypatch, capsys):
    from pipeline.submit import libreoffice
    from tests.conftest import run_cli

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(libreoffice, "KNOWN_LOCATIONS", ())
    out = tmp_path / "new"
    code = run_cli(
        ["init", "--agency", "甲", "--year", "110", "--group", "C群", "--out", str(out), "--ods"], monkeypatch
    )
    assert code == 2
    assert "LibreOffice" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("year, hint", [(2021, "例如 110"), (0, "例如 110"), (1911, "例如 110")])
def test_init_refuses_a_western_year_with_a_hint(tmp_path, monkeypatch, capsys, year, hint):
    from tests.conftest import run_cli

    out = tmp_path / "new"
    args = ["init", "--agency", "測試局", "--year", str(year), "--group", "D群", "--out", str(out)]
    assert run_cli(args, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "民國年" in err and hint in err and not out.exists()


def test_dropdowns_accept_what_the_reader_accepts(blank):
    from pipeline.inputs.values import parse_checkbox

    ws = load_workbook(blank / "02_性別平等專案小組.xlsx")["會議"]
    [tick] = [dv for dv in ws.data_validations.dataValidation if "C2" in str(dv.sqref)]
    listed = tick.formula1.strip('"').split(",")
    assert {"V", "✓", "是", "否"} <= set(listed)
    read = [parse_checkbox(form) for form in listed]  # every listed form reads (BadValue otherwise)
    assert read.count(True) >= 3 and read.count(False) >= 1
    # A form typed but not listed (full-width Ｖ, TRUE) is only warned about, never stopped.
    assert tick.errorStyle == "warning" and tick.showErrorMessage
    assert all(parse_checkbox(typed) for typed in ("Ｖ", "TRUE", "是"))
    level = load_workbook(blank / "04_性別統計.xlsx")["新增指標"].data_validations.dataValidation
    assert all(dv.errorStyle in (None, "stop") for dv in level)  # a real choice still stops


def test_blank_workbooks_show_the_defaults_for_the_clerk_to_change(blank):
    info = {row[0].value: row[1].value for row in load_workbook(blank / "00_基本資料.xlsx")["基本資料"].iter_rows()}
    years = {row[0].value: row[1].value for row in load_workbook(blank / "07_性別預算.xlsx")["年度及總計"].iter_rows()}
    assert info["機關自稱"] == "本處" and years["預算類別"] == "附屬單位預算"
