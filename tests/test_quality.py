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


def _reading_by_character(source, start, end, noise, corrections=()):
    """The plain definition of a record's reading, one character at a time."""
    out, i = [], start
    fixes = {s: (e, text) for s, e, text in corrections if start <= s and e <= end}
    skip = {k for ns, ne in noise for k in range(max(ns, start), min(ne, end))}
    while i < end:
        if i in fixes:
            e, text = fixes[i]
            out.append(text)
            i = e
            continue
        if i not in skip:
            out.append(source[i])
        i += 1
    return "".join(out)


def test_reading_by_intervals_equals_the_character_definition():
    import random

    from validation.quality import _reading

    rng = random.Random(7)
    for _ in range(3000):
        source = "".join(rng.choice("长三角一体化发展abc ") for _ in range(rng.randint(1, 40)))
        n = len(source)
        noise = sorted({(a, a + rng.randint(1, 6)) for a in (rng.randrange(n) for _ in range(rng.randint(0, 4)))})
        noise = [(a, min(b, n)) for a, b in noise]
        fixes, taken = [], set()
        for _ in range(rng.randint(0, 3)):
            a = rng.randrange(n)
            b = min(n, a + rng.randint(1, 4))
            if not taken & set(range(a, b)):  # errata never overlap one another
                taken |= set(range(a, b))
                fixes.append((a, b, rng.choice(["", "X", "修正"])))
        start = rng.randrange(n)
        end = rng.randint(start + 1, n)
        assert _reading(source, start, end, noise, fixes) == _reading_by_character(source, start, end, noise, fixes), (source, start, end, noise, fixes)
