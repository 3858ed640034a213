"""Rebuilds extract only what changed, and give the package a from-scratch build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from conftest import RAW, published

from pipelines import publishing
from pipelines.definitions import run_build
from pipelines.defs.resources import ProjectPaths
from pipelines.defs.schedules import raw_files_changed
from pipelines.sources import scan_raw_documents
from pipelines.store import ShardStore, build_shards, group_by_shard, shard_of
from validation.tables import TABLES


def _extraction_counts(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "document_extractions")
    metadata = event.materialization.metadata
    return {key: int(metadata[key].value) for key in ("documents", "extracted", "reused")}  # type: ignore[arg-type]


def _rebuilt_shards(result: dg.ExecuteInProcessResult) -> list[str]:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "document_extractions")
    return list(event.materialization.metadata["shards_rebuilt"].value)  # type: ignore[arg-type]


def _package_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".duckdb"}


def _from_scratch(raw: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "scratch" / "datapackage"
    shutil.rmtree(tmp / "scratch", ignore_errors=True)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    return _package_files(out)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    return raw


def test_a_rebuild_with_nothing_changed_extracts_nothing(corpus, tmp_path):
    out = tmp_path / "datapackage"
    first = run_build(str(corpus), str(out), log_level="ERROR")
    assert _extraction_counts(first) == {"documents": 5, "extracted": 5, "reused": 0}
    before = _package_files(out)
    second = run_build(str(corpus), str(out), log_level="ERROR")
    assert second.success and _extraction_counts(second)["extracted"] == 0 and _rebuilt_shards(second) == []
    assert _package_files(out) == before


def test_a_changed_document_is_the_only_one_extracted_and_the_package_equals_a_fresh_build(corpus, tmp_path):
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    changed = corpus / "2020-06-10_demo-zone-policy-measures.txt"
    changed.write_bytes(changed.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    result = run_build(str(corpus), str(out), log_level="ERROR")
    assert result.success
    assert _extraction_counts(result) == {"documents": 5, "extracted": 1, "reused": 4}
    assert _rebuilt_shards(result) == [shard_of(f"raw/{changed.name}")]  # the other shards' files were not touched
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_a_build_over_the_stale_shards_materialises_only_those_and_publishes_the_same(corpus, tmp_path):
    """`yrdpm build` runs over the range of shards that changed (as the sensor does), every shard when none did."""
    out = tmp_path / "datapackage"
    first = run_build(str(corpus), str(out), log_level="ERROR", only_stale=True)  # a first build: every shard is stale
    assert first.success and _extraction_counts(first)["extracted"] == 5
    changed = corpus / "2020-06-10_demo-zone-policy-measures.txt"
    changed.write_bytes(changed.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    result = run_build(str(corpus), str(out), log_level="ERROR", only_stale=True)
    assert result.success
    partitions = {e.partition for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "document_extractions"}
    assert partitions == {shard_of(f"raw/{changed.name}")}
    assert _extraction_counts(result)["extracted"] == 1
    unchanged = run_build(str(corpus), str(out), log_level="ERROR", only_stale=True)
    assert unchanged.success and len({e.partition for e in unchanged.get_asset_materialization_events()
                                      if e.asset_key.to_user_string() == "document_extractions"}) == 16
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_a_removed_document_leaves_the_package(corpus, tmp_path):
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    (corpus / "2023-12-15_demo-zone-three-year-action-plan.txt").unlink()
    (corpus / "2023-12-15_demo-zone-three-year-action-plan.meta.yaml").unlink()
    before = _package_files(out)
    assert not run_build(str(corpus), str(out), log_level="ERROR").success  # the guard: a document would disappear
    assert _package_files(out) == before
    assert run_build(str(corpus), str(out), log_level="ERROR", accept_changes="the plan was withdrawn").success
    assert "the plan was withdrawn" in (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "yrd-demo-zone-action-plan-2023" not in set(published(out, "documents")["doc_id"])
    assert not (published(out, "measures")["doc_id"] == "yrd-demo-zone-action-plan-2023").any()
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_changed_metadata_or_errata_re_extract_the_documents_they_apply_to(corpus, tmp_path):
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    meta = corpus / "2019-06_zhejiang-yrd-action-plan-excerpt.meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "\n# reviewed again\ntitle_en: Zhejiang action plan (excerpt)\n", encoding="utf-8")
    errata = corpus / "transcription-fixes.errata.yaml"
    text = errata.read_text(encoding="utf-8")
    assert "scope: yrd-14th-fyp-implementation-plan-2021" in text
    errata.write_text(text.replace("reason: OCR confusion, 贲 read for 责", "reason: OCR confusion (贲 for 责)"), encoding="utf-8")
    result = run_build(str(corpus), str(out), log_level="ERROR", accept_changes="metadata and errata reviewed")
    assert result.success
    # a metadata key the schema does not know quarantines the document (the metadata is part of its key),
    # and the implementation plan's erratum changed: those two, and no other, were extracted again
    assert _extraction_counts(result)["extracted"] == 2
    issues = published(out, "quality_issues")
    assert issues[issues["check"] == "quarantine"]["message"].str.contains("title_en").any()


def test_a_new_extractor_version_re_extracts_everything(tmp_path):
    raws, _ = scan_raw_documents(RAW)
    store = ShardStore(tmp_path / "store")
    first = build_shards(store, group_by_shard(raws), "version-1")
    assert sum(s.extracted for s in first) == 5
    assert sum(s.extracted for s in build_shards(store, group_by_shard(raws), "version-1")) == 0
    assert sum(s.extracted for s in build_shards(store, group_by_shard(raws), "version-2")) == 5


def test_tables_refuse_shards_out_of_date_with_raw(corpus, tmp_path):
    """Assembling without extracting first (here: only the downstream assets) fails closed."""
    from pipelines.definitions import build_definitions

    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    before = _package_files(out)
    (corpus / "new.txt").write_text("一、总则\n推进长三角一体化发展。\n", encoding="utf-8")
    defs = build_definitions(str(corpus), str(out))
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection={dg.AssetKey(t.name) for t in TABLES} | {dg.AssetKey("datapackage")})
    result = job.execute_in_process(raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "out of date" in str(failure.event_specific_data.error)
    assert _package_files(out) == before


def test_two_worker_processes_give_the_same_package(corpus, tmp_path):
    out = tmp_path / "parallel" / "datapackage"
    result = run_build(str(corpus), str(out), workers=2, log_level="ERROR")
    assert result.success and _extraction_counts(result)["extracted"] == 5
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_the_sensor_requests_a_run_for_the_changed_shards_only(corpus, tmp_path):
    out = tmp_path / "datapackage"
    paths = ProjectPaths(raw_dir=str(corpus), out_dir=str(out))
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert isinstance(raw_files_changed(dg.build_sensor_context(cursor=None, resources={"paths": paths})), dg.SkipReason)
    changed = corpus / "2024-07-25_yrd-three-year-action-plan-2024-2026-news.txt"
    changed.write_bytes(changed.read_bytes() + "\n（更新）\n".encode())
    request = raw_files_changed(dg.build_sensor_context(cursor=None, resources={"paths": paths}))
    assert isinstance(request, dg.SensorResult) and len(request.run_requests) == 1
    shard = shard_of(f"raw/{changed.name}")
    tags = request.run_requests[0].tags
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (shard, shard)
    again = raw_files_changed(dg.build_sensor_context(cursor=request.cursor, resources={"paths": paths}))
    assert isinstance(again, dg.SkipReason)


def test_an_unchanged_rebuild_leaves_the_published_files_alone(corpus, tmp_path, monkeypatch):
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    hashed: list[Path] = []
    original = publishing.file_facts
    monkeypatch.setattr(publishing, "file_facts", lambda path: hashed.append(path) or original(path))
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    assert hashed == []  # the files have the stats recorded at publishing: none is read to be hashed again
    monkeypatch.undo()
    # a published file changed by hand is noticed, and the package is published again
    (out / "data" / "measures.csv").write_text("tampered", encoding="utf-8")
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    expected = _from_scratch(corpus, tmp_path)
    assert _package_files(out) == expected
    # so is a descriptor edited alone, whose data files are untouched
    descriptor = out / "datapackage.json"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace('"hash": "sha256:', '"hash": "sha256:0', 1), encoding="utf-8")
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert _package_files(out) == expected


_SHARD_RUN = """
import sys
from pipelines.definitions import build_definitions
raw, out, store, first, last = sys.argv[1:]
job = build_definitions(raw, out, store).resolve_job_def("rebuild_dataset")
selection = [key for key in job.asset_layer.executable_asset_keys if key.to_user_string() == "document_extractions"]
result = job.execute_in_process(asset_selection=selection, raise_on_error=False,
    tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
sys.exit(0 if result.success else 1)
"""


def test_runs_of_different_shards_in_separate_processes_share_one_store(corpus, tmp_path):
    """What a backfill on several machines does: runs of disjoint shard ranges write to one shared store,
    then one run assembles and publishes; the package is the one a single build gives."""
    import subprocess
    import sys

    store, out = tmp_path / "shared-store", tmp_path / "distributed" / "datapackage"
    runs = [subprocess.Popen([sys.executable, "-c", _SHARD_RUN, str(corpus), str(out), str(store), first, last])
            for first, last in (("s00", "s07"), ("s08", "s15"))]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    stored = ShardStore(store).documents()
    assert sorted(d.source_file for d in stored) == sorted(f"raw/{p.name}" for p in corpus.glob("*.txt"))
    result = run_build(str(corpus), str(out), store_dir=str(store), log_level="ERROR")
    assert result.success and _extraction_counts(result)["extracted"] == 0
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_the_multiprocess_executor_gives_the_same_package(corpus, tmp_path):
    """Each step in a process of its own (yrdpm build --executor multiprocess): the same files as in process."""
    from click.testing import CliRunner

    from pipelines.cli import main

    out = tmp_path / "steps" / "datapackage"
    result = CliRunner().invoke(main, ["build", "--executor", "multiprocess", "--raw-dir", str(corpus), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


def test_each_documents_issues_and_agencies_are_rows_of_its_shard_not_of_the_manifest(corpus, tmp_path):
    """The manifests keep a few facts per document; its quality issues and agencies are Parquet rows beside the
    record tables (the assembly reads them with DuckDB), and a manifest of the earlier layout is not reused."""
    import json

    import pyarrow.parquet as pq

    from pipelines.store import AGENCIES, ISSUES, MANIFEST

    (corpus / "zz-bad.txt").write_text("一、总则\n推进长三角一体化发展。\n", encoding="utf-8")
    (corpus / "zz-bad.meta.yaml").write_text("doc_type: manifesto\n", encoding="utf-8")  # quarantined: not published
    out, store_dir = tmp_path / "datapackage", tmp_path / "store"
    assert run_build(str(corpus), str(out), store_dir=str(store_dir), log_level="ERROR").success
    store = ShardStore(store_dir)
    bad = next(d for d in store.documents() if d.source_file == "raw/zz-bad.txt")
    assert bad.quarantined and not bad.published
    shard = store.shard_dir(shard_of(bad.source_file))
    entries = json.loads((shard / MANIFEST).read_text(encoding="utf-8"))["documents"]
    assert entries and not any("issues" in e or "agencies" in e for e in entries)
    issues = pq.read_table(shard / f"{ISSUES}.parquet").to_pylist()
    assert any(i["check"] == "quarantine" and i["_document_key"] == bad.key for i in issues)
    published_issues = published(out, "quality_issues")
    assert published_issues["message"].str.contains("zz-bad").any()
    named = {a["agency_id"] for f in store.table_files(AGENCIES) for a in pq.read_table(f).to_pylist()}
    assert named == set(published(out, "agencies")["agency_id"])

    (shard / MANIFEST).write_text(json.dumps({"documents": [{**e, "issues": [], "agencies": []} for e in entries]}), encoding="utf-8")
    assert store.manifest(shard.name) is None  # an earlier layout: the shard is extracted again
    result = run_build(str(corpus), str(out), store_dir=str(store_dir), log_level="ERROR")
    assert result.success and _rebuilt_shards(result) == [shard.name] and _extraction_counts(result)["extracted"] == len(entries)


def test_quality_issues_are_written_as_one_write_of_the_whole_table_would(tmp_path, monkeypatch):
    """Streamed a batch at a time into row groups of WHOLE_ROW_GROUP_ROWS, the file has the bytes pyarrow writes
    for the whole table at once with that row-group size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import pipelines.combining as combining
    from validation.schemas import arrow_schema
    from validation.tables import QUALITY_ISSUES

    monkeypatch.setattr(combining, "WHOLE_ROW_GROUP_ROWS", 7)
    schema = arrow_schema(QUALITY_ISSUES)
    rows = [{"doc_id": f"d{i // 3}", "object_id": None, "check": "c", "severity": "info", "message": f"m{i}"} for i in range(30)]
    whole = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(whole, tmp_path / "whole.parquet", compression="zstd", write_statistics=True, store_schema=False, row_group_size=7)
    batches = [b for start in range(0, 30, 4) for b in whole.slice(start, 4).to_batches()]
    assert combining._write_whole(iter(batches), tmp_path / "streamed.parquet", schema) == 30
    assert (tmp_path / "streamed.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "streamed.parquet").metadata.num_row_groups == 5
    assert combining._write_whole(iter([]), tmp_path / "empty.parquet", schema) == 0
    pq.write_table(schema.empty_table(), tmp_path / "empty-whole.parquet", compression="zstd", write_statistics=True, store_schema=False)
    assert (tmp_path / "empty.parquet").read_bytes() == (tmp_path / "empty-whole.parquet").read_bytes()


_SORT_SHARD = r"""
import sys
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq
from pipelines.store import MERGED_ROW_GROUP_ROWS, _sort_shard_file, store_schema
from validation.tables import TABLES_BY_NAME

folder = Path(sys.argv[1])
schema = store_schema(TABLES_BY_NAME["texts"])
n, size = 400, 100_000
path = folder / "texts.parquet"
with pq.ParquetWriter(path, schema, compression="zstd") as writer:
    for start in range(0, n, 50):  # as a shard build writes them: in no order, a row per row group
        rows = [{"doc_id": f"doc-{(i * 7919) % n:04d}", "text": chr(0x4e00 + i % 500) * size, "n_chars": size, "text_sha256": "0" * 64,
                 "_document_key": f"k{i}", "_source_file": f"raw/{i}.txt", "_row": 0} for i in range(start, start + 50)]
        writer.write_table(pa.Table.from_pylist(rows, schema=schema), row_group_size=1)
base = pa.default_memory_pool().max_memory()
_sort_shard_file(path, TABLES_BY_NAME["texts"], schema)
print(pa.default_memory_pool().max_memory() - base, n * size * 3)
ids = pq.read_table(path, columns=["doc_id"]).column("doc_id").to_pylist()
assert ids == sorted(ids) and len(ids) == n, ids[:5]
f = pq.ParquetFile(path)
assert max(f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)) <= MERGED_ROW_GROUP_ROWS
"""


def test_a_shards_texts_are_sorted_without_reading_the_whole_file(tmp_path):
    """The texts of a shard are rewritten in order in small row groups, and Arrow never holds the whole file's texts
    (in a fresh process, where the memory pool's high-water mark is this sort's)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _SORT_SHARD, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    peak, whole = map(int, done.stdout.split())
    assert peak < whole / 4, (peak, whole)


def test_a_small_shard_file_of_texts_sorted_in_memory_is_the_one_sorted_a_row_at_a_time(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    import pipelines.store as store
    from validation.tables import TABLES_BY_NAME

    schema = store.store_schema(TABLES_BY_NAME["texts"])
    rows = [{"doc_id": f"doc-{(i * 37) % 60:03d}", "text": "文" * (i + 1), "n_chars": i + 1, "text_sha256": "0" * 64,
             "_document_key": f"k{i}", "_source_file": f"raw/{i}.txt", "_row": 0} for i in range(60)]
    sorted_files = []
    for threshold in (store.SORTED_IN_MEMORY_BYTES, 0):
        path = tmp_path / f"texts-{threshold}.parquet"
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for start in range(0, 60, 25):
                writer.write_table(pa.Table.from_pylist(rows[start : start + 25], schema=schema), row_group_size=1)
        monkeypatch.setattr(store, "SORTED_IN_MEMORY_BYTES", threshold)
        store._sort_shard_file(path, TABLES_BY_NAME["texts"], schema)
        sorted_files.append(path.read_bytes())
    assert sorted_files[0] == sorted_files[1]
    ids = pq.read_table(tmp_path / "texts-0.parquet", columns=["doc_id"]).column("doc_id").to_pylist()
    assert ids == sorted(ids) and len(ids) == 60


def test_tables_sorted_in_ranges_of_documents_are_the_tables_sorted_whole(corpus, tmp_path, monkeypatch):
    """DuckDB sorts each table (and quality_issues) a range of documents per query; with a document per range the
    package is byte for byte the one sorted in one query (row groups included)."""
    import pipelines.combining as combining

    expected = _from_scratch(corpus, tmp_path)
    monkeypatch.setattr(combining, "RANGE_DOCUMENTS", 1)
    monkeypatch.setattr(combining, "BATCH_ROWS", 7)  # row groups that straddle the ranges
    out = tmp_path / "ranged" / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    monkeypatch.setattr(combining, "RANGE_DOCUMENTS", 10**9)
    whole = tmp_path / "whole" / "datapackage"
    assert run_build(str(corpus), str(whole), log_level="ERROR").success
    assert _package_files(out) == _package_files(whole)
    assert _package_files(out) != expected  # the smaller row groups are in the files: the patched sizes were used


@pytest.mark.parametrize("record", ["[]", "null", '"published"', "{not json"])
def test_a_damaged_publication_record_means_publishing_again(corpus, tmp_path, record):
    """The record beside the store says what was published from which inputs; one that is not an object
    (cut short, overwritten) is no record: the package is published again, equal to a fresh build."""
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    recorded = tmp_path / ".datapackage.store" / "published.json"
    assert recorded.is_file()
    recorded.write_text(record, encoding="utf-8")
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert _package_files(out) == _from_scratch(corpus, tmp_path)
    assert recorded.read_text(encoding="utf-8").startswith("{")  # a good record again
