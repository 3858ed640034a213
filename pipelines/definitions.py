"""The Dagster code location: `dagster dev -m pipelines.definitions`.

`build_definitions` is also what `yrdpm build` runs, so the command line,
the UI, the schedule and the sensor all execute the same asset graph.
"""

import dagster as dg

from pipelines.defs.assets import ALL_ASSETS
from pipelines.defs.checks import ALL_CHECKS
from pipelines.defs.resources import default_resources
from pipelines.defs.schedules import daily_rebuild, raw_files_changed, rebuild_job


def build_definitions(raw_dir: str = "raw", out_dir: str = "datapackage") -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        asset_checks=ALL_CHECKS,
        jobs=[rebuild_job],
        schedules=[daily_rebuild],
        sensors=[raw_files_changed],
        resources=default_resources(raw_dir, out_dir),
    )


defs = build_definitions()
