"""The Dagster code location: `dagster dev -m pipelines.definitions`.

`build_definitions` is also what `yrdpm build` runs, so the command line,
the UI, the schedule and the sensor all execute the same asset graph.
"""

import dagster as dg

from pipelines.defs.assets import ALL_ASSETS
from pipelines.defs.checks import ALL_CHECKS
from pipelines.defs.resources import default_resources
from pipelines.defs.schedules import daily_rebuild, raw_files_changed, rebuild_job


def build_definitions(raw_dir: str = "raw", out_dir: str = "datapackage", store_dir: str = "", workers: int = 1, accept_changes: str = "") -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[rebuild_job],
        schedules=[daily_rebuild],
        sensors=[raw_files_changed],
        resources=default_resources(raw_dir, out_dir, store_dir, workers, accept_changes),
    )


def run_build(raw_dir: str, out_dir: str, store_dir: str = "", workers: int = 1, instance: dg.DagsterInstance | None = None,
              log_level: str = "INFO", accept_changes: str = "") -> dg.ExecuteInProcessResult:
    """The rebuild job in this process over every shard (unchanged shards cost a hash per document)."""
    from pipelines.defs.schedules import ALL_SHARDS

    job = build_definitions(raw_dir, out_dir, store_dir, workers, accept_changes).resolve_job_def("rebuild_dataset")
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=ALL_SHARDS,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


defs = build_definitions()
