"""Reviewed errata (OCR confusions and the like), applied to `text` only.

The errata file lists pattern, replacement, scope and reason; every
application is recorded with the source span it corrects, so `text_original`
and the source stay as they were and each change can be audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.extraction.textmap import MappedText

ALL_DOCUMENTS = "*"


@dataclass(frozen=True)
class Erratum:
    rule_id: str
    pattern: str
    replacement: str
    scope: str  # a doc_id, or "*" for every document
    reason: str
    regex: bool = False

    @property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern if self.regex else re.escape(self.pattern))

    def applies_to(self, doc_id: str) -> bool:
        return self.scope in (ALL_DOCUMENTS, doc_id)


@dataclass(frozen=True)
class Application:
    rule_id: str
    reason: str
    start: int  # source span of the corrected characters
    end: int
    original: str
    corrected: str


def errata_from_data(data: Mapping[str, Any]) -> tuple[Erratum, ...]:
    rules = []
    for entry in data.get("corrections", []):
        rules.append(Erratum(str(entry["id"]), str(entry["pattern"]), str(entry["replacement"]), str(entry.get("scope", ALL_DOCUMENTS)), str(entry["reason"]), bool(entry.get("regex", False))))
    ids = [r.rule_id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("errata ids must be unique")
    return tuple(rules)


def apply_errata(mt: MappedText, errata: Iterable[Erratum]) -> tuple[MappedText, list[Application]]:
    """Apply each rule in turn; replacement characters map to the span they replace."""
    applications: list[Application] = []
    for rule in errata:
        edits = []
        for m in rule.compiled.finditer(mt.text):
            if m.end() == m.start():
                continue
            corrected = m.expand(rule.replacement) if rule.regex else rule.replacement
            edits.append((m.start(), m.end(), corrected))
            applications.append(Application(rule.rule_id, rule.reason, mt.starts[m.start()], mt.ends[m.end() - 1], m.group(0), corrected))
        if edits:
            mt = mt.edit(edits)
    return mt, applications
