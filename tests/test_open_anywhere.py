"""The published files open with each reader's defaults: pandas, polars, DuckDB, Frictionless, and views.sql."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from validation.tables import TABLES

PACKAGE = Path(__file__).resolve().parents[1] / "datapackage"
TABLE_NAMES = [t.name for t in TABLES]
# polars guesses a column's type from its first 100 rows: measures.label holds printed markers such as
# "1." (a float to polars) before "一、" further down. Left open: no faithful CSV form of "1." avoids it.
POLARS_GUESSES_WRONG = {"measures"}


def _parquet(table: str) -> pd.DataFrame:
    return pq.read_table(PACKAGE / "data" / f"{table}.parquet").to_pandas()


def test_the_descriptor_has_one_resource_per_table_with_its_parquet_file():
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    resources = [r for r in descriptor["resources"] if r.get("type") == "table"]
    assert [r["name"] for r in resources] == TABLE_NAMES
    assert [r["path"] for r in descriptor["resources"] if r.get("type") != "table"] == ["changes.json"]  # the release's changes
    assert all(r["path"] == f"data/{r['name']}.csv" and r["parquet"]["path"] == f"data/{r['name']}.parquet" for r in resources)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_csv_starts_with_a_byte_order_mark_for_excel(table):
    assert (PACKAGE / "data" / f"{table}.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_pandas_reads_the_csv_with_its_defaults(table):
    frame = pd.read_csv(PACKAGE / "data" / f"{table}.csv")
    expected = _parquet(table)
    assert list(frame.columns) == list(expected.columns)
    assert len(frame) == len(expected)


@pytest.mark.parametrize("table", [pytest.param(t, marks=pytest.mark.xfail(strict=True, reason="polars reads '1.' as a float")) if t in POLARS_GUESSES_WRONG else t for t in TABLE_NAMES])
def test_polars_reads_the_csv_with_its_defaults(table):
    frame = pl.read_csv(PACKAGE / "data" / f"{table}.csv")
    assert frame.columns == [f.name for f in next(t for t in TABLES if t.name == table).fields]
    assert frame.height == len(_parquet(table))


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_duckdb_reads_the_csv_with_its_defaults(table):
    con = duckdb.connect()
    relation = con.sql(f"SELECT * FROM read_csv('{(PACKAGE / 'data' / f'{table}.csv').as_posix()}')")
    assert relation.columns == [f.name for f in next(t for t in TABLES if t.name == table).fields]
    assert len(relation.fetchall()) == len(_parquet(table))


def test_views_sql_gives_any_duckdb_client_the_tables_views_and_search(monkeypatch):
    monkeypatch.chdir(PACKAGE)
    con = duckdb.connect()  # a plain client: no extension, no database file
    con.execute((PACKAGE / "views.sql").read_text(encoding="utf-8"))
    assert con.execute("SELECT count(*) FROM measures").fetchone() == (len(_parquet("measures")),)
    assert con.execute("SELECT count(*) FROM measures_full").fetchone() == (len(_parquet("measures")),)
    hits = con.execute("SELECT measure_id, score FROM search_measures('示范区 生态')").fetchall()
    assert hits and all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    texts = dict(con.execute("SELECT measure_id, text FROM measures").fetchall())
    assert all("示范区" in texts[m] and "生态" in texts[m] for m, _ in hits)
    assert con.execute("SELECT count(*) FROM search_measures('')").fetchone() == (0,)
    # Chinese input methods type the ideographic space: it separates terms like any other whitespace.
    assert con.execute("SELECT measure_id, score FROM search_measures('示范区\u3000\t生态')").fetchall() == hits
    assert con.execute("SELECT count(*) FROM search_measures('\u3000 ')").fetchone() == (0,)


def test_r_readr_reads_every_csv_with_its_defaults():
    import shutil
    import subprocess

    assert shutil.which("Rscript"), "Debian's r-cran-readr is needed (make test installs it)"
    script = (
        "suppressMessages(library(readr)); for (f in commandArgs(TRUE)) {"
        " x <- read_csv(f, show_col_types = FALSE, progress = FALSE);"
        " cat(basename(f), nrow(x), nrow(problems(x)), paste(names(x), collapse = ','), '\\n', sep = '\\t') }"
    )
    files = [str(PACKAGE / "data" / f"{t}.csv") for t in TABLE_NAMES]
    done = subprocess.run(["Rscript", "-e", script, *files], capture_output=True, text=True, timeout=300, check=True)
    read = {line.split("\t")[0]: line.split("\t")[1:4] for line in done.stdout.splitlines() if line.strip()}
    for table in TABLES:
        rows, problems, names = read[f"{table.name}.csv"]
        assert (int(rows), int(problems), names) == (len(_parquet(table.name)), 0, ",".join(table.field_names)), table.name


def test_every_source_path_resolves_from_the_descriptor():
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    documents = _parquet("documents")
    assert len(descriptor["sources"]) == len(documents)
    for source, (source_file, source_url) in zip(descriptor["sources"], documents[["source_file", "source_url"]].itertuples(index=False)):
        if isinstance(source_url, str):
            assert source["path"] == source_url
        else:  # the raw file in the repository, relative to the descriptor
            assert (PACKAGE / source["path"]).resolve() == (PACKAGE.parent / source_file).resolve()
            assert (PACKAGE / source["path"]).is_file()
