"""Responsibility clauses in the forms official documents use."""

import pytest
from conftest import extract_text

from pipelines.extraction.agencies import describe, parse_clause
from pipelines.extraction.textmap import MappedText


def parsed(clause, **kwargs):
    return [(m.name, m.role) for m in parse_clause(MappedText.of_source(clause), **kwargs)]


@pytest.mark.parametrize(
    "clause, expected",
    [
        ("责任单位：两省一市发展改革、规划资源部门", [("两省一市发展改革部门", "unspecified"), ("两省一市规划资源部门", "unspecified")]),
        ("责任单位：三省一市交通运输、公安部门，长三角区域合作办公室",
         [("三省一市交通运输部门", "unspecified"), ("三省一市公安部门", "unspecified"), ("长三角区域合作办公室", "unspecified")]),
        ("省发展改革委牵头，省财政厅、省科技厅配合", [("省发展改革委", "lead"), ("省财政厅", "participant"), ("省科技厅", "participant")]),
        ("牵头单位：市商务局；配合单位：市税务局、市市场监管局",
         [("市商务局", "lead"), ("市税务局", "participant"), ("市市场监管局", "participant")]),
        ("省教育厅、省人力社保厅负责", [("省教育厅", "unspecified"), ("省人力社保厅", "unspecified")]),
        ("省卫生健康委等有关部门负责", [("省卫生健康委", "unspecified")]),
        ("沪苏浙教育、科技部门", [("沪苏浙教育部门", "unspecified"), ("沪苏浙科技部门", "unspecified")]),
    ],
)
def test_clause_forms(clause, expected):
    assert parsed(clause) == expected


def test_known_aliases_get_the_canonical_name():
    assert parsed("责任单位：两省一市财政部门，示范区执委会")[1] == ("长三角生态绿色一体化发展示范区执行委员会", "unspecified")
    assert describe("长三角生态绿色一体化发展示范区执行委员会")["level"] == "regional body"
    assert describe("两省一市发展改革部门") == {"level": "provincial", "jurisdiction": "沪苏浙", "aliases": []}


def test_document_rule_makes_the_first_listed_agency_lead_from_then_on():
    text = (
        "一、任务\n\n1.建设平台，推进共享。（责任单位：省科技厅、省财政厅）\n\n"
        "二、保障\n\n各项任务中排在第一位的部门为牵头部门，下同。\n\n"
        "2.完善机制，强化协同。（责任单位：省发展改革委、省财政厅）\n"
    )
    result = extract_text(text)
    roles = {(r["measure_id"].rsplit("-", 1)[-1], r["agency_text"]): r["role"] for r in result.responsibilities}
    assert roles[("m1", "省科技厅")] == "unspecified"  # before the rule
    assert roles[("m2", "省发展改革委")] == "lead" and roles[("m2", "省财政厅")] == "participant"
    spans = [(r["span_start"], r["span_end"], r["agency_text"]) for r in result.responsibilities]
    assert all(result.source_text[s:e] == t for s, e, t in spans)


def test_seed_policy_measures_agencies(seed_tables):
    measures = seed_tables["measures"]
    measures = measures[measures.doc_id == "yrd-demo-zone-policy-measures-2020"].set_index("label_number")
    responsibilities = seed_tables["responsibilities"].merge(seed_tables["agencies"], on="agency_id")
    per_measure = responsibilities.groupby("measure_id")["name"].apply(list)
    assert all(per_measure.get(mid) for mid in measures.measure_id)
    assert per_measure[measures.loc[2, "measure_id"]] == ["两省一市发展改革部门", "两省一市规划资源部门"]
    third = responsibilities[responsibilities.measure_id == measures.loc[3, "measure_id"]]
    assert "示范区执委会" in set(third.agency_text)
    assert any("示范区执委会" in (aliases or []) for aliases in third.aliases)
