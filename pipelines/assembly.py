"""Per-document processing with quarantine, and assembly of the published tables (pure, no Dagster).

`process_document` is the unit of work: extract one document, validate its
records against the table schemas and run the per-document checks. Whatever
goes wrong for one document (an exception anywhere, a schema violation, a
span that does not read back) quarantines that document only: its records are
left out and one error row in quality_issues names the file and the cause.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
from pandera.errors import SchemaError, SchemaErrors

from pipelines.extraction.document import Extraction, RawDocument, extract_document
from pipelines.extraction.issues import QUARANTINE, QualityIssue, quality_issue
from pipelines.extraction.places import delta_cities, gazetteer
from pipelines.extraction.themes import themes
from validation.quality import document_issues
from validation.schemas import frame_from_arrow, to_arrow_and_rows, to_frame, validate
from validation.tables import TABLES_BY_NAME

# Tables with rows per document, and tables shared across documents.
RECORD_TABLES = (
    "documents", "texts", "document_parts", "sections", "measures", "clauses", "noise",
    "corrections", "responsibilities", "targets", "place_mentions", "measure_themes",
)
DIMENSION_TABLES = ("agencies", "places", "themes")


@dataclass
class DocumentResult:
    """One document's publishable frames (empty when it failed) and its quality issues."""

    doc_id: str
    source_file: str
    source_sha256: str
    arrow: dict[str, pa.Table] = field(default_factory=dict)  # one Arrow table per record table; empty when it failed
    agencies: list[dict[str, Any]] = field(default_factory=list)
    issues: list[QualityIssue] = field(default_factory=list)
    _frames: dict[str, pd.DataFrame] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def published(self) -> bool:
        return bool(self.arrow)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The record tables as typed pandas frames (made on first use: most builds never need them)."""
        if self._frames is None:
            self._frames = {name: frame_from_arrow(TABLES_BY_NAME[name], table) for name, table in self.arrow.items()}
        return self._frames

    @property
    def quarantined(self) -> bool:
        return any(i["check"] == QUARANTINE for i in self.issues)


def _quarantine(raw: RawDocument, cause: str, issues: list[QualityIssue]) -> DocumentResult:
    row = quality_issue(QUARANTINE, "error", f"{raw.path}: quarantined, its records are left out: {cause}", raw.doc_id, raw.path)
    return DocumentResult(raw.doc_id, raw.path, raw.sha256, issues=[*issues, row])


def _schema_failure(name: str, exc: SchemaErrors | SchemaError) -> str:
    cases = exc.failure_cases
    if isinstance(cases, pd.DataFrame) and len(cases):
        first = cases.iloc[0]
        return f"table {name} column {first.get('column')} fails {first.get('check')} (value {first.get('failure_case')!r}; {len(cases)} failure(s))"
    return f"table {name}: {str(exc).splitlines()[0]}"


def _schema_failure_of(frames: dict[str, pd.DataFrame]) -> str | None:
    """The first table whose frame breaks its pandera schema, described; None when all pass."""
    for name, frame in frames.items():
        if frame.empty:  # to_frame gives an empty frame exactly the table's columns and types
            continue
        try:
            validate(TABLES_BY_NAME[name], frame)
        except (SchemaErrors, SchemaError) as exc:
            return _schema_failure(name, exc)
    return None


def validate_results(results: list[DocumentResult]) -> list[DocumentResult]:
    """Validate the frames of many documents per table at once; quarantine only those that fail.

    When a batch fails, each of its documents is validated alone to find the
    ones at fault, so the cost of the search is paid only when something is wrong.
    """
    published = [r for r in results if r.published]
    if not published:
        return results
    batch = {name: frame_from_arrow(TABLES_BY_NAME[name], pa.concat_tables([r.arrow[name] for r in published])) for name in RECORD_TABLES}
    if _schema_failure_of(batch) is None:
        return results
    out = []
    for result in results:
        failure = _schema_failure_of(result.frames) if result.published else None
        if failure:
            row = quality_issue(QUARANTINE, "error", f"{result.source_file}: quarantined, its records are left out: {failure}", result.doc_id, result.source_file)
            result = DocumentResult(result.doc_id, result.source_file, result.source_sha256, issues=[*result.issues, row])
        out.append(result)
    return out


def _tables_of(extraction: Extraction) -> tuple[dict[str, pa.Table], dict[str, list[Mapping[str, Any]]]]:
    """Each record table as Arrow, typed and sorted, and its rows in that order for the checks;
    raises when a value has another type than its column."""
    arrow, rows = {}, {}
    for name in RECORD_TABLES:
        arrow[name], rows[name] = to_arrow_and_rows(TABLES_BY_NAME[name], getattr(extraction, name))
    return arrow, rows


def _type_failure(extraction: Extraction) -> str:
    """Why the records do not fit their tables' types, in pandera's words (pandas coerces what it can)."""
    frames = {name: to_frame(TABLES_BY_NAME[name], getattr(extraction, name)) for name in RECORD_TABLES}
    return _schema_failure_of(frames) or "a value does not have its column's type"


def process_document(raw: RawDocument, validate_schema: bool = True) -> DocumentResult:
    """Extract, validate and check one document; never raises.

    validate_schema=False leaves the pandera validation to `validate_results`,
    which validates many documents' frames at once (pandera's cost is mostly
    per call, so one call per batch is far cheaper than one per document).
    """
    if raw.load_error:
        return _quarantine(raw, raw.load_error, [])
    issues: list[QualityIssue] = []
    try:
        extraction = extract_document(raw)
        issues = list(extraction.quality_issues)
        if not extraction.documents:  # undecodable: the decode error says why
            return DocumentResult(raw.doc_id, raw.path, raw.sha256, issues=issues)
        try:
            arrow, rows = _tables_of(extraction)
        except (pa.ArrowException, TypeError, OverflowError):
            return _quarantine(raw, _type_failure(extraction), issues)
        result = DocumentResult(raw.doc_id, raw.path, raw.sha256, arrow, list(extraction.agencies))
        failure = _schema_failure_of(result.frames) if validate_schema else None
        if failure:
            return _quarantine(raw, failure, issues)
        found = document_issues(rows, extraction.doc_id, extraction.source_text or "")
        issues += found
        broken = [i for i in found if i["check"] == "spans" and i["severity"] == "error"]
        if broken:
            return _quarantine(raw, f"{len(broken)} record span(s) do not read back from the text, e.g. {broken[0]['message']}", issues)
    except Exception as exc:  # noqa: BLE001 - any failure of one document is that document's quarantine
        where = traceback.extract_tb(exc.__traceback__)[-1]
        cause = f"{type(exc).__name__}: {exc} (in {where.name}, {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        return _quarantine(raw, cause, issues)
    result.issues = issues
    return result


# ------------------------------------------------------------- assembly


class Claim(Protocol):
    """A document's claim to a doc_id: a processed document or a stored one."""

    @property
    def doc_id(self) -> str: ...
    @property
    def source_file(self) -> str: ...
    @property
    def published(self) -> bool: ...


