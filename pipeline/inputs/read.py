"""Reading the clerks' section workbooks into records (spreadsheet libraries stay in sheets.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.findings import Finding, Severity, Source
from pipeline.form.fmt import Formatter, excel_display
from pipeline.form.spec import FieldSpec, Form, SheetSpec, WorkbookSpec
from pipeline.inputs import values as V
from pipeline.inputs.filecheck import check_workbook_file
from pipeline.inputs.records import FreeTable, Inputs, Record, SheetRecords, Value
from pipeline.inputs.sheets import Book, Grid, Uncomputed, fold_header, open_book
from pipeline.office.sml import column_letter
from pipeline.outputs import lock_file, lock_owner

__all__ = ["read_inputs", "fold_header"]

# The reader's findings by id, with the title a person reads (codes stay for machines).
TITLES = {
    "input.missing-workbook": "缺少活頁簿",
    "input.missing-sheet": "缺少工作表",
    "input.missing-field": "缺少欄位",
    "input.missing-column": "缺少欄位標題",
    "input.unlabelled-column": "有資料但沒有欄位標題",
    "input.required": "必填欄位未填",
    "input.formula": "公式沒有計算結果",
    "input.forbidden-characters": "含有無法儲存的字元",
    "input.bad-value": "無法解讀的值",
    "input.unexpected-file": "輸入資料夾中有表單以外的檔案",
    "input.duplicate-workbook": "同一活頁簿有兩個檔案",
}

# A sheet's cell value by (row, column), 1-based, as Grid.value gives it.
CellValue = Callable[[int, int], Any]

INSTRUCTIONS_SHEET = "填寫說明"
FIELDS_LABEL_HEADER = "欄位"
FIELDS_VALUE_HEADER = "內容"
HEADER_SEARCH_ROWS = 5


def read_inputs(directory: Path, form: Form) -> tuple[Inputs, list[Finding]]:
    """Read every section workbook of ``form`` from ``directory``; problems become findings."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"找不到輸入資料夾：{directory}")
    findings: list[Finding] = []
    sheets: dict[str, SheetRecords] = {}
    free_tables: dict[str, FreeTable] = {}
    files: dict[str, Path] = {}
    folder = _Folder(directory)
    for wb_spec in form.workbooks:
        path = folder.workbook(wb_spec, findings)
        if path is None:
            _missing_workbook(wb_spec, directory / wb_spec.file, folder.look_alikes(wb_spec), findings)
            for sh in wb_spec.sheets:
                sid = f"{wb_spec.id}.{sh.id}"
                sheets[sid] = SheetRecords(sid, Source(wb_spec.file, sh.name), present=False)
            continue
        if path.name != wb_spec.file:  # an .ods: findings name the file as it is
            wb_spec = replace(wb_spec, file=path.name)
        lock = lock_file(path)
        if lock is not None:
            raise InputError(
                f"{wb_spec.file} 目前在 {lock_owner(lock)} 中開啟（有鎖定檔 {lock.name}）：請先存檔並關閉，再重新產生"
            )
        files[wb_spec.id] = path
        book = open_book(path)
        for sh in wb_spec.sheets:
            sid = f"{wb_spec.id}.{sh.id}"
            sheets[sid] = _read_sheet(book, wb_spec, sh, sid, form, findings)
            if sh.free_tables:
                free_tables.update(_read_free_tables(book, wb_spec, sh, form))
    folder.report_the_rest(form, _pictures(form, sheets), findings)
    return Inputs(directory, sheets, free_tables, files), findings


# The formats a section workbook may come in, the first preferred when both are there.
WORKBOOK_SUFFIXES = (".xlsx", ".ods")
# Files a clerk may take for a workbook: named in a finding with the form's name to use.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".fods", ".csv", ".tsv", ".numbers", ".et")
# What the operating system leaves in a folder.
SYSTEM_FILES = ("thumbs.db", "desktop.ini", "icon\r")


def _key(name: str) -> str:
    """A file name as compared: NFC (macOS writes NFD), case folded."""
    return unicodedata.normalize("NFC", name).casefold()


