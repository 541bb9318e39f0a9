"""Office and ODF files that link to a server, and a loopback listener that records visits.

``linked_files(folder, url)`` writes one small file per way a document can make
the program that opens it fetch something (a linked picture, a template, a
subdocument, an OLE link, a field, an external workbook, an ODF linked image or
section), each pointing at ``url``; ``Listener`` is that server, on 127.0.0.1,
recording every connection made to it.
"""

from __future__ import annotations

import io
import socket
import threading
import zipfile
from pathlib import Path

from docx import Document
from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image

from tests.support.office_files import odf_package

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

# The variants: name → what links out.
LINKED = {
    "docx_picture_link": "a DrawingML picture whose r:link is a URL",
    "docx_picture_external": "a DrawingML picture whose r:embed relationship is external",
    "docx_vml_picture": "a VML picture (v:imagedata) with an external relationship",
    "docx_field": "an INCLUDEPICTURE field with a URL",
    "docx_template": "an attached template on the server",
    "docx_subdocument": "a subdocument on the server",
    "docx_ole_link": "a linked OLE object",
    "xlsx_picture_link": "a picture in a sheet drawing linked to a URL",
    "xlsx_external_book": "a formula referring to a workbook on the server",
    "odt_picture": "an ODF draw:image with an http xlink:href",
    "odt_section": "an ODF section linked to a document on the server",
}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _rel(rid: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}" TargetMode="External"/>'


def _patched(source: bytes, edits: dict) -> bytes:
    """A copy of a package with parts edited (a function of the old text) or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        names = old.namelist()
        for name in names:
            data = old.read(name)
            if name in edits:
                data = edits[name](data.decode("utf-8")).encode("utf-8")
            new.writestr(name, data)
        for name, edit in edits.items():
            if name not in names:
                new.writestr(name, edit("").encode("utf-8"))
    return out.getvalue()


def _body(fragment: str):
    return lambda xml: xml.replace("<w:sectPr", fragment + "<w:sectPr", 1)


def _rels(*rels: str):
    return lambda xml: xml.replace("</Relationships>", "".join(rels) + "</Relationships>")


def _new_rels(*rels: str):
    return lambda _xml: (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">{"".join(rels)}</Relationships>'
    )


def _drawing(attribute: str) -> str:
    return (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        '<wp:extent cx="914400" cy="914400"/><wp:docPr id="901" name="linked"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:nvPicPr><pic:cNvPr id="901" name="linked.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip xmlns:r="{R}" {attribute}/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
        "</wp:inline></w:drawing></w:r></w:p>"
    )


def _docx_variants(url: str) -> dict[str, dict]:
    doc, rels = "word/document.xml", "word/_rels/document.xml.rels"
    vml = (
        '<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="s1" style="width:40pt;height:40pt">'
        f'<v:imagedata xmlns:r="{R}" r:id="rIdLinked"/></v:shape></w:pict></w:r></w:p>'
    )
    field = (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE '
        f'"{url}docx_field.png" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t>picture</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    ole = (
        '<w:p><w:r><w:object><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="o1" style="width:40pt;height:40pt"/>'
        f'<o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:r="{R}" Type="Link" '
        'ProgID="Excel.Sheet.12" ShapeID="o1" DrawAspect="Content" ObjectID="_1" r:id="rIdLinked" UpdateMode="Always">'
        "<o:LinkType>EnhancedMetaFile</o:LinkType></o:OLEObject></w:object></w:r></w:p>"
    )
    return {
        "docx_picture_link": {
            doc: _body(_drawing('r:link="rIdLinked"')),
            rels: _rels(_rel("rIdLinked", "image", f"{url}docx_picture_link.png")),
        },
        "docx_picture_external": {
            doc: _body(_drawing('r:embed="rIdLinked"')),
            rels: _rels(_rel("rIdLinked", "image", f"{url}docx_picture_external.png")),
        },
        "docx_vml_picture": {doc: _body(vml), rels: _rels(_rel("rIdLinked", "image", f"{url}docx_vml_picture.png"))},
        "docx_field": {doc: _body(field)},
        "docx_template": {
            "word/settings.xml": lambda xml: xml.replace(
                "</w:settings>", f'<w:attachedTemplate xmlns:r="{R}" r:id="rIdT"/></w:settings>'
            ),
            "word/_rels/settings.xml.rels": _new_rels(_rel("rIdT", "attachedTemplate", f"{url}docx_template.dotx")),
        },
        "docx_subdocument": {
            doc: _body(f'<w:p><w:subDoc xmlns:r="{R}" r:id="rIdLinked"/></w:p>'),
            rels: _rels(_rel("rIdLinked", "subDocument", f"{url}docx_subdocument.docx")),
        },
        "docx_ole_link": {doc: _body(ole), rels: _rels(_rel("rIdLinked", "oleObject", f"{url}docx_ole_link.xlsx"))},
    }


def _odt(body: str) -> dict[str, str]:
    """The members of an .odt whose text is ``body``."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    return {"META-INF/manifest.xml": manifest, "content.xml": content}


