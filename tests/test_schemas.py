"""Pandera models generated from the table definitions accept valid frames and reject invalid ones."""

import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from pipelines.publishing import duckdb_comments, duckdb_ddl, frictionless_schema
from validation.schemas import MODELS, foreign_key_violations, to_frame, validate
from validation.tables import TABLES, TABLES_BY_NAME

MEASURES = TABLES_BY_NAME["measures"]
DOCUMENTS = TABLES_BY_NAME["documents"]


def valid_measure(**changes):
    row = {"measure_id": "doc-a-m001", "doc_id": "doc-a", "section_id": None, "seq": 1, "label": "1.", "label_number": 1,
           "title": None, "text": "推进合作。", "text_original": "1.推进合作。", "responsibility_text": None, "span_start": 0, "span_end": 8}
    row.update(changes)
    return row


def test_every_table_has_a_strict_model_with_its_columns():
    for table in TABLES:
        schema = MODELS[table.name].to_schema()
        assert list(schema.columns) == table.field_names
        assert schema.strict is True


def test_seed_tables_are_valid(seed_tables):
    for name, frame in seed_tables.items():
        validate(TABLES_BY_NAME[name], frame)
    assert foreign_key_violations(seed_tables) == []


@pytest.mark.parametrize(
    "changes, column",
    [
        ({"text": None}, "text"),
        ({"text": "  "}, "text"),
        ({"seq": 0}, "seq"),
        ({"span_start": -1}, "span_start"),
        ({"measure_id": "Bad ID"}, "measure_id"),
    ],
)
def test_invalid_measure_rows_are_rejected(changes, column):
    frame = to_frame(MEASURES, [valid_measure(), valid_measure(**{"measure_id": "doc-a-m002", "seq": 2, **changes})])
    with pytest.raises(SchemaErrors) as info:
        validate(MEASURES, frame)
    assert column in set(info.value.failure_cases["column"].astype(str))


def test_duplicate_keys_and_unknown_columns_are_rejected():
    with pytest.raises(SchemaErrors):
        validate(MEASURES, to_frame(MEASURES, [valid_measure(), valid_measure()]))
    frame = to_frame(MEASURES, [valid_measure()])
    frame["extra"] = 1
    with pytest.raises(SchemaErrors):
        validate(MEASURES, frame)


def test_vocabularies_and_lists_are_checked(seed_tables):
    documents = seed_tables["documents"].copy()
    documents.loc[0, "doc_type"] = "manifesto"
    documents.at[1, "issuers"] = []
    with pytest.raises(SchemaErrors) as info:
        validate(DOCUMENTS, documents)
    assert {"doc_type", "issuers"} <= set(info.value.failure_cases["column"].astype(str))


def test_foreign_keys_across_tables(seed_tables):
    frames = dict(seed_tables)
    frames["measures"] = pd.concat([frames["measures"], to_frame(MEASURES, [valid_measure(doc_id="nowhere", measure_id="nowhere-m001")])])
    problems = foreign_key_violations(frames)
    assert len(problems) == 1 and "measures.doc_id" in problems[0]


def test_frictionless_schema_and_duckdb_ddl_come_from_the_same_definition():
    schema = frictionless_schema(MEASURES)
    assert [f["name"] for f in schema["fields"]] == MEASURES.field_names
    assert schema["primaryKey"] == ["measure_id"]
    assert {"fields": ["section_id"], "reference": {"resource": "sections", "fields": ["section_id"]}} in schema["foreignKeys"]
    ddl = duckdb_ddl(MEASURES)
    assert all(f'"{name}"' in ddl for name in MEASURES.field_names)
    assert '"doc_id" VARCHAR NOT NULL' in ddl and '"section_id" VARCHAR,' in ddl
    assert "PRIMARY KEY" not in ddl and "REFERENCES" not in ddl  # indexes that did not fit memory at 30,000 documents
    comments = duckdb_comments(MEASURES)
    assert comments[0].startswith("COMMENT ON TABLE measures IS ") and "Primary key: measure_id." in comments[0]
    assert "Foreign key: section_id -> sections.section_id." in comments[0]
    section = next(c for c in comments if 'measures."section_id"' in c)
    assert "References sections.section_id." in section
    responsibilities = duckdb_comments(TABLES_BY_NAME["responsibilities"])
    assert "Part of the primary key (measure_id, seq)." in next(c for c in responsibilities if '"seq"' in c)


