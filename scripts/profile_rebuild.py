"""Where a one-change rebuild spends its time: every DuckDB query and connection, by the line of project code that ran it.

`python scripts/profile_rebuild.py [--documents 1000] [--corpus DIR] [--rebuilds 3]` builds a synthetic
corpus (once), builds it in process as `yrdpm watch` does (one in-memory Dagster instance, wiped after each
run, shards that changed only), then changes one document per rebuild and prints each rebuild's time,
a rebuild with nothing changed (the part that does not depend on what changed), and the DuckDB calls of
the last rebuild with their summed time. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import change_one, make_corpus  # noqa: E402

from pipelines.definitions import run_build  # noqa: E402
from pipelines.instances import ephemeral_instance  # noqa: E402

REPO = str(Path(__file__).resolve().parents[1]) + "/"


def _caller() -> str:
    """The innermost line of project code on the stack (not this script)."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if frame.filename.startswith(REPO) and "/scripts/" not in frame.filename and "/.venv/" not in frame.filename:
            return f"{frame.filename[len(REPO):]}:{frame.lineno}"
    return "?"


class _Timings:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = collections.defaultdict(float)
        self.calls: collections.Counter[str] = collections.Counter()

    def add(self, key: str, seconds: float) -> None:
        self.seconds[key] += seconds
        self.calls[key] += 1


class _TimedConnection:
    """A DuckDB connection whose execute() calls are timed by the project line that made them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, timings: _Timings) -> None:
        self._con, self._timings = con, timings

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = self._con.execute(sql, *args, **kwargs)
        self._timings.add(f"{_caller()} {' '.join(str(sql).split())[:80]}", time.perf_counter() - start)
        return _TimedConnection(result, self._timings) if isinstance(result, duckdb.DuckDBPyConnection) else result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> _TimedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=None, help="a folder for raw/, the store and the package (default /tmp/yrdpm-rebuild-N)")
    parser.add_argument("--rebuilds", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    root = args.corpus or Path(f"/tmp/yrdpm-rebuild-{args.documents}")
    raw, out, store = root / "raw", root / "package", root / "store"
    if not raw.exists():
        make_corpus(raw, args.documents)
    instance = ephemeral_instance()  # what yrdpm watch uses

    def rebuild(label: str) -> None:
        start = time.perf_counter()
        result = run_build(str(raw), str(out), str(store), 1, instance, log_level="WARNING", only_stale=True)
        print(f"{label}: {time.perf_counter() - start:.2f} s{'' if result.success else ' (failed)'}")
        instance.wipe()

    timings = _Timings()
    connect = duckdb.connect

    def timed_connect(*a: Any, **k: Any) -> _TimedConnection:
        start = time.perf_counter()
        con = connect(*a, **k)
        timings.add(f"{_caller()} connect", time.perf_counter() - start)
        return _TimedConnection(con, timings)

    rebuild("first build (extracts what the store does not hold)")
    rebuild("nothing changed")
    for n in range(1, args.rebuilds + 1):
        change_one(raw, f"用于第{time.time_ns()}次重建剖析")  # a purpose no earlier run gave: the document always changes
        if n < args.rebuilds:
            rebuild(f"one document changed ({n})")
            continue
        duckdb.connect = timed_connect  # type: ignore[assignment]
        try:
            rebuild(f"one document changed ({n}), DuckDB calls timed")
        finally:
            duckdb.connect = connect
    ranked = sorted(timings.seconds.items(), key=lambda item: -item[1])
    print(f"DuckDB: {sum(timings.seconds.values()):.2f} s in {sum(timings.calls.values())} calls; the largest:")
    for key, seconds in ranked[:args.top]:
        print(f"  {seconds * 1000:7.1f} ms {timings.calls[key]:3d}x  {key}")


if __name__ == "__main__":
    main()
