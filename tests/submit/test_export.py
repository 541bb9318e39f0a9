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
