"""Numbering styles of Chinese official documents and their values.

Which style is which level is not fixed here: the structure step infers each
document's own hierarchy from the order in which styles appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "一二三四五六七八九十百零〇两"
_CN_VALUES = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = f"[{CN_DIGITS}]+"

# (style, regex for a marker at the start of a paragraph). The first group is the number.
# Full-width and ASCII brackets are one style: OCR and editors mix them freely.
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"第\s*({_CN}|\d{{1,3}})\s*章[\s、．.]*")),
    ("section_jie", re.compile(rf"第\s*({_CN}|\d{{1,3}})\s*节[\s、．.]*")),
    ("part_bian", re.compile(rf"第\s*({_CN}|\d{{1,3}})\s*(?:编|部分)[\s、．.]*")),
    ("article_tiao", re.compile(rf"第\s*({_CN}|\d{{1,3}})\s*条[\s　]*")),
    ("cn_dun", re.compile(rf"({_CN})\s*、\s*")),
    ("cn_paren", re.compile(rf"[（(]\s*({_CN})\s*[)）][\s、．.]*")),
    ("arabic_paren", re.compile(r"[（(]\s*(\d{1,3})\s*[)）][\s、．.]*")),
    ("arabic_dot", re.compile(r"(\d{1,3})\s*[.．](?![\d.．])\s*")),
    ("arabic_dun", re.compile(r"(\d{1,3})\s*、\s*")),
    ("circled", re.compile(r"([\u2460-\u2473])\s*")),
)
STYLE_NAMES = tuple(name for name, _ in STYLES)


@dataclass(frozen=True)
class Marker:
    style: str
    value: int
    label: str  # as printed, without trailing whitespace
    length: int  # characters taken by the marker, whitespace included


def cn_to_int(text: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 三十六 -> 36, 一百零一 -> 101; digits pass through."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 1 and "\u2460" <= text <= "\u2473":
        return ord(text) - 0x2460 + 1
    if text.isascii() and text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_VALUES:
            current = _CN_VALUES[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


# The first character of every style's marker: 第, a Chinese numeral, a bracket, a digit or a circled number.
_MARKER_START = re.compile(rf"[第{CN_DIGITS}（(\u2460-\u2473]|\d")
_NOT_SPACE = re.compile(r"\S")


def match_marker(text: str, pos: int = 0) -> Marker | None:
    """The numbering marker at text[pos:], if any, with text following it."""
    if not _MARKER_START.match(text, pos):  # most lines open with no marker: one test instead of one per style
        return None
    for style, pattern in STYLES:
        m = pattern.match(text, pos)
        if not m:
            continue
        value = cn_to_int(m.group(1))
        if value is None or value == 0 or not _NOT_SPACE.search(text, m.end()):  # a marker needs text after it
            continue
        return Marker(style, value, text[pos : m.end()].rstrip(), m.end() - pos)
    return None


def format_label(marker: Marker | None) -> str | None:
    return marker.label if marker else None
