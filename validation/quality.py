"""Domain checks over the extracted tables; their findings form quality_issues.

Each check is a pure function from frames (and the decoded sources, for
spans) to issue records. `document_issues` runs the checks of one document
(the unit of work, see pipelines.assembly); `dataset_issues` those that need
every document. The Dagster asset checks report per check from the
resulting quality_issues table.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame

from pipelines.extraction.issues import Severity, quality_issue
from pipelines.extraction.normalising import normalise
from pipelines.extraction.numbering import match_marker
from validation.schemas import QualityIssuesModel, to_frame
from validation.tables import QUALITY_ISSUES

COVERAGE_GOAL = 0.999
EXCERPT_TYPES = {"news_report", "excerpt"}
THEME_COVERAGE_GOAL = 0.95

Issue = dict[str, Any]


def _issue(doc_id: str | None, object_id: str | None, check: str, severity: Severity, message: str) -> Issue:
    return quality_issue(check, severity, message, doc_id, object_id)


Rows: TypeAlias = Sequence[Mapping[str, Any]]
Table: TypeAlias = pd.DataFrame | Rows  # the checks take a table as a frame or as its records


def _rows(table: Table) -> Rows:
    """The rows as mappings of plain values; records pass through, frames are read column by column
    (far cheaper than itertuples on small Arrow-backed frames)."""
    if not isinstance(table, pd.DataFrame):
        return table
    columns = list(table.columns)
    if not len(table):
        return []
    return [{k: _value(v) for k, v in zip(columns, values)} for values in zip(*(table[c].tolist() for c in columns))]


def _value(value: Any) -> Any:
    """A cell as a plain Python value: pandas' missing values become None."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


# ------------------------------------------------------------ numbering


def _style_of(label: str) -> str | None:
    marker = match_marker(label + "\u3000x")  # a marker needs text after it
    return marker.style if marker else None


def check_numbering(sections: Table, measures: Table, clauses: Table | None = None) -> list[Issue]:
    """Gaps, duplicates and unexpected restarts in each numbering sequence.

    A sequence is one numbering style in one document. It either restarts at
    1 under each parent or runs on across parents; the document shows which.
    """
    issues: list[Issue] = []
    records = []
    numbered = [(sections, "section_id", "parent_id"), (measures, "measure_id", "section_id")]
    if clauses is not None:
        numbered.append((clauses, "clause_id", "measure_id"))
    for frame, id_col, parent_col in numbered:
        for row in _rows(frame):
            if _value(row["label_number"]) is None:
                continue
            records.append((row["doc_id"], int(row["span_start"]), _style_of(row["label"]), _value(row[parent_col]), int(row["label_number"]), row["label"], row[id_col]))
    records.sort(key=lambda r: (r[0], r[1]))
    sequences: dict[tuple[str, str | None], list[tuple[Any, ...]]] = {}
    for rec in records:
        sequences.setdefault((rec[0], rec[2]), []).append(rec)
    for (doc_id, _style), seq in sequences.items():
        for prev, cur in zip(seq, seq[1:]):
            _, _, _, prev_parent, prev_value, prev_label, _ = prev
            _, _, _, parent, value, label, object_id = cur
            if value == prev_value + 1 or (parent != prev_parent and value == 1):
                continue
            if value == prev_value:
                message = f"duplicate number {label} after {prev_label}"
            elif value > prev_value + 1:
                missing = value - prev_value - 1
                message = f"numbering gap: {prev_label} is followed by {label} ({missing} number{'s' if missing > 1 else ''} missing)"
            elif value == 1:
                message = f"numbering restarts at {label} within the same parent after {prev_label}"
            else:
                message = f"numbering goes back from {prev_label} to {label}"
            issues.append(_issue(doc_id, object_id, "numbering_continuity", "warning", message))
    return issues


# ------------------------------------------------------- declared counts


