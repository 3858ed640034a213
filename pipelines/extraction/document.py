"""One document in, its records out: the extraction library's entry point.

`extract_document` is a pure function of the raw bytes, the file's path and
its metadata; it never raises for bad input but returns the problem as a
quality issue, so one bad file never stops a build.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from pipelines.extraction.cleaning import clean
from pipelines.extraction.corrections import Application, Erratum, apply_errata
from pipelines.extraction.decoding import DecodeError
from pipelines.extraction.enrichment import enrich
from pipelines.extraction.formats import read_source
from pipelines.extraction.issues import Severity, quality_issue
from pipelines.extraction.normalising import detect_script, normalise_mapped
from pipelines.extraction.numbering import cn_to_int
from pipelines.extraction.paragraphs import RESPONSIBILITY_CLAUSE, split_lines
from pipelines.extraction.structure import (
    ARTICLE,
    MeasureNode,
    SectionNode,
    Structure,
    adoption_facts,
    build_structure,
    organisation_name,
    parse_date,
    structure_rules,
    title_sentence,
)
from pipelines.extraction.textmap import MappedText

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf"}
METADATA_FIELDS = ("title", "issuers", "issue_date", "effective_date", "doc_type", "document_number")
# "2019年12月1日，中共中央、国务院印发《…》" or a news lead "新华社北京12月1日电 中共中央、国务院印发了《…》".
_ISSUED_BY = re.compile(
    r"(?:(?P<date>\d{4}年\d{1,2}月(?:\d{1,2}日)?)|\d{1,2}月\d{1,2}日电)[，,\s]*(?P<who>[^，,。；《》\s]{2,40}?)(?:联合)?印发了?《(?P<title>[^》]{4,80})》"
)
_EFFECTIVE = re.compile(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起(?:施行|实施|执行|生效)")
_DOC_TYPE_WORDS = (
    ("实施方案", "implementation_plan"),
    ("政策措施", "policy_measures"),
    ("若干措施", "policy_measures"),
    ("行动计划", "plan"),
    ("行动方案", "plan"),
    ("规划", "plan"),
    ("方案", "plan"),
)


@dataclass(frozen=True)
class RawDocument:
    path: str  # relative to the repository root, POSIX separators
    data: bytes
    metadata: Mapping[str, Any] | None = None
    errata: tuple[Erratum, ...] = ()  # the reviewed corrections whose scope covers this document
    load_error: str | None = None  # the metadata file broke its schema: the document is quarantined

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def file_format(self) -> str:
        return FORMATS.get(PurePosixPath(self.path).suffix.lower(), "txt")

    @property
    def doc_id(self) -> str:
        if self.metadata and self.metadata.get("doc_id"):
            return str(self.metadata["doc_id"])
        return slug(PurePosixPath(self.path).stem)


@dataclass(frozen=True)
class TextField:
    """A normalised text value with its source map, for the enrichment steps."""

    table: str
    object_id: str
    field: str
    mt: MappedText


@dataclass
class Extraction:
    doc_id: str
    source_file: str
    source_text: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    document_parts: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[dict[str, Any]] = field(default_factory=list)
    noise: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    agencies: list[dict[str, Any]] = field(default_factory=list)
    responsibilities: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    place_mentions: list[dict[str, Any]] = field(default_factory=list)
    measure_themes: list[dict[str, Any]] = field(default_factory=list)
    quality_issues: list[dict[str, Any]] = field(default_factory=list)
    text_fields: list[TextField] = field(default_factory=list)

    def issue(self, check: str, severity: Severity, message: str, object_id: str | None = None) -> None:
        self.quality_issues.append(quality_issue(check, severity, message, self.doc_id, object_id or self.source_file))


def slug(text: str) -> str:
    """An id from a file name; names without ASCII letters (中文文件名) get a short hash."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if re.search(r"[a-z]", value):
        return value
    return "doc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def extract_document(raw: RawDocument) -> Extraction:
    """Decode, clean, structure and describe one document."""
    result = Extraction(raw.doc_id, raw.path)
    try:
        decoded = read_source(raw.data)
    except DecodeError as exc:
        result.issue("decode", "error", f"{raw.path} (sha256 {raw.sha256}): {exc}")
        return result
    for warning in decoded.warnings:
        result.issue("decode", "warning", f"{raw.path}: {warning}")
    source = decoded.text
    result.source_text = source

    cleaned = clean(source, raw.file_format, decoded.noise, decoded.soft_breaks)
    if not cleaned.lines:
        result.issue("structure", "error", f"{raw.path}: no content left after removing markup and noise")
    units = split_lines(cleaned.lines)
    structure = build_structure(units, cleaned.body_end_line, cleaned.heading_depths, paragraphs_known=decoded.encoding in ("docx", "pdf"))
    for check, severity, message in structure.problems:
        result.issue(check, severity, f"{raw.path}: {message}")
    if structure.sections and not structure.measures:
        result.issue("structure", "warning", f"{raw.path}: headings were found but no measures under them")

    script = detect_script(source)
    _emit_records(result, structure, script, raw.errata)
    _record_invisible_removals(result, cleaned.noise)
    enrich(result)
    result.noise = [
        {"noise_id": f"{result.doc_id}-n{i:04d}", "doc_id": result.doc_id, "reason": n.reason, "text_original": n.text, "span_start": n.start, "span_end": n.end}
        for i, n in enumerate(cleaned.noise, start=1)
    ]
    result.documents = [_document_row(raw, result, structure, script, decoded.encoding, cleaned)]
    result.texts = [{"doc_id": result.doc_id, "text": source, "n_chars": len(source), "text_sha256": hashlib.sha256(source.encode("utf-8")).hexdigest()}]
    return result


