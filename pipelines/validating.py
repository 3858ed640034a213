"""Validation of a published package that reads only what it must (imports included, so it starts fast).

The descriptor is checked by Frictionless against the Data Package profile;
the files' sizes and hashes against the descriptor; every row of every table
by DuckDB with the SQL checks generated from the table definitions; and each
CSV file's header and row count against its Parquet sibling. `full=True` adds
Frictionless' own row-by-row validation of the CSV files (slow on a large package).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validation.tables import TABLES, Table

if TYPE_CHECKING:
    import duckdb


def file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "hash": "sha256:" + digest.hexdigest()}


def validate_package(package_dir: Path, full: bool = False, verdicts: Path | None = None,
                     known_facts: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Problems of a written package (an empty list when it is valid); see the module's docstring.

    known_facts: the size and hash of files (by their path in the package) that the caller has just
    written and hashed and nothing has written since (publish's staged files), so they are not read again.

    verdicts: a folder (a build's store) where what passed is remembered, so that a rebuild's package
    does not repeat it: the descriptor's shape (see descriptor_problems) and the CSV files' row counts
    (see _csv_row_counts). Without it everything is checked.
    """
    from validation.sql_checks import check_files

    problems: list[str] = []
    path = package_dir / "datapackage.json"
    try:
        described = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"datapackage.json cannot be read: {exc}"]
    problems += descriptor_problems(described, verdicts)
    hashes: dict[str, str] = {}  # of the files as they are, by their path in the package
    for resource in described.get("resources", []):
        for part in (resource, resource.get("parquet")):
            if not part:
                continue
            file = package_dir / part.get("path", "")
            if not file.is_file():
                problems.append(f"{part.get('path')} is missing")
                continue
            facts = (known_facts or {}).get(str(part.get("path"))) or file_facts(file)
            hashes[str(part.get("path"))] = facts["hash"]
            for key in ("bytes", "hash"):
                if key in part and part[key] != facts[key]:
                    problems.append(f"{part['path']}: {key} is {facts[key]}, the descriptor says {part[key]}")
    files = {t.name: package_dir / "data" / f"{t.name}.parquet" for t in TABLES}
    missing = [f.name for f in files.values() if not f.exists()]
    if missing:
        return problems + [f"{name} is missing" for name in missing]
    problems += check_files(files)
    problems += _csv_row_counts(package_dir, hashes, verdicts)
    if full:
        import frictionless

        report = frictionless.validate(str(path))
        if not report.valid:
            for task in report.tasks:
                for error in task.errors[:5]:
                    problems.append(f"frictionless {task.name}: {error.message}")
            for error in report.errors[:5]:
                problems.append(f"frictionless: {error.message}")
    return problems


DESCRIPTOR_VERDICT = "descriptor-valid.json"
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]+")


def _descriptor_shape(described: dict[str, Any]) -> str | None:
    """sha256 of the descriptor with every file's size and hash replaced by a fixed one of the same form,
    and of the Frictionless version; None when a size or hash is not of that form. The profile only checks
    their form, so two descriptors of the same shape get the same verdict: a rebuild after one document
    changed differs from the last one in sizes, hashes and the row counts in the resources' descriptions
    (free text to the profile, so their digits are masked too)."""
    from importlib.metadata import version

    masked = json.loads(json.dumps(described))
    for resource in masked.get("resources", []) if isinstance(masked.get("resources"), list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("description"), str):
            resource["description"] = _DIGITS.sub("0", resource["description"])
        for part in (resource, resource.get("parquet")) if isinstance(resource, dict) else ():
            if not isinstance(part, dict):
                continue
            size, digest = part.get("bytes"), part.get("hash")
            if "bytes" in part:
                if type(size) is not int or size < 0:
                    return None
                part["bytes"] = 0
            if "hash" in part:
                if not isinstance(digest, str) or not _HASH.fullmatch(digest):
                    return None
                part["hash"] = "sha256:" + "0" * 64
    text = json.dumps(masked, sort_keys=True, ensure_ascii=False) + version("frictionless")
    return hashlib.sha256(text.encode()).hexdigest()