def check_declared_counts(documents: Table, sections: Table, measures: Table) -> list[Issue]:
    """Counts a document states (共有20项重点任务) against what was found."""
    issues: list[Issue] = []
    documents, sections = _rows(documents), _rows(sections)
    doc_types = {d["doc_id"]: d["doc_type"] for d in documents}
    per_section = Counter(m["section_id"] for m in _rows(measures))
    for row in sections:
        if _value(row["declared_count"]) is None:
            continue
        declared, found = int(row["declared_count"]), int(per_section.get(row["section_id"], 0))
        if declared != found:
            excerpt = doc_types.get(row["doc_id"]) in EXCERPT_TYPES
            issues.append(_issue(
                row["doc_id"], row["section_id"], "declared_counts", "info" if excerpt else "warning",
                f"section {_value(row['label']) or row['title']} declares {declared} tasks, {found} found"
                + (" (the document is an excerpt)" if excerpt else ""),
            ))
    for row in documents:
        if _value(row["declared_count"]) is None:
            continue
        declared = int(row["declared_count"])
        section_counts = [int(s["declared_count"]) for s in sections if s["doc_id"] == row["doc_id"] and _value(s["declared_count"]) is not None]
        if section_counts:
            total = sum(section_counts)
            severity: Severity = "info" if total == declared else "warning"
            verdict = "match" if total == declared else "do not match"
            issues.append(_issue(row["doc_id"], row["doc_id"], "declared_counts", severity,
                                 f"document declares {declared} tasks; its sections declare {total} in all: they {verdict}"))
        if int(row["n_measures"]) != declared:
            excerpt = row["doc_type"] in EXCERPT_TYPES
            issues.append(_issue(row["doc_id"], row["doc_id"], "declared_counts", "info" if excerpt else "warning",
                                 f"document declares {declared} tasks, {int(row['n_measures'])} measures found"))
    return issues


# ------------------------------------------------------------- coverage


def check_coverage(documents: Table) -> list[Issue]:
    issues = []
    for row in _rows(documents):
        coverage = float(row["coverage"])
        severity: Severity = "info" if coverage >= COVERAGE_GOAL else "warning"
        issues.append(_issue(row["doc_id"], row["doc_id"], "coverage", severity,
                             f"{coverage:.2%} of the non-noise source characters are in some record"))
    return issues


# ---------------------------------------------------------------- spans


def _squash(text: str) -> str:
    # str.split() splits on exactly the characters re's \s matches in str patterns (both use
    # Py_UNICODE_ISSPACE), and is several times cheaper than a substitution.
    if not isinstance(text, str):
        return re.sub(r"\s+", "", text)  # raises as it always did for a value that is not text
    return "".join(text.split())


_WIDTH = str.maketrans("（），；：！？", "(),;:!?")


def _fold(text: str) -> str:
    """Squashed, with full-width punctuation as ASCII: normalising a slice alone can choose another width
    at its edge than normalising it inside its sentence did (a bracket before a Chinese comma)."""
    return _squash(text).translate(_WIDTH)


def _reading(source: str, start: int, end: int, noise: list[tuple[int, int]], corrections: Sequence[tuple[int, int, str]] = ()) -> str:
    """The source slice without its noise, with errata applied when given (as the text columns read it).

    Works by intervals, not characters: a correction's text replaces its whole
    span (noise inside it included); noise is left out of the rest.
    """
    gaps = [(max(ns, start), min(ne, end)) for ns, ne in noise if ns < end and ne > start]
    fixes = sorted((s, e, text) for s, e, text in corrections if start <= s and e <= end)
    if not gaps and not fixes:
        return source[start:end]

    def without_noise(a: int, b: int) -> str:
        pieces, i = [], a
        for ns, ne in sorted(gaps):
            if ne <= i or ns >= b:
                continue
            pieces.append(source[i:max(ns, i)])
            i = max(i, min(ne, b))
        pieces.append(source[i:b])
        return "".join(pieces)

    out, i = [], start
    for s, e, text in fixes:
        if s >= i:  # a correction inside an earlier one is not reached
            out += [without_noise(i, s), text]
            i = e
    out.append(without_noise(i, end))
    return "".join(out)


def _noise_by_doc(tables: Mapping[str, Table]) -> dict[str, list[tuple[int, int]]]:
    noise: dict[str, list[tuple[int, int]]] = {}
    for row in _rows(tables["noise"]):
        noise.setdefault(row["doc_id"], []).append((int(row["span_start"]), int(row["span_end"])))
    return noise


def check_spans(frames: Mapping[str, Table], sources: Mapping[str, str]) -> list[Issue]:
    """Each record's source slice, less noise and whitespace, is its text_original."""
    issues: list[Issue] = []
    noise = _noise_by_doc(frames)
    for table, id_col in (("document_parts", "part_id"), ("sections", "section_id"), ("measures", "measure_id"), ("clauses", "clause_id")):
        if table not in frames:
            continue
        for row in _rows(frames[table]):
            source = sources.get(row["doc_id"])
            object_id = row[id_col]
            start, end = int(row["span_start"]), int(row["span_end"])
            if source is None or not (0 <= start < end <= len(source)):
                issues.append(_issue(row["doc_id"], object_id, "spans", "error", f"span {start}:{end} lies outside the source text"))
                continue
            sliced = _reading(source, start, end, noise.get(row["doc_id"], []))
            expected = _squash(row["text_original"])
            # Entities are decoded in HTML only; the decoded reading is made only when the plain one fails.
            if expected != _squash(sliced) and expected != _squash(html.unescape(sliced)):
                issues.append(_issue(row["doc_id"], object_id, "spans", "error",
                                     f"source slice {start}:{end} does not hold the record's text_original"))
    return issues


