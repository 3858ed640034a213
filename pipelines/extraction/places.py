"""Place mentions resolved to GB/T 2260 administrative divisions.

The gazetteer is read from the cpca package's adcodes.csv (a maintained
copy of the Ministry of Civil Affairs list); rules/places.yaml only says
which short and collective names are used. A mention inside a longer name
(嘉善 in 嘉善经济技术开发区) counts; a stop phrase (金山银山) does not.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText
from pipelines.extraction.wordlists import Automaton, automaton, each_word_from_the_left, leftmost_longest, occurrences

GAZETTEER_SOURCE = "cpca 0.5.5 resources/adcodes.csv (Ministry of Civil Affairs administrative division codes)"


@dataclass(frozen=True)
class Division:
    code: str  # six-digit GB/T 2260 code
    name: str
    level: str  # province | prefecture | county
    parent_code: str | None


@dataclass(frozen=True)
class PlaceMention:
    code: str
    text: MappedText  # the printed name
    collective: str | None  # the collective name it was resolved from


def _adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca")  # the data file only; importing cpca loads a matcher we do not need
    if spec is None or spec.origin is None:
        raise RuntimeError("the cpca package (administrative division codes) is not installed")
    return Path(spec.origin).parent / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def place_rules() -> dict[str, Any]:
    return rule_data("places")


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, Division]:
    prefixes = tuple(place_rules()["provinces"])
    names: dict[str, str] = {}
    with _adcodes_path().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            if code.startswith(prefixes) and row["name"] not in ("市辖区", "县"):
                names.setdefault(code, row["name"])
    divisions = {}
    for code, name in sorted(names.items()):
        if code.endswith("0000"):
            level, parent = "province", None
        elif code.endswith("00"):
            level, parent = "prefecture", code[:2] + "0000"
        else:
            level = "county"
            parent = code[:4] + "00" if code[:4] + "00" in names else code[:2] + "0000"
        divisions[code] = Division(code, name, level, parent)
    return divisions


def delta_cities() -> list[str]:
    """The prefecture-level cities of the delta, with the municipality of Shanghai."""
    divisions = gazetteer()
    municipalities = [d.code for d in divisions.values() if d.level == "province" and not any(
        c.parent_code == d.code and c.level == "prefecture" for c in divisions.values())]
    return sorted(municipalities + [d.code for d in divisions.values() if d.level == "prefecture"])


def _short(name: str) -> str:
    return re.sub(r"(省|市|区|县)$", "", name)


@lru_cache(maxsize=1)
def _matcher() -> tuple[Automaton, dict[str, list[str]], dict[str, list[str]]]:
    """An automaton of every place name, the codes each name may stand for, and the collective names' members."""
    rules = place_rules()
    divisions = gazetteer()
    forms: dict[str, list[str]] = {}
    for d in divisions.values():
        forms.setdefault(d.name, []).append(d.code)
        short = _short(d.name)
        if d.level in ("province", "prefecture") and len(short) >= 2:
            forms.setdefault(short, []).append(d.code)
    by_name = {d.name: d.code for d in divisions.values() if list(forms[d.name]) == [d.code]}
    for short in rules["county_short_forms"]:
        codes = [d.code for d in divisions.values() if d.level == "county" and _short(d.name) == short]
        if codes:
            forms.setdefault(short, codes)
    collective = {name: [by_name[m] for m in members] for name, members in rules["collective"].items()}
    return automaton(set(forms) | set(collective)), forms, collective


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    """Full name -> code, for names that one division alone bears."""
    codes: dict[str, list[str]] = {}
    for code, d in gazetteer().items():
        codes.setdefault(d.name, []).append(code)
    return {name: found[0] for name, found in codes.items() if len(found) == 1}


def _parent_named(divisions: dict[str, Division], code: str, text: str) -> bool:
    parent = divisions[code].parent_code
    return parent is not None and (divisions[parent].name in text or _short(divisions[parent].name) in text)


@lru_cache(maxsize=1)
def _stop_automaton() -> Automaton:
    return automaton(place_rules()["stop_phrases"])


def _stop_spans(text: str) -> list[tuple[int, int]]:
    """Spans of stop phrases, found in one pass over the text (different phrases may overlap)."""
    return [(start, end) for start, end, _ in each_word_from_the_left(occurrences(_stop_automaton(), text))]


def _named_after(text: str, end: int) -> bool:
    """杭州湾, 上海港, 南京路: a place name followed by one of these names a water body, a port, a road, not the division."""
    return text.startswith(_named_after_suffixes(), end)


@lru_cache(maxsize=1)
def _named_after_suffixes() -> tuple[str, ...]:
    return tuple(place_rules()["named_after_suffixes"])


_PROVINCE_LETTERS = re.compile(r"[沪苏浙皖]{2,4}")


class _Taken:
    """Characters already read as part of a mention; overlap tests cost the match's length, not the text's."""

    def __init__(self, size: int):
        self.marks = bytearray(size)

    def overlaps(self, start: int, end: int) -> bool:
        return any(self.marks[start:end])

    def add(self, start: int, end: int) -> None:
        self.marks[start:end] = b"\x01" * (end - start)


