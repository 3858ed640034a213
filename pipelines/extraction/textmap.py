"""Text that remembers where each character came from.

Every cleaning step (markup removal, noise removal, line joining) produces a
new MappedText whose characters still carry their offsets in the decoded
source, so every extracted record gets an exact span without re-searching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain


@dataclass(frozen=True)
class MappedText:
    text: str
    starts: tuple[int, ...]  # source offset of each character
    ends: tuple[int, ...]  # source offset just past each character

    @classmethod
    def of_source(cls, source: str) -> MappedText:
        return cls(source, tuple(range(len(source))), tuple(range(1, len(source) + 1)))

    @classmethod
    def empty(cls) -> MappedText:
        return cls("", (), ())

    def __len__(self) -> int:
        return len(self.text)

    def __bool__(self) -> bool:
        return bool(self.text)

    def __getitem__(self, key: slice) -> MappedText:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("MappedText supports contiguous slices only")
        return MappedText(self.text[key], self.starts[key], self.ends[key])

    def __add__(self, other: MappedText) -> MappedText:
        return MappedText(self.text + other.text, self.starts + other.starts, self.ends + other.ends)

    @property
    def span(self) -> tuple[int, int]:
        """(start, end) in the source; the text must be non-empty."""
        return self.starts[0], self.ends[-1]

    @staticmethod
    def join(parts: Iterable[MappedText]) -> MappedText:
        parts = list(parts)
        return MappedText(
            "".join(p.text for p in parts),
            tuple(chain.from_iterable(p.starts for p in parts)),
            tuple(chain.from_iterable(p.ends for p in parts)),
        )

    def strip(self) -> MappedText:
        text = self.text
        left = len(text) - len(text.lstrip())
        right = len(text.rstrip())
        if left == 0 and right == len(text):  # nothing to strip: the text is immutable, no need to copy its maps
            return self
        return self[left:right] if right > left else MappedText.empty()

    def lines(self) -> Iterator[MappedText]:
        """Lines without their terminators (\\n, \\r\\n, \\r)."""
        pos = 0
        for match in re.finditer(r"\r\n|\r|\n", self.text):
            yield self[pos : match.start()]
            pos = match.end()
        yield self[pos:]

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> MappedText:
        """Replace non-overlapping [start, end) ranges by new text.

        Each replacement character maps to the whole source range it replaces
        (an HTML entity, say); an insertion maps to an empty range there.
        """
        pieces: list[MappedText] = []
        pos = 0
        for start, end, replacement in sorted(edits):
            if start < pos:
                raise ValueError("overlapping edits")
            pieces.append(self[pos:start])
            if replacement:
                if end > start:
                    s, e = self.starts[start], self.ends[end - 1]
                else:
                    s = e = self.starts[start] if start < len(self) else (self.ends[-1] if len(self) else 0)
                n = len(replacement)
                pieces.append(MappedText(replacement, (s,) * n, (e,) * n))
            pos = end
        pieces.append(self[pos:])
        return MappedText.join(pieces)
