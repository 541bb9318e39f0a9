"""Writing section workbooks: the clerk-facing layout of each sheet, optionally filled.

Used to make blank workbooks for a new year and the shipped sample inputs, so
both always match what the reader expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.form.spec import FieldSpec, Form, SheetSpec, WorkbookSpec
from pipeline.inputs.read import FIELDS_LABEL_HEADER, FIELDS_VALUE_HEADER, INSTRUCTIONS_SHEET
from pipeline.inputs.values import TICK_FORMS, UNTICK_FORMS
from pipeline.office.celltext import append_values, put_value
from pipeline.office.xlsx import first_worksheet, use_excel_font_order
from pipeline.outputs import atomic_write

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_VALIDATED_ROW = 500
TICK_CHOICES = (*TICK_FORMS, *UNTICK_FORMS)  # every form the reader takes, ticks first


def _validation(spec: FieldSpec, form: Form) -> DataValidation | None:
    """A dropdown for choice and checkbox fields.

    A choice must be one of the form's (Excel stops anything else); a tick may be typed
    in any way the reader understands, so its list offers them all and a value not in it
    (Ｖ, TRUE) only warns; group codes may be several, so they are not checked at all."""
    if spec.type == "choice":
        options = spec.choices
    elif spec.type == "checkbox":
        options = TICK_CHOICES
    elif spec.type == "groups":
        options = form.group_codes
    else:
        return None
    if spec.type == "checkbox":
        return DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="勾選欄位",
            error="勾選請填 V、✓ 或「是」，未勾選留空或填「否」。其他寫法若要保留請按「是」，產生報告時會檢查。",
        )
    return DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=spec.type != "groups",  # groups may list several codes
        errorTitle="輸入值不正確",
        error="請由下拉選單選擇：" + "、".join(options),
    )


def _number_format(spec: FieldSpec) -> str | None:
    # Dates are kept as text so that Excel does not reinterpret 民國 dates like 109-07-10.
    return {"int": "0", "money": "#,##0", "decimal": "0.##", "date": "@"}.get(spec.type)


TYPE_HELP = {
    "text": "文字",
    "paragraphs": "文字（可多段，儲存格內 Alt+Enter 換行）",
    "int": "整數",
    "money": "金額（元）",
    "decimal": "數字",
    "date": "日期（民國，例 109-07-10 或 109年7月10日）",
    "checkbox": "勾選：填 V、✓ 或「是」（未勾選留空或填「否」；可由下拉選單選）",
    "choice": "下拉選單",
    "groups": "組別（可多個，以「、」分隔）",
}
GENERAL_HELP = (
    "每個工作表的第一列是欄位標題，請勿修改標題文字；欄位順序可調整，也可在右側加欄備註。",
    "表格工作表一列一筆資料，可增刪列；空白列會略過。「欄位｜內容」工作表請在 B 欄填值。",
    "數字可含千分位或「元」；日期用民國年；勾選欄位填 V、✓ 或「是」，未勾選留空或填「否」。",
    "比率、合計、增減等由程式計算並核對，不必自行計算。",
)


def _write_instructions(book: Workbook, wb_spec: WorkbookSpec) -> None:
    ws = book.create_sheet(INSTRUCTIONS_SHEET)
    append_values(ws, [f"{wb_spec.title}：填寫說明"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in (*wb_spec.instructions, *GENERAL_HELP):
        append_values(ws, [line])
    ws.append([])
    append_values(ws, ["工作表", "欄位", "填寫方式", "必填"])
    for cell in ws[ws.max_row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    for sheet in wb_spec.sheets:
        for spec in sheet.specs:
            how = TYPE_HELP[spec.type]
            if spec.type == "choice":
                how += "：" + "、".join(spec.choices)
            append_values(ws, [sheet.name, spec.header, how, "是" if spec.required else ""])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = WRAP


def _write_fields(ws: Worksheet, sheet: SheetSpec, form: Form, data: Mapping[str, Any] | None) -> None:
    append_values(ws, [FIELDS_LABEL_HEADER, FIELDS_VALUE_HEADER])
    for cell in ws[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    for row, spec in enumerate(sheet.fields, start=2):
        put_value(ws.cell(row=row, column=1), spec.header).font = HEADER_FONT
        target = put_value(ws.cell(row=row, column=2), (data or {}).get(spec.header))
        target.alignment = WRAP
        number_format = _number_format(spec)
        if number_format:
            target.number_format = number_format
        dv = _validation(spec, form)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(target.coordinate)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    ws.freeze_panes = "A2"


def _write_table(ws: Worksheet, sheet: SheetSpec, form: Form, rows: list[Mapping[str, Any]] | None) -> None:
    append_values(ws, [spec.header for spec in sheet.columns])
    for cell in ws[1]:
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
    for record in rows or []:
        append_values(ws, [record.get(spec.header) for spec in sheet.columns])
    last = max(MAX_VALIDATED_ROW, ws.max_row)
    for col, spec in enumerate(sheet.columns, start=1):
        letter = get_column_letter(col)
        wide = spec.type in ("paragraphs", "text")
        number_format = _number_format(spec)
        ws.column_dimensions[letter].width = 40 if spec.type == "paragraphs" else 18 if wide else 12
        dv = _validation(spec, form)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row=row, column=col)
            cell.alignment = WRAP
            if number_format:
                cell.number_format = number_format
    ws.freeze_panes = "A2"


def _write_free_table(ws: Worksheet, data: Mapping[str, Any]) -> None:
    for row in data.get("cells", []):
        append_values(ws, [None if value == "" else value for value in row])
    for rng in data.get("merges", []):
        ws.merge_cells(rng)
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = WRAP


def write_workbook(wb_spec: WorkbookSpec, form: Form, path: Path, data: Mapping[str, Any] | None = None) -> Path:
    """Write one section workbook (blank, or filled from ``data``: sheet name → values)."""
    book = Workbook()
    book.remove(first_worksheet(book))
    data = data or {}
    for sheet in wb_spec.sheets:
        ws = book.create_sheet(sheet.name)
        if sheet.kind == "fields":
            _write_fields(ws, sheet, form, data.get(sheet.name))
        else:
            _write_table(ws, sheet, form, data.get(sheet.name))
    names = {sheet.name for sheet in wb_spec.sheets}
    for name, extra in data.items():
        if name not in names and isinstance(extra, Mapping):
            _write_free_table(book.create_sheet(name), extra)
    _write_instructions(book, wb_spec)
    use_excel_font_order()
    with atomic_write(path) as tmp:
        book.save(tmp)
    return path
