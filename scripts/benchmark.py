"""Print speed and memory figures of extraction and of a full build.

Run with `make bench`. Figures are printed, not asserted: they vary by machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from pipelines.extraction.document import RawDocument, extract_document
from pipelines.sources import load_raw_documents

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    documents, _ = load_raw_documents(REPO / "raw")
    print(f"{'document':58} {'chars':>7} {'ms':>8} {'peak MiB':>9}")
    total_chars, total_seconds = 0, 0.0
    for raw in documents:
        tracemalloc.start()
        start = time.perf_counter()
        result = extract_document(raw)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        chars = len(result.source_text or "")
        total_chars += chars
        total_seconds += seconds
        print(f"{raw.path:58} {chars:>7} {seconds * 1000:>8.1f} {peak:>9.1f}")
    print(f"extraction: {total_chars} chars in {total_seconds:.3f} s = {total_chars / total_seconds:,.0f} chars/s")

    # A long document: the seeds concatenated 20 times, to see how time grows with size.
    big = b"\n\n".join(raw.data for raw in documents) * 20
    start = time.perf_counter()
    result = extract_document(RawDocument("raw/synthetic-long.txt", big))
    seconds = time.perf_counter() - start
    print(f"synthetic long document: {len(result.source_text):,} chars, {len(result.measures)} measures in {seconds:.2f} s")

    # Hostile shapes: one very long line, and deeply nested HTML; time should grow linearly with size.
    from pipelines.assembly import process_document

    sentence = "推进长三角一体化发展，加强上海、江苏、浙江、安徽协同，到2025年覆盖率达到90%。"
    for label, make in (("single line", lambda n: (sentence * n).encode()),
                        ("nested HTML", lambda n: ("<div>" * n + "<p>一、总则</p><p>1.建设平台，推进共享。</p>" + "</div>" * n).encode())):
        figures = []
        for n in (4000, 16000):
            data = make(n)
            start = time.perf_counter()
            process_document(RawDocument(f"raw/hostile.{'html' if 'HTML' in label else 'txt'}", data))
            figures.append((len(data), time.perf_counter() - start))
        (small, t_small), (large, t_large) = figures
        print(f"{label}: {small:,} bytes in {t_small:.2f} s, {large:,} bytes in {t_large:.2f} s (x{large / small:.0f} size, x{t_large / t_small:.1f} time)")

    scaling()

    from validation.gold import all_scores

    print("\nenrichment against the hand-labelled gold samples (tests/gold/):")
    for score in all_scores():
        print("  " + score.line())

    from validation.corpus import corpus_dir, corpus_report

    folder = corpus_dir()
    if folder is None:
        print("\nstructure of real documents: no corpus folder (set YRDPM_CORPUS, or place it at ../shared/corpus)")
    else:
        print(f"\nstructure of real documents in {folder} against tests/corpus/expectations.yaml:")
        print(corpus_report(folder))


# ------------------------------------------------------------------ scaling

CORPUS_SIZES = (10, 100, 1000)
SEARCH_DOCUMENTS = 1300  # about 51,000 measures: the size issue 7 sets for search latency


def _without_instance() -> dict[str, str]:
    """This process's environment without DAGSTER_HOME: a measured build keeps no run history (see README on its cost)."""
    return {name: value for name, value in os.environ.items() if name != "DAGSTER_HOME"}