class _Folder:
    """The inputs folder's files: which ones the form reads, and every other one named."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.files = {
            _key(p.name): p
            for p in sorted(directory.iterdir())
            if p.is_file() and not p.name.startswith((".", "~$")) and _key(p.name) not in SYSTEM_FILES
        }
        self.used: set[str] = set()
        self.read: dict[str, Path] = {}  # workbook file name in the form → the file read for it

    def workbook(self, wb_spec: WorkbookSpec, findings: list[Finding]) -> Path | None:
        """The file of a section workbook (.xlsx, else .ods); both there is an error finding."""
        stem = Path(wb_spec.file).stem
        found = [self.files[k] for k in (_key(stem + s) for s in WORKBOOK_SUFFIXES) if k in self.files]
        for path in found:
            self.used.add(_key(path.name))
        if found:
            self.read[wb_spec.file] = found[0]
        if len(found) > 1:
            findings.append(
                _finding(
                    "input.duplicate-workbook",
                    Severity.ERROR,
                    f"「{found[0].name}」與「{found[1].name}」同時存在，無法確定哪一個才是{wb_spec.title}的資料："
                    f"本次讀取「{found[0].name}」；請刪除或移走另一個檔案",
                    Source(found[0].name),
                )
            )
        return found[0] if found else None

    def look_alikes(self, wb_spec: WorkbookSpec) -> list[Path]:
        """Files that are probably this workbook under another name (its number or title in the name)."""
        stem = Path(wb_spec.file).stem
        number, _, title = stem.partition("_")
        marks = [_key(f"{number}_"), _key(f"{number} ")] if title else []
        title = _key(fold_header(title)) if title else _key(stem)
        hits = []
        for key, path in self.files.items():
            if key in self.used:
                continue
            if any(key.startswith(m) for m in marks) or title in _key(fold_header(Path(path.name).stem)):
                hits.append(path)
        for path in hits:
            self.used.add(_key(path.name))
        return hits

    def report_the_rest(self, form: Form, pictures: set[str], findings: list[Finding]) -> None:
        """A finding for every file the form does not read (the pictures 成果說明 names excepted)."""
        for wb_spec in form.workbooks:  # a renamed copy beside the workbook itself
            read = self.read.get(wb_spec.file)
            if read is None:
                continue
            for path in self.look_alikes(wb_spec):
                findings.append(
                    _finding(
                        "input.unexpected-file",
                        Severity.WARNING,
                        f"「{path.name}」未讀取：{wb_spec.title}的資料讀自「{read.name}」；"
                        "若這才是要用的版本，請將它改名為該檔名（並移走舊檔）",
                        Source(path.name),
                    )
                )
        for key, path in self.files.items():
            if key in self.used or key in pictures:
                continue
            if path.suffix.lower() in SPREADSHEET_SUFFIXES:
                names = "、".join(Path(wb.file).stem for wb in form.workbooks[:2])
                hint = f"各章節活頁簿須依表單命名（.xlsx 或 .ods，例：{names}…）"
            else:
                hint = "此資料夾只放各章節活頁簿；附件請放在 attachments/ 資料夾"
            findings.append(
                _finding(
                    "input.unexpected-file",
                    Severity.WARNING,
                    f"輸入資料夾中的「{path.name}」不是表單的活頁簿，未讀取：{hint}",
                    Source(path.name),
                )
            )


def _pictures(form: Form, sheets: dict[str, SheetRecords]) -> set[str]:
    """The files directly in the inputs folder that 成果說明's 圖片 blocks name."""
    layout = form.free_layout
    named = set()
    for record in sheets.get(layout.sheet, SheetRecords(layout.sheet, Source(""), False)).records:
        text = record.get(layout.text)
        name = text[0] if isinstance(text, tuple) and text else text  # a paragraphs field: its first line
        if record.get(layout.kind) == layout.image_kind and name:
            parts = Path(str(name).replace("\\", "/")).parts
            if len(parts) == 1:
                named.add(_key(parts[0]))
    return named


