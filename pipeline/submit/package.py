"""The submission package: the report and every annex in one bookmarked PDF, plus a zip.

``package()`` builds the report (a clean copy, without review comments),
converts it to PDF/A-2b and to ODF (.odt, checked against the .docx), then
appends every annex in annex order (1, 2, 3-1, 3-2, 4-1 … 7): PDFs as they
are, Word and Excel files through LibreOffice, images scaled onto an A4 page.
Each annex and sub-annex gets a PDF bookmark, the sub-annexes nested under
their annex.  An annex file that cannot be read (corrupt, password-protected)
is left out and listed; the rest is still written.  The zip holds the report
.docx and .odt and the original annex files.

All conversions run in one LibreOffice session, started while the report is
being built; annexes are converted from private copies with their external
links cut (:mod:`pipeline.submit.offline`), so nothing is fetched.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import ParamSpec

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError

from pipeline.errors import ConversionError, InputError, describe
from pipeline.findings import Finding, has_errors
from pipeline.form.spec import DEFAULT_FORM_DIR, load_form
from pipeline.inputs.paths import OutsideFolder, inside
from pipeline.inputs.read import read_inputs
from pipeline.main import BuildResult, build
from pipeline.office.pictures import UnusablePicture, read_picture
from pipeline.outputs import atomic_write
from pipeline.report.annexes import (
    IMAGE_EXTENSIONS,
    OFFICE_EXTENSIONS,
    Annex,
    AnnexFiles,
    each_annex,
    find_annex_files,
)
from pipeline.submit.export import Exported, ReportExport
from pipeline.submit.libreoffice import Job, Office

A4 = (595.2756, 841.8898)  # points, portrait
IMAGE_MARGIN = 28.35  # 1 cm around an image annex
PDF_SUFFIX = "_含附件"
ZIP_SUFFIX = "_送件"
ZIP_ANNEX_FOLDER = "附件"


@dataclass(frozen=True)
class AnnexFailure:
    """An annex file left out of the PDF, and why."""

    number: str
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"附件{self.number}未併入 PDF：{self.reason}"


@dataclass(frozen=True)
class PackedAnnex:
    """Where an annex or sub-annex landed in the package PDF (pages 1-based)."""

    number: str
    label: str
    first_page: int
    pages: int
    sub: bool = False  # a sub-annex, bookmarked under its annex


@dataclass
class PackageResult:
    """What ``package()`` wrote: the build, the report PDF, the package PDF and zip, failures."""

    build: BuildResult
    report_pdf: Path
    pdf: Path
    zip: Path
    pages: int
    contents: list[PackedAnnex] = field(default_factory=list)
    failures: list[AnnexFailure] = field(default_factory=list)
    report_odt: Path | None = None
    kept_edits: list[Path] = field(default_factory=list)  # reviewer-edited .odt moved to history/

    @property
    def findings(self) -> list[Finding]:
        """The build's findings (annex checks included)."""
        return self.build.findings

    @property
    def ok(self) -> bool:
        """True when there is no error finding and every annex file went into the PDF."""
        return not has_errors(self.findings) and not self.failures


