"""Write, validate and atomically publish the data package; build DuckDB.

Load inputs (validated frames) / Process (Parquet, CSV, descriptor, codebook
in a staging directory, then validation) / Save outputs (swap the staging
directory in). The same table definitions drive every schema written here.
"""

from __future__ import annotations

import codecs
import ctypes
import fcntl
import functools
import json
import math
import os
import shutil
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import yaml

import validation.tables
from pipelines.memory import DATABASE_CHUNK_ROWS, duckdb_config, release_memory
from pipelines.query import DUCKDB_NAME
from pipelines.releasing import citation_text
from pipelines.sources import file_stat
from pipelines.validating import file_facts, validate_package
from validation.sql_checks import sql_literal
from validation.tables import TABLES, Field, Table
from validation.verdicts import code_version

PACKAGE_CONFIG = Path(__file__).with_name("package.yaml")
_FRICTIONLESS_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "list": "array"}
_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "list": "VARCHAR[]"}




class PublicationError(RuntimeError):
    """The staged package failed validation; nothing was published."""


# ------------------------------------------------------------- schemas


def frictionless_schema(table: Table) -> dict[str, Any]:
    fields = []
    for f in table.fields:
        spec: dict[str, Any] = {"name": f.name, "type": _FRICTIONLESS_TYPES[f.type], "description": f.description}
        constraints: dict[str, Any] = {}
        if f.required:
            constraints["required"] = True
        if f.unique:
            constraints["unique"] = True
        if f.enum:
            constraints["enum"] = list(f.enum)
        if f.pattern:
            constraints["pattern"] = f.pattern
        if f.minimum is not None:
            constraints["minimum"] = f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
        if constraints:
            spec["constraints"] = constraints
        fields.append(spec)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": [fk.fields],
                "reference": {"resource": "" if fk.reference_table == table.name else fk.reference_table, "fields": [fk.reference_fields]},
            }
            for fk in table.foreign_keys
        ]
    return schema


def duckdb_ddl(table: Table) -> str:
    """The table without key constraints: DuckDB backs every key and foreign key with an index held in memory
    while rows are inserted. At 30,000 documents those of measures, place_mentions and measure_themes did not fit
    the build's memory limit; built at 600 MB the database was 1,040 MiB against 652 MiB without them. The keys
    are checked in SQL before publishing (validation/sql_checks.py) and named in the comments (duckdb_comments)."""
    # Identifiers are quoted: quality_issues has a column named "check", a reserved word.
    columns = [f'  "{f.name}" {_DUCKDB_TYPES[f.type]}{" NOT NULL" if f.required else ""}' for f in table.fields]
    return f"CREATE TABLE {table.name} (\n" + ",\n".join(columns) + "\n);"


def duckdb_comments(table: Table) -> list[str]:
    """COMMENT ON statements: the table's and each column's description, with its keys (duckdb_tables() and
    duckdb_columns() show them in any client)."""
    keys = [f"Primary key: {', '.join(table.primary_key)}."] if table.primary_key else []
    keys += [f"Foreign key: {fk.fields} -> {fk.reference_table}.{fk.reference_fields}." for fk in table.foreign_keys]
    statements = [f"COMMENT ON TABLE {table.name} IS {sql_literal(' '.join([table.description, *keys]))}"]
    references = {fk.fields: f"{fk.reference_table}.{fk.reference_fields}" for fk in table.foreign_keys}
    for f in table.fields:
        notes = [f.description]
        if f.name in table.primary_key:
            notes.append("Primary key." if len(table.primary_key) == 1 else f"Part of the primary key ({', '.join(table.primary_key)}).")
        elif f.unique:
            notes.append("Unique.")
        if f.name in references:
            notes.append(f"References {references[f.name]}.")
        statements.append(f'COMMENT ON COLUMN {table.name}."{f.name}" IS {sql_literal(" ".join(notes))}')
    return statements


# -------------------------------------------------------------- writers


