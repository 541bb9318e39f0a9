"""Refusing unusable workbook files quickly, before a parser spends time or memory on them.

Not a workbook, an old .xls, a password-protected file, a corrupt zip, an
oversized file, a zip bomb: each is a clear message (InputError, exit 2),
decided from the first bytes and the zip directory alone.  The zip limits are
the Office packages' own (:mod:`pipeline.office.opc`); only the words differ.
A sheet whose cells reach absurdly far (one stray value at XFD1048576 in a 5 KB
file makes a spreadsheet reader allocate rows × columns cells: 512 GiB) is
refused from its XML, before any reader sees it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import InputError
from pipeline.office.opc import OLE_MAGIC, ZIP_MAGIC, Limits, check_members
from pipeline.office.sml import column_index

__all__ = [
    "check_workbook_file", "checked_workbook", "check_sheet_extent", "extent_fits", "sheet_extent",
    "WORKBOOK_LIMITS", "OLE_MAGIC",
]  # fmt: skip

WORKBOOK_LIMITS = Limits(file_bytes=25 * 1024 * 1024)  # a section workbook is a few hundred KB
# A sheet's used range (rows × columns from A1, as the readers allocate it) and its merged
# areas; a section sheet has a few thousand cells, a merged area a few.
MAX_SHEET_CELLS = 2_000_000
MAX_MERGED_CELLS = 100_000
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
WORKBOOK = "活頁簿"


def check_workbook_file(path: Path) -> None:
    """Raise InputError with the reason when ``path`` is not a usable .xlsx (or .ods) file."""
    with checked_workbook(path):
        pass


@contextmanager
def checked_workbook(path: Path) -> Iterator[zipfile.ZipFile]:
    """The workbook's zip, open, once :func:`check_workbook_file`'s checks have passed (a zip
    error while it is read is the same InputError: damaged or incomplete)."""
    name = path.name
    if path.suffix.lower() == ".xls":
        raise InputError(f"{name} 是舊版 Excel（.xls）格式：請在 Excel 另存為「Excel 活頁簿 (.xlsx)」")
    size = path.stat().st_size
    limit = WORKBOOK_LIMITS.file_bytes
    if size > limit:
        raise InputError(
            f"{name} 檔案過大（{size // (1024 * 1024)} MB，上限 "
            f"{limit // (1024 * 1024)} MB）：請確認是否貼入了圖片或大量資料"
        )
    with open(path, "rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            handle.seek(0)
            if ENCRYPTED_MARK in handle.read(min(size, 4 * 1024 * 1024)):
                raise InputError(f"{name} 設有開啟密碼：請在 Excel 移除密碼（檔案 → 資訊 → 保護活頁簿）後再存檔")
            raise InputError(f"{name} 是舊版 Excel（.xls）格式：請在 Excel 另存為「Excel 活頁簿 (.xlsx)」")
    ods = path.suffix.lower() == ".ods"
    kind = " OpenDocument 試算表（.ods）" if ods else " Excel 活頁簿（.xlsx）"
    if head[:4] != ZIP_MAGIC:
        raise InputError(f"{name} 不是{kind}檔案")
    try:
        with zipfile.ZipFile(path) as archive:
            check_members(archive, name, WORKBOOK, WORKBOOK_LIMITS)
            names = set(archive.namelist())
            if ods:
                _check_ods(archive, names, name)
            elif "xl/workbook.xml" not in names:
                raise InputError(f"{name} 不是 Excel 活頁簿（缺少 xl/workbook.xml）")
            yield archive
    except zipfile.BadZipFile as exc:
        raise InputError(f"{name} 檔案已損毀或不完整，無法以 {path.suffix.lower()} 開啟") from exc


def _check_ods(archive: zipfile.ZipFile, names: set[str], name: str) -> None:
    """An OpenDocument spreadsheet: its mimetype, its content, no password."""
    from pipeline.inputs.ods import MIMETYPE, is_encrypted

    if is_encrypted(archive):
        raise InputError(f"{name} 設有開啟密碼：請在 LibreOffice 取消密碼（檔案 → 屬性 → 安全性）後再存檔")
    if "mimetype" in names and archive.read("mimetype").strip() != MIMETYPE:
        raise InputError(f"{name} 不是試算表（.ods），而是其他 OpenDocument 文件")
    if "content.xml" not in names:
        raise InputError(f"{name} 不是試算表（.ods）（缺少 content.xml）")


# Where a sheet's cells are, as spreadsheet programs write it (Excel, LibreOffice, openpyxl):
# each reference in double quotes after one space (``<c r="B7"``, ``<row r="7"``).  The literal
# start lets the regular expression skip from one to the next at memchr speed.
_REF_AT = re.compile(rb' r="([A-Za-z]{0,3})([0-9]{1,7})"')
_MERGE_AT = re.compile(rb'mergeCell\b[^>]*? ref="([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})"')
_ELEMENT_NAME = re.compile(r"^(?:\{[^}]*\})?(c|row|mergeCell)$")
_REFERENCE = re.compile(r"^([A-Za-z]{0,3})([0-9]{1,7})$")


def _column(letters: bytes) -> int:
    return column_index(letters.decode("ascii").upper()) if letters else 0


# Whitespace as a space and single quotes as double ones: the attribute syntaxes XML allows
# besides ``name="value"`` after one space, made into it (a scan, never the text read).
_PLAIN = bytes.maketrans(b"\t\n\r'", b'   "')

# (column letters, row digits) of each cell and row; (letters, digits, letters, digits) of
# each merged area's first and last cell.
References = tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes, bytes, bytes]]]


def _references(xml: bytes) -> References:
    """The sheet's cell and row references and its merged areas.

    A sheet holds thousands of references: they are found by regular expressions over the
    XML as spreadsheet programs write it (every ``r`` attribute a plain reference after one
    space, in double quotes), once tabs, line breaks and single quotes are made spaces and
    double quotes.  When that cannot be sure to find them all (spaces around an ``=``, an
    ``r`` attribute that is not a plain reference, such as one written with ``&#…;``), an
    XML parser reads the sheet instead."""
    plain = xml.translate(_PLAIN)
    cells: list[tuple[bytes, bytes]] = _REF_AT.findall(plain)
    if b" =" in plain or b"= " in plain or plain.count(b' r="') != len(cells):
        return _parsed_references(xml)
    return cells, _MERGE_AT.findall(plain) if b"mergeCell" in plain else []


def _parsed_references(xml: bytes) -> References:
    """:func:`_references` by an XML parser (the safe one: no entities, no network)."""
    from lxml import etree

    from pipeline.office.opc import PARSER

    cells: list[tuple[bytes, bytes]] = []
    merges: list[tuple[bytes, bytes, bytes, bytes]] = []
    try:
        root = etree.fromstring(xml, PARSER)
    except etree.XMLSyntaxError as exc:  # not read past: its extent is unknown
        raise ValueError(f"工作表的 XML 無法解析：{exc}") from exc
    for node in root.iter():
        tag = node.tag
        name = _ELEMENT_NAME.match(tag) if isinstance(tag, str) else None
        if name is None:
            continue
        if name.group(1) == "mergeCell":
            first, _, last = (node.get("ref") or "").partition(":")
            a, b = _REFERENCE.match(first.strip()), _REFERENCE.match((last or first).strip())
            if a and b:
                merges.append((*_ascii(a), *_ascii(b)))
        else:
            ref = _REFERENCE.match((node.get("r") or "").strip())
            if ref:
                cells.append(_ascii(ref))
    return cells, merges


def _ascii(ref: re.Match[str]) -> tuple[bytes, bytes]:
    return ref.group(1).encode("ascii"), ref.group(2).encode("ascii")


def sheet_extent(xml: bytes) -> tuple[int, int, int]:
    """(rows, columns, merged cells) a worksheet's XML reaches, counted from A1: its cells,
    its rows and its merged areas."""
    cells, merges = _references(xml)
    # Letters and row numbers repeat on every row and column: each distinct one converted once.
    letters = {cell[0] for cell in cells} | {m[0] for m in merges} | {m[2] for m in merges}
    column_of = {name: _column(name) for name in letters}
    digits = {cell[1] for cell in cells} | {m[1] for m in merges} | {m[3] for m in merges}
    rows = max(map(int, digits), default=0)
    columns = max(column_of.values(), default=0)
    merged = sum((abs(int(r2) - int(r1)) + 1) * (abs(column_of[l2] - column_of[l1]) + 1) for l1, r1, l2, r2 in merges)
    return rows, columns, merged


def extent_fits(rows: int, columns: int, merged: int = 0) -> bool:
    """Whether a sheet reaching ``rows`` × ``columns`` with ``merged`` merged cells is of a
    size a reader may lay out."""
    return rows * max(columns, 1) <= MAX_SHEET_CELLS and merged <= MAX_MERGED_CELLS


def _farthest(xml: bytes) -> str:
    """The cell (or merged area's far corner) that reaches farthest from A1, for the message."""
    cells, merges = _references(xml)
    farthest = (0, 0, "A1")
    for letters, digits in [*cells, *((l2, max(r1, r2, key=int)) for _l1, r1, l2, r2 in merges)]:
        if not letters:
            continue  # a row's own number: its cells name the place
        row, column = int(digits), _column(letters)
        if row * column > farthest[0] * farthest[1]:
            farthest = (row, column, (letters.upper() + digits).decode("ascii"))
    return farthest[2]


def check_sheet_extent(xml: bytes, workbook: str, sheet: str) -> None:
    """Raise InputError when a worksheet's cells, counted from A1, or its merged areas are
    absurdly many: the message names the cell that reaches farthest."""
    rows, columns, merged = sheet_extent(xml)
    if not extent_fits(rows, columns, merged):
        refuse_extent(workbook, sheet, rows, columns, _farthest(xml), merged)


def refuse_extent(workbook: str, sheet: str, rows: int, columns: int, farthest: str, merged: int = 0) -> None:
    """Raise InputError when a sheet reaching ``rows`` × ``columns`` (its farthest cell
    ``farthest``) or ``merged`` merged cells is absurdly large (.xlsx and .ods alike)."""
    if rows * max(columns, 1) > MAX_SHEET_CELLS:
        raise InputError(
            f"{workbook} 工作表「{sheet}」的內容延伸到儲存格 {farthest}，範圍達 {rows:,} 列 × {max(columns, 1):,} 欄"
            f"（上限 {MAX_SHEET_CELLS:,} 個儲存格）：請刪除該處多餘的內容（或整列、整欄）後再存檔"
        )
    if merged > MAX_MERGED_CELLS:
        raise InputError(
            f"{workbook} 工作表「{sheet}」的合併儲存格共 {merged:,} 格（上限 {MAX_MERGED_CELLS:,}）："
            "請取消範圍過大的合併"
        )
