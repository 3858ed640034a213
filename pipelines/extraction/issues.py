"""The one constructor of quality-issue records, used by every step and check."""

from __future__ import annotations

from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
QualityIssue = dict[str, Any]
QUARANTINE = "quarantine"  # the check name of a document left out of the publication


def quality_issue(check: str, severity: Severity, message: str, doc_id: str | None = None, object_id: str | None = None) -> QualityIssue:
    """A row of quality_issues; the message is one line, so a log or a CSV shows it whole."""
    one_line = " ".join(message.split())
    return {"doc_id": doc_id, "object_id": object_id, "check": check, "severity": severity, "message": one_line}