def records(table: Table, frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for raw in frame.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for f in table.fields:
            value = raw[f.name]
            if f.type == "list":
                row[f.name] = list(value) if isinstance(value, (list, tuple)) else None
            elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                row[f.name] = None
            elif f.type == "integer":
                row[f.name] = int(value)
            elif f.type == "number":
                row[f.name] = float(value)
            elif f.type == "boolean":
                row[f.name] = bool(value)
            else:
                row[f.name] = str(value)
        rows.append(row)
    return rows


# A free-text CSV cell starting with one of these gets a leading apostrophe, which spreadsheets hide,
# so that they do not run it as a formula; the Parquet files and the DuckDB database keep the text unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LITERALS = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)


def _csv_expression(f: Field, header: str | None = None) -> str:
    """How a column is written to CSV: lists as JSON arrays, free text safe from spreadsheet formulas;
    header: the name its header cell gets (the column's name by default)."""
    col = f'"{f.name}"'
    named = f'"{header}"' if header is not None else col
    if f.type == "list":
        return f"to_json({col})::VARCHAR AS {named}"
    if f.type == "string" and f.enum is None and f.pattern is None:  # free text; controlled values (ids, comparators) stay exact
        return f"CASE WHEN left({col}, 1) IN ({_FORMULA_LITERALS}) THEN chr(39) || {col} ELSE {col} END AS {named}"
    return f"{col} AS {named}" if header is not None else col


def write_csv(table: Table, parquet: Path, path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The CSV copy of a Parquet table, written by DuckDB: UTF-8 with a byte-order mark, a header, RFC 4180 line ends.

    With CRLF line ends, every cell holding a carriage return or a line feed is
    quoted, so a text with a bare carriage return cannot split a row for a
    reader with universal newlines. Empty cells are nulls (no text is empty).
    The byte-order mark is the first character of the first header cell, which DuckDB writes unquoted:
    the file is written once, not copied behind a mark.
    con: the connection a publication writes its CSV files with (opening one costs about 20 ms, a tenth of a small table's write).
    """
    first, *rest = table.fields
    columns = ", ".join([_csv_expression(first, codecs.BOM_UTF8.decode("utf-8") + first.name), *(_csv_expression(f) for f in rest)])
    con.execute(f"COPY (SELECT {columns} FROM read_parquet('{_sql_path(parquet)}')) TO '{_sql_path(path)}' "
                "(FORMAT csv, HEADER, NEW_LINE '\\r\\n')")


def _sql_path(path: Path) -> str:
    return path.as_posix().replace("'", "''")


def parquet_rows(path: Path, batch_rows: int = 8192, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of a Parquet file (of these columns only, if given), a batch at a time."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=None if columns is None else list(columns)):
        yield from batch.to_pylist()


def package_config_path() -> Path:
    """pipelines/package.yaml: the package's descriptor fields and its release (version, created)."""
    return PACKAGE_CONFIG


def package_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(PACKAGE_CONFIG.read_text(encoding="utf-8"))
    return config


EXTRA_RESOURCES = {
    "changes.json": {"name": "changes", "title": "Changes since the previous release",
                     "description": "Per table, the records added, removed and changed (by primary key, with the fields that changed) since the previous release; written by `yrdpm release`.",
                     "format": "json", "mediatype": "application/json"},
}


SOURCE_COLUMNS = ("title", "source_file", "source_url", "source_description", "licence_id", "licence")  # what a source of the descriptor says


def descriptor(staging: Path, documents: Iterable[Mapping[str, Any]], counts: Mapping[str, int], extra: Iterable[str] = (),
               facts: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The datapackage.json of the package staged in staging; facts: the size and hash of files already
    hashed when they were written there, by their path in the package (the others are read)."""

    def facts_of(path: str) -> Mapping[str, Any]:
        return (facts or {}).get(path) or file_facts(staging / path)

    config = package_config()
    resources = []
    for table in TABLES:
        csv_path, parquet_path = f"data/{table.name}.csv", f"data/{table.name}.parquet"
        resources.append({
            "name": table.name,
            "title": table.title,
            "description": f"{table.description} ({counts[table.name]} rows)",
            "type": "table",
            "path": csv_path,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",  # with a byte-order mark, for Excel; Data Package readers skip it
            **facts_of(csv_path),
            "schema": frictionless_schema(table),
            # The same rows as Parquet, for readers that know it (DuckDB, pandas, polars, R's arrow);
            # a custom property, which other Data Package readers ignore.
            "parquet": {"path": parquet_path, "format": "parquet", "mediatype": "application/vnd.apache.parquet", **facts_of(parquet_path)},
        })
    for path in extra:
        resources.append({**EXTRA_RESOURCES[path], "path": path, **facts_of(path)})
    sources = []
    for row in documents:
        source: dict[str, Any] = {"title": f"{row['title']} ({row['source_file']})"}
        # The original where its address is known; otherwise the raw file, by a path that resolves from
        # this descriptor in the repository (datapackage/ beside raw/), whatever folder a build wrote to.
        source["path"] = row["source_url"] or f"../{row['source_file']}"
        source["description"] = row["source_description"] or ""
        if row.get("licence_id") or row.get("licence"):
            source["licenses"] = [{k: v for k, v in (("name", row.get("licence_id")), ("title", row.get("licence"))) if v}]
        sources.append(source)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": config["name"],
        "title": config["title"],
        "description": config["description"],
        "version": config["version"],
        "created": config["created"],
        "licenses": config["licenses"],
        "contributors": config["contributors"],
        "keywords": config["keywords"],
        "sources": sources,
        "resources": resources,
    }


def codebook(counts: Mapping[str, int], config: Mapping[str, Any]) -> str:
    lines = [
        f"# {config['title']}",
        "",
        f"Version {config['version']}. {config['description']}",
        "",
        f"Cite as: {citation_text(config)} (`CITATION.cff` in the repository).",
        "",
        "This file is generated from `validation/tables.py` by the build; do not edit it by hand.",
        "Every table is published as CSV (UTF-8 with a byte-order mark so that Excel reads it, lists as JSON",
        "arrays, empty cells for nulls) and as Parquet under `data/`. `datapackage.json` describes one resource",
        "per table (Frictionless Data Package): its CSV file, with the Parquet file in the resource's `parquet`",
        "property (path, bytes, sha256) for readers that know Parquet. Spans are character offsets",
        "into the decoded text of each document, published in `texts` (`texts.text[span_start:span_end]`).",
        "",
        "In the CSV files only, a free-text cell that a spreadsheet would run as a formula (one starting with",
        "`=`, `+`, `-`, `@`, a tab or a carriage return) starts with an apostrophe (`'`), which spreadsheets",
        "hide and which keeps the cell text; the Parquet files and the DuckDB database hold the text unchanged.",
        "Columns of controlled values (ids, comparators such as `=`, other vocabularies) are never changed.",
        "",
        "## Licences",
        "",
        "The package's licence (in `datapackage.json`) covers its structure and annotations. Each source has its own,",
        "in `sources` and in `documents.licence_id` / `documents.licence`: `LicenseRef-PRC-Copyright-Law-Art5` for an",
        "official document of a state organ, outside copyright under Article 5 of the Copyright Law of the PRC, and",
        "`LicenseRef-not-open` for a source that is not openly licensed (a news report). Such a document keeps its",
        "records, but its full text is not republished (`documents.full_text_published` is false): every text column",
        "of its records, `texts.text` included, holds a short quotation (its first 40 characters and …), and the spans",
        "still point into the original, whose copy a reader can check against `texts.text_sha256`.",
        "",
        "## Identifiers",
        "",
        "Sections and measures are identified by the document's own numbering, not by their position in the",
        "file, so a measure keeps its id when the text around it changes: a section is its parent's id and its",
        "number (二 > （三）: `doc-s2-3`), an article its number in the statute (第十条: `doc-art10`), any other",
        "measure its section's id and its number there (`doc-s2-3-m4`). What the document leaves unnumbered",
        "gets `u` and its place among the unnumbered items of the same section (`doc-s1-mu2`), so inserting a",
        "paragraph changes only the ids of the unnumbered paragraphs after it in that section; a number printed",
        "twice gets `d2` on its second use. Clauses, targets and mentions extend the id of their measure.",
        "A document renumbered by its issuer gets new ids: the ids follow the document.",
        "",
        "## Tables",
        "",
    ]
    for table in TABLES:
        lines += [f"### {table.name} ({counts[table.name]} rows)", "", table.description, ""]
        if table.primary_key:
            lines.append(f"Primary key: `{', '.join(table.primary_key)}`.")
        for fk in table.foreign_keys:
            lines.append(f"Foreign key: `{fk.fields}` → `{fk.reference_table}.{fk.reference_fields}`.")
        lines += ["", "| column | type | required | description |", "|---|---|---|---|"]
        for f in table.fields:
            extra = f" One of: {', '.join(f.enum)}." if f.enum else ""
            lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else 'no'} | {f.description}{extra} |")
        lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------ publishing


@dataclass(frozen=True)
class AssembledDocuments:
    """Which documents the tables to publish hold: doc_id by document key (a digest of everything a
    document's rows depend on), under the basis (code and libraries) that assembled them, and the tables
    whose rows are those of their documents alone (no row of them depends on another document)."""

    basis: str
    documents: Mapping[str, str]
    tables: frozenset[str]


@dataclass(frozen=True)
class PublicationSummary:
    out_dir: Path
    counts: dict[str, int]
    files: list[str]


class BuildLocked(PublicationError):
    """Another build is publishing to the same directory."""


@contextmanager
def publication_lock(out_dir: Path) -> Iterator[None]:
    """One build at a time per output directory (an advisory lock beside it)."""
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another build is publishing to {out_dir} right now; run this one when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _leftovers(out_dir: Path) -> list[Path]:
    """Staging and old directories that a killed build left beside the output directory."""
    return sorted(p for pattern in (f".staging-{out_dir.name}-*", f".old-{out_dir.name}-*") for p in out_dir.parent.glob(pattern) if p.is_dir())


def _read_record(record: Path | None) -> dict[str, Any]:
    """The publication record (see publish), read once per publication; empty when there is none or it is
    not a JSON object (cut short, overwritten): no record, so nothing published before is trusted."""
    if record is None:
        return {}
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _unchanged(out_dir: Path, recorded: dict[str, Any], built_from: str | None) -> bool:
    """The package in out_dir is the one published from these inputs, and its files are as described."""
    if built_from is None or not (out_dir / DUCKDB_NAME).exists():
        return False
    if {k: recorded.get(k) for k in ("out_dir", "inputs")} != {"out_dir": str(out_dir), "inputs": built_from}:
        return False  # before the descriptor is read: after a change it is never needed (0.8 MB at 1,000 documents)
    try:
        described = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    parts = [part for r in described.get("resources", []) for part in (r, r.get("parquet")) if part]
    files: dict[str, Any] = recorded["file_stats"] if isinstance(recorded.get("file_stats"), dict) else {}
    if any(files.get(p["path"], {}).get("facts") != {"bytes": p.get("bytes"), "hash": p.get("hash")} for p in parts):
        return False  # the descriptor does not describe the files as they were published
    return all(_intact(out_dir / path, entry) for path, entry in files.items())


def _intact(path: Path, published: Any) -> bool:
    """The file has the facts recorded at publishing. A file with the size, times and inode recorded then was not
    written since (the bet git's index makes, as for the CSV files reused): only the others are hashed again."""
    if not isinstance(published, dict) or not path.is_file():
        return False
    return bool(published.get("stat") == file_stat(path) or file_facts(path) == published.get("facts"))


def publish(tables: Mapping[str, Path], out_dir: Path, built_from: str | None = None, record: Path | None = None,
            extra_files: Mapping[str, Path] | None = None, assembled: AssembledDocuments | None = None) -> PublicationSummary:
    """Stage, validate and swap in the package with its database; the old one stays on failure.

    extra_files: other files of the package by their path in it (the release's changes.json).
    assembled: the documents the tables hold, kept in the record with the database: the next update of
    the database compares the rows of the documents whose key changed only (see build_duckdb).
    built_from and record: the fingerprint of the tables' inputs, and a file
    where it is kept after publishing. When the package in out_dir was already
    published from the same inputs and its files are intact, nothing is redone.

    tables: the assembled Parquet file of every table, already in the
    published schema and order. They are copied, written out as CSV a batch
    at a time, described, checked and built into DuckDB in a staging
    directory, which is exchanged with the published one in a single atomic
    rename: a reader, a crash or a kill sees the old publication or the new
    one, never a hole or a half.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise PublicationError(f"{out_dir} is a file, not a directory: choose another --out-dir or remove the file; it was left as it is")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with publication_lock(out_dir):
        recorded = _read_record(record)
        if _unchanged(out_dir, recorded, built_from):
            counts = {t.name: pq.ParquetFile(out_dir / "data" / f"{t.name}.parquet").metadata.num_rows for t in TABLES}
            return PublicationSummary(out_dir, counts, sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()))
        reusable = _reusable_csv_files(out_dir, recorded)  # read before the record goes: it says which writer wrote them
        published_database = _published_database(out_dir, recorded)
        database_tables: dict[str, Any] = published_database["tables"] if isinstance(published_database.get("tables"), dict) else {}
        changed_documents = _changed_documents(published_database.get("assembly"), assembled)
        if record is not None:
            record.unlink(missing_ok=True)
        for leftover in _leftovers(out_dir):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = out_dir.parent / f".staging-{out_dir.name}-{uuid.uuid4().hex[:8]}"
        (staging / "data").mkdir(parents=True)
        csv_con: duckdb.DuckDBPyConnection | None = None  # opened when a CSV file must be written
        try:
            counts, hashes = {}, {}
            facts: dict[str, dict[str, Any]] = {}  # each staged data file is read once, for its hash, after it is written
            for table in TABLES:
                parquet_path, csv_path = f"data/{table.name}.parquet", f"data/{table.name}.csv"
                shutil.copyfile(tables[table.name], staging / parquet_path)
                counts[table.name] = pq.ParquetFile(staging / parquet_path).metadata.num_rows
                facts[parquet_path] = file_facts(staging / parquet_path)
                hashes[table.name] = facts[parquet_path]["hash"]
                published_csv, published_facts = reusable.get(hashes[table.name], (None, None))
                if published_csv is not None and published_facts is not None and published_csv.name == f"{table.name}.csv":
                    _link_or_copy(published_csv, staging / csv_path)  # unwritten since it was hashed: not read again
                    facts[csv_path] = published_facts
                else:
                    if csv_con is None:
                        csv_con = duckdb.connect(config=duckdb_config(threads=1))
                    write_csv(table, staging / parquet_path, staging / csv_path, csv_con)
                    facts[csv_path] = file_facts(staging / csv_path)
            for name, source in (extra_files or {}).items():
                shutil.copyfile(source, staging / name)
            config = package_config()
            documents = parquet_rows(staging / "data" / "documents.parquet", columns=SOURCE_COLUMNS)
            (staging / "datapackage.json").write_text(
                json.dumps(descriptor(staging, documents, counts, sorted(extra_files or {}), facts), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            (staging / "README.md").write_text(codebook(counts, config) + "\n", encoding="utf-8")
            (staging / "views.sql").write_text(views_sql(), encoding="utf-8")
            problems = validate_package(staging, verdicts=record.parent if record is not None else None, known_facts=facts)
            if problems:
                raise PublicationError("the staged package is invalid:\n- " + "\n- ".join(problems))
            unchanged = {name for name, digest in hashes.items() if database_tables.get(name) == digest}
            build_duckdb(staging, previous=out_dir / DUCKDB_NAME, unchanged=unchanged, changed_documents=changed_documents,
                         document_tables=assembled.tables if assembled is not None else frozenset())
            _fsync_tree(staging)
            swap_directories(staging, out_dir)
            if record is not None and built_from is not None:
                database = {"stat": file_stat(out_dir / DUCKDB_NAME), "tables": hashes,
                            "assembly": {"basis": assembled.basis, "documents": dict(assembled.documents)} if assembled is not None else None}
                # every file of the package but the database (recorded above): the data files with the facts the
                # descriptor gives them, and the descriptor itself, so that a descriptor edited alone is noticed
                described = {name: file_facts(out_dir / name) for name in ("datapackage.json", "README.md", "views.sql", *sorted(extra_files or {}))}
                file_stats = {path: {"stat": file_stat(out_dir / path), "facts": known} for path, known in sorted({**facts, **described}.items())}
                record.write_text(json.dumps({"out_dir": str(out_dir), "inputs": built_from, "csv_writer": csv_writer_version(),
                                              "database": database, "file_stats": file_stats}) + "\n", encoding="utf-8")
        finally:
            if csv_con is not None:
                csv_con.close()
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    return PublicationSummary(out_dir, counts, files)


def csv_writer_version() -> str:
    """What a CSV file depends on besides its Parquet sibling: this module (write_csv), the table definitions, DuckDB."""
    return code_version(Path(__file__), Path(validation.tables.__file__))


def _reusable_csv_files(out_dir: Path, recorded: dict[str, Any]) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The published CSV files that can be copied instead of written again, with their size and hash, by the
    hash of the Parquet file they were written from.

    Rewriting every table's CSV file is most of the cost of publishing after
    one document changed, and most tables are then unchanged. A published CSV
    file is taken when the record says it was written by this same writer, and
    the file has the size, times and inode recorded at publishing (it was not
    written since: the bet git's index makes, so it is not read to be hashed
    again). Its facts are the record's, not the published descriptor's, which
    could have been edited since.
    """
    files = recorded.get("file_stats")
    if recorded.get("csv_writer") != csv_writer_version() or not isinstance(files, dict):
        return {}
    reusable = {}
    for table in TABLES:
        csv_path, parquet_path = f"data/{table.name}.csv", f"data/{table.name}.parquet"
        csv_entry, parquet_entry = files.get(csv_path), files.get(parquet_path)
        if not (isinstance(csv_entry, dict) and isinstance(parquet_entry, dict) and (out_dir / csv_path).is_file()):
            continue
        if csv_entry.get("stat") == file_stat(out_dir / csv_path) and isinstance(parquet_entry.get("facts"), dict):
            reusable[parquet_entry["facts"]["hash"]] = (out_dir / csv_path, csv_entry["facts"])
    return reusable


def _link_or_copy(source: Path, target: Path) -> None:
    """A second name for a published file that the next publication keeps: nothing to copy, nor to flush to
    disk again (the old publication's name goes when it is swapped out; nothing writes a published file in
    place). A copy where the file system has no hard links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _published_database(out_dir: Path, recorded: dict[str, Any]) -> dict[str, Any]:
    """What the record says of the published database (the hash of the Parquet file each table holds the
    rows of, the documents it holds), when the database file has the size, times and inode recorded at
    publishing (it was not written since: the bet git's index makes); empty otherwise."""
    database = recorded.get("database")
    if not isinstance(database, dict) or not (out_dir / DUCKDB_NAME).is_file():
        return {}
    try:
        return database if database.get("stat") == file_stat(out_dir / DUCKDB_NAME) else {}
    except OSError:  # removed since it was looked for
        return {}


def _changed_documents(published: Any, assembled: AssembledDocuments | None) -> frozenset[str] | None:
    """The doc_ids whose rows may differ between the published database and the new tables: those of the
    document keys in one and not the other. None when that is not known (another basis, no record)."""
    if assembled is None or not isinstance(published, dict) or published.get("basis") != assembled.basis or not isinstance(published.get("documents"), dict):
        return None
    old = {str(key): str(doc_id) for key, doc_id in published["documents"].items()}
    return frozenset({doc_id for key, doc_id in old.items() if assembled.documents.get(key) != doc_id}
                     | {doc_id for key, doc_id in assembled.documents.items() if old.get(key) != doc_id})


def _fsync_tree(root: Path) -> None:
    """Flush the staged files to disk before they are swapped in, so a crash cannot publish empty files."""
    for path in [*root.rglob("*"), root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False where it is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
            return False
        raise OSError(errno, os.strerror(errno), str(a))
    return True


def swap_directories(staging: Path, out_dir: Path) -> None:
    """Put staging in place of out_dir in one step; the old directory is removed afterwards."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old publication
        return
    old = out_dir.parent / f".old-{out_dir.name}-{uuid.uuid4().hex[:8]}"
    os.replace(out_dir, old)  # without an atomic exchange: two renames, the second restores on failure
    try:
        os.replace(staging, out_dir)
    except OSError:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- duckdb

SQL_DIR = Path(__file__).with_name("sql")


def sql_script(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def views_sql() -> str:
    """datapackage/views.sql: every table as a view of its Parquet file, the views and search, for any DuckDB client.

    Paths are relative to the package folder: run it there (`duckdb -init views.sql`).
    """
    lines = [
        "-- The published tables, views and search_measures() in any DuckDB client, with no extension and no build.",
        "-- Run it in this folder: `duckdb -init views.sql`, or `.read views.sql` in a session started here.",
        "-- Generated by `yrdpm build` from validation/tables.py and pipelines/sql/; do not edit.",
    ]
    lines += [f"CREATE OR REPLACE VIEW {t.name} AS SELECT * FROM read_parquet('data/{t.name}.parquet');" for t in TABLES]
    return "\n".join(lines) + "\n\n" + sql_script("views.sql").strip() + "\n\n" + sql_script("search.sql").strip() + "\n"


def _execute_script(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """One statement at a time: a PRAGMA must see the tables created before it."""
    for statement in sql.split(";\n"):
        if statement.strip():
            con.execute(statement)


def build_duckdb(package_dir: Path, previous: Path | None = None, unchanged: Collection[str] = (),
                 changed_documents: Collection[str] | None = None, document_tables: Collection[str] = ()) -> Path:
    """A DuckDB database of every table with its keys, the views and search_measures().

    previous: the database published before. When it has the same table
    definitions and few documents changed, it is copied and only the rows of
    the changed documents are replaced (the contents are those of a database
    built from scratch; only the order of rows in storage differs). Otherwise,
    or if updating it fails, the database is built from the Parquet files.
    unchanged: tables whose rows in previous are known to be those of their
    Parquet file in package_dir; they are not compared.
    changed_documents: when known, the only documents whose rows can differ
    between previous and package_dir in document_tables (tables whose rows
    are their documents' alone); only their rows are compared there. A
    document whose key did not change has the rows stored for that key, which
    are those previous holds.
    """
    target = package_dir / DUCKDB_NAME
    tmp = package_dir / f".{DUCKDB_NAME}.{uuid.uuid4().hex[:8]}.tmp"
    if previous is not None and previous.is_file():
        shutil.copyfile(previous, tmp)
        try:
            con = duckdb.connect(str(tmp), config=duckdb_config())
        except duckdb.Error:
            tmp.unlink(missing_ok=True)
        else:
            try:
                hint = None if changed_documents is None else (frozenset(changed_documents), frozenset(document_tables))
                updated = _update_duckdb(con, package_dir, frozenset(unchanged), hint)
            except duckdb.Error:
                updated = False
            finally:
                con.close()
            if updated:
                os.replace(tmp, target)
                return target
            tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config=duckdb_config())
    try:
        for table in TABLES:
            con.execute(duckdb_ddl(table))
            _insert_rows(con, package_dir, table)
            release_memory()  # what reading the table's file freed, before the next one
        _comment(con)
        _execute_script(con, sql_script("views.sql"))
        _execute_script(con, sql_script("search.sql"))
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    return target


def _comment(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        for statement in duckdb_comments(table):
            con.execute(statement)


def _insert_rows(con: duckdb.DuckDBPyConnection, package_dir: Path, table: Table) -> None:
    """The rows of the table's Parquet file, in its order; a table of DATABASE_CHUNK_ROWS a chunk at a time, each checkpointed."""
    chunk = DATABASE_CHUNK_ROWS.get(table.name)
    if chunk is None:
        con.execute(f"INSERT INTO {table.name} SELECT {_column_list(table)} FROM {_parquet_source(package_dir, table)}")
        return
    path = _sql_path(package_dir / "data" / f"{table.name}.parquet")
    (rows,) = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone() or (0,)
    for first in range(0, rows, chunk):
        con.execute(f"INSERT INTO {table.name} SELECT {_column_list(table)} FROM read_parquet('{path}', file_row_number = true) "
                    f"WHERE file_row_number >= {first} AND file_row_number < {first + chunk} ORDER BY file_row_number")
        con.execute("CHECKPOINT")


MAX_UPDATED_SHARE = 0.25  # above this share of changed documents a database built from scratch is faster


def _parquet_source(package_dir: Path, table: Table) -> str:
    return f"read_parquet('{_sql_path(package_dir / 'data' / f'{table.name}.parquet')}')"


def _column_list(table: Table) -> str:
    return ", ".join(f'"{name}"' for name in table.field_names)


def _document_parent(table: Table) -> tuple[str, Table] | None:
    """For a table without doc_id: its foreign key column to a table that has one, and that table."""
    by_name = {t.name: t for t in TABLES}
    for fk in table.foreign_keys:
        parent = by_name[fk.reference_table]
        if parent is not table and "doc_id" in parent.field_names and fk.reference_fields == parent.primary_key[0]:
            return fk.fields, parent
    return None


def _rows_with_document(table: Table, source: str, parent_source: Callable[[Table], str]) -> str | None:
    """SQL of the table's rows with the document they belong to (column doc; '' for none); None for a vocabulary."""
    columns = ", ".join(f't."{name}"' for name in table.field_names)
    if "doc_id" in table.field_names:
        return f"SELECT {columns}, coalesce(t.doc_id, '') AS doc FROM {source} t"
    found = _document_parent(table)
    if found is None:
        return None
    column, parent = found
    return f'SELECT {columns}, p.doc_id AS doc FROM {source} t JOIN {parent_source(parent)} p ON t."{column}" = p."{parent.primary_key[0]}"'


# The tables as DuckDB describes them, with their comments and their columns' comments.
_CATALOG = ("SELECT t.table_name, t.sql, t.comment, list(c.comment ORDER BY c.column_index) FROM duckdb_tables() t "
            "JOIN duckdb_columns() c USING (table_oid) GROUP BY ALL ORDER BY t.table_name")


@functools.cache
def _expected_tables() -> list[tuple[Any, ...]]:
    """The catalog that today's definitions create: what a previous database must have to be updated (a new
    description is then a new build, as a new column is)."""
    with duckdb.connect() as scratch:
        for table in TABLES:
            scratch.execute(duckdb_ddl(table))
        _comment(scratch)
        return scratch.execute(_CATALOG).fetchall()


def _update_duckdb(con: duckdb.DuckDBPyConnection, package_dir: Path, unchanged: frozenset[str] = frozenset(),
                   hint: tuple[frozenset[str], frozenset[str]] | None = None) -> bool:
    """Bring a copy of the previous database to the staged Parquet files; False when it must be built anew.

    A row belongs to a document by its doc_id or, without one, through its
    foreign key to a table that has one (a responsibility through its
    measure). Per table, the documents whose rows changed are found by
    comparing checksums of each document's rows. Where a document's rows keep
    their primary keys, they are updated in place; otherwise its rows of that
    table are replaced (deleted, children before parents, whose rows tell
    which document a child's row belongs to, then inserted). The tables have
    no key constraints (duckdb_ddl), so neither needs an order of tables for
    the keys to hold. Tables that belong to no document are vocabularies the documents
    refer to: new rows are added; a row removed or changed means a new build.
    A last comparison of the changed documents' checksums proves the result.
    Tables in `unchanged` are known to hold their file's rows: not compared.
    hint: (documents, tables): in these tables, only these documents' rows can differ (build_duckdb's
    changed_documents), so only theirs are compared; the row counts of every table are still compared.
    """
    if con.execute(_CATALOG).fetchall() != _expected_tables():
        return False

    def old(table: Table) -> str:
        return table.name

    def new(table: Table) -> str:
        return _parquet_source(package_dir, table)

    def differing(table: Table, columns: str, among: Collection[str] | None = None) -> set[str]:
        """Documents whose rows of the table differ in these columns (as a multiset) between old and new;
        among: of these documents only (else of all)."""
        checksums = "SELECT doc, count(*) AS n, sum(hash({columns})::HUGEINT) AS h FROM ({rows}) GROUP BY doc"

        def only(source_of: Callable[[Table], str]) -> Callable[[Table], str]:
            """The rows of these documents alone, filtered where they are read (a table's own rows, or its parent's
            for a table without doc_id): a list of literals, which DuckDB checks against each row group's
            statistics, so that a file sorted by doc_id is read where they are only."""
            if among is None:
                return source_of
            listed = ", ".join(sql_literal(doc) for doc in sorted(among) if doc) or "NULL"
            matches = f"doc_id IN ({listed})" + (" OR doc_id IS NULL" if "" in among else "")  # '' stands for rows without a document
            return lambda t: f"(SELECT * FROM {source_of(t)} WHERE {matches})" if "doc_id" in t.field_names else source_of(t)

        old_rows, new_rows = _rows_with_document(table, only(old)(table), only(old)), _rows_with_document(table, only(new)(table), only(new))
        rows = con.execute(
            f"SELECT doc FROM ({checksums.format(columns=columns, rows=old_rows)}) o "
            f"FULL JOIN ({checksums.format(columns=columns, rows=new_rows)}) n USING (doc) "
            "WHERE o.n IS DISTINCT FROM n.n OR o.h IS DISTINCT FROM n.h"
        ).fetchall()
        return {r[0] for r in rows}

    documented = [t for t in TABLES if _rows_with_document(t, old(t), old) is not None]
    changed_in: dict[str, set[str]] = {}
    for table in TABLES:
        columns = _column_list(table)
        if table.name in unchanged:
            changed_in[table.name] = set()
            continue
        if hint is not None and table.name in hint[1] and table in documented:
            changed_in[table.name] = differing(table, columns, among=hint[0]) if hint[0] else set()
            continue
        if table not in documented:
            if con.execute(f"SELECT count(*) FROM (SELECT {columns} FROM {old(table)} EXCEPT ALL SELECT {columns} FROM {new(table)})").fetchone() != (0,):
                return False
            continue
        changed_in[table.name] = differing(table, columns)
    changed = set().union(*changed_in.values())
    changed_in = {t.name: changed_in[t.name] for t in documented}
    (documents,) = con.execute("SELECT count(*) FROM documents").fetchone() or (0,)
    if len(changed) > MAX_UPDATED_SHARE * max(documents, 1):
        return False
    con.execute("CREATE TEMP TABLE planned (table_name VARCHAR, doc VARCHAR, action VARCHAR)")
    replaced: dict[str, set[str]] = {}
    updated: dict[str, set[str]] = {}
    if changed:
        for table in documented:
            docs = changed_in[table.name]
            if table.primary_key and len(table.primary_key) < len(table.field_names) and docs:  # rows that keep their keys are updated in place
                replaced[table.name] = differing(table, ", ".join(f'"{name}"' for name in table.primary_key), among=docs)
            else:
                replaced[table.name] = docs
            updated[table.name] = docs - replaced[table.name]
        con.executemany("INSERT INTO planned VALUES (?, ?, ?)", sorted(
            [[name, doc, "replace"] for name, docs in replaced.items() for doc in docs] + [[name, doc, "update"] for name, docs in updated.items() for doc in docs]))

    def planned(table: Table, action: str) -> str:
        return f"(SELECT doc FROM planned WHERE table_name = '{table.name}' AND action = '{action}')"

    for table in reversed(TABLES):
        if not replaced.get(table.name):
            continue
        found = _document_parent(table)
        if "doc_id" in table.field_names:
            con.execute(f"DELETE FROM {table.name} WHERE coalesce(doc_id, '') IN {planned(table, 'replace')}")
        elif found is not None:
            column, parent = found
            key = parent.primary_key[0]
            con.execute(f'DELETE FROM {table.name} WHERE "{column}" IN (SELECT "{key}" FROM {parent.name} WHERE doc_id IN {planned(table, "replace")})')
    for table in TABLES:
        columns = _column_list(table)
        new_rows = _rows_with_document(table, new(table), new)
        if new_rows is None:
            if table.name not in unchanged:
                con.execute(f"INSERT INTO {table.name} SELECT {columns} FROM {new(table)} EXCEPT ALL SELECT {columns} FROM {table.name}")
        elif replaced.get(table.name):
            con.execute(f"INSERT INTO {table.name} SELECT {columns} FROM ({new_rows}) WHERE doc IN {planned(table, 'replace')}")
    for table in documented:
        if not updated.get(table.name):
            continue
        assignments = ", ".join(f'"{f}" = n."{f}"' for f in table.field_names if f not in table.primary_key)
        matched = " AND ".join(f'{table.name}."{k}" = n."{k}"' for k in table.primary_key)
        new_rows = _rows_with_document(table, new(table), new)
        con.execute(f"UPDATE {table.name} SET {assignments} FROM (SELECT * FROM ({new_rows}) WHERE doc IN {planned(table, 'update')}) n WHERE {matched}")
    for table in TABLES:  # a last look: every table holds as many rows as its file, and the changed documents' rows are the new ones
        if con.execute(f"SELECT count(*) FROM {table.name}").fetchone() != con.execute(f"SELECT count(*) FROM {new(table)}").fetchone():
            return False
        touched = replaced.get(table.name) or updated.get(table.name)
        if touched and differing(table, _column_list(table), among=changed):
            return False
    _execute_script(con, sql_script("views.sql"))
    _execute_script(con, sql_script("search.sql"))
    con.execute("CHECKPOINT")
    return True
