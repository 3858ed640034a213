"""search_measures(q) on a handful of made-up measures: which rows match, and in what order."""

import duckdb
import pytest

from pipelines.publishing import _execute_script, sql_script

MEASURES = [
    # measure_id, doc_id, label, title, text
    ("m1", "d1", "1.", "氢能产业", "氢能产业。建设氢能走廊，推进氢能示范应用。"),
    ("m2", "d1", "2.", "生态保护", "生态保护。加强太湖生态治理，发展氢能公交。"),
    ("m3", "d2", "（一）", None, "推进长三角生态绿色一体化发展示范区建设，共建氢能与储能产业链。"),
    ("m4", "d2", "（二）", "交通", "交通。共建轨道上的长三角。"),
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE TABLE documents (doc_id VARCHAR, title VARCHAR)")
    con.execute("INSERT INTO documents VALUES ('d1', '规划甲'), ('d2', '规划乙')")
    con.execute("CREATE TABLE measures (measure_id VARCHAR, doc_id VARCHAR, label VARCHAR, title VARCHAR, text VARCHAR)")
    con.executemany("INSERT INTO measures VALUES (?, ?, ?, ?, ?)", MEASURES)
    _execute_script(con, sql_script("search.sql"))
    return con


def ids(con, q):
    return [row[0] for row in con.execute("SELECT measure_id FROM search_measures(?)", [q]).fetchall()]


def test_a_term_in_the_title_and_often_in_the_text_ranks_first(con):
    assert ids(con, "氢能") == ["m1", "m2", "m3"]


def test_every_term_must_occur_however_many_there_are(con):
    assert ids(con, "生态 氢能") == ["m2", "m3"]
    assert ids(con, "长三角 生态 绿色 一体化 储能") == ["m3"]
    # the fifth term is checked like the first: no row holds all five
    assert ids(con, "长三角 生态 绿色 一体化 轨道") == []


def test_any_whitespace_separates_terms_and_blank_queries_find_nothing(con):
    assert ids(con, "\u3000生态\t 氢能 ") == ids(con, "生态 氢能")
    assert ids(con, "") == [] and ids(con, " \u3000\n") == []


def test_a_measure_without_title_is_scored_and_a_shorter_text_weighs_more(con):
    rows = con.execute("SELECT measure_id, score FROM search_measures('长三角')").fetchall()
    # one occurrence each, neither in a title: m4's shorter text ranks first
    assert [r[0] for r in rows] == ["m4", "m3"]
    assert rows[0][1] > rows[1][1] > 0


def test_the_score_is_the_formula_over_non_overlapping_counts_and_each_hit_has_its_document_title(con):
    con.execute("INSERT INTO documents VALUES ('d3', '规划丙')")
    # '示范示范示' holds '示范示' once without overlap (as replace() would count), not twice
    con.execute("INSERT INTO measures VALUES ('m5', 'd3', '3.', '示范示', '示范示。示范示范示区。')")
    rows = con.execute("SELECT measure_id, doc_title, score FROM search_measures('示范示')").fetchall()
    assert [r[:2] for r in rows] == [("m5", "规划丙")]
    text_count, title_count, length = 2, 1, len("示范示。示范示范示区。")  # the only hit: its length is the mean
    expected = 4 * title_count + text_count * 2.2 / (text_count + 1.2 * (0.25 + 0.75 * length / length))
    assert rows[0][2] == pytest.approx(round(expected, 6))
