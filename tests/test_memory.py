"""The process settings `yrdpm build` makes before it starts (pipelines/memory.py)."""

import json
import subprocess
import sys

from tests.conftest import REPO

CHILD = """
import json, sys
from pathlib import Path
from pipelines.memory import configure_process
configure_process()
import pyarrow as pa
from pipelines.assembly import _schema_failure_of, process_document
from pipelines.sources import load_raw_documents
documents, _ = load_raw_documents(Path(sys.argv[1]))
result = process_document(documents[0])
broken = {name: frame.copy() for name, frame in result.frames.items()}
broken["measures"].loc[0, "char_start"] = -5
print(json.dumps({
    "pool": pa.default_memory_pool().backend_name,
    "hypothesis": repr(sys.modules.get("hypothesis")),
    "quarantined": [i["message"] for i in result.issues if i["check"] == "quarantine"],
    "measures": len(result.frames["measures"]),
    "broken": _schema_failure_of(broken),
}))
"""


def test_a_build_process_validates_without_importing_hypothesis_and_uses_the_system_allocator():
    done = subprocess.run([sys.executable, "-c", CHILD, str(REPO / "raw")], capture_output=True, text=True, check=True, cwd=REPO)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["pool"] == "system"
    assert figures["hypothesis"] == "None"  # blocked, not imported
    assert figures["quarantined"] == [] and figures["measures"] > 0
    assert figures["broken"] and "char_start" in figures["broken"]  # pandera still validates without it


def test_a_process_that_has_hypothesis_keeps_it():
    import hypothesis

    from pipelines.memory import configure_process

    configure_process()
    assert sys.modules["hypothesis"] is hypothesis
