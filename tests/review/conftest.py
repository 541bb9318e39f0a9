"""The sample report as LibreOffice saves it, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.libreoffice import saved_as_docx, saved_as_odt


@pytest.fixture(scope="session")
def libreoffice_docx(sample_report: Path, tmp_path_factory) -> Path:
    """The untouched sample report, opened in LibreOffice and saved as .docx."""
    return saved_as_docx(sample_report, tmp_path_factory.mktemp("lo-docx") / "report.docx")


@pytest.fixture(scope="session")
def libreoffice_odt(sample_report: Path, tmp_path_factory) -> Path:
    """The untouched sample report, opened in LibreOffice and saved as .odt."""
    return saved_as_odt(sample_report, tmp_path_factory.mktemp("lo-odt") / "report.odt")
