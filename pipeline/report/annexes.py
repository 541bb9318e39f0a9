"""The annexes (附件): which ones the report expects, and which files hold them.

The form lists the annexes (``annexes`` in form.yaml); an annex with ``subs``
has sub-annexes (3-1, 3-2 …) that the clerk lists in a 附件 sheet.  The files
live in ``inputs/attachments/``, named by annex number, e.g.
「附件3-1 性別統計及性別分析研習班.pdf」: the name starts with 附件 and the
number, then optionally a space, underscore or full-width space and any title.
Files whose names do not start with 附件 (the free-layout part's images) are
not annexes and are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from pipeline.findings import Source
from pipeline.form.spec import Form
from pipeline.frozen import Frozen, frozen
from pipeline.inputs.paths import OutsideFolder, inside
from pipeline.inputs.records import Inputs

ANNEX_FOLDER = "attachments"
PREFIX = "附件"
PDF_EXTENSIONS = (".pdf",)
OFFICE_EXTENSIONS = (".docx", ".xlsx")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
EXTENSIONS = PDF_EXTENSIONS + OFFICE_EXTENSIONS + IMAGE_EXTENSIONS

# Dashes clerks type between annex and sub-annex number (after NFKC folding).
_DASHES = str.maketrans({ch: "-" for ch in "‐‑‒–—―−ー﹣"})
_NUMBER = re.compile(r"^([0-9]+)(?:-([0-9]+))?$")
_FILE_STEM = re.compile(r"^附件\s*([0-9]+(?:-[0-9]+)?)(?:[ _].*)?$", re.DOTALL)
_DATE_LIKE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _fold(text: str) -> str:
    """Width-folded (full-width digits, dash and space become ASCII), dashes unified."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def normalize_number(text: object) -> str | None:
    """An annex number as written in a sheet (「3-1」「３－１」「附件3-1」) → "3-1"; None if it is none."""
    folded = re.sub(r"\s+", "", _fold(str(text or "")))
    folded = folded.removeprefix(PREFIX)
    match = _NUMBER.match(folded)
    if match is None:
        return None
    main, sub = match.groups()
    return f"{int(main)}" if sub is None else f"{int(main)}-{int(sub)}"


def number_key(number: str) -> tuple[int, ...]:
    """Sort key: 1 < 2 < 3-1 < 3-2 < 3-10 < 4."""
    return tuple(int(part) for part in number.split("-"))


def is_sub_number(text: object, annex_number: str) -> bool:
    """True when ``text`` is a sub-annex number of annex ``annex_number`` (3-1 for 3)."""
    number = normalize_number(text)
    return number is not None and number.startswith(f"{annex_number}-")


def looks_like_date(text: object) -> bool:
    """True for what Excel makes of 「3-1」 typed in a General cell (a date, read as 2020-03-01)."""
    return bool(_DATE_LIKE.match(str(text or "")))


def file_number(path: Path) -> str | None:
    """The annex number a file name gives (「附件3-1 研習班.pdf」 → "3-1"), or None."""
    match = _FILE_STEM.match(_fold(Path(path.name).stem))
    return normalize_number(match.group(1)) if match else None


def is_annex_name(path: Path) -> bool:
    """True when a file name starts with 附件 (such a file is meant as an annex)."""
    return _fold(path.name).startswith(PREFIX)


@frozen
class Annex(Frozen):
    """One expected annex, or a sub-annex (``parent`` set) listed in a 附件 sheet."""

    number: str
    title: str
    section: str  # the report section that cites it (二, 三 …)
    parent: str | None = None
    source: Source | None = None  # the 附件 sheet cell that lists a sub-annex
    subs: tuple[Annex, ...] = ()

    @property
    def label(self) -> str:
        """How the annex is named to people and in PDF bookmarks: 「附件3-1 研習班」."""
        return f"{PREFIX}{self.number} {self.title}".strip()