def _province_letters(text: str, taken: _Taken) -> list[tuple[int, str]]:
    """One-character province forms standing in a list of them (苏浙皖, 沪苏): (position, province name)."""
    letters = place_rules()["province_letters"]
    found: list[tuple[int, str]] = []
    for m in _PROVINCE_LETTERS.finditer(text):
        if len(set(m.group(0))) != len(m.group(0)) or taken.overlaps(*m.span()):
            continue
        if m.end() < len(text) and text[m.end()] in place_rules()["city_letters_after"]:
            continue  # 沪苏湖, 苏锡常: the last letter starts a city's short form
        found.extend((m.start() + i, letters[ch]) for i, ch in enumerate(m.group(0)))
    return found


@lru_cache(maxsize=1)
def _city_letter_runs() -> re.Pattern[str]:
    return re.compile("[" + "".join(place_rules()["city_letters"]) + "]{2,4}")


def _city_compounds(text: str, taken: _Taken) -> list[tuple[int, str]]:
    """City letters in compounds (沪杭、杭绍甬舟、金义; 宁杭生态经济带): (position, division name)."""
    rules = place_rules()
    letters = rules["city_letters"]
    runs = [m for m in _city_letter_runs().finditer(text)
            if len(set(m.group(0))) == len(m.group(0)) and not taken.overlaps(*m.span())]
    found: list[tuple[int, str]] = []
    for i, m in enumerate(runs):
        listed = any(other is not m and (other.end() + 1 == m.start() or m.end() + 1 == other.start()) and "、" in text[min(m.end(), other.end()) : max(m.start(), other.start())]
                     for other in runs[max(0, i - 1) : i + 2])
        followed = any(text.startswith(word, m.end()) for word in rules["compound_context"])
        if listed or followed:
            found.extend((m.start() + k, letters[ch]) for k, ch in enumerate(m.group(0)))
    return found


def defined_short_forms(text: str) -> dict[str, str]:
    """Short forms a document defines: …示范区（以下简称“示范区”） -> {示范区: the long form}."""
    out: dict[str, str] = {}
    if "以下简称" not in text:  # the pattern backtracks over every clause; most texts define nothing
        return out
    for m in re.finditer(r"(?P<long>[^。；;：:（）()]{2,80}?)[（(]以下简称[“\"「]?(?P<short>[^”\"」（）()，,]{1,12})[”\"」]?[)）]", text):
        out[m["short"]] = m["long"]
    return out


def find_places(mt: MappedText, defined: dict[str, list[str]] | None = None) -> tuple[list[PlaceMention], list[str]]:
    """Mentions in a text, and names that were ambiguous (several divisions share them).

    defined: short forms the document itself defines, with the codes of what they stand for.
    """
    names_automaton, forms, collective = _matcher()
    divisions = gazetteer()
    by_name = _codes_by_name()
    mentions: list[PlaceMention] = []
    ambiguous: list[str] = []
    text = mt.text
    stopped = _Taken(len(text))
    for start, end in _stop_spans(text):
        stopped.add(start, end)
    taken = _Taken(len(text))
    found_names = leftmost_longest(occurrences(names_automaton, text))
    if defined:
        names = [(start, end) for start, end, _ in found_names]  # a short form inside a longer name is that name's
        owner = [-1] * len(text)
        for index, (start, end) in enumerate(names):
            owner[start:end] = [index] * (end - start)
        for short in sorted(defined, key=len, reverse=True):
            for m in re.finditer(re.escape(short), text):
                first, last = owner[m.start()], owner[m.end() - 1]
                inside = first != -1 and first == last and names[first] != m.span()
                if inside or taken.overlaps(*m.span()) or re.match(r"\s*[（(]以下简称", text[m.end() : m.end() + 12]):
                    continue
                taken.add(*m.span())
                mentions.extend(PlaceMention(code, mt[m.start() : m.end()], short) for code in defined[short])
    for start, end, name in found_names:
        if all(stopped.marks[start:end]) or taken.overlaps(start, end):
            continue
        if _named_after(text, end):
            continue
        taken.add(start, end)
        printed = mt[start:end]
        if name in collective:
            mentions.extend(PlaceMention(code, printed, name) for code in collective[name])
            continue
        codes = forms[name]
        if len(codes) > 1:  # 普陀区: keep it when its city or province is named in the same text
            context = [c for c in codes if _parent_named(divisions, c, text)]
            if len(context) != 1:
                ambiguous.append(name)
                continue
            codes = context
        mentions.append(PlaceMention(codes[0], printed, None))
    for position, province in _province_letters(text, taken):
        taken.add(position, position + 1)
        mentions.append(PlaceMention(by_name[province], mt[position : position + 1], None))
    for position, city in _city_compounds(text, taken):
        if city in by_name:
            mentions.append(PlaceMention(by_name[city], mt[position : position + 1], None))
    return mentions, ambiguous
