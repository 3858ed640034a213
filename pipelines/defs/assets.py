"""The asset graph: raw files -> extractions -> tables -> package -> DuckDB.

Assets only load, call the pure library functions and save; the work is in
pipelines.extraction, pipelines.assembly, validation and pipelines.publishing.
"""


import dagster as dg
import pandas as pd

from pipelines.assembly import RECORD_TABLES, extraction_issues, publishable, table_frame
from pipelines.defs.resources import ProjectPaths
from pipelines.extraction.document import Extraction, extract_document
from pipelines.publishing import build_duckdb, publish
from pipelines.sources import load_raw_documents
from validation.quality import domain_issues
from validation.schemas import to_frame
from validation.tables import QUALITY_ISSUES, TABLES_BY_NAME

GROUP = "yrdpm"


@dg.asset(group_name=GROUP, description="Every raw document in raw/ extracted into records (decode, clean, normalise, structure).")
def extractions(context: dg.AssetExecutionContext, paths: ProjectPaths) -> list[Extraction]:
    raw_documents, problems = load_raw_documents(paths.raw_path)
    results = []
    for raw in raw_documents:
        result = extract_document(raw)
        for problem in problems:
            if problem.path == raw.path:
                result.issue("metadata", "warning", problem.message)
        results.append(result)
        context.log.info(f"{raw.path}: {len(result.sections)} sections, {len(result.measures)} measures")
    failed = [r.source_file for r in results if not r.documents]
    context.add_output_metadata({"files": len(results), "failed_files": dg.MetadataValue.json(failed)})
    return results


def _table_asset(name: str) -> dg.AssetsDefinition:
    table = TABLES_BY_NAME[name]

    @dg.asset(name=name, group_name=GROUP, description=table.description, kinds={"pandas"})
    def _asset(context: dg.AssetExecutionContext, extractions: list[Extraction]) -> pd.DataFrame:
        frame = table_frame(name, extractions)
        context.add_output_metadata({"dagster/row_count": len(frame)})
        return frame

    return _asset


table_assets = [_table_asset(name) for name in RECORD_TABLES]


@dg.asset(group_name=GROUP, description=QUALITY_ISSUES.description, kinds={"pandas"})
def quality_issues(
    context: dg.AssetExecutionContext,
    extractions: list[Extraction],
    documents: pd.DataFrame,
    document_parts: pd.DataFrame,
    sections: pd.DataFrame,
    measures: pd.DataFrame,
    noise: pd.DataFrame,
) -> pd.DataFrame:
    frames = {"documents": documents, "document_parts": document_parts, "sections": sections, "measures": measures, "noise": noise}
    sources = {ex.doc_id: ex.source_text for ex in publishable(extractions) if ex.source_text is not None}
    found = domain_issues(frames, sources)
    frame = to_frame(QUALITY_ISSUES, extraction_issues(extractions) + found.to_dict(orient="records"))
    counts = frame["severity"].value_counts().to_dict()
    context.add_output_metadata({"dagster/row_count": len(frame), **{f"{k}s": int(v) for k, v in counts.items()}})
    return frame


@dg.asset(
    group_name=GROUP,
    description="The published Frictionless data package (Parquet + CSV + datapackage.json + codebook), staged, validated and swapped in atomically.",
)
def datapackage(
    context: dg.AssetExecutionContext,
    paths: ProjectPaths,
    documents: pd.DataFrame,
    document_parts: pd.DataFrame,
    sections: pd.DataFrame,
    measures: pd.DataFrame,
    noise: pd.DataFrame,
    quality_issues: pd.DataFrame,
) -> dg.MaterializeResult:
    frames = {
        "documents": documents, "document_parts": document_parts, "sections": sections,
        "measures": measures, "noise": noise, "quality_issues": quality_issues,
    }
    summary = publish(frames, paths.out_path)
    return dg.MaterializeResult(metadata={"path": str(summary.out_dir), **{f"rows_{k}": v for k, v in summary.counts.items()}})


@dg.asset(group_name=GROUP, deps=[datapackage], description="DuckDB database of the published package, with measures_full and full-text search.", kinds={"duckdb"})
def duckdb_database(paths: ProjectPaths) -> dg.MaterializeResult:
    path = build_duckdb(paths.out_path)
    return dg.MaterializeResult(metadata={"path": str(path)})


ALL_ASSETS = [extractions, *table_assets, quality_issues, datapackage, duckdb_database]
