"""Picture headers read by hand agree with Pillow, and unusable files are named."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pipeline.office.pictures import UnusablePicture, picture_problem, read_picture

FORMATS = [("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("BMP", "bmp"), ("TIFF", "tiff")]


def write_image(path, fmt, size, dpi=None):
    image = Image.new("RGB", size, "white")
    options = {"dpi": dpi} if dpi else {}
    image.save(path, fmt, **options)
    return path


@pytest.mark.parametrize("fmt,extension", FORMATS)
@pytest.mark.parametrize("size", [(640, 480), (31, 977)])
def test_size_and_type_as_pillow_reads_them(tmp_path, fmt, extension, size):
    path = write_image(tmp_path / f"x.{extension}", fmt, size)
    picture = read_picture(path)
    assert picture.extension == extension and picture.content_type == f"image/{extension}"
    assert picture.blob == path.read_bytes()
    with Image.open(path) as image:
        assert image.size == size
        # Pillow writes 96 dpi into a BMP, TIFF's resolution "without a unit", and none
        # elsewhere; without a real resolution Word takes 72 dpi.
        dpi = image.info.get("dpi") if fmt == "BMP" else None
    dpi = dpi or (72, 72)
    assert picture.width_in == pytest.approx(size[0] / dpi[0], rel=1e-3)
    assert picture.height_in == pytest.approx(size[1] / dpi[1], rel=1e-3)


@pytest.mark.parametrize("fmt,extension", [("PNG", "png"), ("JPEG", "jpeg"), ("BMP", "bmp"), ("TIFF", "tiff")])
def test_resolution_is_read(tmp_path, fmt, extension):
    path = write_image(tmp_path / f"x.{extension}", fmt, (300, 150), dpi=(300, 150))
    picture = read_picture(path)
    assert picture.width_in == pytest.approx(1.0, rel=1e-2)
    assert picture.height_in == pytest.approx(1.0, rel=1e-2)
    assert picture.height_for(1000) == 1000  # a square on paper, whatever the pixels


def test_aspect_ratio_at_a_given_width(tmp_path):
    picture = read_picture(write_image(tmp_path / "wide.png", "PNG", (400, 100)))
    assert picture.height_for(5400000) == 1350000


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n\x00\x00",  # a PNG cut short
        b"\xff\xd8\xff\xe0\x00",  # a JPEG cut short
        b"GIF89a\x00",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",  # WebP: Word cannot place it
    ],
)
def test_unusable_files_are_refused_with_their_name(tmp_path, content):
    path = tmp_path / "壞圖.png"
    path.write_bytes(content)
    with pytest.raises(UnusablePicture, match="壞圖.png"):
        read_picture(path)
    assert picture_problem(path)


def test_an_image_with_zero_size_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (5, 5)).save(buffer, "GIF")
    blob = bytearray(buffer.getvalue())
    blob[6:10] = b"\x00\x00\x00\x00"
    path = tmp_path / "zero.gif"
    path.write_bytes(bytes(blob))
    assert picture_problem(path)


def test_a_missing_file_is_unusable(tmp_path):
    assert picture_problem(tmp_path / "gone.png")


@pytest.mark.parametrize(
    "size,fitted",
    [
        ((400, 100), (1000, 250)),  # wide: the full width
        ((100, 400), (500, 2000)),  # tall: the full height
        ((100000, 1), (1000, 1)),  # never a side of nothing
    ],
)
def test_fit_keeps_the_aspect_ratio_within_the_box(tmp_path, size, fitted):
    picture = read_picture(write_image(tmp_path / "x.png", "PNG", size))
    assert picture.fit(1000, 2000) == fitted


def test_a_picture_larger_than_a_report_can_carry_is_refused_by_its_size(tmp_path):
    path = write_image(tmp_path / "巨大.png", "PNG", (10, 10))
    with open(path, "r+b") as handle:  # 400 MB on paper, nothing on disk
        handle.truncate(400 * 1024 * 1024)
    with pytest.raises(UnusablePicture, match="圖檔過大（400 MB，上限 25 MB）"):
        read_picture(path)


def test_a_picture_of_too_many_pixels_is_refused_from_its_header(tmp_path):
    blob = bytearray(write_image(tmp_path / "x.png", "PNG", (10, 10)).read_bytes())
    blob[16:24] = (40000).to_bytes(4, "big") * 2  # the header claims 40000 × 40000 (1.6 gigapixels)
    path = tmp_path / "炸彈.png"
    path.write_bytes(bytes(blob))
    assert "圖片像素過多（40000 × 40000" in picture_problem(path)
