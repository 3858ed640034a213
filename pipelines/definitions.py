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


def build_definitions(raw_dir: str = "raw", out_dir: str = "datapackage", store_dir: str = "", workers: int = 1, accept_changes: str = "",
                      executor: dg.ExecutorDefinition | None = None) -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[rebuild_job],
        schedules=[daily_rebuild],
        sensors=[raw_files_changed],
        resources=default_resources(raw_dir, out_dir, store_dir, workers, accept_changes),
        executor=executor,
    )


def run_build(raw_dir: str, out_dir: str, store_dir: str = "", workers: int = 1, instance: dg.DagsterInstance | None = None,
              log_level: str = "INFO", accept_changes: str = "", only_stale: bool = False) -> dg.ExecuteInProcessResult:
    """The rebuild job in this process over every shard (unchanged shards cost a hash per document).

    only_stale: over the range of shards whose documents changed, as the sensor requests it (every shard
    when none did, so that the tables and the package are still checked): the run then records a
    materialisation for the shards that changed only, and Dagster plans and logs fewer of them.
    """
    from pipelines.defs.assets import stale_shards
    from pipelines.defs.resources import ProjectPaths
    from pipelines.defs.schedules import ALL_SHARDS, shard_range_tags

    stale = stale_shards(ProjectPaths(raw_dir=raw_dir, out_dir=out_dir, store_dir=store_dir)) if only_stale else {}
    from pipelines.instances import ephemeral_instance

    job = build_definitions(raw_dir, out_dir, store_dir, workers, accept_changes).resolve_job_def("rebuild_dataset")
    return job.execute_in_process(
        instance=instance or ephemeral_instance(),
        raise_on_error=False,
        tags=shard_range_tags(sorted(stale)) if stale else ALL_SHARDS,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


defs = build_definitions()


def rebuild_job_target() -> dg.JobDefinition:
    """The job as a reconstructable target, for executors that run each step in its own process."""
    return defs.resolve_job_def("rebuild_dataset")


def _paths_config(raw_dir: str, out_dir: str, store_dir: str, workers: int, accept_changes: str) -> dict[str, object]:
    return {"raw_dir": raw_dir, "out_dir": out_dir, "store_dir": store_dir, "workers": workers, "accept_changes": accept_changes}


def run_build_in_processes(raw_dir: str, out_dir: str, store_dir: str = "", workers: int = 1, instance: dg.DagsterInstance | None = None,
                           log_level: str = "INFO", accept_changes: str = "") -> dg.JobExecutionResult:
    """The rebuild job on the multiprocess executor: each step in a process of its own, so a step's memory
    is returned when it ends and the build's peak is the largest step's, not their sum."""
    from pipelines.defs.schedules import ALL_SHARDS

    run_config = {
        "resources": {"paths": {"config": _paths_config(raw_dir, out_dir, store_dir, workers, accept_changes)}},
        "execution": {"config": {"multiprocess": {"max_concurrent": 2}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    if instance is not None:
        return dg.execute_job(dg.reconstructable(rebuild_job_target), instance=instance, run_config=run_config, tags=ALL_SHARDS, raise_on_error=False)
    with tempfile.TemporaryDirectory() as home, dg.DagsterInstance.local_temp(home) as temporary:  # step processes need a persistent instance
        return dg.execute_job(dg.reconstructable(rebuild_job_target), instance=temporary, run_config=run_config, tags=ALL_SHARDS, raise_on_error=False)


def rebuild_job_on_celery_target() -> dg.JobDefinition:
    """The same job with dagster-celery's executor, as the target the workers reconstruct: a worker validates
    the run's config (which carries the executor's broker) against this job, so it must be the celery one."""
    from dagster_celery import celery_executor

    return build_definitions(executor=celery_executor).resolve_job_def("rebuild_dataset")


def celery_workers_answering(broker: str, backend: str, timeout: float = 5.0) -> list[str]:
    """Names of the dagster-celery workers that answer a ping on this broker (empty: none is listening)."""
    from celery import Celery

    # a bare app is enough: a ping goes to every worker on the broker, whatever tasks it serves
    app = Celery("dagster", broker=broker, backend=backend, broker_transport_options={"max_retries": 3})
    try:
        replies = app.control.ping(timeout=timeout)
    finally:
        app.close()
    return sorted(name for reply in replies for name in reply)


def run_build_on_celery(raw_dir: str, out_dir: str, broker: str, instance: dg.DagsterInstance, store_dir: str = "", backend: str = "",
                        workers: int = 1, log_level: str = "INFO", accept_changes: str = "") -> dg.JobExecutionResult:
    """The rebuild job on dagster-celery: each step is a Celery task run by whichever worker takes it.

    The workers (`dagster-celery worker start -A dagster_celery.app -y <yaml with broker and backend>`) must
    see the same Dagster instance (`instance`, where they write the steps' events), the same code, and the
    same raw, store and output directories at the same paths: steps pass nothing but files in the store.
    """
    from pipelines.defs.schedules import ALL_SHARDS

    run_config = {
        "resources": {"paths": {"config": _paths_config(raw_dir, out_dir, store_dir, workers, accept_changes)}},
        "execution": {"config": {"broker": broker, "backend": backend or broker}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    return dg.execute_job(dg.reconstructable(rebuild_job_on_celery_target), instance=instance, run_config=run_config, tags=ALL_SHARDS, raise_on_error=False)
