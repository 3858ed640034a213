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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


class ErratumEntry(BaseModel):
    """One entry of an errata file; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    pattern: str = Field(min_length=1)
    replacement: str
    scope: str = Field(ALL_DOCUMENTS, min_length=1)
    reason: str = Field(min_length=3, description="why the source text is wrong")
    regex: bool = False

    @model_validator(mode="after")
    def _valid_regex(self) -> ErratumEntry:
        if not self.regex:
            return self
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        for ref in re.findall(r"\\(\d+)|\\g<(\w+)>", self.replacement):
            number, name = ref
            known = (name in compiled.groupindex or (name.isdigit() and int(name) <= compiled.groups)) if name else int(number) <= compiled.groups
            if not known:
                raise ValueError(f"replacement refers to group {number or name}, which the pattern does not have")
        return self


def errata_from_data(data: Any, file_name: str = "errata file") -> tuple[tuple[Erratum, ...], list[str]]:
    """The valid errata of a file, and one message per invalid entry (naming it, the key and the fix).

    One bad entry never drops the others.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("corrections", []), list):
        return (), [f"{file_name} must hold a mapping with a list under 'corrections'"]
    unknown = set(data) - {"corrections"}
    problems = [f"{file_name}: unknown top-level key(s) {sorted(unknown)}: only 'corrections' is read"] if unknown else []
    rules: list[Erratum] = []
    for position, entry in enumerate(data.get("corrections", []), start=1):
        label = f"{file_name} entry {position}" + (f" ({entry.get('id')})" if isinstance(entry, Mapping) and entry.get("id") else "")
        try:
            valid = ErratumEntry.model_validate(entry)
        except ValidationError as exc:
            details = "; ".join(f"key '{'.'.join(str(p) for p in e['loc']) or '(entry)'}': {e['msg']}" for e in exc.errors())
            problems.append(f"{label} was ignored: {details}")
            continue
        if any(r.rule_id == valid.id for r in rules):
            problems.append(f"{label} was ignored: the id {valid.id} is used by an earlier entry; ids must be unique")
            continue
        rules.append(Erratum(valid.id, valid.pattern, valid.replacement, valid.scope, valid.reason, valid.regex))
    return tuple(rules), problems


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