def expected_annexes(form: Form, inputs: Inputs) -> tuple[Annex, ...]:
    """The form's annexes in its order, each with the sub-annexes its 附件 sheet lists.

    Every annex of the form is expected, also one not printed in the list
    (``listed: false``: annex 7 is cited in the free-layout text).  A number
    listed twice counts once; sub-annexes are in number order.
    """
    seen = {spec.number for spec in form.annexes}
    annexes = []
    for spec in form.annexes:
        subs = []
        for record in inputs.rows(spec.subs) if spec.subs else ():
            number = normalize_number(record.get("number"))
            if number is None or number in seen:
                continue
            seen.add(number)
            subs.append(Annex(number, record.get("title") or "", spec.section, spec.number, record.at("number").source))
        subs.sort(key=lambda annex: number_key(annex.number))
        title = spec.title_with(lambda ref: _text(inputs, ref))
        annexes.append(Annex(spec.number, title, spec.section, subs=tuple(subs)))
    return tuple(annexes)


def _text(inputs: Inputs, ref: str) -> str:
    """A field's value as text, for a title (``sheet.key`` of a fields sheet)."""
    sheet_id, _, key = ref.rpartition(".")
    value = inputs.fields(sheet_id).get(key)
    return "" if value is None else str(value)


def each_annex(annexes: tuple[Annex, ...]) -> Iterator[Annex]:
    """Every annex and sub-annex in annex order: 1, 2, 3, 3-1, 3-2, 4 …"""
    for annex in annexes:
        yield annex
        yield from annex.subs


@frozen
class AnnexFiles(Frozen):
    """The annex folder matched against the expected annexes."""

    folder: Path
    annexes: tuple[Annex, ...]
    files: Mapping[str, tuple[Path, ...]]  # annex number → its files, by name
    unexpected: tuple[tuple[Path, str], ...]  # a file that matches no annex, and why

    def files_of(self, annex: Annex) -> tuple[Path, ...]:
        """The files of one annex or sub-annex (usually one)."""
        return self.files.get(annex.number, ())

    def missing(self) -> list[Annex]:
        """Expected annexes without a file, in annex order.

        An annex with sub-annexes is satisfied by their files, each sub-annex
        by its own file or by one file for the whole annex (「附件3 自辦訓練.pdf」);
        an annex whose 附件 sheet lists nothing needs its own file.
        """
        missing = []
        for annex in self.annexes:
            if not annex.subs:
                if not self.files_of(annex):
                    missing.append(annex)
            elif not self.files_of(annex):
                missing.extend(sub for sub in annex.subs if not self.files_of(sub))
        return missing


def match_annex_files(annexes: tuple[Annex, ...], folder: Path) -> AnnexFiles:
    """Sort the files of ``folder`` whose names start with 附件 into annexes and strays."""
    known = {annex.number for annex in each_annex(annexes)}
    files: dict[str, list[Path]] = {}
    unexpected: list[tuple[Path, str]] = []
    candidates = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in candidates:
        if is_annex_name(path):
            try:
                inside(folder, path.name)  # a link to a file elsewhere is not an annex
            except OutsideFolder as exc:
                unexpected.append((path, f"{exc}"))
                continue
        if path.is_dir() and not path.name.startswith("."):
            unexpected.append((path, f"是資料夾：資料夾內的檔案不會被讀取，請將附件檔直接放在 {ANNEX_FOLDER}/ 中"))
            continue
        if not path.is_file() or not is_annex_name(path):
            continue
        number = file_number(path)
        extension = path.suffix.lower()
        if number is None:
            unexpected.append(
                (path, "檔名看不出附件編號，應以「附件編號」開頭，後接空格及名稱（例：附件3-1 研習班.pdf）")
            )
        elif extension not in EXTENSIONS:
            shown = "、".join(EXTENSIONS)
            unexpected.append((path, f"不支援的檔案格式「{extension or '（無副檔名）'}」，可用 {shown}"))
        elif number not in known:
            listed = "、".join(sorted(known, key=number_key))
            unexpected.append((path, f"附件清單中沒有附件{number}（清單：{listed}）"))
        else:
            files.setdefault(number, []).append(path)
    return AnnexFiles(folder, annexes, {k: tuple(v) for k, v in files.items()}, tuple(unexpected))


def find_annex_files(form: Form, inputs: Inputs) -> AnnexFiles:
    """The expected annexes of a report matched against ``<inputs>/attachments/``."""
    return match_annex_files(expected_annexes(form, inputs), inputs.directory / ANNEX_FOLDER)