# Evidence columns of the enrichment tables: (table, id column, value column).
EVIDENCE = (
    ("targets", "target_id", "quote"),
    ("place_mentions", "mention_id", "mention_text"),
    ("responsibilities", "measure_id", "agency_text"),
)


def check_evidence_spans(frames: Mapping[str, Table], sources: Mapping[str, str]) -> list[Issue]:
    """Each enrichment value is what its source span says, once corrected and normalised."""
    issues: list[Issue] = []
    scripts = {d["doc_id"]: d["script"] for d in _rows(frames["documents"])}
    noise = _noise_by_doc(frames)
    corrections = _rows(frames["corrections"])
    fixes: dict[str, list[tuple[int, int, str]]] = {}
    for fix in corrections:
        corrected = _value(fix["corrected"])
        fixes.setdefault(fix["doc_id"], []).append((int(fix["span_start"]), int(fix["span_end"]), corrected if isinstance(corrected, str) else ""))
    for fix in corrections:
        corrected_source = sources.get(fix["doc_id"], "")
        if corrected_source[fix["span_start"] : fix["span_end"]] != fix["original"]:
            issues.append(_issue(fix["doc_id"], fix["correction_id"], "spans", "error", f"correction span {fix['span_start']}:{fix['span_end']} does not hold {fix['original']}"))
    measures_doc = {m["measure_id"]: m["doc_id"] for m in _rows(frames["measures"])}
    for table, id_col, value_col in EVIDENCE:
        for row in _rows(frames[table]):
            doc_id: str = row.get("doc_id") or measures_doc.get(row["measure_id"]) or ""
            source = sources.get(doc_id)
            start, end = int(row["span_start"]), int(row["span_end"])
            if source is None or not (0 <= start < end <= len(source)):
                issues.append(_issue(doc_id, row[id_col], "spans", "error", f"{table} span {start}:{end} lies outside the source text"))
                continue
            reading = _reading(source, start, end, noise.get(doc_id, []), fixes.get(doc_id, []))
            script = scripts.get(doc_id, "zh-Hans")
            found = normalise(reading, script)
            expected = _fold(row[value_col])
            if expected != _fold(found):
                unescaped = html.unescape(reading)  # entities are decoded in HTML only
                # Without an entity the decoded reading is the same text: normalising it again would tell nothing new.
                if unescaped == reading or expected != _fold(normalise(unescaped, script)):
                    issues.append(_issue(doc_id, row[id_col], "spans", "error", f"{table} span {start}:{end} reads {found!r}, not {row[value_col]!r}"))
    return issues


def check_theme_coverage(measures: pd.DataFrame, measure_themes: pd.DataFrame) -> list[Issue]:
    if measures.empty:
        return []
    return theme_coverage_issues(float(measures["measure_id"].isin(set(measure_themes["measure_id"])).mean()))


def theme_coverage_issues(share: float | None) -> list[Issue]:
    """The theme coverage finding, from the share of measures with a theme (None: no measures)."""
    if share is None:
        return []
    severity: Severity = "info" if share >= THEME_COVERAGE_GOAL else "warning"
    return [_issue(None, None, "theme_coverage", severity, f"{share:.1%} of measures have at least one theme (goal {THEME_COVERAGE_GOAL:.0%})")]


# ---------------------------------------------------------------- all

# Checks that judge one document at a time; a document's findings depend on it alone.
DOCUMENT_CHECKS = ("numbering_continuity", "declared_counts", "coverage", "spans")
DATASET_CHECKS = ("theme_coverage",)


def document_issues(frames: Mapping[str, Table], doc_id: str, source: str) -> list[Issue]:
    """The domain checks of one document's record tables."""
    sources = {doc_id: source}
    checks: dict[str, Callable[[], list[Issue]]] = {
        "numbering_continuity": lambda: check_numbering(frames["sections"], frames["measures"], frames["clauses"]),
        "declared_counts": lambda: check_declared_counts(frames["documents"], frames["sections"], frames["measures"]),
        "coverage": lambda: check_coverage(frames["documents"]),
        "spans": lambda: check_spans(frames, sources) + check_evidence_spans(frames, sources),
    }
    return [issue for name in DOCUMENT_CHECKS for issue in checks[name]()]


@pa.check_types
def dataset_issues(frames: Mapping[str, pd.DataFrame]) -> DataFrame[QualityIssuesModel]:  # type: ignore[valid-type]  # the model is generated from validation.tables
    """The checks that need every document at once."""
    issues = check_theme_coverage(frames["measures"], frames["measure_themes"])
    return to_frame(QUALITY_ISSUES, issues)  # type: ignore[no-any-return]  # pandera's DataFrame generic is not a pandas subclass to mypy
