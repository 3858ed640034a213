"""The asset graph: raw files -> extractions -> tables -> package -> DuckDB.

Assets only load, call the pure library functions and save; the work is in
pipelines.extraction, pipelines.assembly, validation and pipelines.publishing.
"""

import dagster as dg
import pandas as pd

from pipelines.assembly import DIMENSION_TABLES, RECORD_TABLES, dimension_frame, extraction_issues, publishable, table_frame
from pipelines.defs.resources import ProjectPaths
from pipelines.extraction.document import Extraction, extract_document
from pipelines.publishing import build_duckdb, publish
from pipelines.sources import load_raw_documents
from validation.quality import domain_issues
from validation.schemas import to_frame
from validation.tables import QUALITY_ISSUES, TABLES_BY_NAME

GROUP = "yrdpm"
DATA_TABLES = RECORD_TABLES + DIMENSION_TABLES
ALL_TABLES = DATA_TABLES + ("quality_issues",)


@dg.asset(group_name=GROUP, description="Every raw document in raw/ extracted into records (decode, clean, correct, normalise, structure, enrich).")
def extractions(context: dg.AssetExecutionContext, paths: ProjectPaths) -> list[Extraction]:
    raw_documents, problems = load_raw_documents(paths.raw_path)
    results = []
    for raw in raw_documents:
        result = extract_document(raw)
        for problem in problems:
            if problem.path == raw.path:
                result.issue("metadata", "warning", problem.message)
        results.append(result)
        context.log.info(f"{raw.path}: {len(result.sections)} sections, {len(result.measures)} measures, {len(result.targets)} targets")
    for problem in problems:  # problems of files that are not documents (the errata file)
        if problem.path not in {r.path for r in raw_documents}:
            context.log.warning(f"{problem.path}: {problem.message}")
    failed = [r.source_file for r in results if not r.documents]
    context.add_output_metadata({"files": len(results), "failed_files": dg.MetadataValue.json(failed)})
    return results


def _table_asset(name: str) -> dg.AssetsDefinition:
    table = TABLES_BY_NAME[name]
    build = (lambda ex: table_frame(name, ex)) if name in RECORD_TABLES else (lambda ex: dimension_frame(name, ex))

    @dg.asset(name=name, group_name=GROUP, description=table.description, kinds={"pandas"})
    def _asset(context: dg.AssetExecutionContext, extractions: list[Extraction]) -> pd.DataFrame:
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
def quality_issues(context: dg.AssetExecutionContext, extractions: list[Extraction], **tables: pd.DataFrame) -> pd.DataFrame:
    sources = {ex.doc_id: ex.source_text for ex in publishable(extractions) if ex.source_text is not None}
    found = domain_issues(tables, sources)
    frame = to_frame(QUALITY_ISSUES, extraction_issues(extractions) + found.to_dict(orient="records"))
    counts = frame["severity"].value_counts().to_dict()
    context.add_output_metadata({"dagster/row_count": len(frame), **{f"{k}s": int(v) for k, v in counts.items()}})
    return frame


@dg.asset(
    group_name=GROUP,
    description="The published Frictionless data package (Parquet + CSV + datapackage.json + codebook), staged, validated and swapped in atomically.",
    ins={name: dg.AssetIn(name) for name in ALL_TABLES},
)
def datapackage(context: dg.AssetExecutionContext, paths: ProjectPaths, **tables: pd.DataFrame) -> dg.MaterializeResult:
    summary = publish(tables, paths.out_path)
    context.log.info(f"published {sum(summary.counts.values())} rows in {len(summary.counts)} tables to {summary.out_dir}")
    return dg.MaterializeResult(metadata={"path": str(summary.out_dir), **{f"rows_{k}": v for k, v in summary.counts.items()}})


@dg.asset(group_name=GROUP, deps=[datapackage], description="DuckDB database of the published package, with measures_full and full-text search.", kinds={"duckdb"})
def duckdb_database(context: dg.AssetExecutionContext, paths: ProjectPaths) -> dg.MaterializeResult:
    path = build_duckdb(paths.out_path)
    context.log.info(f"built {path}")
    return dg.MaterializeResult(metadata={"path": str(path)})


ALL_ASSETS = [extractions, *table_assets, quality_issues, datapackage, duckdb_database]
