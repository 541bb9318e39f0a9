"""The submission package: the report and every annex in one bookmarked PDF, and a zip."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from pipeline.errors import ConversionError
from pipeline.report.annexes import ANNEX_FOLDER, file_number, number_key
from pipeline.submit import pdf
from pipeline.submit.package import A4, ZIP_ANNEX_FOLDER, annex_pdf, image_pdf, package
from tests.conftest import SAMPLE_INPUTS, needs_soffice, pdf_bytes, run_cli

REPORT = "臺北自來水事業處109年推動性別平等工作成果報告"
TOP_LEVEL = [
    REPORT,
    "附件1 性別平等專案小組開會情形一覽表",
    "附件2 性別平等專案小組辦理情形一覽表",
    "附件3 自辦訓練",
    "附件4 性別分析專題",
    "附件5 性別影響評估",
    "附件6 臺北市各機關性別預算表(附屬單位預算部分)",
    "附件7 性別主流化實施計畫",
]
ANNEX_ORDER = ["1", "2", "3", "3-1", "3-2", "4", "4-1", "4-2", "5", "5-1", "5-2", "5-3", "5-4", "6", "7"]


def annex_files(inputs: Path) -> list[Path]:
    """The annex files of an inputs folder in annex order."""
    files = [p for p in (inputs / ANNEX_FOLDER).iterdir() if file_number(p)]
    return sorted(files, key=lambda p: number_key(file_number(p)))


def bookmarks(path: Path) -> list[tuple[int, str, int]]:
    """(level, title, 0-based page) of every bookmark, in order."""
    reader = PdfReader(path)
    found: list[tuple[int, str, int]] = []

    def walk(items, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def annex_bookmarks(path: Path) -> list[tuple[int, str, int]]:
    """The annexes' bookmarks: all after the report's (which comes first, with its headings)."""
    marks = bookmarks(path)
    assert marks[0][:2] == (0, REPORT)
    first = next((i for i, (level, _, _) in enumerate(marks) if i and level == 0), len(marks))
    return marks[first:]


def independent_pages(tmp_path: Path, files: list[Path]) -> dict[Path, int]:
    """Pages of Word/Excel files as LibreOffice itself makes them (not through the pipeline)."""
    work = tmp_path / "independent"
    work.mkdir()
    copies = []
    for i, path in enumerate(files):
        copies.append(work / f"f{i}{path.suffix}")
        shutil.copyfile(path, copies[-1])
    done = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "pdf"),
            *map(str, copies),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {path: len(PdfReader(work / "pdf" / f"f{i}.pdf").pages) for i, path in enumerate(files)}


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    """The sample's package, made once."""
    return package(SAMPLE_INPUTS, tmp_path_factory.mktemp("package"))


@needs_soffice
def test_the_package_is_the_report_then_every_annex(packaged, tmp_path):
    assert packaged.ok and packaged.failures == []
    files = annex_files(SAMPLE_INPUTS)
    office = [p for p in files if p.suffix in (".docx", ".xlsx")]
    counted = independent_pages(tmp_path, [packaged.build.output, *office])
    expected = counted[packaged.build.output]
    for path in files:
        if path.suffix == ".pdf":
            expected += len(PdfReader(path).pages)
        elif path.suffix == ".png":
            expected += 1
        else:
            expected += counted[path]
    assert len(PdfReader(packaged.pdf).pages) == packaged.pages == expected
    assert len(PdfReader(packaged.report_pdf).pages) == counted[packaged.build.output]


@needs_soffice
def test_one_bookmark_per_annex_and_sub_annex_in_order(packaged):
    marks = bookmarks(packaged.pdf)
    assert [title for level, title, _ in marks if level == 0] == TOP_LEVEL
    assert marks[1][1].startswith("一、")  # the report's headings, under the report
    annexes = annex_bookmarks(packaged.pdf)
    numbers = [re.match(r"附件([\d-]+) ", title).group(1) for _, title, _ in annexes]
    assert numbers == ANNEX_ORDER
    assert all((level == 1) == ("-" in n) for (level, _, _), n in zip(annexes, numbers, strict=True))
    pages = [page for _, _, page in annexes]
    report_pages = len(PdfReader(packaged.report_pdf).pages)
    assert pages[0] == report_pages and pages == sorted(pages)
    # Each bookmark opens its own annex: the converted Word and Excel stand-ins say so.
    reader = PdfReader(packaged.pdf)
    for number in ("5-1", "6"):
        page = next(p for (_, t, p) in annexes if t.startswith(f"附件{number} "))
        text = reader.pages[page].extract_text()
        assert f"附件{number}" in re.sub(r"\s", "", text) and "示範用替代檔案" in text


@needs_soffice
def test_the_zip_holds_the_report_and_the_original_annex_files(packaged):
    files = annex_files(SAMPLE_INPUTS)
    with zipfile.ZipFile(packaged.zip) as archive:
        names = archive.namelist()
        assert names == [packaged.build.output.name, *(f"{ZIP_ANNEX_FOLDER}/{p.name}" for p in files)]
        for path in files:
            assert archive.read(f"{ZIP_ANNEX_FOLDER}/{path.name}") == path.read_bytes()
        assert archive.read(names[0]) == packaged.build.output.read_bytes()
    assert not any("公開揭示海報" in name for name in names)  # an image of the text, no annex


