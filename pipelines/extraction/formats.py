"""Step 1 for binary formats: Word (.docx) and PDF files to text.

The text a reader returns is the document's decoded text: every span of the
package points into it, and it is published in the `texts` table. Besides the
text a reader reports what is not content (page headers, footers and page
numbers of a PDF) as noise spans, and which line breaks are only wraps of a
paragraph over lines or pages (soft breaks), so the cleaning step can remove
the one and rejoin the other without changing the text.
"""

from __future__ import annotations

import email
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from pipelines.extraction.decoding import DecodedText, DecodeError, decode_bytes
from pipelines.extraction.numbering import CN_DIGITS, match_marker


def read_source(data: bytes) -> DecodedText:
    """The decoded text of a raw file: Word and PDF by their content, anything else as encoded text."""
    kind = sniff_format(data)
    if kind == "docx":
        return read_docx(data)
    if kind == "pdf":
        return read_pdf(data)
    return decode_bytes(data)


def sniff_format(data: bytes) -> str | None:
    """docx or pdf by content, whatever the file is called."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


# ------------------------------------------------------------------ docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str  # lvlText, e.g. "%1、" or "（%2）"
    start: int


def _cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (as Word's chineseCounting prints them)."""
    digits = CN_DIGITS[:9]
    if n <= 0:
        return str(n)
    if n < 10:
        return digits[n - 1]
    if n < 20:
        return "十" + (digits[n - 11] if n > 10 else "")
    if n < 100:
        return digits[n // 10 - 1] + "十" + (digits[n % 10 - 1] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _cn_number(rest) if rest < 10 else (_cn_number(rest) if rest >= 20 else "一" + _cn_number(rest)))
        return digits[n // 100 - 1] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    values = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in values:
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """A list number in one of Word's number formats (w:numFmt)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional", "taiwaneseCounting"):
        return _cn_number(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class _Numbering:
    """Word's automatic list numbers, which the text of a paragraph does not hold."""

    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None):
        self.levels: dict[str, dict[int, _Level]] = {}  # abstractNumId -> ilvl -> level
        self.num_to_abstract: dict[str, str] = {}
        self.overrides: dict[tuple[str, int], int] = {}  # (numId, ilvl) -> start override
        self.style_numbering: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_xml:
            root = ElementTree.fromstring(numbering_xml)
            for abstract in root.iter(f"{_W}abstractNum"):
                levels = {}
                for lvl in abstract.iter(f"{_W}lvl"):
                    ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                    fmt = _val(lvl.find(f"{_W}numFmt")) or "decimal"
                    text = _val(lvl.find(f"{_W}lvlText")) or ""
                    start = int(_val(lvl.find(f"{_W}start")) or 1)
                    levels[ilvl] = _Level(fmt, text, start)
                self.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
            for num in root.iter(f"{_W}num"):
                num_id = num.get(f"{_W}numId", "")
                self.num_to_abstract[num_id] = _val(num.find(f"{_W}abstractNumId")) or ""
                for override in num.iter(f"{_W}lvlOverride"):
                    override_start = _val(override.find(f"{_W}startOverride"))
                    if override_start is not None:
                        self.overrides[(num_id, int(override.get(f"{_W}ilvl", "0")))] = int(override_start)
        if styles_xml:
            for style in ElementTree.fromstring(styles_xml).iter(f"{_W}style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                if num_pr is not None:
                    style_num_id = _val(num_pr.find(f"{_W}numId"))
                    if style_num_id:
                        self.style_numbering[style.get(f"{_W}styleId", "")] = (style_num_id, int(_val(num_pr.find(f"{_W}ilvl")) or 0))

    def label(self, paragraph: ElementTree.Element) -> str:
        """The printed label of a numbered paragraph, counting on from the previous ones."""
        ppr = paragraph.find(f"{_W}pPr")
        num_id, ilvl = None, 0
        if ppr is not None:
            style = _val(ppr.find(f"{_W}pStyle"))
            if style in self.style_numbering:
                num_id, ilvl = self.style_numbering[style]
            num_pr = ppr.find(f"{_W}numPr")
            if num_pr is not None:
                num_id = _val(num_pr.find(f"{_W}numId")) or num_id
                ilvl = int(_val(num_pr.find(f"{_W}ilvl")) or ilvl)
        if not num_id or num_id == "0" or num_id not in self.num_to_abstract:
            return ""
        abstract = self.num_to_abstract[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        start = self.overrides.get((num_id, ilvl), levels[ilvl].start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a higher level restarts the levels below it

        def placeholder(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            value = counters.get(level, levels.get(level, levels[ilvl]).start)
            return format_number(value, levels.get(level, levels[ilvl]).fmt)

        return re.sub(r"%([1-9])", placeholder, levels[ilvl].text)


def _val(element: ElementTree.Element | None) -> str | None:
    return None if element is None else element.get(f"{_W}val")


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []

    def walk(element: ElementTree.Element) -> None:
        for child in element:
            tag = child.tag
            if tag in (f"{_W}txbxContent", f"{_W}del", f"{_W}instrText", f"{_W}delText"):
                continue  # text boxes float outside the reading order; deletions and field codes are not text
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag == f"{_W}tab":
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _alt_chunks(archive: zipfile.ZipFile) -> dict[str, str]:
    """Text of each imported part (w:altChunk: HTML, MHT or plain text) by relationship id.

    Some tools write a whole document as one imported HTML part that Word
    renders; the part's markup stays in the text and the cleaning step
    removes it as noise, as for any HTML document.
    """
    try:
        rels = ElementTree.fromstring(archive.read("word/_rels/document.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    chunks = {}
    for rel in rels.iter(f"{_REL}Relationship"):
        if not rel.get("Type", "").endswith("/aFChunk"):
            continue
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else f"word/{target}"
        try:
            chunks[rel.get("Id", "")] = _chunk_text(archive.read(name))
        except (KeyError, DecodeError):
            continue
    return chunks


def _chunk_text(data: bytes) -> str:
    if data.lstrip()[:40].lower().startswith(b"mime-version") or b"Content-Type: multipart" in data[:2000]:
        message = email.message_from_bytes(data)
        for part in message.walk():
            if part.get_content_type() in ("text/html", "text/plain"):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    charset = part.get_content_charset()
                    try:
                        return payload.decode(charset) if charset else decode_bytes(payload).text
                    except (LookupError, UnicodeDecodeError):
                        return decode_bytes(payload).text
        raise DecodeError("the imported MHT part holds no HTML or text")
    return decode_bytes(data).text


def read_docx(data: bytes) -> DecodedText:
    """Paragraphs and table cells in document order, each numbered one with its printed label."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            document = archive.read("word/document.xml")
            numbering = archive.read("word/numbering.xml") if "word/numbering.xml" in names else None
            styles = archive.read("word/styles.xml") if "word/styles.xml" in names else None
            chunks = _alt_chunks(archive)
        root = ElementTree.fromstring(document)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise DecodeError(f"not a readable Word file: {exc}") from None
    numbers = _Numbering(numbering, styles)
    body = root.find(f"{_W}body")
    lines: list[str] = []

    def visit(container: ElementTree.Element) -> None:
        for child in container:
            if child.tag == f"{_W}p":
                text = _paragraph_text(child)
                label = numbers.label(child)
                if text.strip() or label:
                    lines.append(label + text)
            elif child.tag == f"{_W}tbl":
                # A table row is one line, its cells apart by tabs: a row of a task table is one task.
                for row in child.findall(f"{_W}tr"):
                    cells = []
                    for cell in row.findall(f"{_W}tc"):
                        paragraphs = [numbers.label(p) + _paragraph_text(p) for p in cell.iter(f"{_W}p")]
                        cells.append(" ".join(t.strip() for t in paragraphs if t.strip()))
                    if any(cells):
                        lines.append("\t".join(cells))
            elif child.tag == f"{_W}altChunk" and child.get(f"{_R}id") in chunks:
                lines.append(chunks[child.get(f"{_R}id", "")].strip("\n"))
            elif child.tag == f"{_W}sdt":  # content controls wrap ordinary paragraphs
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    visit(content)

    if body is not None:
        visit(body)
    text = "\n".join(lines)
    if not text.strip():
        raise DecodeError("the Word file holds no text")
    return DecodedText(text + "\n", "docx")


# ------------------------------------------------------------------- pdf

_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[-—–－\s]*$")
_SENTENCE_END = "。！？!?；;：:"


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    page: int


def _page_lines(page: Any, page_no: int) -> list[_Line]:
    textpage = page.get_textpage()
    height = page.get_height()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    lines: list[_Line] = []
    index = 0
    for raw in re.split(r"(\r\n|\n|\r)", text):
        if raw in ("\r\n", "\n", "\r"):
            index += len(raw)
            continue
        stripped = raw.strip()
        if stripped:
            first = index + (len(raw) - len(raw.lstrip()))
            last = index + len(raw.rstrip()) - 1
            x0, _, _, y_top = textpage.get_charbox(min(first, count - 1), loose=True)
            _, _, x1, _ = textpage.get_charbox(min(last, count - 1), loose=True)
            lines.append(_Line(stripped, x0, x1, height - y_top, page_no))
        index += len(raw)
    textpage.close()
    return lines


def _edge_key(line: _Line) -> tuple[str, int]:
    """A page-edge line's text with numbers masked, and its height on the page to 5 points."""
    return re.sub(r"\d+", "#", line.text), round(line.top / 5)


def _furniture(pages: list[list[_Line]]) -> dict[tuple[int, int], str]:
    """Page headers, footers and page numbers: (page, line index) -> reason.

    Furniture stands at a page's edge: a page number, or a line that recurs at
    the same height on at least half of the pages (two at least). Reading goes
    inwards from each edge and stops at the first line that is neither.
    """
    counts: Counter[tuple[str, int]] = Counter()
    for lines in pages:
        counts.update({_edge_key(line) for line in lines[:2] + lines[-2:]})
    needed = max(2, (len(pages) + 1) // 2)
    found: dict[tuple[int, int], str] = {}
    for p, lines in enumerate(pages):
        for order, reason in ((range(min(2, len(lines))), "pdf_page_header"), (range(len(lines) - 1, max(-1, len(lines) - 3), -1), "pdf_page_footer")):
            for i in order:
                if (p, i) in found:
                    break
                if _PAGE_NUMBER.match(lines[i].text):
                    found[(p, i)] = "pdf_page_number"
                elif counts[_edge_key(lines[i])] >= needed:
                    found[(p, i)] = reason
                else:
                    break
    return found


def _larger(line: _Line, char_width: float) -> bool:
    return len(line.text) >= 4 and (line.x1 - line.x0) / len(line.text) > 1.15 * char_width


def read_pdf(data: bytes) -> DecodedText:
    """The text layer, line by line; wrapped lines are marked soft so paragraphs rejoin across lines and pages."""
    import pypdfium2 as pdfium  # imported here: only PDF input pays for the library

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise DecodeError(f"not a readable PDF: {exc}") from None
    try:
        pages = [_page_lines(pdf[i], i) for i in range(len(pdf))]
    finally:
        pdf.close()
    if not any(pages):
        raise DecodeError(f"the PDF has {len(pages)} page(s) but no text layer (a scan?); OCR is not done, so nothing was extracted")
    furniture = _furniture(pages)
    body = [line for p, lines in enumerate(pages) for i, line in enumerate(lines) if (p, i) not in furniture]
    right = statistics.median(sorted(line.x1 for line in body)[len(body) // 2 :]) if body else 0.0
    left = min((line.x0 for line in body), default=0.0)
    char_width = statistics.median([(line.x1 - line.x0) / max(1, len(line.text)) for line in body if len(line.text) >= 4] or [10.0])

    text_parts: list[str] = []
    noise: list[tuple[int, int, str]] = []
    soft: set[int] = set()
    offset = 0
    previous_body: _Line | None = None
    previous_break: int | None = None
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            reason = furniture.get((p, i))
            if reason:
                noise.append((offset, offset + len(line.text), reason))
            else:
                # A line that runs to the right margin, followed by one that starts at the left margin
                # and opens with no number (第四章, （一）), is one paragraph.
                # A line set in a larger type than the body is a heading: it ends its paragraph.
                if (previous_body is not None and previous_break is not None
                        and previous_body.x1 >= right - 1.5 * char_width
                        and line.x0 <= left + 0.5 * char_width
                        and match_marker(line.text) is None
                        and not _larger(previous_body, char_width) and not _larger(line, char_width)):
                    soft.add(previous_break)
                previous_body = line
            text_parts.append(line.text)
            offset += len(line.text)
            if not reason:
                previous_break = offset
            text_parts.append("\n")
            offset += 1
    return DecodedText("".join(text_parts), "pdf", tuple(noise), frozenset(soft))
