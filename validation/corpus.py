"""Structure of real documents against hand counts (tests/corpus/expectations.yaml).

The documents themselves are not in this repository: they are fetched from
public repositories into a corpus folder (YRDPM_CORPUS, or ../shared/corpus
beside the repository when the maintainers share one). Each expectation finds
its file by sha256, so the folder's file names do not matter.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.assembly import process_document
from pipelines.extraction.document import RawDocument
from pipelines.extraction.numbering import match_marker

REPO = Path(__file__).resolve().parents[1]
EXPECTATIONS = REPO / "tests" / "corpus" / "expectations.yaml"


@dataclass(frozen=True)
class Check:
    file: str
    what: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        if isinstance(self.expected, list) and len(self.expected) == 2 and all(isinstance(x, int) for x in self.expected):
            return bool(self.expected[0] <= self.found <= self.expected[1])
        return bool(self.expected == self.found)


def corpus_dir() -> Path | None:
    for candidate in (os.environ.get("YRDPM_CORPUS"), REPO.parent / "shared" / "corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def expectations() -> list[dict[str, Any]]:
    return list(yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))["documents"])


def _style(label: Any) -> str:
    if not isinstance(label, str):
        return "unnumbered"
    marker = match_marker(label + "\u3000x")
    return marker.style if marker else "unnumbered"


def check_document(expected: dict[str, Any], path: Path) -> list[Check]:
    result = process_document(RawDocument(f"raw/{path.name}", path.read_bytes()))
    name = expected["file"]
    if not result.published:
        return [Check(name, "published", True, False)]
    frames = result.frames
    checks = [Check(name, "sections", expected.get("sections", {}), dict(Counter(_style(label) for label in frames["sections"]["label"])))]
    measures = frames["measures"]
    if "articles" in expected:
        checks.append(Check(name, "articles", expected["articles"], int((measures["kind"] == "article").sum())))
    if "items" in expected:
        checks.append(Check(name, "items in articles", expected["items"], int((frames["clauses"]["kind"] == "item").sum())))
    if "measures" in expected:
        checks.append(Check(name, "measures", expected["measures"], len(measures)))
    if "table_of_contents" in expected:
        checks.append(Check(name, "table of contents", expected["table_of_contents"], bool((frames["noise"]["reason"] == "table_of_contents").any())))
    document = frames["documents"].iloc[0]
    if "issuers" in expected:
        checks.append(Check(name, "issuers", expected["issuers"], list(document["issuers"])))
    if "document_number" in expected:
        checks.append(Check(name, "document number", expected["document_number"], document["document_number"]))
    checks.append(Check(name, "coverage", 1.0, float(document["coverage"])))
    return checks


def check_corpus(folder: Path) -> tuple[list[Check], list[str]]:
    """Checks of every expected document found in the folder, and the expected files that are missing."""
    by_hash = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in sorted(folder.iterdir()) if p.is_file()}
    checks: list[Check] = []
    missing = []
    for expected in expectations():
        path = by_hash.get(expected["sha256"])
        if path is None:
            missing.append(expected["file"])
        else:
            checks.extend(check_document(expected, path))
    return checks, missing


def corpus_report(folder: Path) -> str:
    checks, missing = check_corpus(folder)
    files = sorted({c.file for c in checks})
    exact = [f for f in files if all(c.ok for c in checks if c.file == f)]
    lines = [f"  {len(exact)} of {len(files)} documents agree with their hand counts on every check"
             f" ({sum(c.ok for c in checks)} of {len(checks)} checks)"]
    lines += [f"  differs: {c.file}: {c.what}: expected {c.expected}, found {c.found}" for c in checks if not c.ok]
    lines += [f"  missing from the folder: {name}" for name in missing]
    return "\n".join(lines)
