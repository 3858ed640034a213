"""Asset checks: blocking schema checks per table, and the domain checks.

A failing blocking check stops the run before `datapackage`, so an invalid
table is never published. Domain checks warn and are reported from
quality_issues, where their findings are kept.
"""


import dagster as dg
import pandas as pd
from pandera.errors import SchemaErrors

from validation.quality import DOMAIN_CHECKS
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


@dg.asset_check(
    asset="measures",
    blocking=True,
    additional_ins={name: dg.AssetIn(name) for name in ("documents", "document_parts", "sections", "noise")},
    description="Every foreign key resolves (measures, sections, parts and noise to documents and sections).",
)
def foreign_keys(
    measures: pd.DataFrame, documents: pd.DataFrame, document_parts: pd.DataFrame, sections: pd.DataFrame, noise: pd.DataFrame
) -> dg.AssetCheckResult:
    problems = foreign_key_violations(
        {"measures": measures, "documents": documents, "document_parts": document_parts, "sections": sections, "noise": noise}
    )
    return dg.AssetCheckResult(passed=not problems, metadata={"problems": dg.MetadataValue.json(problems)})


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


domain_checks = [_domain_check(name) for name in DOMAIN_CHECKS]

ALL_CHECKS = [*schema_checks, foreign_keys, *domain_checks]
