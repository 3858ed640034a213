"""Document dates: issue, effective and plan period, each with its precision and origin."""

import json

from conftest import extract_text

from pipelines.extraction.document import plan_period


def test_plan_period_forms():
    assert plan_period("长三角地区一体化发展三年行动计划（2024—2026年）") == (2024, 2026, False)
    assert plan_period("国土空间总体规划（2021-2035年）") == (2021, 2035, False)
    assert plan_period("长三角一体化发展规划“十四五”实施方案") == (2021, 2025, True)
    assert plan_period("“十五五”规划纲要") == (2026, 2030, True)
    assert plan_period("若干政策措施") is None


def test_dates_read_from_the_text_carry_their_precision_and_origin():
    result = extract_text("某市行动计划（2025—2027年）\n\n2025年3月\n\n一、任务\n\n1.推进建设，完善机制。\n\n本计划自2025年4月1日起施行。\n")
    document = result.documents[0]
    assert (document["issue_date"], document["issue_date_precision"]) == ("2025-03", "month")
    assert (document["effective_date"], document["effective_date_precision"]) == ("2025-04-01", "day")
    assert (document["plan_period_start"], document["plan_period_end"]) == (2025, 2027)
    origin = json.loads(document["metadata_origin"])
    assert origin["plan_period"] == "text_title" and origin["effective_date"] == "text"


def test_seed_dates(seed_tables):
    documents = seed_tables["documents"].set_index("doc_id")
    measures = documents.loc["yrd-demo-zone-policy-measures-2020"]
    assert (measures.effective_date, measures.effective_date_precision) == ("2020-07-01", "day")
    news = documents.loc["yrd-action-plan-2024-2026-news"]
    assert (news.plan_period_start, news.plan_period_end) == (2024, 2026)
    plan = documents.loc["yrd-14th-fyp-implementation-plan-2021"]
    assert (plan.plan_period_start, plan.plan_period_end) == (2021, 2025)
    assert json.loads(plan.metadata_origin)["plan_period"] == "inferred"
    excerpt = documents.loc["zj-yrd-action-plan-2019-excerpt"]
    assert (excerpt.issue_date, excerpt.issue_date_precision) == ("2019-06", "month")
