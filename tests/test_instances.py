"""The in-memory instance of CLI builds records a run as Dagster's own ephemeral instance does."""

import shutil
from collections import Counter

import dagster as dg
from conftest import RAW

from pipelines.definitions import run_build
from pipelines.instances import ephemeral_instance


def _recorded(instance: dg.DagsterInstance, run_id: str) -> tuple[Counter[str], set[str], set[str]]:
    """Event types stored, assets with a materialisation, and run statuses, as the instance answers them."""
    events = Counter(e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event is not None)
    keys = {k.to_user_string() for k in instance.get_asset_keys() if instance.get_latest_materialization_event(k) is not None}
    statuses = {r.status.value for r in instance.get_runs()}
    return events, keys, statuses


def test_a_build_records_the_same_run_as_on_dagsters_ephemeral_instance(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    recorded = []
    for name, instance in (("stock", dg.DagsterInstance.ephemeral()), ("held", ephemeral_instance())):
        result = run_build(str(raw), str(tmp_path / name / "datapackage"), instance=instance, log_level="ERROR")
        assert result.success
        recorded.append(_recorded(instance, result.run_id))
    assert recorded[0] == recorded[1]
    events, keys, statuses = recorded[1]
    assert events["ASSET_MATERIALIZATION"] >= 14 and events["ASSET_CHECK_EVALUATION"] >= 20
    assert "datapackage" in keys and statuses == {"SUCCESS"}


def test_a_second_build_reads_back_the_first_and_wipe_empties_the_instance(tmp_path):
    """Rebuilds on one instance (as yrdpm watch makes them) see the earlier run's records; wipe drops them."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    instance = ephemeral_instance()
    out = tmp_path / "datapackage"
    first = run_build(str(raw), str(out), instance=instance, log_level="ERROR", only_stale=True)
    second = run_build(str(raw), str(out), instance=instance, log_level="ERROR", only_stale=True)
    assert first.success and second.success
    assert {r.run_id for r in instance.get_runs()} == {first.run_id, second.run_id}
    assert len(instance.all_logs(first.run_id)) > 0
    instance.wipe()
    assert instance.get_runs() == [] and instance.all_logs(first.run_id) == []
