"""A licence per source: official documents in full, a source that is not openly licensed quoted briefly."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.assembly import RECORD_TABLES
from pipelines.combining import QUOTE_CHARS, _is_free_text
from pipelines.extraction.document import extract_document
from pipelines.sources import load_raw_documents
from validation.tables import TABLES

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage"
NEWS = "yrd-action-plan-2024-2026-news"


def _rows(table: str) -> list[dict]:
    return pq.read_table(PACKAGE / "data" / f"{table}.parquet").to_pylist()


def test_each_source_has_its_licence_in_the_descriptor_and_the_documents_table():
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    licences = {s["title"]: s["licenses"][0]["name"] for s in descriptor["sources"]}
    assert sorted(set(licences.values())) == ["LicenseRef-PRC-Copyright-Law-Art5", "LicenseRef-not-open"]
    documents = {d["doc_id"]: d for d in _rows("documents")}
    assert documents[NEWS]["full_text_published"] is False and documents[NEWS]["licence_id"] == "LicenseRef-not-open"
    assert all(d["full_text_published"] for doc_id, d in documents.items() if doc_id != NEWS)


def test_the_texts_of_a_source_that_is_not_open_are_short_quotations_with_their_spans():
    quoted = 0
    for table in TABLES:
        if table.name not in RECORD_TABLES or not any(f.name == "doc_id" for f in table.fields):  # the quality report is not source text
            continue
        for row in _rows(table.name):
            if row["doc_id"] != NEWS:
                continue
            for f in table.fields:
                value = row[f.name]
                if isinstance(value, str) and _is_free_text(table, f.name):
                    assert len(value) <= QUOTE_CHARS + 1, (table.name, f.name, value)
                    quoted += value.endswith("…")
    assert quoted >= 40  # the measures, sections and parts longer than a quotation
    measures = [m for m in _rows("measures") if m["doc_id"] == NEWS]
    assert measures and all(m["span_end"] > m["span_start"] for m in measures)


def test_a_reader_can_check_their_own_copy_of_the_original_text():
    (raw,) = [r for r in load_raw_documents(REPO / "raw")[0] if NEWS in (r.metadata or {}).get("doc_id", "")]
    full = extract_document(raw).source_text or ""
    text = next(t for t in _rows("texts") if t["doc_id"] == NEWS)
    assert text["n_chars"] == len(full) and text["text_sha256"] == hashlib.sha256(full.encode("utf-8")).hexdigest()
    assert text["text"] == full[:QUOTE_CHARS] + "…"
    measure = next(m for m in _rows("measures") if m["doc_id"] == NEWS)
    assert full[measure["span_start"] : measure["span_end"]].startswith(measure["text_original"].rstrip("…")[:10])


def test_quoting_never_touches_identifiers(tmp_path):
    """Ids longer than a quotation stay whole (a long doc_id), so every key still joins."""
    import shutil

    from pipelines.definitions import run_build

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("2024-07-25_yrd-three-year-action-plan-2024-2026-news.txt", "2024-07-25_yrd-three-year-action-plan-2024-2026-news.meta.yaml"):
        shutil.copy(REPO / "raw" / name, raw / name)
    meta = raw / "2024-07-25_yrd-three-year-action-plan-2024-2026-news.meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(f"doc_id: {NEWS}", f"doc_id: {NEWS}-with-a-much-longer-identifier"), encoding="utf-8")
    out = tmp_path / "datapackage"
    assert run_build(str(raw), str(out), log_level="ERROR").success  # the blocking key checks pass
    themes = pq.read_table(out / "data" / "measure_themes.parquet").column("measure_id").to_pylist()
    assert themes and all(len(i) > QUOTE_CHARS and not i.endswith("…") for i in themes)


def test_official_documents_are_published_in_full():
    texts = {t["doc_id"]: t for t in _rows("texts")}
    assert all(len(t["text"]) == t["n_chars"] for doc_id, t in texts.items() if doc_id != NEWS)
