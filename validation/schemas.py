"""Pandera DataFrameModels generated from validation.tables.

Every model is strict (no undeclared columns) and shares the base checks of
TableModel. Frames are built with `to_frame` so dtypes always match the
model; transforms that produce tables are decorated with @pa.check_types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandera.dtypes
import pandera.pandas as pa
import pyarrow
import pyarrow.compute
from pandera.engines import pandas_engine
from pandera.typing import Series

from validation.tables import TABLES, Field, Table

PANDAS_DTYPES: dict[str, Any] = {
    "string": pd.StringDtype("pyarrow"),
    "integer": pd.Int64Dtype(),
    "number": pd.Float64Dtype(),
    "boolean": pd.BooleanDtype(),
    "list": object,
}


@pandas_engine.Engine.register_dtype
@pandera.dtypes.immutable(init=True)
class ArrowString(pandas_engine.STRING):
    """pandas' string dtype, as pandera's own, with the verdict of a column of that dtype given as one bool.

    pandera's string dtype answers a match with an array of True, one per row, and pandera then builds
    (and formats into a message) a frame of the rows that failed, empty, for every string column of
    every validation: half the cost of validating a small frame. A mismatch is answered as before.
    """

    def check(self, pandera_dtype: Any, data_container: Any = None) -> Any:
        verdict = super().check(pandera_dtype, data_container)
        if isinstance(verdict, np.ndarray) and verdict.all():
            return True
        return verdict


_ANNOTATIONS: dict[str, Any] = {
    "string": Series[ArrowString],
    "integer": Series[pd.Int64Dtype],
    "number": Series[pd.Float64Dtype],
    "boolean": Series[pd.BooleanDtype],
    "list": Series[object],
}


class TableModel(pa.DataFrameModel):
    """Base for all published tables: strict columns, declared order."""

    class Config:
        strict = True
        ordered = True
        coerce = False


def _is_list_of_strings(series: pd.Series) -> pd.Series:
    return series.map(lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(x, str) and x for x in v))


_ARROW_STRING = pd.StringDtype("pyarrow")


VECTORISED_FROM_ROWS = 64  # below this a loop over the values is faster than three pyarrow kernels


def _no_blank_strings(series: pd.Series) -> pd.Series:
    if series.dtype == _ARROW_STRING:
        # str.strip removes exactly the characters pyarrow's utf8_trim_whitespace does (compared over
        # every code point in tests/test_schemas.py): a loop on small columns, pyarrow's kernels on large ones.
        if len(series) < VECTORISED_FROM_ROWS:
            return pd.Series([v is pd.NA or bool(v.strip()) for v in series.tolist()], index=series.index, dtype="boolean")
        values = series.array.__arrow_array__()
        kept = pyarrow.compute.fill_null(pyarrow.compute.greater(pyarrow.compute.utf8_length(pyarrow.compute.utf8_trim_whitespace(values)), 0), True)
        return pd.Series(kept.to_numpy(zero_copy_only=False), index=series.index, dtype="boolean")
    return series.isna() | (series.astype("string").str.strip().str.len() > 0)


def _field_spec(f: Field) -> Any:
    return pa.Field(
        nullable=not f.required,
        unique=f.unique,
        isin=list(f.enum) if f.enum else None,
        str_matches=f.pattern,
        ge=f.minimum,
        le=f.maximum,
        description=f.description,
    )


def _shared_checks(table: Table) -> dict[str, Any]:
    """Column checks every table gets: no blank strings, lists of strings."""
    checks: dict[str, Any] = {}
    strings = [f.name for f in table.fields if f.type == "string"]
    lists = [f.name for f in table.fields if f.type == "list"]
    if strings:
        checks["strings_not_blank"] = pa.check(*strings, name="not_blank")(
            lambda cls, series: _no_blank_strings(series)
        )
    if lists:
        checks["lists_of_strings"] = pa.check(*lists, name="list_of_strings")(
            lambda cls, series: _is_list_of_strings(series)
        )
    return checks


def _model_for(table: Table) -> type[TableModel]:
    attrs: dict[str, Any] = {"__annotations__": {}}
    for f in table.fields:
        attrs["__annotations__"][f.name] = _ANNOTATIONS[f.type]
        attrs[f.name] = _field_spec(f)
    attrs.update(_shared_checks(table))
    attrs["Config"] = type("Config", (TableModel.Config,), {"name": table.name, "description": table.description})
    if table.primary_key and len(table.primary_key) > 1:
        attrs["Config"].unique = list(table.primary_key)
    class_name = "".join(part.title() for part in table.name.split("_")) + "Model"
    return type(class_name, (TableModel,), attrs)


MODELS: dict[str, type[TableModel]] = {t.name: _model_for(t) for t in TABLES}
DocumentsModel = MODELS["documents"]
DocumentPartsModel = MODELS["document_parts"]
SectionsModel = MODELS["sections"]
MeasuresModel = MODELS["measures"]
NoiseModel = MODELS["noise"]
QualityIssuesModel = MODELS["quality_issues"]


_ARROW_TYPES = {"string": pyarrow.string(), "integer": pyarrow.int64(), "number": pyarrow.float64(), "boolean": pyarrow.bool_(), "list": pyarrow.list_(pyarrow.string())}
_PANDAS_FROM_ARROW = {pyarrow.string(): pd.StringDtype("pyarrow"), pyarrow.int64(): pd.Int64Dtype(), pyarrow.float64(): pd.Float64Dtype(), pyarrow.bool_(): pd.BooleanDtype()}


def arrow_schema(table: Table) -> pyarrow.Schema:
    return pyarrow.schema([pyarrow.field(f.name, _ARROW_TYPES[f.type], nullable=not f.required) for f in table.fields])


def _check_keys(table: Table, records: list[Mapping[str, Any]]) -> None:
    unknown = sorted(set().union(*records) - set(table.field_names))  # one C-level pass over the keys
    if unknown:
        raise ValueError(f"table {table.name} has no column(s) {unknown}: a row key that no table defines")


# Built once per table: making the schema and its sort keys cost more than converting a small table.
_BUILD_SCHEMAS: dict[Table, pyarrow.Schema] = {}
_SORTINGS: dict[Table, pyarrow.compute.SortOptions] = {}


def _build_schema(table: Table) -> pyarrow.Schema:
    """The table's Arrow schema with every column nullable (the schema checks report missing values)."""
    schema = _BUILD_SCHEMAS.get(table)
    if schema is None:
        schema = _BUILD_SCHEMAS[table] = pyarrow.schema([f.with_nullable(True) for f in arrow_schema(table)])
    return schema


