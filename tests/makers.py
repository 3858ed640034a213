"""Builders of small made-up Word and PDF documents, so no binary fixture is committed."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""

# One multi-level list as Chinese official documents number them: 一、 / （一） / 1.
LEVELS = (("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."))


def _numbering_xml() -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(LEVELS)
    )
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="{W_NS}">'
            f'<w:abstractNum w:abstractNumId="0">{levels}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')


def _paragraph(text: str, level: int | None) -> str:
    numbering = f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr>' if level is not None else ""
    # Split the text over two runs, as Word does at formatting changes.
    half = len(text) // 2
    runs = "".join(f'<w:r><w:t xml:space="preserve">{escape(part)}</w:t></w:r>' for part in (text[:half], text[half:]) if part)
    return f"<w:p>{numbering}{runs}</w:p>"


def make_docx(blocks: list) -> bytes:
    """blocks: (text, list level or None) for a paragraph, or a list of rows of cell texts for a table."""
    body = []
    for block in blocks:
        if isinstance(block, tuple):
            body.append(_paragraph(*block))
        else:
            rows = "".join("<w:tr>" + "".join(f"<w:tc>{_paragraph(cell, None)}</w:tc>" for cell in row) + "</w:tr>" for row in block)
            body.append(f"<w:tbl>{rows}</w:tbl>")
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>{"".join(body)}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/numbering.xml", _numbering_xml())
    return buffer.getvalue()


def make_pdf(pages: list[list[str]], header: str | None = "某某市人民政府文件", page_numbers: bool = True, text_layer: bool = True) -> bytes:
    """A PDF whose pages hold the given lines at the left margin, with a running header and page numbers.

    The Chinese font is one of the PDF standard CID fonts, so nothing is embedded or downloaded.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1)
    for number, lines in enumerate(pages, start=1):
        if text_layer:
            if header:
                pdf.setFont("STSong-Light", 10)
                pdf.drawString(250, 810, header)
            pdf.setFont("STSong-Light", 12)
            for i, line in enumerate(lines):
                pdf.drawString(72, 760 - 20 * i, line)
            if page_numbers:
                pdf.setFont("STSong-Light", 10)
                pdf.drawString(290, 40, f"- {number} -")
        else:
            pdf.rect(72, 72, 400, 600, fill=1)  # a scan: a picture, no text
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx_with_html_chunk(html: str, as_mht: bool = True) -> bytes:
    """A Word file whose whole body is one imported HTML part (w:altChunk), as some converters write them."""
    import quopri

    r_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}" xmlns:r="{r_ns}">'
                '<w:body><w:altChunk r:id="htmlChunk"/></w:body></w:document>')
    if as_mht:
        body = quopri.encodestring(html.encode("utf-8")).decode("ascii")
        part = ('MIME-Version: 1.0\nContent-Type: multipart/related; type="text/html"; boundary="----=part"\n\n'
                '------=part\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
                f"{body}\n------=part--\n").encode("ascii")
        name = "afchunk.mht"
    else:
        part, name = html.encode("utf-8"), "afchunk.htm"
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="/word/{name}" Id="htmlChunk"/></Relationships>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/_rels/document.xml.rels", rels)
        archive.writestr(f"word/{name}", part)
    return buffer.getvalue()
