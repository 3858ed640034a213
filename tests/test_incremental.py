"""Rebuilds extract only what changed, and give the package a from-scratch build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from conftest import RAW, published

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


def test_an_unchanged_rebuild_leaves_the_published_files_alone(corpus, tmp_path):
    out = tmp_path / "datapackage"
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    # a published file changed by hand is noticed, and the package is published again
    (out / "data" / "measures.csv").write_text("tampered", encoding="utf-8")
    assert run_build(str(corpus), str(out), log_level="ERROR").success
    assert _package_files(out) == _from_scratch(corpus, tmp_path)


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
