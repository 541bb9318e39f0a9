"""Paths written in the data stay inside their folder.

A 圖片 block names a picture file and the annex folder lists files; both come
from people the builder may not know.  An absolute path, a ``..`` that climbs
out, or a symbolic link that points elsewhere (``附件2 x.pdf -> /etc/passwd``)
would pull any file of the machine into the report or the submission zip.  Every
such path goes through :func:`inside`, the one place that decides.
"""

from __future__ import annotations

from pathlib import Path


class OutsideFolder(ValueError):
    """A path from the data that leads outside its folder; ``str()`` says how, in Chinese."""


def inside(folder: Path, name: str | Path) -> Path:
    """The real path (links resolved) of ``name`` relative to ``folder``; OutsideFolder when
    it is absolute, or when it or a link on the way leads outside ``folder``."""
    text = str(name)
    if not text.strip():
        raise OutsideFolder("沒有填寫檔名")
    relative = Path(text)
    if relative.is_absolute() or relative.drive:
        raise OutsideFolder(f"「{text}」是絕對路徑：請放在資料夾內，並寫相對於資料夾的路徑")
    try:
        root = Path(folder).resolve()
        real = (root / relative).resolve()
    except (OSError, RuntimeError) as exc:  # a link loop
        raise OutsideFolder(f"「{text}」無法解析（{exc}）") from exc
    if real != root and root not in real.parents:
        how = "以「..」指到" if ".." in relative.parts else "是連結，指到"
        raise OutsideFolder(f"「{text}」{how}資料夾之外（{real}），不予採用：請把檔案本身放進資料夾")
    return real


def contained(folder: Path, name: str | Path) -> Path | None:
    """:func:`inside`, or None when the path leads outside (the checks report it)."""
    try:
        return inside(folder, name)
    except OutsideFolder:
        return None