def descriptor_problems(described: dict[str, Any], verdicts: Path | None = None) -> list[str]:
    """The descriptor against the Data Package profile, without reading any data.

    With verdicts (a folder), a descriptor of the same shape as the last one found valid there is
    valid without asking Frictionless again (nor importing it: most of the cost).
    """
    from validation.verdicts import Verdicts

    shape = _descriptor_shape(described) if verdicts is not None else None
    remembered = Verdicts(verdicts / DESCRIPTOR_VERDICT if verdicts is not None else None, "frictionless profile")
    if shape is not None and shape in remembered:
        return []
    import frictionless

    try:
        frictionless.Package.from_descriptor(json.loads(json.dumps(described)), basepath=".")
    except frictionless.FrictionlessException as exc:
        return [f"datapackage.json: {error.message}" for error in exc.reasons] or [f"datapackage.json: {exc.error.message}"]
    if shape is not None:
        remembered.save([shape])
    return []


CSV_VERDICTS = "csv-rows-valid.json"


def _csv_row_counts(package_dir: Path, hashes: dict[str, str] | None = None, verdicts: Path | None = None) -> list[str]:
    """Each CSV file has the table's header and as many rows, each of as many fields, as its Parquet
    sibling (the values are checked on the Parquet). Rows are counted by DuckDB's strict CSV reader,
    a tenth of the time of Python's csv module on a large package.

    With verdicts (a folder) and the files' hashes, a CSV and Parquet pair with the bytes of a pair that
    passed before is not read again (reading every CSV file was most of validating a rebuild's package).
    """
    import duckdb

    from pipelines.memory import duckdb_config
    from validation.verdicts import Verdicts, code_version

    def pair(name: str) -> str | None:
        csv_hash, parquet_hash = (hashes or {}).get(f"data/{name}.csv"), (hashes or {}).get(f"data/{name}.parquet")
        return f"{name} {csv_hash} {parquet_hash}" if verdicts is not None and csv_hash and parquet_hash else None

    remembered = Verdicts(verdicts / CSV_VERDICTS if verdicts is not None else None, code_version(Path(__file__)))
    problems: list[str] = []
    passed: list[str] = []
    con = duckdb.connect(config=duckdb_config())
    try:
        for table in TABLES:
            key = pair(table.name)
            problem = None if key is not None and key in remembered else _csv_problem(con, package_dir, table)
            if problem:
                problems.append(problem)
            elif key is not None:
                passed.append(key)
    finally:
        con.close()
    remembered.save(passed)
    return problems


def _csv_problem(con: duckdb.DuckDBPyConnection, package_dir: Path, table: Table) -> str | None:
    """What is wrong with one table's CSV file (header, form, row count), None when nothing."""
    import duckdb
    import pyarrow.parquet as pq

    csv_path = package_dir / "data" / f"{table.name}.csv"
    if not csv_path.exists():
        return f"{csv_path.name} is missing"
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if header != table.field_names:
        return f"{csv_path.name}: header {header} is not {table.field_names}"
    columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in table.field_names) + "}"
    quoted = "'" + csv_path.as_posix().replace("'", "''") + "'"
    try:
        found = con.execute(f"SELECT count(*) FROM read_csv({quoted}, header = true, auto_detect = false, delim = ',', quote = '\"', "
                            f"escape = '\"', columns = {columns}, strict_mode = true)").fetchone()
    except duckdb.Error as exc:
        return f"{csv_path.name}: not a well-formed CSV file: {' '.join(str(exc).split())[:300]}"
    rows = found[0] if found else 0
    expected = pq.ParquetFile(package_dir / "data" / f"{table.name}.parquet").metadata.num_rows
    return f"{csv_path.name}: {rows} rows, the Parquet file has {expected}" if rows != expected else None
