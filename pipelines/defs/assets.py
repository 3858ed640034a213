"""The asset graph: raw files -> extractions -> tables -> package -> DuckDB.

Assets only load, call the pure library functions and save; the work is in
pipelines.extraction, pipelines.assembly, validation and pipelines.publishing.
"""

import dagster as dg
import pandas as pd

from pipelines.assembly import (
    DIMENSION_TABLES,
    RECORD_TABLES,
    DocumentResult,
    dimension_frame,
    document_level_issues,
    problem_result,
    process_document,
    table_frame,
    unused_errata,
)
from pipelines.defs.resources import ProjectPaths
from pipelines.publishing import publish
from pipelines.sources import load_errata, load_raw_documents
from validation.quality import dataset_issues
from validation.schemas import to_frame
from validation.tables import QUALITY_ISSUES, TABLES_BY_NAME

GROUP = "yrdpm"
DATA_TABLES = RECORD_TABLES + DIMENSION_TABLES
ALL_TABLES = DATA_TABLES + ("quality_issues",)


@dg.asset(group_name=GROUP, description="Every raw document in raw/ processed on its own: extracted, validated against the table schemas and checked; a document that fails is quarantined.")
def extractions(context: dg.AssetExecutionContext, paths: ProjectPaths) -> list[DocumentResult]:
    raw_documents, problems = load_raw_documents(paths.raw_path, paths.max_document_bytes)
    results = [problem_result(problem) for problem in problems]
    for raw in raw_documents:
        result = process_document(raw)
        results.append(result)
        if result.quarantined:
            context.log.warning(next(i["message"] for i in result.issues if i["check"] == "quarantine"))
        elif result.published:
            counts = {name: len(result.frames[name]) for name in ("sections", "measures", "targets")}
            context.log.info(f"{raw.path}: {counts['sections']} sections, {counts['measures']} measures, {counts['targets']} targets")
    for problem in problems:
        context.log.warning(f"{problem.path}: {problem.message}")
    stale = unused_errata(load_errata(paths.raw_path)[0], results)
    if stale is not None:
        results.append(stale)
    context.add_output_metadata({
        "files": len(results),
        "published": sum(r.published for r in results),
        "quarantined": dg.MetadataValue.json([r.source_file for r in results if r.quarantined]),
        "unreadable": dg.MetadataValue.json([r.source_file for r in results if not r.published and not r.quarantined]),
    })
    return results


def _table_asset(name: str) -> dg.AssetsDefinition:
    table = TABLES_BY_NAME[name]

    def build(results: list[DocumentResult]) -> pd.DataFrame:
        return table_frame(name, results) if name in RECORD_TABLES else dimension_frame(name, results)

    @dg.asset(name=name, group_name=GROUP, description=table.description, kinds={"pandas"})
    def _asset(context: dg.AssetExecutionContext, extractions: list[DocumentResult]) -> pd.DataFrame:
        frame = build(extractions)
        context.add_output_metadata({"dagster/row_count": len(frame)})
        return frame

    return _asset


table_assets = [_table_asset(name) for name in DATA_TABLES]


@dg.asset(
    group_name=GROUP,
    description=QUALITY_ISSUES.description,
    kinds={"pandas"},
    ins={"extractions": dg.AssetIn("extractions"), **{name: dg.AssetIn(name) for name in DATA_TABLES}},
)
def quality_issues(context: dg.AssetExecutionContext, extractions: list[DocumentResult], **tables: pd.DataFrame) -> pd.DataFrame:
    found = dataset_issues(tables)
    frame = to_frame(QUALITY_ISSUES, document_level_issues(extractions) + found.to_dict(orient="records"))
    counts = frame["severity"].value_counts().to_dict()
    context.add_output_metadata({"dagster/row_count": len(frame), **{f"{k}s": int(v) for k, v in counts.items()}})
    return frame


@dg.asset(
    group_name=GROUP,
    description="The published Frictionless data package (Parquet + CSV + datapackage.json + codebook) and its DuckDB database, staged, validated and swapped in atomically together.",
    ins={name: dg.AssetIn(name) for name in ALL_TABLES},
)
def datapackage(context: dg.AssetExecutionContext, paths: ProjectPaths, **tables: pd.DataFrame) -> dg.MaterializeResult[None]:
    summary = publish(tables, paths.out_path)
    context.log.info(f"published {sum(summary.counts.values())} rows in {len(summary.counts)} tables to {summary.out_dir}")
    return dg.MaterializeResult(metadata={"path": str(summary.out_dir), **{f"rows_{k}": v for k, v in summary.counts.items()}})


ALL_ASSETS = [extractions, *table_assets, quality_issues, datapackage]
