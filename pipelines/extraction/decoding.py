"""Step 1: bytes to text, detecting the encoding rather than assuming it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace


class DecodeError(ValueError):
    """The file cannot be read as text; the message says why."""


@dataclass(frozen=True)
class DecodedText:
    """A document's decoded text, into which every span points.

    Readers of binary formats also report noise spans (page headers and
    footers) and soft line breaks (a paragraph wrapped over lines or pages).
    """

    text: str
    encoding: str  # utf-8, utf-8-sig, utf-16-le, utf-16-be, gb18030, big5hkscs; docx, pdf for binary formats
    noise: tuple[tuple[int, int, str], ...] = ()  # (start, end, reason) in text
    soft_breaks: frozenset[int] = field(default_factory=frozenset)  # offsets of "\n" that only wrap a paragraph
    warnings: tuple[str, ...] = ()


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


# Characters plain text is made of: CJK, printable ASCII, whitespace and common typographic marks.
_IMPLAUSIBLE = re.compile(r"[^\s -~\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef—…“”‘’·■]")


def _plausibility(text: str) -> float:
    """Share of characters that are CJK, printable ASCII or whitespace."""
    if not text:
        return 0.0
    return 1 - len(_IMPLAUSIBLE.findall(text)) / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM: NUL bytes occur (newlines, ASCII) and one byte order reads as text."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    best, best_score = None, 0.9
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text) - len(_CONTROL.findall(text)) / len(text)
        if score > best_score:
            best, best_score = encoding, score
    return best


def decode_bytes(data: bytes) -> DecodedText:
    """Decode raw bytes: BOM, then UTF-16 without BOM, UTF-8 (a few broken bytes replaced), GB18030 or Big5.

    Raises DecodeError for empty files, binary content and text in an
    encoding none of these read plausibly. GB18030 and Big5 are told apart
    by which one reads as common Chinese characters.
    """
    if not data.strip():
        raise DecodeError("empty file: no text to extract")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"file starts with a {encoding} byte-order mark but does not decode: {exc}") from exc
            if encoding != "utf-8-sig":
                text = text.lstrip("\ufeff")
            return _checked(DecodedText(text, encoding))
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _checked(DecodedText(data.decode(utf16), utf16))
    if b"\x00" in data:
        raise DecodeError("binary content: the file contains NUL bytes and is not UTF-16 text")
    try:
        return _checked(DecodedText(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    return _nearly_utf8(data) or _legacy_chinese(data)


def _nearly_utf8(data: bytes) -> DecodedText | None:
    """UTF-8 with a few broken sequences (a truncated character): replaced by U+FFFD and reported."""
    allowed = max(3, len(data) // 20000)
    bad: list[int] = []
    pos = 0
    while pos < len(data):
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad.append(pos + exc.start)
            if len(bad) > allowed:
                return None
            pos += exc.end
    text = data.decode("utf-8", errors="replace")
    offsets = ", ".join(map(str, bad))
    warning = f"{len(bad)} invalid UTF-8 byte sequence(s) replaced by U+FFFD (at byte offset {offsets})"
    return replace(_checked(DecodedText(text, "utf-8")), warnings=(warning,))


def _gb2312_share(text: str) -> float:
    """Share of CJK characters that are common Chinese ones (in GB 2312 once simplified).

    Text decoded with the wrong legacy codec is a spray of rare characters;
    real text, Simplified or Traditional, is almost all common ones.
    """
    from pipelines.extraction.normalising import to_simplified

    cjk = [ch for ch in to_simplified(text) if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return 0.0
    common = 0
    for ch in cjk:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(cjk)


def _legacy_chinese(data: bytes) -> DecodedText:
    """GB18030 (a superset of GBK and GB 2312) or Big5, whichever reads as common Chinese."""
    candidates: list[tuple[float, DecodedText]] = []
    reasons = []
    for encoding in ("gb18030", "big5hkscs"):
        try:
            decoded = _checked(DecodedText(data.decode(encoding), encoding))
        except (UnicodeDecodeError, DecodeError) as exc:
            reasons.append(f"{encoding}: {exc.reason if isinstance(exc, UnicodeDecodeError) else exc}")
            continue
        candidates.append((_gb2312_share(decoded.text), decoded))
    if not candidates:
        raise DecodeError("unknown encoding: not UTF-8, UTF-16, GB18030 or Big5 (" + "; ".join(reasons) + ")")
    share, best = max(candidates, key=lambda c: c[0])
    if share < 0.9 and any(ch > "\u2e80" for ch in best.text):
        raise DecodeError(f"unknown encoding: as {best.encoding} only {share:.0%} of the Chinese characters are common ones")
    return best


def _checked(decoded: DecodedText) -> DecodedText:
    text = decoded.text
    if not text.strip():
        raise DecodeError("empty file: only whitespace after decoding")
    if len(_CONTROL.findall(text)) > max(2, 0.01 * len(text)):
        raise DecodeError(f"binary content: too many control characters after decoding as {decoded.encoding}")
    if _plausibility(text) < 0.8:
        raise DecodeError(f"unknown encoding: decoding as {decoded.encoding} gives implausible text")
    return decoded
