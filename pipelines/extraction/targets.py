"""Quantitative targets: indicator, comparator, value (and range), unit, years.

Works on normalised text that keeps its source map, so every target has the
span of its quote. "到2025年，…" gives the target year of every target after
it in the same paragraph; statements about the past are not targets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pipelines.extraction.rulefiles import rule_data
from pipelines.extraction.textmap import MappedText

_YEAR_CONTEXT = re.compile(r"(?:到|至|力争到|力争|截至)\s*(20\d\d)\s*年(?:底|末|前)?|(20\d\d)\s*年(?:前|底前|以前)")
_CLAUSE_END = re.compile(r"[，,；;。\n]")
# The characters _clauses acts on: brackets change the depth, clause ends cut outside brackets.
_CLAUSE_SIGNS = re.compile(r"[（()），,；;。\n]")
# Every target pattern and every year context holds a digit: a paragraph without one has no target.
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Target:
    indicator: str
    comparator: str
    value: Decimal
    value_max: Decimal | None
    unit: str | None
    base_year: int | None
    target_year: int | None
    quote: MappedText
    kind: str = "goal"


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    data = dict(rule_data("targets"))  # a copy: compiled patterns are added to it
    phrases = sorted(data["comparators"], key=len, reverse=True)
    number = r"(?P<value>\d+(?:\.\d+)?)(?:\s*(?:%|％)?\s*(?:[-—~～至到])\s*(?P<value_max>\d+(?:\.\d+)?))?"
    unit = "(?P<unit>" + unit_grammar(data) + ")?"
    ratio = r"(?P<ratio>\s*[:∶]\s*1(?![\d.]))?"
    qualifier = "(?P<qualifier>" + "|".join(data["qualifiers"]) + ")?"
    data["phrase_re"] = re.compile("(?P<phrase>" + "|".join(map(re.escape, phrases)) + r")\s*" + number + ratio + r"\s*" + unit + qualifier)
    data["bare_re"] = re.compile(r"(?<![\d.])" + number + r"\s*" + unit + r"(?P<qualifier>以上|以下|以内)")
    changes = "|".join(data["change_words"])
    data["change_re"] = re.compile(r"较\s*(?P<base>(?:19|20)\d\d)\s*年(?P<change>" + changes + r")\s*" + number + r"\s*" + unit + qualifier)
    # A yearly rate (年均增长10%左右) has no base year.
    data["rate_re"] = re.compile(r"(?P<change>年均(?:" + changes + r"))\s*" + number + r"\s*" + unit + qualifier)
    # A count after a verb of creating, with the object after it: 培育形成8—10个世界级先进制造业集群, 新增…航道里程500公里.
    verbs = _alternatives(data["count_verbs"])
    data["count_re"] = re.compile(r"(?P<verb>" + verbs + r")\s*" + number + r"\s*(?P<unit>" + unit_grammar(data) + r")(?P<what>[^，,。；;、\d]{2,24})")
    data["added_re"] = re.compile(r"(?P<verb>新增|新建|建成)(?P<what>[^，,。；;\d]{2,24}?)\s*" + number + r"\s*" + unit + qualifier)
    money = _alternatives(data["magnitudes"]) + "?(?:元|美元)"
    data["funding_re"] = re.compile(r"(?P<verb>安排|设立|出资|投入|筹集|提供|给予)(?P<what>[^，,。；;\d]{1,20}?)(?:共|合计|总额|规模)?\s*"
                                    + r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>" + money + ")")
    data["value_unit_re"] = re.compile(r"(\d+(?:\.\d+)?)\s*(" + unit_grammar(data) + ")?")
    data["lead_verbs_re"] = re.compile("|".join(sorted(data["lead_verbs"], key=len, reverse=True)))
    return data


def _alternatives(words: list[str]) -> str:
    return "(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + ")"


def unit_grammar(data: dict[str, Any]) -> str:
    """A unit: a percentage, or [magnitude] base unit [/ [magnitude] base unit], or a magnitude alone (2.1万)."""
    magnitude, base = _alternatives(data["magnitudes"]), _alternatives(data["base_units"])
    simple = f"{magnitude}?{base}"
    return f"{_alternatives(data['percent_units'])}|{simple}(?:\\s*/\\s*{simple})?|{magnitude}(?![\\u4e00-\\u9fff])"


def target_kind(clause: str, unit: str | None, target_year: int | None, rules: dict[str, Any]) -> str:
    """funding (money the clause commits), parameter (a term or limit a rule sets) or goal."""
    if unit and unit.endswith("元") and any(word in clause for word in rules["funding_words"]):
        return "funding"
    if target_year is None and ((unit or "") in rules["time_units"] or any(word in clause for word in rules["parameter_words"])):
        return "parameter"
    return "goal"


def _clauses(mt: MappedText) -> list[tuple[MappedText, bool]]:
    """Clauses outside brackets, each with whether it ends a sentence."""
    out, pos, depth = [], 0, 0
    for sign in _CLAUSE_SIGNS.finditer(mt.text):  # other characters change nothing: skip them in C
        i, ch = sign.start(), sign.group()
        depth += 1 if ch in "（(" else -1 if ch in "）)" else 0
        if depth <= 0 and _CLAUSE_END.match(ch):
            out.append((mt[pos:i].strip(), ch in "。\n"))
            pos, depth = i + 1, 0
    out.append((mt[pos:].strip(), True))
    return [(c, end) for c, end in out if c]


def _indicator(before: str, after: str, rules: dict[str, Any]) -> str:
    text = before.strip()
    text = re.sub(r"^(?:到|至)?\s*20\d\d\s*年(?:底|末|前)?[，,]?", "", text)
    if "（" in text and "）" not in text[text.rindex("（"):]:
        head, qualifier = text[: text.rindex("（")], text[text.rindex("（") + 1 :]
        text = f"{_after_lead_verb(head, rules)}（{qualifier.strip()}）" if qualifier.strip() else _after_lead_verb(head, rules)
    else:
        text = _after_lead_verb(text, rules)
    text = re.sub(r"^(?:并|且|其中|同时|全面|基本|力争|确保|努力|进一步)", "", text).strip()
    text = re.sub(r"(?:均|分别|都|最长|最多|年均|累计)$", "", text).strip()
    if not text and after.strip():  # "给予2年以上(的)工作许可": the indicator follows the number
        text = re.split(r"[，,；;。]", after.strip().removeprefix("的"))[0].strip()
    return text or before.strip()


def _after_lead_verb(text: str, rules: dict[str, Any]) -> str:
    """The noun phrase after the last lead verb ("设立…专项资金" gives 专项资金…); may be empty."""
    matches = list(rules["lead_verbs_re"].finditer(text))
    return text[matches[-1].end() :].strip() if matches else text.strip()


def _comparator(phrase_cmp: str, qualifier: str | None, rules: dict[str, Any]) -> str:
    if qualifier:
        return str(rules["qualifiers"][qualifier])
    return phrase_cmp


def _split_indicators(indicator: str) -> list[str]:
    parts = [p for p in re.split(r"[、和与]", indicator) if p]
    return parts if len(parts) > 1 else [indicator]


def extract_targets(mt: MappedText) -> list[Target]:
    """Targets in one paragraph of normalised text."""
    if not _DIGIT.search(mt.text):
        return []
    rules = _rules()
    targets: list[Target] = []
    year: int | None = None
    past = False  # a sentence that opens with a bare year ("2023年，…") reports, it does not target
    for clause, ends_sentence in _clauses(mt):
        text = clause.text
        if not _DIGIT.search(text):  # no year to set, no target: only the end of a sentence matters
            if ends_sentence:
                past = False
            continue
        contexts = list(_YEAR_CONTEXT.finditer(text))
        for m in contexts:
            year, past = int(m.group(1) or m.group(2)), False
        if not contexts and re.match(r"(19|20)\d\d\s*年", text):
            past = True
        skip = past or any(marker in text for marker in rules["past_markers"])
        if ends_sentence:
            past = False
        if skip:
            continue
        found = False
        for m in rules["change_re"].finditer(text):
            found = True
            indicator = _indicator(text[: m.start()], text[m.end() :], rules) + m["change"]
            comparator = rules["qualifiers"][m["qualifier"]] if m["qualifier"] else "="
            targets.append(Target(indicator, comparator, Decimal(m["value"]), _dec(m["value_max"]), m["unit"], int(m["base"]), year, clause))
        for m in [] if found else rules["rate_re"].finditer(text):
            found = True
            indicator = _indicator(text[: m.start()], text[m.end() :], rules) + m["change"]
            comparator = rules["qualifiers"][m["qualifier"]] if m["qualifier"] else "="
            targets.append(Target(indicator, comparator, Decimal(m["value"]), _dec(m["value_max"]), m["unit"], None, year, clause))
        if found:
            continue
        for m in rules["phrase_re"].finditer(text):
            if not m["unit"] and not m["ratio"] and not m["qualifier"] and not re.match(r"\s*[%％]", text[m.end() :]):
                # a bare number after 达 ("达3家") still counts only with a unit
                if m["phrase"] in ("达",):
                    continue
            unit = ":1" if m["ratio"] else m["unit"]
            comparator = _comparator(rules["comparators"][m["phrase"]], m["qualifier"], rules)
            if m["value_max"] and not m["qualifier"]:
                comparator = "="  # a range is a band to land in
            before = text[: m.start()]
            multi = re.search(r"(分别|均)$", before.strip())
            indicator = _indicator(before, text[m.end() :], rules)
            values = [(m["value"], unit)]
            if multi and multi.group(1) == "分别":  # "分别达到1.8和5%": one value (and unit) per indicator
                values = [(v, u or None) for v, u in rules["value_unit_re"].findall(text[m.start("value") :])]
            names = _split_indicators(indicator) if multi else [indicator]
            for i, name in enumerate(names):
                value, value_unit = values[i] if i < len(values) else values[-1]
                targets.append(Target(name, comparator, Decimal(value), _dec(m["value_max"]), value_unit, None, year, clause))
            found = True
        if found:
            continue
        for m in rules["funding_re"].finditer(text):
            found = True
            targets.append(Target(m["what"].strip(), "=", Decimal(m["value"]), None, m["unit"], None, year, clause))
        if found:
            continue
        for m in rules["added_re"].finditer(text):
            if m["unit"]:
                found = True
                comparator = rules["qualifiers"][m["qualifier"]] if m["qualifier"] else "="
                targets.append(Target(_indicator(text[: m.start()], "", rules) + m["verb"] + m["what"].strip(), comparator, Decimal(m["value"]), _dec(m["value_max"]), m["unit"], None, year, clause))
        for m in [] if found else rules["count_re"].finditer(text):
            found = True
            targets.append(Target(m["what"].strip(), "=", Decimal(m["value"]), _dec(m["value_max"]), m["unit"], None, year, clause))
        if found:
            continue
        for m in rules["bare_re"].finditer(text):
            indicator = _indicator(text[: m.start()], text[m.end() :], rules)
            targets.append(Target(indicator, rules["qualifiers"][m["qualifier"]], Decimal(m["value"]), _dec(m["value_max"]), m["unit"], None, year, clause))
    return [replace(t, kind=target_kind(t.quote.text, t.unit, t.target_year, rules)) for t in targets if t.indicator]


def _dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None
