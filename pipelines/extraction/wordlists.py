"""Finding the words of a fixed list in a text with one Aho-Corasick automaton.

A regex alternation of many words tries each word at each position; the
automaton reads the text once, whatever the number of words. The helpers
reproduce exactly what the regex searches found before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ahocorasick

Automaton = Any  # ahocorasick.Automaton: the package has no type information
Occurrence = tuple[int, int, str]  # start, end, word


def automaton(words: Iterable[str]) -> Automaton:
    found = ahocorasick.Automaton()
    for word in words:
        if word:  # an empty word matches nothing that counts
            found.add_word(word, word)
    found.make_automaton()
    return found


def occurrences(words: Automaton, text: str) -> list[Occurrence]:
    """Every occurrence of every word, overlapping ones included, ordered by end."""
    if not text or not len(words):
        return []
    return [(last + 1 - len(word), last + 1, word) for last, word in words.iter(text)]


def leftmost_longest(found: Iterable[Occurrence]) -> list[Occurrence]:
    """The occurrences a scan from the left takes, the longest where several start, never overlapping.

    This is what `re.finditer` of the words joined longest first finds.
    """
    taken: list[Occurrence] = []
    reached = 0
    for occurrence in sorted(found, key=lambda o: (o[0], -o[1])):
        if occurrence[0] >= reached:
            taken.append(occurrence)
            reached = occurrence[1]
    return taken


def each_word_from_the_left(found: Iterable[Occurrence]) -> list[Occurrence]:
    """Each word's occurrences that do not overlap an earlier one of the same word (as a search for
    that word alone finds them); different words may overlap. `found` must be ordered by end."""
    taken: list[Occurrence] = []
    reached: dict[str, int] = {}
    for occurrence in found:
        start, end, word = occurrence
        if start >= reached.get(word, 0):
            taken.append(occurrence)
            reached[word] = end
    return taken
