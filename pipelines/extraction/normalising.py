"""Step 3: `text` is Simplified Chinese with consistent punctuation and spacing.

`text_original` is never touched. Normalisation works on MappedText so the
normalised text still knows the source offset of every character: targets,
places and themes found in `text` get exact spans into the source.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from pipelines.extraction.textmap import MappedText

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
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
    cjk = _CJK_CHAR.findall(text)
    if not cjk:
        return "zh-Hans"
    sample = "".join(cjk)
    changed = sum(1 for a, b in zip(sample, to_simplified(sample)) if a != b)
    return "zh-Hant" if changed >= 5 and changed / len(sample) >= 0.03 else "zh-Hans"


def _same_length(mt: MappedText, text: str) -> MappedText:
    return MappedText(text, mt.starts, mt.ends)


def _simplified(mt: MappedText) -> MappedText:
    converted = to_simplified(mt.text)
    if len(converted) != len(mt.text):  # a phrase rule changed the length: convert char by char
        converted = "".join(to_simplified(ch)[:1] or ch for ch in mt.text)
    return _same_length(mt, converted)


def _punctuation(text: str) -> str:
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch in _ASCII_TO_FULLWIDTH:
            before = chars[i - 1] if i > 0 else ""
            after = chars[i + 1] if i + 1 < len(chars) else ""
            # 1.2:1 and 3,000 keep their ASCII marks: only marks touching Chinese change.
            if _CJK_CONTEXT_CHAR.match(before or " ") or _CJK_CONTEXT_CHAR.match(after or " "):
                chars[i] = _ASCII_TO_FULLWIDTH[ch]
    return "".join(chars)


def _sub(mt: MappedText, pattern: re.Pattern[str], replacement: str) -> MappedText:
    edits = [(m.start(), m.end(), replacement) for m in pattern.finditer(mt.text)]
    return mt.edit(edits) if edits else mt


def normalise_mapped(mt: MappedText, script: str = "zh-Hans") -> MappedText:
    if script == "zh-Hant":
        mt = _simplified(mt)
    mt = _same_length(mt, _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group(0)) - 0xFEE0), mt.text))
    mt = _sub(mt, _SPACES, " ")
    mt = _sub(mt, _SPACE_NEAR_CJK, "")
    mt = _same_length(mt, _punctuation(mt.text))
    mt = _sub(mt, _SPACE_NEAR_CJK, "")
    mt = _sub(mt, _LINE_BREAK_SPACES, "\n")
    return mt.strip()


def normalise(text: str, script: str = "zh-Hans") -> str:
    return normalise_mapped(MappedText.of_source(text), script).text
