"""Assemble the published tables from the stored shards, streaming (pure, no Dagster).

Load inputs: the shards' manifests and Parquet files, the load problems of the
raw folder and its errata. Process: DuckDB selects each table's rows of the
publishable documents in the table's order, in batches; the quality issues
and the agencies come from the shards' files of each document's issues and
agencies the same way, the other dimension tables from the tables assembled.
Save outputs: one Parquet file per table in the store's `tables/` folder, with
the published schema. No table is ever held whole in pandas or in Python
objects, so memory stays flat as the corpus grows (the manifests keep a few
facts per document: keys, doc_id, licence, errata applied).
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import json
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.assembly import DIMENSION_TABLES, RECORD_TABLES, duplicate_doc_ids, place_rows, themes_frame
from pipelines.extraction.corrections import Erratum
from pipelines.extraction.issues import QualityIssue, Severity, quality_issue
from pipelines.memory import duckdb_config, release_memory
from pipelines.publishing import AssembledDocuments
from pipelines.sources import LoadProblem
from pipelines.store import (
    AGENCIES,
    FILE_COLUMN,
    ISSUES,
    KEY_COLUMN,
    MERGED_ROW_GROUP_ROWS,
    MERGED_TABLES,
    ROW_COLUMN,
    ShardStore,
    StoredDocument,
    publication_fingerprint,
    shard_of,
)
from validation.quality import theme_coverage_issues
from validation.schemas import to_frame
from validation.tables import QUALITY_ISSUES, TABLES, TABLES_BY_NAME, Table

QUOTE_CHARS = 40  # a text of a document whose full text may not be republished is quoted this far, then …
UNQUOTED_TABLES = ("documents",)  # descriptions of the document, not its text
BATCH_ROWS = 2048  # rows per Parquet row group and per batch in memory (texts rows hold whole documents)
ALL_TABLES = (*RECORD_TABLES, *DIMENSION_TABLES, "quality_issues")
MERGED_BATCH_ROWS = 64  # rows per row group of a merged table (texts) as published
# DuckDB sorts a table's rows in ranges of this many documents (by the first sort key, doc_id or an id that
# starts with it), one query each, written one after the other: DuckDB's sort does not stay within its memory
# limit as the rows grow (3,000 documents' measures did not sort within 128 MB), a range of documents does.
RANGE_DOCUMENTS = 1000
WHOLE_ROW_GROUP_ROWS = 1024 * 1024  # pyarrow's write_table default: the row groups of a table written in one call


@dataclass(frozen=True)
class Assembly:
    folder: Path
    counts: dict[str, int]

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    @property
    def files(self) -> dict[str, Path]:
        return {name: self.path(name) for name in self.counts}


def load_problem_issue(problem: LoadProblem) -> QualityIssue:
    severity: Severity = "warning" if problem.severity == "warning" else "error"
    return quality_issue("load", severity, f"{problem.path}: {problem.message}", None, problem.path)


def unused_errata_issues(errata: Iterable[Erratum], documents: Iterable[StoredDocument]) -> list[QualityIssue]:
    """Errata that corrected nothing: a stale or mistyped erratum is reported, not silently kept."""
    applied = {rule for d in documents if d.published for rule in d.errata_applied}
    return [
        quality_issue("errata", "warning", f"erratum {e.rule_id} (scope {e.scope}) matches nothing in the text of the documents it applies to", None, e.rule_id)
        for e in errata if e.rule_id not in applied
    ]


def _write(batches: Iterable[pa.RecordBatch], path: Path, schema: pa.Schema) -> int:
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        for batch in batches:
            if batch.num_rows:
                writer.write_table(pa.Table.from_batches([batch]).cast(schema), row_group_size=BATCH_ROWS)
                rows += batch.num_rows
        if not rows:
            writer.write_table(schema.empty_table())  # one empty row group, as pyarrow writes an empty table
    return rows


def _write_whole(batches: Iterable[pa.RecordBatch], path: Path, schema: pa.Schema) -> int:
    """The file pq.write_table writes for these rows all at once (row groups of WHOLE_ROW_GROUP_ROWS), from batches:
    memory holds at most one row group's rows, not the table."""
    rows, held = 0, 0
    pending: list[pa.Table] = []
    with pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True, store_schema=False) as writer:
        for batch in itertools.chain(batches, [None]):
            if batch is not None and batch.num_rows:
                pending.append(pa.Table.from_batches([batch]).cast(schema))
                held += batch.num_rows
            while held >= WHOLE_ROW_GROUP_ROWS or (batch is None and held):
                table = pa.concat_tables(pending)
                group = table.slice(0, WHOLE_ROW_GROUP_ROWS).combine_chunks()  # one chunk, as pa.Table.from_pylist makes
                writer.write_table(group)
                rows += group.num_rows
                rest = table.slice(group.num_rows)
                pending, held = ([rest] if rest.num_rows else []), rest.num_rows
        if not rows:
            writer.write_table(schema.empty_table())
    return rows