@needs_soffice
def test_a_missing_and_an_extra_annex_file_are_findings(packaged, sample_inputs, tmp_path):
    folder = sample_inputs / ANNEX_FOLDER
    next(folder.glob("附件4-2 *")).unlink()
    (folder / "附件8 多出來的檔案.pdf").write_bytes(pdf_bytes())
    before = digest(sample_inputs)
    result = package(sample_inputs, tmp_path / "out")
    found = {f.rule: f for f in result.findings if f.rule.startswith("annexes.")}
    assert set(found) == {"annexes.missing-file", "annexes.unexpected-file"}
    assert "附件4-2" in found["annexes.missing-file"].message
    assert found["annexes.missing-file"].severity.value == "error"
    assert "附件8 多出來的檔案.pdf" in found["annexes.unexpected-file"].message
    assert found["annexes.unexpected-file"].severity.value == "warning"
    assert not result.ok and result.failures == []
    # Still written, without them: 4-2 was one page, the stray file is left out.
    assert result.pages == packaged.pages - 1
    titles = [title for _, title, _ in annex_bookmarks(result.pdf)]
    assert not any(t.startswith(("附件4-2 ", "附件8")) for t in titles)
    assert any(t.startswith("附件4-1 ") for t in titles)
    with zipfile.ZipFile(result.zip) as archive:
        assert not any("附件8" in name for name in archive.namelist())
    assert digest(sample_inputs) == before  # the inputs are never modified


@needs_soffice
def test_a_corrupt_annex_is_named_and_the_rest_is_written(packaged, sample_inputs, tmp_path):
    broken = next((sample_inputs / ANNEX_FOLDER).glob("附件2 *"))
    broken.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    result = package(sample_inputs, tmp_path / "out")
    [failure] = result.failures
    assert failure.number == "2" and failure.path.name == broken.name
    assert broken.name in str(failure) and "損毀" in str(failure)
    assert not result.ok
    assert result.pdf.is_file() and result.pages == packaged.pages - 1
    assert not any(t.startswith("附件2 ") for _, t, _ in annex_bookmarks(result.pdf))
    with zipfile.ZipFile(result.zip) as archive:  # the original still goes to the reviewer
        assert f"{ZIP_ANNEX_FOLDER}/{broken.name}" in archive.namelist()


def encrypt(path: Path, password: str = "secret") -> None:
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.encrypt(password, algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


@needs_soffice
def test_a_password_protected_annex_is_listed_and_exits_1(packaged, sample_inputs, tmp_path, monkeypatch, capsys):
    locked = next((sample_inputs / ANNEX_FOLDER).glob("附件7 *"))
    encrypt(locked)
    out = tmp_path / "out"
    code = run_cli(["package", "--inputs", str(sample_inputs), "--out", str(out)], monkeypatch)
    captured = capsys.readouterr()
    assert code == 1
    assert locked.name in captured.err and "密碼" in captured.err
    assert "_含附件.pdf（共" in captured.out and "附件6 " in captured.out
    written = next(out.glob("*_含附件.pdf"))
    assert len(PdfReader(written).pages) == packaged.pages - 1
    assert not any(t.startswith("附件7 ") for _, t, _ in annex_bookmarks(written))


def test_without_libreoffice_package_stops_before_writing(sample_inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pdf, "KNOWN_LOCATIONS", ())
    out = tmp_path / "out"
    code = run_cli(["package", "--inputs", str(sample_inputs), "--out", str(out)], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert "LibreOffice" in err and "apt-get install libreoffice-writer-nogui" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("size, mode, landscape", [((900, 400), "RGBA", True), ((300, 500), "RGB", False)])
def test_an_image_fills_an_a4_page_of_its_orientation(tmp_path, size, mode, landscape):
    path = tmp_path / "附件5-4 照片.png"
    Image.new(mode, size, "red").save(path)
    page = PdfReader(BytesIO(image_pdf(path))).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (width, height) == pytest.approx(A4[::-1] if landscape else A4, abs=0.01)


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("附件1 會議.pdf", b"garbage" * 100, "損毀"),
        ("附件1 會議.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "不是可讀取的圖片"),
        ("附件1 會議.pdf", None, "密碼"),
    ],
)
def test_an_unreadable_annex_file_is_named(tmp_path, name, content, says):
    path = tmp_path / name
    if content is None:
        path.write_bytes(pdf_bytes())
        encrypt(path)
    else:
        path.write_bytes(content)
    with pytest.raises(ConversionError) as err:
        annex_pdf(path, tmp_path)
    assert name in str(err.value) and says in str(err.value)


@needs_soffice
def test_an_annex_link_to_a_file_outside_is_not_packed(sample_inputs, tmp_path):
    folder = sample_inputs / ANNEX_FOLDER
    next(folder.glob("附件2 *")).unlink()
    (folder / "附件2 x.pdf").symlink_to("/etc/passwd")
    result = package(sample_inputs, tmp_path / "out")
    assert not result.ok and "annexes.missing-file" in {f.rule for f in result.findings}
    with zipfile.ZipFile(result.zip) as archive:
        assert not any("附件2" in name for name in archive.namelist())
        assert all(b"root:" not in archive.read(name) for name in archive.namelist())


def test_a_link_put_in_place_after_the_checks_is_not_read(tmp_path):
    from pipeline.report.annexes import Annex, AnnexFiles
    from pipeline.submit.package import _annex_source

    folder = tmp_path / ANNEX_FOLDER
    folder.mkdir()
    link = folder / "附件1 x.pdf"
    link.symlink_to("/etc/passwd")
    found = AnnexFiles(folder, (Annex("1", "x", "二"),), {"1": (link,)}, ())
    with pytest.raises(ConversionError, match="是連結，指到資料夾之外"):
        _annex_source(found, link)
