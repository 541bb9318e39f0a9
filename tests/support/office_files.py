"""Small .docx and .odt files built in code, for the readers of reports."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.office.opc import NS, RT_OFFICE

PNG = b"\x89PNG\r\n\x1a\n" + b"picture bytes"

# -- building small files in code ---------------------------------------------------------------

W = " ".join(f'xmlns:{prefix}="{NS[prefix]}"' for prefix in ("w", "r", "wp", "a", "pic", "mc"))
STYLES = f"""<w:styles {W}>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="MyHeading"><w:name w:val="My Heading"/><w:basedOn w:val="Heading1"/></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/></w:style>
</w:styles>"""
COMMENTS = (
    f'<w:comments {W}><w:comment w:id="7" w:author="審查"><w:p><w:r><w:t>請確認</w:t></w:r></w:p></w:comment>'
    "</w:comments>"
)


def relationships(*rels: tuple[str, str]) -> str:
    items = "".join(
        f'<Relationship Id="rId{n}" Type="{RT_OFFICE}{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(rels, start=1)
    )
    return f'<Relationships xmlns="{NS["pr"]}">{items}</Relationships>'


RELS = relationships(("styles", "styles.xml"), ("comments", "comments.xml"), ("image", "media/image1.png"))
PACKAGE_RELS = relationships(("officeDocument", "word/document.xml"))


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def docx_file(path: Path, body: str) -> Path:
    """A .docx with ``body`` as its w:body content, styles, one comment and one picture."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        )
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("word/document.xml", f"<w:document {W}><w:body>{body}</w:body></w:document>")
        archive.writestr("word/_rels/document.xml.rels", RELS)
        archive.writestr("word/styles.xml", STYLES)
        archive.writestr("word/comments.xml", COMMENTS)
        archive.writestr("word/media/image1.png", PNG)
    return path


PICTURE = (
    '<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData>'
    '<pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="海報.png"/></pic:nvPicPr>'
    '<pic:blipFill><a:blip r:embed="rId3"/></pic:blipFill></pic:pic>'
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
)
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
ODT_STYLES = f"""<office:document-styles {ODF_NS}><office:styles>
<style:style style:name="Standard" style:family="paragraph"/>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
  style:default-outline-level="1"/>
<style:style style:name="Table_20_Text" style:display-name="Table Text" style:family="paragraph"/>
</office:styles></office:document-styles>"""


def odt_file(path: Path, body: str) -> Path:
    """An .odt with ``body`` as its office:text content (automatic styles P1 and P2)."""
    content = (
        f"<office:document-content {ODF_NS}><office:automatic-styles>"
        '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"/>'
        '<style:style style:name="P2" style:family="paragraph" style:parent-style-name="Table_20_Text"/>'
        f"</office:automatic-styles><office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("styles.xml", ODT_STYLES)
        archive.writestr("Pictures/1.png", PNG)
    return path
