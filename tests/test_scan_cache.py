"""A raw folder is read once per process while none of its files changes, and read again after any change."""

from __future__ import annotations

import os
import time
import types
from pathlib import Path

import pytest

from pipelines import sources
from pipelines.sources import scan_raw_documents

TEXT = "关于推进合作的通知\n\n一、总体要求\n\n1.加强协同。\n".encode()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.txt").write_bytes(TEXT)
    (folder / "a.meta.yaml").write_text("doc_id: doc-aaaa\ntitle: 甲\n", encoding="utf-8")
    return folder


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders actually read (not answered from the last scan)."""
    read: list[Path] = []
    original = sources._scan

    def counting(raw_dir: Path, *args: object) -> object:
        read.append(raw_dir)
        return original(raw_dir, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "_scan", counting)
    monkeypatch.setattr(sources, "_last_scans", {})
    return read


def test_an_unchanged_folder_is_not_read_twice(raw: Path, scans: list[Path]) -> None:
    first, _ = scan_raw_documents(raw)
    second, _ = scan_raw_documents(raw)
    assert len(scans) == 1
    assert second == first and second[0].metadata is not None and second[0].metadata["title"] == "甲"
    assert second[0].metadata_digest == sources.metadata_digest(*sources._read_metadata(raw / "a.meta.yaml"))


def test_a_metadata_change_of_the_same_size_within_the_clock_tick_is_seen(raw: Path, scans: list[Path]) -> None:
    before, _ = scan_raw_documents(raw)
    meta = raw / "a.meta.yaml"
    stat = meta.stat()
    meta.write_text("doc_id: doc-aaaa\ntitle: 乙\n", encoding="utf-8")  # same size, written at once
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime: the bytes are compared
    found, _ = scan_raw_documents(raw)
    assert len(scans) == 2
    assert found[0].metadata_digest == sources.metadata_digest(*sources._read_metadata(meta)) != before[0].metadata_digest
    assert found[0].facts_digest != before[0].facts_digest


def test_a_new_document_is_seen(raw: Path, scans: list[Path]) -> None:
    scan_raw_documents(raw)
    (raw / "b.txt").write_bytes(TEXT + "2.推进共享。\n".encode())
    found, _ = scan_raw_documents(raw)
    assert [f.path for f in found] == ["raw/a.txt", "raw/b.txt"]
    assert len(scans) == 2


def test_a_removed_document_is_seen(raw: Path, scans: list[Path]) -> None:
    scan_raw_documents(raw)
    (raw / "a.txt").unlink()
    found, _ = scan_raw_documents(raw)
    assert found == [] and len(scans) == 2


def test_callers_cannot_change_the_remembered_scan(raw: Path, scans: list[Path]) -> None:
    found, problems = scan_raw_documents(raw)
    found.clear()
    problems.append(sources.LoadProblem("x", "y"))
    again, again_problems = scan_raw_documents(raw)
    assert len(again) == 1 and again_problems == []


# ---- between processes: the hashes and parsed metadata kept in the store (sources.ScanCache)


def _a_minute_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scans run a minute after the files were written, as a rebuild does: only then are they past the racy window."""
    now = time.time_ns() + 60 * 10**9
    monkeypatch.setattr(sources, "time", types.SimpleNamespace(time_ns=lambda: now))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files hashed or parsed, in a fresh 'process' each scan (the in-process memo is cleared)."""
    read: list[str] = []
    original_hash, original_parse = sources._sha256_of, sources._read_metadata
    monkeypatch.setattr(sources, "_sha256_of", lambda path: read.append(path.name) or original_hash(path))
    monkeypatch.setattr(sources, "_read_metadata", lambda path: read.append(path.name) or original_parse(path))
    return read


def _fresh_scan(raw: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> list[sources.SourceFile]:
    monkeypatch.setattr(sources, "_last_scans", {})
    found, _ = scan_raw_documents(raw, cache_dir=cache)
    return found


def test_a_later_process_reads_only_the_files_that_changed(raw: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (raw / "b.txt").write_bytes(TEXT + "2.推进共享。\n".encode())
    _a_minute_later(monkeypatch)
    cache = tmp_path / "store"
    first = _fresh_scan(raw, cache, monkeypatch)
    assert sorted(reads) == ["a.meta.yaml", "a.txt", "b.txt"]
    for _ in range(2):  # a scan answered from the cache keeps it whole for the next one
        reads.clear()
        assert _fresh_scan(raw, cache, monkeypatch) == first and reads == []
    (raw / "b.txt").write_bytes(TEXT + "2.推进共享，加强合作。\n".encode())
    (raw / "a.meta.yaml").write_text("doc_id: doc-aaaa\ntitle: 丙\n", encoding="utf-8")
    found = _fresh_scan(raw, cache, monkeypatch)
    assert sorted(reads) == ["a.meta.yaml", "b.txt"]
    assert found[0].metadata_digest == sources.metadata_digest(*sources._read_metadata(raw / "a.meta.yaml")) != first[0].metadata_digest
    assert found[1].sha256 != first[1].sha256


def test_files_changed_within_the_racy_window_are_never_cached(raw: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "store"
    _fresh_scan(raw, cache, monkeypatch)  # the fixture's files were written just now
    reads.clear()
    _fresh_scan(raw, cache, monkeypatch)
    assert set(reads) == {"a.meta.yaml", "a.txt"}  # read again, not answered from the cache
    assert not (cache / sources.SCAN_CACHE_NAME).exists()  # nothing was trustworthy enough to keep


def test_a_cache_of_another_parser_version_or_unreadable_is_ignored(raw: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _a_minute_later(monkeypatch)
    cache = tmp_path / "store"
    _fresh_scan(raw, cache, monkeypatch)
    cache_file = cache / sources.SCAN_CACHE_NAME
    for damage in ('{"version": "another parser", "files": {}}', "not json"):
        cache_file.write_text(damage, encoding="utf-8")
        reads.clear()
        found = _fresh_scan(raw, cache, monkeypatch)
        assert sorted(reads) == ["a.meta.yaml", "a.txt"]
        assert found[0].metadata is not None and found[0].metadata["title"] == "甲"


def test_a_scan_keeps_no_metadata_and_a_read_parses_it_as_it_is_now(raw: Path, scans: list[Path]) -> None:
    (found,), _ = scan_raw_documents(raw)
    assert "title" not in repr(found) and "甲" not in repr(found)  # the digest of the metadata, not the metadata
    (raw / "a.meta.yaml").write_text("doc_id: doc-aaaa\ntitle: 丁\n", encoding="utf-8")
    document = found.read()
    assert document.metadata is not None and document.metadata["title"] == "丁"
    (again,), _ = scan_raw_documents(raw)
    assert again.facts_digest != found.facts_digest  # the next scan keys the change
