"""The fail-closed guard: what a new build would change in the published package, judged before publishing.

A build is refused when a document that is published would disappear, when a
document whose source bytes did not change would lose or change records, or
when a table would shrink by more than a configured share, unless the build
says it accepts the changes and why. Everything is computed by DuckDB over the
Parquet files, so it costs a scan of the two packages, not their size in memory.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.memory import duckdb_config
from validation.sql_checks import content_digests
from validation.tables import TABLES

DEFAULT_MAX_SHRINK = 0.10  # a table may lose at most this share of its rows without an accepted reason


@dataclass
class GuardReport:
    """What the new tables would do to the published package; `refusals` say why publishing is refused."""

    removed_documents: list[str] = field(default_factory=list)
    changed_unchanged_documents: list[str] = field(default_factory=list)  # same source bytes, other records
    shrunk_tables: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def refusals(self) -> list[str]:
        out = []
        if self.removed_documents:
            out.append(f"{len(self.removed_documents)} published document(s) would disappear: {', '.join(self.removed_documents[:5])}")
        if self.changed_unchanged_documents:
            out.append(f"{len(self.changed_unchanged_documents)} document(s) whose source bytes did not change would lose or change records: "
                       f"{', '.join(self.changed_unchanged_documents[:5])}")
        for name, (before, after) in sorted(self.shrunk_tables.items()):
            out.append(f"table {name} would shrink from {before} to {after} rows")
        return out


def _view(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path.as_posix().replace(chr(39), chr(39) * 2)}')")


def _row_hashes(names: list[str], alias: str) -> str:
    """Per document, a checksum of its rows that does not depend on their order (a sum of 64-bit row hashes)."""
    columns = ", ".join(f'"{name}"' for name in names)
    return f"SELECT doc_id, count(*) AS n, sum(hash({columns})::HUGEINT) AS h FROM {alias} GROUP BY doc_id"


# The last comparison in this process, by the contents it read: the blocking check and the publishing
# step of one run compare the same files, and the answer cannot differ.
_last_report: dict[tuple[object, ...], GuardReport] = {}


def compare(published: Path, new: Mapping[str, Path], max_shrink: float = DEFAULT_MAX_SHRINK) -> GuardReport:
    """The published package's data folder against the new tables (Parquet files by table name)."""
    if not (published / "documents.parquet").exists():
        return GuardReport()  # a first publication has nothing to lose
    old = {t.name: published / f"{t.name}.parquet" for t in TABLES if (published / f"{t.name}.parquet").exists()}
    old_digests, new_digests = content_digests(old), content_digests(new)
    key = (old_digests, new_digests, max_shrink)
    if key not in _last_report:
        _last_report.clear()
        unchanged = frozenset(name for name, digest in old_digests if (name, digest) in set(new_digests))
        _last_report[key] = _compare(published, new, max_shrink, unchanged)
    return copy.deepcopy(_last_report[key])


def _compare(published: Path, new: Mapping[str, Path], max_shrink: float, same: frozenset[str] = frozenset()) -> GuardReport:
    """same: the tables whose file has the same bytes as the published one: they can neither shrink nor change a record."""
    report = GuardReport()
    con = duckdb.connect(config=duckdb_config())
    try:
        for table in TABLES:
            old_path, new_path = published / f"{table.name}.parquet", new[table.name]
            if not old_path.exists():
                continue
            _view(con, f"old_{table.name}", old_path)
            _view(con, f"new_{table.name}", new_path)
            if table.name in same:
                continue
            (before,) = con.execute(f"SELECT count(*) FROM old_{table.name}").fetchone() or (0,)
            (after,) = con.execute(f"SELECT count(*) FROM new_{table.name}").fetchone() or (0,)
            if before and after < before * (1 - max_shrink):
                report.shrunk_tables[table.name] = (before, after)
        report.removed_documents = [r[0] for r in con.execute(
            "SELECT doc_id FROM old_documents ANTI JOIN new_documents USING (doc_id) ORDER BY doc_id").fetchall()]
        same_source = "SELECT doc_id FROM old_documents o JOIN new_documents n USING (doc_id) WHERE o.source_sha256 = n.source_sha256"
        changed: set[str] = set()
        for table in TABLES:
            if "doc_id" not in table.field_names or table.name in ("quality_issues", *same) or not (published / f"{table.name}.parquet").exists():
                continue
            old_columns = {r[0] for r in con.execute(f"DESCRIBE old_{table.name}").fetchall()}
            shared = [f.name for f in table.fields if f.name in old_columns]  # a column added since is no change of records
            rows = con.execute(
                f"WITH o AS ({_row_hashes(shared, f'old_{table.name}')}), n AS ({_row_hashes(shared, f'new_{table.name}')}) "
                f"SELECT doc_id FROM ({same_source}) s LEFT JOIN o USING (doc_id) LEFT JOIN n USING (doc_id) "
                f"WHERE o.h IS DISTINCT FROM n.h OR o.n IS DISTINCT FROM n.n"
            ).fetchall()
            changed |= {r[0] for r in rows}
        report.changed_unchanged_documents = sorted(changed)
    finally:
        con.close()
    return report


def record_acceptance(changelog: Path, reason: str, refusals: list[str], day: str) -> None:
    """Write accepted changes under the changelog's Unreleased heading, where the next release takes them up."""
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else "# Changelog\n"
    entry = f"- {day}: changes accepted ({reason}): " + "; ".join(refusals) + "\n"
    if "\n## Unreleased\n" in text:
        head, tail = text.split("\n## Unreleased\n", 1)
        text = f"{head}\n## Unreleased\n\n{entry}" + tail.lstrip("\n")
    else:
        head, _, tail = text.partition("\n")
        text = f"{head}\n\n## Unreleased\n\n{entry}" + ("\n" + tail.lstrip("\n") if tail.strip() else "")
    changelog.write_text(text, encoding="utf-8")
