"""Publishing after a change writes again only the CSV files whose Parquet tables changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import RAW

import pipelines.publishing
from pipelines.definitions import run_build


@pytest.fixture()
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    written: list[str] = []
    original = pipelines.publishing.write_csv

    def counting(table, parquet, path, con):  # type: ignore[no-untyped-def]
        written.append(table.name)
        original(table, parquet, path, con)

    monkeypatch.setattr(pipelines.publishing, "write_csv", counting)
    return raw, out, written


def _change_a_document(raw: Path) -> None:
    changed = raw / "2020-06-10_demo-zone-policy-measures.txt"
    changed.write_bytes(changed.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))


def _parquet_hashes(out: Path) -> dict[str, str]:
    described = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r["parquet"]["hash"] for r in described["resources"] if "parquet" in r}


def test_only_the_changed_tables_csv_files_are_written_again(built: tuple[Path, Path, list[str]]) -> None:
    raw, out, written = built
    before = _parquet_hashes(out)
    _change_a_document(raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    after = _parquet_hashes(out)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed and len(changed) < len(after)  # the edit changes some tables and not others
    assert sorted(written) == changed


def test_a_published_csv_file_that_does_not_match_its_descriptor_is_written_again(built: tuple[Path, Path, list[str]]) -> None:
    raw, out, written = built
    places = out / "data" / "places.csv"
    damaged = places.read_bytes().replace(b"\r\n", b"\n")
    places.write_bytes(damaged)
    _change_a_document(raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    assert "places" in written
    assert places.read_bytes() != damaged


def test_a_csv_written_by_another_version_of_the_writer_is_written_again(built: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    raw, out, written = built
    record = next((tmp_path / ".datapackage.store").glob("published.json"))
    record.write_text(json.dumps({**json.loads(record.read_text(encoding="utf-8")), "csv_writer": "an older writer"}), encoding="utf-8")
    _change_a_document(raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    assert sorted(written) == sorted(_parquet_hashes(out))


def test_a_reused_csv_file_is_not_read_again_and_one_touched_since_is_written_again(built: tuple[Path, Path, list[str]],
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import pipelines.validating

    raw, out, written = built
    hashed: list[str] = []
    original = pipelines.validating.file_facts

    def counting(path: Path) -> dict[str, object]:
        hashed.append(path.name)
        return original(path)

    monkeypatch.setattr(pipelines.publishing, "file_facts", counting)
    monkeypatch.setattr(pipelines.validating, "file_facts", counting)
    places = out / "data" / "places.csv"
    os.utime(places, ns=(places.stat().st_atime_ns, places.stat().st_mtime_ns + 10**9))  # same bytes, written since publishing
    inodes = {p.name: p.stat().st_ino for p in (out / "data").glob("*.csv")}
    _change_a_document(raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    assert "places" in written  # not trusted: written again
    hashed_csv = sorted(name.removesuffix(".csv") for name in hashed if name.endswith(".csv"))
    assert hashed_csv == sorted(written)  # each written file hashed once, the reused ones not at all
    kept = sorted(p.stem for p in (out / "data").glob("*.csv") if p.stat().st_ino == inodes[p.name])
    assert kept == sorted(set(_parquet_hashes(out)) - set(written))  # the reused ones are the published files themselves, not copies
    assert sorted(name for name in hashed if name.endswith(".parquet")) == sorted(f"{name}.parquet" for name in _parquet_hashes(out))
    assert pipelines.validating.validate_package(out) == []  # the descriptor still describes every file exactly
