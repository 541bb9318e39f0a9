"""Refusing unusable workbook files quickly, before a parser spends time or memory on them.

Not a workbook, an old .xls, a password-protected file, a corrupt zip, an
oversized file, a zip bomb: each is a clear message (InputError, exit 2),
decided from the first bytes and the zip directory alone.  The zip limits are
the Office packages' own (:mod:`pipeline.office.opc`); only the words differ.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.office.opc import OLE_MAGIC, ZIP_MAGIC, Limits, check_members

__all__ = ["check_workbook_file", "WORKBOOK_LIMITS", "OLE_MAGIC"]

WORKBOOK_LIMITS = Limits(file_bytes=25 * 1024 * 1024)  # a section workbook is a few hundred KB
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
