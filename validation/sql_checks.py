"""The table schemas as SQL checks, run by DuckDB over Parquet files of any size.

Generated from validation.tables like the pandera models, and checking the
same rules: types, required, enums, patterns, bounds, unique columns, primary
and foreign keys, no blank strings, lists of non-empty strings. pandera stays
the schema of record for each document's small frames; these checks judge
the assembled tables (and a downloaded package) without loading them into
pandas, so their memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from validation.tables import TABLES, Field, Table

_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "list": "VARCHAR[]"}
SAMPLE = 3  # failing values quoted in a message
# DuckDB spills to disk beyond this, so checking a large package does not need memory in proportion.
MEMORY_LIMIT = "256MB"


@dataclass(frozen=True)
class Rule:
    """One check on one table: the SQL selects the offending values."""

    table: str
    name: str
    sql: str


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _column_rules(table: Table, f: Field) -> list[Rule]:
    col, src = f'"{f.name}"', f'"{table.name}"'
    rules = []
    if f.required:
        rules.append(Rule(table.name, f"{f.name} required", f"SELECT NULL FROM {src} WHERE {col} IS NULL"))
    if f.enum:
        allowed = ", ".join(_quote(v) for v in f.enum)
        rules.append(Rule(table.name, f"{f.name} in vocabulary", f"SELECT DISTINCT {col} FROM {src} WHERE {col} NOT IN ({allowed})"))
    if f.pattern:
        rules.append(Rule(table.name, f"{f.name} matches {f.pattern}", f"SELECT {col} FROM {src} WHERE NOT regexp_matches({col}, {_quote(f.pattern)})"))
    if f.minimum is not None:
        rules.append(Rule(table.name, f"{f.name} >= {f.minimum:g}", f"SELECT {col} FROM {src} WHERE {col} < {f.minimum}"))
    if f.maximum is not None:
        rules.append(Rule(table.name, f"{f.name} <= {f.maximum:g}", f"SELECT {col} FROM {src} WHERE {col} > {f.maximum}"))
    if f.unique:
        rules.append(Rule(table.name, f"{f.name} unique", f"SELECT {col} FROM {src} WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1"))
    if f.type == "string":
        rules.append(Rule(table.name, f"{f.name} not blank", f"SELECT {col} FROM {src} WHERE trim({col}, ' \t\n\r\u3000') = ''"))
    if f.type == "list":
        rules.append(Rule(table.name, f"{f.name} a list of non-empty strings",
                          f"SELECT {col} FROM {src} WHERE {col} IS NOT NULL AND (len({col}) = 0 OR list_bool_or(list_transform({col}, x -> x IS NULL OR x = '')))"))
    return rules


def table_rules(table: Table) -> list[Rule]:
    rules = [rule for f in table.fields for rule in _column_rules(table, f)]
    if len(table.primary_key) > 1:
        cols = ", ".join(f'"{c}"' for c in table.primary_key)
        rules.append(Rule(table.name, f"primary key ({', '.join(table.primary_key)}) unique",
                          f'SELECT {cols} FROM "{table.name}" GROUP BY {cols} HAVING count(*) > 1'))
    return rules


def foreign_key_rules(table: Table) -> list[Rule]:
    return [
        Rule(table.name, f"{fk.fields} -> {fk.reference_table}.{fk.reference_fields}",
             f'SELECT DISTINCT t."{fk.fields}" FROM "{table.name}" t ANTI JOIN "{fk.reference_table}" r '
             f'ON t."{fk.fields}" = r."{fk.reference_fields}" WHERE t."{fk.fields}" IS NOT NULL')
        for fk in table.foreign_keys
    ]


def column_types(con: duckdb.DuckDBPyConnection, table: Table) -> list[str]:
    """Columns missing, extra, out of order or of the wrong type."""
    found = [(name, kind) for name, kind, *_ in con.execute(f'DESCRIBE "{table.name}"').fetchall()]
    expected = [(f.name, _DUCKDB_TYPES[f.type]) for f in table.fields]
    if found == expected:
        return []
    return [f"{table.name}: columns {found} differ from the schema {expected}"]


def run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> list[str]:
    problems = []
    for rule in rules:
        count, sample = con.execute(f"SELECT count(*), list(v) FILTER (WHERE rn <= {SAMPLE}) FROM (SELECT *, row_number() OVER () AS rn FROM ({rule.sql}) AS q(v))").fetchone() or (0, [])
        if count:
            problems.append(f"{rule.table}: {rule.name} fails for {count} row(s), e.g. {sample}")
    return problems


def connect_parquet(files: Mapping[str, Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views are the given Parquet files, one per table."""
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2})
    for name, path in files.items():
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({_quote(path.as_posix())})')
    return con


def check_tables(con: duckdb.DuckDBPyConnection, names: list[str] | None = None) -> dict[str, list[str]]:
    """Problems per table (an empty list when it passes): types, columns, values, keys."""
    out: dict[str, list[str]] = {}
    for table in TABLES:
        if names is not None and table.name not in names:
            continue
        problems = column_types(con, table)
        out[table.name] = problems or run_rules(con, table_rules(table))
    return out


def check_foreign_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    return run_rules(con, [rule for table in TABLES for rule in foreign_key_rules(table)])


# Contents (table name and sha256 of its file) that passed every check in this process: the published
# package's Parquet files are copies of the assembled tables the blocking checks already judged, and
# the same bytes under the same rules pass again, so validating the staged package does not repeat them.
_passed_contents: set[tuple[tuple[str, str], ...]] = set()


def content_digests(files: Mapping[str, Path]) -> tuple[tuple[str, str], ...]:
    """(name, sha256) of each file, sorted by name: what a result computed from the files depends on."""
    out = []
    for name, path in sorted(files.items()):
        with path.open("rb") as handle:
            out.append((name, hashlib.file_digest(handle, "sha256").hexdigest()))
    return tuple(out)


def check_all(files: Mapping[str, Path]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems per table and of the foreign keys (when every table is given) over Parquet files named by table."""
    contents = content_digests(files)
    if contents in _passed_contents:  # as check_tables answers: the given tables, in TABLES' order
        return {t.name: [] for t in TABLES if t.name in files}, []
    con = connect_parquet(files)
    try:
        per_table = check_tables(con, list(files))
        keys = check_foreign_keys(con) if set(files) >= {t.name for t in TABLES} else []
    finally:
        con.close()
    if not keys and not any(per_table.values()):
        _passed_contents.add(contents)
    return per_table, keys


def check_files(files: Mapping[str, Path]) -> list[str]:
    """Every check over Parquet files named by table, as one list of problems."""
    per_table, keys = check_all(files)
    return [p for found in per_table.values() for p in found] + keys