def duplicate_doc_ids(results: Iterable[Claim]) -> list[QualityIssue]:
    """Two files claiming one doc_id: an error for both; neither is published."""
    by_id: dict[str, list[Claim]] = {}
    for result in results:
        if result.published:
            by_id.setdefault(result.doc_id, []).append(result)
    issues = []
    for doc_id, clashing in sorted(by_id.items()):
        if len(clashing) > 1:
            files = ", ".join(r.source_file for r in clashing)
            for r in clashing:
                message = f"{r.source_file}: quarantined, doc_id {doc_id} is claimed by {files}: give each file its own doc_id in its metadata"
                issues.append(quality_issue(QUARANTINE, "error", message, doc_id, r.source_file))
    return issues


def publishable(results: Iterable[DocumentResult]) -> list[DocumentResult]:
    """Documents with records whose doc_id no other document claims."""
    results = list(results)
    clashing = {i["doc_id"] for i in duplicate_doc_ids(results)}
    return [r for r in results if r.published and r.doc_id not in clashing]


def table_frame(name: str, results: Iterable[DocumentResult]) -> pd.DataFrame:
    table = TABLES_BY_NAME[name]
    frames = [r.frames[name] for r in publishable(results) if len(r.frames[name])]
    if not frames:
        return to_frame(table, [])
    frame = pd.concat(frames, ignore_index=True)
    if table.sort_by:
        frame = frame.sort_values(list(table.sort_by), kind="stable", na_position="first").reset_index(drop=True)
    return frame


def agencies_frame(results: Iterable[DocumentResult]) -> pd.DataFrame:
    return to_frame(TABLES_BY_NAME["agencies"], agency_rows(r.agencies for r in publishable(results)))


def agency_rows(per_document: Iterable[Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each agency once, as the first document (in source-file order) that names it describes it."""
    rows: dict[str, dict[str, Any]] = {}
    for agencies in per_document:
        for agency in agencies:
            rows.setdefault(agency["agency_id"], {**agency, "aliases": agency["aliases"] or None})
    return list(rows.values())


def places_frame(results: Iterable[DocumentResult]) -> pd.DataFrame:
    return to_frame(TABLES_BY_NAME["places"], place_rows(code for r in publishable(results) for code in r.frames["place_mentions"]["place_code"]))


def place_rows(mentioned: Iterable[str]) -> list[dict[str, Any]]:
    """The provinces and cities of the delta, and every division mentioned, with its parents."""
    divisions = gazetteer()
    cities = set(delta_cities())
    codes = {code for code, d in divisions.items() if d.level == "province"} | cities | set(mentioned)
    for code in list(codes):
        parent = divisions[code].parent_code
        while parent:
            codes.add(parent)
            parent = divisions[parent].parent_code
    return [
        {"place_code": code, "name": divisions[code].name, "level": divisions[code].level,
         "parent_code": divisions[code].parent_code, "is_delta_city": code in cities}
        for code in sorted(codes)
    ]


def themes_frame() -> pd.DataFrame:
    rows = [{"theme_id": t.theme_id, "label_zh": t.label_zh, "label_en": t.label_en, "definition": t.definition, "terms": list(t.terms)} for t in themes()]
    return to_frame(TABLES_BY_NAME["themes"], rows)


def dimension_frame(name: str, results: Iterable[DocumentResult]) -> pd.DataFrame:
    if name == "agencies":
        return agencies_frame(results)
    if name == "places":
        return places_frame(results)
    return themes_frame()


