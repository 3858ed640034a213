"""Print speed and memory figures of extraction and of a full build.

Run with `make bench`. Figures are printed, not asserted: they vary by machine.
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

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

    from pipelines.definitions import build_definitions

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        job = build_definitions(str(REPO / "raw"), str(Path(tmp) / "datapackage")).resolve_job_def("rebuild_dataset")
        ok = job.execute_in_process(raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}}).success
        print(f"full build (Dagster job, in process): {time.perf_counter() - start:.2f} s, success={ok}")
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

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


if __name__ == "__main__":
    main()