def _child_build(raw: Path, out: Path, workers: int = 1) -> dict[str, float]:
    """One `yrdpm build` in a fresh process: its wall time and its own peak resident memory."""
    code = (
        "import resource, sys, time, json\n"
        "from click.testing import CliRunner\n"
        "from pipelines.cli import main\n"
        "start = time.perf_counter()\n"
        f"result = CliRunner().invoke(main, ['build', '--raw-dir', {str(raw)!r}, '--out-dir', {str(out)!r}, '--workers', '{workers}'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(json.dumps({'seconds': time.perf_counter() - start, 'rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_without_instance())
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


WATCHED_NEXT = 4  # rebuilds after the first whose median is the watcher's "next" figure


def _watched_rebuild(raw: Path, out: Path) -> tuple[float, float]:
    """Seconds `yrdpm watch` takes to rebuild after one document changed: the first change after it started
    (its first build, of an unchanged folder, loaded the code but extracted nothing) and the median of the
    next WATCHED_NEXT (one rebuild of a few seconds swings by a fifth on a shared machine)."""
    from synthetic import change_one

    builds = 2 + WATCHED_NEXT
    command = [str(Path(sys.executable).with_name("yrdpm")), "watch", "--raw-dir", str(raw), "--out-dir", str(out), "--interval", "0.1", "--settle", "0.2",
               "--builds", str(builds)]
    watcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_without_instance())
    assert watcher.stderr is not None
    seconds: dict[int, float] = {}
    for line in watcher.stderr:
        if line.startswith("build ") and ": published in " in line:
            build = int(line.split()[1].rstrip(":"))
            seconds[build] = float(line.split(" in ")[1].split()[0])
            if build < builds:
                change_one(raw, f"用于第{build}次监视重建测试")
        elif line.startswith("build ") and ": failed" in line:
            break
    watcher.wait()
    if any(n not in seconds for n in range(2, builds + 1)):
        raise RuntimeError(f"yrdpm watch did not rebuild {builds - 1} times: exit {watcher.returncode}")
    return seconds[2], statistics.median(seconds[n] for n in range(3, builds + 1))


def _median_ms(con: Any, *sqls: str, runs: int = 60) -> list[float]:
    """The median time of each query, run in turn within each round: a machine that slows down for a
    while slows all of them alike, so their ratio holds where one query timed after the other drifted."""
    for sql in sqls:
        con.execute(sql).fetchall()
    times: list[list[float]] = [[] for _ in sqls]
    for _ in range(runs):
        for sql, taken in zip(sqls, times):
            start = time.perf_counter()
            con.execute(sql).fetchall()
            taken.append(time.perf_counter() - start)
    return [statistics.median(taken) * 1000 for taken in times]


def _extraction_rate(raw: Path) -> float:
    """MB/s of source bytes through the per-document unit of work alone (extract, check), one core."""
    from pipelines.assembly import process_document

    documents, _ = load_raw_documents(raw)
    start = time.perf_counter()
    for document in documents:
        process_document(document, validate_schema=False)
    return sum(len(d.data) for d in documents) / (time.perf_counter() - start) / 1e6


def floors(raw: Path) -> None:
    """What the plain steps cost on the same corpus: the rates no pipeline over it can beat."""
    import re

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipelines.extraction.decoding import decode_bytes
    from pipelines.extraction.normalising import _t2s

    documents, _ = load_raw_documents(raw)
    data = [d.data for d in documents]
    megabytes = sum(len(b) for b in data) / 1e6

    def rate(step: Any) -> float:
        start = time.perf_counter()
        step()
        return megabytes / (time.perf_counter() - start)

    texts = [decode_bytes(b).text for b in data]
    heading = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇\d]+[编章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．])", re.M)
    converter = _t2s()
    table = pa.table({"text": texts})
    with tempfile.TemporaryDirectory() as out:
        figures = {
            "decoding": rate(lambda: [decode_bytes(b) for b in data]),
            "one pass of heading regexes": rate(lambda: [heading.findall(t) for t in texts]),
            "OpenCC t2s": rate(lambda: [converter.convert(t) for t in texts]),
            "pyarrow write of the texts": rate(lambda: pq.write_table(table, Path(out) / "t.parquet")),
        }
    print("floors on the 100-document corpus (MB/s of source): " + "; ".join(f"{k} {v:,.0f}" for k, v in figures.items()))


