"""The published DuckDB database is updated in place of a rebuild when few documents changed,
and holds exactly what a database built from scratch holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import publishing
from pipelines.publishing import build_duckdb
from pipelines.query import DUCKDB_NAME
from validation.tables import TABLES, TABLES_BY_NAME

PACKAGE = Path(__file__).resolve().parents[1] / "datapackage"


def _package_copy(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    for table in TABLES:
        shutil.copyfile(PACKAGE / "data" / f"{table.name}.parquet", folder / "data" / f"{table.name}.parquet")
    return folder


def _rewrite(package: Path, table: str, select: str) -> None:
    """Replace a table's Parquet file by `select` over it (FROM t)."""
    path = package / "data" / f"{table}.parquet"
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path.as_posix()}')")
        con.execute(f"COPY ({select}) TO '{path.as_posix()}' (FORMAT parquet)")


def _doc_ids(package: Path) -> list[str]:
    with duckdb.connect() as con:
        return [r[0] for r in con.execute(f"SELECT doc_id FROM '{(package / 'data' / 'documents.parquet').as_posix()}' ORDER BY doc_id").fetchall()]


def _remove_document(package: Path, removed: str) -> None:
    by_name = {t.name: t for t in TABLES}
    for table in TABLES:  # rows that reach the document through a foreign key first, while their parents are still there
        for fk in table.foreign_keys:
            parent = by_name[fk.reference_table]
            if "doc_id" not in table.field_names and "doc_id" in parent.field_names:
                parent_file = (package / "data" / f"{parent.name}.parquet").as_posix()
                _rewrite(package, table.name, f"SELECT * FROM t WHERE {fk.fields} NOT IN "
                                              f"(SELECT {fk.reference_fields} FROM '{parent_file}' WHERE doc_id = '{removed}')")
    for table in TABLES:
        if "doc_id" in table.field_names:
            _rewrite(package, table.name, f"SELECT * FROM t WHERE doc_id IS DISTINCT FROM '{removed}'")


def _same_contents(a: Path, b: Path) -> None:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a.as_posix()}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b.as_posix()}' AS b (READ_ONLY)")
        for table in TABLES:
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.execute(f"SELECT count(*) FROM (FROM {x}.{table.name} EXCEPT ALL FROM {y}.{table.name})").fetchone()
                assert extra == (0,), f"{table.name}: rows in {x} that {y} lacks"
        for query in ("SELECT count(*), count(DISTINCT measure_id) FROM {db}.measures_full",
                      "SELECT measure_id FROM {db}.search_measures('示范区 生态') ORDER BY score DESC, measure_id"):
            con.execute("USE a")
            found_a = con.execute(query.format(db="a")).fetchall()
            con.execute("USE b")
            assert con.execute(query.format(db="b")).fetchall() == found_a


