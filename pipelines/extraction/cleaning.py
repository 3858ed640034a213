"""Step 2: remove markup and noise, keeping every removed piece with a reason.

The result is a list of content lines (MappedText, so spans stay exact) and a
list of noise spans. Rules for textual noise live in rules/noise.yaml.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText

_BLOCK_TAGS = (
    "p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|blockquote|pre|hr|dd|dt|dl|title|body|html|head"
)
_KNOWN_TAGS = _BLOCK_TAGS + "|span|a|strong|em|b|i|u|font|img|td|th|tbody|thead|meta|link|sup|sub|small|center"
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
_SNIFF = re.compile(rf"</?(?:{_KNOWN_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_RAW_BLOCK = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_IS_BLOCK = re.compile(rf"^(?:{_BLOCK_TAGS})$", re.IGNORECASE)

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+")
_MARKDOWN_LINE = (
    (re.compile(r"^\s{0,3}#{1,6}\s+"), "markdown_heading_marker"),
    (re.compile(r"^\s{0,3}>\s?"), "markdown_quote_marker"),
    (re.compile(r"^\s{0,3}[-*+]\s+(?=\S)"), "markdown_list_marker"),
)
_MARKDOWN_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), "markdown_image"),
    # [text](target): the brackets and the target go, the text stays. A target has no spaces, but
    # anchors made from Chinese headings may hold the ideographic space.
    (re.compile(r"\[(?=[^\]]*\]\([^)\s]*(?:\u3000[^)\s]*)*\))|\]\([^)\s]*(?:\u3000[^)\s]*)*\)"), "markdown_link_syntax"),
    (re.compile(r"\*\*|__|(?<![\w*])\*(?!\s)|`"), "markdown_emphasis"),
)


@dataclass(frozen=True)
class Noise:
    start: int  # source offsets
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class NoiseRule:
    name: str
    pattern: re.Pattern[str]
    scope: str  # "line" or "inline"
    ends_body: bool


@dataclass(frozen=True)
class CleanedText:
    lines: list[MappedText]  # non-empty, stripped content lines
    noise: list[Noise]
    body_end_line: int | None  # index of the first line after an end-of-body marker
    had_markup: bool
    heading_depths: dict[int, int] = field(default_factory=dict)  # line index -> depth of a Markdown or HTML heading


@lru_cache(maxsize=1)
def noise_rules() -> tuple[NoiseRule, ...]:
    data = rule_data("noise")
    return tuple(
        NoiseRule(r["name"], re.compile(r["pattern"]), r["scope"], bool(r.get("ends_body", False)))
        for r in data["rules"]
    )


@lru_cache(maxsize=1)
def _noise_screen() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """One search for all inline rules and one full match for all line rules.

    Most lines hold no noise: when neither finds anything, no rule would
    change the line, so the rules need not be tried one by one. None when
    the patterns cannot be joined (a backreference would change meaning).
    """
    rules = noise_rules()
    if any(re.search(r"\\[1-9]|\(\?P=|\(\?\(", r.pattern.pattern) for r in rules):
        return None
    try:
        inline = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules if r.scope == "inline") or "(?!)")
        whole = re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules if r.scope != "inline") or "(?!)")
    except re.error:  # e.g. two rules naming a group alike
        return None
    return inline, whole


def looks_like_html(text: str) -> bool:
    return _SNIFF.search(text) is not None


def strip_markup(source: MappedText) -> tuple[MappedText, list[Noise]]:
    """Remove HTML comments, script/style blocks and tags; decode entities.

    Block-level tags become line breaks so paragraphs stay apart.
    """
    noise: list[Noise] = []
    edits: list[tuple[int, int, str]] = []
    taken = [False] * len(source.text)

    def take(match: re.Match[str], reason: str, replacement: str) -> None:
        s, e = match.span()
        if any(taken[s:e]):
            return
        for i in range(s, e):
            taken[i] = True
        edits.append((s, e, replacement))
        noise.append(Noise(source.starts[s], source.ends[e - 1], match.group(0), reason))

    for m in _COMMENT.finditer(source.text):
        take(m, "html_declaration_or_comment", "")
    for m in _RAW_BLOCK.finditer(source.text):
        take(m, "html_script_or_style", "\n")
    for m in _TAG.finditer(source.text):
        take(m, "html_markup", "\n" if _IS_BLOCK.match(m.group(1)) else "")
    for m in _ENTITY.finditer(source.text):
        decoded = html.unescape(m.group(0))
        if decoded != m.group(0) and not any(taken[m.start() : m.end()]):
            edits.append((m.start(), m.end(), decoded.replace("\xa0", " ")))
    return source.edit(edits), noise


def _remove_all(line: MappedText, pattern: re.Pattern[str], reason: str, noise: list[Noise]) -> MappedText:
    edits = []
    for m in pattern.finditer(line.text):
        if m.end() > m.start():
            edits.append((m.start(), m.end(), ""))
            noise.append(Noise(line.starts[m.start()], line.ends[m.end() - 1], m.group(0), reason))
    return line.edit(edits) if edits else line


def _lines_with_breaks(mapped: MappedText) -> Iterator[tuple[MappedText, int | None]]:
    """Lines without terminators, each with the source offset of the break that ends it."""
    pos = 0
    for match in re.finditer(r"\r\n|\r|\n", mapped.text):
        yield mapped[pos : match.start()], mapped.starts[match.start()]
        pos = match.end()
    yield mapped[pos:], None


def clean(
    source_text: str,
    file_format: str,
    reader_noise: Iterable[tuple[int, int, str]] = (),
    soft_breaks: frozenset[int] = frozenset(),
) -> CleanedText:
    """Split decoded text into content lines, removing markup and noise.

    reader_noise (whole lines a format reader found to be page furniture) goes
    to noise; a line whose break is soft (a paragraph wrapped over lines or
    pages) is joined with the next content line.
    """
    mapped = MappedText.of_source(source_text)
    noise: list[Noise] = []
    # Markdown may embed HTML: tags, or comments such as <!-- INFO END -->.
    had_markup = file_format == "html" or looks_like_html(source_text) or (file_format == "md" and "<!--" in source_text)
    if had_markup:
        mapped, noise = strip_markup(mapped)
    furniture = {(start, end): reason for start, end, reason in reader_noise}

    lines: list[MappedText] = []
    heading_depths: dict[int, int] = {}
    body_end_line: int | None = None
    joins_next = False
    for raw_line, line_break in _lines_with_breaks(mapped):
        line = raw_line.strip()
        if not line:
            continue
        if line.span in furniture:
            noise.append(Noise(*line.span, line.text, furniture[line.span]))
            continue
        if file_format == "md" and (hashes := _MARKDOWN_HEADING.match(line.text)):
            heading_depths[len(lines)] = len(hashes.group(1))
        if file_format == "md":
            for pattern, reason in _MARKDOWN_LINE:
                line = _remove_all(line, pattern, reason, noise)
            for pattern, reason in _MARKDOWN_INLINE:
                line = _remove_all(line, pattern, reason, noise)
            line = line.strip()
        ends_body = False
        screen = _noise_screen()
        clean_line = screen is not None and not screen[0].search(line.text) and not screen[1].fullmatch(line.text)
        for rule in () if clean_line else noise_rules():
            if not line:
                break
            if rule.scope == "inline":
                before = len(line)
                line = _remove_all(line, rule.pattern, rule.name, noise).strip()
                ends_body = ends_body or (rule.ends_body and len(line) < before)
            elif rule.pattern.fullmatch(line.text):
                start, end = line.span
                noise.append(Noise(start, end, line.text, rule.name))
                ends_body = ends_body or rule.ends_body
                line = MappedText.empty()
        if line and joins_next and lines:
            lines[-1] = lines[-1] + line
        elif line:
            lines.append(line)
        if line:
            joins_next = line_break in soft_breaks
        if ends_body:
            body_end_line = len(lines)
    contents = set(table_of_contents([line.text for line in lines]))
    if contents:
        for i in sorted(contents):
            noise.append(Noise(*lines[i].span, lines[i].text, "table_of_contents"))
        kept = [i for i in range(len(lines)) if i not in contents]
        renumber = {old: new for new, old in enumerate(kept)}
        lines = [lines[i] for i in kept]
        heading_depths = {renumber[i]: d for i, d in heading_depths.items() if i in renumber}
        if body_end_line is not None:
            body_end_line = sum(1 for i in kept if i < body_end_line)
    noise.sort(key=lambda n: (n.start, n.end))
    return CleanedText(lines, noise, body_end_line, had_markup, heading_depths)


_TOC_TITLE = re.compile(r"^(?:目\s*录|目\s*次|contents)$", re.IGNORECASE)
_TOC_DECORATION = re.compile(r"^[*·•\s]+|[\s.·…．_\-—]*\d{0,4}\s*$")
MIN_TOC_ENTRIES = 3


def _toc_key(text: str) -> str:
    """A line as a table of contents prints it: without bullets, leader dots and page numbers."""
    return re.sub(r"\s+", "", _TOC_DECORATION.sub("", text))


def table_of_contents(lines: list[str]) -> list[int]:
    """Indices of table-of-contents lines: a block of headings that all appear again, in order, after the block.

    A 目录 line opens a block; without one a block needs three entries. The
    block is a second copy of the outline, never content.
    """
    keys = [_toc_key(text) for text in lines]
    positions: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        positions.setdefault(key, []).append(i)
    found: list[int] = []
    i = 0
    while i < len(lines):
        titled = bool(_TOC_TITLE.match(keys[i]))
        start = i + 1 if titled else i
        end = start
        # Grow the block while each entry recurs later; then check the copies follow the block in order.
        while end < len(lines) and keys[end] and len(keys[end]) <= 60 and any(p > end for p in positions[keys[end]]):
            end += 1
        # Under a 目录 title every entry must recur after the block; without one, in the same order too.
        cursor = end - 1
        recurs = True
        for k in range(start, end):
            later = [p for p in positions[keys[k]] if p >= end and (titled or p > cursor)]
            if not later:
                recurs = False
                break
            cursor = later[0]
        if recurs and end - start >= (1 if titled else MIN_TOC_ENTRIES):
            found.extend(range(i, end))
            i = end
        else:
            i += 1
    return found
