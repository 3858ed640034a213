"""A build killed at any moment, stopped by a full disk, or racing another build leaves the
previous publication complete and valid, package and database together."""

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from click.testing import CliRunner
from conftest import RAW

from pipelines.cli import main
from pipelines.publishing import publication_lock
from pipelines.validating import validate_package

# Points of a build's run time at which it is killed; YRDPM_KILL_POINTS=N tries N evenly spread points.
KILL_FRACTIONS = tuple((i + 0.5) / n for n in [int(os.environ.get("YRDPM_KILL_POINTS", 0))] if n for i in range(n)) or (0.2, 0.5, 0.75, 0.88, 0.97)


def _snapshot(out):
    """The package's files by content; the database is checked by querying it (its bytes vary run to run)."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.suffix != ".duckdb" else "db"
            for p in sorted(out.rglob("*")) if p.is_file()}


def _assert_complete(out, before):
    assert validate_package(out) == []
    with duckdb.connect(str(out / "yrdpm.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM measures").fetchone()[0] == 196
    assert _snapshot(out) == before  # the same inputs: the old publication and a new whole one are identical


def _build_command(raw, out, fresh_store=False):
    """The build; with fresh_store it keeps no results from earlier builds, so it extracts and publishes
    everything (a build with a warm store and unchanged inputs writes nothing)."""
    command = [sys.executable, "-m", "pipelines.cli", "build", "--raw-dir", str(raw), "--out-dir", str(out)]
    if fresh_store:
        command += ["--store-dir", str(out.parent / f"store-{time.monotonic_ns()}")]
    return command


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    raw, out = root / "raw", root / "pkg"
    shutil.copytree(RAW, raw)
    started = time.monotonic()
    subprocess.run(_build_command(raw, out), check=True, capture_output=True)
    return raw, out, time.monotonic() - started


def test_a_kill_at_any_moment_leaves_the_previous_publication_whole(published):
    raw, out, seconds = published
    before = _snapshot(out)
    for fraction in KILL_FRACTIONS:
        process = subprocess.Popen(_build_command(raw, out, fresh_store=True), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(seconds * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _assert_complete(out, before)
    # The next build cleans what the killed ones left and publishes.
    subprocess.run(_build_command(raw, out, fresh_store=True), check=True, capture_output=True)
    _assert_complete(out, before)
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith((".staging-", ".old-"))]


def test_a_full_disk_leaves_the_previous_publication_whole(published):
    raw, out, _ = published
    before = _snapshot(out)

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))  # as if the disk filled up

    result = subprocess.run(_build_command(raw, out, fresh_store=True), capture_output=True, preexec_fn=small_files)
    assert result.returncode != 0
    _assert_complete(out, before)


def test_a_second_build_while_one_publishes_is_told_so(published):
    raw, out, _ = published
    before = _snapshot(out)
    with publication_lock(out.resolve()):
        result = CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--out-dir", str(out)])
    assert result.exit_code != 0
    assert "another build is publishing to" in result.output
    _assert_complete(out, before)
