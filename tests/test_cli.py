"""The command line: a thin shell over the library, with clear messages and exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.form.spec import DEFAULT_FORM_DIR

from .conftest import ROOT, SAMPLE_INPUTS, needs_soffice, run_cli, set_cell


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


# -- one version, exit statuses, another form edition ----------------------------------------


def test_version_has_one_source(monkeypatch, capsys):
    """pyproject.toml takes the version from pipeline.__version__; the installation's metadata,
    every report and `report --version` agree with it."""
    import re
    from importlib.metadata import version

    import pipeline
    from pipeline.main import GENERATOR_VERSION

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is Python 3.11+
    assert re.search(r'^dynamic = \["version"\]', pyproject, re.MULTILINE)
    assert 'version = {attr = "pipeline.__version__"}' in pyproject
    assert version("tpe-gender-report") == pipeline.__version__ == GENERATOR_VERSION
    assert run_cli(["--version"], monkeypatch) == 0
    assert capsys.readouterr().out.strip().endswith(pipeline.__version__)


def test_the_report_records_the_generator_version(sample_report):
    from pipeline.main import GENERATOR_VERSION
    from pipeline.office.provenance import read_properties

    assert read_properties(sample_report)["產生器版本"] == GENERATOR_VERSION


def test_exit_statuses_are_kept_apart_in_one_place():
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0),
        ("FINDINGS", 1),
        ("UNUSABLE", 2),
        ("INTERRUPTED", 130),
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {int(code)} |" in readme, f"the README's table of exit statuses lacks {int(code)}"


def test_a_bad_option_is_exit_2_not_1(monkeypatch, capsys):
    assert run_cli(["build", "--no-such-option"], monkeypatch) == 2
    assert run_cli(["init", "--year", "not-a-year"], monkeypatch) == 2


def test_an_internal_fault_is_a_message_and_exit_2_not_a_traceback(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr("pipeline.main.verify", broken)
    assert run_cli(["check", "--inputs", str(SAMPLE_INPUTS)], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "程式內部錯誤（KeyError" in err and "Traceback" not in err


FORM_COMMANDS = ["build", "check", "init", "pull", "diff", "package", "build-all"]


def test_every_command_that_loads_the_form_takes_form():
    for name in FORM_COMMANDS:
        assert "--form" in [opt for p in cli.commands[name].params for opt in p.opts], name


@pytest.fixture
def other_edition(tmp_path):
    """A copy of the form as another edition: its own edition number and report name."""
    folder = tmp_path / "form-110"
    shutil.copytree(DEFAULT_FORM_DIR, folder)
    path = folder / "form.yaml"
    text = path.read_text(encoding="utf-8").replace('edition: "109"', 'edition: "110"')
    text = text.replace('output_name: "{agency}{year}年推動', 'output_name: "{agency}{year}年度推動')
    path.write_text(text, encoding="utf-8")
    return folder


def test_build_check_init_pull_and_diff_use_another_form_edition(other_edition, tmp_path, monkeypatch, capsys):
    from pipeline.office.provenance import read_properties

    form = ["--form", str(other_edition)]
    assert run_cli(["check", "--inputs", str(SAMPLE_INPUTS), *form], monkeypatch) == 0
    assert run_cli(["build", "--inputs", str(SAMPLE_INPUTS), "--out", str(tmp_path / "out"), *form], monkeypatch) == 0
    [report] = (tmp_path / "out").glob("*.docx")
    assert report.name == "臺北自來水事業處109年度推動性別平等工作成果報告.docx"
    assert read_properties(report)["表單版本"] == "110"
    assert run_cli(["pull", str(report), "--out", str(tmp_path / "pulled"), *form], monkeypatch) == 0
    assert run_cli(["diff", str(report), str(report), *form], monkeypatch) == 0
    init = ["init", "--agency", "測試局", "--year", "111", "--group", "D群", "--out", str(tmp_path / "new")]
    assert run_cli([*init, *form], monkeypatch) == 0
    assert len(list((tmp_path / "new").glob("*.xlsx"))) == 12
    capsys.readouterr()
    assert run_cli(["check", "--inputs", str(SAMPLE_INPUTS), "--form", str(tmp_path / "nowhere")], monkeypatch) == 2
    assert "找不到表單定義檔" in capsys.readouterr().err


def test_build_all_uses_another_form_edition(other_edition, tmp_path, monkeypatch):
    shutil.copytree(SAMPLE_INPUTS, tmp_path / "city" / "水處")
    code = run_cli(
        ["build-all", str(tmp_path / "city"), "--out", str(tmp_path / "out"), "--form", str(other_edition)], monkeypatch
    )
    assert code == 0
    assert [p.name for p in (tmp_path / "out" / "水處").glob("*.docx")] == [
        "臺北自來水事業處109年度推動性別平等工作成果報告.docx"
    ]


def test_every_command_is_named_in_the_readme():
    from pipeline.cli import cli
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"report {name}" not in readme] == []
