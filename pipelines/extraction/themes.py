"""Policy themes assigned to measures by reviewed term lists (rules/themes.yaml).

A term counts where it means the theme: not inside a stop phrase (标准 in
高标准建设). A measure gets the few themes it is about: each theme scores its
term occurrences, weak terms (机制, 产业) at WEAK_WEIGHT and terms in the
measure's title TITLE_WEIGHT times; themes scoring at least KEEP_SHARE of the
best score are kept, at most MAX_THEMES of them. The weights were set on the
gold sample in tests/gold/themes.yaml (see `make bench`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText
from pipelines.extraction.wordlists import Automaton, Occurrence, automaton, leftmost_longest, occurrences


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


@lru_cache(maxsize=1)
def _term_automaton() -> tuple[Automaton, dict[str, tuple[int, ...]]]:
    """One automaton of every theme's terms, and for each term the themes (by index) that list it."""
    listed_by: dict[str, tuple[int, ...]] = {}
    for index, theme in enumerate(themes()):
        for term in dict.fromkeys(theme.terms):
            listed_by[term] = (*listed_by.get(term, ()), index)
    return automaton(listed_by), listed_by


@lru_cache(maxsize=1)
def _stop_automaton() -> Automaton:
    return automaton(map(str, rule_data("themes").get("stop_phrases") or []))


def match_themes(mt: MappedText, title_end: int = 0) -> list[ThemeMatch]:
    """Themes whose terms occur in the text, outside stop phrases; matches before title_end count twice."""
    stopped = [(start, end) for start, end, _ in leftmost_longest(occurrences(_stop_automaton(), mt.text))]
    terms_automaton, listed_by = _term_automaton()
    # The text is read once for all themes; each theme then takes its own terms from the left, longest first.
    by_theme: dict[int, list[Occurrence]] = {}
    for occurrence in occurrences(terms_automaton, mt.text):
        for index in listed_by[occurrence[2]]:
            by_theme.setdefault(index, []).append(occurrence)
    matches = []
    for index, theme in enumerate(themes()):
        if index not in by_theme:
            continue
        found = [(start, end, term) for start, end, term in leftmost_longest(by_theme[index])
                 if not any(s <= start and end <= e for s, e in stopped)]
        if found:
            terms = tuple(dict.fromkeys(term for _, _, term in found))
            first_start, first_end, _ = found[0]
            score = sum((TITLE_WEIGHT if start < title_end else 1) * (WEAK_WEIGHT if term in theme.weak else 1) for start, _, term in found)
            matches.append(ThemeMatch(theme.theme_id, terms, mt[first_start:first_end], score))
    return matches


def main_themes(matches: list[ThemeMatch]) -> list[ThemeMatch]:
    """The few themes a measure is about: at least half the best score, at most MAX_THEMES."""
    if not matches:
        return []
    best = max(m.score for m in matches)
    ranked = sorted((m for m in matches if m.score >= max(KEEP_SHARE * best, MIN_SCORE)), key=lambda m: (-m.score, m.theme_id))
    return ranked[:MAX_THEMES]
