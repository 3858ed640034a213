"""Policy themes assigned to measures by reviewed term lists (rules/themes.yaml).

A term counts where it means the theme: not inside a stop phrase (标准 in
高标准建设). A measure gets the few themes it is about: each theme scores its
term occurrences, weak terms (机制, 产业) at WEAK_WEIGHT and terms in the
measure's title TITLE_WEIGHT times; themes scoring at least KEEP_SHARE of the
best score are kept, at most MAX_THEMES of them. The weights were set on the
gold sample in tests/gold/themes.yaml (see `make bench`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText


@dataclass(frozen=True)
class Theme:
    theme_id: str
    label_zh: str
    label_en: str
    definition: str
    terms: tuple[str, ...]
    weak: frozenset[str] = frozenset()  # terms that count half: they occur in passing in other measures


MAX_THEMES = 3
KEEP_SHARE = 0.67  # of the best theme's score
MIN_SCORE = 0.5  # a lone weak term in passing is enough only when nothing else matched
TITLE_WEIGHT = 4  # a term in the measure's title counts this many times
WEAK_WEIGHT = 0.5  # weak terms (机制, 产业, 城市) occur in passing in measures about other things


@dataclass(frozen=True)
class ThemeMatch:
    theme_id: str
    terms: tuple[str, ...]  # distinct matched terms, in order of first occurrence
    first: MappedText  # the first match, for its span
    score: float = 0


@lru_cache(maxsize=1)
def themes() -> tuple[Theme, ...]:
    data = rule_data("themes")
    return tuple(
        Theme(t["id"], t["zh"], t["en"], t["definition"], tuple(map(str, t["terms"])), frozenset(map(str, t.get("weak", []))))
        for t in data["themes"]
    )


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))


@lru_cache(maxsize=1)
def _stop_pattern() -> re.Pattern[str] | None:
    data = rule_data("themes")
    phrases = data.get("stop_phrases") or []
    return re.compile("|".join(map(re.escape, sorted(phrases, key=len, reverse=True)))) if phrases else None


def match_themes(mt: MappedText, title_end: int = 0) -> list[ThemeMatch]:
    """Themes whose terms occur in the text, outside stop phrases; matches before title_end count twice."""
    stop = _stop_pattern()
    stopped = [m.span() for m in stop.finditer(mt.text)] if stop else []
    matches = []
    for theme in themes():
        found = [m for m in _pattern(theme.terms).finditer(mt.text) if not any(s <= m.start() and m.end() <= e for s, e in stopped)]
        if found:
            terms = tuple(dict.fromkeys(m.group(0) for m in found))
            first = found[0]
            score = sum((TITLE_WEIGHT if m.start() < title_end else 1) * (WEAK_WEIGHT if m.group(0) in theme.weak else 1) for m in found)
            matches.append(ThemeMatch(theme.theme_id, terms, mt[first.start() : first.end()], score))
    return matches


def main_themes(matches: list[ThemeMatch]) -> list[ThemeMatch]:
    """The few themes a measure is about: at least half the best score, at most MAX_THEMES."""
    if not matches:
        return []
    best = max(m.score for m in matches)
    ranked = sorted((m for m in matches if m.score >= max(KEEP_SHARE * best, MIN_SCORE)), key=lambda m: (-m.score, m.theme_id))
    return ranked[:MAX_THEMES]
