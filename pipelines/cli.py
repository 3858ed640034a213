"""`yrdpm`: build the dataset, query it, validate a published package."""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click


@click.group()
def main() -> None:
    """Yangtze River Delta integration policy measures."""


def run() -> None:
    """The `yrdpm` console script: main, then an exit that skips the interpreter's teardown.

    Tearing down the modules a build imports (Dagster, pandas, pandera) takes
    about a second after the work is done; every file is closed by then, and
    the exit handlers still run.
    """
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):  # as Python does for sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


@main.command()
@click.option("--raw-dir", default="raw", show_default=True, help="Directory of raw documents and their .meta.yaml files.")
@click.option("--out-dir", default="datapackage", show_default=True, help="Where the data package is published.")
@click.option("--store-dir", default="", help="Where per-document results are kept between builds (default: .<out-dir>.store beside the output).")
@click.option("--workers", default=1, show_default=True, help="Processes extracting shards side by side.")
@click.option("--accept-changes", "accept_changes", default="", metavar="REASON",
              help="Publish even if a document disappears, an unchanged document changes records or a table shrinks; REASON goes into CHANGELOG.md.")
@click.option("--executor", type=click.Choice(["in-process", "multiprocess", "celery"]), default="in-process", show_default=True,
              help="multiprocess: each step in a process of its own (slower to start; a large build's peak memory is its largest step's). "
                   "celery: each step a task for the dagster-celery workers listening on --broker (needs DAGSTER_HOME, shared with them).")
@click.option("--broker", default="", envvar="YRDPM_CELERY_BROKER", metavar="URL", help="With --executor celery: the Celery broker, e.g. redis://127.0.0.1:6379/0.")
@click.option("--backend", default="", envvar="YRDPM_CELERY_BACKEND", metavar="URL", help="With --executor celery: the Celery result backend (default: the broker).")
def build(raw_dir: str, out_dir: str, store_dir: str, workers: int, accept_changes: str, executor: str, broker: str, backend: str) -> None:
    """Materialise the Dagster asset graph in process and publish the package.

    Only documents whose bytes, metadata, errata or extraction code changed
    since the last build are extracted again. Exits non-zero when a blocking
    check fails; the previous publication in OUT_DIR is then left untouched.
    With DAGSTER_HOME set (as `make build` and `make dev` do) the run is
    recorded in that instance, so the UI shows it.
    """
    from pipelines.memory import configure_process

    configure_process()

    from pipelines.definitions import celery_workers_answering

    raw_path, out_path = Path(raw_dir).resolve(), Path(out_dir).resolve()
    if not raw_path.is_dir():
        raise click.ClickException(f"raw directory not found: {raw_dir}")
    if out_path.exists() and not out_path.is_dir():
        raise click.ClickException(f"{out_dir} is a file, not a directory: choose another --out-dir or remove the file (nothing was changed)")
    store_path = str(Path(store_dir).resolve()) if store_dir else ""
    if executor == "celery":
        if not broker:
            raise click.ClickException("--executor celery needs --broker URL (or YRDPM_CELERY_BROKER): the broker the workers listen on")
        if not os.environ.get("DAGSTER_HOME"):
            raise click.ClickException("--executor celery needs DAGSTER_HOME: the Dagster instance the workers write the steps' events to")
        try:
            answering = celery_workers_answering(broker, backend or broker)
        except Exception as exc:  # noqa: BLE001  # kombu's connection errors vary by transport; any of them means no broker
            raise click.ClickException(f"cannot reach the broker {broker}: {exc}") from None
        if not answering:  # without a worker the run would wait for ever
            raise click.ClickException(f"no dagster-celery worker answered on {broker}: start workers first (see README, 'How a build works')")
        click.echo(f"celery workers: {', '.join(answering)}", err=True)
    click.echo(f"yrdpm build: {raw_path} -> {out_path}", err=True)
    from pipelines.instances import build_instance

    instance = build_instance()
    if not _build_and_report(raw_path, out_path, store_path, workers, accept_changes, instance, executor, broker, backend):
        sys.exit(1)


