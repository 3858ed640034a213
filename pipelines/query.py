"""Read-only, hardened SQL over the published DuckDB database.

Whoever runs `yrdpm sql` can read the published tables and views and
nothing else: DuckDB's external access is off (no files, no network, no
ATTACH, INSTALL or LOAD), the configuration is locked, memory and threads
are limited, one statement runs at a time and a query past its time limit is
interrupted. Imports are light so the command starts fast.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DUCKDB_NAME = "yrdpm.duckdb"


class QueryError(ValueError):
    """A query that cannot run, as one line for the user."""


@dataclass(frozen=True)
class Limits:
    memory: str = "1GB"
    threads: int = 2
    seconds: float = 30.0


def _one_line(exc: Exception) -> str:
    """DuckDB's message without its traceback-like detail, keeping a suggested column name."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    head = lines[0] if lines else type(exc).__name__
    hint = next((line for line in lines[1:] if line.startswith(("Candidate", "Did you mean"))), None)
    return f"{head} {hint}" if hint else head


def connect(path: Path, limits: Limits = Limits()) -> Any:
    """A read-only connection that can reach nothing outside the database file."""
    import duckdb

    if not path.exists():
        raise QueryError(f"{path} not found: run `yrdpm build` (or `make build`) first")
    try:
        con = duckdb.connect(str(path), read_only=True, config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": limits.memory,
            "threads": limits.threads,
        })
    except duckdb.Error as exc:
        raise QueryError(f"{path} cannot be opened as a published database: {_one_line(exc)}") from None
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run(con: Any, query: str, limits: Limits = Limits()) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows of exactly one statement, interrupted after limits.seconds."""
    import duckdb

    if not query.strip():
        raise QueryError("the query is empty")
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryError(_one_line(exc)) from None
    if len(statements) != 1:
        raise QueryError(f"one statement at a time, please: this query holds {len(statements)}")
    timer = threading.Timer(limits.seconds, con.interrupt)
    timer.start()
    try:
        cursor = con.execute(query)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.InterruptException:
        raise QueryError(f"the query ran longer than {limits.seconds:g} s and was stopped (--timeout)") from None
    except duckdb.Error as exc:
        raise QueryError(_one_line(exc)) from None
    finally:
        timer.cancel()
    return columns, rows
