"""Reports as LibreOffice saves them: round trips through the program's own LibreOffice
runner, and edits made through LibreOffice's UNO interface (tests/support/uno_edit.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from pipeline.submit.pdf import convert

SYSTEM_PYTHON = "/usr/bin/python3"  # python3-uno is a Debian package: the system Python has it
UNO_EDIT = Path(__file__).with_name("uno_edit.py")


def saved_as_docx(source: Path, target: Path) -> Path:
    """``source`` opened and saved as .docx by LibreOffice (its "MS Word 2007 XML" filter)."""
    return convert(source, target, "docx:MS Word 2007 XML", "Word（.docx）")


def saved_as_odt(source: Path, target: Path) -> Path:
    """``source`` opened and saved as .odt by LibreOffice."""
    return convert(source, target, "odt", "ODF（.odt）")


def uno_available() -> bool:
    """Whether LibreOffice can be driven through UNO here (python3-uno, a full Writer)."""
    if shutil.which("soffice") is None or not Path(SYSTEM_PYTHON).is_file():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60)
    return probe.returncode == 0


def edit_with_uno(
    source: Path, folder: Path, find: str, replace: str, paragraph: str, after: str = ""
) -> tuple[Path, Path]:
    """Open ``source`` in LibreOffice, replace the paragraph that reads ``find`` exactly by
    ``replace``, add ``paragraph`` after the document's first paragraph (or after the first
    body paragraph that starts with ``after``), and save it as .docx and as .odt in
    ``folder``; the two files."""
    folder.mkdir(parents=True, exist_ok=True)
    docx, odt = folder / "edited.docx", folder / "edited.odt"
    subprocess.run(
        [SYSTEM_PYTHON, str(UNO_EDIT), str(source), str(docx), str(odt), find, replace, paragraph, str(folder), after],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return docx, odt


def edit_part(source: Path, target: Path, part: str, edits: list[tuple[str, str]]) -> Path:
    """A copy of the package ``source`` with regular-expression edits (pattern, replacement,
    each applied once) made on the XML text of one part, as a person editing the file would."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == part:
                text = data.decode("utf-8")
                for pattern, replacement in edits:
                    text, count = re.subn(pattern, replacement, text, count=1)
                    assert count == 1, f"{pattern} not found in {part}"
                data = text.encode("utf-8")
            new.writestr(info, data)
    return target
