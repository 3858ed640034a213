"""yrdpm.load(): the published tables as DataFrames, from a folder or a URL, checked against the descriptor."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import yrdpm

PACKAGE = Path(__file__).resolve().parents[1] / "datapackage"


def _expected(table: str) -> pd.DataFrame:
    return yrdpm.load(table, PACKAGE)


def test_load_one_table_gives_the_parquet_rows_with_nullable_types():
    measures = yrdpm.load("measures", PACKAGE)
    assert len(measures) == pq.ParquetFile(PACKAGE / "data" / "measures.parquet").metadata.num_rows
    assert str(measures["text"].dtype) == "string" and str(measures["seq"].dtype) == "Int64"
    documents = yrdpm.load("documents", PACKAGE)
    assert all(isinstance(v, list) for v in documents["issuers"])


def test_load_every_table_and_list_them():
    every = yrdpm.load(package=PACKAGE)
    assert list(every) == yrdpm.tables(PACKAGE)
    assert {"measures", "documents", "quality_issues"} <= set(every)


def test_an_unknown_table_names_the_tables_there_are():
    with pytest.raises(KeyError, match="its tables: documents, texts"):
        yrdpm.load("measure", PACKAGE)


def test_a_damaged_file_is_refused(tmp_path):
    copy = tmp_path / "datapackage"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.duckdb"))
    (copy / "data" / "measures.parquet").write_bytes((copy / "data" / "measures.parquet").read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ValueError, match="does not match the descriptor"):
        yrdpm.load("measures", copy)


def test_without_parquet_the_csv_gives_the_same_table(tmp_path):
    copy = tmp_path / "datapackage"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.duckdb", "*.parquet"))
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("parquet", None)
    (copy / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    for table in ("measures", "documents", "targets", "places"):
        pd.testing.assert_frame_equal(yrdpm.load(table, copy), _expected(table), check_dtype=False)


def test_load_over_http():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(PACKAGE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/datapackage.json"
        pd.testing.assert_frame_equal(yrdpm.load("measures", url), _expected("measures"))
        assert yrdpm.tables(url)[0] == "documents"
    finally:
        server.shutdown()
