"""A small disk cache for work that depends only on files that rarely change.

A clerk builds the report again and again with the same form and Word template;
reading and preparing those each time would be most of a build.  Entries are
keyed by a hash of the source bytes *and* of the code that made them, so an edited
form, template or generator never meets a stale entry.  The cache is a
convenience: when its folder cannot be read or written, the work is simply done
again.  ``TPE_REPORT_CACHE`` names another folder; ``TPE_REPORT_CACHE=off`` turns
the disk cache off.

The cache folder is untrusted until checked.  Entries are JSON data where that costs
little (the rules' YAML as parsed, the template's Jinja sources: the loaders validate
them as they validate the files).  Three kinds are code or objects: Jinja's compiled
templates (:mod:`pipeline.word.render`), the loaded form and the rules as checked
against it, pickles, because validating the form's report map again takes 20–30 ms a
build against 1.5 ms for the pickle (typing and checking the rules, about 6 ms).  So,
as Jinja requires of its own default bytecode folder, a folder is used only when it is
a real folder (not a symbolic link) owned by the current user that nobody else can
write to, and an entry file only when it is the user's own and not a link; otherwise
the disk cache is skipped, with a notice on stderr once per process.
(On Windows, where there are no such owners and modes, the folder under the user's
profile is trusted as it is.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

APP = "tpe-gender-report"
SUFFIX = ".json"
PICKLED = ".pickle"
_NOTICE = {"shown": False}


def notice_shown() -> None:
    """Tell this process that the unsafe-folder notice was already shown (a build-all worker:
    its parent has shown it)."""
    _NOTICE["shown"] = True


def _notice(folder: Path, problem: str) -> None:
    if not _NOTICE["shown"]:
        _NOTICE["shown"] = True
        print(
            f"注意：快取資料夾 {folder} {problem}，為安全起見本次不使用快取（建置會稍慢）。"
            "請以 TPE_REPORT_CACHE 指定只有自己能寫入的資料夾，或設為 off 關閉快取。",
            file=sys.stderr,
        )


def _root() -> Path | None:
    """The cache folder as configured (``None``: no disk cache)."""
    override = os.environ.get("TPE_REPORT_CACHE")
    if override == "off":
        return None
    if override:
        return Path(override)
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home folder: work without a disk cache
        return None
    return Path(base) / APP


def unsafe_because(folder: Path) -> str | None:
    """Why ``folder`` must not hold cache entries, or None when it may: it must be a folder
    (not a link), owned by the current user, and not writable by group or others."""
    try:
        info = os.lstat(folder)
    except OSError:
        return "無法讀取"
    if not stat.S_ISDIR(info.st_mode):
        return "不是資料夾（或是符號連結）"
    if hasattr(os, "getuid"):
        if info.st_uid != os.getuid():
            return "不屬於目前的使用者"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return "可被其他使用者寫入"
    return None


def cache_dir(kind: str) -> Path | None:
    """The folder for one kind of entry, created private (``None``: no disk cache, because it
    is turned off, cannot be made, or is not safe to use)."""
    root = _root()
    if root is None:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root = Path(os.path.realpath(root))  # a link the user set up to their own folder is fine
        problem = unsafe_because(root)
        if problem is None:
            folder = root / kind
            folder.mkdir(mode=0o700, exist_ok=True)
            problem = unsafe_because(folder)
            root = folder
    except OSError:  # cannot be made (read-only, a file in the way): just redo the work
        return None
    if problem is not None:
        _notice(root, problem)
        return None
    return root


def key(*blobs: bytes) -> str:
    """A key for the given sources (file bytes, code, versions)."""
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()


@functools.cache
def code_of(*files: str) -> bytes:
    """The source of the modules whose code shapes a cached value (pass their __file__).

    Read once per process: a batch builds many reports with the same code."""
    return b"".join(Path(f).read_bytes() for f in files)


def read_own(path: Path) -> bytes:
    """The bytes of an entry file that is the current user's own (not a link)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if hasattr(os, "getuid") and os.fstat(fd).st_uid != os.getuid():
            raise PermissionError(f"{path} belongs to another user")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def load(kind: str, entry: str, pickled: bool = False) -> Any | None:
    """The cached value (JSON data, or a pickle when ``pickled``), or ``None`` when there is
    none (or it cannot be read)."""
    folder = cache_dir(kind)
    if folder is None:
        return None
    try:
        blob = read_own(folder / f"{entry}{PICKLED if pickled else SUFFIX}")
        return pickle.loads(blob) if pickled else json.loads(blob)
    except Exception:  # missing, truncated, not ours, from another Python: just redo the work
        return None


def store(kind: str, entry: str, value: Any, pickled: bool = False) -> None:
    """Keep ``value`` (JSON data, or any object when ``pickled``) for the next process
    (atomically; silently skipped on failure)."""
    folder = cache_dir(kind)
    if folder is None:
        return
    try:
        if pickled:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            if json.loads(text) != value:  # e.g. YAML's number keys or tuples: JSON would change them
                return
            blob = text.encode("utf-8")
    except (TypeError, ValueError, pickle.PicklingError):  # values the format cannot hold: not cached
        return
    name = None
    try:
        fd, name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(name, folder / f"{entry}{PICKLED if pickled else SUFFIX}")
    except OSError:
        if name is not None:
            try:
                os.unlink(name)
            except OSError:
                pass


def remember(kind: str, entry: str, expected: type[T], make: Callable[[], T], pickled: bool = False) -> T:
    """The cached value for ``entry`` if there is one of the ``expected`` type, else
    ``make()``, kept for next time.  JSON data is validated by the caller as it validates
    what ``make`` returns; a pickle is only ever read from the checked folder."""
    value = load(kind, entry, pickled)
    if not isinstance(value, expected):
        value = make()
        store(kind, entry, value, pickled)
    return value
