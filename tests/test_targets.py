"""Quantitative targets in the phrasings plans use."""

from decimal import Decimal

import pytest

from pipelines.extraction.targets import extract_targets
from pipelines.extraction.textmap import MappedText


def targets_of(text):
    return [(t.indicator, t.comparator, t.value, t.value_max, t.unit, t.base_year, t.target_year) for t in extract_targets(MappedText.of_source(text))]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("到2030年，森林覆盖率稳定在61%左右。", [("森林覆盖率", "~", Decimal("61"), None, "%", None, 2030)]),
        ("到2027年，单位地区生产总值能耗较2020年下降13.5%。", [("单位地区生产总值能耗下降", "=", Decimal("13.5"), None, "%", 2020, 2027)]),
        ("审批时限控制在5个工作日以内。", [("审批时限", "<=", Decimal("5"), None, "个工作日", None, None)]),
        ("城乡居民收入比缩小到2.1∶1。", [("城乡居民收入比", "=", Decimal("2.1"), None, ":1", None, None)]),
        ("城乡居民收入比缩小到2.0∶1以内。", [("城乡居民收入比", "<=", Decimal("2.0"), None, ":1", None, None)]),
        ("每年新增就业不少于10万人。", [("每年新增就业", ">=", Decimal("10"), None, "万人", None, None)]),
        ("研发经费年均增长8%—10%。", [("研发经费年均增长", "=", Decimal("8"), Decimal("10"), "%", None, None)]),
        ("挥发性有机物排放总量较2020年下降10%以上。", [("挥发性有机物排放总量下降", ">=", Decimal("10"), None, "%", 2020, None)]),
        ("到2025年，培育形成8—10个世界级先进制造业集群。", [("世界级先进制造业集群", "=", Decimal("8"), Decimal("10"), "个", None, 2025)]),
        ("到2025年，新增三级及以上高等级航道里程500公里。", [("新增三级及以上高等级航道里程", "=", Decimal("500"), None, "公里", None, 2025)]),
        ("到2025年，数字经济核心产业增加值占比达到12%—15%。", [("数字经济核心产业增加值占比", "=", Decimal("12"), Decimal("15"), "%", None, 2025)]),
        ("到2025年，农村集中供水率和自来水普及率分别达到90%和95%。",
         [("农村集中供水率", ">=", Decimal("90"), None, "%", None, 2025), ("自来水普及率", ">=", Decimal("95"), None, "%", None, 2025)]),
        ("到2025年，县城和中心镇污水处理率均达到95%以上。",
         [("县城", ">=", Decimal("95"), None, "%", None, 2025), ("中心镇污水处理率", ">=", Decimal("95"), None, "%", None, 2025)]),
    ],
)
def test_forms(text, expected):
    assert targets_of(text) == expected


def test_the_year_carries_to_every_target_of_the_paragraph():
    found = targets_of("到2035年，城镇化率达到75%；人均预期寿命达到82岁。")
    assert [t[-1] for t in found] == [2035, 2035]


def test_statements_about_the_past_are_not_targets():
    assert targets_of("2023年，区域生产总值达到30.5万亿元，同比增长5.7%。") == []
    assert targets_of("第一轮三年行动计划320项重点任务，完成率均在90%以上。") == []


def test_quote_span_points_at_the_clause():
    text = "周转期最长不超过5年，保障实施。"
    target = extract_targets(MappedText.of_source(text))[0]
    start, end = target.quote.span
    assert text[start:end] == "周转期最长不超过5年"


def test_seed_targets(seed_tables):
    targets = seed_tables["targets"]
    plan = targets[targets.doc_id == "yrd-14th-fyp-implementation-plan-2021"]
    assert len(plan) == 9 and set(plan.target_year) == {2025}
    assert plan.section_id.notna().all()  # they sit in 主要目标, a framework section
    by_indicator = {r.indicator: (r.comparator, r.value, r.unit) for r in plan.itertuples()}
    assert by_indicator["常住人口城镇化率"] == (">=", 70.0, "%")  # 达到 70% means at least 70%
    assert by_indicator["研发投入强度"] == (">=", 3.0, "%")
    assert by_indicator["铁路网密度"] == (">=", 507.0, "公里/万平方公里")
    assert by_indicator["中心区人均GDP与全域人均GDP差距"] == ("=", 1.2, ":1")  # 缩小到 a level, with no 以内
    measures = targets[targets.doc_id == "yrd-demo-zone-policy-measures-2020"]
    found = {(r.comparator, r.value, r.unit) for r in measures.itertuples()}
    assert (">=", 100.0, "亿元") in found and ("<=", 5.0, "年") in found
    fund = measures[measures.unit == "亿元"].iloc[0]
    assert "财政专项资金" in fund.indicator and "3年累计" in fund.indicator


@pytest.mark.parametrize(
    "text, expected",
    [
        ("到2025年，全社会用电量控制在5000亿千瓦时以内。", ("全社会用电量", "<=", Decimal("5000"), "亿千瓦时", "goal")),
        ("到2025年，接待游客稳定在1.2亿人次左右。", ("接待游客", "~", Decimal("1.2"), "亿人次", "goal")),
        ("到2027年，单位GDP能耗下降到0.4吨标准煤/万元。", ("单位GDP能耗", "=", Decimal("0.4"), "吨标准煤/万元", "goal")),
        ("到2025年，天然气供应能力超过300亿立方米。", ("天然气供应能力", ">", Decimal("300"), "亿立方米", "goal")),
        ("对符合条件的人才，给予2年以上工作许可。", ("工作许可", ">=", Decimal("2"), "年", "parameter")),
        ("两省一市每年安排专项资金100亿元。", ("专项资金", "=", Decimal("100"), "亿元", "funding")),
    ],
)
def test_units_by_grammar_and_kinds(text, expected):
    (target,) = extract_targets(MappedText.of_source(text))
    assert (target.indicator, target.comparator, target.value, target.unit, target.kind) == expected
