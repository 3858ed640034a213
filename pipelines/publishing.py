"""Write, validate and atomically publish the data package; build DuckDB.

Load inputs (validated frames) / Process (Parquet, CSV, descriptor, codebook
in a staging directory, then validation) / Save outputs (swap the staging
directory in). The same table definitions drive every schema written here.
"""

from __future__ import annotations

import csv
import ctypes
import fcntl
import hashlib
import io
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from pandera.errors import SchemaError, SchemaErrors

from pipelines.query import DUCKDB_NAME, fts_extension_path
from validation.schemas import foreign_key_violations, to_frame, validate
from validation.tables import TABLES, TABLES_BY_NAME, Table

PACKAGE_CONFIG = Path(__file__).with_name("package.yaml")
_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "list": pa.list_(pa.string())}
_FRICTIONLESS_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "list": "array"}
_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "list": "VARCHAR[]"}


class PublicationError(RuntimeError):
    """The staged package failed validation; nothing was published."""


# ------------------------------------------------------------- schemas


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(f.name, _ARROW_TYPES[f.type], nullable=not f.required) for f in table.fields])


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
    # Identifiers are quoted: quality_issues has a column named "check", a reserved word.
    columns = [f'  "{f.name}" {_DUCKDB_TYPES[f.type]}{" NOT NULL" if f.required else ""}' for f in table.fields]
    if table.primary_key:
        columns.append(f"  PRIMARY KEY ({', '.join(table.primary_key)})")
    for fk in table.foreign_keys:
        if fk.reference_table != table.name:  # DuckDB has no self-referencing foreign keys
            columns.append(f"  FOREIGN KEY ({fk.fields}) REFERENCES {fk.reference_table} ({fk.reference_fields})")
    return f"CREATE TABLE {table.name} (\n" + ",\n".join(columns) + "\n);"


# -------------------------------------------------------------- writers


def _records(table: Table, frame: pd.DataFrame) -> list[dict[str, Any]]:
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


