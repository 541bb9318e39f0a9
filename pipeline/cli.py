"""The command line: ``report build``.  It parses options, calls the library, prints.

Exit status: 0 when the report was built without error findings, 1 when there
are error findings (the draft is still written), 2 when the input or the
form cannot be used at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import PipelineError
from .findings import Severity


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """臺北市政府各機關推動性別平等工作成果報告產生器。"""


@cli.command()
@click.option("--inputs", "inputs", type=click.Path(path_type=Path), default=Path("inputs"),
              show_default=True, help="各章節活頁簿所在資料夾")
@click.option("--out", type=click.Path(path_type=Path), default=Path("outputs"),
              show_default=True, help="報告輸出資料夾")
def build(inputs: Path, out: Path) -> None:
    """讀取各章節活頁簿，計算並產生報告 .docx。

    例：report build --inputs inputs --out outputs
    """
    from .main import build as run_build

    result = run_build(inputs, out)
    for path in result.inputs_read:
        click.echo(f"讀取：{path}")
    for finding in result.findings:
        click.echo(str(finding), err=finding.severity is Severity.ERROR)
    errors = sum(f.severity is Severity.ERROR for f in result.findings)
    warnings = sum(f.severity is Severity.WARNING for f in result.findings)
    click.echo(f"寫入：{result.output}")
    click.echo(f"錯誤 {errors} 項，警告 {warnings} 項")
    sys.exit(0 if result.ok else 1)


def main() -> None:
    """Console-script entry point: run the CLI, turning PipelineError into exit 2."""
    try:
        cli(standalone_mode=False)
    except PipelineError as exc:
        click.echo(f"錯誤：{exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("已中止", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
