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

import yaml

from pipelines.extraction.textmap import MappedText

RULES = Path(__file__).parent / "rules" / "places.yaml"
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
def place_rules() -> dict:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


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
def _matcher() -> tuple[re.Pattern[str], dict[str, list[str]], dict[str, list[str]]]:
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
    names = sorted(set(forms) | set(collective), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names))), forms, collective


def _stopped(text: str, start: int, end: int) -> bool:
    for phrase in place_rules()["stop_phrases"]:
        for m in re.finditer(re.escape(phrase), text):
            if m.start() <= start and end <= m.end():
                return True
    return False


def find_places(mt: MappedText) -> tuple[list[PlaceMention], list[str]]:
    """Mentions in a text, and names that were ambiguous (several divisions share them)."""
    pattern, forms, collective = _matcher()
    divisions = gazetteer()
    mentions: list[PlaceMention] = []
    ambiguous: list[str] = []
    text = mt.text
    for m in pattern.finditer(text):
        name = m.group(0)
        if _stopped(text, m.start(), m.end()):
            continue
        printed = mt[m.start() : m.end()]
        if name in collective:
            mentions.extend(PlaceMention(code, printed, name) for code in collective[name])
            continue
        codes = forms[name]
        if len(codes) > 1:  # 普陀区: keep it when its city or province is named in the same text
            context = [c for c in codes if divisions[c].parent_code and (divisions[divisions[c].parent_code].name in text or _short(divisions[divisions[c].parent_code].name) in text)]
            if len(context) != 1:
                ambiguous.append(name)
                continue
            codes = context
        mentions.append(PlaceMention(codes[0], printed, None))
    return mentions, ambiguous
