"""``report init``: a complete set of blank section workbooks for a new year."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.errors import ConversionError, InputError, OutputError
from pipeline.form.fmt import Formatter
from pipeline.form.spec import Form
from pipeline.inputs.read import read_inputs
from pipeline.inputs.records import Inputs, Record
from pipeline.inputs.values import ROC_OFFSET, BadValue, parse_groups
from pipeline.inputs.workbooks import write_workbook
from pipeline.outputs import atomic_write


def _cell(value: Any, fmt: Formatter) -> Any:
    """A typed value as a clerk would type it in the cell."""
    if isinstance(value, tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, date):
        return fmt.date_short(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bool):
        return "V" if value else None
    return value


def _record_data(record: Record, headers: dict[str, str], fmt: Formatter) -> dict[str, Any]:
    return {headers[k]: _cell(v.value, fmt) for k, v in record.values.items() if k in headers and v.value is not None}


def _carried(previous: Inputs, form: Form) -> dict[str, dict[str, Any]]:
    """What persists from one year to the next: the fields form.yaml marks `carry`."""
    fmt = Formatter(form.formats)
    data: dict[str, dict[str, Any]] = {}
    for sheet_id, (wb_spec, spec) in form.sheets.items():
        headers = {f.key: f.header for f in spec.specs if f.carry}
        if not headers:
            continue
        sheet = data.setdefault(wb_spec.file, {})
        if spec.kind == "fields":
            sheet[spec.name] = _record_data(previous.fields(sheet_id), headers, fmt)
        else:
            sheet[spec.name] = [_record_data(r, headers, fmt) for r in previous.rows(sheet_id)]
    return data


def _put(data: dict[str, dict[str, Any]], form: Form, ref: str, value: Any) -> None:
    """Set field ``sheet.key`` of a ``fields`` sheet in the workbook data."""
    sheet_id, _, key = ref.rpartition(".")
    wb_spec, spec = form.sheets[sheet_id]
    data.setdefault(wb_spec.file, {}).setdefault(spec.name, {})[form.field_spec(sheet_id, key).header] = value


MAX_ROC_YEAR = 200  # 民國200年 is 2111: a larger year is a Western year


def check_roc_year(year: int) -> None:
    """Refuse a year that is not a 民國 year (2021 for 110), with the year it probably means."""
    if 1 <= year <= MAX_ROC_YEAR:
        return
    if year > ROC_OFFSET:
        raise InputError(f"年度 {year} 是西元年：請填民國年，例如 {year - ROC_OFFSET}（西元 {year} 年）")
    raise InputError(f"年度 {year} 不是民國年：請填民國年，例如 110")


def init_inputs(
    out: Path,
    agency: str,
    year: int,
    group: str,
    form: Form,
    previous: Path | None = None,
    *,
    ods: bool = False,
) -> list[Path]:
    """Write blank section workbooks for ``agency``'s report of ``year`` into a new folder.

    ``ods``: as OpenDocument spreadsheets (.ods), converted by LibreOffice from the
    .xlsx set and checked (same cells, same dropdowns); ToolMissing without LibreOffice.
    """
    check_roc_year(year)
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise OutputError(f"資料夾 {out} 已有檔案；請指定新的資料夾（不會覆寫既有資料）")
    if ods:
        from pipeline.submit.libreoffice import find_soffice

        find_soffice()  # before anything is written
    try:
        codes = parse_groups(group, form.group_codes)  # the reader's own rule
    except BadValue as exc:
        raise InputError(f"組別「{group}」不正確：{exc}") from exc
    data: dict[str, dict[str, Any]] = {}
    if previous is not None:
        records, _ = read_inputs(Path(previous), form)
        data = _carried(records, form)
    for wb_spec, spec in form.sheets.values():
        if spec.kind != "fields":
            continue
        shown = data.setdefault(wb_spec.file, {}).setdefault(spec.name, {})
        for f in spec.fields:  # a default is shown, so that the clerk sees it and changes it
            if f.default is not None and shown.get(f.header) is None:
                shown[f.header] = f.default
    identity = form.identity
    _put(data, form, identity.agency, agency)
    _put(data, form, identity.year, year)
    _put(data, form, identity.groups, "、".join(codes))
    for ref, offset in identity.year_fields.items():
        _put(data, form, ref, year + offset)
    if not ods:
        return [write_workbook(wb, form, out / wb.file, data.get(wb.file)) for wb in form.workbooks]
    with tempfile.TemporaryDirectory(prefix="report-init-") as tmp:
        books = [write_workbook(wb, form, Path(tmp) / wb.file, data.get(wb.file)) for wb in form.workbooks]
        return as_ods(books, out)


def as_ods(books: list[Path], out: Path) -> list[Path]:
    """The workbooks converted to .ods into ``out`` (all or none), each checked against its .xlsx."""
    from pipeline.submit.libreoffice import Job, Office
    from pipeline.submit.odf import sheet_differences as differences

    with Office() as office:
        staging = office.work / "ods"
        jobs = [Job(book, (("ods", staging / f"{book.stem}.ods"),)) for book in books]
        for job, error in zip(jobs, office.convert_all(jobs), strict=True):
            if error is not None:
                raise error
            lost = differences(job.source, job.outputs[0][1])
            if lost:
                raise ConversionError(
                    f"LibreOffice 轉出的「{job.outputs[0][1].name}」與原活頁簿不一致，未寫出：\n  " + "\n  ".join(lost)
                )
        written = []
        for job in jobs:
            target = out / job.outputs[0][1].name
            with atomic_write(target) as tmp:
                shutil.copyfile(job.outputs[0][1], tmp)
            written.append(target)
    return written
