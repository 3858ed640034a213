"""Per-document extractions into the published tables (pure, no Dagster)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from pipelines.extraction.document import Extraction
from pipelines.extraction.places import delta_cities, gazetteer
from pipelines.extraction.themes import themes
from validation.schemas import to_frame
from validation.tables import TABLES_BY_NAME

# Tables with rows per document, and tables shared across documents.
RECORD_TABLES = (
    "documents", "document_parts", "sections", "measures", "noise",
    "corrections", "responsibilities", "targets", "place_mentions", "measure_themes",
)
DIMENSION_TABLES = ("agencies", "places", "themes")


def duplicate_doc_ids(extractions: Iterable[Extraction]) -> list[dict]:
    """Two files claiming one doc_id: the later ones are dropped and reported."""
    seen: dict[str, str] = {}
    issues = []
    for ex in extractions:
        if ex.doc_id in seen:
            issues.append(
                {"doc_id": ex.doc_id, "object_id": ex.source_file, "check": "doc_id_unique", "severity": "error",
                 "message": f"{ex.source_file} has the same doc_id as {seen[ex.doc_id]}; it was left out"}
            )
        else:
            seen[ex.doc_id] = ex.source_file
    return issues


def publishable(extractions: Iterable[Extraction]) -> list[Extraction]:
    """Extractions that produced a document row, first of each doc_id."""
    seen: set[str] = set()
    out = []
    for ex in extractions:
        if ex.documents and ex.doc_id not in seen:
            seen.add(ex.doc_id)
            out.append(ex)
    return out


def table_frame(name: str, extractions: Iterable[Extraction]) -> pd.DataFrame:
    rows = [row for ex in publishable(extractions) for row in getattr(ex, name)]
    return to_frame(TABLES_BY_NAME[name], rows)


def agencies_frame(extractions: Iterable[Extraction]) -> pd.DataFrame:
    rows: dict[str, dict] = {}
    for ex in publishable(extractions):
        for agency in ex.agencies:
            rows.setdefault(agency["agency_id"], {**agency, "aliases": agency["aliases"] or None})
    return to_frame(TABLES_BY_NAME["agencies"], rows.values())


def places_frame(extractions: Iterable[Extraction]) -> pd.DataFrame:
    """The provinces and cities of the delta, and every division mentioned, with its parents."""
    divisions = gazetteer()
    cities = set(delta_cities())
    codes = {code for code, d in divisions.items() if d.level == "province"} | cities
    codes |= {m["place_code"] for ex in publishable(extractions) for m in ex.place_mentions}
    for code in list(codes):
        parent = divisions[code].parent_code
        while parent:
            codes.add(parent)
            parent = divisions[parent].parent_code
    rows = [
        {"place_code": code, "name": divisions[code].name, "level": divisions[code].level,
         "parent_code": divisions[code].parent_code, "is_delta_city": code in cities}
        for code in sorted(codes)
    ]
    return to_frame(TABLES_BY_NAME["places"], rows)


def themes_frame() -> pd.DataFrame:
    rows = [{"theme_id": t.theme_id, "label_zh": t.label_zh, "label_en": t.label_en, "definition": t.definition, "terms": list(t.terms)} for t in themes()]
    return to_frame(TABLES_BY_NAME["themes"], rows)


def dimension_frame(name: str, extractions: Iterable[Extraction]) -> pd.DataFrame:
    if name == "agencies":
        return agencies_frame(extractions)
    if name == "places":
        return places_frame(extractions)
    return themes_frame()


def extraction_issues(extractions: list[Extraction]) -> list[dict]:
    return [issue for ex in extractions for issue in ex.quality_issues] + duplicate_doc_ids(extractions)
