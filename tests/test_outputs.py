"""Reviewers' edits are never lost: provenance, edited files kept, lock files, atomic writes."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from docx import Document
from openpyxl import load_workbook

from pipeline import build
from pipeline.errors import OutputError
from pipeline.office.provenance import file_hash, read_properties, was_edited
from pipeline.outputs import MAX_STEM_BYTES, safe_file_name

from .conftest import MINIMAL, SAMPLE_INPUTS, run_cli


def test_report_records_what_it_was_built_from(sample_inputs, tmp_path):
    out = build(sample_inputs, tmp_path).output
    props = read_properties(out)
    assert props["表單"] == "tpe-gender-report" and props["表單版本"] == "109"
    assert props["輸入:02_性別平等專案小組.xlsx"] == file_hash(sample_inputs / "02_性別平等專案小組.xlsx")
    assert len([k for k in props if k.startswith("輸入:")]) == 12
    assert "產生時間" in props and len(props["內容指紋"]) == 64
    assert not was_edited(out)


def test_unedited_output_is_simply_replaced(sample_inputs, tmp_path):
    build(sample_inputs, tmp_path)
    result = build(sample_inputs, tmp_path)
    assert result.kept_edit is None
    assert not (tmp_path / "history").exists()


def test_edited_output_is_detected_and_kept(sample_inputs, tmp_path):
    out = build(sample_inputs, tmp_path).output
    doc = Document(str(out))
    doc.paragraphs[1].add_run("（審查意見：請補充）")
    doc.save(str(out))  # a reviewer's edit
    edited_bytes = out.read_bytes()
    assert was_edited(out)

    result = build(sample_inputs, tmp_path)
    assert result.kept_edit is not None and result.kept_edit.parent == tmp_path / "history"
    assert result.kept_edit.read_bytes() == edited_bytes
    assert "（審查意見：請補充）" not in Document(str(result.output)).paragraphs[1].text
    assert not was_edited(result.output)


@pytest.mark.parametrize("lock_name", ["~${name2}", ".~lock.{name}#"])
def test_lock_file_stops_the_build_and_writes_nothing(sample_inputs, tmp_path, lock_name):
    out = build(sample_inputs, tmp_path).output
    before = out.read_bytes()
    (tmp_path / lock_name.format(name=out.name, name2=out.name[2:])).write_text("lock")
    with pytest.raises(OutputError, match="開啟"):
        build(sample_inputs, tmp_path)
    assert out.read_bytes() == before
    reports = [p.name for p in tmp_path.glob("*.docx") if not p.name.startswith("~$")]
    assert reports == [out.name]


def test_killed_build_leaves_the_previous_output_intact(sample_inputs, tmp_path):
    out = build(sample_inputs, tmp_path).output
    before = out.read_bytes()
    started = tmp_path / "saving-started"
    # A build whose save writes half a file, then hangs until it is killed.
    script = textwrap.dedent(f"""
        import time, pipeline.office.opc
        def slow_save(self, path):
            with open(path, "wb") as f:
                f.write(b"PK half a file")
                f.flush()
            open({str(started)!r}, "w").close()
            time.sleep(60)
        pipeline.office.opc.Package.save = slow_save
        from pipeline import build
        build({str(sample_inputs)!r}, {str(tmp_path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert proc.poll() is None, "the build ended before saving"
            assert time.monotonic() < deadline, "the build never reached the save"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert out.read_bytes() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".~build-")]
    assert len(leftovers) == 1  # hidden temp file, never the report's name
    Document(str(out))  # the report still opens


@pytest.mark.parametrize("part", ["word/document.xml", "docProps/custom.xml"])
def test_a_damaged_earlier_report_is_kept_not_a_crash(sample_report, tmp_path, part):
    """A report half-copied from a USB stick: the next build keeps it aside and goes on."""
    import shutil
    import struct
    import zipfile

    damaged = tmp_path / "report.docx"
    shutil.copy(sample_report, damaged)
    with zipfile.ZipFile(damaged) as archive:
        offset = archive.getinfo(part).header_offset
    blob = bytearray(damaged.read_bytes())
    name_length, extra_length = struct.unpack("<HH", blob[offset + 26 : offset + 30])
    start = offset + 30 + name_length + extra_length
    blob[start : start + 200] = bytes(b ^ 0x5A for b in blob[start : start + 200])  # the compressed bytes
    damaged.write_bytes(bytes(blob))
    assert was_edited(damaged)  # so kept in history, never overwritten
    assert isinstance(read_properties(damaged), dict)


# -- names made from data, unique staging names, failures as messages -------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("臺北市/政府:工務局", "臺北市／政府：工務局"),
        ('a\\b*c?d"e<f>g|h', "a＼b＊c？d＂e＜f＞g｜h"),
        ("..", "_"),
        (".~build-x", "．~build-x"),
        ("CON", "_CON"),
        ("lpt1.docx", "_lpt1.docx"),
        (" 名稱. ", "名稱"),
        ("控制\x07字元", "控制_字元"),
    ],
)
def test_file_names_made_from_data_are_safe(text, name):
    assert safe_file_name(text) == name