def test_enrichment_tables_reject_values_outside_their_vocabularies(seed_tables):
    targets = seed_tables["targets"].copy()
    targets.loc[0, "comparator"] = "≈"
    places = seed_tables["places"].copy()
    places.loc[0, "place_code"] = "31011"
    responsibilities = seed_tables["responsibilities"].copy()
    responsibilities.loc[0, "role"] = "owner"
    for name, frame, column in (("targets", targets, "comparator"), ("places", places, "place_code"), ("responsibilities", responsibilities, "role")):
        with pytest.raises(SchemaErrors) as info:
            validate(TABLES_BY_NAME[name], frame)
        assert column in set(info.value.failure_cases["column"].astype(str))


def test_a_row_key_that_no_table_defines_is_an_error():
    import pytest

    from validation.schemas import to_frame
    from validation.tables import TABLES_BY_NAME

    with pytest.raises(ValueError, match=r"no column\(s\) \['titel'\]"):
        to_frame(TABLES_BY_NAME["themes"], [{"theme_id": "x", "label_zh": "甲", "label_en": "a", "definition": "d", "terms": ["甲"], "titel": "typo"}])


def test_blank_strings_are_found_alike_in_small_and_large_columns():
    """Small columns are checked by a loop (str.strip), large ones by pyarrow (utf8_trim_whitespace): the same
    verdict for every code point, alone and padded, so the cut-over size never changes what is rejected."""
    from validation.schemas import VECTORISED_FROM_ROWS, _no_blank_strings

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    values = [*points, *(f" {p}\u3000" for p in points), None, ""]
    large = pd.Series(values, dtype=pd.StringDtype("pyarrow"))
    assert len(large) >= VECTORISED_FROM_ROWS
    by_loop = [v is None or bool(v.strip()) for v in values]
    assert _no_blank_strings(large).tolist() == by_loop
    small = large[large.isna() | large.isin(["", " ", "\u3000", "\u200b", "\xa0", "x", "\x1c"])].reset_index(drop=True)
    assert len(small) < VECTORISED_FROM_ROWS
    assert _no_blank_strings(small).tolist() == [v is pd.NA or bool(v.strip()) for v in small.tolist()]
    rows = [valid_measure(measure_id=f"doc-a-m{n:03d}", seq=n, kind="item", text="推进合作。" if n % 50 else "\u3000 ")
            for n in range(1, VECTORISED_FROM_ROWS * 2)]
    with pytest.raises(SchemaErrors) as caught:
        validate(MEASURES, to_frame(MEASURES, rows))
    failures = caught.value.failure_cases
    assert set(failures["index"]) == {49, 99} and set(failures["check"]) == {"not_blank"}


@pytest.mark.parametrize("column", [
    pd.Series(["一", 3, "三"], dtype=object),  # pandera checks an object column element by element
    pd.Series([7, 8, 9], dtype="Int64"),
    pd.Series(["一", "二", "三"], dtype=pd.StringDtype("python")),
])
def test_a_string_column_of_another_dtype_is_rejected(seed_tables, column):
    """The string columns' dtype check answers a match in one verdict (ArrowString) and a mismatch as pandera does."""
    measures = seed_tables["measures"].head(3).reset_index(drop=True)
    validate(MEASURES, measures)
    frame = measures.copy()
    frame["title"] = column
    with pytest.raises(SchemaErrors) as info:
        validate(MEASURES, frame)
    failures = info.value.failure_cases
    assert set(failures["column"].astype(str)) == {"title"}
    assert any("dtype" in str(check) for check in failures["check"])