def linked_files(folder: Path, url: str) -> list[Path]:
    """One file per entry of LINKED in ``folder``, each linking to ``url`` (ending in /)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = io.BytesIO()
    document = Document()
    document.add_paragraph("外部連結測試 external links")
    document.save(base)
    written = []
    for name, edits in _docx_variants(url).items():
        written.append(folder / f"{name}.docx")
        written[-1].write_bytes(_patched(base.getvalue(), edits))

    book = Workbook()
    book.active["A1"] = "linked picture below"
    book.active.add_image(SheetImage(io.BytesIO(_png())), "B2")
    buffer = io.BytesIO()
    book.save(buffer)
    written.append(folder / "xlsx_picture_link.xlsx")
    written[-1].write_bytes(
        _patched(
            buffer.getvalue(),
            {
                "xl/drawings/_rels/drawing1.xml.rels": lambda xml: xml.replace(
                    'Target="/xl/media/image1.png"', f'Target="{url}xlsx_picture_link.png" TargetMode="External"'
                ),
                "xl/drawings/drawing1.xml": lambda xml: xml.replace("r:embed=", "r:link="),
            },
        )
    )

    book = Workbook()
    book.active["A1"] = 1
    buffer = io.BytesIO()
    book.save(buffer)
    link = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{R}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet>'
        '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>7</v></cell></row></sheetData></sheetDataSet>'
        "</externalBook></externalLink>"
    )
    written.append(folder / "xlsx_external_book.xlsx")
    written[-1].write_bytes(
        _patched(
            buffer.getvalue(),
            {
                "xl/externalLinks/externalLink1.xml": lambda _xml: link,
                "xl/externalLinks/_rels/externalLink1.xml.rels": _new_rels(
                    _rel("rId1", "externalLinkPath", f"{url}xlsx_external_book.xlsx")
                ),
                "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                    "</Relationships>",
                    f'<Relationship Id="rIdX" Type="{R}/externalLink" Target="externalLinks/externalLink1.xml"/>'
                    "</Relationships>",
                ),
                "xl/workbook.xml": lambda xml: xml.replace(
                    "</sheets>",
                    f'</sheets><externalReferences><externalReference xmlns:r="{R}" r:id="rIdX"/></externalReferences>',
                ),
                "[Content_Types].xml": lambda xml: xml.replace(
                    "</Types>",
                    '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
                ),
                "xl/worksheets/sheet1.xml": lambda xml: xml.replace(
                    '<c r="A1" t="n"><v>1</v></c>', '<c r="A1"><f>[1]Sheet1!A1</f><v>7</v></c>'
                ),
            },
        )
    )

    picture = (
        '<text:p>picture<draw:frame draw:name="p1" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">'
        f'<draw:image xlink:href="{url}odt_picture.png" xlink:type="simple" xlink:show="embed" '
        'xlink:actuate="onLoad"/></draw:frame></text:p>'
    )
    section = (
        f'<text:section text:name="s1"><text:section-source xlink:href="{url}odt_section.odt" xlink:type="simple"/>'
        "<text:p>old text</text:p></text:section>"
    )
    for name, body in (("odt_picture", picture), ("odt_section", section)):
        written.append(odf_package(folder / f"{name}.odt", "application/vnd.oasis.opendocument.text", _odt(body)))
    return written


class Listener:
    """A TCP server on 127.0.0.1 (a free port) that records every connection made to it.

    Use as a context manager; ``url`` is ``http://127.0.0.1:<port>/`` and
    ``connections`` the first bytes each visitor sent.
    """

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            with client:
                client.settimeout(2)
                try:
                    data = client.recv(200)
                except OSError:
                    data = b""
                self.connections.append(data)
                try:
                    client.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.server.close()
