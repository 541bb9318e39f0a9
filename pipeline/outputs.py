"""Writing outputs safely: atomic replacement, Word's lock files, edited files kept."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pipeline.errors import OutputError, describe
from pipeline.office.provenance import was_edited

TEMP_PREFIX = ".~build-"
STALE_SECONDS = 600
HISTORY_DIR = "history"
# A file name's stem made from data stays below this many UTF-8 bytes (50 Chinese characters),
# so that every name built on it (history's timestamp, _含附件.pdf, LibreOffice's .~lock.…#)
# stays below the 255 bytes file systems allow.
MAX_STEM_BYTES = 150
# Characters Windows (and so a colleague's shared folder) refuses in a name, and the full-width
# forms that show the same.
_UNSAFE = str.maketrans(
    {"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"}
)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}


def safe_file_name(text: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """``text`` (an agency's name, a title, a picture's name) as a file name any system takes:
    separators and characters Windows refuses become their full-width forms, control
    characters ``_``, no leading dot, no trailing dot or space, not a reserved device name,
    and at most ``max_bytes`` UTF-8 bytes (the middle is cut, with …, so the start and the
    end, e.g. the year, stay)."""
    name = "".join("_" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text.translate(_UNSAFE))
    name = name.strip().rstrip(". ")
    if name.startswith("."):
        name = "．" + name[1:]
    if not name:
        name = "_"
    if name.split(".")[0].strip().upper() in _RESERVED:
        name = "_" + name
    if len(name.encode("utf-8")) > max_bytes:
        head, tail, room = "", "", max_bytes - len("…".encode())
        for ch in name:  # alternate from both ends until the room is used
            if len((head + ch).encode()) * 2 > room:
                break
            head += ch
        for ch in reversed(name):
            if len((ch + tail).encode()) + len(head.encode()) > room:
                break
            tail = ch + tail
        name = head + "…" + tail
    return name


def output_folder(folder: Path) -> Path:
    """``folder``, made if need be; OutputError, before any work is written, when it cannot be
    (it is a file, or cannot be written)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"無法使用輸出資料夾 {folder}：已有同名的檔案，不是資料夾")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"無法使用輸出資料夾 {folder}：{describe(exc)}") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"無法使用輸出資料夾 {folder}：沒有寫入權限")
    return folder


def staging_file(folder: Path, suffix: str) -> Path:
    """A new, uniquely named, empty temporary file in ``folder`` (made if need be), to be renamed
    over an output; OutputError when the folder cannot hold it (e.g. it is a file)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"無法在 {folder} 寫入檔案：{describe(exc)}") from exc
    os.close(fd)
    return Path(name)


def umask() -> int:
    """The process's file creation mask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (a moment's race, on one thread)
    os.umask(mask)
    return mask


def file_mode(path: Path) -> int:
    """The permissions a file written at ``path`` gets: those of the file it replaces, else
    what the user's umask gives a new file (0644 under 022), as any program writing it would."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~umask()


@contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` at once,
    with the permissions of the file it replaces (or the umask's for a new one).

    A failed or killed write leaves ``path`` as it was (at worst a hidden temp file,
    removed by a later build).
    """
    tmp = staging_file(path.parent, path.suffix)
    try:
        yield tmp
        os.chmod(tmp, file_mode(path))  # mkstemp makes it 0600: private to the builder
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"無法寫入 {path}：{describe(exc)}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_file(source: Path, target: Path, mode: int | None = None) -> None:
    """Move ``source`` over ``target`` in one step (same folder), with ``target``'s
    permissions (``mode`` when given: those of a file already moved away)."""
    try:
        os.chmod(source, file_mode(target) if mode is None else mode)
        os.replace(source, target)
    except OSError as exc:
        raise OutputError(f"無法寫入 {target}：{describe(exc)}") from exc


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temp files left by a build that was killed (older than a few minutes)."""
    if not folder.is_dir():
        return
    now = time.time()
    for leftover in folder.glob(TEMP_PREFIX + "*"):
        try:
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                leftover.unlink()
        except OSError:
            pass


def clear_marked(folder: Path) -> None:
    """Remove the marked workbook copies of an earlier build: what is fixed must not stay red.

    Another build's copies still being written (its temporary files) are left alone."""
    if folder.is_dir():
        for old in [*folder.glob("*.xlsx"), *folder.glob("*.ods")]:
            if not old.name.startswith(TEMP_PREFIX):
                old.unlink(missing_ok=True)


def lock_file(path: Path) -> Path | None:
    """Word's (``~$…``) or LibreOffice's (``.~lock.…#``) lock file for ``path``, if present."""
    name = path.name
    for candidate in ("~$" + name, "~$" + name[1:], "~$" + name[2:], f".~lock.{name}#"):
        lock = path.parent / candidate
        if lock.exists():
            return lock
    return None


def lock_owner(lock: Path) -> str:
    """The program a lock file belongs to: LibreOffice's ``.~lock.…#``, else Office's ``~$…``
    (Word for a .docx, Excel otherwise)."""
    if lock.name.startswith(".~lock."):
        return "LibreOffice"
    return "Word" if lock.name.lower().endswith((".docx", ".doc")) else "Excel"


def check_not_open(path: Path) -> None:
    """Stop (write nothing) when the output is open in Word or LibreOffice."""
    lock = lock_file(path)
    if lock is not None:
        raise OutputError(
            f"{path.name} 目前在 {lock_owner(lock)} 中開啟（有鎖定檔 {lock.name}）。"
            "請先關閉該檔案再重新產生；本次未寫入任何檔案。"
        )


def keep_if_edited(path: Path) -> Path | None:
    """Move an output that a person edited since it was generated into history/.

    Returns where it was kept, or None when there was nothing to keep.
    """
    if not path.is_file() or not was_edited(path):
        return None
    history = path.parent / HISTORY_DIR
    try:
        history.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"無法建立 {history} 以保存已編輯的 {path.name}：{describe(exc)}") from exc
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = history / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while kept.exists():
        n += 1
        kept = history / f"{path.stem}.{stamp}-{n}{path.suffix}"
    try:
        os.replace(path, kept)
    except FileNotFoundError:  # a build running at the same time has just kept it
        return None
    except OSError as exc:
        raise OutputError(f"無法保存已編輯的 {path.name}：{describe(exc)}") from exc
    return kept
