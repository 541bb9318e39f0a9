"""Write the sample's stand-in annex files into ``inputs/attachments/``.

The filed report's annexes are not part of the sample; each annex and
sub-annex the sample lists (1, 2, 3-1, 3-2, 4-1, 4-2, 5-1 … 5-4, 6, 7) gets a
small file that says plainly it is a stand-in (示範用替代檔案，非原件) and
names its annex, in a mix of formats (mostly PDF; a .docx, a .xlsx, a .png),
so that the checks and ``report package`` have something real to work on:

    python tools/make_sample_annexes.py [--inputs inputs]

The annex list and titles come from the form and the sample's 附件 sheets.
Files of the same annex numbers are replaced; other files are left alone.
Needs a font with Chinese glyphs (Noto Sans CJK, 微軟正黑體 …) for the PDFs
and the image.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.form.spec import load_form  # noqa: E402
from pipeline.inputs.read import read_inputs  # noqa: E402
from pipeline.report.annexes import ANNEX_FOLDER, Annex, each_annex, expected_annexes, file_number  # noqa: E402

MARK = "示範用替代檔案，非原件"
AGENCY = "臺北自來水事業處109年推動性別平等工作成果報告"
# Mostly PDF, as agencies file them; one of each other accepted format.
FORMATS = {"5-1": ".docx", "6": ".xlsx", "5-4": ".png"}
PAGES = {"4-1": 2}  # a two-page PDF, so page counts are not all 1
FIXED_TIME = (2021, 2, 24, 0, 0, 0)  # the same bytes every run
DPI = 150
A4_PX = (round(8.27 * DPI), round(11.69 * DPI))
UNSAFE = str.maketrans({ch: "_" for ch in '\\/:*?"<>|'})

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-{weight}.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msjh.ttc",
    "C:/Windows/Fonts/mingliu.ttc",
)


def find_font(weight: str = "Regular") -> tuple[str, int]:
    """A font file with Traditional Chinese glyphs and its index in a collection."""
    paths = [Path(p.format(weight=weight)) for p in FONT_CANDIDATES]
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-tw"], capture_output=True, text=True, check=False
        ).stdout.strip()
        paths.append(Path(found))
    except OSError:
        pass
    for path in paths:
        if path.is_file():
            return str(path), _tc_index(path)
    raise SystemExit("找不到中文字型（例如 Noto Sans CJK）：請先安裝 fonts-noto-cjk")


def _tc_index(path: Path) -> int:
    """In a font collection, the Traditional Chinese face (Noto's 「TC」)."""
    for index in range(10):
        try:
            family = ImageFont.truetype(str(path), 20, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" TC"):
            return index
    return 0


def safe_name(annex: Annex, extension: str) -> str:
    """「附件3-1 title.pdf」, with characters Windows refuses replaced."""
    title = annex.title.translate(UNSAFE).strip()[:60]
    return f"附件{annex.number} {title}{extension}"


def stand_in_lines(annex: Annex, kind: str) -> list[str]:
    """What a stand-in says."""
    return [
        f"本檔案是範例資料「{AGENCY}」中代替附件{annex.number}的替代檔案，"
        "只用來示範附件的命名、檢核與送件檔案的合併，不是該機關所送的正式附件。",
        f"檔案格式：{kind}",
    ]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if draw.textlength(line + ch, font=font) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def draw_page(annex: Annex, size: tuple[int, int], kind: str, page: str = "") -> Image.Image:
    """A one-bit page: annex number and title, the stand-in mark, the explanation."""
    regular, bold = find_font("Regular"), find_font("Bold")
    scale = size[0] / A4_PX[0]
    big = ImageFont.truetype(bold[0], round(56 * scale), index=bold[1])
    body = ImageFont.truetype(regular[0], round(36 * scale), index=regular[1])
    image = Image.new("1", size, 1)
    draw = ImageDraw.Draw(image)
    margin = round(90 * scale)
    draw.rectangle([margin // 2, margin // 2, size[0] - margin // 2, size[1] - margin // 2], outline=0, width=4)
    width = size[0] - 2 * margin
    y = margin
    blocks = [(big, [f"附件{annex.number}"]), (body, _wrap(draw, annex.title, body, width)), (big, [MARK])]
    blocks += [(body, _wrap(draw, text, body, width)) for text in stand_in_lines(annex, kind)]
    if page:
        blocks.append((body, [page]))
    for font, lines in blocks:
        for line in lines:
            draw.text((margin, y), line, font=font, fill=0)
            y += round(font.size * 1.5)
        y += round(font.size * 0.6)
    return image


def write_pdf(annex: Annex, path: Path) -> None:
    """A PDF of one-bit A4 pages, as a scanner makes them: a few KB a page."""
    pages = PAGES.get(annex.number, 1)
    images = [
        draw_page(annex, A4_PX, "PDF", f"（第 {n} 頁，共 {pages} 頁）" if pages > 1 else "")
        for n in range(1, pages + 1)
    ]
    stamp = time.struct_time((*FIXED_TIME, 0, 1, 0))
    images[0].save(
        path,
        "PDF",
        resolution=DPI,
        save_all=True,
        append_images=images[1:],
        title=f"附件{annex.number} {MARK}",
        subject=MARK,
        author="範例資料",
        creationDate=stamp,
        modDate=stamp,
    )


def write_png(annex: Annex, path: Path) -> None:
    """A landscape image, with the stand-in mark also in its Description text."""
    info = PngInfo()
    info.add_itxt("Description", f"附件{annex.number} {MARK}")
    draw_page(annex, (1240, 860), "圖片（PNG）").save(path, "PNG", pnginfo=info, optimize=True)


def _zip_parts(path: Path, parts: dict[str, bytes]) -> None:
    """An Office file from its parts, with fixed timestamps (the same bytes every run)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)


def write_docx(annex: Annex, path: Path) -> None:
    """The smallest Word file Word and LibreOffice open: three parts, A4, 標楷體."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    fonts = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="標楷體"/>'

    def para(text: str, size: int, bold: bool = False) -> str:
        b = "<w:b/>" if bold else ""
        return f'<w:p><w:r><w:rPr>{fonts}{b}<w:sz w:val="{size}"/></w:rPr><w:t>{escape(text)}</w:t></w:r></w:p>'

    body = [para(f"附件{annex.number}", 36, True), para(annex.title, 28), para(MARK, 36, True)]
    body += [para(text, 24) for text in stand_in_lines(annex, "Word（.docx）")]
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {w}><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440"'
        ' w:bottom="1440" w:left="1440" w:header="720" w:footer="720" w:gutter="0"/>'
        "</w:sectPr></w:body></w:document>"
    )
    _zip_parts(
        path,
        {
            "[Content_Types].xml": (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
                b'"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                b'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                b"</Types>"
            ),
            "_rels/.rels": (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
                b'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                b'Target="word/document.xml"/></Relationships>'
            ),
            "word/document.xml": document.encode("utf-8"),
        },
    )


def write_xlsx(annex: Annex, path: Path) -> None:
    """A one-sheet workbook, A4 fitted to one page wide; re-zipped with fixed timestamps."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"附件{annex.number}"
    sheet.append([f"附件{annex.number} {annex.title}"])
    sheet.append([MARK])
    for text in stand_in_lines(annex, "Excel（.xlsx）"):
        sheet.append([text])
    sheet.append([])
    sheet.append(["計畫項目（示範）", "預算數（示範）"])
    sheet.append(["示範項目", 0])
    sheet["A1"].font = sheet["A2"].font = Font(bold=True, size=14)
    for row, height in ((1, 24), (2, 24), (3, 60), (4, 18)):  # LibreOffice keeps them as set
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = height
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 16
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    book.properties.creator = "範例資料"
    book.properties.created = book.properties.modified = datetime(*FIXED_TIME)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as made:
        parts = {info.filename: made.read(info) for info in made.infolist()}
    # openpyxl stamps the save time as 「modified」 whatever the properties say.
    parts["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-02-24T00:00:00Z", parts["docProps/core.xml"]
    )
    _zip_parts(path, parts)


WRITERS = {".pdf": write_pdf, ".docx": write_docx, ".xlsx": write_xlsx, ".png": write_png}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs")
    args = parser.parse_args(argv)
    form = load_form()
    records, _ = read_inputs(args.inputs, form)
    annexes = expected_annexes(form, records)
    # An annex with sub-annexes is filed as its sub-annexes' files.
    wanted = [a for a in each_annex(annexes) if a.parent or not a.subs]
    folder = args.inputs / ANNEX_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    numbers = {a.number for a in wanted}
    for old in sorted(folder.iterdir()):
        if old.is_file() and file_number(old) in numbers:
            old.unlink()
    for annex in wanted:
        extension = FORMATS.get(annex.number, ".pdf")
        path = folder / safe_name(annex, extension)
        WRITERS[extension](annex, path)
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
