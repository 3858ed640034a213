"""The generated corpus of bad and odd inputs (tests/hostile_inputs.py), built beside the seeds.

Each bad input is handled as its case says, with a one-line message naming its
file; the good documents always publish.
"""

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import RAW
from hostile_inputs import write_hostile_inputs

from pipelines.cli import main


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    cases = write_hostile_inputs(raw)
    out = root / "pkg"
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output[-3000:]
    tables = {name: pd.read_parquet(out / "data" / f"{name}.parquet") for name in ("documents", "measures", "quality_issues")}
    return cases, tables, result.output


def test_there_are_at_least_40_bad_inputs(hostile_build):
    cases, _, _ = hostile_build
    assert len(cases) >= 40


def test_the_good_documents_always_publish(hostile_build):
    _, tables, _ = hostile_build
    documents, measures = tables["documents"], tables["measures"]
    seeds = documents[~documents.source_file.str.contains("/zz-")]
    assert len(seeds) == 5 and int(seeds.n_measures.sum()) == 196
    assert measures[measures.doc_id.isin(seeds.doc_id)].shape[0] == 196


def test_every_bad_input_is_handled_as_its_case_says(hostile_build):
    cases, tables, _ = hostile_build
    published = set(tables["documents"].source_file)
    issues = tables["quality_issues"]
    wrong = []
    for name, outcome in cases.items():
        path = f"raw/{name}"
        rows = issues[issues.message.str.contains(path, regex=False) | (issues.object_id == path)]
        checks = set(rows["check"])
        ok = {
            "publish": path in published and "quarantine" not in checks,
            "unreadable": path not in published and "decode" in checks,
            "quarantine": path not in published and "quarantine" in checks,
            "load": path not in published and "load" in checks,
        }[outcome]
        if not ok:
            wrong.append((name, outcome, sorted(checks), path in published))
    assert wrong == [], "\n".join(map(str, wrong))


def test_messages_are_one_line_and_name_their_file(hostile_build):
    cases, tables, output = hostile_build
    issues = tables["quality_issues"]
    assert not issues.message.str.contains("\n").any()
    assert "Traceback" not in output
    bad = issues[issues.severity == "error"]
    for row in bad.itertuples():
        if row.doc_id is None or row.object_id is None:
            continue
        assert row.object_id in row.message or (row.doc_id and row.doc_id in row.message) or row.message.startswith("raw/"), row.message


def test_a_bad_errata_file_is_reported_and_the_reviewed_errata_still_apply(hostile_build):
    _, tables, _ = hostile_build
    issues = tables["quality_issues"]
    messages = " ".join(issues.loc[issues["check"] == "load", "message"])
    assert "zz-broken.errata.yaml entry 1 (x) was ignored" in messages and "zz-broken.errata.yaml entry 2 was ignored" in messages
