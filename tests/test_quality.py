"""Domain checks: numbering continuity, declared counts, coverage and spans."""

import pandas as pd
from conftest import extract_text, process_text, tables_of

from validation.quality import check_numbering, check_spans, document_issues

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
    tables = tables_of(process_text(GAPPY))
    messages = [i["message"] for i in check_numbering(tables["sections"], tables["measures"])]
    assert len(messages) == 2
    assert any("2." in m and "4." in m for m in messages)  # items run on across sections: 3 is missing
    assert any("（二）" in m and "（四）" in m for m in messages)


def test_spans_check_passes_on_real_records_and_catches_a_wrong_one():
    result = extract_text(GAPPY)
    tables = tables_of(process_text(GAPPY))
    sources = {result.doc_id: result.source_text}
    assert check_spans(tables, sources) == []
    broken = dict(tables)
    measures = tables["measures"].copy()
    measures.loc[0, "span_start"] = measures.loc[0, "span_start"] + 1
    broken["measures"] = measures
    issues = check_spans(broken, sources)
    assert len(issues) == 1 and issues[0]["object_id"] == measures.loc[0, "measure_id"]


def test_document_issues_name_the_declared_count_mismatch():
    text = "一、交通\n\n共有3项任务，主要包括：建设铁路，提升效率。\n"
    result = extract_text(text)
    frame = pd.DataFrame(document_issues(tables_of(process_text(text)), result.doc_id, result.source_text))
    declared = frame[frame["check"] == "declared_counts"]
    assert declared.iloc[0]["message"] == "section 一、 declares 3 tasks, 1 found"
    assert set(frame["check"]) == {"declared_counts", "coverage"}
