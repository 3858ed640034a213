"""`yrdpm build --executor celery`: the job's steps as Celery tasks for two dagster-celery workers on a
local Redis, with the store as the storage every worker shares.

What proves distribution: each worker records the steps it ran in the shared Dagster instance (an engine
event "Executing steps ... in celery worker" with the worker's name, written by the worker itself), and
each worker's own log counts the tasks it finished. After `tables`, the three asset-check steps are queued
at once; a worker of concurrency 1 and prefetch multiplier 1 holds at most one task running and one
reserved, so the other worker gets at least one of them, and the test fails if one worker did all the
work. Everything runs on 127.0.0.1, in temporary directories, with bounded waits.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RAW

from pipelines.definitions import celery_workers_answering, run_build

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (`make system-packages` installs it from Debian)")

BIN = Path(sys.executable).parent  # the venv's scripts: celery, yrdpm
WORKERS = ("w1", "w2")
BUILD_SECONDS = 300


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a celery worker's warm shutdown: it ends its pool process), then SIGKILL after a bounded wait."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import redis

    folder = tmp_path_factory.mktemp("redis")
    for _ in range(3):  # the free port may be taken between probing and binding: try another
        port = _free_port()
        server = subprocess.Popen([str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while server.poll() is None and time.monotonic() < deadline:
            try:
                if redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.1)
        else:
            _stop(server)
            continue
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            _stop(server)
        return
    pytest.fail("redis-server did not start on a free loopback port")


@pytest.fixture(scope="module")
def celery_workers(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Path]]]:
    """Two workers of concurrency 1 sharing a Dagster instance (DAGSTER_HOME) with the test.

    Each is started as the command `dagster-celery worker start -A dagster_celery.app -y <yaml> -n NAME` runs,
    with the config module it would write (dagster_celery.make_app imports `dagster_celery_config`): that
    wrapper does not pass SIGTERM on, so its celery would outlive it; this way each worker is one process
    the test stops and waits for."""
    folder = tmp_path_factory.mktemp("celery")
    home = folder / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    config = folder / "config"
    config.mkdir()
    (config / "dagster_celery_config.py").write_text(f"broker_url = {redis_url!r}\nresult_backend = {redis_url!r}\n", encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": os.pathsep.join(filter(None, [str(config), os.environ.get("PYTHONPATH")]))}
    logs = {name: folder / f"{name}.log" for name in WORKERS}
    processes = []
    try:
        for name in WORKERS:
            with open(folder / f"{name}.out", "wb") as out:
                processes.append(subprocess.Popen(
                    [str(BIN / "celery"), "-A", "dagster_celery.app", "worker", "--prefetch-multiplier=1", "--concurrency=1", "--loglevel=INFO",
                     "-n", f"{name}@%h", f"--logfile={logs[name]}", "--without-gossip", "--include=pipelines.definitions"],
                    cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        answering: list[str] = []
        while time.monotonic() < deadline:
            for name, process in zip(WORKERS, processes):
                if process.poll() is not None:
                    pytest.fail(f"worker {name} exited: {(folder / f'{name}.out').read_text(encoding='utf-8', errors='replace')[-3000:]}")
            answering = celery_workers_answering(redis_url, redis_url, timeout=1.0)
            if sorted(n.split("@")[0] for n in answering) == list(WORKERS):
                break
        else:
            pytest.fail(f"only {answering} of the workers {WORKERS} answered within 120 s")
        yield home, logs
    finally:
        for process in processes:
            _stop(process)


def _package_files(folder: Path) -> dict[str, bytes]:
    """Every published file but the DuckDB database, whose bytes are not reproducible (as tests/test_incremental.py)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".duckdb"}


def _steps_by_worker(home: Path) -> tuple[dict[str, str], set[str]]:
    """From the shared instance: which worker ran each step (as the worker recorded it), and the steps that succeeded."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1
        records = instance.all_logs(runs[0].run_id)
    ran_on: dict[str, str] = {}
    succeeded: set[str] = set()
    for record in records:
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            succeeded.add(event.step_key)
        metadata = getattr(event.event_specific_data, "metadata", None) or {}
        if event.event_type == dg.DagsterEventType.ENGINE_EVENT and "Celery worker" in metadata:
            ran_on[event.step_key] = str(metadata["Celery worker"].value)
    return ran_on, succeeded


def test_the_celery_executor_spreads_the_steps_over_two_workers_and_gives_the_same_package(celery_workers, redis_url, tmp_path):
    home, logs = celery_workers
    raw, store, out = tmp_path / "raw", tmp_path / "shared-store", tmp_path / "celery" / "datapackage"
    shutil.copytree(RAW, raw)
    env = {**os.environ, "DAGSTER_HOME": str(home), "YRDPM_CELERY_BROKER": redis_url}
    started = time.monotonic()
    build = subprocess.run([str(BIN / "yrdpm"), "build", "--executor", "celery", "--raw-dir", str(raw), "--store-dir", str(store), "--out-dir", str(out)],
                           env=env, capture_output=True, text=True, timeout=BUILD_SECONDS)
    assert build.returncode == 0, build.stderr[-5000:]
    assert "Published 5 documents" in build.stdout + build.stderr
    elapsed = time.monotonic() - started

    in_process = tmp_path / "in-process" / "datapackage"
    assert run_build(str(raw), str(in_process), log_level="ERROR").success
    celery_files = _package_files(out)
    assert "datapackage.json" in celery_files and any(name.startswith("data/") for name in celery_files)
    assert celery_files == _package_files(in_process)
    assert any((store / "tables").glob("*.parquet"))  # the workers' results went to the shared store given

    ran_on, succeeded = _steps_by_worker(home)
    assert {"document_extractions", "tables", "table_checks", "domain_checks", "publication_guard", "datapackage"} <= succeeded
    assert set(ran_on) == succeeded, f"steps not run by a celery worker: {succeeded - set(ran_on)}"
    workers = {step: name.split("@")[0] for step, name in ran_on.items()}
    assert set(workers.values()) == set(WORKERS), f"one worker did all the work: {workers} ({elapsed:.0f} s)"
    # the workers' own logs agree: each finished as many tasks as the instance says it ran steps
    for name, log in logs.items():
        finished = re.findall(r"Task execute_plan\[[0-9a-f-]+\] succeeded", log.read_text(encoding="utf-8", errors="replace"))
        assert len(finished) == sum(1 for worker in workers.values() if worker == name), (name, workers)


def test_without_a_worker_on_the_broker_the_build_stops_at_once(redis_url, tmp_path):
    """Database 1 of the same Redis: no worker listens there, and the run would otherwise wait for ever."""
    raw, out, home = tmp_path / "raw", tmp_path / "datapackage", tmp_path / "dagster-home"
    shutil.copytree(RAW, raw)
    home.mkdir()
    lonely = redis_url.rsplit("/", 1)[0] + "/1"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    build = subprocess.run([str(BIN / "yrdpm"), "build", "--executor", "celery", "--broker", lonely, "--raw-dir", str(raw), "--out-dir", str(out)],
                           env=env, capture_output=True, text=True, timeout=120)
    assert build.returncode != 0
    assert "no dagster-celery worker answered" in build.stderr
    assert not out.exists()
