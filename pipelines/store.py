"""Per-document results, stored by shard and keyed by what each document depends on (pure, no Dagster).

A document's key is a hash of its path, raw bytes, metadata, the errata that
apply to it and the code fingerprint (the extraction library, its rule files
and the table definitions). A shard is a fixed group of documents (by a hash of
the path), so a document never changes shard as the corpus grows. Building a
shard reuses the stored rows of every document whose key is unchanged and
extracts only the others; the stored result is one Parquet file per table for
the shard, two more with each document's quality issues and the agencies it
names, and a manifest of its documents (their keys and a few facts each).

Why shards and not one partition per document: the corpus is meant to reach
hundreds of thousands of files, and a partition per file would mean as many
runs, events and UI rows per rebuild; a shard is a Dagster partition, the
document stays the unit of caching and of quarantine inside it.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.assembly import RECORD_TABLES, DocumentResult, process_document, validate_results
from pipelines.sources import SourceFile
from validation.tables import TABLES_BY_NAME, Table

SHARD_COUNT = 16  # fixed: changing it regroups documents; their keys, and so the cache, stay valid
CHUNK_DOCUMENTS = 128  # documents extracted and validated together; bounds the memory of a shard build
MANIFEST = "manifest.json"
# Tables whose rows hold a whole document's text: each shard's file is kept in the table's order, so the
# assembly merges the shards' files instead of sorting the whole corpus' texts in memory at once.
MERGED_TABLES = ("texts",)
# Rows per row group of a merged table's shard file. The merge reads every shard file side by side,
# and a Parquet reader decodes a whole row group at a time: one row group per file held every
# shard's texts in memory at once (about 460 MB at 10,000 documents); row groups of 64 rows still held
# 16 x 64 texts (as Python strings) at once; small groups hold a few rows each.
MERGED_ROW_GROUP_ROWS = 8
SORTED_ROW_GROUP_ROWS = 2048  # rows per row group of the other shard files: the unit DuckDB skips by its statistics
# A document's quality issues and the agencies it names, kept as rows of a file per shard beside the
# record tables (with the columns of the table named): the assembly reads them with DuckDB a batch at a
# time, where holding every document's issues in the manifests held the whole corpus' issues in Python.
ISSUES, AGENCIES = "document_issues", "document_agencies"
DOCUMENT_FACTS = {ISSUES: "quality_issues", AGENCIES: "agencies"}
# A shard build past its memory budget (HELD_BYTES) writes a merged table's rows one row per row group, in the
# order they come: the file is then rewritten in the table's order by reading its rows one at a time, in that
# order (its sort keys alone are read whole), so a shard's texts are never all in memory at once.
STAGED_ROW_GROUP_ROWS = 1
SORTED_IN_MEMORY_BYTES = 32 * 2**20  # a staged shard file of texts up to this size (uncompressed) is sorted in memory, a larger one a row at a time
HELD_BYTES = 16 * 2**20  # rows that a run's open shard builds hold in memory, all together
# Columns the store adds to every table: which document a row came from, and its place in it.
KEY_COLUMN, FILE_COLUMN, ROW_COLUMN = "_document_key", "_source_file", "_row"
_REPO = Path(__file__).resolve().parents[1]
_FINGERPRINTED = ("pipelines/extraction", "pipelines/assembly.py", "pipelines/store.py", "validation/tables.py", "validation/schemas.py", "validation/quality.py")
# What turns the shards into the published files, on top of the above.
_PUBLICATION = ("pipelines/combining.py", "pipelines/publishing.py", "pipelines/validating.py",
                "pipelines/sql", "pipelines/package.yaml", "validation/sql_checks.py")


def shard_keys() -> list[str]:
    return [f"s{i:02d}" for i in range(SHARD_COUNT)]


def shard_of(source_file: str) -> str:
    return f"s{int(hashlib.sha256(source_file.encode()).hexdigest()[:8], 16) % SHARD_COUNT:02d}"


def _files_fingerprint(entries: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for entry in entries:
        root = _REPO / entry
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml", ".json", ".txt", ".sql"))
        for path in files:
            digest.update(path.relative_to(_REPO).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code and rule files that turn a document into records."""
    return _files_fingerprint(_FINGERPRINTED)