# ----------------------------------------------------------------- records


def _record_text(pieces: list[MappedText]) -> tuple[str, int, int]:
    """text_original and span of a record made of one or more pieces."""
    pieces = [p for p in pieces if p]
    original = "\n".join(p.text for p in pieces)
    return original, pieces[0].starts[0], pieces[-1].ends[-1]


class _TextMaker:
    """Corrected, normalised text of a record, remembering fields and corrections."""

    def __init__(self, result: Extraction, script: str, errata: tuple[Erratum, ...]):
        self.result, self.script, self.errata = result, script, errata
        self.seen: set[tuple[str, int, int]] = set()

    def __call__(self, table: str, object_id: str, field_name: str, pieces: list[MappedText]) -> str | None:
        texts = []
        for piece in pieces:
            if not piece:
                continue
            corrected, applications = apply_errata(piece, self.errata)
            self._record(object_id, applications)
            mt = normalise_mapped(corrected, self.script)
            if mt:
                self.result.text_fields.append(TextField(table, object_id, field_name, mt))
                texts.append(mt.text)
        return "\n".join(texts) or None

    def _record(self, object_id: str, applications: list[Application]) -> None:
        for app in applications:
            key = (object_id, app.start, app.end)
            if key in self.seen:
                continue
            self.seen.add(key)
            self.result.corrections.append(
                {"doc_id": self.result.doc_id, "object_id": object_id, "rule_id": app.rule_id, "original": app.original,
                 "corrected": app.corrected, "reason": app.reason, "span_start": app.start, "span_end": app.end}
            )


def _emit_records(result: Extraction, structure: Structure, script: str, errata: tuple[Erratum, ...]) -> None:
    doc_id = result.doc_id
    rules = structure_rules()
    make_text = _TextMaker(result, script, errata)
    for seq, (_, part) in enumerate(structure.parts, start=1):
        original, start, end = _record_text(part.pieces)
        part_id = f"{doc_id}-p{seq:03d}"
        result.document_parts.append(
            {"part_id": part_id, "doc_id": doc_id, "seq": seq, "kind": part.kind, "text": make_text("document_parts", part_id, "text", part.pieces),
             "text_original": original, "span_start": start, "span_end": end}
        )

    section_ids: dict[int, str] = {}
    ordered = sorted(structure.sections, key=lambda s: s.pieces[0].starts[0])
    steps = _numbering_steps([(id(n.parent), n.marker.value if n.marker and n.marker.value else None) for n in ordered])
    for node, step in zip(ordered, steps):  # parents come before their children
        section_ids[id(node)] = f"{section_ids[id(node.parent)]}-{step}" if node.parent else f"{doc_id}-s{step}"
    for seq, node in enumerate(ordered, start=1):
        original, start, end = _record_text(node.pieces)
        section_id = section_ids[id(node)]
        result.sections.append(
            {
                "section_id": section_id,
                "doc_id": doc_id,
                "parent_id": section_ids[id(node.parent)] if node.parent else None,
                "level": node.level,
                "label": node.marker.label if node.marker and node.marker.value else None,
                "label_number": node.marker.value if node.marker and node.marker.value else None,
                "seq": seq,
                "title": make_text("sections", section_id, "title", [node.title_mt]) if node.title_mt else None,
                "intro_text": make_text("sections", section_id, "intro_text", node.intro),
                "kind": _section_kind(node, rules),
                "declared_count": node.declared_count,
                "text_original": original,
                "span_start": start,
                "span_end": end,
            }
        )

    measure_ids = _measure_ids(doc_id, structure.measures, section_ids)
    for seq, (measure, measure_id) in enumerate(zip(structure.measures, measure_ids), start=1):
        row = _measure_row(doc_id, seq, measure_id, measure, section_ids, make_text)
        result.measures.append(row)
        result.clauses.extend(_clause_rows(row, measure, make_text))


