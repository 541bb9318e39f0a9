"""The city-wide batch: every agency built in parallel, failures recorded, summary and chart."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.city.batch import (
    CHART_NAME,
    COLUMNS,
    SUMMARY_NAME,
    Status,
    build_agency,
    build_all,
    find_agencies,
)
from pipeline.errors import InputError
from pipeline.inputs.read import read_inputs
from pipeline.report.compute import compute_report
from tests.conftest import run_cli
from tests.support.synthetic import make_agency, make_city

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ERROR_BREACHES = {
    "committee.share",
    "committee.total",
    "meetings.date-in-year",
    "general.done-le-headcount",
    "contacts.hours",
    "impact.adopted-le-opinions",
    "budget.current-total",
    "strategies.group-minimum",
}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """Twenty synthetic agencies, two of them broken, built once with two workers."""
    root = tmp_path_factory.mktemp("city")
    agencies = make_city(root / "inputs", 20, seed=11, broken=2)
    calls: list[tuple[str, int, int]] = []
    result = build_all(
        root / "inputs",
        root / "outputs",
        workers=2,
        progress=lambda row, done, total: calls.append((row.folder, done, total)),
    )
    return agencies, result, calls, root / "outputs"


def column(name: str) -> int:
    """0-based position of a summary column."""
    return [header for header, _, _ in COLUMNS].index(name)


def test_eighteen_reports_each_in_its_agency_folder(city):
    agencies, result, _, out = city
    reports = sorted(out.glob("*/*.docx"))
    assert len(reports) == 18 and len(result.built) == 18
    built = {a.folder.name: a for a in agencies if not a.broken}
    assert {p.parent.name for p in reports} == set(built)
    for path in reports:
        assert path.name.startswith(built[path.parent.name].name)


def test_the_two_broken_agencies_are_named_with_the_reason(city):
    agencies, result, _, _ = city
    broken = {a.folder.name for a in agencies if a.broken}
    assert len(broken) == 2
    assert {row.folder for row in result.failed} == broken
    for row in result.failed:
        assert row.status == Status.FAILED and row.output is None
        assert ".xlsx" in row.message and "Traceback" not in row.message
    assert not result.ok


def test_the_summary_has_a_row_for_each_of_the_twenty(city):
    agencies, result, _, out = city
    assert result.summary == out / SUMMARY_NAME
    sheet = load_workbook(result.summary).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][column("機關資料夾")] == "機關資料夾"
    assert "達1/3" in rows[0]  # the threshold comes from rules.yaml
    body = rows[1:-1]  # the last line is the city's
    assert [r[column("機關資料夾")] for r in body] == [a.folder.name for a in agencies]
    by_folder = {r[column("機關資料夾")]: r for r in body}
    for agency in agencies:
        row = by_folder[agency.folder.name]
        if agency.broken:
            assert row[column("狀態")] == Status.FAILED
            assert row[column("說明")] == next(r.message for r in result.failed if r.folder == agency.folder.name)
            continue
        assert row[column("機關名稱")] == agency.name
        assert row[column("組別")] == agency.groups
        if set(agency.breaches) & ERROR_BREACHES:
            assert row[column("錯誤")] > 0 and row[column("狀態")] == Status.ERRORS
        elif not agency.breaches:
            assert (row[column("錯誤")], row[column("警告")]) == (0, 0)
            assert row[column("狀態")] == Status.BUILT
        if "committee.share" in agency.breaches:
            assert row[column("達{threshold}")] == "否"
        if "strategies.group-minimum" in agency.breaches:
            assert row[column("八 達最低要求")] == "否"


def test_the_summary_figures_are_the_report_models(city, form):
    agencies, result, _, _ = city
    agency = next(a for a in agencies if not a.broken)
    records, _ = read_inputs(agency.folder, form)
    report = compute_report(records, form)
    row = next(r for r in result.rows if r.folder == agency.folder.name)
    figures = report.figures
    assert row.committee_share == figures["committee_share"]
    assert row.general_rate == figures["general_rate_total"]
    assert row.managers_rate == figures["managers_rate_total"]
    assert row.budget_current == figures["budget_current_total"]
    assert row.budget_next == figures["budget_next_total"]
    assert row.items_done == len(report.strategies.items_done)
    assert row.categories_done == len(report.strategies.categories_done)
    sheet = load_workbook(result.summary).active
    line = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[column("機關資料夾")] == agency.folder.name
    )
    share = figures["committee_share"]
    # Shown as the report prints it: the form's rule cuts (not rounds) to two decimals.
    assert line[column("單一性別比例(較低者)")] == pytest.approx(int(Fraction(share) * 10_000) / 10_000)
    assert line[column("本年度性別預算(元)")] == figures["budget_current_total"]


def test_progress_is_told_once_per_agency(city):
    agencies, _, calls, _ = city
    assert len(calls) == 20
    assert [done for _, done, _ in calls] == list(range(1, 21))
    assert {total for _, _, total in calls} == {20}
    assert {folder for folder, _, _ in calls} == {a.folder.name for a in agencies}


def test_the_chart_is_a_png(city):
    _, result, _, out = city
    assert result.chart == out / CHART_NAME
    data = result.chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000


def test_an_unusable_folder_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="找不到各機關資料夾"):
        find_agencies(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="沒有任何機關子資料夾"):
        find_agencies(tmp_path / "empty")


def test_the_output_folder_and_hidden_folders_are_not_agencies(tmp_path):
    for name in ("b", "a", ".hidden", "out"):
        (tmp_path / name).mkdir()
    assert [p.name for p in find_agencies(tmp_path, tmp_path / "out")] == ["a", "b"]


# -- the command ------------------------------------------------------------------------


def test_build_all_command_names_who_failed_and_exits_1(tmp_path, monkeypatch, capsys, form):
    agencies = make_city(tmp_path / "in", 3, seed=21, broken=[1], form=form)
    code = run_cli(["build-all", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--workers", "2"], monkeypatch)
    captured = capsys.readouterr()
    assert code == 1
    broken = agencies[1].folder.name
    assert f"{broken}：" in captured.err and "Traceback" not in captured.err
    assert "失敗 1 個" in captured.out and "彙整表：" in captured.out
    assert len(list((tmp_path / "out").glob("*/*.docx"))) == 2
    assert (tmp_path / "out" / SUMMARY_NAME).is_file()


def test_build_all_command_exits_0_when_all_are_clean(tmp_path, monkeypatch, capsys, form):
    for i in range(2):
        make_agency(tmp_path / "in" / f"{i:03d}", seed=30 + i, breaches=(), form=form)
    code = run_cli(["build-all", str(tmp_path / "in"), "--out", str(tmp_path / "out")], monkeypatch)
    assert code == 0
    assert "失敗 0 個" in capsys.readouterr().out


def test_build_all_command_exits_2_when_the_folder_is_unusable(tmp_path, monkeypatch, capsys):
    code = run_cli(["build-all", str(tmp_path / "nope")], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert "找不到各機關資料夾" in err and "Traceback" not in err


def test_build_all_writes_nothing_outside_its_output_folder(tmp_path, form):
    make_agency(tmp_path / "in" / "a", seed=40, breaches=(), form=form)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "in").rglob("*"))
    build_all(tmp_path / "in", tmp_path / "out", workers=1)
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "in").rglob("*"))
    assert before == after
    assert Path(tmp_path / "out" / "a").is_dir()


# -- a worker that dies, Ctrl-C ---------------------------------------------------------------


def dying_builder(folder: Path, out: Path, form_dir: Path):
    """The real builder, except for the agencies whose folder says their worker dies."""
    if folder.name.startswith("abort"):
        faulthandler.disable()  # pytest's fault handler would print the worker's stack
        os.abort()  # what a library does when it cannot allocate (exit 134)
    if folder.name.startswith("killed"):
        os.kill(os.getpid(), signal.SIGKILL)  # what the out-of-memory killer does
    return build_agency(folder, out, form_dir)


def test_build_all_survives_a_crashed_worker_and_builds_the_healthy_agencies(tmp_path, form):
    names = ["a", "abort-1", "b", "killed-1", "c", "abort-2", "d"]
    for i, name in enumerate(names):
        make_agency(tmp_path / "in" / name, seed=60 + i, breaches=(), form=form)
    result = build_all(tmp_path / "in", tmp_path / "out", workers=2, builder=dying_builder)
    status = {row.folder: row for row in result.rows}
    assert [row.folder for row in result.rows] == sorted(names)
    assert {name for name, row in status.items() if row.status == Status.BUILT} == {"a", "b", "c", "d"}
    for name in ("abort-1", "abort-2"):
        assert status[name].failed and "建置程序異常結束（訊號 SIGABRT）" in status[name].message
    assert status["killed-1"].failed and "訊號 SIGKILL" in status["killed-1"].message
    assert {p.parent.name for p in (tmp_path / "out").glob("*/*.docx")} == {"a", "b", "c", "d"}
    summary = load_workbook(result.summary).active
    assert [summary.cell(row=r, column=1).value for r in range(2, 9)] == sorted(names)


def test_an_agency_with_a_stray_cell_at_the_sheet_end_fails_alone(tmp_path, form):
    for name in ("a", "stray", "b"):
        make_agency(tmp_path / "in" / name, seed=70, breaches=(), form=form)
    path = next((tmp_path / "in" / "stray").glob("10_*.xlsx"))
    book = load_workbook(path)
    book.worksheets[0]["XFD1048576"] = "x"
    book.save(path)
    result = build_all(tmp_path / "in", tmp_path / "out", workers=2)
    assert [row.folder for row in result.failed] == ["stray"]
    assert "XFD1048576" in result.failed[0].message
    assert len(result.built) == 2


def test_build_all_names_every_report_it_moved_to_history(tmp_path, monkeypatch, capsys, form):
    from docx import Document

    for i in range(2):
        make_agency(tmp_path / "in" / f"{i:03d}", seed=50 + i, breaches=(), form=form)
    build_all(tmp_path / "in", tmp_path / "out", workers=1)
    [edited] = (tmp_path / "out" / "001").glob("*.docx")
    doc = Document(str(edited))
    doc.add_paragraph("審查意見：請補充說明。")  # a reviewer's edit
    doc.save(str(edited))
    code = run_cli(["build-all", str(tmp_path / "in"), "--out", str(tmp_path / "out")], monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    [kept] = (tmp_path / "out" / "001" / "history").glob("*.docx")
    assert "已先移到 history/" in out and str(kept) in out and "000：" not in out
    sheet = load_workbook(tmp_path / "out" / SUMMARY_NAME).active
    moved = {
        r[column("機關資料夾")]: r[column("審查者編修版（已移到 history/）")]
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert moved["001"] == f"001/history/{kept.name}" and not moved["000"]


def test_ctrl_c_exits_130_and_stops_the_workers(tmp_path, form):
    import os
    import signal

    make_city(tmp_path / "in", 24, seed=60, form=form)  # enough that the run is still going
    out = tmp_path / "out"
    # Ctrl-C as in a terminal: SIGINT handled by default even when this test runs where it is
    # ignored (a background job of a non-interactive shell ignores it, and so would the program).
    as_in_a_terminal = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "sys.argv[0] = 'report'; runpy.run_module('pipeline', run_name='__main__')"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            as_in_a_terminal,
            "build-all",
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C reaches it and its workers, as in a terminal
        env=os.environ | {"TPE_REPORT_CACHE": "off"},
    )
    deadline = time.monotonic() + 60
    while not list(out.glob("*/*.docx")) and time.monotonic() < deadline:  # the first reports are written
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "已中斷" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # no worker left behind
        os.killpg(process.pid, 0)
    assert not (out / SUMMARY_NAME).exists()


def test_the_summary_ends_with_a_city_line_of_totals_and_averages(city):
    from pipeline.city.batch import TOTALS_LABEL

    _, result, _, _ = city
    rows = list(load_workbook(result.summary).active.iter_rows(values_only=True))
    last = rows[-1]
    built = result.built
    assert last[column("機關資料夾")] == TOTALS_LABEL and len(rows) == 1 + 20 + 1
    assert last[column("專案小組委員數")] == sum(r.committee_total for r in built)
    assert last[column("本年度性別預算(元)")] == sum(r.budget_current for r in built)
    assert (last[column("錯誤")], last[column("警告")]) == (
        sum(r.errors for r in built),
        sum(r.warnings for r in built),
    )
    mean = sum(r.committee_share for r in built) / len(built)
    assert last[column("單一性別比例(較低者)")] == pytest.approx(int(mean * 10_000) / 10_000)
    assert last[column("達{threshold}")] == f"是 {sum(r.committee_share >= Fraction(1, 3) for r in built)}／否 " + str(
        sum(r.committee_share < Fraction(1, 3) for r in built)
    )
    assert f"{Status.FAILED} 2" in last[column("狀態")]


def test_the_chart_has_a_panel_per_rule_with_one_meaning_per_colour(city):
    from PIL import Image

    from pipeline.city.chart import FAIL, NO_DATA, PASS, panels

    _, result, _, _ = city
    share, items, errors = panels(result.rows, Fraction(1, 3))
    for row in result.built:
        assert share.passes(row) == (row.committee_share >= Fraction(1, 3))
        assert items.passes(row) == bool(row.meets_minimum) and errors.passes(row) == (row.errors == 0)
        assert share.label(row).endswith("%") and items.label(row).startswith(f"{row.items_done}/")
    assert all(p.value(row) is None for p in (share, items, errors) for row in result.failed)
    colours = {c for _, c in Image.open(result.chart).convert("RGB").getcolors(maxcolors=1_000_000)}
    rgb = {name: tuple(int(name[i : i + 2], 16) for i in (1, 3, 5)) for name in (PASS, FAIL, NO_DATA)}
    assert rgb[PASS] in colours and rgb[NO_DATA] in colours
    assert (rgb[FAIL] in colours) == any(not p.passes(r) for p in (share, items, errors) for r in result.built)
