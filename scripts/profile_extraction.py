"""Measure and profile per-document extraction on the benchmark's 100-document synthetic corpus.

`python scripts/profile_extraction.py [--profile] [--corpus DIR]` builds the corpus
(once) and prints MB/s of source bytes through `process_document(validate_schema=False)`,
the figure issue 7 sets a goal for; with --profile, the top functions by tottime and cumtime.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_corpus  # noqa: E402

from pipelines.assembly import process_document  # noqa: E402
from pipelines.sources import load_raw_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/yrdpm-profile-corpus"))
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.exists():
        make_corpus(args.corpus, args.documents)
    documents, _ = load_raw_documents(args.corpus)
    source_bytes = sum(len(d.data) for d in documents)
    process_document(documents[0], validate_schema=False)  # warm the rule files and caches, as a build does once
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for document in documents:
            process_document(document, validate_schema=False)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumtime").print_stats(args.top)
        return
    pass_rates = []
    fastest = [float("inf")] * len(documents)
    for _ in range(args.runs):
        pass_start = time.perf_counter()
        for n, document in enumerate(documents):
            start = time.perf_counter()
            process_document(document, validate_schema=False)
            fastest[n] = min(fastest[n], time.perf_counter() - start)
        pass_rates.append(source_bytes / (time.perf_counter() - pass_start) / 1e6)
    # On a shared machine other processes slow some passes: each document's fastest pass is the steadier figure.
    print(f"{len(documents)} documents, {source_bytes / 1e6:.2f} MB: passes " + ", ".join(f"{r:.2f}" for r in pass_rates)
          + f" MB/s (best {max(pass_rates):.2f}); each document's fastest: {source_bytes / sum(fastest) / 1e6:.2f} MB/s")

if __name__ == "__main__":
    main()
