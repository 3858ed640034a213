"""The SQL checks keep the verdicts that passed: a rebuild checks only the tables whose bytes changed,
and every foreign key that touches one of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from validation import sql_checks
from validation.tables import TABLES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def tables(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "tables"
    folder.mkdir()
    for table in TABLES:
        shutil.copyfile(REPO / "datapackage" / "data" / f"{table.name}.parquet", folder / f"{table.name}.parquet")
    return {t.name: folder / f"{t.name}.parquet" for t in TABLES}


@pytest.fixture()
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables whose own rules run, and the foreign keys run (as 'table: rule'), in each check_all call."""
    runs: list[str] = []
    original = sql_checks.failures

    def recording(con, rules):
        runs.extend(sorted({f"{r.table}: {r.name}" if r.references else r.table for r in rules}))
        return original(con, rules)

    monkeypatch.setattr(sql_checks, "failures", recording)
    monkeypatch.setattr(sql_checks, "_passed_contents", [])  # as in a new process
    return runs


def _rewrite(path: Path, change) -> None:
    arrow = pq.read_table(path)
    rows = arrow.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow.schema), path)


def _new_process(monkeypatch: pytest.MonkeyPatch, checked: list[str]) -> None:
    monkeypatch.setattr(sql_checks, "_passed_contents", [])
    checked.clear()


def test_only_changed_tables_and_their_foreign_keys_are_checked_again(tables, checked, monkeypatch, tmp_path):
    record = tmp_path / "checked.json"
    per_table, keys = sql_checks.check_all(tables, record)
    assert not any(per_table.values()) and keys == []
    every_rule = set(checked)
    assert {t.name for t in TABLES if sql_checks.table_rules(t)} <= every_rule

    _new_process(monkeypatch, checked)
    assert sql_checks.check_all(tables, record) == (per_table, [])
    assert checked == []  # nothing changed: no rule runs

    _new_process(monkeypatch, checked)
    _rewrite(tables["targets"], lambda rows: rows.reverse())  # other bytes, still valid
    assert sql_checks.check_all(tables, record) == (per_table, [])
    targets_keys = {f"targets: {r.name}" for r in sql_checks.foreign_key_rules(next(t for t in TABLES if t.name == "targets"))}
    assert set(checked) == {"targets"} | targets_keys


def test_a_change_that_breaks_an_unchanged_table_is_found(tables, checked, monkeypatch, tmp_path):
    """measures is unchanged, but the section one of its rows refers to is gone: the foreign key runs again."""
    record = tmp_path / "checked.json"
    sql_checks.check_all(tables, record)
    _new_process(monkeypatch, checked)
    referenced = pq.read_table(tables["measures"], columns=["section_id"]).column("section_id").drop_null()[0].as_py()
    _rewrite(tables["sections"], lambda rows: rows.__setitem__(slice(None), [r for r in rows if r["section_id"] != referenced]))
    per_table, keys = sql_checks.check_all(tables, record)
    assert any(k.startswith("measures: section_id -> sections.section_id fails") for k in keys), keys
    assert "measures" not in checked  # its own rules passed for these bytes before

    _new_process(monkeypatch, checked)  # the failure is not recorded as a pass
    assert sql_checks.check_all(tables, record)[1] == keys


def test_a_changed_table_that_breaks_its_own_rules_is_found(tables, checked, monkeypatch, tmp_path):
    record = tmp_path / "checked.json"
    sql_checks.check_all(tables, record)
    _new_process(monkeypatch, checked)
    _rewrite(tables["measures"], lambda rows: rows[0].update(text="   "))
    per_table, _ = sql_checks.check_all(tables, record)
    assert any("text not blank fails" in p for p in per_table["measures"])


def test_a_record_of_other_rules_or_unreadable_is_ignored(tables, checked, monkeypatch, tmp_path):
    record = tmp_path / "checked.json"
    sql_checks.check_all(tables, record)
    every_rule = set(checked)
    data = json.loads(record.read_text(encoding="utf-8"))
    for written in (json.dumps({**data, "version": "other rules"}), "{not json", json.dumps([1, 2])):
        record.write_text(written, encoding="utf-8")
        _new_process(monkeypatch, checked)
        sql_checks.check_all(tables, record)
        assert set(checked) == every_rule


def test_a_long_running_process_keeps_only_the_last_contents_that_passed(tables, checked):
    """A watcher checks new contents at every rebuild: the contents known to pass stay a few, the latest among them."""
    for turn in range(sql_checks.PASSED_CONTENTS_KEPT + 3):
        _rewrite(tables["targets"], lambda rows, k=turn: rows.__setitem__(slice(None), rows[k + 1 :] + rows[: k + 1]))  # other bytes, still valid
        assert sql_checks.check_all(tables) == ({t.name: [] for t in TABLES}, [])
    assert len(sql_checks._passed_contents) == sql_checks.PASSED_CONTENTS_KEPT
    checked.clear()
    assert sql_checks.check_all(tables) == ({t.name: [] for t in TABLES}, [])
    assert checked == []  # the latest contents are still known to pass
