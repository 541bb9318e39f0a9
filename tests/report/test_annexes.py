"""The annex list, annex file names, and the annex checks on real folders."""

from __future__ import annotations

import copy
import importlib.util
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from pipeline import verify
from pipeline.inputs.read import read_inputs
from pipeline.report.annexes import (
    ANNEX_FOLDER,
    each_annex,
    expected_annexes,
    file_number,
    find_annex_files,
    normalize_number,
)
from tests.conftest import ATTACHMENTS, MINIMAL, SAMPLE_INPUTS, pdf_bytes, set_cell

SAMPLE_ANNEXES = ["1", "2", "3", "3-1", "3-2", "4", "4-1", "4-2", "5", "5-1", "5-2", "5-3", "5-4", "6", "7"]
MARK = "示範用替代檔案，非原件"


@pytest.mark.parametrize(
    "name, number",
    [
        ("附件3-1 性別統計及性別分析研習班.pdf", "3-1"),
        ("附件3-1_研習班.docx", "3-1"),
        ("附件3-1\u3000研習班.xlsx", "3-1"),  # full-width space
        ("附件３－１ 研習班.pdf", "3-1"),  # full-width digits and dash
        ("附件03-01 研習班.pdf", "3-1"),
        ("附件7.pdf", "7"),
        ("附件 6 預算表.png", "6"),
        ("附件3-1研習班.pdf", None),  # no separator: the number could go on
        ("附件三 研習班.pdf", None),
        ("公開揭示海報.png", None),
    ],
)
def test_file_name_gives_the_annex_number(name, number):
    assert file_number(Path(name)) == number


@pytest.mark.parametrize(
    "text, number",
    [
        ("3-1", "3-1"),
        ("３－１", "3-1"),
        ("附件3-1", "3-1"),
        (" 3 - 1 ", "3-1"),
        ("3–1", "3-1"),
        ("12", "12"),
        ("3.1", None),
        ("三之一", None),
        ("", None),
        (None, None),
    ],
)
def test_sheet_numbers_are_normalized(text, number):
    assert normalize_number(text) == number


def test_expected_annexes_are_the_form_list_with_the_sheets_sub_annexes(form):
    records, _ = read_inputs(SAMPLE_INPUTS, form)
    annexes = expected_annexes(form, records)
    assert [a.number for a in each_annex(annexes)] == SAMPLE_ANNEXES
    seventh = annexes[-1]
    assert (seventh.number, seventh.title) == ("7", "性別主流化實施計畫")  # listed: false, still expected
    sub = annexes[2].subs[0]
    assert sub.title == "109年度「性別統計及性別分析研習班」" and sub.parent == "3"
    assert (sub.source.workbook, sub.source.sheet, sub.source.cell) == ("03_性別意識培力.xlsx", "附件", "A2")


def test_sample_folder_has_one_file_per_annex_and_the_poster_is_no_annex(form):
    records, _ = read_inputs(SAMPLE_INPUTS, form)
    found = find_annex_files(form, records)
    assert found.missing() == [] and found.unexpected == ()
    leaves = [a for a in each_annex(found.annexes) if a.parent or not a.subs]
    assert all(len(found.files_of(a)) == 1 for a in leaves)
    filed = {p.name for paths in found.files.values() for p in paths}
    assert "公開揭示海報.png" not in filed
    assert (SAMPLE_INPUTS / ANNEX_FOLDER / "公開揭示海報.png").is_file()


