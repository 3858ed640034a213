"""Steps 5 and 6: the document's structure and its measures.

The hierarchy is inferred per document: numbering styles take levels in the
order they first appear; the deepest style is an item list (measures) when
its paragraphs carry body text, and headings when they are bare titles, in
which case the body paragraphs of the lowest sections are the measures.
Documents without printed numbering are read as groups: an untitled intro
paragraph followed by titled paragraphs ("短标题。正文…").
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipelines.extraction.issues import Severity
from pipelines.extraction.numbering import Marker, cn_to_int
from pipelines.extraction.paragraphs import Unit, ends_sentence, looks_like_title, rejoin_broken
from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText

TITLED_SHARE = 0.6  # share of titled paragraphs above which a list of measures is read as titled
GROUPED_SHARE = 0.5  # share of titled paragraphs above which an unnumbered text is read as groups
_DATE = re.compile(
    r"(?P<y>\d{4})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*(?:[月\-/.]\s*(?:(?P<d>\d{1,2})\s*日?)?)?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
_TITLE_SENTENCE = re.compile(r"([^。！？!?；;]{2,40}?)。")


@dataclass(frozen=True)
class StructureRules:
    framework_titles: tuple[str, ...]
    implementation_titles: tuple[str, ...]
    matter_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    closing_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    issuer_labels: tuple[str, ...]
    organisation_suffixes: tuple[str, ...]
    declared_count: re.Pattern[str]


@lru_cache(maxsize=1)
def structure_rules() -> StructureRules:
    data = rule_data("structure")
    return StructureRules(
        framework_titles=tuple(data["framework_titles"]),
        implementation_titles=tuple(data["implementation_titles"]),
        matter_patterns=tuple((c["kind"], re.compile(c["pattern"])) for c in data["matter_patterns"]),
        closing_patterns=tuple((c["kind"], re.compile(c["pattern"])) for c in data["closing_patterns"]),
        issuer_labels=tuple(data["issuer_labels"]),
        organisation_suffixes=tuple(sorted(data["organisation_suffixes"], key=len, reverse=True)),
        declared_count=re.compile(data["declared_count_pattern"]),
    )


@dataclass
class Part:
    kind: str
    pieces: list[MappedText]


@dataclass
class SectionNode:
    level: int
    marker: Marker | None
    title_mt: MappedText | None  # heading text without marker
    pieces: list[MappedText]  # heading unit and intro units, as in the source
    intro: list[MappedText] = field(default_factory=list)  # intro parts (normalised later)
    parent: SectionNode | None = None
    has_subsections: bool = False
    is_group: bool = False
    declared_count: int | None = None

    def _titled(self, words: tuple[str, ...]) -> bool:
        """This section or one above it has a title starting with one of the words."""
        node: SectionNode | None = self
        prefixes = tuple(words)  # the rules give a list; str.startswith takes a tuple
        while node is not None:
            title = node.title_mt.text if node.title_mt else ""
            if title.startswith(prefixes):
                return True
            node = node.parent
        return False

    def is_framework(self, rules: StructureRules) -> bool:
        return self._titled(rules.framework_titles)

    def is_implementation(self, rules: StructureRules) -> bool:
        return self._titled(rules.implementation_titles)


@dataclass
class MeasureNode:
    section: SectionNode | None
    units: list[Unit]
    marker: Marker | None
    title: str | None = None


@dataclass
class Structure:
    parts: list[tuple[int, Part]]  # (source position, part)
    sections: list[SectionNode]
    measures: list[MeasureNode]
    problems: list[tuple[str, Severity, str]]  # (check, severity, message)
    declared_total: int | None = None


# ---------------------------------------------------------------- helpers


_CN_DATE = re.compile(r"(?P<y>[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月(?:\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日)?")
_CN_YEAR_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"}


def _date_match(text: str, anchored: bool) -> tuple[re.Match[str], int, int, int | None] | None:
    """A date written in Arabic (2024年3月5日) or Chinese numerals (二〇二四年三月五日)."""
    for pattern in (_DATE, _CN_DATE):
        m = pattern.match(text) if anchored else pattern.search(text)
        if not m:
            continue
        if pattern is _DATE:
            return m, int(m["y"]), int(m["m"]), int(m["d"]) if m["d"] else None
        year = int("".join(_CN_YEAR_DIGITS[ch] for ch in m["y"]))
        return m, year, cn_to_int(m["m"]) or 0, cn_to_int(m["d"]) if m["d"] else None
    return None


def parse_date(text: str) -> tuple[str, str] | None:
    """First date in text as (ISO value, precision); None unless it names a real month or day."""
    found = _date_match(text, anchored=False)
    if not found:
        return None
    _, year, month, day = found
    if not (1949 <= year <= 2100 and 1 <= month <= 12):
        return None
    if day is not None:
        try:
            return datetime.date(year, month, day).isoformat(), "day"
        except ValueError:
            return None
    return f"{year:04d}-{month:02d}", "month"


def is_date_line(text: str) -> bool:
    found = _date_match(text.strip(), anchored=True)
    return found is not None and not text.strip()[found[0].end() :].strip()


def matter_kind(text: str, rules: StructureRules) -> str | None:
    """The kind of a front or back matter line (文号, addressees, transmittal, publication note, distribution)."""
    for kind, pattern in rules.matter_patterns:
        if pattern.fullmatch(text.strip()):
            return kind
    return None


def split_leading_date(unit: Unit) -> list[Unit]:
    """'2020年6月10日关于…' is a dateline and a title on one line."""
    m = _DATE.match(unit.text)
    if not m or not m["d"] or len(unit.text) - m.end() < 4 or unit.marker:
        return [unit]
    head, tail = unit.mt[: m.end()].strip(), unit.mt[m.end() :].strip()
    return [Unit(head, None, unit.line), Unit(tail, None, unit.line)]


def organisation_name(text: str, rules: StructureRules) -> str | None:
    """The issuing body a front-matter line names, if it is one."""
    text = text.strip()
    for label in rules.issuer_labels:
        m = re.match(rf"{label}\s*[:：]\s*(.+)$", text)
        if m:
            return m.group(1).strip()
    date = _DATE.search(text)
    name = text[: date.start()].strip() if date else text
    if 2 < len(name) <= 30 and not re.search(r"[，,。；;：:“”《》]", name):
        if any(name.endswith(suffix) for suffix in rules.organisation_suffixes):
            return name
    return None


_LEGISLATURE = re.compile(r"(?P<place>[\u4e00-\u9fff]{0,10}?)第[一二三四五六七八九十百]+届(?P<body>全国人民代表大会(?:常务委员会)?|人民代表大会(?:常务委员会)?)")
_DECREE = re.compile(r"(?P<body>[\u4e00-\u9fff]{2,24}?)令\s*[（(]?\s*第\s*\d+\s*号(?:公布|发布)?")
_MEETING = re.compile(r"(?P<body>[\u4e00-\u9fff]{2,20}?)第\s*\d+\s*次(?:常务|全体|主任|局务|部务)?会议")
_ADOPTION_NOTE = re.compile(r"^[（(].*(?:通过|公布|发布|修正|修订|施行)[^（）()]*[)）]$|^[^。；;]*会议[^。；;]*(?:通过|批准|修正|修订)[)）]?$")


def adoption_facts(text: str) -> tuple[list[str], tuple[str, str] | None] | None:
    """Issuers and date of a statute's adoption note or decree number.

    （2021年11月25日上海市第十五届人民代表大会常务委员会第三十七次会议通过） gives
    [上海市人民代表大会常务委员会] and 2021-11-25; a note listing amendments gives
    the date of the latest version; 国务院令第722号 gives [国务院].
    """
    text = text.strip()
    decree = len(text) <= 40 and not re.search(r"[，,。；;]", text) and _DECREE.search(text)
    if not decree and not _ADOPTION_NOTE.match(text):
        return None
    # A body stands after the date (…日) or a word like 经, and before 第N届 of a legislature,
    # 第N次 of a meeting, or 令 of a decree.
    found = [m["place"] + m["body"] for m in _LEGISLATURE.finditer(text)]
    found += [m["body"] for m in _MEETING.finditer(text)]
    found += [m["body"] for m in _DECREE.finditer(text)] if decree else []
    issuers = [re.sub(r"^(?:.*?(?:日|经|在))?(?:中华人民共和国(?=国务院))?", "", name) for name in found]
    issuers = list(dict.fromkeys(name for name in issuers if len(name) >= 2))
    dates = [date for d in _DATE.finditer(text) if (date := parse_date(d.group(0)))]
    return issuers, (max(dates) if dates else None)


def declared_count(text: str, rules: StructureRules) -> int | None:
    m = rules.declared_count.search(text)
    return cn_to_int(m.group(1)) if m else None


def title_sentence(text: str) -> str | None:
    """The short title a paragraph opens with ('短标题。正文…'), if any."""
    m = _TITLE_SENTENCE.match(text)
    if not m or not text[m.end() :].strip():
        return None
    title = m.group(1).strip()
    if re.search(r"[，,；;：:]", title) or len(title) < 2:
        return None
    return title


def _after_marker(unit: Unit) -> MappedText:
    return unit.mt[unit.marker.length :].strip() if unit.marker else unit.mt


# ------------------------------------------------------------ front matter


def front_matter_end(units: list[Unit], rules: StructureRules) -> int:
    """Index of the first unit after the front matter.

    Front matter is the leading run of short lines that are not sentences
    (title, issuer, date, notice title). When the title is repeated later
    before the first heading, everything up to the repeat is front matter too
    (a transmittal notice printed before the document itself).
    """
    end = 0
    for unit in units:
        text = unit.text
        front_like = unit.marker is None and len(text) <= 100 and (
            not ends_sentence(text, bracket_ends=False) or is_date_line(text) or organisation_name(text, rules)
        )
        if not front_like:
            break
        end += 1
    titles = [u for u in units[:end] if is_title_candidate(u, rules)]
    if titles:
        key = _squash(titles[0].text)
        first_marker = next((i for i, u in enumerate(units) if u.marker), len(units))
        for i in range(end, first_marker):
            if _squash(units[i].text) == key:
                end = i + 1
    return end


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_title_candidate(unit: Unit, rules: StructureRules) -> bool:
    text = unit.text
    return (
        unit.marker is None
        and 4 <= len(text) <= 80
        and not ends_sentence(text, bracket_ends=False)
        and not is_date_line(text)
        and organisation_name(text, rules) is None
        and matter_kind(text, rules) is None
    )


def classify_front(units: list[Unit], rules: StructureRules) -> list[tuple[str, Unit]]:
    titles = [u for u in units if is_title_candidate(u, rules)]
    key = _squash(titles[0].text) if titles else None
    return [("title" if key and _squash(u.text) == key else matter_kind(u.text, rules) or "front_matter", u) for u in units]


def _lead_kind(text: str, rules: StructureRules, inner_title: str | None) -> str:
    """What a paragraph before the first heading is: a notice's matter, its sign-off, the plan's own title, or preamble."""
    if kind := matter_kind(text, rules):
        return kind
    if adoption_facts(text):
        return "front_matter"
    if is_date_line(text) or organisation_name(text, rules):
        return "signature"
    if inner_title and _squash(text) == inner_title:
        return "title"
    return "preamble"


_INNER_TITLE = re.compile(r"(?:印发|转发|发布)(?:《(?P<quoted>[^》]{4,80})》|(?P<bare>.{4,80}?)的通知)")


def inner_title(front: list[tuple[str, Unit]]) -> str | None:
    """The title of the document a notice transmits (关于印发《X》的通知 -> X)."""
    for kind, unit in front:
        if kind == "title" and (m := _INNER_TITLE.search(unit.text)):
            return _squash(m["quoted"] or m["bare"])
    return None


# ------------------------------------------------------------------- body


def _closing_kind(text: str, rules: StructureRules) -> str | None:
    for kind, pattern in rules.closing_patterns:
        if pattern.search(text):
            return kind
    matter = matter_kind(text, rules)
    return matter if matter in ("publication_note", "distribution") else None


def _split_closing(body: list[Unit], rules: StructureRules) -> tuple[list[Unit], list[tuple[str, Unit]]]:
    """Trailing attachments, closing statements and signature lines."""
    closing: list[tuple[str, Unit]] = []
    while body:
        unit = body[-1]
        kind = _closing_kind(unit.text, rules) if unit.marker is None else None
        if kind is None and unit.marker is None and (is_date_line(unit.text) or organisation_name(unit.text, rules)):
            kind = "signature"
        if kind is None:
            break
        closing.insert(0, (kind, body.pop()))
    return body, closing


def _mark_unnumbered_headings(body: list[Unit], heading_depths: dict[int, int]) -> list[Unit]:
    """Headings the markup marks but that carry no number (## 前言) join the level of the numbered headings of their depth.

    A heading with no numbered peers at its depth (the # title) is left alone.
    """
    if not heading_depths:
        return body
    votes: dict[int, Counter[str]] = {}
    for unit in body:
        if unit.marker and unit.line in heading_depths:
            votes.setdefault(heading_depths[unit.line], Counter())[unit.marker.style] += 1
    marked = []
    seen_lines: set[int] = set()
    for unit in body:
        first_of_line = unit.line not in seen_lines
        seen_lines.add(unit.line)
        depth = heading_depths.get(unit.line)
        if unit.marker is None and first_of_line and depth in votes and looks_like_title(unit):
            unit = replace(unit, marker=Marker(votes[depth].most_common(1)[0][0], 0, "", 0))
        marked.append(unit)
    return marked


def build_structure(
    units: list[Unit], body_end_line: int | None, heading_depths: dict[int, int] | None = None, paragraphs_known: bool = False
) -> Structure:
    """The document's parts, sections and measures.

    paragraphs_known: the reader already knows where paragraphs end (Word
    paragraphs, PDF lines joined by their layout), so lines are not rejoined
    by guessing from their punctuation.
    """
    rules = structure_rules()
    parts: list[tuple[int, Part]] = []
    problems: list[tuple[str, Severity, str]] = []

    def add_part(kind: str, unit_or_mt: Unit | MappedText) -> None:
        mt = unit_or_mt.mt if isinstance(unit_or_mt, Unit) else unit_or_mt
        parts.append((mt.starts[0], Part(kind, [mt])))

    # Front matter, with datelines split from titles.
    units = [piece for unit in units for piece in split_leading_date(unit)]
    units = _mark_unnumbered_headings(units, heading_depths or {})
    front_end = front_matter_end(units, rules)
    front = classify_front(units[:front_end], rules)
    for kind, unit in front:
        add_part(kind, unit)

    # Paragraphs broken by line breaks are joined; content after an end-of-body marker closes the text.
    rest = units[front_end:] if paragraphs_known else rejoin_broken(units[front_end:], body_end_line)
    body = [u for u in rest if body_end_line is None or u.line < body_end_line]
    for u in rest[len(body) :]:
        add_part(_closing_kind(u.text, rules) or "closing_note", u)
    body, closing = _split_closing(body, rules)
    for kind, unit in closing:
        add_part(kind, unit)

    declared_total = None
    for _, unit in front:
        declared_total = declared_total or declared_count(unit.text, rules)

    sections: list[SectionNode] = []
    measures: list[MeasureNode] = []
    marker_styles: list[str] = []
    for unit in body:
        if unit.marker and unit.marker.style not in marker_styles:
            marker_styles.append(unit.marker.style)

    headings = _unnumbered_headings(body) if not marker_styles else []
    if len(headings) >= 2:
        # Headings printed without numbers (a web page's bold lines): one level of sections.
        for i in headings:
            body[i] = replace(body[i], marker=Marker("unnumbered_heading", 0, "", 0))
        marker_styles = ["unnumbered_heading"]
    if not marker_styles:
        _build_flat(body, rules, parts, sections, measures, problems)
    else:
        _build_numbered(body, marker_styles, rules, parts, sections, measures)

    # Paragraphs before the first heading: a notice's addressees, transmittal and sign-off, or preamble.
    transmitted = inner_title(front)
    for _, part in parts:
        if part.kind == "preamble" and len(part.pieces) == 1:
            part.kind = _lead_kind(part.pieces[0].text, rules, transmitted)
    for _, part in parts:
        if part.kind == "preamble" and declared_total is None:
            declared_total = declared_count(part.pieces[0].text, rules)
    parts.sort(key=lambda p: p[0])
    return Structure(parts, sections, measures, problems, declared_total)


# Statutes rank their divisions 编 > 章 > 节 > 条 whatever comes first in a text
# (a regulation may print 第一条 before its first 第二章 heading).
STATUTE_RANKS = ("part_bian", "chapter", "section_jie")
ARTICLE = "article_tiao"


def heading_order(styles: list[str]) -> list[str]:
    """Heading styles from the top: statute divisions in their fixed order, then the rest as they first appear."""
    statute = [s for s in STATUTE_RANKS if s in styles]
    return statute + [s for s in styles if s not in statute]


def _item_style(body: list[Unit], styles: list[str]) -> str | None:
    """Articles (第N条) are always the items; else the deepest style is, when most of its paragraphs carry body text."""
    if ARTICLE in styles:
        return ARTICLE
    deepest = styles[-1]
    marked = [u for u in body if u.marker and u.marker.style == deepest]
    bare = sum(1 for u in marked if looks_like_title(u))
    return deepest if bare <= 0.5 * len(marked) else None


def _new_section(unit: Unit, level: int, parent: SectionNode | None, rules: StructureRules) -> SectionNode:
    rest = _after_marker(unit)
    if title_sentence(rest.text) is not None:
        cut = rest.text.index("。")
        title_mt, intro = rest[:cut].strip(), rest[cut + 1 :].strip()
    else:
        title_mt, intro = rest[: len(rest.text.rstrip("。"))].strip(), None
    node = SectionNode(level, unit.marker, title_mt, [unit.mt], parent=parent)
    if intro:
        node.intro.append(intro)
    node.declared_count = declared_count(unit.text, rules)
    return node


def _split_declared_lead(unit: Unit, rules: StructureRules) -> tuple[MappedText | None, MappedText]:
    """'共有20项重点任务，主要包括：正文…' -> (intro through the colon, body)."""
    m = rules.declared_count.match(unit.text)
    if not m:
        return None, unit.mt
    colon = re.search(r"[：:]", unit.text[m.end() :])
    if not colon:
        return unit.mt, MappedText.empty()
    cut = m.end() + colon.end()
    return unit.mt[:cut].strip(), unit.mt[cut:].strip()


def _open_section(unit: Unit, level: int, stack: list[SectionNode], sections: list[SectionNode], rules: StructureRules) -> SectionNode:
    parent = stack[-1] if stack else None
    node = _new_section(unit, level, parent, rules)
    if parent:
        parent.has_subsections = True
    sections.append(node)
    return node


def _frames(unit: Unit, stack: list[SectionNode], rules: StructureRules) -> bool:
    if stack and stack[-1].is_framework(rules):
        return True
    title = title_sentence(_after_marker(unit).text) or ""
    return any(title.startswith(word) for word in rules.framework_titles)


def _unnumbered_headings(body: list[Unit]) -> list[int]:
    """Short lines without punctuation, each followed by prose: headings printed without numbers."""
    found = []
    for i, unit in enumerate(body[:-1]):
        text, following = unit.text, body[i + 1]
        if (unit.marker is None and 2 <= len(text) <= 30 and not re.search(r"[，,。；;：:！？!?、]", text)
                and following.marker is None and ends_sentence(following.text, bracket_ends=False) and len(following.text) > len(text)):
            found.append(i)
    return found


def _build_numbered(
    body: list[Unit],
    styles: list[str],
    rules: StructureRules,
    parts: list[tuple[int, Part]],
    sections: list[SectionNode],
    measures: list[MeasureNode],
) -> None:
    item_style = _item_style(body, styles)
    if item_style == ARTICLE:
        # Everything numbered below an article (its 项 （一）, 1.) is inside the article.
        inner = {s for s in styles if s not in STATUTE_RANKS and s != ARTICLE}
        styles = [s for s in styles if s not in inner]
    else:
        inner = set()
    levels = {style: i + 1 for i, style in enumerate(heading_order([s for s in styles if s != item_style]))}
    marker_positions = [i for i, u in enumerate(body) if u.marker]
    last_marker = marker_positions[-1]

    def next_heading_level_or_item(i: int) -> bool:
        """Does a deeper heading or an item follow before the next heading at this level or above?"""
        current = stack[-1].level
        for u in body[i + 1 :]:
            if u.marker is None:
                continue
            if u.marker.style == item_style or u.marker.style in inner:
                return True
            return levels[u.marker.style] > current
        return False

    stack: list[SectionNode] = []
    last_item: MeasureNode | None = None
    paragraphs_of: dict[int, list[Unit]] = {}  # id(section) -> body paragraphs (measure candidates)
    for i, unit in enumerate(body):
        if i < marker_positions[0]:
            parts.append((unit.mt.starts[0], Part("preamble", [unit.mt])))
        elif last_item is not None and last_item.marker and last_item.marker.style == ARTICLE and (unit.marker is None or unit.marker.style in inner):
            last_item.units.append(unit)  # a 款 or 项 of the article
        elif unit.marker and unit.marker.style in inner and stack:
            stack[-1].pieces.append(unit.mt)  # an item outside any article: part of its section's intro
            stack[-1].intro.append(unit.mt)
        elif unit.marker and unit.marker.style in inner:
            parts.append((unit.mt.starts[0], Part("preamble", [unit.mt])))  # an item before any heading
        elif unit.marker and unit.marker.style != item_style:
            level = levels[unit.marker.style]
            while stack and stack[-1].level >= level:
                stack.pop()
            stack.append(_open_section(unit, level, stack, sections, rules))
            last_item = None
        elif unit.marker and _frames(unit, stack, rules):
            # An item of a framework section (（一）指导思想。…) frames the plan: a section, not a measure.
            _open_section(unit, stack[-1].level + 1 if stack else 1, stack, sections, rules)
            last_item = None
        elif unit.marker:
            last_item = MeasureNode(stack[-1] if stack else None, [unit], unit.marker)
            measures.append(last_item)
        elif last_item is not None:
            if i > last_marker:
                parts.append((unit.mt.starts[0], Part("closing_note", [unit.mt])))
            else:
                last_item.units.append(unit)  # an item running over several paragraphs
        elif stack and (stack[-1].is_framework(rules) or next_heading_level_or_item(i)):
            stack[-1].pieces.append(unit.mt)
            stack[-1].intro.append(unit.mt)
        elif stack:
            paragraphs_of.setdefault(id(stack[-1]), []).append(unit)
        else:
            parts.append((unit.mt.starts[0], Part("preamble", [unit.mt])))

    # Body paragraphs of the lowest sections are the measures.
    by_id = {id(s): s for s in sections}
    for key, paragraphs in paragraphs_of.items():
        section = by_id[key]
        first = paragraphs[0]
        lead, remainder = _split_declared_lead(first, rules)
        if lead is not None:
            section.pieces.append(lead)
            section.intro.append(lead)
            section.declared_count = section.declared_count or declared_count(lead.text, rules)
            paragraphs = paragraphs[1:]
            if remainder:
                paragraphs.insert(0, Unit(remainder, None, first.line))
        measures.extend(MeasureNode(section, [u], None) for u in paragraphs)
    measures.sort(key=lambda m: m.units[0].mt.starts[0])
    # Titled or not is a convention of the whole document, judged per kind of measure.
    _assign_titles([m for m in measures if m.marker is not None])
    _assign_titles([m for m in measures if m.marker is None])


def _assign_titles(measures: list[MeasureNode]) -> None:
    """Titles only where titled paragraphs are the convention of the list."""
    titles = [title_sentence(_after_marker(m.units[0]).text) for m in measures]
    if measures and sum(t is not None for t in titles) >= TITLED_SHARE * len(measures):
        for measure, title in zip(measures, titles):
            measure.title = title


def _build_flat(
    body: list[Unit],
    rules: StructureRules,
    parts: list[tuple[int, Part]],
    sections: list[SectionNode],
    measures: list[MeasureNode],
    problems: list[tuple[str, Severity, str]],
) -> None:
    """No printed numbering: groups of titled paragraphs, each after an untitled intro."""
    titled = [title_sentence(u.text) is not None for u in body]
    if not body or sum(titled) < GROUPED_SHARE * len(body) or not any(not t for t in titled):
        problems.append(("structure", "error", "no recognisable structure: no numbered headings and no titled paragraphs; the text is kept as unstructured parts"))
        for unit in body:
            parts.append((unit.mt.starts[0], Part("unstructured", [unit.mt])))
        return
    pending: list[Unit] = []
    group: SectionNode | None = None
    for unit, is_titled in zip(body, titled):
        if not is_titled:
            pending.append(unit)
            continue
        if pending:
            if group is None:
                for p in pending[:-1]:
                    parts.append((p.mt.starts[0], Part("preamble", [p.mt])))
                pending = pending[-1:]
            group = SectionNode(1, None, None, [p.mt for p in pending], is_group=True)
            group.intro.extend(p.mt for p in pending)
            group.declared_count = declared_count(pending[0].text, rules)
            sections.append(group)
            pending = []
        measures.append(MeasureNode(group, [unit], None, title_sentence(unit.text)))
    for unit in pending:
        parts.append((unit.mt.starts[0], Part("closing_note", [unit.mt])))
