"""A report sent back by anyone is bounded: a .docx bomb or an absurd table span is refused
or clamped by `report pull` and `report diff` within 256 MB and 10 s, with a message and
exit status 2 (never a traceback or a killed process)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

LIMIT_BYTES = 256 * 1024 * 1024
LIMIT_SECONDS = 10


# A wrapper whose only child is the command: its RUSAGE_CHILDREN peak is that command's.
WRAPPER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.stderr.write("\\nPEAK %d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def run_bounded(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run the CLI in a child process; its result, wall time and peak RSS in bytes."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    seconds = time.perf_counter() - start
    peak = int(re.search(r"PEAK (\d+)", done.stderr).group(1)) * 1024  # kB on Linux
    return done, seconds, peak


def with_image_bomb(report: Path, target: Path) -> Path:
    """The report with a picture part that inflates to 300 MB (a few hundred KB on disk)."""
    with zipfile.ZipFile(report) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        with out.open("word/media/bomb.png", "w", force_zip64=True) as part:
            block = bytes(1 << 20)
            for _ in range(300):
                part.write(block)
    assert target.stat().st_size < 3 * 1024 * 1024
    return target


def with_grid_span(report: Path, target: Path, value: str) -> Path:
    """The report with one cell claiming to span ``value`` grid columns."""
    with zipfile.ZipFile(report) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                text, count = re.subn(r"<w:tcPr>", f'<w:tcPr><w:gridSpan w:val="{value}"/>', text, count=1)
                assert count == 1
                data = text.encode("utf-8")
            out.writestr(info, data)
    return target


@pytest.mark.parametrize("command", ["pull", "diff"])
def test_a_docx_bomb_is_refused_within_bounds(sample_report, tmp_path, command):
    bomb = with_image_bomb(sample_report, tmp_path / "炸彈.docx")
    args = (
        ["pull", str(bomb), "--out", str(tmp_path / "pulled")]
        if command == "pull"
        else ["diff", str(sample_report), str(bomb)]
    )
    done, seconds, peak = run_bounded(args, tmp_path)
    assert done.returncode == 2 and "炸彈.docx" in done.stderr and "Traceback" not in done.stderr
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES
    assert not (tmp_path / "pulled").exists()


@pytest.mark.parametrize("value", ["400000000", "2.5", "x"])
def test_an_absurd_cell_span_is_clamped_not_followed(sample_report, tmp_path, value):
    spanned = with_grid_span(sample_report, tmp_path / "span.docx", value)
    done, seconds, peak = run_bounded(["diff", str(sample_report), str(spanned)], tmp_path)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr
    assert seconds < LIMIT_SECONDS and peak < LIMIT_BYTES
