"""The command line: it parses options, calls the library, prints, sets the exit status.

Exit statuses are :class:`pipeline.errors.ExitCode`: 0 when there are no error
findings, 1 when there are (``build`` still writes the draft, with the findings
as Word comments, unless ``--strict``), 2 when the input, the form or the output
folder cannot be used (a message, never a traceback), 130 when interrupted
(Ctrl-C).  Everything it shows is in Chinese, click's own texts too
(:mod:`pipeline.cli_zh`); rule titles stand for rule ids, which stay in ``--json``.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline import cli_zh
from pipeline.errors import ExitCode, PipelineError
from pipeline.findings import Finding, Severity
from pipeline.startup import ready

if TYPE_CHECKING:
    from pipeline.city.batch import AgencyRow

cli_zh.install()  # before the options below are made: click names their types as they are built
_, Group = cli_zh.command_classes()
FOLDER = "資料夾"

INPUTS = click.option(
    "--inputs",
    "inputs",
    type=click.Path(path_type=Path),
    default=Path("inputs"),
    show_default=True,
    metavar=FOLDER,
    help="各章節活頁簿所在資料夾",
)

FORM = click.option(
    "--form",
    "form_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="另一版表單的資料夾（內含表單定義、規則檔及 Word 範本；預設為程式內附的表單）",
)


def _form_dir(form_dir: Path | None) -> Path:
    from pipeline.form.spec import DEFAULT_FORM_DIR

    return DEFAULT_FORM_DIR if form_dir is None else form_dir


def _exit(ok: bool) -> None:
    sys.exit(ExitCode.OK if ok else ExitCode.FINDINGS)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from pipeline import version

        click.echo(f"report（推動性別平等工作成果報告產生器）{version()}")
        ctx.exit()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version, help="顯示版本後結束"
)
def cli() -> None:
    """臺北市政府各機關推動性別平等工作成果報告產生器。"""


_width = cli_zh.display_width


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _summary(findings: list[Finding]) -> None:
    counts = Counter(f.severity for f in findings)
    if findings:
        order = list(Severity)
        by_rule = Counter((f.severity, f.heading) for f in findings)
        width = max(_width(heading) for _, heading in by_rule) + 2
        click.echo("檢核摘要：")
        click.echo(f"  {_pad('嚴重度', 8)}{_pad('規則', width)}件數")
        for (severity, heading), n in sorted(by_rule.items(), key=lambda item: (order.index(item[0][0]), item[0][1])):
            click.echo(f"  {_pad(severity.label, 8)}{_pad(heading, width)}{n}")
        for finding in findings:
            click.echo(str(finding), err=finding.severity is Severity.ERROR)
    click.echo(f"錯誤 {counts[Severity.ERROR]} 項，警告 {counts[Severity.WARNING]} 項，提示 {counts[Severity.INFO]} 項")


def _as_json(findings: list[Finding]) -> str:
    counts = Counter(f.severity.value for f in findings)
    data = {
        "ok": counts["error"] == 0,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "infos": counts["info"],
        "findings": [asdict(f) | {"severity": f.severity.value} for f in findings],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


@cli.command()
@INPUTS
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    metavar=FOLDER,
    help="報告輸出資料夾",
)
@click.option("--clean", is_flag=True, help="不在 Word 檔中加入檢核註解（乾淨版本）")
@click.option("--strict", is_flag=True, help="有錯誤時不寫出任何檔案")
@click.option("--no-mark", is_flag=True, help="不輸出標示問題儲存格的活頁簿副本")
@click.option("--pdf", "as_pdf", is_flag=True, help="另以 LibreOffice 輸出 PDF（PDF/A-2b）")
@click.option("--odt", "as_odt", is_flag=True, help="另以 LibreOffice 輸出 ODF 文件（.odt）")
@FORM
def build(
    inputs: Path,
    out: Path,
    clean: bool,
    strict: bool,
    no_mark: bool,
    as_pdf: bool,
    as_odt: bool,
    form_dir: Path | None,
) -> None:
    """讀取各章節活頁簿，計算、檢核並產生報告 .docx。

    每個檢核結果會成為 Word 註解，並輸出標示問題儲存格的活頁簿副本（out/檢核標示/）。

    例：report build --inputs inputs --out outputs
    """
    formats = [ext for ext, wanted in (("pdf", as_pdf), ("odt", as_odt)) if wanted]
    office = None
    if formats:  # LibreOffice starts while the report is built, and ends with the command
        from pipeline.submit.libreoffice import Office

        office = Office().start()
    from pipeline.main import build as run_build

    ready()
    result = run_build(inputs, out, _form_dir(form_dir), comments=not clean, strict=strict, mark=not no_mark)
    for path in result.inputs_read:
        click.echo(f"讀取：{path}")
    _summary(result.findings)
    if result.output is None:
        click.echo("有錯誤且使用 --strict：未寫出報告", err=True)
    else:
        if result.kept_edit is not None:  # only a report written replaces (and keeps) an edited one
            click.echo(f"注意：{result.output.name} 在上次產生後曾被編輯，已保存為 {result.kept_edit}")
        click.echo(f"寫入：{result.output}")
    for path in result.marked_workbooks:
        click.echo(f"標示：{path}")
    for problem in result.unmarked:
        click.echo(f"注意：{problem}", err=True)
    if formats and result.output is not None:
        from pipeline.submit.export import export_report

        exported = export_report(result.output, formats, office)
        for kept in exported.kept_edits:
            click.echo(f"注意：{result.output.with_suffix('.odt').name} 在上次產生後曾被編輯，已保存為 {kept}")
        for path in exported.files.values():
            click.echo(f"寫入：{path}")
    _exit(result.ok)


@cli.command()
@INPUTS
@click.option("--json", "as_json", is_flag=True, help="以 JSON 輸出檢核結果")
@FORM
def check(inputs: Path, as_json: bool, form_dir: Path | None) -> None:
    """只檢核各章節活頁簿，不產生報告。

    例：report check --inputs inputs --json
    """
    from pipeline.main import verify

    ready()
    result = verify(inputs, _form_dir(form_dir))
    if as_json:
        click.echo(_as_json(result.findings))
    else:
        _summary(result.findings)
    _exit(result.ok)


@cli.command()
@click.argument("old", metavar="舊報告.docx", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("new", metavar="新報告.docx", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--redline",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="檔案.docx",
    help="另存一份以追蹤修訂標示差異的 Word 檔",
)
@FORM
def diff(old: Path, new: Path, redline: Path | None, form_dir: Path | None) -> None:
    """比較兩份報告（.docx 或 .odt），依章節、表格、列與欄位列出差異。

    結束狀態：0 兩份報告相同；1 有差異；2 檔案無法讀取。
    新報告為 .odt 時，追蹤修訂版由 LibreOffice 先轉成 .docx 再標示（須先安裝 LibreOffice）。

    例：report diff outputs/history/舊版.docx outputs/新版.docx --redline outputs/修訂對照.docx
    """
    from pipeline.form.spec import load_form

    ready()
    form = load_form(_form_dir(form_dir))
    if redline:
        from pipeline.review.redline import write_redline

        changes = write_redline(old, new, redline, form)
    else:
        from pipeline.review.diff import diff_reports

        changes = diff_reports(old, new, form)
    for change in changes:
        click.echo(str(change))
    click.echo(f"共 {len(changes)} 處差異")
    if redline:
        click.echo(f"寫入追蹤修訂版：{redline}")
    sys.exit(ExitCode.FINDINGS if changes else ExitCode.OK)


@cli.command()
@click.argument("report_file", metavar="報告.docx|.odt", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    metavar=FOLDER,
    help="新的資料夾（不可已有檔案）",
)
@click.option(
    "--inputs",
    "inputs",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("inputs"),
    show_default=True,
    metavar=FOLDER,
    help="報告所依據的輸入資料夾：其中 attachments/ 的附件檔一併複製到新資料夾",
)
@FORM
def pull(report_file: Path, out: Path, inputs: Path, form_dir: Path | None) -> None:
    """將報告（審查後編修的版本或去年的報告，Word 或 LibreOffice 存的 .docx、.odt）讀回成各章節活頁簿。

    寫入新的資料夾，不會動到 inputs/；附件檔由 --inputs 資料夾複製過去，新資料夾可直接產生報告。
    報告中與計算結果不同的數字（例如審查者改了比率或總計）會列出提醒。

    例：report pull outputs/臺北自來水事業處109年推動性別平等工作成果報告.docx --out inputs-110
    """
    from pipeline.form.spec import load_form
    from pipeline.review.pull import pull_report

    ready()
    attachments = inputs if (inputs / "attachments").is_dir() else None
    result = pull_report(report_file, out, load_form(_form_dir(form_dir)), attachments=attachments)
    for path in result.files:
        click.echo(f"寫入：{path}")
    if attachments is None:
        click.echo(f"注意：{inputs}/attachments 不存在，未複製附件檔；請自行將附件檔放入 {out}/attachments/", err=True)
    for note in result.notes:
        click.echo(f"注意：{note}", err=True)
    for notice in result.notices:
        click.echo(f"提醒：{notice}", err=True)


def _at_least_one(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"{value} 小於 1")
    return value


@cli.command("build-all")
@click.argument("root", metavar=FOLDER, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs"),
    show_default=True,
    metavar=FOLDER,
    help="輸出資料夾：各機關報告（每機關一個子資料夾）及全市彙整表、圖、網頁",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    callback=lambda ctx, param, value: _at_least_one(value),
    metavar="個數",
    help="同時建置的工作程序數，至少 1（預設：CPU 核心數）",
)
@click.option("--pdf", "as_pdf", is_flag=True, help="另以 LibreOffice 輸出各機關報告的 PDF（PDF/A-2b）")
@click.option("--odt", "as_odt", is_flag=True, help="另以 LibreOffice 輸出各機關報告的 ODF 文件（.odt）")
@FORM
def build_all_command(
    root: Path, out: Path, workers: int | None, as_pdf: bool, as_odt: bool, form_dir: Path | None
) -> None:
    """建置全市各機關的報告（資料夾中每個子資料夾為一個機關的輸入），並輸出全市彙整表、圖及網頁。

    各機關平行建置；輸入無法使用的機關記錄原因後繼續處理其他機關。審查者編修過的報告先移到
    該機關的 history/ 再寫新版，並逐一列出。

    --pdf、--odt：所有報告建置完成後，由同一個 LibreOffice 依序轉檔；某機關轉檔失敗時列出原因，
    其他機關照常轉出。

    結束狀態：0 全部完成且無錯誤；1 有機關失敗、有錯誤檢核或轉檔失敗；2 資料夾無法使用；130 中斷（Ctrl-C）。

    例：report build-all 各機關輸入 --out 全市輸出 --workers 2 --pdf
    """
    from pipeline.city.batch import build_all, find_agencies

    ready()  # before the workers are started: they inherit the collector's state
    total = len(find_agencies(root, out))
    formats = [ext for ext, wanted in (("pdf", as_pdf), ("odt", as_odt)) if wanted]
    if formats:  # no LibreOffice: say so before the city is built, not after
        from pipeline.submit.libreoffice import find_soffice

        find_soffice()
    with click.progressbar(
        length=total, label="建置各機關報告", show_pos=True, item_show_func=lambda name: name
    ) as bar:
        result = build_all(
            root,
            out,
            workers=workers,
            progress=lambda row, done, total: bar.update(1, row.folder),
            form_dir=_form_dir(form_dir),
        )
    with_errors = [row for row in result.built if row.errors]
    click.echo(
        f"完成 {len(result.built)} 個機關（其中 {len(with_errors)} 個有錯誤檢核），"
        f"失敗 {len(result.failed)} 個；費時 {result.seconds:.1f} 秒"
        f"（{result.workers} 個工作程序）"
    )
    for row in with_errors:
        click.echo(f"  有錯誤：{row.folder}（錯誤 {row.errors} 項，警告 {row.warnings} 項）")
    if result.kept_edits:
        click.echo(f"審查者編修過的報告 {len(result.kept_edits)} 份，已先移到 history/ 保存：")
        for row in result.kept_edits:
            click.echo(f"  {row.folder}：{row.kept_edit}")
    if result.failed:
        click.echo("建置失敗的機關：", err=True)
        for row in result.failed:
            click.echo(f"  {row.folder}：{row.message}", err=True)
    click.echo(f"彙整表：{result.summary}")
    click.echo(f"彙整圖：{result.chart}")
    click.echo(f"彙整網頁：{result.page}")
    converted = _export_all(result.built, formats) if formats else True
    _exit(result.ok and converted)


def _export_all(rows: list[AgencyRow], formats: list[str]) -> bool:
    """Convert every built report in one LibreOffice session; False when any conversion failed.

    LibreOffice starts only once the build workers are done (they are forked processes).
    """
    from pipeline.submit.export import export_reports

    reports = {row.output: row.folder for row in rows if row.output is not None}
    outcomes = export_reports(list(reports), formats)
    written = [outcome for outcome in outcomes.values() if not isinstance(outcome, PipelineError)]
    names = "、".join(f".{ext}" for ext in formats)
    click.echo(f"轉檔（{names}）：完成 {len(written)} 份報告，失敗 {len(outcomes) - len(written)} 份")
    for docx, outcome in outcomes.items():
        if isinstance(outcome, PipelineError):
            click.echo(f"  轉檔失敗：{reports[docx]}：{outcome}", err=True)
        else:
            for kept in outcome.kept_edits:
                click.echo(f"  注意：{reports[docx]} 的 .odt 在上次產生後曾被編輯，已保存為 {kept}")
    return len(written) == len(outcomes)


@cli.command()
@click.option("--agency", required=True, metavar="名稱", help="機關名稱")
@click.option("--year", type=int, required=True, metavar="民國年", help="報告年度（民國年，例：110）")
@click.option("--group", required=True, metavar="組別", help="組別，例：C群、C2組")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar=FOLDER,
    help="新資料夾（預設 inputs-<年度>）",
)
@click.option(
    "--from",
    "previous",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    metavar=FOLDER,
    help="去年的輸入資料夾：沿用機關資料、聯絡人、委員人數、措施名稱",
)
@click.option("--ods", "as_ods", is_flag=True, help="以 ODF 試算表（.ods）格式建立（需 LibreOffice）")
@FORM
def init(
    agency: str, year: int, group: str, out: Path | None, previous: Path | None, as_ods: bool, form_dir: Path | None
) -> None:
    """為新年度建立一套空白的各章節活頁簿（含下拉選單與填寫說明）。

    例：report init --agency 臺北自來水事業處 --year 110 --group C群、C2組 --from inputs
    """
    from pipeline.form.spec import load_form
    from pipeline.inputs.init import init_inputs

    ready()
    target = out or Path(f"inputs-{year}")
    for path in init_inputs(target, agency, year, group, load_form(_form_dir(form_dir)), previous, ods=as_ods):
        click.echo(f"寫入：{path}")


@cli.command("package")
@INPUTS
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    metavar=FOLDER,
    help="送件檔案輸出資料夾",
)
@FORM
def package_command(inputs: Path, out: Path, form_dir: Path | None) -> None:
    """產生送件檔案：報告 .docx、.odt、PDF（PDF/A-2b），報告與所有附件合併成一個有書籤的 PDF，及報告與附件原檔的 zip。

    附件檔放在 inputs/attachments/，檔名以附件編號開頭（例：附件3-1 研習班.pdf），
    可用 .pdf、.docx、.xlsx、.jpg、.png。報告及 Word/Excel 附件經 LibreOffice 轉成 PDF，須先安裝。
    無法讀取的附件檔（損毀、有密碼）會列出，其餘照常寫出。

    例：report package --inputs inputs --out outputs
    """
    from pipeline.submit.libreoffice import Office

    office = Office().start()  # LibreOffice starts before the rest of the program is even imported
    from pipeline.submit.package import package

    ready()
    try:
        result = package(inputs, out, _form_dir(form_dir), office=office)
    finally:
        office.close(wait=False)  # LibreOffice quits, and tidies up, on its own
    for path in result.build.inputs_read:
        click.echo(f"讀取：{path}")
    _summary(result.findings)
    # A package always has its .docx and .odt; the checks below are for the type checker.
    if result.build.output is not None and result.build.kept_edit is not None:
        click.echo(f"注意：{result.build.output.name} 在上次產生後曾被編輯，已保存為 {result.build.kept_edit}")
    if result.report_odt is not None:
        for kept in result.kept_edits:
            click.echo(f"注意：{result.report_odt.name} 在上次產生後曾被編輯，已保存為 {kept}")
    for written in (result.build.output, result.report_odt, result.report_pdf):
        if written is not None:
            click.echo(f"寫入：{written}")
    click.echo(f"寫入：{result.pdf}（共 {result.pages} 頁）")
    for item in result.contents:
        indent = "    " if item.sub else "  "
        last = item.first_page + item.pages - 1
        pages = f"第 {item.first_page} 頁" if item.pages == 1 else f"第 {item.first_page}–{last} 頁"
        click.echo(f"{indent}{item.label}：{pages}")
    click.echo(f"寫入：{result.zip}")
    if result.failures:
        click.echo(f"有 {len(result.failures)} 個附件檔未能併入 PDF（其餘已寫入；原檔仍在 zip 中）：", err=True)
        for failure in result.failures:
            click.echo(f"  {failure}", err=True)
    _exit(result.ok)


def main() -> None:
    """Console-script entry point: run the CLI; every way it can end is an ExitCode and a message."""
    try:
        # The usage line says `report` also under `python -m pipeline` (the same program).
        status = cli(prog_name="report", standalone_mode=False)  # a command's own sys.exit passes through
    except PipelineError as exc:
        click.echo(f"錯誤：{exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except click.exceptions.Abort as exc:  # click turns Ctrl-C into Abort
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            _interrupted()
        click.echo("已中止", err=True)
        sys.exit(ExitCode.UNUSABLE)
    except click.ClickException as exc:  # a bad option or argument: the input cannot be used
        exc.show()
        sys.exit(ExitCode.UNUSABLE)
    except MemoryError:
        click.echo("錯誤：記憶體不足，無法完成（輸入檔可能異常龐大）", err=True)
        sys.exit(ExitCode.UNUSABLE)
    except Exception as exc:  # a fault of the program itself: a message, not a traceback
        click.echo(f"錯誤：程式內部錯誤（{type(exc).__name__}：{exc}），請將此訊息回報維護人員", err=True)
        if os.environ.get("TPE_REPORT_DEBUG"):
            raise
        sys.exit(ExitCode.UNUSABLE)
    sys.exit(status if isinstance(status, int) else ExitCode.OK)  # --help, --version, diff, pull, init


def _interrupted() -> None:
    click.echo("\n已中斷（Ctrl-C）：未完成的檔案沒有寫入，之前的報告保持原樣。", err=True)
    sys.exit(ExitCode.INTERRUPTED)
