"""The one definition of every published table.

Pandera models (validation.schemas), the Frictionless table schemas and the
DuckDB DDL (pipelines.publishing) and the codebook are all generated from
TABLES, so a column is added or described in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOC_TYPES = ("plan", "implementation_plan", "policy_measures", "regulation", "notice", "opinion", "news_report", "excerpt")
SECTION_KINDS = ("part", "section", "group", "framework", "implementation")
PART_KINDS = (
    "title",
    "document_number",
    "addressee",
    "transmittal",
    "front_matter",
    "preamble",
    "closing_note",
    "attachment",
    "signature",
    "publication_note",
    "distribution",
    "unstructured",
)
SEVERITIES = ("error", "warning", "info")
MEASURE_KINDS = ("article", "item", "paragraph")
CLAUSE_KINDS = ("paragraph", "item")
AGENCY_LEVELS = ("central", "provincial", "regional body", "local")
ROLES = ("lead", "participant", "unspecified")
COMPARATORS = ("=", ">=", "<=", ">", "<", "~")
PLACE_LEVELS = ("province", "prefecture", "county")
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | integer | number | boolean | list (of strings)
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ForeignKey:
    fields: str
    reference_table: str
    reference_fields: str


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    sort_by: tuple[str, ...] = field(default=())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _span_fields(what: str) -> tuple[Field, Field]:
    return (
        Field("span_start", "integer", f"Offset of the first character of the {what} in the decoded source text (0-based, inclusive).", required=True, minimum=0),
        Field("span_end", "integer", f"Offset just past the last character of the {what} in the decoded source text (exclusive).", required=True, minimum=1),
    )


DOCUMENTS = Table(
    name="documents",
    title="Policy documents",
    description="One row per source document: what it is, who issued it and when, and how completely it was extracted.",
    primary_key=("doc_id",),
    sort_by=("doc_id",),
    fields=(
        Field("doc_id", "string", "Stable document identifier (from the metadata file, else the file name).", required=True, unique=True, pattern=ID_PATTERN),
        Field("title", "string", "Document title in Simplified Chinese.", required=True),
        Field("issuers", "list", "Issuing bodies, in Chinese, as a list.", required=True),
        Field("issue_date", "string", "Issue date in ISO 8601 at its precision (YYYY, YYYY-MM or YYYY-MM-DD).", pattern=DATE_PATTERN),
        Field("issue_date_precision", "string", "Precision of issue_date.", enum=("day", "month", "year")),
        Field("effective_date", "string", "Date the document takes effect, when it says so (ISO 8601).", pattern=DATE_PATTERN),
        Field("effective_date_precision", "string", "Precision of effective_date.", enum=("day", "month", "year")),
        Field("plan_period_start", "integer", "First year of the period the plan covers (2024 for 2024—2026年; 2021 for 十四五).", minimum=1949),
        Field("plan_period_end", "integer", "Last year of the period the plan covers.", minimum=1949),
        Field("document_number", "string", "Document number (文号) as printed, e.g. 国办发〔2020〕12号 or 国务院令第722号, from the text or the metadata."),
        Field("doc_type", "string", "Kind of document (controlled vocabulary).", required=True, enum=DOC_TYPES),
        Field("script", "string", "Script of the source text: zh-Hans (Simplified) or zh-Hant (Traditional).", required=True, enum=("zh-Hans", "zh-Hant")),
        Field("source_file", "string", "Path of the raw file, relative to the repository root.", required=True),
        Field("source_sha256", "string", "SHA-256 of the raw file's bytes.", required=True, pattern=r"^[0-9a-f]{64}$"),
        Field("source_encoding", "string", "How the text was read: the character encoding of a text file (utf-8, gb18030, big5hkscs, utf-16-le …), or docx / pdf for text read from a Word file or a PDF text layer.", required=True),
        Field("source_description", "string", "Where the text was collected from (from the metadata file)."),
        Field("source_url", "string", "Where the original is published, when known (from the metadata file)."),
        Field("licence", "string", "Licence or copyright status of the source text, as a statement."),
        Field("licence_id", "string", "The licence as an SPDX identifier, or LicenseRef-PRC-Copyright-Law-Art5 (an official document of a state organ, outside copyright under Article 5 of the Copyright Law of the PRC) or LicenseRef-not-open (copyrighted, not openly licensed)."),
        Field("full_text_published", "boolean", "Whether the package holds the document's full text. When false (a source that is not openly licensed), every text column of its records holds a short quotation (the first 40 characters and …), with its span into the original, and texts.text_sha256 lets a reader check their own copy.", required=True),
        Field("n_sections", "integer", "Number of rows in sections for this document.", required=True, minimum=0),
        Field("n_measures", "integer", "Number of rows in measures for this document.", required=True, minimum=0),
        Field("declared_count", "integer", "Total number of tasks the document says it contains (e.g. 共165项重点任务), when stated.", minimum=0),
        Field("coverage", "number", "Share of the non-noise, non-whitespace source characters that fall inside some extracted record (goal: 1.0).", required=True, minimum=0, maximum=1),
        Field("metadata_origin", "string", "JSON object: for each descriptive field, where its value came from (text, metadata, metadata_overrides_text, text_confirmed_by_metadata, inferred, none).", required=True),
    ),
)

TEXTS = Table(
    name="texts",
    title="Decoded source texts",
    description="The decoded text of each document, into which every span_start/span_end of the package points: "
    "for .txt, .md and .html files the file's characters; for .docx and .pdf files the text read from them (paragraphs and pages joined by line breaks).",
    primary_key=("doc_id",),
    foreign_keys=(ForeignKey("doc_id", "documents", "doc_id"),),
    sort_by=("doc_id",),
    fields=(
        Field("doc_id", "string", "Document.", required=True, unique=True, pattern=ID_PATTERN),
        Field("text", "string", "The decoded text; a span is the substring text[span_start:span_end] (0-based, in Unicode code points).", required=True),
        Field("n_chars", "integer", "Length of text in Unicode code points.", required=True, minimum=1),
        Field("text_sha256", "string", "SHA-256 of text encoded as UTF-8, to check a copy.", required=True, pattern=r"^[0-9a-f]{64}$"),
    ),
)

DOCUMENT_PARTS = Table(
    name="document_parts",
    title="Document parts outside the section tree",
    description="Titles, front matter (datelines, issuer lines, transmittal notices), preambles, closing notes, attachments and signatures.",
    primary_key=("part_id",),
    foreign_keys=(ForeignKey("doc_id", "documents", "doc_id"),),
    sort_by=("doc_id", "seq"),
    fields=(
        Field("part_id", "string", "Stable identifier: doc_id, 'p' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document the part belongs to.", required=True),
        Field("seq", "integer", "Position of the part among the document's parts.", required=True, minimum=1),
        Field("kind", "string", "Role of the part. Front matter: title, document_number (文号), addressee (主送: 各区人民政府，…：), "
              "transmittal (现将…印发给你们), front_matter (other lines before the text: adoption notes, datelines, issuer lines), preamble (text before the first heading). "
              "Back matter: signature (issuer or date line), publication_note (（此件公开发布）), distribution (抄送 / 印发 lines), attachment (附件), closing_note "
              "(entry into force, interpretation, a news report's closing paragraph). unstructured: text of a document with no recognisable structure.", required=True, enum=PART_KINDS),
        Field("text", "string", "Normalised text (Simplified Chinese, consistent punctuation).", required=True),
        Field("text_original", "string", "Text exactly as the source has it (line breaks inside a paragraph removed).", required=True),
        *_span_fields("part"),
    ),
)

SECTIONS = Table(
    name="sections",
    title="Sections",
    description="The heading hierarchy of each document: parts, sections, framework sections and unheaded groups.",
    primary_key=("section_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey("parent_id", "sections", "section_id"),
    ),
    sort_by=("doc_id", "seq"),
    fields=(
        Field("section_id", "string", "Identifier from the document's own numbering: the parent section's id (or doc_id and 's') and this section's number (an unnumbered section: 'u' and its place among the unnumbered ones), e.g. doc-s2-3. See the codebook's id policy.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document the section belongs to.", required=True),
        Field("parent_id", "string", "Enclosing section; null at the top level."),
        Field("level", "integer", "Depth in the document's own hierarchy (1 = top).", required=True, minimum=1),
        Field("label", "string", "Numbering as printed (e.g. 一、 or （十二）); null when none."),
        Field("label_number", "integer", "Numeric value of the label (（十二） gives 12).", minimum=0),
        Field("seq", "integer", "Position of the section in the document (1-based).", required=True, minimum=1),
        Field("title", "string", "Heading text without numbering; null for groups without a printed heading."),
        Field("intro_text", "string", "Text between the heading and the first child (normalised)."),
        Field("kind", "string", "part: has sub-sections; section: lowest printed level; group: unheaded group introduced by a paragraph; framework: guiding section (指导思想, 基本原则, 主要目标 ...); implementation: closing section on how the plan is carried out (组织实施, 保障措施, 有关要求 ...), and everything below it.", required=True, enum=SECTION_KINDS),
        Field("declared_count", "integer", "Number of tasks the section says it has (e.g. 共有20项重点任务).", minimum=0),
        Field("text_original", "string", "Heading and intro exactly as the source has them.", required=True),
        *_span_fields("heading and intro"),
    ),
)

MEASURES = Table(
    name="measures",
    title="Measures",
    description="The actionable items of each document at the lowest level of its structure.",
    primary_key=("measure_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey("section_id", "sections", "section_id"),
    ),
    sort_by=("doc_id", "seq"),
    fields=(
        Field("measure_id", "string", "Identifier from the document's own numbering: an article is doc_id, 'art' and its number (doc-art10); another measure is its section's id, 'm' and its number in the section, or 'mu' and its place among the unnumbered ones (doc-s2-3-m4, doc-s1-mu2). See the codebook's id policy.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document the measure belongs to.", required=True),
        Field("section_id", "string", "Section the measure sits in; null when the document has no sections."),
        Field("seq", "integer", "Position of the measure in the document (1-based).", required=True, minimum=1),
        Field("kind", "string", "article: an article (第N条) of a regulation, with its paragraphs and items in clauses; item: a numbered item of a plan; paragraph: an unnumbered paragraph at the lowest level of the outline.", required=True, enum=MEASURE_KINDS),
        Field("label", "string", "Numbering as printed (e.g. 32. or 三、); null when none."),
        Field("label_number", "integer", "Numeric value of the label.", minimum=0),
        Field("title", "string", "Short title when the measure opens with one (短标题。正文…)."),
        Field("text", "string", "Measure text, normalised (Simplified Chinese), without label and responsibility clause.", required=True),
        Field("text_original", "string", "The whole item exactly as the source has it, label and responsibility clause included.", required=True),
        Field("responsibility_text", "string", "Trailing responsibility clause (e.g. 责任单位：…), normalised, without brackets."),
        *_span_fields("measure"),
    ),
)

CLAUSES = Table(
    name="clauses",
    title="Clauses of measures",
    description="The paragraphs (款) and numbered items (项) of every article, and of every other measure that runs over several paragraphs, in order.",
    primary_key=("clause_id",),
    foreign_keys=(ForeignKey("measure_id", "measures", "measure_id"), ForeignKey("doc_id", "documents", "doc_id")),
    sort_by=("doc_id", "measure_id", "seq"),
    fields=(
        Field("clause_id", "string", "Stable identifier: measure_id, 'k' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("measure_id", "string", "Measure (article) the clause belongs to.", required=True),
        Field("doc_id", "string", "Document.", required=True),
        Field("seq", "integer", "Position of the clause in the measure (1-based).", required=True, minimum=1),
        Field("kind", "string", "paragraph (款) or item (项, numbered （一）, 1. …).", required=True, enum=CLAUSE_KINDS),
        Field("paragraph_number", "integer", "Number of the paragraph (款) the clause is or belongs to (1-based), as legal citations count them.", required=True, minimum=1),
        Field("label", "string", "Numbering of an item as printed (e.g. （三）); null for paragraphs."),
        Field("label_number", "integer", "Numeric value of the item's label.", minimum=1),
        Field("text", "string", "Clause text, normalised, without the article number or item label.", required=True),
        Field("text_original", "string", "The clause exactly as the source has it.", required=True),
        *_span_fields("clause"),
    ),
)

NOISE = Table(
    name="noise",
    title="Removed noise",
    description="Every piece of source text that is not content (markup, wiki navigation, credits, bylines), with the reason it was removed.",
    primary_key=("noise_id",),
    foreign_keys=(ForeignKey("doc_id", "documents", "doc_id"),),
    sort_by=("doc_id", "span_start"),
    fields=(
        Field("noise_id", "string", "Stable identifier: doc_id, 'n' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document the noise was removed from.", required=True),
        Field("reason", "string", "Why the text is noise (rule name).", required=True),
        Field("text_original", "string", "The removed text as in the source.", required=True),
        *_span_fields("removed text"),
    ),
)

CORRECTIONS = Table(
    name="corrections",
    title="Applied corrections",
    description="Every application of a reviewed erratum (raw/*.errata.yaml) to a text column; text_original and the sources are never changed.",
    primary_key=("correction_id",),
    foreign_keys=(ForeignKey("doc_id", "documents", "doc_id"),),
    sort_by=("doc_id", "span_start"),
    fields=(
        Field("correction_id", "string", "Stable identifier: doc_id, 'c' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document corrected.", required=True),
        Field("object_id", "string", "Record whose text was corrected (part, section or measure).", required=True),
        Field("rule_id", "string", "Erratum applied (id in raw/*.errata.yaml), or invisible_character for removed zero-width, bidi-control and control characters.", required=True),
        Field("original", "string", "Text as in the source.", required=True),
        Field("corrected", "string", "Text as it reads in the text columns; null when the correction removes the text (rule_id invisible_character: the removed characters are also in noise)."),
        Field("reason", "string", "Why the source text is wrong.", required=True),
        *_span_fields("corrected text"),
    ),
)

AGENCIES = Table(
    name="agencies",
    title="Agencies",
    description="Bodies named as responsible for measures, with canonical names.",
    primary_key=("agency_id",),
    sort_by=("agency_id",),
    fields=(
        Field("agency_id", "string", "Stable identifier derived from the canonical name.", required=True, unique=True, pattern=ID_PATTERN),
        Field("name", "string", "Canonical name, with shared parts of the printed list expanded.", required=True, unique=True),
        Field("level", "string", "central, provincial, regional body or local.", required=True, enum=AGENCY_LEVELS),
        Field("jurisdiction", "string", "Area the body answers for (e.g. 沪苏浙 for 两省一市 departments)."),
        Field("aliases", "list", "Other names documents use for the body."),
    ),
)

RESPONSIBILITIES = Table(
    name="responsibilities",
    title="Responsibilities",
    description="Which agency is responsible for which measure, in which role, from the measure's responsibility clause.",
    primary_key=("measure_id", "seq"),
    foreign_keys=(ForeignKey("measure_id", "measures", "measure_id"), ForeignKey("agency_id", "agencies", "agency_id")),
    sort_by=("measure_id", "seq"),
    fields=(
        Field("measure_id", "string", "Measure.", required=True),
        Field("seq", "integer", "Position of the agency in the clause.", required=True, minimum=1),
        Field("agency_id", "string", "Agency.", required=True),
        Field("role", "string", "lead, participant or unspecified (a document rule such as 排在第一位的部门为牵头部门 makes the first listed the lead).", required=True, enum=ROLES),
        Field("agency_text", "string", "The agency as printed in the list, before expansion.", required=True),
        Field("raw_text", "string", "The whole responsibility clause.", required=True),
        *_span_fields("printed agency"),
    ),
)

TARGETS = Table(
    name="targets",
    title="Quantitative targets",
    description="Numbers a measure or section commits to: indicator, comparator, value, unit and years, with the quoted clause.",
    primary_key=("target_id",),
    foreign_keys=(
        ForeignKey("doc_id", "documents", "doc_id"),
        ForeignKey("measure_id", "measures", "measure_id"),
        ForeignKey("section_id", "sections", "section_id"),
    ),
    sort_by=("doc_id", "span_start", "target_id"),
    fields=(
        Field("target_id", "string", "Stable identifier: the measure or section id, 't' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document.", required=True),
        Field("measure_id", "string", "Measure stating the target (null when a section does)."),
        Field("section_id", "string", "Section stating the target (e.g. 主要目标), when not a measure."),
        Field("indicator", "string", "What is measured, in Chinese.", required=True),
        Field("comparator", "string", "=, >=, <=, >, < or ~ (about): 达到/不低于/以上 >=, 超过 >, 控制在…以内/不超过 <=, 左右/稳定在/保持在 ~, 提高到 and changes (下降13.5%) =.", required=True, enum=COMPARATORS),
        Field("value", "number", "Target value (the lower bound of a range).", required=True),
        Field("value_max", "number", "Upper bound of a range."),
        Field("unit", "string", "Unit as written, with its magnitude (%, 亿元, 万千瓦时, 公里/万平方公里; :1 for ratios such as 1.2:1)."),
        Field("base_year", "integer", "Base year of a change (较2020年下降…).", minimum=1949),
        Field("target_year", "integer", "Year by which the target applies (到2025年…).", minimum=1949),
        Field("kind", "string", "goal (a state to reach), parameter (a term or limit a rule sets: 最长不超过5年, 给予2年以上工作许可) or funding (money committed: 安排专项资金100亿元).", required=True, enum=("goal", "parameter", "funding")),
        Field("quote", "string", "The clause stating the target (normalised text).", required=True),
        *_span_fields("quoted clause"),
    ),
)

PLACES = Table(
    name="places",
    title="Places",
    description="Administrative divisions with their GB/T 2260 codes (from the cpca package's Ministry of Civil Affairs list): the four provinces, the 41 cities of the delta, and every other division mentioned.",
    primary_key=("place_code",),
    foreign_keys=(ForeignKey("parent_code", "places", "place_code"),),
    sort_by=("place_code",),
    fields=(
        Field("place_code", "string", "Six-digit GB/T 2260 code.", required=True, unique=True, pattern=r"^\d{6}$"),
        Field("name", "string", "Official name.", required=True),
        Field("level", "string", "province, prefecture or county.", required=True, enum=PLACE_LEVELS),
        Field("parent_code", "string", "Code of the enclosing division; null for provinces."),
        Field("is_delta_city", "boolean", "One of the 41 cities of the Yangtze River Delta (Shanghai and the prefecture-level cities of Jiangsu, Zhejiang, Anhui).", required=True),
    ),
)

PLACE_MENTIONS = Table(
    name="place_mentions",
    title="Place mentions",
    description="Each mention of a place in a record's text, resolved to a division; collective names (沪苏浙, 两区一县) give one row per member.",
    primary_key=("mention_id",),
    foreign_keys=(ForeignKey("doc_id", "documents", "doc_id"), ForeignKey("place_code", "places", "place_code")),
    sort_by=("doc_id", "span_start", "place_code"),
    fields=(
        Field("mention_id", "string", "Stable identifier: doc_id, 'pm' and the position.", required=True, unique=True, pattern=ID_PATTERN),
        Field("doc_id", "string", "Document.", required=True),
        Field("object_id", "string", "Record whose text holds the mention (part, section or measure).", required=True),
        Field("field", "string", "Column of that record holding the mention: text, title, intro_text or responsibility_text.", required=True),
        Field("place_code", "string", "Division mentioned.", required=True),
        Field("mention_text", "string", "The name as written (青浦, 嘉善县, 沪苏浙).", required=True),
        Field("via_collective", "string", "The collective name the division was resolved from, if any."),
        *_span_fields("mention"),
    ),
)

THEMES = Table(
    name="themes",
    title="Policy themes",
    description="Controlled, bilingual vocabulary of policy themes (rules in pipelines/extraction/rules/themes.yaml).",
    primary_key=("theme_id",),
    sort_by=("theme_id",),
    fields=(
        Field("theme_id", "string", "Identifier.", required=True, unique=True, pattern=ID_PATTERN),
        Field("label_zh", "string", "Label in Chinese.", required=True),
        Field("label_en", "string", "Label in English.", required=True),
        Field("definition", "string", "What the theme covers.", required=True),
        Field("terms", "list", "Terms whose occurrence assigns the theme.", required=True),
    ),
)

MEASURE_THEMES = Table(
    name="measure_themes",
    title="Themes of measures",
    description="Themes assigned to each measure, with the terms that matched as evidence.",
    primary_key=("measure_id", "theme_id"),
    foreign_keys=(ForeignKey("measure_id", "measures", "measure_id"), ForeignKey("theme_id", "themes", "theme_id")),
    sort_by=("measure_id", "theme_id"),
    fields=(
        Field("measure_id", "string", "Measure.", required=True),
        Field("theme_id", "string", "Theme.", required=True),
        Field("matched_terms", "list", "Terms of the theme found in the measure.", required=True),
        *_span_fields("first matched term"),
    ),
)

QUALITY_ISSUES = Table(
    name="quality_issues",
    title="Quality report",
    description="Problems found while decoding, extracting and checking the documents.",
    sort_by=("doc_id", "check", "object_id", "message"),
    fields=(
        Field("doc_id", "string", "Document concerned; null for build-wide issues."),
        Field("object_id", "string", "Record concerned (section, measure, part or file)."),
        Field("check", "string", "Name of the check that raised the issue.", required=True),
        Field("severity", "string", "error, warning or info.", required=True, enum=SEVERITIES),
        Field("message", "string", "What is wrong, in English.", required=True),
    ),
)

# Referenced tables come before the tables that reference them.
TABLES: tuple[Table, ...] = (
    DOCUMENTS, TEXTS, DOCUMENT_PARTS, SECTIONS, MEASURES, CLAUSES, NOISE, CORRECTIONS, AGENCIES, RESPONSIBILITIES,
    TARGETS, PLACES, PLACE_MENTIONS, THEMES, MEASURE_THEMES, QUALITY_ISSUES,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