def package(
    inputs: Path | str = "inputs",
    out: Path | str = "outputs",
    form_dir: Path | str = DEFAULT_FORM_DIR,
    office: Office | None = None,
) -> PackageResult:
    """Build the report and write the submission package into ``out``.

    Writes ``<報告>.docx``, ``<報告>.odt`` and ``<報告>.pdf`` (PDF/A-2b),
    ``<報告>_含附件.pdf`` (the report then every annex, bookmarked) and
    ``<報告>_送件.zip`` (the .docx, the .odt and the original annex files).
    Raises ToolMissing, before writing anything, when LibreOffice is not installed.
    ``office``: a LibreOffice session to use (the caller may have started it already).
    """
    if office is None:
        with Office() as own:
            return package(inputs, out, form_dir, own)
    inputs, out = Path(inputs), Path(out)
    office.start()  # LibreOffice starts while the report is built
    built = build(inputs, out, form_dir, comments=False)
    if built.output is None:  # build() writes unless strict; kept as a guard
        raise InputError("報告未產生，無法製作送件檔案")
    output = built.output
    # The BuildResult carries no records; the 附件 sheets are read again for the sub-annexes.
    form = load_form(form_dir)
    records, _ = read_inputs(inputs, form)
    found = find_annex_files(form, records)
    export = ReportExport(output, ("pdf", "odt"), office)
    annex_files = [path for annex in each_annex(found.annexes) for path in found.files_of(annex)]
    folder = office.work / "annexes"
    annex_pages: dict[Path, PdfReader | ConversionError] = {}
    jobs: list[Job] = []
    job_files: list[Path] = []
    for path in annex_files:
        try:
            source = _annex_source(found, path)
        except ConversionError as exc:  # no longer inside the annex folder
            annex_pages[path] = exc
            continue
        if path.suffix.lower() in OFFICE_EXTENSIONS:
            jobs.append(Job(source, (("pdf", folder / f"{len(jobs)}.pdf"),)))
            job_files.append(path)
    writer = PdfWriter()

    def deliver(error: ConversionError | None) -> Exported:
        """The report's .pdf and .odt checked and written; its pages first in the bundle."""
        exported = export.deliver(error)
        writer.append(PdfReader(exported.files["pdf"]), outline_item=output.stem, import_outline=True)
        return exported

    with _quiet_pypdf():
        # What can be done without LibreOffice is done while it is still starting.
        office.prepare([export.job, *jobs])
        for path in annex_files:
            if path not in annex_pages and path.suffix.lower() not in OFFICE_EXTENSIONS:
                annex_pages[path] = _pages(lambda p: annex_pdf(_annex_source(found, p), folder), path)
        if jobs and office.warm():
            # The report first; it is checked and written while LibreOffice converts the annexes.
            (error,) = office.convert_all([export.job])
            with ThreadPoolExecutor(1) as pool:
                annexes = pool.submit(office.convert_all, jobs)
                exported = deliver(error)
                results = annexes.result()
        else:  # one batch: the fallback starts LibreOffice once per batch
            error, *results = office.convert_all([export.job, *jobs])
            exported = deliver(error)
        office.finish()  # LibreOffice quits while the PDFs are bundled
        for path, job, failed in zip(job_files, jobs, results, strict=True):
            annex_pages[path] = failed or _pages(_converted_pdf, job.source, job.outputs[0][1])
        report = exported.files["pdf"]
        contents, failures = _append_annexes(writer, found, annex_pages)
    writer.add_metadata({"/Title": f"{output.stem}（含附件）"})
    writer.page_mode = "/UseOutlines"  # open with the bookmarks shown
    pages = len(writer.pages)
    pdf_path = out / f"{output.stem}{PDF_SUFFIX}.pdf"
    with atomic_write(pdf_path) as tmp_pdf:
        with tmp_pdf.open("wb") as handle:
            writer.write(handle)
    odt = exported.files["odt"]
    zip_path = _write_zip(out / f"{output.stem}{ZIP_SUFFIX}.zip", (output, odt), found)
    return PackageResult(
        built, report, pdf_path, zip_path, pages, contents, failures, report_odt=odt, kept_edits=exported.kept_edits
    )


_Args = ParamSpec("_Args")


def _pages(read: Callable[_Args, PdfReader], *args: _Args.args, **kwargs: _Args.kwargs) -> PdfReader | ConversionError:
    """``read(*args, **kwargs)``, or the ConversionError it raised."""
    try:
        return read(*args, **kwargs)
    except ConversionError as exc:
        return exc


def _converted_pdf(source: Path, pdf: Path) -> PdfReader:
    """The PDF LibreOffice made of an annex file, read completely."""
    return _checked_pdf(pdf.read_bytes(), source.name)


def _append_annexes(
    writer: PdfWriter, found: AnnexFiles, pages: dict[Path, PdfReader | ConversionError]
) -> tuple[list[PackedAnnex], list[AnnexFailure]]:
    """Append every annex's pages (read beforehand, by file) in annex order with a bookmark
    each; collect the files that could not be read."""
    contents: list[PackedAnnex] = []
    failures: list[AnnexFailure] = []

    def add(annex: Annex) -> tuple[int, int]:
        start = len(writer.pages)
        for path in found.files_of(annex):
            read = pages[path]
            if isinstance(read, ConversionError):
                failures.append(AnnexFailure(annex.number, path, str(read)))
                continue
            writer.append(read, import_outline=False)
        return start, len(writer.pages) - start

    for annex in found.annexes:
        start, count = add(annex)
        placed = [(sub, *add(sub)) for sub in annex.subs]
        placed = [(sub, first, n) for sub, first, n in placed if n]
        total = count + sum(n for _, _, n in placed)
        if not total:
            continue
        parent = writer.add_outline_item(title=annex.label, page_number=start)
        contents.append(PackedAnnex(annex.number, annex.label, start + 1, total))
        for sub, first, n in placed:
            writer.add_outline_item(title=sub.label, page_number=first, parent=parent)
            contents.append(PackedAnnex(sub.number, sub.label, first + 1, n, sub=True))
    return contents, failures


