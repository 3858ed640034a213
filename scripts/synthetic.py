"""Synthetic corpora for the benchmark: the seeds copied N times, each copy a distinct document.

Each copy gets its own doc_id in its metadata and one changed line (a
numbered note at the end), so no two files have the same bytes and every copy
is extracted like a new document of the same shape.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

SEEDS = Path(__file__).resolve().parents[1] / "raw"


def seed_documents() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.suffix in (".txt", ".html", ".md", ".docx", ".pdf"))


def make_corpus(folder: Path, documents: int) -> int:
    """Write `documents` files (and their metadata) into folder; returns the bytes of source text."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = seed_documents()
    total = 0
    for n in range(documents):
        seed = seeds[n % len(seeds)]
        stem = f"{n:06d}-{seed.stem}"
        data = seed.read_bytes() + f"\n\n（本文件为第{n}号合成副本，用于性能测试。）\n".encode()
        (folder / f"{stem}{seed.suffix}").write_bytes(data)
        meta = yaml.safe_load(seed.with_name(seed.stem + ".meta.yaml").read_text(encoding="utf-8"))
        meta["doc_id"] = f"{meta['doc_id']}-{n:06d}"
        (folder / f"{stem}.meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        total += len(data)
    return total


NOTE = re.compile("（本文件为第\\d+号合成副本，([^。]*)。）")


def change_one(folder: Path, purpose: str = "用于增量重建测试") -> Path:
    """Edit one document's text (as a new version of it would): the purpose its last line gives becomes `purpose`."""
    first = sorted(p for p in folder.iterdir() if not p.name.endswith(".yaml"))[0]
    text = first.read_bytes().decode("utf-8", "surrogateescape")
    first.write_bytes(NOTE.sub(lambda m: m.group(0).replace(m.group(1), purpose), text).encode("utf-8", "surrogateescape"))
    return first


def reset(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
