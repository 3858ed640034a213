"""Precision and recall of the enrichment against hand-labelled gold samples.

The gold files in tests/gold/ were labelled by hand from the text alone. A
gold row names its record by document and anchor (the first 20 characters
of the record's text), so it survives a change of record ids. `make bench`
prints the figures; tests/test_gold.py keeps them from falling.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipelines.assembly import DocumentResult, process_document, table_frame
from pipelines.extraction.agencies import agency_rules
from pipelines.extraction.document import RawDocument
from pipelines.extraction.places import gazetteer
from pipelines.sources import load_raw_documents

REPO = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO / "tests" / "gold"
# Made-up documents written for the gold samples, with the doc_id their gold rows use.
GOLD_FIXTURES = {
    "gold-targets": REPO / "tests" / "fixtures" / "gold_targets.txt",
    "gold-responsibilities": REPO / "tests" / "fixtures" / "gold_responsibilities.txt",
}
ANCHOR_LENGTH = 20


@dataclass(frozen=True)
class Score:
    table: str
    matched: int
    predicted: int
    gold: int
    unanchored: int  # gold rows whose record was not found

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    def line(self) -> str:
        return (f"{self.table:18} precision {self.precision:6.1%} ({self.matched}/{self.predicted})   "
                f"recall {self.recall:6.1%} ({self.matched}/{self.gold})"
                + (f"   {self.unanchored} gold rows not anchored" if self.unanchored else ""))


def load_gold(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((GOLD_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return list(data["rows"] if isinstance(data, dict) else data)  # a mapping with rows, or the list itself


@lru_cache(maxsize=1)
def gold_documents() -> tuple[DocumentResult, ...]:
    """The seed documents of raw/ and the made-up gold fixtures, processed as the build does."""
    raws, _ = load_raw_documents(REPO / "raw")
    for doc_id, path in GOLD_FIXTURES.items():
        if path.exists():
            raws.append(RawDocument(f"tests/fixtures/{path.name}", path.read_bytes(), {"doc_id": doc_id}))
    return tuple(process_document(raw) for raw in raws)


def _anchor(text: Any) -> str:
    return re.sub(r"\s+", "", str(text))[:ANCHOR_LENGTH]


def _records(results: Iterable[DocumentResult]) -> dict[str, tuple[str, str]]:
    """object id -> (doc_id, anchor) for measures and sections."""
    return {object_id: (doc_id, paragraphs[0][0]) for object_id, (doc_id, paragraphs) in _paragraphs(results).items()}


def _paragraphs(results: Iterable[DocumentResult]) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """object id -> (doc_id, [(anchor, paragraph)]): a section's intro may hold several paragraphs, each its own anchor."""
    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for r in results:
        for row in r.frames.get("measures", pd.DataFrame()).itertuples():
            out[row.measure_id] = (row.doc_id, [(_anchor(row.text), row.text)])
        for row in r.frames.get("sections", pd.DataFrame()).itertuples():
            if isinstance(row.intro_text, str):
                out[row.section_id] = (row.doc_id, [(_anchor(p), p) for p in row.intro_text.split("\n") if p.strip()])
    return out


def _anchor_of(paragraphs: tuple[str, list[tuple[str, str]]], quote: str) -> tuple[str, str]:
    """The (doc_id, anchor) of the paragraph holding a quote."""
    doc_id, items = paragraphs
    return doc_id, next((anchor for anchor, text in items if quote in text), items[0][0])


def _known_anchors(results: Iterable[DocumentResult]) -> set[tuple[str, str]]:
    return {(doc_id, anchor) for doc_id, items in _paragraphs(results).values() for anchor, _ in items}


def _gold_key(row: dict[str, Any], known: set[tuple[str, str]]) -> tuple[str, str]:
    """A gold row's (doc_id, anchor); a record shorter than the anchor (its text ends before its
    responsibility clause does) is found by its text being the anchor's beginning."""
    key = (row["doc_id"], _anchor(row["anchor"]))
    if key in known:
        return key
    shorter = [k for k in known if k[0] == key[0] and len(k[1]) < ANCHOR_LENGTH and key[1].startswith(k[1])]
    return max(shorter, key=lambda k: len(k[1])) if shorter else key


def _score(table: str, predicted: Counter[Any], gold: Counter[Any], unanchored: int) -> Score:
    matched = sum((predicted & gold).values())
    return Score(table, matched, sum(predicted.values()), sum(gold.values()), unanchored)


def _unit(unit: Any) -> str:
    return "" if unit is None or (isinstance(unit, float) and unit != unit) or unit is pd.NA else str(unit).replace("％", "%")


def _number(value: Any) -> float:
    return round(float(value), 6)