def _finding(rule: str, severity: Severity, message: str, source: Source) -> Finding:
    """A finding of the reader, with its title."""
    return Finding(rule, severity, message, source, title=TITLES[rule])


def _missing_workbook(wb_spec: WorkbookSpec, path: Path, look_alikes: list[Path], findings: list[Finding]) -> None:
    old = path.with_suffix(".xls")
    if old.is_file():
        check_workbook_file(old)  # raises: an old .xls instead of .xlsx
    alike = "、".join(f"「{p.name}」" for p in look_alikes)
    hint = f"；資料夾中有 {alike}，若是此活頁簿，請改名為「{wb_spec.file}」（或同名的 .ods）" if alike else ""
    if wb_spec.id == "header":
        raise InputError(f"找不到必要的活頁簿：{path}（{wb_spec.title}）{hint}")
    source = Source(look_alikes[0].name if look_alikes else wb_spec.file)
    if wb_spec.required or look_alikes:
        findings.append(
            _finding(
                "input.missing-workbook",
                Severity.ERROR if wb_spec.required else Severity.WARNING,
                f"找不到活頁簿「{wb_spec.file}」（{wb_spec.title}），該章節以「無」呈現{hint}",
                source,
            )
        )
    else:
        findings.append(
            _finding(
                "input.missing-workbook",
                Severity.INFO,
                f"未提供活頁簿「{wb_spec.file}」（{wb_spec.title}），該章節以「無」呈現",
                Source(wb_spec.file),
            )
        )


def _read_sheet(
    book: Book, wb_spec: WorkbookSpec, sh: SheetSpec, sid: str, form: Form, findings: list[Finding]
) -> SheetRecords:
    ws = book.sheet(sh.name)
    sheet_source = Source(wb_spec.file, sh.name)
    if ws is None:
        severity = Severity.ERROR if sh.required else Severity.INFO
        findings.append(_finding("input.missing-sheet", severity, f"找不到工作表「{sh.name}」", Source(wb_spec.file)))
        return SheetRecords(sid, sheet_source, present=False)
    cell_value = ws.value
    if sh.kind == "fields":
        record = _read_fields(ws, cell_value, wb_spec, sh, form, findings)
        return SheetRecords(sid, sheet_source, True, (record,))
    records = _read_table(ws, cell_value, wb_spec, sh, form, findings)
    return SheetRecords(sid, sheet_source, True, records)


def _read_fields(
    ws: Grid,
    cell_value: CellValue,
    wb_spec: WorkbookSpec,
    sh: SheetSpec,
    form: Form,
    findings: list[Finding],
) -> Record:
    # The labels are in the 欄位 column and the values in the 內容 column: A and B unless the
    # clerk moved them (found by those headers in the first rows).
    label_col, value_col = 1, 2
    for row in range(1, min(ws.max_row, HEADER_SEARCH_ROWS) + 1):
        heads = {fold_header(cell_value(row, c)): c for c in range(1, ws.max_column + 1)}
        if fold_header(FIELDS_LABEL_HEADER) in heads and fold_header(FIELDS_VALUE_HEADER) in heads:
            label_col = heads[fold_header(FIELDS_LABEL_HEADER)]
            value_col = heads[fold_header(FIELDS_VALUE_HEADER)]
            break
    labels: dict[str, int] = {}
    for row in range(1, ws.max_row + 1):
        label = fold_header(cell_value(row, label_col))
        if label and label not in labels:
            labels[label] = row
    values: dict[str, Value] = {}
    for spec in sh.fields:
        wanted = [fold_header(h) for h in (spec.header, *spec.aliases)]
        label_row = next((labels[k] for k in wanted if k in labels), None)
        if label_row is None and spec.default is not None:
            # A field added to the form after the workbook was made: its default, said so.
            findings.append(
                _finding(
                    "input.missing-field",
                    Severity.INFO,
                    f"找不到欄位「{spec.header}」，以預設值「{spec.default}」填入報告"
                    f"（可在「{FIELDS_LABEL_HEADER}」欄加上此標題並填寫）",
                    Source(wb_spec.file, sh.name),
                )
            )
            values[spec.key] = Value(spec.default, Source(wb_spec.file, sh.name))
            continue
        if label_row is None:
            findings.append(
                _finding(
                    "input.missing-field",
                    Severity.ERROR if spec.required else Severity.WARNING,
                    f"找不到欄位「{spec.header}」（「{FIELDS_LABEL_HEADER}」欄應有此標題，"
                    f"其值填在「{FIELDS_VALUE_HEADER}」欄）",
                    Source(wb_spec.file, sh.name),
                )
            )
            continue
        source = Source(wb_spec.file, sh.name, f"{column_letter(value_col)}{label_row}")
        shown = partial(ws.formats.get, (label_row, value_col))
        values[spec.key] = _parse(cell_value(label_row, value_col), spec, source, form, findings, shown)
    return Record(values, Source(wb_spec.file, sh.name))


