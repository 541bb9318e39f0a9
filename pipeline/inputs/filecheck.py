"""Refusing unusable workbook files quickly, before a parser spends time or memory on them.

Not a workbook, an old .xls, a password-protected file, a corrupt zip, an
oversized file, a zip bomb: each is a clear message (InputError, exit 2),
decided from the first bytes and the zip directory alone.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import InputError

MAX_FILE_BYTES = 25 * 1024 * 1024  # a section workbook is a few hundred KB
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed size of one zip member
MAX_MEMBERS = 5000
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def check_workbook_file(path: Path) -> None:
    """Raise InputError with the reason when ``path`` is not a usable .xlsx file."""
    name = path.name
    if path.suffix.lower() == ".xls":
        raise InputError(f"{name} 是舊版 Excel（.xls）格式：請在 Excel 另存為「Excel 活頁簿 (.xlsx)」")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{name} 檔案過大（{size // (1024 * 1024)} MB，上限 "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB）：請確認是否貼入了圖片或大量資料"
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
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(f"{name} 內含過多檔案（{len(members)} 個），不是一般的活頁簿")
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > MAX_UNPACKED_BYTES or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                    raise InputError(f"{name} 解壓縮後異常龐大（疑似壓縮炸彈），已拒絕讀取")
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise InputError(f"{name} 不是 Excel 活頁簿（缺少 xl/workbook.xml）")
    except zipfile.BadZipFile as exc:
        raise InputError(f"{name} 檔案已損毀或不完整，無法以 .xlsx 開啟") from exc
