"""What a report was built from: a file that is not one of ours, or a bomb, counts as edited."""

from __future__ import annotations

import zipfile

from pipeline.office.provenance import read_properties, was_edited


def test_a_report_that_is_a_zip_bomb_is_kept_as_edited_unread(tmp_path):
    path = tmp_path / "報告.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(300):  # 300 MB of zeros, a few hundred KB compressed
                part.write(bytes(1 << 20))
    assert read_properties(path) == {}
    assert was_edited(path)


def test_our_own_report_is_not_edited(sample_report):
    assert not was_edited(sample_report)
    assert len(read_properties(sample_report)["內容指紋"]) == 64
