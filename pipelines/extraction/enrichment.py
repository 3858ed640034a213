"""Enrichment of one document's records: agencies, targets, places, themes.

Runs on the corrected, normalised text fields (which keep their source map),
so every value found carries the span of its evidence in the source.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipelines.extraction.agencies import agency_id, describe, first_listed_leads_from, parse_clause
from pipelines.extraction.places import defined_short_forms, find_places
from pipelines.extraction.targets import extract_targets
from pipelines.extraction.textmap import MappedText
from pipelines.extraction.themes import ThemeMatch, main_themes, match_themes


def _fields_by_object(result: Any, table: str, field: str) -> dict[str, list[MappedText]]:
    grouped: dict[str, list[MappedText]] = defaultdict(list)
    for tf in result.text_fields:
        if tf.table == table and tf.field == field:
            grouped[tf.object_id].append(tf.mt)
    return grouped


def add_responsibilities(result: Any) -> None:
    rule_at = None
    for tf in sorted(result.text_fields, key=lambda tf: tf.mt.starts[0]):
        position = first_listed_leads_from(tf.mt.text)
        if position is not None:
            rule_at = tf.mt.starts[position]
            break
    known = {a["agency_id"] for a in result.agencies}
    for measure_id, clauses in _fields_by_object(result, "measures", "responsibility_text").items():
        seq = 0
        for clause in clauses:
            leads_first = rule_at is not None and clause.starts[0] > rule_at
            for mention in parse_clause(clause, first_listed_leads=leads_first):
                seq += 1
                start, end = mention.item.span
                aid = agency_id(mention.name)
                result.responsibilities.append(
                    {"measure_id": measure_id, "seq": seq, "agency_id": aid, "role": mention.role, "agency_text": mention.item.text,
                     "raw_text": clause.text, "span_start": start, "span_end": end}
                )
                if aid not in known:
                    known.add(aid)
                    result.agencies.append({"agency_id": aid, "name": mention.name, **describe(mention.name)})


def add_targets(result: Any) -> None:
    sources = [("measures", "text", "measure_id"), ("sections", "intro_text", "section_id"), ("sections", "title", "section_id")]
    for table, field, key in sources:
        for object_id, pieces in _fields_by_object(result, table, field).items():
            n = sum(1 for t in result.targets if t[key] == object_id)
            for piece in pieces:
                for target in extract_targets(piece):
                    n += 1
                    start, end = target.quote.span
                    result.targets.append(
                        {"target_id": f"{object_id}-t{n:02d}", "doc_id": result.doc_id,
                         "measure_id": object_id if key == "measure_id" else None,
                         "section_id": object_id if key == "section_id" else None,
                         "indicator": target.indicator, "comparator": target.comparator, "value": float(target.value),
                         "value_max": float(target.value_max) if target.value_max is not None else None, "unit": target.unit,
                         "base_year": target.base_year, "target_year": target.target_year, "kind": target.kind, "quote": target.quote.text,
                         "span_start": start, "span_end": end}
                    )


def _defined_places(result: Any) -> dict[str, list[str]]:
    """Short forms the document defines for places (…示范区（以下简称示范区）, 以下简称“两区一县”), with their codes."""
    defined: dict[str, list[str]] = {}
    for tf in result.text_fields:
        for short, long in defined_short_forms(tf.mt.text).items():
            found, _ = find_places(MappedText.of_source(long))
            codes = list(dict.fromkeys(m.code for m in found))
            if codes and short not in defined:
                defined[short] = codes
    return defined


def add_places(result: Any) -> None:
    mentions = []
    ambiguous: set[str] = set()
    defined = _defined_places(result)
    for tf in result.text_fields:
        found, unresolved = find_places(tf.mt, defined)
        ambiguous.update(unresolved)
        for mention in found:
            start, end = mention.text.span
            mentions.append((start, end, mention.code, tf.object_id, tf.field, mention.text.text, mention.collective))
    for n, (start, end, code, object_id, field, text, collective) in enumerate(sorted(set(mentions)), start=1):
        result.place_mentions.append(
            {"mention_id": f"{result.doc_id}-pm{n:04d}", "doc_id": result.doc_id, "object_id": object_id, "field": field, "place_code": code,
             "mention_text": text, "via_collective": collective, "span_start": start, "span_end": end}
        )
    for name in sorted(ambiguous):
        result.issue("places", "info", f"place name {name} matches several divisions and was not resolved")


def add_themes(result: Any) -> None:
    texts = _fields_by_object(result, "measures", "text")
    for measure in result.measures:
        merged: dict[str, ThemeMatch] = {}
        title = measure.get("title") or ""
        for piece in texts.get(measure["measure_id"], []):
            title_end = len(title) if title and piece.text.startswith(title) else 0
            for match in match_themes(piece, title_end):
                if match.theme_id in merged:
                    seen = merged[match.theme_id]
                    terms = seen.terms + tuple(t for t in match.terms if t not in seen.terms)
                    match = ThemeMatch(match.theme_id, terms, seen.first, seen.score + match.score)
                merged[match.theme_id] = match
        chosen = main_themes(list(merged.values()))
        for match in sorted(chosen, key=lambda m: m.theme_id):
            start, end = match.first.span
            result.measure_themes.append(
                {"measure_id": measure["measure_id"], "theme_id": match.theme_id, "matched_terms": list(match.terms), "span_start": start, "span_end": end}
            )
        if not chosen:
            result.issue("themes", "info", "no theme term matched", measure["measure_id"])


def enrich(result: Any) -> None:
    add_responsibilities(result)
    add_targets(result)
    add_places(result)
    add_themes(result)
