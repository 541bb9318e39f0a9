"""Reading the clerks' section workbooks into records (openpyxl stays in here)."""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import values as V
from .errors import InputError
from .filecheck import check_workbook_file
from .findings import Finding, Severity, Source
from .form import FieldSpec, Form, SheetSpec, WorkbookSpec
from .formulas import FormulaError, evaluate
from .outputs import lock_file
from .records import FreeTable, Inputs, Record, SheetRecords, Value

INSTRUCTIONS_SHEET = "填寫說明"
FIELDS_LABEL_HEADER = "欄位"
FIELDS_VALUE_HEADER = "內容"
HEADER_SEARCH_ROWS = 5


def fold_header(text: object) -> str:
    """A header as compared: width-folded, no spaces or line breaks, 「（」 = 「(」."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"\s+", "", folded).lower()


def read_inputs(directory: Path, form: Form) -> tuple[Inputs, list[Finding]]:
    """Read every section workbook of ``form`` from ``directory``; problems become findings."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"找不到輸入資料夾：{directory}")
    findings: list[Finding] = []
    sheets: dict[str, SheetRecords] = {}
    free_tables: dict[str, FreeTable] = {}
    files: dict[str, Path] = {}
    for wb_spec in form.workbooks:
        path = directory / wb_spec.file
        if not path.is_file():
            _missing_workbook(wb_spec, path, findings)
            for sh in wb_spec.sheets:
                sid = f"{wb_spec.id}.{sh.id}"
                sheets[sid] = SheetRecords(sid, Source(wb_spec.file, sh.name), present=False)
            continue
        lock = lock_file(path)
        if lock is not None:
            raise InputError(f"{wb_spec.file} 目前在 Excel 中開啟（有鎖定檔 {lock.name}）："
                             "請先存檔並關閉，再重新產生")
        files[wb_spec.id] = path
        book, formula_book = _open(path)
        try:
            for sh in wb_spec.sheets:
                sid = f"{wb_spec.id}.{sh.id}"
                sheets[sid] = _read_sheet(book, formula_book, wb_spec, sh, sid, form, findings)
                if sh.free_tables:
                    free_tables.update(_read_free_tables(book, wb_spec, sh))
        finally:
            book.close()
            if formula_book is not None:
                formula_book.close()
    return Inputs(directory, sheets, free_tables, files), findings


def _missing_workbook(wb_spec: WorkbookSpec, path: Path, findings: list[Finding]) -> None:
    old = path.with_suffix(".xls")
    if old.is_file():
        check_workbook_file(old)  # raises: an old .xls instead of .xlsx
    if wb_spec.id == "header":
        raise InputError(f"找不到必要的活頁簿：{path}（{wb_spec.title}）")
    if wb_spec.required:
        findings.append(Finding("input.missing-workbook", Severity.ERROR,
                                f"找不到活頁簿「{wb_spec.file}」（{wb_spec.title}），該章節以「無」呈現",
                                Source(wb_spec.file)))
    else:
        findings.append(Finding("input.missing-workbook", Severity.INFO,
                                f"未提供活頁簿「{wb_spec.file}」（{wb_spec.title}），該章節以「無」呈現",
                                Source(wb_spec.file)))


def _open(path: Path):
    """Open a workbook for reading values; also its formulas when it has any."""
    check_workbook_file(path)
    try:
        # Our own file handles: openpyxl leaves its own open when a file fails to parse.
        with warnings.catch_warnings(), open(path, "rb") as handle:
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            book = load_workbook(handle, data_only=True)
            formulas = None
            if _has_formulas(path):
                handle.seek(0)
                formulas = load_workbook(handle, data_only=False)
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError) as exc:
        raise InputError(f"無法讀取活頁簿 {path.name}：檔案已損毀或不是有效的 .xlsx（{exc}）") from exc
    except Exception as exc:  # openpyxl and defusedxml raise many kinds on malformed files
        raise InputError(f"無法讀取活頁簿 {path.name}：{type(exc).__name__}：{exc}") from exc
    return book, formulas