def test_a_long_name_is_cut_in_the_middle_keeping_the_year():
    name = safe_file_name("臺北市政府" * 25 + "109年推動性別平等工作成果報告")
    assert len(name.encode()) <= MAX_STEM_BYTES and "…" in name
    assert name.startswith("臺北市政府") and name.endswith("109年推動性別平等工作成果報告")


def test_a_hundred_character_agency_name_builds_a_report(make_inputs, tmp_path, monkeypatch, capsys):
    data = copy.deepcopy(MINIMAL)
    data["00_基本資料.xlsx"]["基本資料"]["機關名稱"] = "臺北市政府工務局" * 13
    inputs = make_inputs(data)
    code = run_cli(["build", "--inputs", str(inputs), "--out", str(tmp_path / "out")], monkeypatch)
    assert code == 0, capsys.readouterr().err
    [report] = (tmp_path / "out").glob("*.docx")
    assert len(report.name.encode()) < 200 and report.name.endswith("112年推動性別平等工作成果報告.docx")
    assert report.name.startswith("臺北市政府工務局")


@pytest.mark.parametrize("command", ["build", "package"])
def test_out_naming_an_existing_file_is_a_message_and_exit_2(tmp_path, monkeypatch, capsys, command):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    monkeypatch.setattr("pipeline.submit.libreoffice.find_soffice", lambda: "soffice")  # not needed to get there
    code = run_cli([command, "--inputs", str(SAMPLE_INPUTS), "--out", str(blocker)], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert "已有同名的檔案，不是資料夾" in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


def test_two_builds_into_one_folder_at_once_both_succeed(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, TPE_REPORT_CACHE="off")
    command = [sys.executable, "-m", "pipeline", "build", "--inputs", str(SAMPLE_INPUTS), "--out", str(out)]
    for _ in range(3):  # the old fixed staging name failed about half of such pairs
        builds = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in builds]
        for p in builds:
            p.stdout.close()
            p.stderr.close()
        assert [code for code, _ in results] == [0, 0], results
        [report] = out.glob("*.docx")
        assert not was_edited(report)
    assert sorted(p.name for p in out.iterdir()) == sorted([report.name, "檢核標示"])  # no staging file left
    assert not (out / "history").exists()


def test_pull_of_a_picture_named_dot_dot_and_a_table_described_with_a_slash(sample_report, tmp_path, monkeypatch):
    from docx import Document as open_docx

    edited = tmp_path / "edited.docx"
    doc = open_docx(str(sample_report))
    body = doc.element.body
    pic = "{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr"
    next(body.iter(pic)).set("name", "..")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    description = next(body.iter(f"{w}tblDescription"))
    description.set(f"{w}val", "評選/項目:[1]")
    doc.save(str(edited))
    code = run_cli(["pull", str(edited), "--out", str(tmp_path / "pulled")], monkeypatch)
    assert code == 0
    book = load_workbook(tmp_path / "pulled" / "08-1_成果說明.xlsx")
    assert "評選／項目：［1］" in book.sheetnames
    pictures = [p.name for p in (tmp_path / "pulled" / "attachments").iterdir() if not p.name.startswith("附件")]
    assert pictures == ["image1.png"]  # the picture named '..' gets a name of its own


@pytest.fixture
def user_umask():
    """Run a test under a given umask (restored afterwards)."""
    saved = os.umask(0o022)
    try:
        yield lambda mask: os.umask(mask)
    finally:
        os.umask(saved)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_users_umask(sample_inputs, tmp_path, user_umask, mask, mode):
    """A colleague on a shared folder can open the report, as with any program's file."""
    import stat

    from pipeline.outputs import umask

    user_umask(mask)
    assert umask() == mask
    result = build(sample_inputs, tmp_path / "out")
    written = [result.output, *result.marked_workbooks]
    assert len(written) >= 2  # the report and the sample's one marked workbook
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {mode}


def test_a_rebuilt_report_keeps_the_permissions_of_the_one_it_replaces(sample_inputs, tmp_path, user_umask):
    import stat

    user_umask(0o022)
    out = build(sample_inputs, tmp_path).output
    out.chmod(0o640)  # the agency's own choice for this file
    again = build(sample_inputs, tmp_path).output
    assert stat.S_IMODE(again.stat().st_mode) == 0o640
    doc = Document(str(again))
    doc.paragraphs[1].add_run("（審查意見）")
    doc.save(str(again))  # a reviewer's edit: moved to history/, the new report keeps the mode
    out.chmod(0o640)
    result = build(sample_inputs, tmp_path)
    assert result.kept_edit is not None
    assert stat.S_IMODE(result.output.stat().st_mode) == 0o640


def test_pulled_workbooks_and_their_folder_follow_the_umask(sample_report, tmp_path, user_umask, form):
    import stat

    from pipeline.review.pull import pull_report

    user_umask(0o022)
    result = pull_report(sample_report, tmp_path / "pulled", form)
    assert stat.S_IMODE((tmp_path / "pulled").stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in result.files} == {0o644}
