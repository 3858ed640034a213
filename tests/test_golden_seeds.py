"""The figures the five seed documents must give (issue 2)."""

from __future__ import annotations

import re

from conftest import published

DEMO_ZONE_PLAN = "yrd-demo-zone-action-plan-2023"
IMPLEMENTATION_PLAN = "yrd-14th-fyp-implementation-plan-2021"
POLICY_MEASURES = "yrd-demo-zone-policy-measures-2020"
ZHEJIANG_EXCERPT = "zj-yrd-action-plan-2019-excerpt"
NEWS_REPORT = "yrd-action-plan-2024-2026-news"


def rows(tables, table, doc_id):
    frame = tables[table]
    return frame[frame["doc_id"] == doc_id].reset_index(drop=True)


def text_columns(tables, doc_id):
    for name in ("document_parts", "sections", "measures"):
        frame = rows(tables, name, doc_id)
        for column in ("text", "text_original", "title", "intro_text", "responsibility_text"):
            if column in frame:
                yield from (v for v in frame[column].dropna())


def test_demo_zone_plan_structure(seed_tables):
    sections = rows(seed_tables, "sections", DEMO_ZONE_PLAN)
    measures = rows(seed_tables, "measures", DEMO_ZONE_PLAN)
    assert list(sections.loc[sections.level == 1, "label"]) == ["一、", "二、", "三、", "四、"]
    assert list(sections.loc[sections.level == 2, "label_number"]) == list(range(1, 13))
    assert list(measures["label_number"]) == list(range(1, 52))
    assert [re.sub(r"\D", "", label) for label in measures["label"]] == [str(n) for n in range(1, 52)]


def test_demo_zone_plan_measures_sit_under_their_printed_sections(seed_tables):
    sections = rows(seed_tables, "sections", DEMO_ZONE_PLAN).set_index("section_id")
    measures = rows(seed_tables, "measures", DEMO_ZONE_PLAN)
    printed = {1: range(1, 4), 2: range(4, 8), 3: range(8, 13), 4: range(13, 19), 5: range(19, 23), 6: range(23, 27),
               7: range(27, 32), 8: range(32, 36), 9: range(36, 40), 10: range(40, 44), 11: range(44, 49), 12: range(49, 52)}
    expected = {n: section for section, numbers in printed.items() for n in numbers}
    found = {int(m.label_number): int(sections.loc[m.section_id, "label_number"]) for m in measures.itertuples()}
    assert found == expected


def test_demo_zone_plan_keeps_broken_measure_whole_and_framework_apart(seed_tables):
    measures = rows(seed_tables, "measures", DEMO_ZONE_PLAN)
    m32 = measures[measures.label_number == 32].iloc[0]
    assert "鼓励有条件的地区加快氢能产业园建设" in m32.text
    assert m32.text.endswith("建设区域性资源循环利用产业集群。")
    sections = rows(seed_tables, "sections", DEMO_ZONE_PLAN)
    general = sections[sections.title == "总体要求"].iloc[0]
    assert general.kind == "framework" and general.intro_text.startswith("以习近平新时代中国特色社会主义思想为指导")
    parts = rows(seed_tables, "document_parts", DEMO_ZONE_PLAN)
    closing = parts[parts.kind == "closing_note"]
    assert len(closing) == 1 and closing.iloc[0].text.startswith("各有关方面要坚持加强党的全面领导")
    assert not measures.text.str.contains("各有关方面要坚持|以习近平新时代").any()


def test_implementation_plan_sections_gap_and_frameworks(seed_tables, seed_extractions):
    sections = rows(seed_tables, "sections", IMPLEMENTATION_PLAN)
    assert (sections.level == 1).sum() == 11
    printed = sections[sections.level == 2]
    assert len(printed) == 35
    assert list(printed.label_number) == [n for n in range(1, 37) if n != 7]
    frameworks = sections[sections.kind == "framework"]
    assert set(frameworks.title) >= {"指导思想", "基本原则", "主要目标"}
    measures = rows(seed_tables, "measures", IMPLEMENTATION_PLAN)
    assert len(measures) == 33
    assert not measures.section_id.isin(frameworks.section_id).any()
    by_id = sections.set_index("section_id")
    numbers = sorted({int(by_id.loc[s, "label_number"]) for s in measures.section_id})
    assert numbers == [n for n in range(4, 37) if n != 7]
    orphan = measures[measures.text.str.startswith("围绕投资自由")]
    assert len(orphan) == 1 and by_id.loc[orphan.iloc[0].section_id, "label_number"] == 6