def write_parquet(table: Table, rows: list[dict[str, Any]], path: Path) -> None:
    arrow = pa.Table.from_pylist(rows, schema=arrow_schema(table))
    pq.write_table(arrow, path, compression="zstd", write_statistics=True, store_schema=False)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A text cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Only the CSV files: Parquet and DuckDB keep the text as it is (see the codebook).
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(table: Table, rows: list[dict[str, Any]], path: Path) -> None:
    buffer = io.StringIO()
    # RFC 4180 line ends: the csv module then quotes every cell holding \r or \n, so a text with a bare
    # carriage return cannot split a row for a reader with universal newlines.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.field_names)
    for row in rows:
        out = []
        for f in table.fields:
            value = row[f.name]
            if value is None:
                out.append("")
            elif f.type == "list":
                out.append(json.dumps(value, ensure_ascii=False))
            elif f.type == "number":
                out.append(repr(value))
            elif f.type == "boolean":
                out.append("true" if value else "false")
            elif isinstance(value, str) and f.enum is None and f.pattern is None:
                out.append(spreadsheet_safe(value))  # free text; controlled values (ids, comparators) stay exact
            else:
                out.append(value)
        writer.writerow(out)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def _file_facts(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def package_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(PACKAGE_CONFIG.read_text(encoding="utf-8"))
    return config


def descriptor(staging: Path, documents: pd.DataFrame, counts: Mapping[str, int]) -> dict[str, Any]:
    config = package_config()
    resources = []
    for table in TABLES:
        schema = frictionless_schema(table)
        for fmt, mediatype in (("csv", "text/csv"), ("parquet", "application/vnd.apache.parquet")):
            path = f"data/{table.name}.{fmt}"
            resource = {
                "name": table.name if fmt == "csv" else f"{table.name}-parquet",
                "title": table.title,
                "description": f"{table.description} ({counts[table.name]} rows)",
                "path": path,
                # Frictionless reads Parquet poorly (nulls, lists), so the Parquet copies are
                # checked as files (bytes, hash) here and row by row with pandera.
                "type": "table" if fmt == "csv" else "file",
                "format": fmt,
                "mediatype": mediatype,
                "encoding": "utf-8" if fmt == "csv" else None,
                **_file_facts(staging / path),
                "schema": schema if fmt == "csv" else _parquet_schema(schema),
            }
            resources.append({k: v for k, v in resource.items() if v is not None})
    sources = [
        {"title": f"{row['title']} ({row['source_file']})", "path": row["source_file"], "description": row["source_description"] or ""}
        for row in _records(TABLES_BY_NAME["documents"], documents)
    ]
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


def _parquet_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Foreign keys of the Parquet copies point at their Parquet siblings."""
    out: dict[str, Any] = json.loads(json.dumps(schema))
    for fk in out.get("foreignKeys", []):
        if fk["reference"]["resource"]:
            fk["reference"]["resource"] += "-parquet"
    return out


def codebook(counts: Mapping[str, int], config: Mapping[str, Any]) -> str:
    lines = [
        f"# {config['title']}",
        "",
        f"Version {config['version']}. {config['description']}",
        "",
        "This file is generated from `validation/tables.py` by the build; do not edit it by hand.",
        "Every table is published as CSV (UTF-8, lists as JSON arrays) and Parquet under `data/`;",
        "`datapackage.json` describes them (Frictionless Data Package). Spans are character offsets",
        "into the decoded text of each document, published in `texts` (`texts.text[span_start:span_end]`).",
        "",
        "In the CSV files only, a free-text cell that a spreadsheet would run as a formula (one starting with",
        "`=`, `+`, `-`, `@`, a tab or a carriage return) starts with an apostrophe (`'`), which spreadsheets",
        "hide and which keeps the cell text; the Parquet files and the DuckDB database hold the text unchanged.",
        "Columns of controlled values (ids, comparators such as `=`, other vocabularies) are never changed.",
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
class PublicationSummary:
    out_dir: Path
    counts: dict[str, int]
    files: list[str]


def validate_package(package_dir: Path) -> list[str]:
    """Schema (pandera) and Frictionless validation of a written package."""
    import frictionless

    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        path = package_dir / "data" / f"{table.name}.parquet"
        if not path.exists():
            problems.append(f"{path.name} is missing")
            continue
        frame = read_parquet_frame(table, path)
        try:
            validate(table, frame)
        except (SchemaErrors, SchemaError) as exc:  # report, do not raise
            problems.append(f"{table.name}: {exc}")
        frames[table.name] = frame
    problems += foreign_key_violations(frames)
    report = frictionless.validate(str(package_dir / "datapackage.json"))
    if not report.valid:
        for task in report.tasks:
            for error in task.errors[:5]:
                problems.append(f"frictionless {task.name}: {error.message}")
        for error in report.errors[:5]:
            problems.append(f"frictionless: {error.message}")
    return problems


def read_parquet_frame(table: Table, path: Path) -> pd.DataFrame:
    return to_frame(table, pq.read_table(path).to_pylist())


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


def publish(frames: Mapping[str, pd.DataFrame], out_dir: Path) -> PublicationSummary:
    """Stage, validate and swap in the package with its database; the old one stays on failure.

    The package and its DuckDB database are built together in a staging
    directory and exchanged with the published one in a single atomic rename,
    so a reader, a crash or a kill sees the old publication or the new one,
    never a hole or a half.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise PublicationError(f"{out_dir} is a file, not a directory: choose another --out-dir or remove the file; it was left as it is")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with publication_lock(out_dir):
        for leftover in _leftovers(out_dir):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = out_dir.parent / f".staging-{out_dir.name}-{uuid.uuid4().hex[:8]}"
        (staging / "data").mkdir(parents=True)
        try:
            counts = {}
            for table in TABLES:
                rows = _records(table, frames[table.name])
                counts[table.name] = len(rows)
                write_parquet(table, rows, staging / "data" / f"{table.name}.parquet")
                write_csv(table, rows, staging / "data" / f"{table.name}.csv")
            config = package_config()
            (staging / "datapackage.json").write_text(
                json.dumps(descriptor(staging, frames["documents"], counts), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            (staging / "README.md").write_text(codebook(counts, config) + "\n", encoding="utf-8")
            problems = validate_package(staging)
            if problems:
                raise PublicationError("the staged package is invalid:\n- " + "\n- ".join(problems))
            build_duckdb(staging)
            _fsync_tree(staging)
            _swap(staging, out_dir)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())
    return PublicationSummary(out_dir, counts, files)


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


def _swap(staging: Path, out_dir: Path) -> None:
    """Put staging in place of out_dir in one step; the old publication is removed afterwards."""
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


MEASURES_FULL_VIEW = """
CREATE VIEW measures_full AS
WITH RECURSIVE section_path(section_id, path) AS (
  SELECT section_id, coalesce(label, '') || coalesce(title, '') FROM sections WHERE parent_id IS NULL
  UNION ALL
  SELECT s.section_id, p.path || ' > ' || coalesce(s.label, '') || coalesce(s.title, '')
  FROM sections s JOIN section_path p ON s.parent_id = p.section_id
),
measure_agencies AS (
  SELECT r.measure_id, list(a.name ORDER BY r.seq) AS agencies,
         list(a.name ORDER BY r.seq) FILTER (WHERE r.role = 'lead') AS lead_agencies
  FROM responsibilities r JOIN agencies a USING (agency_id) GROUP BY r.measure_id
),
measure_theme_list AS (
  SELECT measure_id, list(theme_id ORDER BY theme_id) AS themes FROM measure_themes GROUP BY measure_id
),
measure_place_list AS (
  SELECT object_id AS measure_id, list(DISTINCT p.name ORDER BY p.name) AS places
  FROM place_mentions pm JOIN places p USING (place_code) GROUP BY object_id
)
SELECT
  m.measure_id, m.doc_id, d.title AS doc_title, d.doc_type, d.issue_date, d.issuers,
  m.section_id, s.label AS section_label, s.title AS section_title, sp.path AS section_path,
  m.seq, m.label, m.title, m.text, m.responsibility_text,
  ma.agencies, ma.lead_agencies, mt.themes, mp.places,
  m.text_original, m.span_start, m.span_end, d.source_file
FROM measures m
JOIN documents d USING (doc_id)
LEFT JOIN sections s ON s.section_id = m.section_id
LEFT JOIN section_path sp ON sp.section_id = m.section_id
LEFT JOIN measure_agencies ma ON ma.measure_id = m.measure_id
LEFT JOIN measure_theme_list mt ON mt.measure_id = m.measure_id
LEFT JOIN measure_place_list mp ON mp.measure_id = m.measure_id;

CREATE VIEW targets_full AS
SELECT t.*, d.title AS doc_title, coalesce(m.text, s.intro_text) AS context_text,
       coalesce(m.section_id, t.section_id) AS in_section_id
FROM targets t
JOIN documents d USING (doc_id)
LEFT JOIN measures m ON m.measure_id = t.measure_id
LEFT JOIN sections s ON s.section_id = t.section_id;
"""

# Chinese has no spaces: the search index holds character bigrams (and single
# characters), and search_measures() turns the query into the same bigrams.
SEARCH_SQL = """
CREATE TABLE measure_search AS
SELECT measure_id,
       array_to_string(list_transform(range(length(txt)), i -> substr(txt, i + 1, 1))
         || list_transform(range(greatest(length(txt) - 1, 0)), i -> substr(txt, i + 1, 2)), ' ') AS grams
FROM (SELECT measure_id, coalesce(title, '') || ' ' || text AS txt FROM measures);
PRAGMA create_fts_index('measure_search', 'measure_id', 'grams', stemmer = 'none', stopwords = 'none', ignore = '\\s+', strip_accents = 0, lower = 1);
CREATE MACRO search_measures(q) AS TABLE
  SELECT m.*, s.score FROM (
    SELECT measure_id, fts_main_measure_search.match_bm25(measure_id,
      array_to_string(list_transform(range(greatest(length(q) - 1, 1)), i -> substr(q, i + 1, 2)), ' '), conjunctive := 1) AS score
    FROM measure_search) s
  JOIN measures_full m USING (measure_id)
  WHERE s.score IS NOT NULL
  ORDER BY s.score DESC, m.measure_id;
"""


def _execute_script(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """One statement at a time: a PRAGMA must see the tables created before it."""
    for statement in sql.split(";\n"):
        if statement.strip():
            con.execute(statement)


def build_duckdb(package_dir: Path) -> Path:
    """A DuckDB database of every table, keys, measures_full and full-text search."""
    target = package_dir / DUCKDB_NAME
    tmp = package_dir / f".{DUCKDB_NAME}.{uuid.uuid4().hex[:8]}.tmp"
    con = duckdb.connect(str(tmp))
    try:
        for table in TABLES:  # TABLES lists referenced tables before referencing ones
            con.execute(duckdb_ddl(table))
            parquet = (package_dir / "data" / f"{table.name}.parquet").as_posix()
            columns = ", ".join(f'"{name}"' for name in table.field_names)
            con.execute(f"INSERT INTO {table.name} SELECT {columns} FROM read_parquet('{parquet}')")
        _execute_script(con, MEASURES_FULL_VIEW)
        con.execute(f"LOAD '{fts_extension_path().as_posix()}'")
        _execute_script(con, SEARCH_SQL)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)
    return target