@lru_cache(maxsize=1)
def publication_fingerprint() -> str:
    """A hash of everything that turns documents into the published files."""
    return _files_fingerprint((*_FINGERPRINTED, *_PUBLICATION))


def inputs_fingerprint(store: ShardStore, facts: Iterable[str]) -> str:
    """The published package's inputs: every shard's manifest, other facts (load problems, errata) and the code."""
    digest = hashlib.sha256(publication_fingerprint().encode())
    for shard in shard_keys():
        for name in (MANIFEST, *(f"{fact}.parquet" for fact in DOCUMENT_FACTS)):
            path = store.shard_dir(shard) / name
            digest.update(shard.encode() + (_file_digest(path) if path.exists() else b"-"))
    for fact in facts:
        digest.update(fact.encode() + b"\0")
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def document_key(raw: SourceFile, fingerprint: str) -> str:
    """Everything a document's records depend on, hashed: the code, and the file's bytes, metadata and errata."""
    return hashlib.sha256(f"{fingerprint}\0{raw.facts_digest}".encode()).hexdigest()[:32]


@dataclass
class StoredDocument:
    """A manifest entry: what is known of one document without reading its rows (its issues and
    agencies are rows of the shard's DOCUMENT_FACTS files)."""

    key: str
    doc_id: str
    source_file: str
    source_sha256: str
    published: bool
    quarantined: bool = False
    errata_applied: list[str] = field(default_factory=list)
    full_text_published: bool = True  # False: the package quotes the document's texts briefly (its licence)
    # sha256 of the document's rows of each record table: assembly re-sorts a table only when a digest changed
    table_digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShardSummary:
    shard: str
    documents: int
    reused: int
    extracted: int
    quarantined: list[str]
    changed: bool


def store_schema(table: Table) -> pa.Schema:
    from validation.schemas import arrow_schema

    return arrow_schema(table).append(pa.field(KEY_COLUMN, pa.string(), nullable=False)).append(
        pa.field(FILE_COLUMN, pa.string(), nullable=False)).append(pa.field(ROW_COLUMN, pa.int64(), nullable=False))


class ShardStore:
    """The shards' stored results under one root (a local or shared file system)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def shard_dir(self, shard: str) -> Path:
        return self.root / "shards" / shard

    def manifest(self, shard: str) -> dict[str, StoredDocument] | None:
        path = self.shard_dir(shard) / MANIFEST
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(StoredDocument)}
        if any(set(entry) - known for entry in data["documents"]):
            return None  # a manifest of an earlier layout (issues and agencies inside it): nothing to reuse
        return {entry["key"]: StoredDocument(**entry) for entry in data["documents"]}

    def documents(self) -> list[StoredDocument]:
        """Every stored document of every shard, in source-file order."""
        found = [doc for shard in shard_keys() for doc in (self.manifest(shard) or {}).values()]
        return sorted(found, key=lambda d: d.source_file)

    def table_files(self, table: str) -> list[Path]:
        return [p for shard in shard_keys() if (p := self.shard_dir(shard) / f"{table}.parquet").exists()]



def group_by_shard(raws: Iterable[SourceFile]) -> dict[str, list[SourceFile]]:
    groups: dict[str, list[SourceFile]] = {shard: [] for shard in shard_keys()}
    for raw in raws:
        groups[shard_of(raw.path)].append(raw)
    return groups


def rows_digest(rows: pa.Table) -> str:
    """sha256 of a table's schema and rows in Arrow's IPC stream format (the same rows give the same bytes)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, rows.schema) as writer:
        writer.write_table(rows)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def _stored(result: DocumentResult, key: str) -> StoredDocument:
    applied = sorted(set(result.arrow["corrections"].column("rule_id").to_pylist())) if result.published else []
    full_text = bool(result.arrow["documents"].column("full_text_published")[0].as_py()) if result.published else True
    digests = {name: rows_digest(result.arrow[name]) for name in RECORD_TABLES} if result.published else {}
    return StoredDocument(key, result.doc_id, result.source_file, result.source_sha256, result.published,
                          result.quarantined, [str(r) for r in applied], full_text, digests)


