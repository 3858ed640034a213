"""Verdicts that passed in an earlier build, kept in a JSON file of the build's store.

A check whose verdict depends only on some files' bytes and on the code that judges them need not be
run again on the same bytes by the same code: the table checks, the descriptor's profile check and the
CSV row counts each keep the keys of what passed (file hashes in them) under a version of their code.
A file of another version, or unreadable, counts as empty.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb


def code_version(*sources: Path, extra: str = "") -> str:
    """sha256 of DuckDB's version, the given source files' bytes and extra: what a verdict depends on besides its files."""
    digest = hashlib.sha256((duckdb.__version__ + "\0" + extra).encode())
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()


class Verdicts:
    """The keys that passed, as read from path when it was written under this version."""

    def __init__(self, path: Path | None, version: str) -> None:
        self.path, self.version = path, version
        self.passed: set[str] = set()
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return
            if isinstance(data, dict) and data.get("version") == version and isinstance(data.get("passed"), list):
                self.passed = {key for key in data["passed"] if isinstance(key, str)}

    def __contains__(self, key: object) -> bool:
        return key in self.passed

    def save(self, passed: Iterable[str]) -> None:
        """Keep these keys, and only these (what passed now), replacing the file atomically."""
        if self.path is None:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps({"version": self.version, "passed": sorted(set(passed))}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