INVISIBLE = "invisible_character"  # the noise rule whose removals are also listed as corrections


def _record_invisible_removals(result: Extraction, noise: list[Any]) -> None:
    """Invisible characters removed inside a record are also corrections of that record, so a reader of
    `corrections` sees every change to a record's text; then every correction gets its id."""
    records = [(r["span_start"], r["span_end"], r[key]) for table, key in (("document_parts", "part_id"), ("sections", "section_id"), ("measures", "measure_id"))
               for r in getattr(result, table)]
    for n in noise:
        if n.reason != INVISIBLE:
            continue
        owner = next((object_id for start, end, object_id in records if start <= n.start and n.end <= end), None)
        if owner is not None:
            result.corrections.append({"doc_id": result.doc_id, "object_id": owner, "rule_id": INVISIBLE, "original": n.text, "corrected": None,
                                       "reason": "invisible character (zero-width, bidi control, control character or stray byte-order mark) removed",
                                       "span_start": n.start, "span_end": n.end})
    result.corrections.sort(key=lambda c: (c["span_start"], c["span_end"], c["object_id"]))
    for number, correction in enumerate(result.corrections, start=1):
        correction["correction_id"] = f"{result.doc_id}-c{number:03d}"


def _section_kind(node: SectionNode, rules: Any) -> str:
    if node.is_framework(rules):
        return "framework"
    if node.is_implementation(rules):
        return "implementation"
    if node.is_group:
        return "group"
    return "part" if node.has_subsections else "section"


def _numbering_steps(items: list[tuple[Any, int | None]]) -> list[str]:
    """Each item's step in a stable id, from its own number among its siblings (items with the same group).

    A numbered item is its number; an unnumbered one is 'u' and its place among the unnumbered
    items of its group; a number seen before in the group gets 'd' and how often it was seen.
    So inserting, removing or renumbering an item changes no id outside its group, and
    inserting an unnumbered item changes only the unnumbered ones after it.
    """
    seen: dict[tuple[Any, str], int] = {}
    unnumbered: dict[Any, int] = {}
    steps = []
    for group, number in items:
        if number is None:
            unnumbered[group] = unnumbered.get(group, 0) + 1
            step = f"u{unnumbered[group]}"
        else:
            step = str(number)
        seen[(group, step)] = seen.get((group, step), 0) + 1
        steps.append(step if seen[(group, step)] == 1 else f"{step}d{seen[(group, step)]}")
    return steps


def _measure_ids(doc_id: str, measures: list[MeasureNode], section_ids: dict[int, str]) -> list[str]:
    """Stable measure ids: an article by its number in the document (第十条: doc-art10), any other measure
    by its section's id and its number in the section (doc-s2-3-m4), see _numbering_steps."""
    groups = [("articles", None) if measure_kind(m) == "article" else (section_ids.get(id(m.section)) if m.section else None, "m") for m in measures]
    steps = _numbering_steps([(group, m.marker.value if m.marker and m.marker.value else None) for group, m in zip(groups, measures)])
    ids = []
    for (group, _), step in zip(groups, steps):
        if group == "articles":
            ids.append(f"{doc_id}-art{step}")
        else:
            ids.append(f"{group or doc_id}-m{step}")
    return ids


