"""Load the raw documents and the metadata files beside them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from pipelines.extraction.corrections import Erratum, errata_from_data
from pipelines.extraction.document import RawDocument

METADATA_SUFFIX = ".meta.yaml"
ERRATA_SUFFIX = ".errata.yaml"  # reviewed corrections; any number of such files
IGNORED_NAMES = {"README.md", ".gitkeep", ".DS_Store"}
DATA_SUFFIXES = (".yaml", ".yml")  # metadata and errata, not documents


@dataclass(frozen=True)
class LoadProblem:
    path: str
    message: str


def relative_path(path: Path, raw_dir: Path) -> str:
    """The file's path relative to the repository (raw_dir's parent)."""
    return (Path(raw_dir.name) / path.relative_to(raw_dir)).as_posix()


def metadata_path(document: Path) -> Path:
    return document.with_name(document.name.rsplit(".", 1)[0] + METADATA_SUFFIX)


def load_errata(raw_dir: Path) -> tuple[tuple[Erratum, ...], list[LoadProblem]]:
    """Every *.errata.yaml file in raw_dir, in name order."""
    errata: list[Erratum] = []
    problems: list[LoadProblem] = []
    for path in sorted(raw_dir.rglob(f"*{ERRATA_SUFFIX}")):
        try:
            errata.extend(errata_from_data(yaml.safe_load(path.read_text(encoding="utf-8")) or {}))
        except (yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
            problems.append(LoadProblem(relative_path(path, raw_dir), f"errata file is unreadable and was ignored: {exc}"))
    return tuple(errata), problems


def load_raw_documents(raw_dir: Path) -> tuple[list[RawDocument], list[LoadProblem]]:
    """Every document file in raw_dir (sorted by name) with its metadata and errata."""
    documents: list[RawDocument] = []
    errata, problems = load_errata(raw_dir)
    for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
        if path.name.endswith(DATA_SUFFIXES) or path.name in IGNORED_NAMES or path.name.startswith("."):
            continue
        rel = relative_path(path, raw_dir)
        meta: dict[str, Any] | None = None
        meta_file = metadata_path(path)
        if meta_file.exists():
            try:
                loaded = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
                if not isinstance(loaded, dict):
                    raise ValueError("the file does not hold a mapping")
                meta = loaded
            except (yaml.YAMLError, ValueError, UnicodeDecodeError) as exc:
                problems.append(LoadProblem(rel, f"metadata file {meta_file.name} is unreadable and was ignored: {exc}"))
        raw = RawDocument(rel, path.read_bytes(), meta)
        documents.append(replace(raw, errata=tuple(e for e in errata if e.applies_to(raw.doc_id))))
    return documents, problems
