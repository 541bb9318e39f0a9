"""`report build --pdf --odt`: the report as PDF/A and as a checked, fingerprinted .odt."""

from __future__ import annotations

import zipfile

import pytest

from pipeline.office.provenance import read_properties, was_edited
from pipeline.submit.export import export_report
from pipeline.submit.libreoffice import Job, Office
from pipeline.submit.odf import report_shape
from tests.conftest import needs_soffice, pdfa_claim, run_cli


@needs_soffice
def test_build_writes_the_pdf_and_the_odt_and_keeps_an_odt_a_reviewer_saved(
    sample_inputs, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "out"
    args = ["build", "--inputs", str(sample_inputs), "--out", str(out), "--pdf", "--odt"]
    assert run_cli(args, monkeypatch) == 0
    printed = capsys.readouterr().out
    [docx] = out.glob("*.docx")
    odt, pdf = docx.with_suffix(".odt"), docx.with_suffix(".pdf")
    assert f"寫入：{odt}" in printed and f"寫入：{pdf}" in printed
    assert pdfa_claim(pdf) == ("2", "B")
    assert read_properties(odt)["表單"] == read_properties(docx)["表單"] and not was_edited(odt)

    # Built again: the .odt nobody touched is simply replaced.
    assert run_cli(args, monkeypatch) == 0
    assert "曾被編輯" not in capsys.readouterr().out and not (out / "history").exists()

    # A reviewer opens the .odt in LibreOffice and saves it: the next build keeps that file.
    with Office() as office:
        saved = office.work / "saved.odt"
        office.convert(odt, saved)
        saved_bytes = saved.read_bytes()
    odt.write_bytes(saved_bytes)
    assert was_edited(odt)
    assert run_cli(args, monkeypatch) == 0
    printed = capsys.readouterr().out
    [kept] = (out / "history").glob("*.odt")
    assert kept.read_bytes() == saved_bytes
    assert f"注意：{odt.name} 在上次產生後曾被編輯，已保存為 {kept}" in printed
    assert not was_edited(odt)


@needs_soffice
def test_an_odt_open_in_libreoffice_stops_the_export_before_anything_is_written(sample_report, tmp_path):
    docx = tmp_path / sample_report.name
    docx.write_bytes(sample_report.read_bytes())
    lock = tmp_path / f".~lock.{docx.with_suffix('.odt').name}#"
    lock.write_text("someone")
    with pytest.raises(Exception) as err:
        export_report(docx, ("pdf", "odt"))
    assert "LibreOffice" in str(err.value) and lock.name in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([docx.name, lock.name])


@needs_soffice
def test_comments_on_merged_cells_survive_libreoffice_as_odt_and_as_docx(group_minimum_report, tmp_path):
    odt, docx = tmp_path / "r.odt", tmp_path / "r.docx"
    with Office() as office:
        (error,) = office.convert_all([Job(group_minimum_report, (("odt", odt), ("docx", docx)))])
    assert error is None
    want = report_shape(group_minimum_report).comments
    assert any("至少辦理" in text for _place, text in want)  # the group minimum's finding
    assert report_shape(odt).comments == want  # every comment, at the same table cell
    with zipfile.ZipFile(docx) as archive:
        assert archive.read("word/comments.xml").count(b"<w:comment ") == len(want)
    assert report_shape(docx).comments == want
    exported = export_report(group_minimum_report, ("odt",))
    assert report_shape(exported.files["odt"]).comments == want  # the check let it through


@needs_soffice
def test_build_all_converts_every_agency_in_one_session_and_names_one_that_fails(tmp_path, monkeypatch, capsys):
    from pypdf import PdfReader

    from tests.support.synthetic import make_city

    agencies = make_city(tmp_path / "city", 3, seed=5)
    out = tmp_path / "out"
    assert run_cli(["build-all", str(tmp_path / "city"), "--out", str(out), "--workers", "2"], monkeypatch) in (0, 1)
    capsys.readouterr()
    # The third agency's PDF is open in LibreOffice: that one conversion stops, the others go on.
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == len(agencies)
    [locked] = folders[2].glob("*.docx")
    (folders[2] / f".~lock.{locked.with_suffix('.pdf').name}#").write_text("x", encoding="utf-8")

    code = run_cli(["build-all", str(tmp_path / "city"), "--out", str(out), "--pdf", "--odt"], monkeypatch)
    captured = capsys.readouterr()
    assert code == 1
    assert "轉檔（.pdf、.odt）：完成 2 份報告，失敗 1 份" in captured.out
    assert f"轉檔失敗：{folders[2].name}" in captured.err and "LibreOffice 中開啟" in captured.err
    for folder in folders[:2]:
        [docx] = folder.glob("*.docx")
        pdf, odt = docx.with_suffix(".pdf"), docx.with_suffix(".odt")
        assert pdfa_claim(pdf) == ("2", "B") and len(PdfReader(pdf).pages) > 1
        assert report_shape(odt) == report_shape(docx)
        assert read_properties(odt)["表單"] == read_properties(docx)["表單"]
    assert not list(folders[2].glob("*.pdf")) and not list(folders[2].glob("*.odt"))


def test_build_all_without_libreoffice_says_so_before_building(tmp_path, monkeypatch, capsys):
    from tests.support.synthetic import make_city

    make_city(tmp_path / "city", 1, seed=5)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("pipeline.submit.libreoffice.KNOWN_LOCATIONS", ())
    code = run_cli(["build-all", str(tmp_path / "city"), "--out", str(tmp_path / "out"), "--pdf"], monkeypatch)
    assert code == 2
    assert "找不到 LibreOffice" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