def _write_records(table: Table, rows: list[dict[str, Any]], path: Path) -> int:
    from pipelines.publishing import records
    from validation.schemas import arrow_schema

    schema = arrow_schema(table)
    frame = to_frame(table, rows)
    pq.write_table(pa.Table.from_pylist(records(table, frame), schema=schema), path, compression="zstd", write_statistics=True, store_schema=False)
    return len(frame)


def quoted(text: str | None) -> str | None:
    """A short quotation of a text (the first QUOTE_CHARS characters and an ellipsis)."""
    return text if text is None or len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


def _is_free_text(table: Table, name: str) -> bool:
    """A column of text from the document: not an identifier, a key, a code or a controlled value."""
    f = next(f for f in table.fields if f.name == name)
    keys = set(table.primary_key) | {fk.fields for fk in table.foreign_keys}
    return (table.name not in UNQUOTED_TABLES and f.type == "string" and f.enum is None and f.pattern is None
            and name not in keys and not name.endswith(("_id", "_code")))


def _select_column(table: Table, name: str) -> str:
    """A column as published: free text quoted for the documents whose licence does not allow their full text."""
    col = f'"{name}"'
    if not _is_free_text(table, name):
        return col
    return (f'CASE WHEN "{KEY_COLUMN}" IN (SELECT key FROM restricted) AND length({col}) > {QUOTE_CHARS} '
            f"THEN left({col}, {QUOTE_CHARS}) || '…' ELSE {col} END AS {col}")


def _order_by(table: Table) -> str:
    keys = [f'"{c}" NULLS FIRST' for c in table.sort_by]
    return ", ".join([*keys, f'"{FILE_COLUMN}"', f'"{ROW_COLUMN}"'])


INPUTS_FILE = "inputs.sha256"  # beside the assembled tables: the fingerprint of what they were made from


def assembled_inputs(folder: Path) -> str | None:
    path = folder / INPUTS_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def current_assembly(store: ShardStore, inputs: str) -> Assembly | None:
    """The assembled tables when they were made from exactly these inputs (nothing to redo), else None."""
    folder = store.root / "tables"
    if assembled_inputs(folder) != inputs or not all((folder / f"{t.name}.parquet").exists() for t in TABLES):
        return None
    return Assembly(folder, {t.name: pq.ParquetFile(folder / f"{t.name}.parquet").metadata.num_rows for t in TABLES})