def scaling() -> None:
    """Full build, throughput, memory and incremental rebuild at 10, 100 and 1,000 documents; query latencies."""
    import duckdb
    from synthetic import change_one, make_corpus

    print("\nscaling (synthetic corpora of the seeds, one process, one worker):")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in CORPUS_SIZES:
            raw, out = Path(tmp) / f"c{size}" / "raw", Path(tmp) / f"c{size}" / "datapackage"
            source_bytes = make_corpus(raw, size)
            full = _child_build(raw, out)
            again = _child_build(raw, out)
            change_one(raw)
            incremental = _child_build(raw, out)
            watched = _watched_rebuild(raw, out)
            rows.append((size, source_bytes, full, again, incremental, watched, _extraction_rate(raw) if size == 100 else None))
        print(f"{'':>76} {f'1 changed, yrdpm watch (first, median of next {WATCHED_NEXT})':>36}")
        header = (f"{'documents':>10} {'source MB':>10} {'full s':>8} {'MB/s':>6} {'peak MiB':>9} {'unchanged s':>12} {'1 changed s':>12} {'share':>6}"
                  f" {'first s':>8} {'share':>6} {'next s':>7} {'share':>6}")
        print(header)
        for size, source_bytes, full, again, incremental, (first, after), _ in rows:
            mb = source_bytes / 1e6
            print(f"{size:>10} {mb:>10.1f} {full['seconds']:>8.1f} {mb / full['seconds']:>6.2f} {full['rss_mib']:>9.0f} "
                  f"{again['seconds']:>12.1f} {incremental['seconds']:>12.1f} {incremental['seconds'] / full['seconds']:>6.1%}"
                  f" {first:>8.1f} {first / full['seconds']:>6.1%} {after:>7.1f} {after / full['seconds']:>6.1%}")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pipelines.cli, pipelines.definitions"], check=True)
        print(f"of each build, starting Python and importing the code location (Dagster, pandera, DuckDB): {time.perf_counter() - start:.1f} s")
        rate = next(r[6] for r in rows if r[6] is not None)
        print(f"extraction alone (extract + per-document checks, 100 documents): {rate:.2f} MB/s")
        floors(Path(tmp) / "c100" / "raw")

        search_raw, search_out = Path(tmp) / "search" / "raw", Path(tmp) / "search" / "datapackage"
        make_corpus(search_raw, SEARCH_DOCUMENTS)
        _child_build(search_raw, search_out)
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("yrdpm")), "sql", "SELECT 1", "--out-dir", str(search_out)], capture_output=True, check=True)
        cold = time.perf_counter() - start
        con = duckdb.connect(str(search_out / "yrdpm.duckdb"), read_only=True)
        measures = con.execute("SELECT count(*) FROM measures").fetchone()[0]
        print(f"queries on {SEARCH_DOCUMENTS:,} documents ({measures:,} measures):")
        print(f"  yrdpm sql \"SELECT 1\", cold CLI: {cold:.2f} s")
        for term in ("氢能", "生态 绿色"):
            like = " AND ".join(f"m.text LIKE '%{t}%'" for t in term.split())
            search_ms, like_ms = _median_ms(con, "SELECT * FROM search_measures('" + term + "')",
                                            "SELECT m.*, d.title FROM measures m JOIN documents d USING (doc_id) WHERE " + like)
            print(f"  search_measures('{term}') p50 warm: {search_ms:.1f} ms; the same rows by LIKE: {like_ms:.1f} ms")
        con.close()


def memory(documents: int) -> None:
    """Peak resident memory of one `yrdpm build` of a synthetic corpus of this many documents, per phase
    (scripts/memprofile.py in a fresh process): issue 7 asks for less than 1 GB at 10,000 documents."""
    from synthetic import make_corpus

    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "datapackage"
        megabytes = make_corpus(raw, documents) / 1e6
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("memprofile.py")), "build", "--raw-dir", str(raw), "--out-dir", str(out)],
                              capture_output=True, text=True, env=_without_instance(), check=True)
    report = json.loads(next(line for line in done.stderr.splitlines() if line.startswith("MEMPROFILE "))[len("MEMPROFILE "):])
    print(f"{documents:,} documents ({megabytes:.0f} MB of source): peak RSS {report['ru_maxrss_mib']} MiB, build {report['wall_s']} s")
    print(f"  {'phase':40} {'start MiB':>10} {'peak MiB':>9}")
    for phase, figures in report["phases"].items():
        print(f"  {phase.removeprefix('startup/') if phase != 'startup' else '(whole build)':40} {figures['start'] or '':>10} {figures['peak']:>9}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:  # make bench-memory
        memory(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
    else:
        main()
