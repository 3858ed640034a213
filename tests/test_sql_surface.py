"""`yrdpm sql` reads the published tables and views and nothing else; errors are one line."""

import pytest
from click.testing import CliRunner

from pipelines.cli import main


@pytest.fixture(scope="module")
def db(fresh_build):
    out, _ = fresh_build
    return out / "yrdpm.duckdb"


def sql(db, query, *options):
    return CliRunner().invoke(main, ["sql", query, "--db", str(db), *options])


ESCAPES = {
    "read a system file": "SELECT * FROM read_text('/etc/passwd')",
    "read a csv file": "SELECT * FROM read_csv('/etc/hosts')",
    "glob the file system": "SELECT * FROM glob('/etc/*')",
    "copy to a file": "COPY (SELECT 1) TO '/tmp/yrdpm-escape.csv'",
    "copy over the database": "COPY measures TO 'datapackage/yrdpm.duckdb'",
    "export the database": "EXPORT DATABASE '/tmp/yrdpm-export'",
    "attach another file": "ATTACH '/tmp/yrdpm-other.duckdb' AS other (READ_WRITE)",
    "install an extension": "INSTALL httpfs",
    "load an extension": "LOAD httpfs",
    "raise the memory limit": "SET memory_limit = '100GB'",
    "change a setting by pragma": "PRAGMA threads = 64",
    "unlock the configuration": "SET lock_configuration = false",
    "write a table": "CREATE TABLE x AS SELECT 1",
    "delete rows": "DELETE FROM measures",
    "two statements": "SELECT 1; SELECT 2",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escapes_are_refused_with_one_line(db, name, tmp_path):
    result = sql(db, ESCAPES[name])
    assert result.exit_code != 0, result.output
    message = result.output.strip()
    assert message.startswith("Error:") and "\n" not in message and "Traceback" not in message


def test_nothing_was_written_by_the_refused_queries(db):
    import os

    assert not os.path.exists("/tmp/yrdpm-escape.csv") and not os.path.exists("/tmp/yrdpm-export")


def test_ordinary_queries_views_and_search_still_work(db):
    assert sql(db, "SELECT count(*) FROM measures").output.splitlines()[2].strip() == "196"
    assert "(1 row)" in sql(db, "SELECT count(*) FROM measures_full").output
    result = sql(db, "SELECT measure_id FROM search_measures('氢能产业园') LIMIT 1")
    assert result.exit_code == 0 and "(1 row)" in result.output


def test_the_keys_are_named_in_the_catalog_comments(db):
    """The tables have no key constraints (their indexes did not fit memory at 30,000 documents): a user finds
    the keys in the comments, and the build has checked them."""
    result = sql(db, "SELECT comment FROM duckdb_tables() WHERE table_name = 'place_mentions'", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "Primary key: mention_id." in result.output and "Foreign key: place_code -> places.place_code." in result.output
    result = sql(db, "SELECT comment FROM duckdb_columns() WHERE table_name = 'measures' AND column_name = 'section_id'", "--format", "csv")
    assert "References sections.section_id." in result.output
    result = sql(db, "SELECT count(*) AS n FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE')", "--format", "csv")
    assert result.output.split() == ["n", "0"]


def test_a_runaway_query_is_stopped_by_the_timeout(db):
    result = sql(db, "SELECT count(*) FROM range(1000000000000)", "--timeout", "1")
    assert result.exit_code != 0 and "longer than 1 s" in result.output


@pytest.mark.parametrize(("query", "expected"), [
    ("", "the query is empty"),
    ("SELEC 1", "syntax error"),
    ("SELECT titel FROM measures", "titel"),
])
def test_user_errors_are_one_line(db, query, expected):
    result = sql(db, query)
    assert result.exit_code != 0 and expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_column_name_is_suggested(db):
    assert "title" in sql(db, "SELECT titel FROM measures").output


def test_a_foreign_file_as_db_is_one_line(tmp_path):
    foreign = tmp_path / "not-a-db.duckdb"
    foreign.write_text("hello")
    result = CliRunner().invoke(main, ["sql", "SELECT 1", "--db", str(foreign)])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