def _header_row(ws: Grid, sh: SheetSpec, cell_value: CellValue) -> tuple[int, dict[str, int]]:
    """Find the header row (within the first rows) and map column keys to column numbers."""
    wanted = {fold_header(h): spec.key for spec in sh.columns for h in (spec.header, *spec.aliases)}
    best_row = 1
    best_map: dict[str, int] = {}
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
    ws: Grid,
    cell_value: CellValue,
    wb_spec: WorkbookSpec,
    sh: SheetSpec,
    form: Form,
    findings: list[Finding],
) -> tuple[Record, ...]:
    header_row, mapping = _header_row(ws, sh, cell_value)
    unlabelled = _unlabelled_columns(ws, cell_value, header_row, mapping) if mapping else []
    for col in unlabelled:
        findings.append(_unlabelled_finding(wb_spec, sh, mapping, header_row, col))
    for spec in sh.columns:
        if spec.key not in mapping and not unlabelled:  # else named by the unlabelled column's finding
            findings.append(
                _finding(
                    "input.missing-column",
                    Severity.ERROR if spec.required else Severity.WARNING,
                    f"找不到欄位標題「{spec.header}」（應在第 {header_row} 列）",
                    Source(wb_spec.file, sh.name, f"{header_row}:{header_row}"),
                )
            )
    records: list[Record] = []
    letters = {column: column_letter(column) for column in mapping.values()}
    for row in range(header_row + 1, ws.max_row + 1):
        raws = {key: cell_value(row, col) for key, col in mapping.items()}
        if all(V.is_blank(raw) for raw in raws.values()):
            continue
        values: dict[str, Value] = {}
        for spec in sh.columns:
            column = mapping.get(spec.key)
            if column is None:
                continue
            source = Source(wb_spec.file, sh.name, f"{letters[column]}{row}")
            shown = partial(ws.formats.get, (row, column))
            values[spec.key] = _parse(raws[spec.key], spec, source, form, findings, shown)
        records.append(Record(values, Source(wb_spec.file, sh.name, f"A{row}"), len(records)))
    return tuple(records)


def _unlabelled_columns(ws: Grid, cell_value: CellValue, header_row: int, mapping: dict[str, int]) -> list[int]:
    """Columns whose header cell is blank while cells below it hold data."""
    mapped = set(mapping.values())
    return [
        col
        for col in range(1, ws.max_column + 1)
        if col not in mapped
        and V.is_blank(cell_value(header_row, col))
        and any(not V.is_blank(cell_value(row, col)) for row in range(header_row + 1, ws.max_row + 1))
    ]


