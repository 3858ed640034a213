"""Step 4: paragraphs.

Lines become units: a line holding several numbered items (a scraped page
that lost its line breaks) is split at item markers that continue the
numbering; a paragraph that a line break cut in the middle of a sentence is
joined back to its continuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipelines.extraction.numbering import Marker, match_marker
from pipelines.extraction.textmap import MappedText

# A trailing responsibility clause: （责任单位：…）, （牵头单位：…；配合单位：…）, （A、B负责）.
# Or, unbracketed at the end of a paragraph: 牵头单位：…；责任单位：…。 A bracket may
# hold one nested bracket (三省一市科技厅（委）); a bracket of names of bodies alone
# (工业和信息化部；上海市经济信息化委、…) is a clause too.
_IN = r"(?:[^（）()]|[（(][^（）()]{1,8}[)）])"
_BODY = r"[^（）()、，,；;。:：]{2,30}?(?:部|委|厅|局|署|办|政府|银行|中心|办公室|执委会|管委会|理事会|集团|公司|机构|部门|单位)"
RESPONSIBILITY_CLAUSE = re.compile(
    rf"[（(]\s*(?:(?:主要)?(?:责任|牵头|配合|负责|責任|牽頭|負責)(?:单位|部门|單位|部門)\s*[:：]{_IN}*"
    rf"|{_IN}{{2,120}}?(?:负责|負責|牵头|牽頭|落实)(?:[，,、；;]{_IN}{{0,60}})?"
    rf"|{_BODY}(?:\s*[、，,；;]\s*{_BODY})*)\s*[。.]?\s*[)）]"
    r"|(?:^|(?<=[。；;]))\s*(?:主要)?(?:牵头|责任|牽頭|責任)(?:单位|部门|單位|部門)\s*[:：][^（）()\n]+$"
)
_SENTENCE_END = "。！？!?；;：:…"
_CLOSERS = "）)】」』》"
_INLINE_AFTER = "。；;：:）)"
# Where an inline marker may start: the first character that is not white space after one of _INLINE_AFTER.
_AFTER_INLINE_END = re.compile("([" + re.escape(_INLINE_AFTER) + r"])\s*")
_CJK_OR_ALNUM = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_CONTINUATION_START = re.compile(r"[\u3400-\u9fff“‘《（(A-Za-z0-9]")
_DATE_LINE = re.compile(r"^\d{4}\s*[年\-/.]\s*\d{1,2}")


@dataclass(frozen=True)
class Unit:
    """A paragraph candidate: its mapped text and the numbering marker it opens with."""

    mt: MappedText
    marker: Marker | None
    line: int  # index of the content line it starts on

    @property
    def text(self) -> str:
        return self.mt.text


def make_unit(mt: MappedText, line: int) -> Unit:
    return Unit(mt, match_marker(mt.text), line)


def ends_sentence(text: str, bracket_ends: bool = True) -> bool:
    """Ends with sentence punctuation, closing quotes looked through.

    A closing bracket counts as an end (a trailing clause closes a paragraph)
    unless bracket_ends is False, as for a title such as 方案（节选）.
    """
    text = text.rstrip()
    while text and text[-1] in _CLOSERS + "”’\"'":
        if bracket_ends and text[-1] in _CLOSERS:
            return True
        text = text[:-1]
    return bool(text) and text[-1] in _SENTENCE_END


def _clause_splits(text: str) -> list[int]:
    """Positions right after a responsibility clause that more text follows."""
    cuts = []
    for m in RESPONSIBILITY_CLAUSE.finditer(text):
        trails_sentence = ends_sentence(text[: m.start()])
        if trails_sentence and text[m.end() :].strip():
            cuts.append(m.end())
    return cuts


def _inline_marker_splits(text: str, state: dict[str, int]) -> list[int]:
    """Positions of item markers inside a line that continue the numbering.

    A candidate must follow a sentence end and carry the next number of its
    style (or 1 right after a colon, which opens a list), so that 三甲 or a
    date inside a sentence never splits a paragraph.
    """
    cuts = []
    for candidate in _AFTER_INLINE_END.finditer(text):
        pos, last = candidate.end(), candidate.group(1)
        if pos >= len(text):
            continue
        marker = match_marker(text, pos)
        if marker is None:
            continue
        expected = state.get(marker.style, 0) + 1
        if marker.value == expected or (marker.value == 1 and last in "：:"):
            cuts.append(pos)
            state[marker.style] = marker.value
    return cuts


def split_lines(lines: list[MappedText]) -> list[Unit]:
    """One unit per line, split further at inline item markers and clauses."""
    units: list[Unit] = []
    state: dict[str, int] = {}
    for index, line in enumerate(lines):
        marker = match_marker(line.text)
        if marker:
            state[marker.style] = marker.value
        cuts = sorted(set(_inline_marker_splits(line.text, state)) | set(_clause_splits(line.text)))
        bounds = [0, *cuts, len(line)]
        for start, end in zip(bounds, bounds[1:]):
            piece = line[start:end].strip()
            if piece:
                units.append(make_unit(piece, index))
    return units


def looks_like_title(unit: Unit, comma_headings: bool = True) -> bool:
    """A heading-like line: not a full sentence. With comma_headings, a short line that ends without
    punctuation is a heading even if a comma joins two phrases (（一）持续提升首都功能，推动协同发展)."""
    text = unit.text[unit.marker.length :] if unit.marker else unit.text
    body = text.rstrip("。")
    if len(body) > 20 and text.endswith("。"):
        return False  # a long line closed by a full stop is a sentence, whatever its commas
    if comma_headings and len(body) <= 40 and not ends_sentence(text) and not re.search(r"[；;。]", body):
        return True  # a heading may join two phrases with a comma, but it ends without punctuation
    return len(body) <= 40 and not re.search(r"[，,；;。]", body)


def is_broken(current: Unit, following: Unit) -> bool:
    """True when `current` was cut mid-sentence and `following` continues it."""
    if following.marker is not None or ends_sentence(current.text):
        return False
    if current.marker is not None and looks_like_title(current, comma_headings=False):
        return False
    if current.marker is not None and looks_like_title(current) and len(following.text) > 2 * len(current.text):
        return False  # a heading joining two phrases with a comma, then its longer body paragraph
    if not re.search(r"[，,、。；;]", current.text):
        return False  # titles and names carry no sentence punctuation
    if not _CJK_OR_ALNUM.match(current.text[-1]) or not _CONTINUATION_START.match(following.text[0]):
        return False
    return not _DATE_LINE.match(following.text)


def rejoin_broken(units: list[Unit], stop_line: int | None = None) -> list[Unit]:
    """Join units cut by a line break; never across an end-of-body marker."""
    out: list[Unit] = []
    for unit in units:
        if out and is_broken(out[-1], unit) and (stop_line is None or unit.line < stop_line or out[-1].line >= stop_line):
            previous = out.pop()
            out.append(replace(previous, mt=previous.mt + unit.mt))
        else:
            out.append(unit)
    return out
