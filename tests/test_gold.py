"""Enrichment is judged by precision and recall on the hand-labelled gold samples in tests/gold/.

The floors are the aims of the unseen-documents issue; `make bench` prints the figures.
"""

import pytest

from validation.gold import SCORERS, gold_documents, load_gold

FLOORS = {  # table: (precision, recall)
    "targets": (0.95, 0.90),
    "responsibilities": (0.95, 0.90),
    "themes": (0.90, 0.75),
    "places": (0.90, 0.90),
}


@pytest.mark.parametrize("table", sorted(FLOORS))
def test_gold_sample_has_at_least_100_rows(table):
    rows = load_gold(table)
    if table in ("targets", "responsibilities"):
        assert len(rows) >= 100
    elif table == "places":
        assert sum(len(r.get("mentions") or []) for r in rows) >= 100
    else:
        assert len(rows) >= 100


@pytest.mark.parametrize("table", sorted(FLOORS))
def test_precision_and_recall_reach_their_floors(table):
    score = SCORERS[table](gold_documents())
    precision, recall = FLOORS[table]
    assert score.unanchored <= 0.05 * score.gold, score.line()
    assert score.precision >= precision and score.recall >= recall, score.line()
