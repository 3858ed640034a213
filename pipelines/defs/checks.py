"""Asset checks over the assembled tables, run as SQL by DuckDB.

The schema checks (one per table) and the foreign keys are blocking: a
failure stops the run before `datapackage`, so an invalid table is never
published. The domain checks warn; their findings are rows of quality_issues.
"""


from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq

from pipelines.defs.resources import ProjectPaths
from pipelines.extraction.issues import QUARANTINE
from pipelines.guard import compare
from validation.quality import DATASET_CHECKS, DOCUMENT_CHECKS
from validation.sql_checks import check_all
from validation.tables import TABLES

DOMAIN_CHECKS = (QUARANTINE, *DOCUMENT_CHECKS, *DATASET_CHECKS)
CHECK_RECORD = "checked.json"


def _table_files(paths: ProjectPaths) -> dict[str, Path]:
    folder = paths.store_path / "tables"
    return {t.name: folder / f"{t.name}.parquet" for t in TABLES}


@dg.multi_asset_check(
    specs=[
        *(dg.AssetCheckSpec(f"{t.name}_schema", asset=t.name, blocking=True, description=f"The schema of {t.name} (types, required, vocabularies, patterns, keys), as SQL.") for t in TABLES),
        dg.AssetCheckSpec("foreign_keys", asset="measures", blocking=True, description="Every foreign key between the published tables resolves."),
    ],
    description="Table schemas and foreign keys, checked by DuckDB over the assembled Parquet files.",
)
def table_checks(paths: ProjectPaths) -> Iterator[dg.AssetCheckResult]:
    # the verdicts of earlier builds: a table whose bytes passed before is not checked again
    per_table, key_problems = check_all(_table_files(paths), record=paths.store_path / CHECK_RECORD)
    for name, problems in per_table.items():
        yield dg.AssetCheckResult(asset_key=name, check_name=f"{name}_schema", passed=not problems,
                                  metadata={"problems": dg.MetadataValue.json(problems[:20])})
    yield dg.AssetCheckResult(asset_key="measures", check_name="foreign_keys", passed=not key_problems,
                              metadata={"problems": dg.MetadataValue.json(key_problems)})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset="quality_issues", description=f"Domain check '{name}': its findings are rows of quality_issues.") for name in DOMAIN_CHECKS],
    description="The domain checks, read from quality_issues: a warning when any finding is an error or a warning.",
)
def domain_checks(paths: ProjectPaths) -> Iterator[dg.AssetCheckResult]:
    # three columns of one table: read by pyarrow (a DuckDB connection with a view per table costs more than the read)
    issues = pq.read_table(_table_files(paths)["quality_issues"], columns=["check", "severity", "message"]).to_pydict()
    rows = list(zip(issues["check"], issues["severity"], issues["message"]))
    for name in DOMAIN_CHECKS:
        found = [(severity, message) for check, severity, message in rows if check == name]
        counts: dict[str, int] = {}
        for severity, _ in found:
            counts[severity] = counts.get(severity, 0) + 1
        flagged = [message for severity, message in found if severity in ("error", "warning")]
        yield dg.AssetCheckResult(asset_key="quality_issues", check_name=name, passed=not flagged, severity=dg.AssetCheckSeverity.WARN,
                                  metadata={**counts, "sample": dg.MetadataValue.json(flagged[:10])})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("publication_guard", asset="documents", blocking=True,
                             description="Refuses to publish when a document would disappear, an unchanged document would change records, or a table would shrink, unless accepted with a reason.")],
    description="The fail-closed guard: the new tables against the published package.",
)
def publication_guard(paths: ProjectPaths) -> Iterator[dg.AssetCheckResult]:
    folder = paths.store_path / "tables"
    report = compare(paths.out_path / "data", {t.name: folder / f"{t.name}.parquet" for t in TABLES}, paths.max_shrink)
    refusals = report.refusals
    accepted = bool(refusals and paths.accept_changes.strip())
    yield dg.AssetCheckResult(
        asset_key="documents", check_name="publication_guard", passed=not refusals or accepted,
        metadata={"problems": dg.MetadataValue.json(refusals), "accepted": paths.accept_changes.strip() if accepted else ""},
    )


ALL_CHECKS = [table_checks, domain_checks, publication_guard]