def _unlabelled_finding(
    wb_spec: WorkbookSpec, sh: SheetSpec, mapping: dict[str, int], header_row: int, col: int
) -> Finding:
    """Data under a blank header: an error naming the header the form expects there (a column
    the sheet lacks, told by its neighbours in the form's order when they are in place), or,
    when no column is missing, a warning that the data is not read."""
    letter = column_letter(col)
    source = Source(wb_spec.file, sh.name, f"{letter}{header_row}")
    columns = sh.columns
    missing = [(i, spec) for i, spec in enumerate(columns) if spec.key not in mapping]
    if not missing:
        return _finding(
            "input.unlabelled-column",
            Severity.WARNING,
            f"{letter} 欄有資料，但第 {header_row} 列的欄位標題是空白的：此欄不會讀入報告（備註欄請加上標題）",
            source,
        )
    beside = [
        spec
        for i, spec in missing
        if (i > 0 and mapping.get(columns[i - 1].key) == col - 1)
        or (i + 1 < len(columns) and mapping.get(columns[i + 1].key) == col + 1)
    ]
    expected = beside if len(beside) == 1 else [spec for _, spec in missing]
    names = "、".join(f"「{spec.header}」" for spec in expected)
    which = f"應為{names}" if len(expected) == 1 else f"應為下列其中之一：{names}"
    return _finding(
        "input.unlabelled-column",
        Severity.ERROR,
        f"{letter} 欄有資料，但第 {header_row} 列的欄位標題是空白的，此欄的資料無法讀入報告；"
        f"缺少的欄位標題{which}，請在 {letter}{header_row} 填回標題",
        source,
    )


def _parse(
    raw: Any,
    spec: FieldSpec,
    source: Source,
    form: Form,
    findings: list[Finding],
    number_format: Callable[[], str | None] = lambda: None,
) -> Value:
    if V.is_blank(raw):
        if spec.required:
            findings.append(_finding("input.required", Severity.ERROR, f"「{spec.header}」必須填寫", source))
        return Value(spec.default, source)
    if isinstance(raw, Uncomputed):
        findings.append(
            _finding(
                "input.formula",
                Severity.ERROR,
                f"「{spec.header}」的公式「{raw.formula}」沒有計算結果（{raw.reason}）；"
                "請以 Excel 開啟此檔並存檔，或直接填入數值",
                source,
            )
        )
        return Value(None, source, raw.formula)
    if isinstance(raw, str):
        raw = V.unescape_ooxml(raw)
    if isinstance(raw, str) and V.has_forbidden(raw):
        findings.append(
            _finding(
                "input.forbidden-characters",
                Severity.WARNING,
                f"「{spec.header}」含有 Word 無法儲存的控制字元，已移除",
                source,
            )
        )
    try:
        return Value(_PARSERS[spec.type](raw, spec, form), source)
    except V.BadValue as exc:
        shown = as_typed(raw, number_format(), form)  # the format is read only for a bad value
        findings.append(
            _finding(
                "input.bad-value",
                Severity.ERROR,
                f"「{spec.header}」的值「{shown}」無法解讀：{exc}",
                source,
            )
        )
        return Value(None, source, shown)


def as_typed(raw: Any, number_format: str | None, form: Form) -> str:
    """A cell's value as the clerk sees it in Excel: a number through its number format
    (21.5% typed in a count cell is the number 0.215 shown with 0.0%), a date as a 民國
    date, text as it is."""
    if isinstance(raw, str) or V.is_blank(raw):
        return V.parse_text(raw or "")
    return excel_display(raw, number_format, Formatter(form.formats))


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


def _read_free_tables(book: Book, wb_spec: WorkbookSpec, sh: SheetSpec, form: Form) -> dict[str, FreeTable]:
    """Every sheet other than ``sh`` (and the instructions) is a free-layout table, with its merges;
    numbers and dates as their Excel number format shows them."""
    shown = Formatter(form.formats)
    tables: dict[str, FreeTable] = {}
    skip = {fold_header(sh.name), fold_header(INSTRUCTIONS_SHEET)}
    for grid in book.grids:
        if fold_header(grid.title) in skip:
            continue
        cells = [
            tuple(
                ""
                if V.is_blank(v)
                else excel_display(v, grid.formats.get((r, c)), shown)
                if not isinstance(v, str)
                else V.parse_text(v)
                for c, v in enumerate(row, start=1)
            )
            for r, row in enumerate(grid.rows(), start=1)
        ]
        while cells and not any(cells[-1]):
            cells.pop()
        merges = tuple((r1 - 1, c1 - 1, r2 - 1, c2 - 1) for r1, c1, r2, c2 in grid.merges)
        tables[grid.title] = FreeTable(grid.title, Source(wb_spec.file, grid.title), tuple(cells), merges)
    return tables
