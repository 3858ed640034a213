"""Responsible agencies from responsibility clauses.

（责任单位：A、B，C）, （A、B负责）, （A牵头，B配合）, （牵头单位：…；配合单位：…）,
"…等负责", "…等有关部门负责": lists are split, shared parts expanded
("两省一市发展改革、规划资源部门" gives 两省一市发展改革部门 and
两省一市规划资源部门), and each agency keeps the span of its printed item.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText

_ITEM_SEPARATORS = re.compile(r"[、，,]")
_GROUP_SEPARATORS = re.compile(r"[，,]")  # 、 joins items that share a suffix; ， ends such a group
_SEGMENT_SEPARATORS = re.compile(r"[；;]")


@dataclass(frozen=True)
class AgencyRules:
    role_labels: dict[str, str]
    role_verbs: dict[str, str]
    first_listed_leads: re.Pattern[str]
    scopes: dict[str, str]
    generic_suffixes: tuple[str, ...]
    branch_suffixes: tuple[str, ...]
    complete_suffixes: tuple[str, ...]
    known: tuple[dict[str, Any], ...]
    level_prefixes: dict[str, tuple[str, ...]]

    @property
    def alias_to_known(self) -> dict[str, dict[str, Any]]:
        out = {}
        for entry in self.known:
            for alias in [entry["name"], *entry.get("aliases", [])]:
                out[alias] = entry
        return out


@lru_cache(maxsize=1)
def agency_rules() -> AgencyRules:
    data = rule_data("agencies")
    def by_length(items: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(items, key=len, reverse=True))

    return AgencyRules(
        role_labels=data["role_labels"],
        role_verbs=data["role_verbs"],
        first_listed_leads=re.compile(data["first_listed_leads"]),
        scopes=dict(sorted(data["scopes"].items(), key=lambda kv: len(kv[0]), reverse=True)),
        generic_suffixes=by_length(data["generic_suffixes"]),
        branch_suffixes=by_length(data.get("branch_suffixes", [])),
        complete_suffixes=by_length(data["complete_suffixes"]),
        known=tuple(data["known"]),
        level_prefixes={k: by_length(v) for k, v in data["level_prefixes"].items()},
    )


@dataclass(frozen=True)
class AgencyMention:
    name: str  # expanded, canonical where known
    role: str  # lead | participant | unspecified
    item: MappedText  # the printed item, for its span


def agency_id(name: str) -> str:
    return "ag-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


def _strip(mt: MappedText, pattern: str) -> MappedText:
    m = re.search(pattern, mt.text)
    return mt[: m.start()].strip() if m else mt


def _split(mt: MappedText, pattern: re.Pattern[str]) -> list[MappedText]:
    pieces, pos = [], 0
    for m in pattern.finditer(mt.text):
        pieces.append(mt[pos : m.start()].strip())
        pos = m.end()
    pieces.append(mt[pos:].strip())
    return [p for p in pieces if p]


def _segments(clause: MappedText, rules: AgencyRules) -> list[tuple[str | None, MappedText]]:
    """(role or None, agency list) pieces of a clause."""
    out: list[tuple[str | None, MappedText]] = []
    for segment in _split(clause, _SEGMENT_SEPARATORS):
        label = re.match(r"(" + "|".join(map(re.escape, rules.role_labels)) + r")\s*[:：]\s*", segment.text)
        if label:
            out.append((rules.role_labels[label.group(1)], segment[label.end() :].strip()))
            continue
        # Unlabelled: "A牵头，B配合" or "A、B负责" or "A等有关部门负责".
        verbs = "|".join(map(re.escape, rules.role_verbs))
        parts = list(re.finditer(rf"(.+?)(?:等(?:有关|相关)?(?:部门|单位)?)?({verbs})(?:[，,]|$)", segment.text))
        if parts and parts[-1].end() == len(segment.text):
            for m in parts:
                out.append((rules.role_verbs[m.group(2)], segment[m.start(1) : m.end(1)].strip()))
        else:
            out.append((None, segment))
    return out


def _scope_of(text: str, rules: AgencyRules) -> str | None:
    return next((s for s in rules.scopes if text.startswith(s)), None)


def _has_own_scope(text: str, rules: AgencyRules) -> bool:
    if _scope_of(text, rules) or text in rules.alias_to_known:
        return True
    prefixes = [p for level, items in rules.level_prefixes.items() if level != "local" for p in items]
    return any(text.startswith(p) for p in prefixes)


def expand_list(groups: list[list[str]], rules: AgencyRules) -> list[str]:
    """Expand shared parts over groups of agency items.

    Items of a 、-group share the suffix of its last item; the scope prefix of
    the first item carries to every later item that has no scope of its own.
    """
    scope = _scope_of(groups[0][0], rules) if groups and groups[0] else None
    names: list[str] = []
    for items in groups:
        names.extend(_expand_group(items, scope, names, rules))
    return names


def _expand_group(items: list[str], scope: str | None, before: list[str], rules: AgencyRules) -> list[str]:
    branch = next((s for s in rules.branch_suffixes if items and items[-1].endswith(s) and items[-1] != s), None)
    suffix = branch or next((s for s in rules.generic_suffixes if items and items[-1].endswith(s) and items[-1] != s), None)
    names: list[str] = []
    for i, item in enumerate(items):
        name = item
        if branch and i < len(items) - 1:
            name = name + branch
            if scope and not _has_own_scope(name, rules):
                name = scope + name
            names.append(name)
            continue
        if name in rules.generic_suffixes and (names or before):  # "各相关部门、单位": the bare suffix takes the previous stem
            previous = (names or before)[-1]
            stem_suffix = next((s for s in rules.generic_suffixes if previous.endswith(s)), "")
            name = previous[: len(previous) - len(stem_suffix)] + name
        elif suffix and not any(name.endswith(s) for s in rules.complete_suffixes) and i < len(items) - 1:
            name = name + suffix
        if scope and not _has_own_scope(name, rules):
            name = scope + name
        names.append(name)
    return names


def _split_and(item: MappedText, rules: AgencyRules) -> list[MappedText]:
    """有关部门和三省一市人民政府: 和 joins two bodies when the left one is a complete name (工业和信息化部 is one body)."""
    for m in re.finditer("和", item.text):
        left = item.text[: m.start()]
        if any(left.endswith(s) for s in rules.complete_suffixes) and len(item.text) - m.end() >= 2:
            return [item[: m.start()].strip(), *_split_and(item[m.end() :].strip(), rules)]
    return [item]


def parse_clause(clause: MappedText, first_listed_leads: bool = False) -> list[AgencyMention]:
    rules = agency_rules()
    aliases = rules.alias_to_known
    mentions: list[AgencyMention] = []
    clause = _strip(clause, r"[。.；;]+$")
    segments = _segments(clause, rules)
    # Beside a named lead (牵头单位：…；责任单位：…) the other listed bodies take part.
    has_lead = any(role == "lead" for role, _ in segments)
    segments = [("participant" if has_lead and role == "unspecified" else role, agencies) for role, agencies in segments]
    for role, agency_list in segments:
        agency_list = _strip(agency_list, r"等(有关|相关)?(部门|单位)?$")
        groups = [_split(group, re.compile("、")) for group in _split(agency_list, _GROUP_SEPARATORS)]
        groups = [[piece for item in group for piece in _split_and(item, rules)] for group in groups]
        items = [item for group in groups for item in group]
        names = expand_list([[i.text for i in group] for group in groups], rules)
        for position, (item, name) in enumerate(zip(items, names)):
            if role is None or (role == "unspecified" and first_listed_leads):
                given = "lead" if first_listed_leads and position == 0 and not mentions else ("participant" if first_listed_leads else "unspecified")
            else:
                given = role
            canonical = aliases.get(name, {}).get("name", name)
            mentions.append(AgencyMention(canonical, given, item))
    return mentions


def describe(name: str) -> dict[str, Any]:
    """Level and jurisdiction of an agency, from the known list or its name."""
    rules = agency_rules()
    known = rules.alias_to_known.get(name)
    if known:
        return {"level": known["level"], "jurisdiction": known["jurisdiction"], "aliases": sorted(a for a in known.get("aliases", []))}
    scope = _scope_of(name, rules)
    level = next((lvl for lvl, prefixes in rules.level_prefixes.items() if any(name.startswith(p) for p in prefixes)), "provincial" if scope else "local")
    jurisdiction = rules.scopes.get(scope) if scope else None
    if jurisdiction is None:
        m = re.match(r"(.*?[省市县区])", name)
        jurisdiction = m.group(1) if m and level != "central" else ("全国" if level == "central" else None)
    return {"level": level, "jurisdiction": jurisdiction, "aliases": []}


def first_listed_leads_from(text: str) -> int | None:
    """Position of a 'the first listed leads' rule in a text, if any."""
    m = agency_rules().first_listed_leads.search(text)
    return m.start() if m else None
