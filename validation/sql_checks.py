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

import validation.tables
from pipelines.memory import duckdb_config
from validation.tables import TABLES, Field, Table
from validation.verdicts import Verdicts, code_version

_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "list": "VARCHAR[]"}
SAMPLE = 3  # failing values quoted in a message


@dataclass(frozen=True)
class Rule:
    """One check on one table: the SQL selects the offending values.

    violation: for a check of each row on its own, the condition that marks an offending row of the
    table, so that all such checks of a table are screened in one scan (see run_rules).
    """

    table: str
    name: str
    sql: str
    violation: str | None = None
    references: str | None = None  # for a foreign key, the table it refers to


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _row_rule(table: Table, name: str, selected: str, violation: str, distinct: bool = False) -> Rule:
    """A check of each row on its own: the rows where violation holds are the offending ones."""
    select = "SELECT DISTINCT" if distinct else "SELECT"
    return Rule(table.name, name, f'{select} {selected} FROM "{table.name}" WHERE {violation}', violation)


def _column_rules(table: Table, f: Field) -> list[Rule]:
    col, src = f'"{f.name}"', f'"{table.name}"'
    rules = []
    if f.required:
        rules.append(_row_rule(table, f"{f.name} required", "NULL", f"{col} IS NULL"))
    if f.enum:
        allowed = ", ".join(sql_literal(v) for v in f.enum)
        rules.append(_row_rule(table, f"{f.name} in vocabulary", col, f"{col} NOT IN ({allowed})", distinct=True))
    if f.pattern:
        rules.append(_row_rule(table, f"{f.name} matches {f.pattern}", col, f"NOT regexp_matches({col}, {sql_literal(f.pattern)})"))
    if f.minimum is not None:
        rules.append(_row_rule(table, f"{f.name} >= {f.minimum:g}", col, f"{col} < {f.minimum}"))
    if f.maximum is not None:
        rules.append(_row_rule(table, f"{f.name} <= {f.maximum:g}", col, f"{col} > {f.maximum}"))
    if f.unique:
        rules.append(Rule(table.name, f"{f.name} unique", f"SELECT {col} FROM {src} WHERE {col} IS NOT NULL GROUP BY {col} HAVING count(*) > 1"))
    if f.type == "string":
        # ltrim leaves '' exactly when trim does; over the texts of 1,000 documents it took 8 ms, trim 32 ms
        rules.append(_row_rule(table, f"{f.name} not blank", col, f"ltrim({col}, ' \t\n\r\u3000') = ''"))
    if f.type == "list":
        rules.append(_row_rule(table, f"{f.name} a list of non-empty strings", col,
                               f"{col} IS NOT NULL AND (len({col}) = 0 OR list_bool_or(list_transform({col}, x -> x IS NULL OR x = '')))"))
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
             f'ON t."{fk.fields}" = r."{fk.reference_fields}" WHERE t."{fk.fields}" IS NOT NULL', references=fk.reference_table)
        for fk in table.foreign_keys
    ]


def column_types(con: duckdb.DuckDBPyConnection, table: Table) -> list[str]:
    """Columns missing, extra, out of order or of the wrong type."""
    found = [(name, kind) for name, kind, *_ in con.execute(f'DESCRIBE "{table.name}"').fetchall()]
    expected = [(f.name, _DUCKDB_TYPES[f.type]) for f in table.fields]
    if found == expected:
        return []
    return [f"{table.name}: columns {found} differ from the schema {expected}"]


def _report(con: duckdb.DuckDBPyConnection, rule: Rule) -> str | None:
    count, sample = con.execute(f"SELECT count(*), list(v) FILTER (WHERE rn <= {SAMPLE}) FROM (SELECT *, row_number() OVER () AS rn FROM ({rule.sql}) AS q(v))").fetchone() or (0, [])
    return f"{rule.table}: {rule.name} fails for {count} row(s), e.g. {sample}" if count else None


def run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> list[str]:
    """The problems of the failing rules, in the rules' order."""
    return [problem for _, problem in failures(con, rules)]