def _build_and_report(raw_path: Path, out_path: Path, store_path: str, workers: int, accept_changes: str, instance: Any,
                      executor: str = "in-process", broker: str = "", backend: str = "") -> bool:
    """One run of the rebuild job with its report on stderr and the published counts on stdout; False when nothing was published."""
    import dagster as dg

    from pipelines.definitions import run_build, run_build_in_processes, run_build_on_celery

    if executor == "celery":
        result: dg.ExecuteInProcessResult | dg.JobExecutionResult = run_build_on_celery(
            str(raw_path), str(out_path), broker, instance, store_path, backend, workers, accept_changes=accept_changes)
    elif executor == "multiprocess":
        from pipelines.instances import persistent_instance

        result = run_build_in_processes(
            str(raw_path), str(out_path), store_path, workers, persistent_instance(), accept_changes=accept_changes)
    else:
        result = run_build(str(raw_path), str(out_path), store_path, workers, instance, accept_changes=accept_changes, only_stale=True)
    failed_checks = [
        ev for ev in result.get_asset_check_evaluations() if not ev.passed and ev.severity.value == "ERROR"
    ]
    warned_checks = [ev for ev in result.get_asset_check_evaluations() if not ev.passed and ev.severity.value == "WARN"]
    failures = [ev for ev in result.all_events if ev.event_type_value == "STEP_FAILURE"]
    click.echo("", err=True)
    for ev in failed_checks:
        problems = ev.metadata.get("problems")
        detail = f": {str(problems.value)[:300]}" if problems is not None else ""
        click.echo(f"BLOCKING CHECK FAILED: {ev.asset_key.to_user_string()}.{ev.check_name}{detail}", err=True)
    for failure in failures:
        error = getattr(failure.event_specific_data, "error", None)
        cause = error.cause if error is not None else None
        click.echo(f"STEP FAILED: {failure.step_key}: {(cause.message if cause else error.message if error else failure.message or '').strip()}", err=True)
    for ev in warned_checks:
        click.echo(f"check warning: {ev.asset_key.to_user_string()}.{ev.check_name}", err=True)

    if not result.success or failed_checks:
        if any(ev.check_name == "publication_guard" for ev in failed_checks):
            click.echo("The guard refused to publish these changes; if they are intended, rerun with --accept-changes \"why\".", err=True)
        click.echo("Build failed: nothing was published; the previous package is unchanged.", err=True)
        return False
    import pyarrow.parquet as pq

    documents = pq.read_table(out_path / "data" / "documents.parquet", columns=["n_sections", "n_measures"]).to_pydict()
    severities = pq.read_table(out_path / "data" / "quality_issues.parquet", columns=["severity"]).column("severity").to_pylist()
    click.echo(
        "Published {docs} documents, {sections} sections, {measures} measures; "
        "{errors} errors, {warnings} warnings, {infos} notes in quality_issues -> {out}".format(
            docs=len(documents["n_sections"]),
            sections=sum(documents["n_sections"]),
            measures=sum(documents["n_measures"]),
            errors=severities.count("error"),
            warnings=severities.count("warning"),
            infos=severities.count("info"),
            out=out_path,
        )
    )
    return True


def _collect_while_idle() -> None:
    """Collect garbage between builds, and exempt what survives from the collections during the next one.

    A watcher holds the code, Dagster and the caches of the rule files (about 270,000 objects after its first
    build). A full collection during a rebuild walks them all: 0.08 s of a 1.1 s rebuild after one change of
    1,000 documents. Frozen, they are not walked; the rebuild's collections walk what the rebuild made.
    Unfreezing first lets this collection free what an earlier freeze kept and has since been dropped, so
    the watcher's memory does not grow with the number of its builds.
    """
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


@main.command()
@click.option("--raw-dir", default="raw", show_default=True, help="Directory of raw documents and their .meta.yaml files.")
@click.option("--out-dir", default="datapackage", show_default=True, help="Where the data package is published.")
@click.option("--store-dir", default="", help="Where per-document results are kept between builds (default: .<out-dir>.store beside the output).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between two looks at the raw folder.")
@click.option("--settle", default=2.0, show_default=True,
              help="Seconds the raw folder must stay unchanged after a change before a rebuild starts: files copied in together make one rebuild.")
