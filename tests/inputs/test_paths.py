"""Paths from the data stay inside their folder: absolute paths, .. and outward links refused."""

from __future__ import annotations

import pytest
from docx import Document
from openpyxl import load_workbook

from pipeline import build
from pipeline.inputs.paths import OutsideFolder, contained, inside
from tests.conftest import SAMPLE_INPUTS

POSTER = (SAMPLE_INPUTS / "attachments" / "公開揭示海報.png").read_bytes()


@pytest.fixture
def folder(tmp_path):
    inputs = tmp_path / "inputs"
    (inputs / "attachments").mkdir(parents=True)
    (inputs / "attachments" / "海報.png").write_bytes(POSTER)
    (tmp_path / "secret.png").write_bytes(POSTER)
    return inputs


def test_a_relative_path_inside_is_its_real_path(folder):
    assert inside(folder, "attachments/海報.png") == (folder / "attachments" / "海報.png").resolve()
    assert inside(folder, "attachments/../attachments/海報.png") == (folder / "attachments" / "海報.png").resolve()


def test_a_link_to_a_file_inside_is_fine(folder):
    (folder / "link.png").symlink_to(folder / "attachments" / "海報.png")
    assert inside(folder, "link.png") == (folder / "attachments" / "海報.png").resolve()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("/etc/passwd", "絕對路徑"),
        ("../secret.png", "以「..」指到資料夾之外"),
        ("attachments/../../secret.png", "以「..」指到資料夾之外"),
        ("..", "以「..」指到資料夾之外"),
        ("", "沒有填寫檔名"),
    ],
)
def test_absolute_paths_and_climbing_out_are_refused(folder, name, says):
    with pytest.raises(OutsideFolder, match=says):
        inside(folder, name)
    assert contained(folder, name) is None


def test_a_link_pointing_outside_is_refused(folder, tmp_path):
    (folder / "attachments" / "附件2 x.pdf").symlink_to("/etc/passwd")
    (folder / "attachments" / "照片.png").symlink_to(tmp_path / "secret.png")
    (folder / "外面").symlink_to(tmp_path, target_is_directory=True)
    for name in ("attachments/附件2 x.pdf", "attachments/照片.png", "外面/secret.png"):
        with pytest.raises(OutsideFolder, match="是連結，指到資料夾之外"):
            inside(folder, name)


def test_a_link_loop_is_refused_not_a_crash(folder):
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    assert contained(folder, "a") is None


# -- 圖片 blocks: the check names the cell, the report embeds nothing from outside ---------


def add_pictures(inputs, names):
    path = inputs / "08-1_成果說明.xlsx"
    book = load_workbook(path)
    for name in names:
        book["成果說明"].append(["圖片", name])
    book.save(path)


@pytest.mark.parametrize(
    ("name", "says"),
    [("{secret}", "絕對路徑"), ("../secret.png", "以「..」指到"), ("attachments/照片.png", "是連結")],
    ids=["absolute", "dot-dot", "symlink"],
)
def test_a_picture_outside_the_inputs_folder_is_a_finding_and_not_embedded(make_inputs, tmp_path, name, says):
    inputs = make_inputs()
    secret = tmp_path / "secret.png"
    secret.write_bytes(POSTER)
    (inputs / "attachments" / "照片.png").symlink_to(secret)
    add_pictures(inputs, [name.format(secret=secret)])
    result = build(inputs, tmp_path / "out")
    [hit] = [f for f in result.findings if f.rule == "results.image-file"]
    assert hit.source.workbook == "08-1_成果說明.xlsx" and hit.source.sheet == "成果說明"
    assert hit.source.cell == "B2" and says in hit.message and "不在輸入資料夾內" in hit.message
    assert not result.ok  # an error: the report is not fit to file
    assert len(Document(str(result.output)).inline_shapes) == 0


def test_a_picture_inside_is_still_embedded(make_inputs, tmp_path):
    inputs = make_inputs()
    (inputs / "attachments" / "海報.png").write_bytes(POSTER)
    add_pictures(inputs, ["attachments/海報.png"])
    result = build(inputs, tmp_path / "out")
    assert not [f for f in result.findings if f.rule == "results.image-file"]
    assert len(Document(str(result.output)).inline_shapes) == 1