def failures(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> list[tuple[Rule, str]]:
    """Each failing rule with its problem, in the rules' order.

    A query costs a few milliseconds however small its table, and a table has
    dozens of row checks: those of one table are screened together by one scan
    that counts each one's offending rows, and only a rule with any is run on
    its own for its message.
    """
    screened: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.violation is not None:
            screened.setdefault(rule.table, []).append(rule)
    failing: set[Rule] = set()
    for table, group in screened.items():
        counts = ", ".join(f"count(*) FILTER (WHERE {rule.violation})" for rule in group)
        found = con.execute(f'SELECT {counts} FROM "{table}"').fetchone() or ()
        failing |= {rule for rule, count in zip(group, found) if count}
    out = []
    for rule in rules:
        if rule.violation is None or rule in failing:
            problem = _report(con, rule)
            if problem:
                out.append((rule, problem))
    return out


def connect_parquet(files: Mapping[str, Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views are the given Parquet files, one per table."""
    con = duckdb.connect(config=duckdb_config())
    for name, path in files.items():
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({sql_literal(path.as_posix())})')
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
    return run_rules(con, all_foreign_key_rules())


def all_foreign_key_rules() -> list[Rule]:
    return [rule for table in TABLES for rule in foreign_key_rules(table)]


# Contents (table name and sha256 of its file) that passed every check in this process: the published
# package's Parquet files are copies of the assembled tables the blocking checks already judged, and
# the same bytes under the same rules pass again, so validating the staged package does not repeat them.
# Only the last few are kept: a watcher's process checks new contents at every rebuild.
PASSED_CONTENTS_KEPT = 4
_passed_contents: list[tuple[tuple[str, str], ...]] = []


def content_digests(files: Mapping[str, Path]) -> tuple[tuple[str, str], ...]:
    """(name, sha256) of each file, sorted by name: what a result computed from the files depends on."""
    out = []
    for name, path in sorted(files.items()):
        with path.open("rb") as handle:
            out.append((name, hashlib.file_digest(handle, "sha256").hexdigest()))
    return tuple(out)


class CheckRecord:
    """The verdicts that passed in earlier builds (see validation.verdicts): a table's checks by its file's
    sha256, a foreign key's by the sha256 of both its tables' files, under the version of these rules, the
    table definitions and DuckDB.

    A rebuild after one document changed leaves most tables byte-identical: their checks, which read
    nothing but the file, would pass again, so only the changed tables and the foreign keys that touch
    one are run.
    """

    def __init__(self, path: Path | None, digests: Mapping[str, str]) -> None:
        self.digests = dict(digests)
        self.verdicts = Verdicts(path, code_version(Path(__file__), Path(validation.tables.__file__)))

    def table_key(self, name: str) -> str:
        return f"table {name} {self.digests.get(name)}"

    def foreign_key_key(self, rule: Rule) -> str:
        return f"foreign key {rule.table}: {rule.name} {self.digests.get(rule.table)} {self.digests.get(rule.references or '')}"

    def passed_table(self, name: str) -> bool:
        return self.table_key(name) in self.verdicts

    def passed_foreign_key(self, rule: Rule) -> bool:
        return self.foreign_key_key(rule) in self.verdicts

    def save(self, tables_passed: list[str], foreign_keys_passed: list[Rule]) -> None:
        """Keep what passed now, for these files only (earlier contents are never seen again)."""
        self.verdicts.save([*(self.table_key(n) for n in tables_passed), *(self.foreign_key_key(r) for r in foreign_keys_passed)])


def check_all(files: Mapping[str, Path], record: Path | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """Problems per table and of the foreign keys (when every table is given) over Parquet files named by table.

    record: a file of the verdicts that passed before (see CheckRecord); the checks of a table whose
    bytes passed them before are not run again, nor those of a foreign key between two such tables.
    """
    contents = content_digests(files)
    if contents in _passed_contents:  # as check_tables answers: the given tables, in TABLES' order
        return {t.name: [] for t in TABLES if t.name in files}, []
    known = CheckRecord(record, dict(contents))
    every_table = set(files) >= {t.name for t in TABLES}
    recorded = [name for name in files if known.passed_table(name)]
    fk_rules = all_foreign_key_rules() if every_table else []
    con = connect_parquet(files)
    try:
        checked = check_tables(con, [name for name in files if name not in recorded])
        failed_keys = failures(con, [r for r in fk_rules if not known.passed_foreign_key(r)])
    finally:
        con.close()
    per_table = {t.name: checked.get(t.name, []) for t in TABLES if t.name in files}
    keys = [problem for _, problem in failed_keys]
    known.save([name for name, problems in per_table.items() if not problems],
               [r for r in fk_rules if r not in {rule for rule, _ in failed_keys}])
    if not keys and not any(per_table.values()):
        _passed_contents.append(contents)
        del _passed_contents[:-PASSED_CONTENTS_KEPT]
    return per_table, keys


def check_files(files: Mapping[str, Path]) -> list[str]:
    """Every check over Parquet files named by table, as one list of problems."""
    per_table, keys = check_all(files)
    return [p for found in per_table.values() for p in found] + keys