@click.option("--builds", "max_builds", default=0, help="Stop after this many builds (default: run until interrupted).")
def watch(raw_dir: str, out_dir: str, store_dir: str, interval: float, settle: float, max_builds: int) -> None:
    """Build now, then again each time a file in the raw folder is added, changed or removed.

    One process for every rebuild: Python, Dagster and the extraction code are
    loaded once, so a rebuild after one document changed costs the work it
    does, not the start of a build (most of an unchanged `yrdpm build`). Each
    rebuild is the same job as `yrdpm build`, in process; with DAGSTER_HOME set
    it is recorded in that instance, so the UI shows it. A change of the code
    or the rules needs a new watcher (they are loaded once). Stop with Ctrl-C:
    a build interrupted midway publishes nothing (publishing is one rename).
    """
    import time

    from pipelines.memory import configure_process

    configure_process()

    from pipelines.sources import RawFolderWatch

    raw_path, out_path = Path(raw_dir).resolve(), Path(out_dir).resolve()
    if not raw_path.is_dir():
        raise click.ClickException(f"raw directory not found: {raw_dir}")
    store_path = str(Path(store_dir).resolve()) if store_dir else ""
    from pipelines.instances import ephemeral_instance, persistent_instance

    persistent = persistent_instance()
    folder = RawFolderWatch(raw_path)
    folder.changed()  # the state this first build starts from: a change made during a build makes the next one
    builds = 0
    click.echo(f"yrdpm watch: {raw_path} -> {out_path}, every {interval:g} s", err=True)
    # One instance for every rebuild: a new in-memory one creates its SQLite schema (0.03 s) and runs its first
    # statements cold; reused, a rebuild after one change of 1,000 documents took 0.08 s less (median of 8).
    instance = persistent or ephemeral_instance()
    unreadable = False

    def raw_folder_changed() -> bool:
        """A folder that cannot be read (removed, or being replaced by a checkout) counts as unchanged
        until it can be read again; it is reported once."""
        nonlocal unreadable
        try:
            changed = folder.changed()
        except OSError as exc:
            if not unreadable:
                click.echo(f"yrdpm watch: cannot read {raw_path} ({exc.strerror or exc}); looking again every {interval:g} s", err=True)
            unreadable = True
            return False
        unreadable = False
        return changed

    try:
        while True:
            started = time.perf_counter()
            try:
                published = _build_and_report(raw_path, out_path, store_path, 1, "", instance)
            except Exception as exc:  # noqa: BLE001  # any error outside the job's steps: the watcher outlives it, the package is untouched
                click.echo(f"build error: {type(exc).__name__}: {exc}", err=True)
                published = False
            finally:
                if persistent is None:
                    instance.wipe()  # an in-memory instance would hold every rebuild's runs, events and check results for as long as it runs
            builds += 1
            click.echo(f"build {builds}: {'published' if published else 'failed'} in {time.perf_counter() - started:.2f} s", err=True)
            if max_builds and builds >= max_builds:
                return
            _collect_while_idle()  # between builds, where the time it takes delays nothing
            while not raw_folder_changed():
                time.sleep(interval)
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < settle:  # a change while files are still arriving waits for the last of them
                time.sleep(min(interval, settle))
                if raw_folder_changed():
                    quiet_since = time.monotonic()
    except KeyboardInterrupt:
        click.echo("yrdpm watch: stopped", err=True)


@main.command()
@click.option("--package", "package_dir", default="datapackage", show_default=True, help="The published package to show.")
@click.option("--out", "out_dir", default="site", show_default=True, help="Where the site is written (replaced whole).")
def site(package_dir: str, out_dir: str) -> None:
    """Generate the static site: an index with counts and charts, a page per document, offline search."""
    from pipelines.site import build_site

    package = Path(package_dir)
    if not (package / "datapackage.json").exists():
        raise click.ClickException(f"{package / 'datapackage.json'} not found: run `yrdpm build` first")
    files = build_site(package, Path(out_dir))
    click.echo(f"wrote {len(files)} files to {out_dir}/ (open {out_dir}/index.html)")


