"""The Dagster code location loads and its graph materialises into a temporary directory."""

import json
import shutil

import dagster as dg
from conftest import RAW, published

from pipelines.definitions import defs, run_build
from pipelines.defs.resources import ProjectPaths
from pipelines.defs.schedules import raw_files_changed
from validation.tables import TABLES

EXPECTED_ASSETS = {"document_extractions", "datapackage"} | {t.name for t in TABLES}


def test_definitions_load_with_assets_checks_job_schedule_and_sensor():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == EXPECTED_ASSETS
    check_names = {key.name for key in graph.asset_check_keys}
    assert {f"{t.name}_schema" for t in TABLES} <= check_names
    assert {"foreign_keys", "numbering_continuity", "declared_counts", "coverage", "spans", "theme_coverage"} <= check_names
    assert defs.resolve_job_def("rebuild_dataset") is not None
    assert defs.resolve_schedule_def("daily_rebuild").cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("raw_files_changed") is not None


def test_materialising_the_graph_publishes_a_package(fresh_build):
    out, result = fresh_build
    assert result.success
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"] if r.get("type") == "table"] == [t.name for t in TABLES]
    assert descriptor["resources"][0]["parquet"]["path"] == "data/documents.parquet"
    assert (out / "yrdpm.duckdb").exists()
    blocking = [e for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR]
    assert blocking and all(e.passed for e in blocking)
    row_counts = {
        e.asset_key.to_user_string(): e.materialization.metadata["dagster/row_count"].value
        for e in result.get_asset_materialization_events()
        if "dagster/row_count" in e.materialization.metadata
    }
    assert row_counts["measures"] == 196 and row_counts["documents"] == 5


def test_a_document_with_bad_metadata_is_quarantined_and_the_rest_publishes(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    meta = sorted(raw.glob("*.meta.yaml"))[0]
    meta.write_text(meta.read_text(encoding="utf-8").replace("doc_type: ", "doc_type: manifesto #"), encoding="utf-8")
    out = tmp_path / "datapackage"
    result = run_build(str(raw), str(out))
    assert result.success
    assert len(published(out, "documents")) == 4
    issues = published(out, "quality_issues")
    quarantined = issues[issues["check"] == "quarantine"]
    assert len(quarantined) == 1
    assert meta.name in quarantined.iloc[0]["message"] and "doc_type" in quarantined.iloc[0]["message"]


def test_a_dataset_wide_schema_failure_publishes_nothing(tmp_path, monkeypatch):
    """A vocabulary shared by every document (here a theme id that breaks the id pattern) blocks the whole publication."""
    import pipelines.assembly as assembly
    from pipelines.extraction.themes import Theme

    monkeypatch.setattr(assembly, "themes", lambda: (Theme("Bad Id", "坏", "bad", "A theme whose id breaks the pattern.", ("坏",)),))
    out = tmp_path / "datapackage"
    out.mkdir()
    (out / "previous.txt").write_text("the previous publication")
    result = run_build(str(RAW), str(out))
    assert not result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert "themes_schema" in failed
    assert [p.name for p in out.iterdir()] == ["previous.txt"]


def test_sensor_requests_a_run_when_raw_changes(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、标题\n正文。", encoding="utf-8")
    paths = ProjectPaths(raw_dir=str(raw), out_dir=str(tmp_path / "out"))
    first = raw_files_changed(dg.build_sensor_context(cursor=None, resources={"paths": paths}))
    assert len(first.run_requests) == 1
    unchanged = raw_files_changed(dg.build_sensor_context(cursor=first.cursor, resources={"paths": paths}))
    assert isinstance(unchanged, dg.SkipReason)
    (raw / "a.txt").write_text("一、标题\n正文有变。", encoding="utf-8")
    changed = raw_files_changed(dg.build_sensor_context(cursor=first.cursor, resources={"paths": paths}))
    assert len(changed.run_requests) == 1 and changed.cursor != first.cursor
