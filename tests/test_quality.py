"""Domain checks: numbering continuity, declared counts, coverage and spans."""

import pandas as pd

from conftest import extract_text
from pipelines.assembly import RECORD_TABLES, table_frame
from validation.quality import check_numbering, check_spans, domain_issues


def tables_of(*extractions):
    return {name: table_frame(name, list(extractions)) for name in RECORD_TABLES}


GAPPY = """某市方案
一、交通
（一）轨道。加快建设市域铁路，推进站城融合。
1.建设市域铁路，推进站城融合。
2.优化公交线网，提升效率。
（二）道路。打通断头路，提升能力。
4.打通断头路，提升能力。
（四）水运。完善航道网络，提升运力。
5.完善航道网络，提升运力。
二、产业
（一）园区。共建园区，推动协同。
6.共建产业园区，推动协同。
"""


def test_gaps_are_reported_and_restarts_under_a_new_parent_are_not():
    tables = tables_of(extract_text(GAPPY))
    messages = [i["message"] for i in check_numbering(tables["sections"], tables["measures"])]
    assert len(messages) == 2
    assert any("2." in m and "4." in m for m in messages)  # items run on across sections: 3 is missing
    assert any("（二）" in m and "（四）" in m for m in messages)


def test_spans_check_passes_on_real_records_and_catches_a_wrong_one():
    result = extract_text(GAPPY)
    tables = tables_of(result)
    sources = {result.doc_id: result.source_text}
    assert check_spans(tables, sources) == []
    broken = dict(tables)
    measures = tables["measures"].copy()
    measures.loc[0, "span_start"] = measures.loc[0, "span_start"] + 1
    broken["measures"] = measures
    issues = check_spans(broken, sources)
    assert len(issues) == 1 and issues[0]["object_id"] == measures.loc[0, "measure_id"]


def test_domain_issues_is_a_valid_quality_issues_frame():
    result = extract_text("一、交通\n\n共有3项任务，主要包括：建设铁路，提升效率。\n")
    frame = domain_issues(tables_of(result), {result.doc_id: result.source_text})
    assert isinstance(frame, pd.DataFrame)
    declared = frame[frame["check"] == "declared_counts"]
    assert declared.iloc[0]["message"] == "section 一、 declares 3 tasks, 1 found"
    assert set(frame["check"]) == {"declared_counts", "coverage", "theme_coverage"}