@main.command()
@click.option("--bump", type=click.Choice(["major", "minor", "patch"]), default="minor", show_default=True, help="Which part of the version to raise.")
@click.option("--date", "day", default=None, help="The release day, YYYY-MM-DD (default: today, UTC).")
@click.option("--accept-changes", "accept_changes", default="", metavar="REASON", help="As for `yrdpm build`: publish changes the guard would refuse.")
@click.option("--no-git", is_flag=True, help="Do not commit and tag (the files are still written).")
def release(bump: str, day: str | None, accept_changes: str, no_git: bool) -> None:
    """Cut a release: bump the version, build, write the per-record changelog, CITATION.cff, commit and tag."""
    import datetime

    from pipelines.defs.resources import REPO_ROOT
    from pipelines.releasing import release as cut
    from pipelines.releasing import summary_lines

    when = day or datetime.datetime.now(datetime.UTC).date().isoformat()
    try:
        datetime.date.fromisoformat(when)
    except ValueError:
        raise click.ClickException(f"--date {when!r} is not a day (YYYY-MM-DD)") from None
    try:
        done = cut(REPO_ROOT, bump, when, accept_changes, git=not no_git)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"released {done.version} (previous {done.previous}){', tagged v' + done.version if done.tagged else ''}")
    for line in summary_lines(done.diff):
        click.echo(line)


@main.command()
@click.argument("query")
@click.option("--db", "db_path", default=None, help="DuckDB file (default: <out-dir>/yrdpm.duckdb).")
@click.option("--out-dir", default="datapackage", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds before the query is stopped.")
@click.option("--memory-limit", default="1GB", show_default=True, help="DuckDB memory limit for the query.")
@click.option("--threads", default=2, show_default=True, help="DuckDB threads for the query.")
def sql(query: str, db_path: str | None, out_dir: str, fmt: str, timeout: float, memory_limit: str, threads: int) -> None:
    """Run one read-only SQL statement against the published DuckDB database.

    Only the database's own tables and views can be read: files, the network,
    ATTACH, INSTALL, LOAD and configuration changes are refused.
    """
    from pipelines.query import DUCKDB_NAME, Limits, QueryError, connect, run

    limits = Limits(memory=memory_limit, threads=threads, seconds=timeout)
    path = Path(db_path) if db_path else Path(out_dir) / DUCKDB_NAME
    try:
        con = connect(path, limits)
        try:
            columns, rows = run(con, query, limits)
        finally:
            con.close()
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(render(columns, rows, fmt), nl=False)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    import csv
    import io
    import unicodedata

    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, default=str, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return buffer.getvalue()

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    cells = [[_cell(v).replace("\n", " ") for v in row] for row in rows]
    widths = [max([width(c)] + [width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    def pad(text: str, w: int) -> str:
        return text + " " * (w - width(text))

    lines = [" | ".join(pad(c, w) for c, w in zip(columns, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(pad(c, w) for c, w in zip(row, widths)) for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


@main.command(name="validate")
@click.argument("package_dir", default="datapackage")
@click.option("--full", is_flag=True, help="Also validate every CSV row with Frictionless (slow on a large package).")
def validate_command(package_dir: str, full: bool) -> None:
    """Validate a published package: descriptor, file hashes, and every row by the table schemas (types,
    required values, vocabularies, patterns, keys, foreign keys), checked by DuckDB."""
    from pipelines.validating import validate_package

    path = Path(package_dir)
    if not (path / "datapackage.json").exists():
        raise click.ClickException(f"{path / 'datapackage.json'} not found")
    problems = validate_package(path, full=full)
    descriptor = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
    click.echo(f"{descriptor.get('name')} {descriptor.get('version')}: {len(descriptor.get('resources', []))} resources")
    if problems:
        for problem in problems:
            click.echo(f"INVALID: {problem}")
        sys.exit(1)
    click.echo("valid: descriptor, file hashes, schemas and foreign keys" + (", and Frictionless over every CSV row" if full else ""))


if __name__ == "__main__":  # pragma: no cover
    main()
