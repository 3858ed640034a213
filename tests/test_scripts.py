"""The measuring scripts behind `make bench` and `make bench-memory` still run against the code they measure."""

import json
import os
import shutil
import subprocess
import sys

from conftest import RAW, REPO


def test_memprofile_reports_the_peak_of_each_phase_of_a_build(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    env = {name: value for name, value in os.environ.items() if name != "DAGSTER_HOME"}
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "memprofile.py"), "build", "--raw-dir", str(raw), "--out-dir", str(tmp_path / "datapackage")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MEMPROFILE "))[len("MEMPROFILE "):])
    phases = {name.rsplit("/", 1)[-1] for name in report["phases"]}
    assert {"scan", "shards", "assemble", "publish", "duckdb"} <= phases
    assert 50 < report["ru_maxrss_mib"] < 2000
