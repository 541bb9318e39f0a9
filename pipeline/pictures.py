"""Pictures a clerk puts in the free-layout part: which files Word can show, and their size."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

# The raster formats Word places inline, as Pillow names them.
CONTENT_TYPES = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpeg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "BMP": ("bmp", "image/bmp"),
    "TIFF": ("tiff", "image/tiff"),
}
DEFAULT_DPI = 72.0  # what Word assumes when a file does not say


@dataclass(frozen=True)
class Picture:
    """An image file Word can show: its bytes, type and natural size in inches."""

    blob: bytes
    extension: str
    content_type: str
    width_in: float
    height_in: float

    def height_for(self, width: int) -> int:
        """The height that keeps the aspect ratio at ``width`` (any unit)."""
        return round(width * self.height_in / self.width_in)


class UnusablePicture(ValueError):
    """The file is not an image Word can place (unknown format, corrupt, empty)."""


def read_picture(path: Path) -> Picture:
    """Read an image file's header; :class:`UnusablePicture` when Word could not show it."""
    from PIL import Image, UnidentifiedImageError  # only when there are pictures

    try:
        blob = path.read_bytes()
        with Image.open(io.BytesIO(blob)) as image:
            kind = CONTENT_TYPES.get(image.format or "")
            width, height = image.size
            dpi = image.info.get("dpi") or (DEFAULT_DPI, DEFAULT_DPI)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnusablePicture(f"{path.name}：{exc}") from exc
    if kind is None or width <= 0 or height <= 0:
        raise UnusablePicture(f"{path.name}：不是 Word 可放入的圖片格式")
    dpi_x, dpi_y = (float(d) if d and float(d) > 0 else DEFAULT_DPI for d in dpi[:2])
    extension, content_type = kind
    return Picture(blob, extension, content_type, width / dpi_x, height / dpi_y)


def picture_readable(path: Path) -> bool:
    """True when Word can place the image file."""
    try:
        read_picture(path)
    except UnusablePicture:
        return False
    return True
