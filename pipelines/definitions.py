"""The Dagster code location: `dagster dev -m pipelines.definitions`.

`build_definitions` is also what `yrdpm build` runs, so the command line,
the UI, the schedule and the sensor all execute the same asset graph.
"""

import tempfile

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


def rebuild_job_target() -> dg.JobDefinition:
    """The job as a reconstructable target, for executors that run each step in its own process."""
    return defs.resolve_job_def("rebuild_dataset")


def run_build_in_processes(raw_dir: str, out_dir: str, store_dir: str = "", workers: int = 1, instance: dg.DagsterInstance | None = None,
                           log_level: str = "INFO", accept_changes: str = "") -> dg.JobExecutionResult:
    """The rebuild job on the multiprocess executor: each step in a process of its own, so a step's memory
    is returned when it ends and the build's peak is the largest step's, not their sum."""
    from pipelines.defs.schedules import ALL_SHARDS

    paths = {"raw_dir": raw_dir, "out_dir": out_dir, "store_dir": store_dir, "workers": workers, "accept_changes": accept_changes}
    run_config = {
        "resources": {"paths": {"config": paths}},
        "execution": {"config": {"multiprocess": {"max_concurrent": 2}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    if instance is not None:
        return dg.execute_job(dg.reconstructable(rebuild_job_target), instance=instance, run_config=run_config, tags=ALL_SHARDS, raise_on_error=False)
    with tempfile.TemporaryDirectory() as home, dg.DagsterInstance.local_temp(home) as temporary:  # step processes need a persistent instance
        return dg.execute_job(dg.reconstructable(rebuild_job_target), instance=temporary, run_config=run_config, tags=ALL_SHARDS, raise_on_error=False)
