"""Per-document extractions into the published tables (pure, no Dagster)."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from pipelines.extraction.document import Extraction
from validation.schemas import to_frame
from validation.tables import TABLES_BY_NAME

RECORD_TABLES = ("documents", "document_parts", "sections", "measures", "noise")


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


def extraction_issues(extractions: list[Extraction]) -> list[dict]:
    return [issue for ex in extractions for issue in ex.quality_issues] + duplicate_doc_ids(extractions)