def _measure_row(doc_id: str, seq: int, measure_id: str, measure: MeasureNode, section_ids: dict[int, str], make_text: _TextMaker) -> dict[str, Any]:
    pieces = [u.mt for u in measure.units]
    original, start, end = _record_text(pieces)
    body = [pieces[0][measure.marker.length :].strip() if measure.marker else pieces[0], *pieces[1:]]
    responsibility = None
    clause = _trailing_clause(body[-1].text)
    if clause and not (len(body) == 1 and not body[-1][: clause.start()].strip()):  # a clause alone stays the text
        inner = body[-1][clause.start() : clause.end()]
        body[-1] = body[-1][: clause.start()].strip()
        responsibility = make_text("measures", measure_id, "responsibility_text", [_unbracket(inner)])
    text = make_text("measures", measure_id, "text", body) or ""
    return {
        "measure_id": measure_id,
        "doc_id": doc_id,
        "section_id": section_ids.get(id(measure.section)) if measure.section else None,
        "seq": seq,
        "kind": measure_kind(measure),
        "label": measure.marker.label if measure.marker else None,
        "label_number": measure.marker.value if measure.marker else None,
        "title": title_sentence(text) if measure.title else None,
        "text": text,
        "text_original": original,
        "responsibility_text": responsibility,
        "span_start": start,
        "span_end": end,
    }


def measure_kind(measure: MeasureNode) -> str:
    if measure.marker is None:
        return "paragraph"
    return "article" if measure.marker.style == ARTICLE else "item"


def _clause_rows(measure_row: dict[str, Any], measure: MeasureNode, make_text: _TextMaker) -> list[dict[str, Any]]:
    """An article's paragraphs (款) and numbered items (项), and those of any measure over several paragraphs."""
    if len(measure.units) < 2 and measure_kind(measure) != "article":
        return []
    rows = []
    paragraph_number = 0
    for seq, unit in enumerate(measure.units, start=1):
        inner = unit.marker if unit is not measure.units[0] else None
        if inner is None:
            paragraph_number += 1
        body = unit.mt[unit.marker.length :].strip() if unit.marker else unit.mt
        clause_id = f"{measure_row['measure_id']}-k{seq:02d}"
        rows.append({
            "clause_id": clause_id,
            "measure_id": measure_row["measure_id"],
            "doc_id": measure_row["doc_id"],
            "seq": seq,
            "kind": "item" if inner else "paragraph",
            "paragraph_number": max(paragraph_number, 1),
            "label": inner.label if inner else None,
            "label_number": inner.value if inner and inner.value else None,
            "text": make_text("clauses", clause_id, "text", [body]) or "",
            "text_original": unit.text,
            "span_start": unit.mt.starts[0],
            "span_end": unit.mt.ends[-1],
        })
    return rows


def _unbracket(mt: MappedText) -> MappedText:
    """The clause without its brackets and closing full stop."""
    text = mt.text
    left = len(text) - len(re.sub(r"^\s*[（(]\s*", "", text))
    right = len(re.sub(r"\s*[。.]?\s*[)）]?\s*[。.]?$", "", text))
    return mt[left:right]


def _trailing_clause(text: str) -> re.Match[str] | None:
    last = None
    for m in RESPONSIBILITY_CLAUSE.finditer(text):
        last = m
    if last and not text[last.end() :].strip():
        return last
    return None


# ---------------------------------------------------------------- metadata


