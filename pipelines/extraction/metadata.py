"""The metadata file beside a raw document, as a typed model that rejects unknown keys.

Metadata holds what the text does not state. A file that breaks this schema
quarantines its document with a message naming the file, the key and the fix;
the other documents are not affected.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DocType = Literal[
    "plan", "implementation_plan", "policy_measures", "regulation", "notice", "opinion", "news_report", "excerpt",
]
Precision = Literal["day", "month", "year"]
SLUG = r"^[a-z0-9][a-z0-9-]*$"
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def checked_iso_date(value: Any) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD that names a real day; YAML dates and years are accepted."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = _ISO_DATE.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from None
    return text


class DocumentMetadata(BaseModel):
    """Keys of a `<name>.meta.yaml` file; every one is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    doc_id: str | None = Field(None, pattern=SLUG, description="lower-case letters, digits and hyphens")
    title: str | None = Field(None, min_length=1)
    issuers: tuple[str, ...] | None = None
    document_number: str | None = Field(None, min_length=1, description="文号, e.g. 国办发〔2020〕12号")
    issue_date: str | None = None
    issue_date_precision: Precision | None = None
    effective_date: str | None = None
    plan_period_start: int | None = Field(None, ge=1949, le=2100)
    plan_period_end: int | None = Field(None, ge=1949, le=2100)
    doc_type: DocType | None = None
    source: str | None = None
    source_url: str | None = None
    licence: str | None = None
    # An SPDX identifier or a LicenseRef- of the project's (see the codebook), and whether the
    # document's full text may be republished; when it may not, the package quotes it briefly.
    licence_id: str | None = Field(None, pattern=r"^(LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9.+-]+)$")
    republish_text: bool = True

    @field_validator("issuers", mode="before")
    @classmethod
    def _one_issuer_or_a_list(cls, value: Any) -> Any:
        # `issuers: 上海市人民政府` is one issuer, never a list of its characters.
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
            raise ValueError("every issuer must be a non-empty name")
        return value

    @field_validator("title", "document_number", "source", "source_url", "licence", "licence_id", mode="before")
    @classmethod
    def _text_only(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__} {value!r}: quote the value")
        return value

    @field_validator("issue_date", "effective_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> str | None:
        return checked_iso_date(value)

    @model_validator(mode="after")
    def _period_in_order(self) -> DocumentMetadata:
        start, end = self.plan_period_start, self.plan_period_end
        if (start is None) != (end is None):
            raise ValueError("plan_period_start and plan_period_end go together: give both or neither")
        if start is not None and end is not None and start > end:
            raise ValueError(f"plan_period_start {start} is after plan_period_end {end}")
        return self


class MetadataError(ValueError):
    """A metadata file that breaks the schema; the message names the key and the fix."""


def parse_metadata(data: Any, file_name: str) -> dict[str, Any]:
    """Validated metadata as a plain mapping without unset keys."""
    if not isinstance(data, dict):
        raise MetadataError(f"{file_name} must hold a mapping of keys to values, not {type(data).__name__}")
    try:
        model = DocumentMetadata.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "(file)"
            if error["type"] == "extra_forbidden":
                allowed = ", ".join(DocumentMetadata.model_fields)
                problems.append(f"unknown key '{key}' (allowed: {allowed})")
            else:
                problems.append(f"key '{key}': {error['msg']}")
        raise MetadataError(f"{file_name}: " + "; ".join(problems)) from None
    values = model.model_dump(exclude_none=True)
    if "issuers" in values:
        values["issuers"] = list(values["issuers"])
    return values
