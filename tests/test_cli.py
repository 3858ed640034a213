"""`yrdpm` through click's runner, and the README's examples."""

import json
import re
import shlex
from pathlib import Path

from click.testing import CliRunner
from conftest import REPO

from pipelines.cli import main


def test_build_sql_and_validate(tmp_path):
    runner = CliRunner()
    out = tmp_path / "pkg"
    result = runner.invoke(main, ["build", "--raw-dir", str(REPO / "raw"), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "Published 5 documents, 80 sections, 196 measures" in result.output

    result = runner.invoke(main, ["sql", "SELECT count(*) AS n FROM measures", "--out-dir", str(out), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output) == [{"n": 196}]

    result = runner.invoke(main, ["sql", "SELECT doc_id, n_measures FROM documents ORDER BY doc_id", "--out-dir", str(out), "--format", "csv"])
    assert result.output.splitlines()[0] == "doc_id,n_measures" and len(result.output.splitlines()) == 6

    result = runner.invoke(main, ["sql", "SELECT title FROM measures WHERE label = '一、'", "--out-dir", str(out)])
    assert "推进重大改革系统集成和改革试点经验共享共用" in result.output and "(1 row)" in result.output

    result = runner.invoke(main, ["sql", "DELETE FROM measures", "--out-dir", str(out)])
    assert result.exit_code != 0 and "read-only" in result.output.lower()

    result = runner.invoke(main, ["validate", str(out)])
    assert result.exit_code == 0 and "valid" in result.output


def test_validate_reports_a_tampered_package(fresh_build, tmp_path):
    import shutil

    out, _ = fresh_build
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    csv = copy / "data" / "measures.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "garbage\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(copy)])
    assert result.exit_code == 1 and "INVALID" in result.output


def test_readme_examples_run(fresh_build, monkeypatch):
    out, _ = fresh_build
    monkeypatch.chdir(out.parent)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^\.venv/bin/yrdpm (.+)$", readme, flags=re.M)
    assert len(commands) >= 4
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command))
        assert result.exit_code == 0, (command, result.output)
        assert result.output.strip()
    sql_blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    import duckdb

    for block in sql_blocks:
        assert duckdb.sql(block).fetchall()


def test_the_celery_executor_needs_a_broker_and_a_shared_instance(tmp_path, monkeypatch):
    """Refused before anything runs: without a broker or DAGSTER_HOME the workers could not take the steps."""
    out = tmp_path / "pkg"
    args = ["build", "--executor", "celery", "--raw-dir", str(REPO / "raw"), "--out-dir", str(out)]
    monkeypatch.delenv("YRDPM_CELERY_BROKER", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and "needs --broker" in result.output
    monkeypatch.delenv("DAGSTER_HOME")
    result = CliRunner().invoke(main, [*args, "--broker", "redis://127.0.0.1:9/0"])
    assert result.exit_code != 0 and "needs DAGSTER_HOME" in result.output
    assert not out.exists()


def test_the_console_script_keeps_exit_codes_and_output(fresh_build, tmp_path):
    """`yrdpm` exits without the interpreter's teardown: the exit code and everything printed still arrive."""
    import subprocess
    import sys

    out, _ = fresh_build  # a clean clone has no DuckDB file (not committed): query a build of this run
    yrdpm = str(Path(sys.executable).with_name("yrdpm"))
    done = subprocess.run([yrdpm, "sql", "SELECT 40 + 2 AS answer", "--out-dir", str(out)], capture_output=True, text=True)
    assert done.returncode == 0 and "42" in done.stdout, done
    refused = subprocess.run([yrdpm, "build", "--raw-dir", str(tmp_path / "missing"), "--out-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert refused.returncode == 1 and "raw directory not found" in refused.stderr, refused
    assert not (tmp_path / "out").exists()
