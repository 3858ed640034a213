"""The published dataset as pandas DataFrames: `yrdpm.load()` and `yrdpm.load("measures")`.

Works on a package folder or its URL (a copy of `datapackage/` anywhere, or the
repository's raw file address), reading only the descriptor and the files it
names. Each file is checked against the sha256 the descriptor gives. Parquet
is read where the descriptor lists it; otherwise the CSV file, typed by the
table schema in the descriptor (lists decoded from their JSON arrays).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.parse
import urllib.request
from typing import Any, overload

import pandas as pd

__all__ = ["load", "tables"]

DEFAULT_PACKAGE = "datapackage"
_PANDAS_TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


def _is_url(location: str) -> bool:
    return urllib.parse.urlparse(location).scheme in ("http", "https", "file")


def _read_bytes(base: str, path: str) -> bytes:
    if _is_url(base):
        with urllib.request.urlopen(urllib.parse.urljoin(base, path), timeout=60) as response:  # noqa: S310 - http(s) or file only
            data: bytes = response.read()
            return data
    with open(os.path.join(base, path), "rb") as handle:
        return handle.read()


def _descriptor(package: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """The folder or URL the package's paths are relative to, and its descriptor."""
    location = os.fspath(package)
    if location.endswith("datapackage.json"):
        base = location[: -len("datapackage.json")] or "."
    else:
        base = location if location.endswith("/") or not _is_url(location) else location + "/"
    descriptor: dict[str, Any] = json.loads(_read_bytes(base, "datapackage.json").decode("utf-8"))
    return base, descriptor


def _checked(base: str, part: dict[str, Any], verify: bool) -> bytes:
    data = _read_bytes(base, part["path"])
    expected = part.get("hash")
    if verify and expected:
        found = "sha256:" + hashlib.sha256(data).hexdigest()
        if found != expected:
            raise ValueError(f"{part['path']} does not match the descriptor ({found}, expected {expected}): the copy is damaged or from another release")
    return data


def _frame(base: str, resource: dict[str, Any], verify: bool) -> pd.DataFrame:
    fields = resource["schema"]["fields"]
    parquet = resource.get("parquet")
    if parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        mapping = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype()}
        table = pq.read_table(io.BytesIO(_checked(base, parquet, verify)))
        frame = table.to_pandas(types_mapper=mapping.get)
        for f in fields:
            if f["type"] == "array":
                frame[f["name"]] = pd.Series(table.column(f["name"]).to_pylist(), dtype=object)
        return frame
    data = _checked(base, resource, verify)
    dtypes = {f["name"]: _PANDAS_TYPES[f["type"]] for f in fields if f["type"] in _PANDAS_TYPES and f["type"] != "boolean"}
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=dtypes, keep_default_na=False, na_values=[""])
    for f in fields:
        name = f["name"]
        if f["type"] == "array":
            frame[name] = pd.Series([json.loads(v) if isinstance(v, str) else None for v in frame[name]], dtype=object)
        elif f["type"] == "boolean":
            frame[name] = frame[name].map({"true": True, "false": False, True: True, False: False}).astype("boolean")
        elif f["type"] == "string" and not f.get("constraints", {}).get("enum") and not f.get("constraints", {}).get("pattern"):
            # the CSV guards free text against spreadsheet formulas with a leading apostrophe (see the codebook)
            frame[name] = frame[name].map(lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r") else v).astype("string")
    return frame


def tables(package: str | os.PathLike[str] = DEFAULT_PACKAGE) -> list[str]:
    """The names of the package's tables."""
    return [r["name"] for r in _descriptor(package)[1]["resources"] if r.get("type") == "table"]


@overload
def load(table: str, package: str | os.PathLike[str] = ..., verify: bool = ...) -> pd.DataFrame: ...
@overload
def load(table: None = ..., package: str | os.PathLike[str] = ..., verify: bool = ...) -> dict[str, pd.DataFrame]: ...


def load(table: str | None = None, package: str | os.PathLike[str] = DEFAULT_PACKAGE, verify: bool = True) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """One table as a DataFrame, or every table by name when no table is given.

    package: a package folder, its datapackage.json, or either as an http(s) URL.
    verify: check every file read against its sha256 in the descriptor.
    """
    base, descriptor = _descriptor(package)
    resources = {r["name"]: r for r in descriptor["resources"] if r.get("type") == "table"}
    if table is None:
        return {name: _frame(base, resource, verify) for name, resource in resources.items()}
    if table not in resources:
        raise KeyError(f"the package has no table {table!r}; its tables: {', '.join(resources)}")
    return _frame(base, resources[table], verify)
