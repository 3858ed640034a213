"""After a few documents changed, assembly patches a table sorted by doc_id: the previous file's rows are
copied through in order, the changed documents' rows replaced. The tables are those a build from scratch writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import RAW
from test_assembly_reuse import _build, _from_scratch, _same_tables

from pipelines import combining
from validation.tables import TABLES_BY_NAME

EDITED = "2020-06-10_demo-zone-policy-measures"
REMOVED = "2019-06_zhejiang-yrd-action-plan-excerpt"
ADDED = """关于推进示范区协同创新的若干措施

一、加强科技创新合作
（一）共建创新平台。支持三地联合建设实验室，到2025年建成10个联合创新中心。
（二）共享科技资源。推动大型科研仪器开放共享。
二、完善保障机制
（一）建立协调机制。由示范区执委会牵头，两区一县人民政府配合。
"""


@pytest.fixture()
def patched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables assembly patches in each build (the others it copies or sorts)."""
    tables: list[str] = []
    original = combining._patched

    def recording(previous: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        tables.append(previous.stem)
        return original(previous, *args, **kwargs)

    monkeypatch.setattr(combining, "_patched", recording)
    return tables


def _change_three(raw: Path) -> None:
    """One document edited, one removed, one added."""
    edited = raw / f"{EDITED}.txt"
    edited.write_bytes(edited.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    for path in raw.glob(f"{REMOVED}.*"):
        path.unlink()
    (raw / "2025-01-01_made-up-innovation-measures.txt").write_text(ADDED, encoding="utf-8")


def test_tables_patched_after_an_edit_a_removal_and_an_addition_are_those_of_a_build_from_scratch(tmp_path: Path, patched: list[str]) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    _build(raw, tmp_path / "datapackage")
    assert patched == []  # the first assembly has nothing to patch
    _change_three(raw)
    tables = _build(raw, tmp_path / "datapackage", accept_changes="a document was withdrawn")
    doc_id_first = {t.name for t in TABLES_BY_NAME.values() if t.sort_by[:1] == ("doc_id",)}
    assert {"documents", "texts", "measures", "sections"} <= set(patched) <= doc_id_first
    _same_tables(tables, _from_scratch(raw, tmp_path))


def test_more_changed_documents_than_a_patch_takes_are_sorted_again(tmp_path: Path, patched: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    _build(raw, tmp_path / "datapackage")
    monkeypatch.setattr(combining, "PATCH_DOCUMENTS", 2)  # three documents change
    _change_three(raw)
    tables = _build(raw, tmp_path / "datapackage", accept_changes="a document was withdrawn")
    assert patched == []
    _same_tables(tables, _from_scratch(raw, tmp_path))


def test_a_changed_document_counts_once_against_what_a_patch_takes(tmp_path: Path, patched: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Its old rows go and its new ones come under one doc_id: one document, not a removal and an addition."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    _build(raw, tmp_path / "datapackage")
    monkeypatch.setattr(combining, "PATCH_DOCUMENTS", 1)
    edited = raw / f"{EDITED}.txt"
    edited.write_bytes(edited.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    tables = _build(raw, tmp_path / "datapackage")
    assert "measures" in patched
    _same_tables(tables, _from_scratch(raw, tmp_path))


def test_an_assembly_by_other_code_is_not_patched(tmp_path: Path, patched: list[str]) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    tables = _build(raw, tmp_path / "datapackage")
    record = tables / combining.ASSEMBLED_DOCUMENTS_FILE
    record.write_text(json.dumps({**json.loads(record.read_text(encoding="utf-8")), "basis": "an earlier version"}), encoding="utf-8")
    _change_three(raw)
    _build(raw, tmp_path / "datapackage", accept_changes="a document was withdrawn")
    assert patched == []


SCHEMA = pa.schema([("doc_id", pa.string()), ("seq", pa.int64())])


def _rows(doc_ids: list[str], per_document: int = 3) -> pa.Table:
    return pa.table({"doc_id": [d for d in doc_ids for _ in range(per_document)],
                     "seq": [i for _ in doc_ids for i in range(per_document)]}, schema=SCHEMA)


@pytest.mark.parametrize("batch_rows", [1, 2, 4, 64])
def test_patched_rows_are_the_sorted_union_in_batches_of_the_size_asked(tmp_path: Path, batch_rows: int) -> None:
    previous = tmp_path / "previous.parquet"
    kept = ["b", "d", "e", "g", "h"]
    combining._write(_rows([*kept, "c"]).sort_by("doc_id").to_batches(max_chunksize=5), previous, SCHEMA)
    patch = combining._Patch(removed=frozenset({"c", "e"}), added=())
    added = _rows(["a", "e", "f", "z"])  # before the first, a replaced one, between two, after the last
    batches = list(combining._patched(previous, patch, added, SCHEMA, batch_rows))
    assert [b.num_rows for b in batches[:-1]] == [batch_rows] * (len(batches) - 1) and 0 < batches[-1].num_rows <= batch_rows
    merged = pa.Table.from_batches(batches)
    assert merged.to_pylist() == _rows(["a", "b", "d", "e", "f", "g", "h", "z"]).to_pylist()