def _sort_order(table: Table, arrow: pyarrow.Table) -> pyarrow.Array | None:
    """The row order of the sorted table (as Table.sort_by takes it), None when the rows stay as they are."""
    if not table.sort_by or arrow.num_rows <= 1:
        return None
    options = _SORTINGS.get(table)
    if options is None:
        options = _SORTINGS[table] = pyarrow.compute.SortOptions(sort_keys=[(c, "ascending", "at_start") for c in table.sort_by])
    return pyarrow.compute.sort_indices(arrow, options=options)


def _unsorted_arrow(table: Table, records: list[Mapping[str, Any]]) -> pyarrow.Table:
    _check_keys(table, records)
    schema = _build_schema(table)
    # Column by column, as Table.from_pylist does, but without its per-row membership test.
    return pyarrow.Table.from_arrays([[record.get(name) for record in records] for name in schema.names], schema=schema)


def to_arrow(table: Table, records: Iterable[Mapping[str, Any]]) -> pyarrow.Table:
    """The records as an Arrow table of exactly the table's columns and types, sorted like to_frame.

    Raises (pyarrow.ArrowException, ValueError) for a value of the wrong type; nulls in
    required columns are left for the schema checks to report.
    """
    arrow = _unsorted_arrow(table, list(records))
    order = _sort_order(table, arrow)
    return arrow if order is None else arrow.take(order)


def to_arrow_and_rows(table: Table, records: Iterable[Mapping[str, Any]]) -> tuple[pyarrow.Table, list[Mapping[str, Any]]]:
    """to_arrow's table, and the records in its row order each with exactly the table's keys
    (missing ones as None): what its to_pylist would give, without converting back from Arrow."""
    records = list(records)
    arrow = _unsorted_arrow(table, records)
    names = arrow.column_names
    rows = [record if len(record) == len(names) else {name: record.get(name) for name in names} for record in records]
    order = _sort_order(table, arrow)
    if order is None:
        return arrow, rows
    return arrow.take(order), [rows[i] for i in order.to_pylist()]


def frame_from_arrow(table: Table, arrow: pyarrow.Table) -> pd.DataFrame:
    """The frame to_frame gives, from an Arrow table of the table's columns."""
    frame = arrow.to_pandas(types_mapper=_PANDAS_FROM_ARROW.get)
    for f in table.fields:
        if f.type == "list":  # pandera's list check and the writers expect Python lists
            frame[f.name] = pd.Series(arrow.column(f.name).to_pylist(), dtype=object)
    return frame


def to_frame(table: Table, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a frame with exactly the table's columns, typed and sorted.

    A record key that the table does not define is an error, never a silently
    dropped value or a null column.
    """
    records = list(records)
    try:
        return frame_from_arrow(table, to_arrow(table, records))
    except (pyarrow.ArrowException, TypeError, OverflowError):
        pass  # a value of another type: pandas coerces what it can and the schema reports the rest
    _check_keys(table, records)
    rows = [{name: record.get(name) for name in table.field_names} for record in records]
    frame = pd.DataFrame(rows, columns=table.field_names)
    for f in table.fields:
        if f.type == "list":
            frame[f.name] = frame[f.name].astype(object)
        else:
            frame[f.name] = frame[f.name].astype(PANDAS_DTYPES[f.type])
    if table.sort_by and len(frame):
        frame = frame.sort_values(list(table.sort_by), kind="stable", na_position="first").reset_index(drop=True)
    return frame


def validate(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate every row (lazy: all failures reported together)."""
    return MODELS[table.name].validate(frame, lazy=True)


def foreign_key_violations(frames: Mapping[str, pd.DataFrame]) -> list[str]:
    """Foreign keys across frames; pandera validates one frame at a time."""
    problems: list[str] = []
    for table in TABLES:
        frame = frames.get(table.name)
        if frame is None:
            continue
        for fk in table.foreign_keys:
            target = frames.get(fk.reference_table)
            if target is None:
                continue
            known = set(target[fk.reference_fields].dropna())
            values = frame[fk.fields].dropna()
            missing = sorted(set(values) - known)
            if missing:
                problems.append(
                    f"{table.name}.{fk.fields} -> {fk.reference_table}.{fk.reference_fields}: "
                    f"{len(missing)} unknown value(s), e.g. {missing[:3]}"
                )
    return problems
