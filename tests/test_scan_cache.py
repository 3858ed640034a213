"""A raw folder is read once per process while none of its files changes, and read again after any change."""

from __future__ import annotations

import os
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


def test_a_metadata_change_of_the_same_size_within_the_clock_tick_is_seen(raw: Path, scans: list[Path]) -> None:
    scan_raw_documents(raw)
    meta = raw / "a.meta.yaml"
    stat = meta.stat()
    meta.write_text("doc_id: doc-aaaa\ntitle: 乙\n", encoding="utf-8")  # same size, written at once
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime: the bytes are compared
    found, _ = scan_raw_documents(raw)
    assert len(scans) == 2
    assert found[0].metadata is not None and found[0].metadata["title"] == "乙"


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