def _fact_rows(name: str, result: DocumentResult) -> list[dict[str, Any]]:
    return list(result.issues) if name == ISSUES else list(result.agencies)


def _stored_rows(name: str, results: list[tuple[DocumentResult, str]]) -> pa.Table:
    """The documents' rows of a table with the store's columns, in one table (the columns are built once
    for all of them, not per document: a shard build adds a chunk's documents to a dozen tables)."""
    if name in DOCUMENT_FACTS:
        from validation.schemas import arrow_schema

        schema = arrow_schema(TABLES_BY_NAME[DOCUMENT_FACTS[name]])
        tables = [pa.Table.from_pylist(_fact_rows(name, result), schema=schema) for result, _ in results]
    else:
        tables = [result.arrow[name] for result, _ in results]
    rows = pa.concat_tables(tables)
    counts = [t.num_rows for t in tables]
    keys = [key for (_, key), n in zip(results, counts) for _ in range(n)]
    files = [result.source_file for (result, _), n in zip(results, counts) for _ in range(n)]
    numbers = [i for n in counts for i in range(n)]
    return (rows.append_column(KEY_COLUMN, pa.array(keys, pa.string()))
            .append_column(FILE_COLUMN, pa.array(files, pa.string()))
            .append_column(ROW_COLUMN, pa.array(numbers, pa.int64())))


