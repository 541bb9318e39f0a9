"""A small disk cache for work that depends only on files that rarely change.

A clerk builds the report again and again with the same form and Word template;
reading and preparing those each time would be most of a build.  Entries are
keyed by a hash of the source bytes *and* of the code that made them, so an edited
form, template or generator never meets a stale entry.  The cache is a
convenience: when its folder cannot be read or written, the work is simply done
again.  ``TPE_REPORT_CACHE`` names another folder; ``TPE_REPORT_CACHE=off`` turns
the disk cache off.  Entries are Python pickles, so the folder must be one that
only the user running the builds can write (the default, under the home folder, is).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

APP = "tpe-gender-report"


def cache_dir(kind: str) -> Path | None:
    """The folder for one kind of entry (``None``: no disk cache)."""
    override = os.environ.get("TPE_REPORT_CACHE")
    if override == "off":
        return None
    if override:
        return Path(override) / kind
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home folder: work without a disk cache
        return None
    return Path(base) / APP / kind


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


def load(kind: str, entry: str) -> Any | None:
    """The cached value, or ``None`` when there is none (or it cannot be read)."""
    folder = cache_dir(kind)
    if folder is None:
        return None
    try:
        with open(folder / f"{entry}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, truncated or from another Python: just redo the work
        return None


def store(kind: str, entry: str, value: Any) -> None:
    """Keep ``value`` for the next process (atomically; silently skipped on failure)."""
    folder = cache_dir(kind)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(name, folder / f"{entry}.pickle")
    except OSError:
        try:
            os.unlink(name)
        except (OSError, UnboundLocalError):
            pass


def remember(kind: str, entry: str, expected: type[T], make: Callable[[], T]) -> T:
    """The cached value for ``entry`` if there is one of the ``expected`` type, else
    ``make()``, kept for next time."""
    value = load(kind, entry)
    if not isinstance(value, expected):
        value = make()
        store(kind, entry, value)
    return value
