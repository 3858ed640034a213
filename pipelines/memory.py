"""The build's memory settings, in one place (pure, no Dagster).

A build's peak memory should not grow with the corpus: every DuckDB connection
of a build gets `duckdb_config` (a memory limit beyond which DuckDB spills or
evicts, and no cache of the Parquet files it reads, which otherwise keeps
their data in its buffer pool up to the limit).
"""

from __future__ import annotations

from typing import Any

# DuckDB's buffer pool and operators stay within this; a build's DuckDB connections run one after another.
DUCKDB_MEMORY = "200MB"


def duckdb_config(threads: int = 2, **extra: Any) -> dict[str, Any]:
    """The configuration of a build's DuckDB connection: DUCKDB_MEMORY, no external file cache."""
    return {"memory_limit": DUCKDB_MEMORY, "threads": threads, "enable_external_file_cache": False, **extra}