class _ShardBuild:
    """One shard being rebuilt: its writers, its manifest entries, its staging folder."""

    def __init__(self, store: ShardStore, shard: str, reused: list[StoredDocument], budget: list[int]) -> None:
        self.store, self.shard = store, shard
        self.staging = store.root / "shards" / f".{shard}-{uuid.uuid4().hex[:8]}"
        self.staging.mkdir(parents=True)
        self.schemas = {name: store_schema(TABLES_BY_NAME[name]) for name in RECORD_TABLES}
        self.schemas |= {name: store_schema(TABLES_BY_NAME[table]) for name, table in DOCUMENT_FACTS.items()}
        # Every table's rows are held and written once, sorted, at the end, unless the rows held by all the shard
        # builds of the run reach HELD_BYTES: this build then writes what it holds and what comes after as it
        # comes (the texts a row per row group) and sorts each file at the end, reading it back (the texts a row
        # group at a time, so a shard's texts are never all in memory at once). A build is finished as soon as
        # its last document is added, so the budget is shared by the few shards a chunk of documents spans.
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.held: dict[str, list[pa.Table]] = {name: [] for name in self.schemas}
        self.held_bytes = 0
        self.spilled: list[str] = []
        self.finished = False
        self.budget = budget
        self.entries = list(reused)
        if reused:  # the unchanged documents' rows from the shard's previous files
            wanted = pa.array([e.key for e in reused])
            for name in self.schemas:
                for batch in pq.ParquetFile(store.shard_dir(shard) / f"{name}.parquet").iter_batches(batch_size=8192):
                    kept = batch.filter(pc.is_in(batch.column(KEY_COLUMN), value_set=wanted))
                    if kept.num_rows:
                        self._put(name, pa.Table.from_batches([kept]))

    def _put(self, name: str, rows: pa.Table) -> None:
        if name in self.writers:
            self.writers[name].write_table(rows.cast(self.schemas[name]), row_group_size=STAGED_ROW_GROUP_ROWS if name in MERGED_TABLES else None)
        else:
            rows = rows.cast(self.schemas[name])
            self.held[name].append(rows)
            # the bytes of the buffers the rows use: Table.nbytes measures what slices of them use, at a
            # cost of about 0.5 ms per call (a tenth of a shard build's time); this may count more, never less
            size = rows.get_total_buffer_size()
            self.held_bytes += size
            self.budget[0] += size
            if self.budget[0] > HELD_BYTES:
                self._spill()

    def _spill(self) -> None:
        self.spilled = list(self.held)
        for name, held in self.held.items():
            self.writers[name] = pq.ParquetWriter(self.staging / f"{name}.parquet", self.schemas[name], compression="zstd")
            for rows in held:
                self.writers[name].write_table(rows, row_group_size=STAGED_ROW_GROUP_ROWS if name in MERGED_TABLES else None)
        self.held = {}
        self.budget[0] -= self.held_bytes
        self.held_bytes = 0

    def add(self, results: list[tuple[DocumentResult, str]]) -> None:
        """A chunk's documents of this shard."""
        self.entries += [_stored(result, key) for result, key in results]
        for name in self.schemas:
            if name in DOCUMENT_FACTS:  # every document's, published or not (a quarantined one has its issues)
                having = [(r, key) for r, key in results if _fact_rows(name, r)]
            else:
                having = [(r, key) for r, key in results if r.published and r.arrow[name].num_rows]
            if having:
                self._put(name, _stored_rows(name, having))

    def finish(self, fingerprint: str) -> None:
        from pipelines.publishing import swap_directories

        for writer in self.writers.values():
            writer.close()
        for name in [*self.spilled, *self.held]:  # each file written once, sorted: from the held rows, or read back after a spill
            path, held, table = self.staging / f"{name}.parquet", self.held.get(name), TABLES_BY_NAME.get(name) or TABLES_BY_NAME[DOCUMENT_FACTS[name]]
            if held is not None:
                rows = pa.concat_tables(held) if held else self.schemas[name].empty_table()
            elif name in MERGED_TABLES:  # spilled texts: sorted from the file, a row group at a time when large
                _sort_shard_file(path, table, self.schemas[name])
                continue
            else:  # spilled: sorted from the file by DuckDB, within its memory limit
                _sort_spilled_shard_file(path, table, self.schemas[name], self.staging)
                continue
            if name in MERGED_TABLES:
                _write_merged_shard_file(rows, path, table, self.schemas[name])
            else:
                _write_sorted_shard_file(rows, path, table)
        self.held = {}
        self.budget[0] -= self.held_bytes
        self.held_bytes = 0
        self.entries.sort(key=lambda e: e.source_file)
        manifest = {"shard": self.shard, "fingerprint": fingerprint, "documents": [asdict(e) for e in self.entries]}
        (self.staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
        swap_directories(self.staging, self.store.shard_dir(self.shard))
        self.finished = True

    def abandon(self) -> None:
        if self.finished:
            return
        for writer in self.writers.values():
            writer.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def _write_sorted_shard_file(rows: pa.Table, path: Path, table: Table) -> None:
    """A shard's file of a table without whole texts, in the table's order, in row groups of SORTED_ROW_GROUP_ROWS.

    Assembly sorts a table a range of documents at a time (by the first sort
    key); with each shard's rows in that order, the row groups' statistics let
    DuckDB skip every row group outside the range, so each range reads its own
    rows instead of every shard's whole file (time linear in the corpus, not
    quadratic). These tables' rows are small: a shard's file is sorted in memory.
    """
    pq.write_table(rows.sort_by(_shard_order(table)), path, compression="zstd", row_group_size=SORTED_ROW_GROUP_ROWS)


# DuckDB's limit for sorting a spilled shard file. Its sort did not go to disk below about this: at 64 MB the
# measures of a shard of 30,000 documents' (74,000 rows) failed; at 128 MB they took 185 MiB, read whole 280 MiB.
SPILLED_SORT_MEMORY = "128MB"


def _sort_spilled_shard_file(path: Path, table: Table, schema: pa.Schema, staging: Path) -> None:
    """A spilled shard file rewritten in the table's order, as _write_sorted_shard_file writes held rows (the
    same bytes), with memory bounded by SPILLED_SORT_MEMORY: read whole, a shard's rows grow with the corpus
    (a shard's place_mentions at 30,000 documents: 262,000 rows, held twice while sorted). Past what DuckDB's
    sort manages within that limit, the file is sorted in memory after all."""
    import duckdb

    unsorted = path.with_name(f".unsorted-{path.name}")
    path.rename(unsorted)
    spill = staging / ".sort-spill"
    try:
        _sort_by_duckdb(unsorted, path, table, schema, spill)
    except duckdb.OutOfMemoryException:  # a build that finishes over its memory goal rather than one that fails
        _write_sorted_shard_file(pq.read_table(unsorted).cast(schema), path, table)
    unsorted.unlink()
    shutil.rmtree(spill, ignore_errors=True)


def _sort_by_duckdb(unsorted: Path, path: Path, table: Table, schema: pa.Schema, spill: Path) -> None:
    import duckdb

    from pipelines.memory import duckdb_config

    order = ", ".join(f'"{k}" ASC NULLS FIRST' for k, _, _ in _shard_order(table))
    with duckdb.connect(config=duckdb_config(threads=1, memory_limit=SPILLED_SORT_MEMORY, temp_directory=str(spill))) as con:
        reader = con.execute(f"SELECT * FROM read_parquet('{unsorted.as_posix()}') ORDER BY {order}").fetch_record_batch(SORTED_ROW_GROUP_ROWS)
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            pending = pa.Table.from_batches([], schema=reader.schema)
            written = 0
            for batch in reader:
                pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
                while pending.num_rows >= SORTED_ROW_GROUP_ROWS:  # row groups of exactly SORTED_ROW_GROUP_ROWS, whatever DuckDB's batches
                    writer.write_table(pending.slice(0, SORTED_ROW_GROUP_ROWS).cast(schema), row_group_size=SORTED_ROW_GROUP_ROWS)
                    pending, written = pending.slice(SORTED_ROW_GROUP_ROWS), written + SORTED_ROW_GROUP_ROWS
            if pending.num_rows or not written:  # the last row group; an empty file has one of no rows, as write_table writes it
                writer.write_table(pending.cast(schema), row_group_size=SORTED_ROW_GROUP_ROWS)


def _shard_order(table: Table) -> list[tuple[str, str, str]]:
    """The order of a table's rows in a shard's file: its sort keys (nulls first, as ORDER BY … NULLS FIRST), then source file and row."""
    return [(k, "ascending", "at_start") for k in (*table.sort_by, FILE_COLUMN, ROW_COLUMN)]


def _write_merged_shard_file(rows: pa.Table, path: Path, table: Table, schema: pa.Schema) -> None:
    """A shard's file of a merged table (texts), from rows in memory: in the table's order, in row groups of MERGED_ROW_GROUP_ROWS."""
    rows = rows.take(pc.sort_indices(rows, sort_keys=_shard_order(table))).cast(schema)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for first in range(0, rows.num_rows, MERGED_ROW_GROUP_ROWS):
            writer.write_table(rows.slice(first, MERGED_ROW_GROUP_ROWS).combine_chunks(), row_group_size=MERGED_ROW_GROUP_ROWS)


def _sort_shard_file(path: Path, table: Table, schema: pa.Schema) -> None:
    """Rewrite a shard's file in the table's order, in row groups of MERGED_ROW_GROUP_ROWS.

    A file of up to SORTED_IN_MEMORY_BYTES is read at once and sorted in
    memory. Of a larger one only the sort keys are read whole; its rows are then
    read a row group at a time in sorted order (the staged file has a row per
    row group), so memory holds one output row group, not the shard's texts.
    """
    unsorted = path.with_name(f".unsorted-{path.name}")
    path.rename(unsorted)
    staged = pq.ParquetFile(unsorted)
    groups = [staged.metadata.row_group(g) for g in range(staged.metadata.num_row_groups)]
    if sum(g.total_byte_size for g in groups) <= SORTED_IN_MEMORY_BYTES:  # read at once (a row group at a time costs ~2 ms each)
        _write_merged_shard_file(staged.read(), path, table, schema)
        staged.close()
        unsorted.unlink()
        return
    order = _shard_order(table)
    indices = pc.sort_indices(staged.read(columns=[k for k, _, _ in order]), sort_keys=order).to_pylist()
    starts = list(itertools.accumulate((g.num_rows for g in groups), initial=0))
    cached: tuple[int, pa.Table] | None = None
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for first in range(0, len(indices), MERGED_ROW_GROUP_ROWS):
            parts = []
            for index in indices[first : first + MERGED_ROW_GROUP_ROWS]:
                group = bisect.bisect_right(starts, index) - 1
                if cached is None or cached[0] != group:
                    cached = (group, staged.read_row_group(group))
                parts.append(cached[1].slice(index - starts[group], 1))
            writer.write_table(pa.concat_tables(parts).cast(schema), row_group_size=MERGED_ROW_GROUP_ROWS)
    staged.close()
    unsorted.unlink()


def build_shards(store: ShardStore, groups: Mapping[str, Sequence[SourceFile]], fingerprint: str) -> list[ShardSummary]:
    """Load each shard's previous result / extract what changed / save each changed shard atomically.

    The changed documents of all the shards are extracted in chunks of
    CHUNK_DOCUMENTS and validated a chunk at a time (pandera's cost is per
    call), so memory is bounded by a chunk, not by a shard or the corpus.
    """
    summaries, builds = [], {}
    held = [0]  # bytes of rows the shard builds hold, all together (see _ShardBuild)
    reused: dict[str, list[StoredDocument]] = {}  # the shards to rebuild, with their unchanged documents
    fresh: list[tuple[str, str, SourceFile]] = []
    for shard, raws in sorted(groups.items()):
        keyed = {document_key(raw, fingerprint): raw for raw in sorted(raws, key=lambda r: r.path)}
        stored = store.manifest(shard)
        previous = stored or {}
        if set(previous) == set(keyed) and (stored is not None or not keyed):
            summaries.append(ShardSummary(shard, len(keyed), len(keyed), 0, [], changed=False))
            continue
        reused[shard] = [previous[k] for k in keyed if k in previous]
        fresh += [(shard, key, raw) for key, raw in keyed.items() if key not in previous]
    # A shard's documents are consecutive in `fresh`: its build is opened at its first chunk and finished
    # after its last, so only the builds of the shards a chunk spans hold rows at any time.
    last_chunk = {shard: start for start in range(0, len(fresh), CHUNK_DOCUMENTS) for shard, _, _ in fresh[start : start + CHUNK_DOCUMENTS]}
    try:
        for shard in reused:
            if shard not in last_chunk:  # documents removed, none to extract
                builds[shard] = _ShardBuild(store, shard, reused[shard], held)
                builds[shard].finish(fingerprint)
        for start in range(0, len(fresh), CHUNK_DOCUMENTS):
            chunk = fresh[start : start + CHUNK_DOCUMENTS]
            results = validate_results([process_document(source.read(), validate_schema=False) for _, _, source in chunk])
            for shard in dict.fromkeys(s for s, _, _ in chunk):
                if shard not in builds:
                    builds[shard] = _ShardBuild(store, shard, reused[shard], held)
                builds[shard].add([(result, key) for (s, key, _), result in zip(chunk, results) if s == shard])
                if last_chunk[shard] == start:
                    builds[shard].finish(fingerprint)
    except BaseException:
        for build in builds.values():
            build.abandon()  # a finished shard stays: it is complete and consistent on its own
        raise
    for shard, build in builds.items():
        new = [e for e in build.entries if e.key in {k for s, k, _ in fresh if s == shard}]
        summaries.append(ShardSummary(shard, len(build.entries), len(build.entries) - len(new), len(new),
                                      [e.source_file for e in new if e.quarantined], changed=True))
    return sorted(summaries, key=lambda s: s.shard)