def annex_pdf(path: Path, work: Path) -> PdfReader:
    """One annex file as PDF pages: a PDF as it is, Word/Excel via LibreOffice, an image on A4.

    Raises ConversionError naming the file when it cannot be read (corrupt,
    password-protected, not what its extension says).  (``package`` converts the
    Word/Excel annexes of a package together, in its own LibreOffice session.)
    """
    extension = path.suffix.lower()
    if extension in OFFICE_EXTENSIONS:
        from pipeline.submit.pdf import convert_to_pdf

        data = convert_to_pdf(path, work / f"{path.name}.pdf").read_bytes()
    elif extension in IMAGE_EXTENSIONS:
        data = image_pdf(path)
    else:
        data = path.read_bytes()
    return _checked_pdf(data, path.name)


def _checked_pdf(data: bytes, name: str) -> PdfReader:
    """Read a PDF completely (pypdf reads lazily), so a broken one fails here, not mid-package."""
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ConversionError(f"「{name}」有密碼保護，無法開啟：請放入未加密的檔案")
        copy = PdfWriter()
        copy.append(reader, import_outline=False)
        buffer = BytesIO()
        copy.write(buffer)
        checked = PdfReader(buffer)
        if not checked.pages:
            raise ConversionError(f"「{name}」沒有任何頁面")
        return checked
    except ConversionError:
        raise
    except DependencyError as exc:
        raise ConversionError(f"「{name}」已加密（AES），無法讀取：請放入未加密的檔案") from exc
    except Exception as exc:  # pypdf raises many kinds on a malformed file
        raise ConversionError(f"「{name}」不是可讀取的 PDF：{describe(exc)}") from exc


def image_pdf(path: Path) -> bytes:
    """An image on one A4 page (landscape for a wide image), scaled to fit inside a margin."""
    try:
        read_picture(path)  # the size limits of a report's pictures, before Pillow decodes it
    except UnusablePicture as exc:
        raise ConversionError(f"「{path.name}」不是可讀取的圖片：{exc}") from exc
    try:
        with Image.open(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)  # phone photos carry their rotation
            if image.mode not in ("1", "L", "RGB", "CMYK"):
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, "white")
                image.paste(rgba, mask=rgba.getchannel("A"))
            # Pillow stores L/RGB/CMYK as JPEG (keep it sharp), 1-bit scans as CCITT G4.
            jpeg = {"quality": 95} if image.mode in ("L", "RGB", "CMYK") else {}
            buffer = BytesIO()
            image.save(buffer, "PDF", resolution=72.0, **jpeg)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ConversionError(f"「{path.name}」不是可讀取的圖片：{describe(exc)}") from exc
    picture = PdfReader(buffer).pages[0]
    width, height = float(picture.mediabox.width), float(picture.mediabox.height)
    page_w, page_h = A4 if height >= width else (A4[1], A4[0])
    scale = min((page_w - 2 * IMAGE_MARGIN) / width, (page_h - 2 * IMAGE_MARGIN) / height)
    writer = PdfWriter()
    page = writer.add_blank_page(page_w, page_h)
    page.merge_transformed_page(
        picture, Transformation().scale(scale).translate((page_w - width * scale) / 2, (page_h - height * scale) / 2)
    )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _write_zip(path: Path, reports: tuple[Path, ...], found: AnnexFiles) -> Path:
    """The report's .docx and .odt and every annex file as filed (also ones left out of the PDF)."""
    with atomic_write(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for report in reports:
                archive.write(report, report.name)
            for annex in each_annex(found.annexes):
                for annex_file in found.files_of(annex):
                    try:
                        source = _annex_source(found, annex_file)
                    except ConversionError:  # reported as left out of the PDF
                        continue
                    archive.write(source, f"{ZIP_ANNEX_FOLDER}/{annex_file.name}")
    return path


def _annex_source(found: AnnexFiles, path: Path) -> Path:
    """The file to read for an annex: checked again to be inside the annex folder (a link
    could have been put in place since the checks ran)."""
    try:
        return inside(found.folder, path.name)
    except OutsideFolder as exc:
        raise ConversionError(str(exc)) from exc


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs English warnings about damaged files; the failures are reported instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
