"""The `report` command starts with the garbage collector off and has it on for its work."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline import startup
from pipeline.cli import cli

from .conftest import ROOT


@pytest.fixture
def collector_off():
    """The state the console script leaves a command in; restored afterwards."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_ready_freezes_what_exists_and_switches_the_collector_on(collector_off):
    frozen = gc.get_freeze_count()
    startup.ready()
    assert gc.isenabled() and gc.get_freeze_count() > frozen


def test_ready_does_nothing_where_the_collector_was_never_off():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    startup.ready()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def commands(tmp_path):
    """An invocation of each command that gets past its imports (and then fails or finishes)."""
    report = tmp_path / "報告.docx"
    report.write_bytes(b"not a report")
    missing = str(tmp_path / "nope")
    return {
        "build": ["build", "--inputs", missing, "--out", str(tmp_path / "out")],
        "check": ["check", "--inputs", missing],
        "diff": ["diff", str(report), str(report)],
        "pull": ["pull", str(report), "--out", str(tmp_path / "pulled")],
        "build-all": ["build-all", missing, "--out", str(tmp_path / "city")],
        "init": [
            "init",
            "--agency",
            "測試機關",
            "--year",
            "110",
            "--group",
            "C群、C2組",
            "--out",
            str(tmp_path / "new"),
        ],
    }  # `package` starts LibreOffice before its imports; the same call is made there


@pytest.mark.parametrize("name", ["build", "check", "diff", "pull", "build-all", "init"])
def test_every_command_switches_the_collector_on_before_its_work(collector_off, tmp_path, name):
    CliRunner().invoke(cli, commands(tmp_path)[name])
    assert gc.isenabled(), f"report {name} ran its work with the collector off"


def test_the_console_script_and_python_m_start_with_the_collector_off(tmp_path):
    probe = (
        "import gc, sys\n"
        "import pipeline.cli as cli\n"
        "cli.main = lambda: sys.exit(0 if not gc.isenabled() else 3)\n"
        "from pipeline.startup import main\n"
        "main()\n"
    )
    assert subprocess.run([sys.executable, "-c", probe], cwd=ROOT).returncode == 0
    version = subprocess.run([sys.executable, "-m", "pipeline", "--version"], cwd=ROOT, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip()