def stand_in_text(path: Path) -> str:
    """What a stand-in says about itself, by format."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        meta = PdfReader(path).metadata
        return f"{meta.title} {meta.subject}"
    if suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))
    if suffix == ".xlsx":
        ws = load_workbook(path).active
        return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    with Image.open(path) as image:
        return image.text["Description"]


def test_sample_stand_ins_are_small_mixed_and_say_what_they_are():
    files = sorted((SAMPLE_INPUTS / ANNEX_FOLDER).glob("附件*"))
    suffixes = [p.suffix for p in files]
    assert [file_number(p) for p in files] == [n for n in SAMPLE_ANNEXES if n not in ("3", "4", "5")]
    assert {".docx", ".xlsx", ".png"} <= set(suffixes) and suffixes.count(".pdf") >= 8
    for path in files:
        assert path.stat().st_size < 20_000, path.name
        text = stand_in_text(path)
        assert MARK in text, path.name
        assert f"附件{file_number(path)}" in text, path.name


def annex_findings(folder: Path):
    return [f for f in verify(folder).findings if f.rule.startswith("annexes.")]


def test_removing_an_annex_file_is_an_error_naming_the_annex(sample_inputs):
    [path] = (sample_inputs / ANNEX_FOLDER).glob("附件4-2 *")
    path.unlink()
    [finding] = annex_findings(sample_inputs)
    assert (finding.rule, finding.severity.value) == ("annexes.missing-file", "error")
    assert "附件4-2" in finding.message and "自來水園區性別友善廁所尿布台" in finding.message
    # At the 附件 sheet row that lists it, and in the section that cites it.
    assert (finding.source.workbook, finding.source.sheet, finding.source.cell) == ("05_性別分析.xlsx", "附件", "A3")
    assert finding.target.section == "五"


def test_an_extra_file_is_a_warning_naming_it(sample_inputs):
    folder = sample_inputs / ANNEX_FOLDER
    (folder / "附件8 其他資料.pdf").write_bytes(pdf_bytes())
    (folder / "說明.txt").write_text("not an annex", encoding="utf-8")  # not 附件…: ignored
    [finding] = annex_findings(sample_inputs)
    assert (finding.rule, finding.severity.value) == ("annexes.unexpected-file", "warning")
    assert "附件8 其他資料.pdf" in finding.message and "附件清單中沒有附件8" in finding.message


@pytest.mark.parametrize(
    "name, why",
    [
        ("附件1 會議紀錄.doc", "不支援的檔案格式「.doc」"),
        ("附件3-1研習班.pdf", "檔名看不出附件編號"),
    ],
)
def test_a_file_named_as_annex_but_unusable_says_why(sample_inputs, name, why):
    (sample_inputs / ANNEX_FOLDER / name).write_bytes(b"x")
    [finding] = annex_findings(sample_inputs)
    assert finding.rule == "annexes.unexpected-file" and name in finding.message
    assert why in finding.message


def test_one_file_for_the_whole_annex_covers_its_sub_annexes(sample_inputs):
    folder = sample_inputs / ANNEX_FOLDER
    for path in folder.glob("附件3-*"):
        path.unlink()
    (folder / "附件3 自辦訓練.pdf").write_bytes(pdf_bytes(2))
    assert annex_findings(sample_inputs) == []


def test_a_sub_annex_of_another_annex_is_an_error_at_its_cell(sample_inputs):
    ref = set_cell(sample_inputs / "03_性別意識培力.xlsx", "附件", "附件編號", "4-1")
    found = annex_findings(sample_inputs)
    [wrong] = [f for f in found if f.rule == "annexes.sub-number"]
    assert wrong.severity.value == "error" and wrong.source.cell == ref == "A2"
    assert "「4-1」不是附件3" in wrong.message


def test_a_number_excel_made_a_date_gets_a_hint(sample_inputs):
    set_cell(sample_inputs / "03_性別意識培力.xlsx", "附件", "附件編號", datetime(2020, 3, 1))
    [wrong] = [f for f in annex_findings(sample_inputs) if f.rule == "annexes.sub-number"]
    assert "2020-03-01" in wrong.message and "日期" in wrong.message and "文字" in wrong.message


def test_no_attachments_folder_lists_every_annex_and_says_so(make_inputs):
    data = copy.deepcopy(MINIMAL)
    del data[ATTACHMENTS]
    findings = annex_findings(make_inputs(data))
    assert [f.rule for f in findings] == ["annexes.missing-file"] * 7
    assert all(f"沒有 {ANNEX_FOLDER}/ 資料夾" in f.message for f in findings)
    assert [re.search(r"附件(\d)", f.message).group(1) for f in findings] == list("1234567")


def test_the_generator_tool_remakes_the_sample_annexes(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_sample_annexes", SAMPLE_INPUTS.parent / "tools" / "make_sample_annexes.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    try:
        tool.find_font()
    except SystemExit:
        pytest.skip("no font with Chinese glyphs installed")
    inputs = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, inputs, ignore=shutil.ignore_patterns("附件*"))
    assert tool.main(["--inputs", str(inputs)]) == 0
    made = sorted(p.name for p in (inputs / ANNEX_FOLDER).glob("附件*"))
    shipped = sorted(p.name for p in (SAMPLE_INPUTS / ANNEX_FOLDER).glob("附件*"))
    assert made == shipped
    assert annex_findings(inputs) == []


def test_a_folder_inside_attachments_is_pointed_out(make_inputs):
    from pipeline import verify

    folder = make_inputs()
    (folder / "attachments" / "附件3 自辦訓練").mkdir()
    hits = [f for f in verify(folder).findings if f.rule == "annexes.unexpected-file"]
    assert len(hits) == 1 and "資料夾" in hits[0].message


def test_an_annex_link_pointing_outside_is_refused_with_a_finding(sample_inputs, tmp_path):
    folder = sample_inputs / ANNEX_FOLDER
    [real] = folder.glob("附件2 *")
    real.unlink()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(pdf_bytes())
    (folder / "附件2 x.pdf").symlink_to(secret)
    findings = {f.rule: f for f in annex_findings(sample_inputs)}
    assert set(findings) == {"annexes.missing-file", "annexes.unexpected-file"}
    assert "附件2 x.pdf" in findings["annexes.unexpected-file"].message
    assert "是連結，指到資料夾之外" in findings["annexes.unexpected-file"].message
    assert (
        "附件2" in findings["annexes.missing-file"].message
        and findings["annexes.missing-file"].severity.value == "error"
    )