@pytest.fixture
def updates(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each build_duckdb call with a previous database updated it (True) or had to rebuild (False)."""
    seen: list[bool] = []
    original = publishing._update_duckdb

    def recording(con: duckdb.DuckDBPyConnection, package_dir: Path, unchanged: frozenset[str] = frozenset(),
                  hint: tuple[frozenset[str], frozenset[str]] | None = None) -> bool:
        seen.append(original(con, package_dir, unchanged, hint))
        return seen[-1]

    monkeypatch.setattr(publishing, "_update_duckdb", recording)
    return seen


def _previous_database(tmp_path: Path) -> Path:
    old = _package_copy(tmp_path / "old")
    build_duckdb(old)
    return old / DUCKDB_NAME


def _fresh_database_of(out: Path, folder: Path) -> Path:
    fresh = folder / "fresh"
    (fresh / "data").mkdir(parents=True)
    for table in TABLES:
        shutil.copyfile(out / "data" / f"{table.name}.parquet", fresh / "data" / f"{table.name}.parquet")
    return build_duckdb(fresh)


def test_a_changed_and_a_removed_document_update_the_database_to_a_fresh_builds_contents(
        tmp_path: Path, updates: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "MAX_UPDATED_SHARE", 0.5)  # two of the five seeds change
    previous = _previous_database(tmp_path)
    new = _package_copy(tmp_path / "new")
    removed, edited = _doc_ids(new)[:2]
    _remove_document(new, removed)
    _rewrite(new, "measures", f"SELECT * REPLACE (CASE WHEN doc_id = '{edited}' AND seq = 1 THEN text || '（修订）' ELSE text END AS text) FROM t")
    build_duckdb(new, previous=previous)
    assert updates == [True]
    _same_contents(new / DUCKDB_NAME, _fresh_database_of(new, tmp_path))
    with duckdb.connect(str(new / DUCKDB_NAME), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM documents WHERE doc_id = '{removed}'").fetchone() == (0,)


DOCUMENT_TABLES = frozenset(t.name for t in TABLES if t.name not in ("quality_issues", "agencies", "places", "themes"))


def _edited_and_removed(tmp_path: Path) -> tuple[Path, Path, str, str]:
    previous = _previous_database(tmp_path)
    new = _package_copy(tmp_path / "new")
    removed, edited = _doc_ids(new)[:2]
    _remove_document(new, removed)
    _rewrite(new, "measures", f"SELECT * REPLACE (CASE WHEN doc_id = '{edited}' AND seq = 1 THEN text || '（修订）' ELSE text END AS text) FROM t")
    return previous, new, removed, edited


def test_the_documents_known_to_have_changed_update_the_database_to_a_fresh_builds_contents(
        tmp_path: Path, updates: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "MAX_UPDATED_SHARE", 0.5)
    previous, new, removed, edited = _edited_and_removed(tmp_path)
    build_duckdb(new, previous=previous, changed_documents={removed, edited}, document_tables=DOCUMENT_TABLES)
    assert updates == [True]
    _same_contents(new / DUCKDB_NAME, _fresh_database_of(new, tmp_path))


def test_the_rows_of_a_document_not_known_to_have_changed_are_not_compared(tmp_path: Path, updates: list[bool]) -> None:
    """What the hint is trusted with: a document whose key did not change has the rows stored under that key, so
    its rows in document tables are not read again (a table outside document_tables still is)."""
    previous = _previous_database(tmp_path)
    new = _package_copy(tmp_path / "new")
    edited = _doc_ids(new)[0]
    _rewrite(new, "texts", f"SELECT * REPLACE (CASE WHEN doc_id = '{edited}' THEN text || '（修订）' ELSE text END AS text) FROM t")
    build_duckdb(new, previous=previous, changed_documents=set(), document_tables=DOCUMENT_TABLES)
    with duckdb.connect(str(new / DUCKDB_NAME), read_only=True) as con:
        assert con.execute(f"SELECT text LIKE '%（修订）' FROM texts WHERE doc_id = '{edited}'").fetchone() == (False,)
    build_duckdb(new, previous=previous, changed_documents=set(), document_tables=DOCUMENT_TABLES - {"texts"})
    assert updates == [True, True]
    _same_contents(new / DUCKDB_NAME, _fresh_database_of(new, tmp_path))


def test_a_document_left_out_of_the_changed_ones_whose_rows_are_fewer_rebuilds_the_database(
        tmp_path: Path, updates: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """The row counts of every table are still compared: a removal the hint misses is not published as an update."""
    monkeypatch.setattr(publishing, "MAX_UPDATED_SHARE", 0.5)
    previous, new, _, edited = _edited_and_removed(tmp_path)
    build_duckdb(new, previous=previous, changed_documents={edited}, document_tables=DOCUMENT_TABLES)
    assert updates == [False]
    _same_contents(new / DUCKDB_NAME, _fresh_database_of(new, tmp_path))


def test_an_added_document_and_changed_keys_and_lists_update_the_database_to_a_fresh_builds_contents(
        tmp_path: Path, updates: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows whose key, foreign key or list columns changed are replaced, with the rows that refer to them;
    the other changed rows are updated in place: either way the database holds a fresh build's contents."""
    monkeypatch.setattr(publishing, "MAX_UPDATED_SHARE", 1.0)
    old = _package_copy(tmp_path / "old")
    added, moved, relisted, edited = _doc_ids(old)[:4]
    _remove_document(old, added)  # new in the next build
    with duckdb.connect() as con:  # a measure of `moved` under another of its sections (a foreign key column)
        measures = (old / "data" / "measures.parquet").as_posix()
        measure, section = con.execute(
            f"SELECT m.measure_id, (SELECT max(section_id) FROM '{measures}' o WHERE o.doc_id = m.doc_id AND o.section_id <> m.section_id) "
            f"FROM '{measures}' m WHERE m.doc_id = '{moved}' AND m.section_id IS NOT NULL ORDER BY m.measure_id LIMIT 1").fetchone()
    assert section is not None
    _rewrite(old, "measures", f"SELECT * REPLACE (CASE WHEN measure_id = '{measure}' THEN '{section}' ELSE section_id END AS section_id) FROM t")
    _rewrite(old, "documents", f"SELECT * REPLACE (CASE WHEN doc_id = '{relisted}' THEN list_append(issuers, '旧机构') ELSE issuers END AS issuers) FROM t")
    _rewrite(old, "texts", f"SELECT * REPLACE (CASE WHEN doc_id = '{edited}' THEN text || '旧' ELSE text END AS text) FROM t")
    build_duckdb(old)
    new = _package_copy(tmp_path / "new")
    build_duckdb(new, previous=old / DUCKDB_NAME)
    assert updates == [True]
    fresh = _package_copy(tmp_path / "fresh")
    build_duckdb(fresh)
    _same_contents(new / DUCKDB_NAME, fresh / DUCKDB_NAME)


def test_a_changed_vocabulary_row_rebuilds_the_database(tmp_path: Path, updates: list[bool]) -> None:
    previous = _previous_database(tmp_path)
    new = _package_copy(tmp_path / "new")
    _rewrite(new, "themes", "SELECT * REPLACE (label_en || ' (renamed)' AS label_en) FROM t")
    build_duckdb(new, previous=previous)
    assert updates == [False]
    fresh = _package_copy(tmp_path / "fresh")
    shutil.copyfile(new / "data" / "themes.parquet", fresh / "data" / "themes.parquet")
    build_duckdb(fresh)
    _same_contents(new / DUCKDB_NAME, fresh / DUCKDB_NAME)


def test_a_previous_database_with_other_descriptions_rebuilds_the_database(tmp_path: Path, updates: list[bool]) -> None:
    """The comments (descriptions and keys) are part of what a previous database must match to be updated."""
    previous = _previous_database(tmp_path)
    with duckdb.connect(str(previous)) as con:
        con.execute("COMMENT ON COLUMN measures.text IS 'an older description'")
    new = _package_copy(tmp_path / "new")
    build_duckdb(new, previous=previous)
    assert updates == [False]
    with duckdb.connect(str(new / DUCKDB_NAME), read_only=True) as con:
        (comment,) = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'measures' AND column_name = 'text'").fetchone() or (None,)
    assert comment is not None and comment != "an older description" and comment.startswith(next(f.description for f in TABLES_BY_NAME["measures"].fields if f.name == "text"))


def test_an_unreadable_previous_database_is_replaced_by_a_fresh_build(tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database")
    new = _package_copy(tmp_path / "new")
    build_duckdb(new, previous=broken)
    fresh = _package_copy(tmp_path / "fresh")
    build_duckdb(fresh)
    _same_contents(new / DUCKDB_NAME, fresh / DUCKDB_NAME)


def test_many_changed_documents_rebuild_the_database(tmp_path: Path, updates: list[bool]) -> None:
    previous = _previous_database(tmp_path)
    new = _package_copy(tmp_path / "new")
    _rewrite(new, "measures", "SELECT * REPLACE (text || '（修订）' AS text) FROM t")  # every document
    build_duckdb(new, previous=previous)
    assert updates == [False]
    with duckdb.connect(str(new / DUCKDB_NAME), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM measures WHERE NOT text LIKE '%（修订）'").fetchone() == (0,)


def _built(tmp_path: Path) -> tuple[Path, Path]:
    from conftest import RAW

    from pipelines.definitions import run_build

    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    changed = raw / "2020-06-10_demo-zone-policy-measures.txt"
    changed.write_bytes(changed.read_bytes().replace("示范区".encode(), "示范区域".encode(), 1))
    return raw, out


def _parquet_hashes(out: Path) -> dict[str, str]:
    from pipelines.validating import file_facts

    return {t.name: file_facts(out / "data" / f"{t.name}.parquet")["hash"] for t in TABLES}


@pytest.fixture
def told_unchanged(monkeypatch: pytest.MonkeyPatch) -> list[tuple[frozenset[str], frozenset[str] | None]]:
    """Per update: the tables it was told are unchanged, and the documents it was told alone changed (None: not told)."""
    seen: list[tuple[frozenset[str], frozenset[str] | None]] = []
    original = publishing._update_duckdb

    def recording(con: duckdb.DuckDBPyConnection, package_dir: Path, unchanged: frozenset[str] = frozenset(),
                  hint: tuple[frozenset[str], frozenset[str]] | None = None) -> bool:
        seen.append((unchanged, hint[0] if hint is not None else None))
        return original(con, package_dir, unchanged, hint)

    monkeypatch.setattr(publishing, "_update_duckdb", recording)
    return seen


def test_tables_whose_files_did_not_change_are_not_compared_again(tmp_path: Path, told_unchanged: list[tuple[frozenset[str], frozenset[str] | None]]) -> None:
    from pipelines.definitions import run_build

    raw, out = _built(tmp_path)
    before = _parquet_hashes(out)
    assert run_build(str(raw), str(out), log_level="ERROR").success
    after = _parquet_hashes(out)
    assert told_unchanged == [(frozenset(name for name in after if after[name] == before[name]), frozenset({"yrd-demo-zone-policy-measures-2020"}))]
    assert told_unchanged[0][0] and len(told_unchanged[0][0]) < len(TABLES)
    _same_contents(out / DUCKDB_NAME, _fresh_database_of(out, tmp_path))


def test_a_database_written_since_publishing_is_compared_in_full(tmp_path: Path, told_unchanged: list[tuple[frozenset[str], frozenset[str] | None]]) -> None:
    """Someone deleted a row of a table the change does not touch: nothing is taken on trust, the row comes back."""
    from pipelines.definitions import run_build

    raw, out = _built(tmp_path)
    with duckdb.connect(str(out / DUCKDB_NAME)) as con:
        (deleted,) = con.execute("SELECT min(mention_id) FROM place_mentions WHERE doc_id NOT LIKE '%demo-zone%'").fetchone() or (None,)
        assert deleted is not None
        con.execute(f"DELETE FROM place_mentions WHERE mention_id = '{deleted}'")
    assert run_build(str(raw), str(out), log_level="ERROR").success
    assert told_unchanged == [(frozenset(), None)]
    _same_contents(out / DUCKDB_NAME, _fresh_database_of(out, tmp_path))
    with duckdb.connect(str(out / DUCKDB_NAME), read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM place_mentions WHERE mention_id = '{deleted}'").fetchone() == (1,)
