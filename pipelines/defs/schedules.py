"""The rebuild job, its daily schedule, and a sensor on raw/."""


import hashlib

import dagster as dg

from pipelines.defs.resources import ProjectPaths

rebuild_job = dg.define_asset_job("rebuild_dataset", selection=dg.AssetSelection.all(), description="Rebuild and publish the whole dataset.")

daily_rebuild = dg.ScheduleDefinition(name="daily_rebuild", job=rebuild_job, cron_schedule="0 3 * * *", execution_timezone="Asia/Shanghai")


def raw_fingerprint(paths: ProjectPaths) -> str:
    """sha256 over every file's name and content in raw/ (metadata included)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in paths.raw_path.rglob("*") if p.is_file()):
        digest.update(path.relative_to(paths.raw_path).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dg.sensor(job=rebuild_job, minimum_interval_seconds=60, description="Requests a rebuild when a file in raw/ is added, changed or removed.")
def raw_files_changed(context: dg.SensorEvaluationContext, paths: ProjectPaths) -> dg.SensorResult | dg.SkipReason:
    fingerprint = raw_fingerprint(paths)
    if fingerprint == context.cursor:
        return dg.SkipReason("raw/ unchanged")
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)
