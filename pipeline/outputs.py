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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"無法在 {path.parent} 寫入檔案：{describe(exc)}") from exc
    os.close(fd)
    tmp = Path(name)
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
    """Remove the marked workbook copies of an earlier build: what is fixed must not stay red."""
    if folder.is_dir():
        for old in folder.glob("*.xlsx"):
            old.unlink()


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
    if not path.exists() or not was_edited(path):
        return None
    history = path.parent / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = history / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while kept.exists():
        n += 1
        kept = history / f"{path.stem}.{stamp}-{n}{path.suffix}"
    try:
        os.replace(path, kept)
    except OSError as exc:
        raise OutputError(f"無法保存已編輯的 {path.name}：{describe(exc)}") from exc
    return kept