def test_implementation_plan_gap_is_reported(fresh_build):
    out, _ = fresh_build
    issues = published(out, "quality_issues")
    gaps = issues[(issues.doc_id == IMPLEMENTATION_PLAN) & (issues["check"] == "numbering_continuity")]
    assert len(gaps) == 1
    assert "(六)" in gaps.iloc[0].message and "(八)" in gaps.iloc[0].message


def test_implementation_plan_attachment_and_no_wiki_residue(seed_tables):
    parts = rows(seed_tables, "document_parts", IMPLEMENTATION_PLAN)
    attachment = parts[parts.kind == "attachment"]
    assert len(attachment) == 1 and attachment.iloc[0].text.startswith("附件")
    measures = rows(seed_tables, "measures", IMPLEMENTATION_PLAN)
    assert not measures.text.str.contains("附件").any()
    for value in text_columns(seed_tables, IMPLEMENTATION_PLAN):
        assert not re.search(r"\[编辑\]|跳转到内容|维基文库", value), value


def test_policy_measures_titles_and_responsibilities(seed_tables, seed_extractions):
    measures = rows(seed_tables, "measures", POLICY_MEASURES)
    assert list(measures.label_number) == list(range(1, 23))
    assert measures.label.iloc[0] == "一、" and measures.label.iloc[-1] == "二十二、"
    assert measures.title.iloc[0] == "推进重大改革系统集成和改革试点经验共享共用"
    assert measures.title.notna().all()
    assert measures.responsibility_text.notna().all()
    assert measures.responsibility_text.iloc[1] == "责任单位：两省一市发展改革、规划资源部门"
    assert not measures.text.str.contains("责任单位").any()
    for value in text_columns(seed_tables, POLICY_MEASURES):
        assert not re.search(r"<|>|style=|&nbsp;|rgb\(", value), value
    document = rows(seed_tables, "documents", POLICY_MEASURES).iloc[0]
    assert document.issue_date == "2020-06-10" and document.effective_date == "2020-07-01"


def test_zhejiang_excerpt_groups_titles_and_script(seed_tables):
    sections = rows(seed_tables, "sections", ZHEJIANG_EXCERPT)
    assert len(sections) == 9 and set(sections.kind) == {"group"} and sections.title.isna().all()
    measures = rows(seed_tables, "measures", ZHEJIANG_EXCERPT)
    assert len(measures) == 35 and measures.title.notna().all()
    assert measures.title.iloc[0] == "协同建设长三角重大创新平台"
    assert "协同建设长三角重大创新平台" in measures.text.iloc[0]
    assert "協同建設長三角重大創新平臺" in measures.text_original.iloc[0]
    parts = rows(seed_tables, "document_parts", ZHEJIANG_EXCERPT)
    assert (parts.kind == "preamble").sum() == 3
    assert rows(seed_tables, "documents", ZHEJIANG_EXCERPT).iloc[0].script == "zh-Hant"


def test_news_report_declared_counts_rejoined_lines_and_notes(seed_tables):
    sections = rows(seed_tables, "sections", NEWS_REPORT)
    assert list(sections.declared_count) == [20, 20, 25, 23, 22, 17, 10, 15, 13]
    document = rows(seed_tables, "documents", NEWS_REPORT).iloc[0]
    assert document.declared_count == 165 == sections.declared_count.sum()
    measures = rows(seed_tables, "measures", NEWS_REPORT)
    assert len(measures) == 55
    for joined in ("创新跨省“一件事”集成服务", "加大进博会与长三角各地展会的联动力度", "大黄山世界级休闲度假康养旅游目的地建设"):
        assert measures.text.str.contains(joined, regex=False).sum() == 1, joined
    noise = rows(seed_tables, "noise", NEWS_REPORT)
    assert {"photo_credit", "byline"} <= set(noise.reason)
    assert "视觉中国供图" in set(noise.text_original)
    parts = rows(seed_tables, "document_parts", NEWS_REPORT)
    note = parts[parts.kind == "closing_note"]
    assert len(note) == 1 and "第一轮三年行动计划320项重点任务" in note.iloc[0].text
    for value in text_columns(seed_tables, NEWS_REPORT):
        assert "视觉中国" not in value and "许愿" not in value


def test_all_seeds_total_measures_coverage_and_spans(seed_tables, fresh_build):
    assert len(seed_tables["measures"]) == 196
    assert set(seed_tables["documents"].coverage) == {1.0}
    out, _ = fresh_build
    issues = published(out, "quality_issues")
    assert not (issues["check"] == "spans").any()
    coverage = issues[issues["check"] == "coverage"]
    assert set(coverage.doc_id) == set(seed_tables["documents"].doc_id)
