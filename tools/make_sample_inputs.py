"""Write the shipped sample ``inputs/`` (臺北自來水事業處, 109) from tools/sample_data.yaml.

The workbooks in inputs/ are the sample a clerk would keep; this script made
them from a transcription of the filed report, and remakes them when the
form's workbook layout changes:

    python tools/make_sample_inputs.py [--out inputs]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.form.spec import load_form  # noqa: E402
from pipeline.inputs.workbooks import write_workbook  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "inputs")
    args = parser.parse_args(argv)
    form = load_form()
    data = yaml.safe_load((ROOT / "tools" / "sample_data.yaml").read_text(encoding="utf-8"))
    for wb_spec in form.workbooks:
        path = write_workbook(wb_spec, form, args.out / wb_spec.file, data.get(wb_spec.file, {}))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
