"""Shared fixtures: the seed documents extracted once, and one fresh build."""

from __future__ import annotations

from pathlib import Path

# Imported before any test builds in process: a build's configure_process() blocks a hypothesis not yet
# imported (pandera's strategies, of no use to a build), and hypothesis's pytest plugin imports it lazily.
import hypothesis  # noqa: F401
import pandas as pd
import pytest

from pipelines.assembly import DIMENSION_TABLES, RECORD_TABLES, DocumentResult, dimension_frame, process_document, table_frame
from pipelines.extraction.document import RawDocument, extract_document
from pipelines.sources import load_raw_documents

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "raw"
FIXTURES = Path(__file__).parent / "fixtures"


def extract_text(text: str, name: str = "fixture.txt", metadata: dict | None = None, encoding: str = "utf-8", errata: tuple = ()):
    """Extract a made-up document given as text."""
    return extract_document(RawDocument(f"raw/{name}", text.encode(encoding), metadata, errata))


def process_text(text: str, name: str = "fixture.txt", metadata: dict | None = None) -> DocumentResult:
    """A made-up document through the per-document unit of work (extract, validate, check, quarantine)."""
    return process_document(RawDocument(f"raw/{name}", text.encode("utf-8"), metadata))


def tables_of(*results: DocumentResult) -> dict[str, pd.DataFrame]:
    """The published tables of some processed documents."""
    tables = {name: table_frame(name, results) for name in RECORD_TABLES}
    return tables | {name: dimension_frame(name, results) for name in DIMENSION_TABLES}


def extract_fixture(name: str, metadata: dict | None = None):
    return extract_document(RawDocument(f"tests/fixtures/{name}", (FIXTURES / name).read_bytes(), metadata))


@pytest.fixture(scope="session")
def seed_extractions():
    documents, problems = load_raw_documents(RAW)
    assert not problems
    return {raw.doc_id: extract_document(raw) for raw in documents}


@pytest.fixture(scope="session")
def seed_results() -> list[DocumentResult]:
    documents, problems = load_raw_documents(RAW)
    assert not problems
    return [process_document(raw) for raw in documents]


@pytest.fixture(scope="session")
def seed_tables(seed_results) -> dict[str, pd.DataFrame]:
    return tables_of(*seed_results)


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory):
    """The real Dagster job run once on raw/ into a temporary package directory."""
    from pipelines.definitions import run_build

    out = tmp_path_factory.mktemp("build") / "datapackage"
    result = run_build(str(RAW), str(out))
    assert result.success
    return out, result


def published(out: Path, table: str) -> pd.DataFrame:
    """A table of a published package, as pandas reads its Parquet file."""
    return pd.read_parquet(out / "data" / f"{table}.parquet")
