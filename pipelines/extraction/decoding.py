"""Step 1: bytes to text, detecting the encoding rather than assuming it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass


class DecodeError(ValueError):
    """The file cannot be read as text; the message says why."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # utf-8, utf-8-sig, utf-16-le, utf-16-be, gb18030


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _plausibility(text: str) -> float:
    """Share of characters that are CJK, printable ASCII or whitespace."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch.isspace() or " " <= ch <= "~" or _CJK.match(ch) or ch in "—…“”‘’·■")
    return good / len(text)


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
    """Decode raw bytes: BOM, then UTF-16 without BOM, UTF-8, GB18030.

    Raises DecodeError for empty files, binary content and text in an
    encoding none of these read plausibly.
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
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"unknown encoding: not UTF-8, UTF-16 or GB18030 ({exc.reason} at byte {exc.start})") from exc
    return _checked(DecodedText(text, "gb18030"))


def _checked(decoded: DecodedText) -> DecodedText:
    text = decoded.text
    if not text.strip():
        raise DecodeError("empty file: only whitespace after decoding")
    if len(_CONTROL.findall(text)) > max(2, 0.01 * len(text)):
        raise DecodeError(f"binary content: too many control characters after decoding as {decoded.encoding}")
    if _plausibility(text) < 0.8:
        raise DecodeError(f"unknown encoding: decoding as {decoded.encoding} gives implausible text")
    return decoded