def _has_formulas(path: Path) -> bool:
    """True when any sheet of the workbook holds a formula (a cheap byte search)."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                data = archive.read(member)
                if b"<f>" in data or b"<f " in data:
                    return True
    return False


class Uncomputed:
    """A formula cell with no cached value that could not be computed here."""

    def __init__(self, formula: str, reason: str):
        self.formula, self.reason = formula, reason

    def __str__(self) -> str:
        return self.formula


def _find_sheet(book, name: str) -> Worksheet | None:
    wanted = fold_header(name)
    for ws in book.worksheets:
        if fold_header(ws.title) == wanted:
            return ws
    return None


def _merged_value_lookup(ws: Worksheet, formulas: Worksheet | None) -> Callable[[int, int], Any]:
    """A cell's value: merged cells give their top-left cell's value; a formula without a
    cached value is computed (simple arithmetic) or returned as ``Uncomputed``."""
    anchors: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                anchors[(r, c)] = (rng.min_row, rng.min_col)
    depth = [0]

    def value(row: int, col: int) -> Any:
        r, c = anchors.get((row, col), (row, col))
        cached = ws.cell(row=r, column=c).value
        if cached is not None or formulas is None:
            return cached
        formula = formulas.cell(row=r, column=c).value
        if not (isinstance(formula, str) and formula.startswith("=")):
            return cached
        if depth[0] > 50:
            return Uncomputed(formula, "公式互相參照過深")
        depth[0] += 1
        try:
            result = evaluate(formula, value)
            return int(result) if result == result.to_integral_value() else result
        except FormulaError as exc:
            return Uncomputed(formula, str(exc))
        finally:
            depth[0] -= 1

    return value


def _read_sheet(
    book, formula_book, wb_spec: WorkbookSpec, sh: SheetSpec, sid: str, form: Form,
    findings: list[Finding],
) -> SheetRecords:
    ws = _find_sheet(book, sh.name)
    sheet_source = Source(wb_spec.file, sh.name)
    if ws is None:
        severity = Severity.ERROR if sh.required else Severity.INFO
        findings.append(Finding("input.missing-sheet", severity, f"找不到工作表「{sh.name}」",
                                Source(wb_spec.file)))
        return SheetRecords(sid, sheet_source, present=False)
    formulas = _find_sheet(formula_book, sh.name) if formula_book is not None else None
    cell_value = _merged_value_lookup(ws, formulas)
    if sh.kind == "fields":
        record = _read_fields(ws, cell_value, wb_spec, sh, form, findings)
        return SheetRecords(sid, sheet_source, True, (record,))
    records = _read_table(ws, cell_value, wb_spec, sh, form, findings)
    return SheetRecords(sid, sheet_source, True, records)


def _read_fields(
    ws: Worksheet, cell_value, wb_spec: WorkbookSpec, sh: SheetSpec, form: Form,
    findings: list[Finding],
) -> Record:
    labels: dict[str, int] = {}
    for row in range(1, ws.max_row + 1):
        label = fold_header(cell_value(row, 1))
        if label and label not in labels:
            labels[label] = row
    values: dict[str, Value] = {}
    for spec in sh.fields:
        wanted = [fold_header(h) for h in (spec.header, *spec.aliases)]
        row = next((labels[k] for k in wanted if k in labels), None)
        if row is None:
            findings.append(
                Finding(
                    "input.missing-field",
                    Severity.ERROR if spec.required else Severity.WARNING,
                    f"找不到欄位「{spec.header}」（第 A 欄應有此標題，其值填在 B 欄）",
                    Source(wb_spec.file, sh.name),
                )
            )
            continue
        source = Source(wb_spec.file, sh.name, f"B{row}")
        values[spec.key] = _parse(cell_value(row, 2), spec, source, form, findings)
    return Record(values, Source(wb_spec.file, sh.name))


def _header_row(ws: Worksheet, sh: SheetSpec, cell_value) -> tuple[int, dict[str, int]]:
    """Find the header row (within the first rows) and map column keys to column numbers."""
    wanted = {
        fold_header(h): spec.key for spec in sh.columns for h in (spec.header, *spec.aliases)
    }
    best_row, best_map = 1, {}
    for row in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
        mapping: dict[str, int] = {}
        for col in range(1, ws.max_column + 1):
            key = wanted.get(fold_header(cell_value(row, col)))
            if key and key not in mapping:
                mapping[key] = col
        if len(mapping) > len(best_map):
            best_row, best_map = row, mapping
    return best_row, best_map


def _read_table(
    ws: Worksheet, cell_value, wb_spec: WorkbookSpec, sh: SheetSpec, form: Form,
    findings: list[Finding],
) -> tuple[Record, ...]:
    header_row, mapping = _header_row(ws, sh, cell_value)
    for spec in sh.columns:
        if spec.key not in mapping:
            findings.append(
                Finding(
                    "input.missing-column",
                    Severity.ERROR if spec.required else Severity.WARNING,
                    f"找不到欄位標題「{spec.header}」（應在第 {header_row} 列）",
                    Source(wb_spec.file, sh.name, f"{header_row}:{header_row}"),
                )
            )
    records: list[Record] = []
    for row in range(header_row + 1, ws.max_row + 1):
        raws = {key: cell_value(row, col) for key, col in mapping.items()}
        if all(V.is_blank(raw) for raw in raws.values()):
            continue
        values: dict[str, Value] = {}
        for spec in sh.columns:
            col = mapping.get(spec.key)
            if col is None:
                continue
            source = Source(wb_spec.file, sh.name, f"{get_column_letter(col)}{row}")
            values[spec.key] = _parse(raws[spec.key], spec, source, form, findings)
        records.append(Record(values, Source(wb_spec.file, sh.name, f"A{row}"), len(records)))
    return tuple(records)


def _parse(raw: Any, spec: FieldSpec, source: Source, form: Form, findings: list[Finding]) -> Value:
    if V.is_blank(raw):
        if spec.required:
            findings.append(
                Finding("input.required", Severity.ERROR, f"「{spec.header}」必須填寫", source)
            )
        return Value(None, source)
    if isinstance(raw, Uncomputed):
        findings.append(Finding(
            "input.formula", Severity.ERROR,
            f"「{spec.header}」的公式「{raw.formula}」沒有計算結果（{raw.reason}）；"
            "請以 Excel 開啟此檔並存檔，或直接填入數值", source))
        return Value(None, source, raw.formula)
    if isinstance(raw, str):
        raw = V.unescape_ooxml(raw)
    if isinstance(raw, str) and V.has_forbidden(raw):
        findings.append(
            Finding(
                "input.forbidden-characters",
                Severity.WARNING,
                f"「{spec.header}」含有 Word 無法儲存的控制字元，已移除",
                source,
            )
        )
    try:
        return Value(_PARSERS[spec.type](raw, spec, form), source)
    except V.BadValue as exc:
        shown = V.parse_text(raw)
        findings.append(
            Finding(
                "input.bad-value",
                Severity.ERROR,
                f"「{spec.header}」的值「{shown}」無法解讀：{exc}",
                source,
            )
        )
        return Value(None, source, shown)


_PARSERS: dict[str, Callable[[Any, FieldSpec, Form], Any]] = {
    "text": lambda raw, spec, form: V.parse_text(raw),
    "paragraphs": lambda raw, spec, form: V.parse_paragraphs(raw),
    "int": lambda raw, spec, form: V.parse_int(raw),
    "money": lambda raw, spec, form: V.parse_money(raw),
    "decimal": lambda raw, spec, form: V.parse_nonneg_decimal(raw),
    "date": lambda raw, spec, form: V.parse_date(raw),
    "checkbox": lambda raw, spec, form: V.parse_checkbox(raw),
    "choice": lambda raw, spec, form: V.parse_choice(raw, spec.choices),
    "groups": lambda raw, spec, form: V.parse_groups(raw, form.group_codes),
}


def _read_free_tables(book, wb_spec: WorkbookSpec, sh: SheetSpec) -> dict[str, FreeTable]:
    """Every sheet other than ``sh`` is a free-layout table, kept with its merges."""
    tables: dict[str, FreeTable] = {}
    skip = {fold_header(sh.name), fold_header(INSTRUCTIONS_SHEET)}
    for ws in book.worksheets:
        if fold_header(ws.title) in skip:
            continue
        cells = []
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
            cells.append(tuple("" if V.is_blank(c.value) else V.parse_text(c.value) for c in row))
        while cells and not any(cells[-1]):
            cells.pop()
        merges = tuple(
            (r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1)
            for r in ws.merged_cells.ranges
        )
        tables[ws.title] = FreeTable(ws.title, Source(wb_spec.file, ws.title), tuple(cells), merges)
    return tables
