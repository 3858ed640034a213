"""Step 3: `text` is Simplified Chinese with consistent punctuation and spacing.

`text_original` is never touched. Normalisation works on MappedText so the
normalised text still knows the source offset of every character: targets,
places and themes found in `text` get exact spans into the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import opencc

from pipelines.extraction.textmap import MappedText

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_NOT_CJK = re.compile(f"[^{_CJK}]+")
# Characters next to which an ASCII mark belongs to Chinese text.
_CJK_CONTEXT = f"{_CJK}\u201c\u201d\u2018\u2019\u300a\u300b\u3001\u3002\uff08\uff09\uff0c\uff1a\uff1b"
_CJK_CONTEXT_CHAR = re.compile(f"[{_CJK_CONTEXT}]")
_ASCII_TO_FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_SPACE_NEAR_CJK = re.compile(
    f"(?<=[{_CJK_CONTEXT}\u2014\uff01\uff1f])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[{_CJK_CONTEXT}\u2014\uff01\uff1f])"
)
_LINE_BREAK_SPACES = re.compile(r"[ \t]*\n[ \t]*")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def detect_script(text: str) -> str:
    """zh-Hant when a noticeable share of CJK characters change under t2s."""
    sample = _NOT_CJK.sub("", text)  # the CJK characters, in one string
    if not sample:
        return "zh-Hans"
    simplified = to_simplified(sample)
    if simplified == sample:  # the common case, decided without comparing character by character
        return "zh-Hans"
    changed = sum(1 for a, b in zip(sample, simplified) if a != b)
    return "zh-Hant" if changed >= 5 and changed / len(sample) >= 0.03 else "zh-Hans"


def _same_length(mt: MappedText, text: str) -> MappedText:
    return MappedText(text, mt.starts, mt.ends)


def _simplified_text(text: str) -> str:
    converted = to_simplified(text)
    if len(converted) != len(text):  # a phrase rule changed the length: convert char by char
        converted = "".join(to_simplified(ch)[:1] or ch for ch in text)
    return converted


# Full-width digits and Latin letters to ASCII, one character for one.
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FULLWIDTH_TO_ASCII = {code: code - 0xFEE0 for low, high in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for code in range(low, high + 1)}
_ASCII_MARK = re.compile("[" + re.escape("".join(_ASCII_TO_FULLWIDTH)) + "]")


def _punctuation(text: str) -> str:
    marks = [m.start() for m in _ASCII_MARK.finditer(text)]
    if not marks:  # most Chinese text has no ASCII mark: no need to look at its characters one by one
        return text
    chars = list(text)
    for i in marks:  # left to right, so a mark sees the mark before it as already changed
        ch = chars[i]
        before = chars[i - 1] if i > 0 else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        # 1.2:1 and 3,000 keep their ASCII marks: only marks touching Chinese change.
        if _CJK_CONTEXT_CHAR.match(before or " ") or _CJK_CONTEXT_CHAR.match(after or " "):
            chars[i] = _ASCII_TO_FULLWIDTH[ch]
    return "".join(chars)


# The steps of normalisation, in order: a function that keeps the length, or (pattern, replacement).
# normalise_mapped and normalise apply the same steps, one keeping the source map, one on the bare text.
_Step = Callable[[str], str] | tuple[re.Pattern[str], str]
_STEPS: tuple[_Step, ...] = (
    lambda text: text.translate(_FULLWIDTH_TO_ASCII) if _FULLWIDTH_ALNUM.search(text) else text,  # translate looks up every character
    (_SPACES, " "),
    (_SPACE_NEAR_CJK, ""),
    _punctuation,
    (_SPACE_NEAR_CJK, ""),
    (_LINE_BREAK_SPACES, "\n"),
)


# A character some step acts on: a space, an ASCII mark or a full-width letter. Text without one
# (most short values) passes through every step unchanged.
_STEP_INPUT = re.compile("[ \t\u3000\xa0" + re.escape("".join(_ASCII_TO_FULLWIDTH)) + "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def _sub(mt: MappedText, pattern: re.Pattern[str], replacement: str) -> MappedText:
    # A match that already reads as its replacement (one space for a run of spaces) maps the same either way.
    edits = [(m.start(), m.end(), replacement) for m in pattern.finditer(mt.text) if m.group() != replacement]
    return mt.edit(edits) if edits else mt


def normalise_mapped(mt: MappedText, script: str = "zh-Hans") -> MappedText:
    if script == "zh-Hant":
        mt = _same_length(mt, _simplified_text(mt.text))
    if not _STEP_INPUT.search(mt.text):
        return mt.strip()
    for step in _STEPS:
        if isinstance(step, tuple):
            mt = _sub(mt, *step)
        else:
            text = step(mt.text)
            if text != mt.text:
                mt = _same_length(mt, text)
    return mt.strip()


def normalise(text: str, script: str = "zh-Hans") -> str:
    """normalise_mapped's text alone, without building a source map."""
    if script == "zh-Hant":
        text = _simplified_text(text)
    if not _STEP_INPUT.search(text):
        return text.strip()
    for step in _STEPS:
        text = step[0].sub(step[1], text) if isinstance(step, tuple) else step(text)
    return text.strip()
