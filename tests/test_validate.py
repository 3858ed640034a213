"""`yrdpm validate`: the SQL checks catch what pandera catches, on a package of any size."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.validating import validate_package
from validation.tables import TABLES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def package(tmp_path: Path) -> Path:
    out = tmp_path / "datapackage"
    shutil.copytree(REPO / "datapackage", out, ignore=shutil.ignore_patterns("*.duckdb"))
    return out


def _rewrite(package: Path, table: str, change) -> None:
    """Change a Parquet table's rows and keep the descriptor's hash in step, so only the rule under test fails."""
    path = package / "data" / f"{table}.parquet"
    arrow = pq.read_table(path)
    rows = arrow.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow.schema), path)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    from pipelines.validating import file_facts

    for resource in descriptor["resources"]:
        if resource["path"] == f"data/{table}.parquet":
            resource.update(file_facts(path))
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


def test_the_committed_package_is_valid(package):
    assert validate_package(package) == []
    result = CliRunner().invoke(main, ["validate", str(package), "--full"])
    assert result.exit_code == 0, result.output
    assert "Frictionless over every CSV row" in result.output


@pytest.mark.parametrize(
    ("table", "change", "expected"),
    [
        ("measures", lambda rows: rows[0].update(kind="manifesto"), "measures: kind in vocabulary fails for 1 row(s), e.g. ['manifesto']"),
        ("measures", lambda rows: rows[1].update(measure_id=rows[0]["measure_id"]), "measures: measure_id unique fails"),
        ("documents", lambda rows: rows[0].update(doc_id="Not An Id"), "documents: doc_id matches"),
        ("measures", lambda rows: rows[0].update(text="  \u3000"), "measures: text not blank fails"),
        ("targets", lambda rows: rows[0].update(measure_id="no-such-measure"), "targets: measure_id -> measures.measure_id fails"),
        ("documents", lambda rows: rows[0].update(issuers=[]), "documents: issuers a list of non-empty strings fails"),
        ("responsibilities", lambda rows: rows.append(dict(rows[0])), "responsibilities: primary key (measure_id, seq) unique fails"),
        ("sections", lambda rows: rows[0].update(span_start=-1), "sections: span_start >= 0 fails"),
    ],
)
def test_a_broken_row_is_named(package, table, change, expected):
    _rewrite(package, table, change)
    problems = validate_package(package)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_file_that_does_not_match_its_descriptor_is_named(package):
    path = package / "data" / "measures.csv"
    path.write_bytes(path.read_bytes() + b"x")
    problems = validate_package(package)
    assert any(p.startswith("data/measures.csv: hash is sha256:") for p in problems), problems


def test_a_wrong_column_type_is_named(package):
    path = package / "data" / "places.parquet"
    arrow = pq.read_table(path)
    pq.write_table(arrow.set_column(arrow.schema.get_field_index("is_delta_city"), "is_delta_city", pa.array([str(v) for v in arrow.column("is_delta_city").to_pylist()])), path)
    problems = validate_package(package)
    assert any(p.startswith("places: columns") for p in problems), problems


def test_each_failing_row_check_of_a_table_is_named_with_its_count(package):
    """The row checks of a table are screened in one scan: every failing one is still reported, with its own count."""
    def break_three(rows):
        rows[0].update(kind="manifesto")
        rows[1].update(kind="manifesto")
        rows[2].update(text="  ")

    _rewrite(package, "measures", break_three)
    problems = [p for p in validate_package(package) if p.startswith("measures:")]
    assert any(p.startswith("measures: kind in vocabulary fails for 1 row(s), e.g. ['manifesto']") for p in problems), problems
    assert any(p.startswith("measures: text not blank fails for 1 row(s)") for p in problems), problems
    assert len(problems) == 2, problems


def test_a_descriptor_of_the_shape_last_found_valid_is_not_sent_to_frictionless_again(tmp_path, monkeypatch):
    """A rebuild's descriptor differs from the last one in file sizes and hashes: Frictionless' verdict
    (the profile checks only their form) is remembered; any other change, or a malformed hash, asks again."""
    import frictionless

    from pipelines.validating import descriptor_problems

    described = json.loads((REPO / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    asked = []
    original = frictionless.Package.from_descriptor
    monkeypatch.setattr(frictionless.Package, "from_descriptor", lambda *a, **k: asked.append(1) or original(*a, **k))
    assert descriptor_problems(described, tmp_path) == [] and len(asked) == 1
    rebuilt = json.loads(json.dumps(described))
    rebuilt["resources"][0]["bytes"] += 7
    rebuilt["resources"][0]["parquet"]["hash"] = "sha256:" + "ab" * 32
    rebuilt["resources"][1]["description"] = rebuilt["resources"][1]["description"].replace(" rows)", "1 rows)")  # another row count
    assert descriptor_problems(rebuilt, tmp_path) == [] and len(asked) == 1
    assert descriptor_problems(rebuilt) == [] and len(asked) == 2  # without a folder of verdicts: always asked
    malformed = json.loads(json.dumps(rebuilt))
    malformed["resources"][0]["hash"] = "md5:abc"
    descriptor_problems(malformed, tmp_path)
    assert len(asked) == 3
    retitled = json.loads(json.dumps(rebuilt))
    retitled["resources"][1]["description"] += " Changed."
    descriptor_problems(retitled, tmp_path)
    assert len(asked) == 4  # only digits are masked: other words are a new shape
    broken = json.loads(json.dumps(described))
    broken["resources"][0]["schema"]["fields"][0]["type"] = "no-such-type"
    assert descriptor_problems(broken, tmp_path) and len(asked) == 5
    assert descriptor_problems(broken, tmp_path) and len(asked) == 6  # an invalid verdict is never remembered


def test_csv_files_whose_bytes_passed_with_the_same_parquet_sibling_are_not_read_again(package, tmp_path, monkeypatch):
    import pipelines.validating as validating

    read = []
    original = validating._csv_problem
    monkeypatch.setattr(validating, "_csv_problem", lambda con, folder, table: read.append(table.name) or original(con, folder, table))
    verdicts = tmp_path / "verdicts"
    verdicts.mkdir()
    assert validate_package(package, verdicts=verdicts) == [] and len(read) == len(TABLES)
    read.clear()
    assert validate_package(package, verdicts=verdicts) == [] and read == []
    assert validate_package(package) == [] and len(read) == len(TABLES)  # without verdicts every file is read
    read.clear()

    csv_file = package / "data" / "measures.csv"  # a row too many, the descriptor kept in step: only the count can tell
    csv_file.write_text(csv_file.read_text(encoding="utf-8") + csv_file.read_text(encoding="utf-8").splitlines()[-1] + "\r\n", encoding="utf-8")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    from pipelines.validating import file_facts

    for resource in descriptor["resources"]:
        if resource["path"] == "data/measures.csv":
            resource.update(file_facts(csv_file))
    (package / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    problems = validate_package(package, verdicts=verdicts)
    assert read == ["measures"] and any("measures.csv" in p and "rows" in p for p in problems), problems
    read.clear()
    assert validate_package(package, verdicts=verdicts) == problems and read == ["measures"]  # a failure is never remembered
