"""The asset graph: raw documents -> document_extractions (per shard) -> tables -> datapackage.

Assets only load, call the pure library functions and save; the work is in
pipelines.store (per-document extraction with its cache), pipelines.combining
(assembly by DuckDB) and pipelines.publishing. Nothing large passes between
steps: each step reads and writes Parquet files in the store, so a step can
run in another process or on another machine that sees the same store.
"""


import datetime
import hashlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dagster as dg

from pipelines.combining import assemble, assembled_documents, assembled_inputs, current_assembly
from pipelines.defs.resources import ProjectPaths
from pipelines.guard import compare, record_acceptance
from pipelines.memory import release_memory
from pipelines.publishing import package_config, package_config_path, publish
from pipelines.sources import SourceFile, load_errata, scan_raw_documents
from pipelines.store import ShardStore, ShardSummary, build_shards, code_fingerprint, document_key, group_by_shard, inputs_fingerprint, shard_keys
from validation.tables import TABLES

GROUP = "yrdpm"
SHARDS = dg.StaticPartitionsDefinition(shard_keys())
TABLE_NAMES = [t.name for t in TABLES]


def _build_one(store_root: str, shard: str, sources: list[SourceFile]) -> ShardSummary:
    """One shard, in whatever process runs it (sources carry paths and hashes, not bytes: each document is read there)."""
    return build_shards(ShardStore(Path(store_root)), {shard: sources}, code_fingerprint())[0]


@dg.asset(
    group_name=GROUP,
    partitions_def=SHARDS,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=4),  # a backfill from the UI: runs of four shards, spread by the run launcher
    code_version=code_fingerprint(),
    kinds={"parquet"},
    description=(
        "Each raw document extracted, validated and checked on its own, stored per shard of documents. "
        "A document whose bytes, metadata, errata and extraction code are unchanged is not extracted again; "
        "a document that fails is quarantined and the others go on."
    ),
)
def document_extractions(context: dg.AssetExecutionContext, paths: ProjectPaths) -> dg.MaterializeResult[None]:
    store = ShardStore(paths.store_path)
    shards = list(context.partition_keys)
    raws, _ = scan_raw_documents(paths.raw_path, paths.max_document_bytes, paths.store_path)
    groups = group_by_shard(raws)
    if paths.workers > 1 and len(shards) > 1:
        with ProcessPoolExecutor(max_workers=paths.workers) as pool:
            summaries = list(pool.map(_build_one, [str(store.root)] * len(shards), shards, [groups[s] for s in shards]))
    else:
        summaries = build_shards(store, {shard: groups[shard] for shard in shards}, code_fingerprint())
    release_memory()
    for summary in summaries:
        if summary.changed:
            context.log.info(f"shard {summary.shard}: {summary.documents} documents, {summary.extracted} extracted, {summary.reused} reused")
        for source_file in summary.quarantined:
            context.log.warning(f"{source_file}: quarantined (see quality_issues)")
    return dg.MaterializeResult(metadata={
        "documents": sum(s.documents for s in summaries),
        "extracted": sum(s.extracted for s in summaries),
        "reused": sum(s.reused for s in summaries),
        "shards_rebuilt": dg.MetadataValue.json([s.shard for s in summaries if s.changed]),
        "quarantined": dg.MetadataValue.json(sorted(f for s in summaries for f in s.quarantined)),
    })


def stale_shards(paths: ProjectPaths, raws: list[SourceFile] | None = None) -> dict[str, set[str]]:
    """Shards whose stored documents are not the raw folder's current ones, with their current keys."""
    if raws is None:
        raws, _ = scan_raw_documents(paths.raw_path, paths.max_document_bytes, paths.store_path)
    store = ShardStore(paths.store_path)
    fingerprint = code_fingerprint()
    stale = {}
    for shard, group in group_by_shard(raws).items():
        keys = {document_key(raw, fingerprint) for raw in group}
        if set(store.manifest(shard) or {}) != keys:
            stale[shard] = keys
    return stale


@dg.multi_asset(
    group_name=GROUP,
    specs=[dg.AssetSpec(t.name, description=t.description, deps=[document_extractions], kinds={"parquet"}) for t in TABLES],
    description="Every published table assembled from the stored shards by DuckDB, a batch at a time.",
)
def tables(context: dg.AssetExecutionContext, paths: ProjectPaths) -> Iterator[dg.MaterializeResult[None]]:
    raws, problems = scan_raw_documents(paths.raw_path, paths.max_document_bytes, paths.store_path)
    stale = stale_shards(paths, raws)
    if stale:  # fail closed: never publish a mix of old and new extractions
        raise dg.Failure(f"shard(s) {', '.join(sorted(stale))} of document_extractions are out of date with raw/: materialize them first (yrdpm build does)")
    errata, _ = load_errata(paths.raw_path)
    store = ShardStore(paths.store_path)
    inputs = inputs_fingerprint(store, [repr(problems), repr(errata)])
    assembly = current_assembly(store, inputs)
    if assembly is None:
        assembly = assemble(store, problems, errata, inputs)
    else:
        context.log.info("no shard, load problem or erratum changed since the tables were assembled: they are reused")
    release_memory()
    for name, count in assembly.counts.items():
        yield dg.MaterializeResult(asset_key=name, metadata={"dagster/row_count": count, "path": str(assembly.path(name))})


@dg.asset(
    group_name=GROUP,
    deps=TABLE_NAMES,
    description="The published Frictionless data package (Parquet + CSV + datapackage.json + codebook) and its DuckDB database, staged, validated and swapped in atomically together.",
)
def datapackage(context: dg.AssetExecutionContext, paths: ProjectPaths) -> dg.MaterializeResult[None]:
    folder = paths.store_path / "tables"
    refusals = compare(paths.out_path / "data", {name: folder / f"{name}.parquet" for name in TABLE_NAMES}, paths.max_shrink).refusals
    if refusals and not paths.accept_changes.strip():  # the blocking guard check stops a run first; this keeps publish() safe alone
        raise dg.Failure("refused to publish: " + "; ".join(refusals) + " (rerun with --accept-changes REASON to accept)")
    changes = paths.releases_path / f"{package_config()['version']}.json"
    extra = {"changes.json": changes} if changes.exists() else {}
    inputs = "|".join([assembled_inputs(folder) or "", *(hashlib.sha256(p.read_bytes()).hexdigest() for p in (package_config_path(), *extra.values()))])
    summary = publish({name: folder / f"{name}.parquet" for name in TABLE_NAMES}, paths.out_path,
                      built_from=inputs, record=paths.store_path / "published.json", extra_files=extra, assembled=assembled_documents(folder))
    release_memory()
    context.log.info(f"published {sum(summary.counts.values())} rows in {len(summary.counts)} tables to {summary.out_dir}")
    if refusals:
        record_acceptance(paths.changelog_path, paths.accept_changes.strip(), refusals, datetime.date.today().isoformat())
    return dg.MaterializeResult(metadata={"path": str(summary.out_dir), **{f"rows_{k}": v for k, v in summary.counts.items()}})


ALL_ASSETS = [document_extractions, tables, datapackage]
