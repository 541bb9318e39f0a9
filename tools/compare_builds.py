"""Cold `report build` of this checkout against another one, interleaved: is it slower?

    python tools/compare_builds.py /path/to/other-checkout --runs 41

Both checkouts need their own venv (``make report`` in each).  Each round runs one cold
``report build`` of each checkout's own sample (``--same-inputs``: both build the other
checkout's ``inputs/``, so that only the code differs), in alternating order, each with
its own private disk cache warmed first; the ratio of each round's pair is taken, and the
median of those ratios printed with the medians and minima of both.  On a shared machine
single timings vary by ±10%: pairs taken a moment apart vary together, so their ratios
are steadier than two separate medians.

This is a measurement, not a test: nothing here fails the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def command(checkout: Path, inputs: Path, out: Path) -> list[str]:
    """The cold build of ``inputs`` by ``checkout``'s own installed program."""
    return [str(checkout / ".venv" / "bin" / "report"), "build", "--inputs", str(inputs), "--out", str(out)]


def timed(argv: list[str], cwd: Path, cache: Path) -> float:
    """Seconds one run takes (it must succeed or end with findings, exit 0 or 1)."""
    started = time.perf_counter()
    env = {**os.environ, "TPE_REPORT_CACHE": str(cache)}
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the checkout to compare with (its .venv installed)")
    parser.add_argument("--runs", type=int, default=31, help="rounds (default 31)")
    parser.add_argument("--same-inputs", action="store_true", help="both build the other checkout's inputs/")
    args = parser.parse_args()
    other = args.other.resolve()
    for checkout in (ROOT, other):
        if not (checkout / ".venv" / "bin" / "report").is_file():
            sys.exit(f"{checkout}: no .venv/bin/report (run `make report` there first)")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        sides = {}
        for name, checkout in (("this", ROOT), ("other", other)):
            inputs = (other if args.same_inputs else checkout) / "inputs"
            cache = folder / f"cache-{name}"
            sides[name] = (checkout, inputs, cache)
            timed(command(checkout, inputs, folder / f"warm-{name}"), checkout, cache)  # fills its cache
        times: dict[str, list[float]] = {"this": [], "other": []}
        for round_number in range(args.runs):
            order = ("this", "other") if round_number % 2 else ("other", "this")
            for name in order:
                checkout, inputs, cache = sides[name]
                out = folder / f"{name}-{round_number}"
                times[name].append(timed(command(checkout, inputs, out), checkout, cache))
    ratios = [mine / theirs for mine, theirs in zip(times["this"], times["other"], strict=True)]
    for name in ("other", "this"):
        print(f"{name:5s}  median {statistics.median(times[name]):.3f} s  min {min(times[name]):.3f} s")
    print(f"this / other: median of the rounds' ratios {statistics.median(ratios):.3f}, ", end="")
    print(f"ratio of medians {statistics.median(times['this']) / statistics.median(times['other']):.3f}")


if __name__ == "__main__":
    main()
