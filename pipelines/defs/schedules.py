"""The rebuild job, its daily schedule, and a sensor on raw/ that requests runs for the shards that changed."""


import hashlib
import json

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.defs.assets import stale_shards
from pipelines.defs.resources import ProjectPaths
from pipelines.store import shard_keys

rebuild_job = dg.define_asset_job("rebuild_dataset", selection=dg.AssetSelection.all(), description="Extract what changed, assemble the tables and publish the package.")


def shard_range_tags(shards: list[str]) -> dict[str, str]:
    """One run over the shards from the first to the last given; the unchanged ones in between cost a hash each."""
    return {ASSET_PARTITION_RANGE_START_TAG: min(shards), ASSET_PARTITION_RANGE_END_TAG: max(shards)}


ALL_SHARDS = shard_range_tags(shard_keys())


@dg.schedule(job=rebuild_job, cron_schedule="0 3 * * *", execution_timezone="Asia/Shanghai", description="A full rebuild every night: every shard is checked, only changed documents are extracted.")
def daily_rebuild(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(tags=ALL_SHARDS)


@dg.sensor(job=rebuild_job, minimum_interval_seconds=60, description="Requests a run for the shards of raw/ whose documents were added, changed or removed.")
def raw_files_changed(context: dg.SensorEvaluationContext, paths: ProjectPaths) -> dg.SensorResult | dg.SkipReason:
    stale = stale_shards(paths)
    if not stale:
        return dg.SkipReason("every shard is up to date with raw/")
    state = hashlib.sha256(json.dumps({shard: sorted(keys) for shard, keys in sorted(stale.items())}).encode()).hexdigest()
    if state == context.cursor:
        return dg.SkipReason("a run for these changes was already requested")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=state, tags=shard_range_tags(sorted(stale)))], cursor=state)
