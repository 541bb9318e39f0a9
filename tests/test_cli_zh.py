"""Click's own texts in Chinese: help, usage and errors show no English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from pipeline.cli import cli
from pipeline.cli_zh import MESSAGES, translate

from .conftest import run_cli

# What may stay in Latin letters: the program and its commands and options (typed as they
# are), file names and products, the examples (lines with 例：) and numbers' units.
PRODUCTS = {
    "Word",
    "LibreOffice",
    "Excel",
    "PDF",
    "JSON",
    "ODF",
    "docx",
    "xlsx",
    "odt",
    "ods",
    "pdf",
    "jpg",
    "png",
    "zip",
    "CPU",
}
KEYS = {"Alt", "Enter", "Ctrl"}
PATHS = {"inputs", "outputs", "out", "history", "attachments"}


def click_message_ids() -> set[str]:
    """Every text the installed click passes to gettext (``_("…")``, ``ngettext("…", "…", n)``)."""
    ids = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                count = 1 if node.func.id == "_" else 2
                ids |= {a.value for a in node.args[:count] if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return ids


def english(text: str, typed: list[str] = ()) -> list[str]:
    """The Latin words in ``text`` that are none of the allowed names nor what was ``typed``."""
    names = {"report", *cli.commands, *KEYS, *(w for arg in typed for w in re.findall(r"[A-Za-z]+", arg))}
    for command in cli.commands.values():
        names |= {opt.lstrip("-") for param in command.params for opt in param.opts}
    words = []
    for line in text.splitlines():
        if "例：" in line:
            continue
        line = re.sub(r"--?[a-z][a-z-]*", " ", line)  # options as typed
        words += [w for w in re.findall(r"[A-Za-z]{2,}", line) if w not in names | PRODUCTS | PATHS]
    return words


def test_every_message_of_the_installed_click_is_translated():
    assert sorted(click_message_ids() - set(MESSAGES)) == []


def test_translations_keep_the_placeholders_click_fills_in():
    for message, chinese in MESSAGES.items():
        assert set(re.findall(r"\{(\w+)", message)) == set(re.findall(r"\{(\w+)", chinese)), message
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}|%\(\w+\)s|UUID|Bash|Windows", "", chinese)), chinese


@pytest.mark.parametrize("args", [["--help"], *[[name, "--help"] for name in sorted(cli.commands)]])
def test_help_shows_no_english(args, monkeypatch, capsys):
    assert run_cli(args, monkeypatch) == 0
    out = capsys.readouterr().out
    assert "用法：" in out and "選項" in out and "顯示此說明後結束" in out
    assert english(out) == []


BAD = [
    (["build", "--nope"], "沒有「--nope」這個選項"),
    (["buidl"], "沒有「buidl」這個指令"),
    (["init", "--year", "110"], "缺少選項"),
    (["build", "--out"], "需要一個值"),
    (["build-all"], "缺少參數"),
    (["build-all", "x", "--workers", "zero"], "不是有效的整數"),
    (["build-all", "x", "--workers", "0"], "小於 1"),
    (["diff", "nowhere-a.docx", "nowhere-b.docx"], "不存在"),
]


@pytest.mark.parametrize("args, words", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_a_bad_option_shows_no_english(args, words, monkeypatch, capsys):
    assert run_cli(args, monkeypatch) == 2
    err = capsys.readouterr().err
    assert words in err and "錯誤：" in err and "Traceback" not in err
    assert english(err, args) == []


def test_an_unknown_text_passes_through_unchanged():
    assert translate("Something new in click 9") == "Something new in click 9"


def test_help_lines_up_chinese_metavars_in_terminal_columns(monkeypatch, capsys):
    from pipeline.cli_zh import display_width

    assert run_cli(["init", "--help"], monkeypatch) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  -")]
    starts = {display_width(line[: re.search(r"\S\s{2,}\S", line).end() - 1]) for line in lines}
    assert len(lines) == 7 and len(starts) == 1  # every description starts in the same column
