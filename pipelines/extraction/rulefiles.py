"""The reviewed rule files (rules/*.yaml) as typed models that reject unknown keys.

A rule file serves every document, so a broken one stops the build before
anything is extracted, with a message naming the file, the key and the fix.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

RULES_DIR = Path(__file__).parent / "rules"
Comparator = Literal["=", ">=", "<=", ">", "<", "~"]
Level = Literal["central", "provincial", "regional body", "local"]
Role = Literal["lead", "participant", "unspecified"]


class RuleFileError(ValueError):
    """A rule file breaks its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class KindPattern(_Strict):
    kind: str
    pattern: str
    _check = field_validator("pattern")(classmethod(lambda cls, v: _regex(v)))


class StructureRules(_Strict):
    framework_titles: list[str]
    implementation_titles: list[str]
    matter_patterns: list[KindPattern]
    closing_patterns: list[KindPattern]
    issuer_labels: list[str]
    organisation_suffixes: list[str]
    declared_count_pattern: str
    _check = field_validator("declared_count_pattern")(classmethod(lambda cls, v: _regex(v)))


class NoiseRule(_Strict):
    name: str
    scope: Literal["line", "inline"]
    pattern: str
    ends_body: bool = False
    _check = field_validator("pattern")(classmethod(lambda cls, v: _regex(v)))


class NoiseRules(_Strict):
    rules: list[NoiseRule]


class KnownAgency(_Strict):
    name: str
    aliases: list[str] = []
    level: Level
    jurisdiction: str


class AgencyRules(_Strict):
    role_labels: dict[str, Role]
    role_verbs: dict[str, Role]
    first_listed_leads: str
    scopes: dict[str, str]
    generic_suffixes: list[str]
    branch_suffixes: list[str] = []
    complete_suffixes: list[str]
    known: list[KnownAgency]
    level_prefixes: dict[Level, list[str]]
    _check = field_validator("first_listed_leads")(classmethod(lambda cls, v: _regex(v)))


class TargetRules(_Strict):
    comparators: dict[str, Comparator]
    qualifiers: dict[str, Comparator]
    change_words: list[str]
    magnitudes: list[str]
    base_units: list[str]
    percent_units: list[str]
    count_verbs: list[str]
    past_markers: list[str]
    lead_verbs: list[str]
    funding_words: list[str]
    parameter_words: list[str]
    time_units: list[str]


class PlaceRules(_Strict):
    provinces: list[str]
    county_short_forms: list[str]
    collective: dict[str, list[str]]
    stop_phrases: list[str]
    named_after_suffixes: list[str]
    province_letters: dict[str, str]
    city_letters_after: list[str]
    city_letters: dict[str, str]
    compound_context: list[str]


class ThemeEntry(_Strict):
    id: str
    zh: str
    en: str
    definition: str
    terms: list[str]
    weak: list[str] = []


class ThemeRules(_Strict):
    stop_phrases: list[str] = []
    themes: list[ThemeEntry]


MODELS: dict[str, type[_Strict]] = {
    "structure": StructureRules, "noise": NoiseRules, "agencies": AgencyRules,
    "targets": TargetRules, "places": PlaceRules, "themes": ThemeRules,
}


# libyaml's safe loader when PyYAML has it: the same data, a tenth of the time of the pure-Python one
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def rule_data(name: str) -> dict[str, Any]:
    """rules/<name>.yaml checked against its model, as plain data for the step that uses it."""
    path = RULES_DIR / f"{name}.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a SafeLoader
        model = MODELS[name].model_validate(data)
    except yaml.YAMLError as exc:
        raise RuleFileError(f"rules/{path.name} is not readable YAML: {' '.join(str(exc).split())}") from None
    except ValidationError as exc:
        details = "; ".join(
            f"key '{'.'.join(str(p) for p in e['loc'])}': {'unknown key, remove it or fix its spelling' if e['type'] == 'extra_forbidden' else e['msg']}"
            for e in exc.errors()
        )
        raise RuleFileError(f"rules/{path.name}: {details}") from None
    return model.model_dump()