def score_targets(results: tuple[DocumentResult, ...]) -> Score:
    paragraphs = _paragraphs(results)
    gold_rows = load_gold("targets")
    known = _known_anchors(results)
    gold = Counter((*_gold_key(r, known), _number(r["value"]), _unit(r.get("unit")), r["comparator"]) for r in gold_rows)
    unanchored = sum(1 for r in gold_rows if _gold_key(r, known) not in known)
    docs = {r["doc_id"] for r in gold_rows}
    predicted: Counter[Any] = Counter()
    for row in table_frame("targets", results).itertuples():
        if row.doc_id not in docs:
            continue
        object_id = row.measure_id if isinstance(row.measure_id, str) else row.section_id
        doc_id, anchor = _anchor_of(paragraphs[object_id], row.quote) if object_id in paragraphs else (row.doc_id, "")
        predicted[(doc_id, anchor, _number(row.value), _unit(row.unit), row.comparator)] += 1
    return _score("targets", predicted, gold, unanchored)


def canonical_agency(name: str) -> str:
    known = agency_rules().alias_to_known.get(re.sub(r"\s+", "", name))
    return known["name"] if known else re.sub(r"\s+", "", name)


def score_responsibilities(results: tuple[DocumentResult, ...]) -> Score:
    """A responsibility matches on its record, role and agency: the canonical name, or else the
    agency as printed (the gold may name a body more fully from context, 省财政厅 as 浙江省财政厅)."""
    records = _records(results)
    gold_rows = load_gold("responsibilities")
    known = set(records.values())
    unanchored = sum(1 for r in gold_rows if _gold_key(r, known) not in known)
    docs = {r["doc_id"] for r in gold_rows}
    names: dict[str, str] = {}
    for r in results:
        names.update({a["agency_id"]: a["name"] for a in r.agencies})
    gold = [((*_gold_key(r, known), r["role"]), canonical_agency(r["agency"]), _anchor(r.get("agency_text", ""))) for r in gold_rows]
    predicted = []
    for row in table_frame("responsibilities", results).itertuples():
        doc_id, anchor = records[row.measure_id]
        if doc_id in docs:
            predicted.append(((doc_id, anchor, row.role), canonical_agency(names[row.agency_id]), _anchor(row.agency_text)))
    matched = 0
    unmatched = list(gold)
    for position in (1, 2):  # canonical name first, then the printed form
        left = []
        for pred in predicted:
            hit = next((g for g in unmatched if g[0] == pred[0] and g[position] == pred[position]), None)
            if hit is None:
                left.append(pred)
            else:
                unmatched.remove(hit)
                matched += 1
        predicted = left
    total_predicted = matched + len(predicted)
    return Score("responsibilities", matched, total_predicted, len(gold), unanchored)


def score_themes(results: tuple[DocumentResult, ...]) -> Score:
    records = _records(results)
    by_anchor = {v: k for k, v in records.items()}
    gold_rows = load_gold("themes")
    themes_of: dict[str, set[str]] = {}
    for row in table_frame("measure_themes", results).itertuples():
        themes_of.setdefault(row.measure_id, set()).add(row.theme_id)
    gold: Counter[Any] = Counter()
    predicted: Counter[Any] = Counter()
    unanchored = 0
    for r in gold_rows:
        key = (r["doc_id"], _anchor(r["anchor"]))
        gold.update((key, t) for t in r.get("themes") or [])
        if key not in by_anchor:
            unanchored += 1
            continue
        predicted.update((key, t) for t in themes_of.get(by_anchor[key], set()))
    return _score("themes", predicted, gold, unanchored)


@lru_cache(maxsize=1)
def _place_codes() -> dict[str, str]:
    """Full names (上海市青浦区, 浙江省嘉兴市嘉善县, 嘉善县) -> code."""
    divisions = gazetteer()
    names: dict[str, list[str]] = {}
    for code, d in divisions.items():
        chain, parent = [d.name], d.parent_code
        while parent:
            chain.insert(0, divisions[parent].name)
            parent = divisions[parent].parent_code
        for i in range(len(chain)):
            names.setdefault("".join(chain[i:]), []).append(code)
    return {name: codes[0] for name, codes in names.items() if len(set(codes)) == 1}


def score_places(results: tuple[DocumentResult, ...]) -> Score:
    records = _records(results)
    by_anchor = {v: k for k, v in records.items()}
    codes = _place_codes()
    gold_rows = load_gold("places")
    mentions: dict[str, Counter[str]] = {}
    for row in table_frame("place_mentions", results).itertuples():
        if row.field in ("text", "intro_text"):  # the gold labels the record's text, as records.jsonl gave it
            mentions.setdefault(row.object_id, Counter())[row.place_code] += 1
    gold: Counter[Any] = Counter()
    predicted: Counter[Any] = Counter()
    unanchored = 0
    for r in gold_rows:
        key = (r["doc_id"], _anchor(r["anchor"]))
        for mention in r.get("mentions") or []:
            gold[(key, codes.get(re.sub(r"\s+", "", mention["place"]), mention["place"]))] += 1
        if key not in by_anchor:
            unanchored += 1
            continue
        for code, n in mentions.get(by_anchor[key], Counter()).items():
            predicted[(key, code)] += n
    return _score("places", predicted, gold, unanchored)


SCORERS = {"targets": score_targets, "responsibilities": score_responsibilities, "themes": score_themes, "places": score_places}


def all_scores() -> list[Score]:
    results = gold_documents()
    return [scorer(results) for name, scorer in SCORERS.items() if (GOLD_DIR / f"{name}.yaml").exists()]
