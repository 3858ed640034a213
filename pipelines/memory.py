"""The build's memory settings, in one place (pure, no Dagster).

A build's peak memory should not grow with the corpus: every DuckDB connection
of a build gets `duckdb_config` (a memory limit beyond which DuckDB spills or
evicts, and no cache of the Parquet files it reads, which otherwise keeps
their data in its buffer pool up to the limit).
"""

from __future__ import annotations

import os
import sys
from typing import Any

# DuckDB's buffer pool and operators stay within this; a build's DuckDB connections run one after another.
DUCKDB_MEMORY = "200MB"


# Tables whose rows hold whole documents, inserted into the published DuckDB database this many rows at a
# time, each followed by a checkpoint: DuckDB holds the rows of an insert in memory, uncompressed, until a
# row group of 122,880 rows is full or the insert commits and is checkpointed, which for the texts was
# every document's text at once (3,000 documents: +105 MiB).
DATABASE_CHUNK_ROWS = {"texts": 512}


def duckdb_config(threads: int = 2, **extra: Any) -> dict[str, Any]:
    """The configuration of a build's DuckDB connection: DUCKDB_MEMORY, no external file cache."""
    return {"memory_limit": DUCKDB_MEMORY, "threads": threads, "enable_external_file_cache": False, **extra}


# glibc's malloc, as a build uses it: at most this many arenas (each thread that allocates gets one of
# its own by default, up to 8 per core, and an arena keeps what was freed in it), and blocks of at least
# MMAP_THRESHOLD bytes mapped and unmapped on their own (by default the threshold rises with the largest
# block freed, up to 32 MiB, and then large blocks stay in the heap when freed).
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # mallopt's parameters (malloc.h)


def _libc() -> Any:
    import ctypes

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None  # glibc, not musl
    except OSError:
        return None


def configure_process() -> None:
    """Allocators that give memory back: called once, before a build starts its threads.

    Arrow's buffers come from the system allocator (malloc) instead of Arrow's
    default mimalloc pool, which kept what the Parquet readers and writers freed
    (about 100 MiB after merging 3,000 documents' texts) for the rest of the build;
    malloc's arenas and mapping threshold as above. Arrow's C++ code (the Parquet
    reader) takes its pool from ARROW_DEFAULT_MEMORY_POOL when pyarrow is first
    loaded, so this runs before pyarrow is imported; the variable is inherited by
    the processes a build starts.
    """
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    # pandera imports hypothesis, when it is installed (our tests use it), at its first validation, for the
    # data-synthesis strategies that a build never uses: 0.3 s of every build that extracts a document.
    # A None entry makes that import fail as if hypothesis were absent (pandera then skips the strategies).
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]  # a process that has it already keeps it
    import pyarrow as pa

    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    pa.set_memory_pool(pa.system_memory_pool())


def release_memory() -> None:
    """Give memory freed by a finished step back to the system (glibc keeps it in its heaps otherwise)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
