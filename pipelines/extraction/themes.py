"""Policy themes assigned to measures by reviewed term lists (rules/themes.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.extraction.textmap import MappedText

RULES = Path(__file__).parent / "rules" / "themes.yaml"


@dataclass(frozen=True)
class Theme:
    theme_id: str
    label_zh: str
    label_en: str
    definition: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class ThemeMatch:
    theme_id: str
    terms: tuple[str, ...]  # distinct matched terms, in order of first occurrence
    first: MappedText  # the first match, for its span


@lru_cache(maxsize=1)
def themes() -> tuple[Theme, ...]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return tuple(Theme(t["id"], t["zh"], t["en"], t["definition"], tuple(map(str, t["terms"]))) for t in data["themes"])


@lru_cache(maxsize=None)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))


def match_themes(mt: MappedText) -> list[ThemeMatch]:
    matches = []
    for theme in themes():
        found = list(_pattern(theme.terms).finditer(mt.text))
        if found:
            terms = tuple(dict.fromkeys(m.group(0) for m in found))
            first = found[0]
            matches.append(ThemeMatch(theme.theme_id, terms, mt[first.start() : first.end()]))
    return matches
