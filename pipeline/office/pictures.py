"""Pictures a clerk puts in the free-layout part: which files Word can show, and their size.

Only the file header is read (pixel size and resolution), as python-docx does:
Pillow would parse the same headers, but importing it costs more than a whole
build's rendering, and a build only needs these few fields.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from pipeline.frozen import Frozen, frozen

DEFAULT_DPI = 72.0  # what Word assumes when a file does not say
INCHES_PER_METRE = 39.3701
# A picture is embedded whole and Word decodes it whole: a phone photo is a few MB and a few
# ten million pixels.  The pixel limit is Pillow's own decompression-bomb threshold.
MAX_PICTURE_BYTES = 25 * 1024 * 1024
MAX_PICTURE_PIXELS = 89_478_485


@frozen
class Picture(Frozen):
    """An image file Word can show: its bytes, type and natural size in inches."""

    blob: bytes
    extension: str
    content_type: str
    width_in: float
    height_in: float

    def height_for(self, width: int) -> int:
        """The height that keeps the aspect ratio at ``width`` (any unit)."""
        return round(width * self.height_in / self.width_in)

    def fit(self, width: int, height: int) -> tuple[int, int]:
        """The largest (width, height) within ``width`` × ``height`` that keeps the aspect
        ratio; never below 1 (a side of 0 would hide the picture)."""
        if self.height_for(width) <= height:
            return width, max(1, self.height_for(width))
        return max(1, round(height * self.width_in / self.height_in)), height


class UnusablePicture(ValueError):
    """The file is not an image Word can place (unknown format, corrupt, empty)."""


Header = tuple[int, int, float, float]  # width px, height px, dpi x, dpi y


def _png(blob: bytes) -> Header:
    width, height = struct.unpack(">II", blob[16:24])
    dpi = (DEFAULT_DPI, DEFAULT_DPI)
    at = 8
    while at + 8 <= len(blob):
        length, kind = struct.unpack(">I4s", blob[at : at + 8])
        if kind == b"pHYs" and length >= 9:
            x, y, unit = struct.unpack(">IIB", blob[at + 8 : at + 17])
            if unit == 1 and x and y:
                dpi = (x / INCHES_PER_METRE, y / INCHES_PER_METRE)
        if kind in (b"IDAT", b"IEND"):
            break
        at += 12 + length
    return width, height, *dpi


SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(blob: bytes) -> Header:
    dpi = (DEFAULT_DPI, DEFAULT_DPI)
    at = 2
    while at + 4 <= len(blob):
        if blob[at] != 0xFF:
            raise ValueError("JPEG marker expected")
        marker = blob[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack(">H", blob[at + 2 : at + 4])[0]
        data = blob[at + 4 : at + 2 + length]
        if marker == 0xE0 and data[:5] == b"JFIF\0" and len(data) >= 12:
            unit, x, y = struct.unpack(">BHH", data[7:12])
            if unit in (1, 2) and x and y:
                scale = 2.54 if unit == 2 else 1.0
                dpi = (x * scale, y * scale)
        if marker in SOF_MARKERS:
            height, width = struct.unpack(">HH", data[1:5])
            return width, height, *dpi
        at += 2 + length
    raise ValueError("no JPEG frame header")


def _gif(blob: bytes) -> Header:
    width, height = struct.unpack("<HH", blob[6:10])
    return width, height, DEFAULT_DPI, DEFAULT_DPI


def _bmp(blob: bytes) -> Header:
    header = struct.unpack("<I", blob[14:18])[0]
    if header == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", blob[18:22])
        return width, height, DEFAULT_DPI, DEFAULT_DPI
    width, height = struct.unpack("<ii", blob[18:26])
    x, y = struct.unpack("<ii", blob[38:46])
    dpi_x = x / INCHES_PER_METRE if x > 0 else DEFAULT_DPI
    dpi_y = y / INCHES_PER_METRE if y > 0 else DEFAULT_DPI
    return abs(width), abs(height), dpi_x, dpi_y


def _tiff(blob: bytes) -> Header:
    order = "<" if blob[:2] == b"II" else ">"
    at = struct.unpack(order + "I", blob[4:8])[0]
    count = struct.unpack(order + "H", blob[at : at + 2])[0]
    fields: dict[int, float] = {}
    for i in range(count):
        entry = blob[at + 2 + 12 * i : at + 14 + 12 * i]
        tag, kind, _n, value = struct.unpack(order + "HHI4s", entry)
        if kind == 3:  # SHORT
            fields[tag] = struct.unpack(order + "H", value[:2])[0]
        elif kind == 4:  # LONG
            fields[tag] = struct.unpack(order + "I", value)[0]
        elif kind == 5:  # RATIONAL, stored elsewhere
            offset = struct.unpack(order + "I", value)[0]
            numerator, denominator = struct.unpack(order + "II", blob[offset : offset + 8])
            fields[tag] = numerator / denominator if denominator else 0
    unit = fields.get(296, 2)  # 1: no unit (aspect only), 2: inch, 3: centimetre
    scale = 0.0 if unit == 1 else 2.54 if unit == 3 else 1.0
    dpi_x = fields.get(282, 0) * scale or DEFAULT_DPI
    dpi_y = fields.get(283, 0) * scale or DEFAULT_DPI
    return int(fields[256]), int(fields[257]), dpi_x, dpi_y


# signature → (extension, content type, header reader): the raster formats Word places inline.
FORMATS: tuple[tuple[bytes, str, str, Callable[[bytes], Header]], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png", _png),
    (b"\xff\xd8", "jpeg", "image/jpeg", _jpeg),
    (b"GIF87a", "gif", "image/gif", _gif),
    (b"GIF89a", "gif", "image/gif", _gif),
    (b"BM", "bmp", "image/bmp", _bmp),
    (b"II*\x00", "tiff", "image/tiff", _tiff),
    (b"MM\x00*", "tiff", "image/tiff", _tiff),
)


def read_picture(path: Path) -> Picture:
    """Read an image file's header; :class:`UnusablePicture` when Word could not show it, or
    when it is larger than a report can carry (bytes or pixels)."""
    try:
        size = path.stat().st_size
        if size > MAX_PICTURE_BYTES:
            raise UnusablePicture(
                f"{path.name}：圖檔過大（{size / 1024 / 1024:.0f} MB，上限 {MAX_PICTURE_BYTES // 1024 // 1024} MB），"
                "請縮小或壓縮後再放入"
            )
        with open(path, "rb") as handle:
            blob = handle.read(MAX_PICTURE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise UnusablePicture(f"{path.name}：{exc}") from exc
    if len(blob) > MAX_PICTURE_BYTES:
        raise UnusablePicture(f"{path.name}：圖檔過大，請縮小或壓縮後再放入")
    for signature, extension, content_type, read_header in FORMATS:
        if blob.startswith(signature):
            try:
                width, height, dpi_x, dpi_y = read_header(blob)
            except (struct.error, ValueError, KeyError, IndexError, ZeroDivisionError) as exc:
                raise UnusablePicture(f"{path.name}：圖檔已損毀（{exc}）") from exc
            if width <= 0 or height <= 0:
                raise UnusablePicture(f"{path.name}：圖檔的尺寸不正確")
            if width * height > MAX_PICTURE_PIXELS:
                raise UnusablePicture(
                    f"{path.name}：圖片像素過多（{width} × {height}，"
                    f"上限約 {MAX_PICTURE_PIXELS // 1_000_000} 百萬像素），請縮小後再放入"
                )
            return Picture(blob, extension, content_type, width / dpi_x, height / dpi_y)
    raise UnusablePicture(f"{path.name}：不是 Word 可放入的圖片格式（PNG、JPEG、GIF、BMP、TIFF）")


def picture_problem(path: Path) -> str | None:
    """Why Word cannot place the image file (None: it can)."""
    try:
        read_picture(path)
    except UnusablePicture as exc:
        return str(exc)
    return None
