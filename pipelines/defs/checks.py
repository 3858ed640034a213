"""Asset checks: blocking schema checks per table, and the domain checks.

A failing blocking check stops the run before `datapackage`, so an invalid
table is never published. Domain checks warn and are reported from
quality_issues, where their findings are kept.
"""


import inspect

import dagster as dg
import pandas as pd
from pandera.errors import SchemaErrors

from pipelines.extraction.issues import QUARANTINE
from validation.quality import DATASET_CHECKS, DOCUMENT_CHECKS
from validation.schemas import foreign_key_violations, validate
from validation.tables import TABLES, TABLES_BY_NAME


def _schema_check(name: str) -> dg.AssetChecksDefinition:
    table = TABLES_BY_NAME[name]

    @dg.asset_check(asset=name, name=f"{name}_schema", blocking=True, description=f"Pandera schema of {name} (types, keys, vocabularies).")
    def _check(frame: pd.DataFrame) -> dg.AssetCheckResult:
        try:
            validate(table, frame)
        except SchemaErrors as exc:
            failures = exc.failure_cases
            return dg.AssetCheckResult(
                passed=False,
                metadata={
                    "failures": len(failures),
                    "sample": dg.MetadataValue.md(failures.head(20).to_markdown() if hasattr(failures, "to_markdown") else str(failures.head(20))),
                },
            )
        return dg.AssetCheckResult(passed=True, metadata={"rows": len(frame)})

    return _check


schema_checks = [_schema_check(t.name) for t in TABLES]


def _foreign_key_check() -> dg.AssetChecksDefinition:
    """One blocking check over all tables; Dagster reads the inputs from the signature."""
    others = [t.name for t in TABLES if t.name not in ("measures", "quality_issues")]

    def _check(measures: pd.DataFrame, **tables: pd.DataFrame) -> dg.AssetCheckResult:
        problems = foreign_key_violations({"measures": measures, **tables})
        return dg.AssetCheckResult(passed=not problems, metadata={"problems": dg.MetadataValue.json(problems)})

    _check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=pd.DataFrame) for name in ["measures", *others]],
        return_annotation=dg.AssetCheckResult,
    )
    return dg.asset_check(
        asset="measures",
        name="foreign_keys",
        blocking=True,
        additional_ins={name: dg.AssetIn(name) for name in others},
        description="Every foreign key between the published tables resolves.",
    )(_check)


foreign_keys = _foreign_key_check()


def _domain_check(check_name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset="quality_issues", name=check_name, description=f"Domain check '{check_name}': its findings are rows of quality_issues.")
    def _check(quality_issues: pd.DataFrame) -> dg.AssetCheckResult:
        rows = quality_issues[quality_issues["check"] == check_name]
        counts = {str(k): int(v) for k, v in rows["severity"].value_counts().items()}
        flagged = rows[rows["severity"].isin(["error", "warning"])]
        return dg.AssetCheckResult(
            passed=flagged.empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={**counts, "sample": dg.MetadataValue.json(flagged["message"].head(10).tolist())},
        )

    return _check


domain_checks = [_domain_check(name) for name in (QUARANTINE, *DOCUMENT_CHECKS, *DATASET_CHECKS)]

ALL_CHECKS = [*schema_checks, foreign_keys, *domain_checks]
