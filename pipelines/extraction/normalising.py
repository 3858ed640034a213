"""Step 3: `text` is Simplified Chinese with consistent punctuation and spacing.

`text_original` is never touched; only the `text` columns go through here.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
# Characters after which / before which an ASCII mark belongs to Chinese text.
_CJK_CONTEXT = f"{_CJK}\u201c\u201d\u2018\u2019\u300a\u300b\u3001\u3002\uff08\uff09\uff0c\uff1a\uff1b"
_ASCII_TO_FULLWIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
_SPACE_NEAR_CJK = re.compile(
    f"(?<=[{_CJK_CONTEXT}\u2014\uff01\uff1f])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[{_CJK_CONTEXT}\u2014\uff01\uff1f])"
)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def detect_script(text: str) -> str:
    """zh-Hant when a noticeable share of CJK characters change under t2s."""
    cjk = _CJK_CHAR.findall(text)
    if not cjk:
        return "zh-Hans"
    sample = "".join(cjk)
    changed = sum(1 for a, b in zip(sample, to_simplified(sample)) if a != b)
    return "zh-Hant" if changed >= 5 and changed / len(sample) >= 0.03 else "zh-Hans"


def _punctuation(text: str) -> str:
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch in _ASCII_TO_FULLWIDTH:
            before = chars[i - 1] if i > 0 else ""
            after = chars[i + 1] if i + 1 < len(chars) else ""
            # 1.2:1 and 3,000 keep their ASCII marks: only marks touching Chinese change.
            if (before and re.match(f"[{_CJK_CONTEXT}]", before)) or (after and re.match(f"[{_CJK_CONTEXT}]", after)):
                chars[i] = _ASCII_TO_FULLWIDTH[ch]
    return "".join(chars)


def normalise(text: str, script: str = "zh-Hans") -> str:
    if script == "zh-Hant":
        text = to_simplified(text)
    text = _FULLWIDTH_ALNUM.sub(lambda m: chr(ord(m.group(0)) - 0xFEE0), text)
    text = re.sub(r"[ \t\u3000\xa0]+", " ", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    text = _punctuation(text)
    text = _SPACE_NEAR_CJK.sub("", text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    return text.strip()
