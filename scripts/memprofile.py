"""Peak RSS of a `yrdpm build` per phase: a thread samples VmRSS; phases are wrapped functions."""
from __future__ import annotations

import functools
import importlib
import json
import resource
import sys
import threading
import time

samples: dict[str, int] = {}
starts: dict[str, int] = {}
stack: list[str] = ["startup"]
order: list[str] = []


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def sampler() -> None:
    while True:
        r = rss()
        label = "/".join(stack)
        if r > samples.get(label, 0):
            samples[label] = r
        time.sleep(0.01)


def wrap(modname: str, attr: str, label: str, also: tuple[str, ...] = ()) -> None:
    mod = importlib.import_module(modname)
    original = getattr(mod, attr)

    @functools.wraps(original)
    def wrapper(*a, **k):
        stack.append(label)
        name = "/".join(stack)
        if name not in order:
            order.append(name)
        starts.setdefault(name, rss())
        try:
            return original(*a, **k)
        finally:
            r = rss()
            samples[name] = max(samples.get(name, 0), r)
            stack.pop()
    setattr(mod, attr, wrapper)
    for other in also:
        setattr(importlib.import_module(other), attr, wrapper)


def main() -> None:
    """`python scripts/memprofile.py build --raw-dir RAW --out-dir OUT`: the build, then its peak RSS per phase (stderr)."""
    threading.Thread(target=sampler, daemon=True).start()
    from pipelines.memory import configure_process

    configure_process()  # as `yrdpm build` does before it imports anything else
    import pipelines.cli
    import pipelines.defs.assets  # noqa: F401
    import pipelines.defs.checks  # noqa: F401
    wrap("pipelines.sources", "scan_raw_documents", "scan", ("pipelines.defs.assets",))
    wrap("pipelines.store", "build_shards", "shards", ("pipelines.defs.assets",))
    wrap("pipelines.combining", "assemble", "assemble", ("pipelines.defs.assets",))
    wrap("validation.sql_checks", "check_all", "check_all", ("pipelines.defs.checks",))
    wrap("pipelines.guard", "compare", "guard", ("pipelines.defs.checks", "pipelines.defs.assets"))
    wrap("pipelines.publishing", "publish", "publish", ("pipelines.defs.assets",))
    wrap("pipelines.publishing", "write_csv", "csv")
    wrap("pipelines.publishing", "validate_package", "validate")
    wrap("pipelines.publishing", "build_duckdb", "duckdb")
    wrap("pipelines.publishing", "descriptor", "descriptor")
    t0 = time.time()
    try:
        pipelines.cli.main(sys.argv[1:], standalone_mode=False)
    finally:
        report = {"wall_s": round(time.time() - t0, 1), "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "end_rss": rss(), "phases": {k: {"start": starts.get(k), "peak": v} for k, v in samples.items()}}
        print("MEMPROFILE " + json.dumps(report), file=sys.stderr)


main()