def _bracketed_together(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Front-matter lines with a bracket opened on one line and closed on a later one, read as one line."""
    out: list[dict[str, Any]] = []
    for part in parts:
        if out and out[-1]["text"].count("（") + out[-1]["text"].count("(") > out[-1]["text"].count("）") + out[-1]["text"].count(")"):
            out[-1] = {**out[-1], "text": out[-1]["text"] + part["text"]}
        else:
            out.append(part)
    return out


def _text_facts(result: Extraction, structure: Structure, script: str) -> dict[str, Any]:
    """What the document itself says about its title, issuers and dates."""
    rules = structure_rules()
    facts: dict[str, Any] = {}
    # Issuer and date lines stand in the front matter, or as the sign-off of a transmittal notice.
    front = [p for p in result.document_parts if p["kind"] in ("title", "front_matter")]
    front += [p for p in result.document_parts if p["kind"] == "signature"]
    titles = [p["text"] for p in front if p["kind"] == "title"]
    if titles:
        facts["title"] = titles[-1]
    issuers: list[str] = []
    for part in _bracketed_together(front + [p for p in result.document_parts if p["kind"] == "document_number"]):
        adopted = adoption_facts(part["text"])
        if adopted:  # a statute's adoption note or decree number
            issuers += [name for name in adopted[0] if name not in issuers]
            if adopted[1] and "issue_date" not in facts:
                facts["issue_date"], facts["issue_date_precision"] = adopted[1]
            continue
        name = organisation_name(part["text"], rules)
        if name and name not in issuers:
            issuers.append(name)
        if "issue_date" not in facts and (date := parse_date(part["text"])):
            facts["issue_date"], facts["issue_date_precision"] = date
    if m := _ISSUED_BY.search(_preamble(result)):
        facts.setdefault("title", m["title"])
        if "issue_date" not in facts and m["date"] and (date := parse_date(m["date"])):
            facts["issue_date"], facts["issue_date_precision"] = date
        if not issuers:
            issuers = [w for w in re.split(r"[、和及]", m["who"]) if w]
    if issuers:
        facts["issuers"] = issuers
    numbers = [p["text"] for p in result.document_parts if p["kind"] == "document_number"]
    if numbers:
        facts["document_number"] = re.sub(r"\s+", "", numbers[0])
    everything = " ".join(
        [p["text"] for p in result.document_parts] + [m["text"] for m in result.measures]
    )
    if (m := _EFFECTIVE.search(everything)) and (date := parse_date(m.group(1))):
        facts["effective_date"], facts["effective_date_precision"] = date
    return facts


_PERIOD = re.compile(r"((?:19|20)\d\d)\s*[—–\-~～至到]+\s*((?:19|20)\d\d)\s*年")
_FIVE_YEAR_PLAN = re.compile(r"[“\"]?(十[一二三四五六七八九]|[三四五六七八九])五[”\"]?")


def plan_period(title: str) -> tuple[int, int, bool] | None:
    """(start, end, inferred) from a title: （2024—2026年） is stated; “十四五” is inferred (2021—2025)."""
    if m := _PERIOD.search(title):
        return int(m.group(1)), int(m.group(2)), False
    if m := _FIVE_YEAR_PLAN.search(title):
        n = cn_to_int(m.group(1))
        if n and n >= 3:  # the third plan began in 1966; the 1963-65 adjustment years are outside the sequence
            start = 1966 + 5 * (n - 3)
            return start, start + 4, True
    return None


def _inferred_doc_type(title: str | None, cleaned: Any, preamble: str) -> str:
    if any(n.reason in ("byline", "photo_credit", "editor_credit") for n in cleaned.noise):
        return "news_report"
    if "节选" in (title or "") + preamble:
        return "excerpt"
    for word, doc_type in _DOC_TYPE_WORDS:
        if title and word in title:
            return doc_type
    return "plan"


def _document_row(raw: RawDocument, result: Extraction, structure: Structure, script: str, encoding: str, cleaned: Any) -> dict[str, Any]:
    meta = dict(raw.metadata or {})
    facts = _text_facts(result, structure, script)
    origin: dict[str, str] = {"doc_id": "metadata" if meta.get("doc_id") else "inferred"}
    values: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        text_value, meta_value = facts.get(name), meta.get(name)
        if name == "issue_date":
            meta_value = str(meta_value) if meta_value is not None else None
        if meta_value is not None and text_value is not None:
            values[name] = meta_value
            origin[name] = "text_confirmed_by_metadata" if meta_value == text_value else "metadata_overrides_text"
        elif meta_value is not None:
            values[name], origin[name] = meta_value, "metadata"
        elif text_value is not None:
            values[name], origin[name] = text_value, "text"
        else:
            values[name], origin[name] = None, "none"
    if values["effective_date"] is not None:
        values["effective_date_precision"] = (
            facts.get("effective_date_precision") if origin["effective_date"] == "text"
            else _precision_of(str(values["effective_date"]))
        )
    else:
        values["effective_date_precision"] = None
    period_start, period_end = meta.get("plan_period_start"), meta.get("plan_period_end")
    if period_start is not None and period_end is not None:
        origin["plan_period"] = "metadata"
    elif found := plan_period(values["title"] or ""):
        period_start, period_end, inferred = found
        title_origin = "metadata" if origin["title"].startswith("metadata") else "text"
        origin["plan_period"] = "inferred" if inferred else f"{title_origin}_title"
    else:
        origin["plan_period"] = "none"
    if values["issue_date"] is not None:
        if origin["issue_date"] == "text":
            precision = facts.get("issue_date_precision")
        else:
            precision = meta.get("issue_date_precision") or _precision_of(values["issue_date"])
        values["issue_date_precision"] = precision
    else:
        values["issue_date_precision"] = None
    if values["doc_type"] is None:
        values["doc_type"], origin["doc_type"] = _inferred_doc_type(values["title"], cleaned, _preamble(result)), "inferred"
    if values["title"] is None:
        values["title"], origin["title"] = PurePosixPath(raw.path).stem, "inferred"
        result.issue("metadata", "warning", f"{raw.path}: no title in the text or metadata; the file name stands in")
    if not values["issuers"]:
        values["issuers"], origin["issuers"] = ["未注明"], "none"
        result.issue("metadata", "warning", f"{raw.path}: no issuer in the text or metadata")
    if raw.metadata is None:
        result.issue("metadata", "info", f"{raw.path}: no metadata file; descriptive fields are read from the text or inferred")
    return {
        "doc_id": result.doc_id,
        "title": values["title"],
        "issuers": list(values["issuers"]),
        "issue_date": values["issue_date"],
        "issue_date_precision": values["issue_date_precision"],
        "effective_date": values["effective_date"],
        "effective_date_precision": values["effective_date_precision"],
        "plan_period_start": int(period_start) if period_start is not None else None,
        "plan_period_end": int(period_end) if period_end is not None else None,
        "document_number": values["document_number"],
        "doc_type": values["doc_type"],
        "script": script,
        "source_file": raw.path,
        "source_sha256": raw.sha256,
        "source_encoding": encoding,
        "source_description": meta.get("source"),
        "source_url": meta.get("source_url"),
        "licence": meta.get("licence"),
        "licence_id": meta.get("licence_id"),
        "full_text_published": meta.get("republish_text", True) is not False,
        "n_sections": len(result.sections),
        "n_measures": len(result.measures),
        "declared_count": structure.declared_total,
        "coverage": coverage(result),
        "metadata_origin": json.dumps(origin, ensure_ascii=False, sort_keys=True),
    }


def _precision_of(iso_date: str) -> str | None:
    return {4: "year", 7: "month", 10: "day"}.get(len(iso_date))


def _preamble(result: Extraction) -> str:
    return " ".join(p["text"] for p in result.document_parts if p["kind"] == "preamble")


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif start < end:
            out.append((start, end))
    return out


def _content_chars(text: str, spans: list[tuple[int, int]]) -> int:
    """Non-whitespace characters inside the (merged) spans."""
    return sum(len(text[start:end]) - len(_WHITESPACE.findall(text, start, end)) for start, end in spans)


_WHITESPACE = re.compile(r"\s")


def coverage(result: Extraction) -> float:
    """Share of non-noise, non-whitespace source characters inside some record span."""
    text = result.source_text or ""
    noise = _merged([(n["span_start"], n["span_end"]) for n in result.noise])
    records = _merged([(row["span_start"], row["span_end"]) for table in (result.document_parts, result.sections, result.measures) for row in table])
    content = len(text) - len(_WHITESPACE.findall(text)) - _content_chars(text, noise)
    if content <= 0:
        return 0.0
    # covered content: record characters that are not noise
    overlap, j = [], 0
    for a, b in records:  # both lists are sorted and disjoint: intersect them in one sweep
        while j < len(noise) and noise[j][1] <= a:
            j += 1
        k = j
        while k < len(noise) and noise[k][0] < b:
            overlap.append((max(a, noise[k][0]), min(b, noise[k][1])))
            k += 1
    covered = _content_chars(text, records) - _content_chars(text, overlap)
    return round(covered / content, 6)
