"""Each shard's files are in their table's order, so assembly's ranges of documents read only their own row groups."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import RAW

from pipelines.definitions import run_build
from pipelines.store import DOCUMENT_FACTS, FILE_COLUMN, ROW_COLUMN, ShardStore
from validation.tables import TABLES_BY_NAME


def _in_order(rows: list[dict[str, object]], keys: list[str]) -> bool:
    def key(row: dict[str, object]) -> tuple[tuple[bool, object], ...]:
        return tuple((row[k] is not None, row[k] if row[k] is not None else "") for k in keys)  # nulls first

    return all(key(a) <= key(b) for a, b in zip(rows, rows[1:]))


def test_every_shard_file_is_in_its_tables_order(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    store = ShardStore(tmp_path / ".datapackage.store")
    checked = 0
    for name in [*(t for t in TABLES_BY_NAME if t not in ("agencies", "places", "themes", "quality_issues")), *DOCUMENT_FACTS]:
        if name == "document_agencies":
            continue  # assembly takes each agency by its first document, not in ranges
        table = TABLES_BY_NAME.get(name) or TABLES_BY_NAME[DOCUMENT_FACTS[name]]
        for path in store.table_files(name):
            rows = pq.read_table(path).to_pylist()
            assert _in_order(rows, [*table.sort_by, FILE_COLUMN, ROW_COLUMN]), path
            checked += len(rows) > 1
    assert checked > 10  # the seeds fill several tables of several shards


def test_a_shard_build_over_its_memory_budget_writes_the_same_files(tmp_path: Path, monkeypatch) -> None:
    """The rows of the small tables are held and written once, sorted; past HELD_BYTES they go to disk as
    they come and each file is sorted at the end. Either way the shard files are the same, byte for byte."""
    import pipelines.store

    def shard_files(folder: Path, held_bytes: int) -> dict[str, tuple[object, ...]]:
        monkeypatch.setattr(pipelines.store, "HELD_BYTES", held_bytes)
        raw, out = folder / "raw", folder / "datapackage"
        shutil.copytree(RAW, raw)
        assert run_build(str(raw), str(out), log_level="ERROR").success
        files = {}
        for path in sorted((folder / ".datapackage.store" / "shards").glob("s*/*.parquet")):
            files[path.relative_to(folder).as_posix()] = (pq.read_table(path).to_pylist(), path.read_bytes())
        return files

    held = shard_files(tmp_path / "held", pipelines.store.HELD_BYTES)
    spilled = shard_files(tmp_path / "spilled", 1)
    assert [(name, rows) for name, (rows, _) in held.items()] == [(name, rows) for name, (rows, _) in spilled.items()]
    assert {name for name, (_, data) in held.items() if data != spilled[name][1]} == set()  # the same bytes: types, row groups and all
    assert sum(len(rows) for rows, _ in held.values()) > 100


def test_a_shard_build_is_finished_after_its_last_document_so_few_are_open_at_once(tmp_path: Path, monkeypatch) -> None:
    """The held rows are those of the shards the current chunk spans, not of every shard of the run."""
    import pipelines.store

    monkeypatch.setattr(pipelines.store, "CHUNK_DOCUMENTS", 1)
    open_builds: set[str] = set()
    most = [0]
    original_init, original_finish = pipelines.store._ShardBuild.__init__, pipelines.store._ShardBuild.finish

    def init(self, store, shard, reused, budget):  # type: ignore[no-untyped-def]
        original_init(self, store, shard, reused, budget)
        open_builds.add(shard)
        most[0] = max(most[0], len(open_builds))

    def finish(self, fingerprint):  # type: ignore[no-untyped-def]
        original_finish(self, fingerprint)
        open_builds.discard(self.shard)

    monkeypatch.setattr(pipelines.store._ShardBuild, "__init__", init)
    monkeypatch.setattr(pipelines.store._ShardBuild, "finish", finish)
    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    store = ShardStore(tmp_path / ".datapackage.store")
    assert sum(1 for shard in pipelines.store.shard_keys() if store.manifest(shard)) >= 3  # the seeds fall in several shards
    assert most[0] == 1 and not open_builds


@pytest.mark.parametrize(("limit", "in_memory"), [("16MB", False), ("1MB", True)])
def test_a_spilled_file_of_many_row_groups_is_sorted_to_the_same_bytes_as_held_rows(tmp_path: Path, monkeypatch, limit, in_memory) -> None:
    """Sorted by DuckDB within its memory limit, in row groups cut at SORTED_ROW_GROUP_ROWS whatever the size
    of DuckDB's batches, or in memory when DuckDB runs out of it: the same file as the rows sorted in memory."""
    import random

    import pyarrow as pa

    import pipelines.store as store
    from validation.tables import Field, Table

    table = Table("t", "t", "t", (Field("doc_id", "string", "d"), Field("note", "string", "n")), sort_by=("doc_id",))
    schema = pa.schema([("doc_id", pa.string()), ("note", pa.string()), (FILE_COLUMN, pa.string()), (ROW_COLUMN, pa.int64())])
    shuffled = random.Random(7).sample(range(9000), 9000)
    rows = pa.table({"doc_id": [None if i % 97 == 0 else f"d{i % 300:03d}" for i in shuffled], "note": ["注" * (i % 50) for i in shuffled],
                     FILE_COLUMN: [f"raw/{i % 300}.txt" for i in shuffled], ROW_COLUMN: shuffled}, schema=schema)
    held, spilled = tmp_path / "held.parquet", tmp_path / "spilled.parquet"
    store._write_sorted_shard_file(rows, held, table)
    with pq.ParquetWriter(spilled, schema) as writer:  # as a spilled build writes: in the order the rows came, in small pieces
        for first in range(0, rows.num_rows, 700):
            writer.write_table(rows.slice(first, 700))
    monkeypatch.setattr(store, "SPILLED_SORT_MEMORY", limit)
    sorted_in_memory = []
    original = store._write_sorted_shard_file
    monkeypatch.setattr(store, "_write_sorted_shard_file", lambda *a: sorted_in_memory.append(a[1]) or original(*a))
    store._sort_spilled_shard_file(spilled, table, schema, tmp_path)
    assert sorted_in_memory == ([spilled] if in_memory else [])
    assert pq.ParquetFile(held).metadata.num_row_groups == 5
    assert spilled.read_bytes() == held.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held.parquet", "spilled.parquet"]
