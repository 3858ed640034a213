"""The fail-closed guard: a build that would lose documents or records, or shrink a table, publishes nothing
unless it says it accepts that and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner
from conftest import RAW

from pipelines.cli import main
from pipelines.guard import compare
from validation.tables import TABLES

PACKAGE = Path(__file__).resolve().parents[1] / "datapackage"


def _tables(folder: Path) -> dict[str, Path]:
    return {t.name: folder / f"{t.name}.parquet" for t in TABLES}


def test_the_same_tables_pass():
    assert compare(PACKAGE / "data", _tables(PACKAGE / "data")).refusals == []


def test_a_table_that_shrinks_by_more_than_the_share_is_refused(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(PACKAGE / "data", new)
    measures = pq.read_table(new / "measures.parquet")
    pq.write_table(measures.slice(0, measures.num_rows // 2), new / "measures.parquet")
    report = compare(PACKAGE / "data", _tables(new))
    assert report.shrunk_tables == {"measures": (measures.num_rows, measures.num_rows // 2)}
    # the documents whose measures went missing have the same source bytes: their records changed
    assert report.changed_unchanged_documents and not report.removed_documents
    assert compare(PACKAGE / "data", _tables(new), max_shrink=0.6).shrunk_tables == {}


def test_a_first_publication_has_nothing_to_lose(tmp_path):
    assert compare(tmp_path / "nothing-yet", _tables(PACKAGE / "data")).refusals == []


def test_the_command_line_refuses_then_accepts_with_a_reason(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    build = ["build", "--raw-dir", str(raw), "--out-dir", str(out)]
    assert CliRunner().invoke(main, build).exit_code == 0
    errata = raw / "transcription-fixes.errata.yaml"
    errata.write_text(errata.read_text(encoding="utf-8").replace("replacement: '责任'", "replacement: '責任'"), encoding="utf-8")
    refused = CliRunner().invoke(main, build)
    assert refused.exit_code == 1
    assert "publication_guard" in refused.output and "whose source bytes did not change" in refused.output
    assert "--accept-changes" in refused.output
    accepted = CliRunner().invoke(main, [*build, "--accept-changes", "errata ocr-001 revised"])
    assert accepted.exit_code == 0, accepted.output
    changelog = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Unreleased" in changelog and "errata ocr-001 revised" in changelog and "yrd-14th-fyp-implementation-plan-2021" in changelog
