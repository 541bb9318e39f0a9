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
from pathlib import Path

from pipeline.errors import InputError
from pipeline.office.opc import OLE_MAGIC, ZIP_MAGIC, Limits, check_members
from pipeline.office.sml import column_index

__all__ = ["check_workbook_file", "check_sheet_extent", "WORKBOOK_LIMITS", "OLE_MAGIC"]

WORKBOOK_LIMITS = Limits(file_bytes=25 * 1024 * 1024)  # a section workbook is a few hundred KB
# A sheet's used range (rows × columns from A1, as the readers allocate it) and its merged
# areas; a section sheet has a few thousand cells, a merged area a few.
MAX_SHEET_CELLS = 2_000_000
MAX_MERGED_CELLS = 100_000
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
WORKBOOK = "活頁簿"


def check_workbook_file(path: Path) -> None:
    """Raise InputError with the reason when ``path`` is not a usable .xlsx file."""
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
    if head[:4] != ZIP_MAGIC:
        raise InputError(f"{name} 不是 Excel 活頁簿（.xlsx）檔案")
    try:
        with zipfile.ZipFile(path) as archive:
            check_members(archive, name, WORKBOOK, WORKBOOK_LIMITS)
            if "xl/workbook.xml" not in archive.namelist():
                raise InputError(f"{name} 不是 Excel 活頁簿（缺少 xl/workbook.xml）")
    except zipfile.BadZipFile as exc:
        raise InputError(f"{name} 檔案已損毀或不完整，無法以 .xlsx 開啟") from exc


_CELL_AT = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_AT = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="([0-9]{1,7})"')
_MERGE_AT = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\sref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"')


def _column(letters: bytes) -> int:
    return column_index(letters.decode("ascii"))


def check_sheet_extent(xml: bytes, workbook: str, sheet: str) -> None:
    """Raise InputError when a worksheet's cells, counted from A1, or its merged areas are
    absurdly many: the message names the cell that reaches farthest."""
    rows, columns, farthest = 0, 0, (0, 0, "A1")
    for letters, digits in _CELL_AT.findall(xml):
        row, column = int(digits), _column(letters)
        rows, columns = max(rows, row), max(columns, column)
        if row * column > farthest[0] * farthest[1]:
            farthest = (row, column, (letters + digits).decode())
    for letters1, digits1, letters2, digits2 in _MERGE_AT.findall(xml):
        row, column = max(int(digits1), int(digits2)), max(_column(letters1), _column(letters2))
        rows, columns = max(rows, row), max(columns, column)
        if row * column > farthest[0] * farthest[1]:
            farthest = (row, column, (letters2 + digits2).decode())
    rows = max([rows, *(int(digits) for digits in _ROW_AT.findall(xml))])
    if rows * max(columns, 1) > MAX_SHEET_CELLS:
        raise InputError(
            f"{workbook} 工作表「{sheet}」的內容延伸到儲存格 {farthest[2]}，範圍達 {rows:,} 列 × {max(columns, 1):,} 欄"
            f"（上限 {MAX_SHEET_CELLS:,} 個儲存格）：請刪除該處多餘的內容（或整列、整欄）後再存檔"
        )
    merged = sum(
        (abs(int(d2) - int(d1)) + 1) * (abs(_column(l2) - _column(l1)) + 1) for l1, d1, l2, d2 in _MERGE_AT.findall(xml)
    )
    if merged > MAX_MERGED_CELLS:
        raise InputError(
            f"{workbook} 工作表「{sheet}」的合併儲存格共 {merged:,} 格（上限 {MAX_MERGED_CELLS:,}）："
            "請取消範圍過大的合併"
        )