def _merged(table: Table, files: Sequence[Path], keys: set[str], restricted: set[str], batch_rows: int = MERGED_BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The rows of shard files that are each in the table's order, merged into that order, a few rows at a time
    (each file is read a row group of MERGED_ROW_GROUP_ROWS at a time; batch_rows rows are written together)."""
    order = [*table.sort_by, FILE_COLUMN, ROW_COLUMN]

    def rows(path: Path) -> Iterator[dict[str, Any]]:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=MERGED_ROW_GROUP_ROWS):
            yield from (row for row in batch.to_pylist() if row[KEY_COLUMN] in keys)

    def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple((row[k] is not None, row[k] if row[k] is not None else "") for k in order)  # nulls first, as ORDER BY … NULLS FIRST

    from validation.schemas import arrow_schema

    schema = arrow_schema(table)
    pending: list[dict[str, Any]] = []
    for row in heapq.merge(*(rows(f) for f in files), key=sort_key):
        quote = row[KEY_COLUMN] in restricted
        pending.append({name: quoted(row[name]) if quote and _is_free_text(table, name) else row[name] for name in table.field_names})
        if len(pending) == batch_rows:
            yield pa.RecordBatch.from_pylist(pending, schema=schema)
            pending = []
    if pending:
        yield pa.RecordBatch.from_pylist(pending, schema=schema)


def _sources(files: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files) + "]"


def _agency_rows(con: duckdb.DuckDBPyConnection, store: ShardStore) -> list[dict[str, Any]]:
    """Each agency once, as the first publishable document (in source-file order) that names it describes it
    (what assembly.agency_rows gives from every document's agencies, read from the shards' files)."""
    files = store.table_files(AGENCIES)
    if not files:
        return []
    columns = ", ".join(f'"{name}"' for name in TABLES_BY_NAME["agencies"].field_names)
    rows = con.execute(
        f"SELECT {columns} FROM read_parquet({_sources(files)}) WHERE \"{KEY_COLUMN}\" IN (SELECT key FROM publishable) "
        f'QUALIFY row_number() OVER (PARTITION BY agency_id ORDER BY "{FILE_COLUMN}", "{ROW_COLUMN}") = 1 ORDER BY agency_id'
    ).fetch_arrow_table().to_pylist()
    return [{**row, "aliases": row["aliases"] or None} for row in rows]


def _quality_issues(con: duckdb.DuckDBPyConnection, store: ShardStore, before: Sequence[QualityIssue], after: Sequence[QualityIssue],
                    boundaries: Sequence[str] = ()) -> Iterator[pa.RecordBatch]:
    """Every quality issue in the table's order, a batch at a time: the build-wide ones of `before`, every stored
    document's (in source-file order), those of `after`; issues equal in the sort keys keep that order, as a
    stable sort of the list would."""
    from validation.schemas import arrow_schema

    schema = arrow_schema(QUALITY_ISSUES)
    names = QUALITY_ISSUES.field_names
    built = pa.Table.from_pylist([{**issue, "_part": part, "_row": row} for part, issues in ((0, before), (2, after)) for row, issue in enumerate(issues)],
                                 schema=schema.append(pa.field("_part", pa.int64())).append(pa.field("_row", pa.int64())))
    con.register("built_issues", built)
    columns = ", ".join(f'"{name}"' for name in names)
    parts = [f"SELECT {columns}, _part, '' AS _file, _row FROM built_issues"]
    if files := store.table_files(ISSUES):
        parts.append(f'SELECT {columns}, 1 AS _part, "{FILE_COLUMN}" AS _file, "{ROW_COLUMN}" AS _row FROM read_parquet({_sources(files)})')
    order = ", ".join([*(f'"{k}" NULLS FIRST' for k in QUALITY_ISSUES.sort_by), "_part", "_file", "_row"])
    queries = [f"SELECT {columns} FROM ({' UNION ALL '.join(parts)}) WHERE {where} ORDER BY {order}" for where in _ranges("doc_id", boundaries)]
    yield from _rebatched(_results(con, queries), BATCH_ROWS)


def _ranges(column: str, boundaries: Sequence[str]) -> list[str]:
    """Conditions that split rows by the value of column into consecutive ranges, in the order ORDER BY column NULLS FIRST
    gives: the nulls, then below the first boundary, from it to the next, ..., from the last on."""
    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    edges: list[str | None] = [None, *boundaries, None]
    ranges = [f'"{column}" IS NULL']
    for low, high in itertools.pairwise(edges):
        bounds = [*([f'"{column}" >= {literal(low)}'] if low is not None else []), *([f'"{column}" < {literal(high)}'] if high is not None else [])]
        ranges.append(" AND ".join(bounds) if bounds else f'"{column}" IS NOT NULL')
    return ranges


def _results(con: duckdb.DuckDBPyConnection, queries: Iterable[str]) -> Iterator[pa.RecordBatch]:
    """The rows of the queries one after the other (each read to its end before the next runs)."""
    for query in queries:
        yield from con.execute(query).fetch_record_batch(BATCH_ROWS)


def _rebatched(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly `rows` rows (the last one fewer), whatever batches they came in."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in itertools.chain(batches, [None]):
        if batch is not None:
            if batch.num_rows:
                pending.append(batch)
                held += batch.num_rows
            if held < rows:
                continue
        if not held:
            return
        table = pa.Table.from_batches(pending)
        while held >= rows or (batch is None and held):
            size = min(rows, held)
            yield table.slice(0, size).combine_chunks().to_batches()[0]
            table, held = table.slice(size), held - size
        pending = table.to_batches() if held else []


TABLE_INPUTS_FILE = "table-inputs.json"  # beside the assembled tables: each record table's inputs_digest


def table_inputs_digest(name: str, publishable: Sequence[StoredDocument], boundaries: Sequence[str]) -> str | None:
    """What an assembled record table is made from: each publishable document's rows of it (by their digest),
    source file and licence, in order; the ranges; the code and the libraries that write it. None when a
    document's digest is unknown (stored by an earlier version)."""
    digest = hashlib.sha256("\0".join([publication_fingerprint(), duckdb.__version__, pa.__version__, name, *boundaries]).encode())
    for document in publishable:
        rows = document.table_digests.get(name)
        if rows is None:
            return None
        digest.update(f"\0{document.source_file}\0{rows}\0{document.full_text_published}".encode())
    return digest.hexdigest()


ASSEMBLED_DOCUMENTS_FILE = "assembled-documents.json"  # beside the assembled tables: the documents they hold, by key
# At most this many documents added, changed or removed (a changed one counts once) since the previous assembly: a table is patched (its
# other documents' rows copied through in order), not sorted again. The rows of these documents are held at once.
PATCH_DOCUMENTS = 64


def _assembly_basis() -> str:
    """What every row of an assembled table depends on besides its document: the code and libraries that write it."""
    return hashlib.sha256("\0".join([publication_fingerprint(), duckdb.__version__, pa.__version__]).encode()).hexdigest()


def _previous_documents(folder: Path) -> dict[str, str] | None:
    """doc_id by document key of the previous assembly, when it was written by this code (else None)."""
    try:
        found = json.loads((folder / ASSEMBLED_DOCUMENTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("basis") != _assembly_basis() or not isinstance(found.get("documents"), dict):
        return None
    return {str(k): str(v) for k, v in found["documents"].items()}


def assembled_documents(folder: Path) -> AssembledDocuments | None:
    """The documents the tables in folder hold, when this code assembled them (for publish)."""
    documents = _previous_documents(folder)
    return None if documents is None else AssembledDocuments(_assembly_basis(), documents, frozenset(RECORD_TABLES))


@dataclass(frozen=True)
class _Patch:
    """How the publishable documents differ from those of the previous assembly."""

    removed: frozenset[str]  # doc_ids whose rows go
    added: tuple[StoredDocument, ...]  # documents whose rows come in (new, or changed: removed under the same doc_id too)


def _patch_of(previous: dict[str, str] | None, publishable: Sequence[StoredDocument]) -> _Patch | None:
    if previous is None:
        return None
    keys = {d.key for d in publishable}
    patch = _Patch(frozenset(doc_id for key, doc_id in previous.items() if key not in keys), tuple(d for d in publishable if d.key not in previous))
    touched = patch.removed | {d.doc_id for d in patch.added}  # a changed document is removed and added under one doc_id: it counts once
    return patch if len(touched) <= PATCH_DOCUMENTS else None


def _patched(previous: Path, patch: _Patch, added: pa.Table, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The previous table's rows without those of patch.removed, with `added` (whole documents, in the table's
    order) merged in by doc_id, in batches of batch_rows rows: the rows a full sort gives, since doc_id is the
    table's first sort key and no two publishable documents share one."""
    drop = pa.array(sorted(patch.removed), pa.string())
    added = added.cast(schema)
    added_ids: list[str] = added.column("doc_id").to_pylist()
    taken = 0  # rows of added already given

    def pieces() -> Iterator[pa.RecordBatch]:
        nonlocal taken
        for batch in pq.ParquetFile(previous).iter_batches(batch_size=batch_rows):
            kept = pa.Table.from_batches([batch]).cast(schema)
            if len(drop):
                kept = kept.filter(pc.invert(pc.is_in(kept.column("doc_id"), value_set=drop)))
            ids: list[str] = kept.column("doc_id").to_pylist()
            start = 0
            while taken < len(added_ids) and ids and added_ids[taken] < ids[-1]:
                at = bisect.bisect_left(ids, added_ids[taken], start)  # the first kept row that sorts after the next added one
                stop = bisect.bisect_left(added_ids, ids[at], taken)  # the added rows that sort before that row
                if stop == taken:  # an added doc_id equal to a kept one: the previous tables are not what the record says
                    raise ValueError(f"assembly patch: document {ids[at]} is both kept and added")
                yield from kept.slice(start, at - start).to_batches()
                yield from added.slice(taken, stop - taken).to_batches()
                start, taken = at, stop
            yield from kept.slice(start).to_batches()
        yield from added.slice(taken).to_batches()

    yield from _rebatched(pieces(), batch_rows)


def _added_rows(con: duckdb.DuckDBPyConnection, store: ShardStore, table: Table, patch: _Patch, restricted: set[str]) -> pa.Table:
    """The rows of the documents patch.added brings, in the table's order, as published (quoted where restricted)."""
    from validation.schemas import arrow_schema

    schema = arrow_schema(table)
    shards = sorted({shard_of(d.source_file) for d in patch.added})
    files = [p for shard in shards if (p := store.shard_dir(shard) / f"{table.name}.parquet").exists()]
    if not files:
        return schema.empty_table()
    keys = {d.key for d in patch.added}
    if table.name in MERGED_TABLES:
        return pa.Table.from_batches(list(_merged(table, files, keys, restricted)), schema=schema)
    con.register("added", pa.table({"key": pa.array(sorted(keys), pa.string())}))
    columns = ", ".join(_select_column(table, c) for c in table.field_names)
    return con.execute(f"SELECT {columns} FROM read_parquet({_sources(files)}) WHERE \"{KEY_COLUMN}\" IN (SELECT key FROM added) "
                       f"ORDER BY {_order_by(table)}").fetch_arrow_table()


def _previous_tables(folder: Path) -> dict[str, str]:
    try:
        found = json.loads((folder / TABLE_INPUTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def assemble(store: ShardStore, problems: Sequence[LoadProblem], errata: Sequence[Erratum], inputs: str = "") -> Assembly:
    """Write every published table from the shards into store.root/tables; returns the row counts.

    A record table made from the same inputs as the one assembled before (see table_inputs_digest) is
    copied from it, not sorted again: after one document changed, most tables are. A table whose first sort key
    is doc_id, after at most PATCH_DOCUMENTS documents changed, is patched: the previous file's rows are copied
    through in order, without the changed documents' old rows and with their new ones merged in.
    """
    from validation.schemas import arrow_schema

    documents = store.documents()
    clashes = duplicate_doc_ids(documents)
    clashing = {i["doc_id"] for i in clashes}
    publishable = [d for d in documents if d.published and d.doc_id not in clashing]
    boundaries = sorted(d.doc_id for d in publishable)[RANGE_DOCUMENTS::RANGE_DOCUMENTS]
    staging = store.root / f".tables-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    previous_folder = store.root / "tables"
    previous = _previous_tables(previous_folder)
    digests = {name: table_inputs_digest(name, publishable, boundaries) for name in RECORD_TABLES}
    patch = _patch_of(_previous_documents(previous_folder), publishable)
    con = duckdb.connect(config=duckdb_config(threads=1, temp_directory=str(store.root / ".duckdb-spill")))
    try:
        con.execute("SET preserve_insertion_order = true")
        keys = pa.table({"key": pa.array([d.key for d in publishable], pa.string())})
        con.register("publishable", keys)
        restricted = {d.key for d in publishable if not d.full_text_published}
        con.register("restricted", pa.table({"key": pa.array(sorted(restricted), pa.string())}))
        for name in RECORD_TABLES:
            table = TABLES_BY_NAME[name]
            assembled = previous_folder / f"{name}.parquet"
            if digests[name] is not None and previous.get(name) == digests[name] and assembled.is_file():
                shutil.copyfile(assembled, staging / f"{name}.parquet")
                counts[name] = pq.ParquetFile(staging / f"{name}.parquet").metadata.num_rows
                continue
            files = store.table_files(name)
            schema = arrow_schema(table)
            if not files or not publishable:
                counts[name] = _write_records(table, [], staging / f"{name}.parquet")
                continue
            batch_rows = MERGED_BATCH_ROWS if name in MERGED_TABLES else BATCH_ROWS
            if patch is not None and table.sort_by[0] == "doc_id" and assembled.is_file():
                added = _added_rows(con, store, table, patch, restricted)
                counts[name] = _write(_patched(assembled, patch, added, schema, batch_rows), staging / f"{name}.parquet", schema)
                continue
            if name in MERGED_TABLES:
                counts[name] = _write(_merged(table, files, {d.key for d in publishable}, restricted), staging / f"{name}.parquet", schema)
                release_memory()
                continue
            columns = ", ".join(_select_column(table, c) for c in table.field_names)
            queries = [f"SELECT {columns} FROM read_parquet({_sources(files)}) "
                       f"WHERE \"{KEY_COLUMN}\" IN (SELECT key FROM publishable) AND {where} ORDER BY {_order_by(table)}"
                       for where in _ranges(table.sort_by[0], boundaries)]
            counts[name] = _write(_rebatched(_results(con, queries), BATCH_ROWS), staging / f"{name}.parquet", schema)
            release_memory()  # what a table's sort or merge freed, before the next one
        counts["agencies"] = _write_records(TABLES_BY_NAME["agencies"], _agency_rows(con, store), staging / "agencies.parquet")
        place_codes = [row[0] for row in con.execute(f"SELECT DISTINCT place_code FROM read_parquet('{(staging / 'place_mentions.parquet').as_posix()}')").fetchall()]
        counts["places"] = _write_records(TABLES_BY_NAME["places"], place_rows(place_codes), staging / "places.parquet")
        counts["themes"] = _write_records(TABLES_BY_NAME["themes"], themes_frame().to_dict(orient="records"), staging / "themes.parquet")
        share = con.execute(
            f"SELECT avg(CASE WHEN m.measure_id IN (SELECT measure_id FROM read_parquet('{(staging / 'measure_themes.parquet').as_posix()}')) THEN 1.0 ELSE 0.0 END) "
            f"FROM read_parquet('{(staging / 'measures.parquet').as_posix()}') m"
        ).fetchone()
        before = [load_problem_issue(p) for p in problems]
        after = [*unused_errata_issues(errata, documents), *clashes, *theme_coverage_issues(share[0] if share else None)]
        counts["quality_issues"] = _write_whole(_quality_issues(con, store, before, after, boundaries), staging / "quality_issues.parquet",
                                                arrow_schema(QUALITY_ISSUES))
        if inputs:
            (staging / INPUTS_FILE).write_text(inputs + "\n", encoding="utf-8")
        known = {name: digest for name, digest in digests.items() if digest is not None}
        (staging / TABLE_INPUTS_FILE).write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        held = {"basis": _assembly_basis(), "documents": {d.key: d.doc_id for d in publishable}}
        (staging / ASSEMBLED_DOCUMENTS_FILE).write_text(json.dumps(held, sort_keys=True) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        con.close()
    folder = store.root / "tables"
    from pipelines.publishing import swap_directories

    swap_directories(staging, folder)
    return Assembly(folder, {t.name: counts[t.name] for t in TABLES})
