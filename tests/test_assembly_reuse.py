"""Assembly sorts again only the tables whose documents' rows changed; the others are copied from the
previous assembly, and the tables are those a build from scratch writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import RAW

from pipelines import combining
from pipelines.assembly import RECORD_TABLES
from pipelines.definitions import run_build
from validation.tables import TABLES

CHANGED = "2020-06-10_demo-zone-policy-measures"


@pytest.fixture()
def assembled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The record tables assembly sorts and writes (not copied) in each build."""
    written: list[str] = []
    original = combining._write

    def recording(batches, path: Path, schema):  # type: ignore[no-untyped-def]
        if path.stem in RECORD_TABLES:
            written.append(path.stem)
        return original(batches, path, schema)

    monkeypatch.setattr(combining, "_write", recording)
    return written


def _build(raw: Path, out: Path, accept_changes: str = "") -> Path:
    assert run_build(str(raw), str(out), log_level="ERROR", accept_changes=accept_changes).success
    return out.parent / f".{out.name}.store" / "tables"


def _same_tables(a: Path, b: Path) -> None:
    for table in TABLES:
        assert (a / f"{table.name}.parquet").read_bytes() == (b / f"{table.name}.parquet").read_bytes(), table.name


def _from_scratch(raw: Path, folder: Path) -> Path:
    return _build(raw, folder / "scratch" / "datapackage")


def test_only_the_tables_whose_rows_changed_are_sorted_again(tmp_path: Path, assembled: list[str]) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    tables = _build(raw, tmp_path / "datapackage")
    before = {t: (tables / f"{t}.parquet").read_bytes() for t in RECORD_TABLES}
    assert {"measures", "texts", "sections"} <= set(assembled)  # a first build sorts every table
    assembled.clear()

    edited = raw / f"{CHANGED}.txt"
    edited.write_bytes(edited.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    tables = _build(raw, tmp_path / "datapackage")
    changed = sorted(t for t in RECORD_TABLES if (tables / f"{t}.parquet").read_bytes() != before[t])
    assert changed and sorted(assembled) == changed  # the tables whose bytes changed, and no other
    assembled.clear()
    _same_tables(tables, _from_scratch(raw, tmp_path))


def test_a_licence_that_quotes_a_document_assembles_its_texts_again(tmp_path: Path, assembled: list[str]) -> None:
    """The rows of the document's texts do not change, but the package now quotes them: texts is sorted again."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    _build(raw, tmp_path / "datapackage")
    assembled.clear()
    meta = raw / f"{CHANGED}.meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("licence_id: LicenseRef-PRC-Copyright-Law-Art5",
                                                             "licence_id: LicenseRef-not-open\nrepublish_text: false"), encoding="utf-8")
    tables = _build(raw, tmp_path / "datapackage", accept_changes="the source is not openly licensed")  # the guard asks why texts shrink
    assert "texts" in assembled and "measures" in assembled
    _same_tables(tables, _from_scratch(raw, tmp_path))


def test_tables_assembled_before_digests_were_kept_are_sorted_again(tmp_path: Path, assembled: list[str]) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    tables = _build(raw, tmp_path / "datapackage")
    first = sorted(assembled)
    assembled.clear()
    (tables / combining.TABLE_INPUTS_FILE).unlink()
    (tables / combining.INPUTS_FILE).unlink()  # as if the inputs changed: assembly runs
    _build(raw, tmp_path / "datapackage")
    assert sorted(assembled) == first
