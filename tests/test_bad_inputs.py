"""Bad files give clear quality issues; every other document still publishes."""

import shutil

import pandas as pd
from click.testing import CliRunner
from conftest import FIXTURES, RAW

from pipelines.cli import main


def test_bad_files_are_reported_and_the_rest_publishes(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (raw / "scan.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    shutil.copy(FIXTURES / "chapters_gbk.txt", raw / "gbk-plan.txt")
    shutil.copy(FIXTURES / "no_structure.txt", raw / "diary.txt")
    out = tmp_path / "pkg"
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output

    documents = pd.read_parquet(out / "data" / "documents.parquet")
    assert len(documents) == 7  # five seeds, the GBK file and the unstructured one
    assert documents.set_index("doc_id").loc["gbk-plan", "source_encoding"] == "gb18030"
    assert documents.set_index("doc_id").loc["gbk-plan", "n_measures"] == 6
    measures = pd.read_parquet(out / "data" / "measures.parquet")
    assert (measures.doc_id != "diary").all() and len(measures) == 196 + 6

    issues = pd.read_parquet(out / "data" / "quality_issues.parquet").set_index("doc_id")
    errors = issues[issues.severity == "error"]
    assert set(errors.index) == {"empty", "junk", "scan", "diary"}
    assert "empty file" in errors.loc["empty", "message"]
    assert "binary content" in errors.loc["junk", "message"]
    assert "not a readable PDF" in errors.loc["scan", "message"]
    assert "no recognisable structure" in errors.loc["diary", "message"]
    parts = pd.read_parquet(out / "data" / "document_parts.parquet")
    assert (parts[parts.doc_id == "diary"].kind == "unstructured").sum() == 3
