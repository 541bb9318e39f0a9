"""The command line: a thin shell over the library, with clear messages and exit codes."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from pipeline.cli import cli

from .conftest import SAMPLE_INPUTS, needs_soffice, run_cli, set_cell


def test_build_writes_the_report_and_says_what_it_read(tmp_path, monkeypatch, capsys):
    code = run_cli(["build", "--inputs", str(SAMPLE_INPUTS), "--out", str(tmp_path)], monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    assert "讀取：" in out and "寫入：" in out
    assert (tmp_path / "臺北自來水事業處109年推動性別平等工作成果報告.docx").is_file()


def test_error_findings_exit_1_and_still_write_the_draft(sample_inputs, tmp_path, monkeypatch, capsys):
    set_cell(sample_inputs / "02_性別平等專案小組.xlsx", "成員", "委員總數", "很多")
    code = run_cli(["build", "--inputs", str(sample_inputs), "--out", str(tmp_path)], monkeypatch)
    captured = capsys.readouterr()
    assert code == 1
    assert "02_性別平等專案小組.xlsx 工作表「成員」 儲存格 B2" in captured.err
    assert list(tmp_path.glob("*.docx"))


def test_missing_inputs_folder_is_a_message_and_exit_2(tmp_path, monkeypatch, capsys):
    code = run_cli(["build", "--inputs", str(tmp_path / "nope"), "--out", str(tmp_path)], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert "找不到輸入資料夾" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.docx"))


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and "例：" in command.help, f"{name} needs a docstring with an example"


def test_python_dash_m_pipeline_runs():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "build" in result.stdout


@needs_soffice
def test_build_pdf_writes_the_report_as_pdf_too(tmp_path, monkeypatch, capsys):
    code = run_cli(["build", "--pdf", "--inputs", str(SAMPLE_INPUTS), "--out", str(tmp_path)], monkeypatch)
    assert code == 0
    [pdf] = tmp_path.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.name in capsys.readouterr().out


def test_ctrl_c_during_a_build_exits_130(tmp_path, monkeypatch, capsys):
    import pipeline.main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.main, "build", interrupted)
    code = run_cli(["build", "--inputs", str(SAMPLE_INPUTS), "--out", str(tmp_path)], monkeypatch)
    err = capsys.readouterr().err
    assert code == 130 and "已中斷" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.docx"))


def test_every_command_is_named_in_the_readme():
    from pipeline.cli import cli
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"report {name}" not in readme] == []
