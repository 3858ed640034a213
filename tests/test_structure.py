"""Steps 5-6 on made-up documents in heading styles and formats the seeds do not use."""

from conftest import extract_fixture, extract_text


def by(rows, key):
    return [row[key] for row in rows]


def test_chapters_sections_and_restarting_items_in_a_gbk_file():
    result = extract_fixture("chapters_gbk.txt")
    document = result.documents[0]
    assert document["source_encoding"] == "gb18030"
    assert (document["title"], document["issuers"], document["issue_date"], document["effective_date"]) == (
        "某省推进区域一体化发展实施意见", ["某省人民政府办公厅"], "2022-03-05", "2022-04-01")
    sections = result.sections
    assert by(sections, "label") == ["第一章", "第一节", "第二章", "第一节", "第二节", "第三章"]
    assert by(sections, "level") == [1, 2, 1, 2, 2, 1]
    assert by(sections, "kind") == ["framework", "framework", "part", "section", "section", "implementation"]
    assert sections[1]["intro_text"].startswith("到2025年")
    measures = result.measures
    assert by(measures, "label_number") == [1, 2, 1, 2, 3, None]
    assert measures[2]["text"] == "共建产业园区，推动产业链上下游协同，完善跨区域合作机制。"  # rejoined
    assert by(measures, "responsibility_text")[:2] == ["责任单位：省交通运输厅", "省交通运输厅、省发展改革委负责"]
    assert by(measures, "text")[:2] == ["加快建设城际铁路网络，推进跨省通道建设。", "完善公路网络，提升通行效率。"]
    assert [p["kind"] for p in result.document_parts] == ["title", "front_matter", "front_matter", "preamble", "closing_note"]
    assert document["coverage"] == 1.0


def test_whole_html_page_with_bracketed_arabic_items():
    result = extract_fixture("arabic_headings.html")
    assert by(result.sections, "title") == ["推进基础设施互联互通", "强化产业协同"]
    assert by(result.sections, "kind") == ["section", "section"]
    assert by(result.measures, "label") == ["（1）", "（2）", "（1）", "（2）", "（3）"]
    assert result.measures[0]["text"] == "加快建设“轨道上的都市圈”，推进市域铁路与城市轨道交通衔接。"
    assert "菜单" not in " ".join(p["text"] for p in result.document_parts)
    assert {"html_markup", "html_script_or_style", "html_declaration_or_comment"} <= {n["reason"] for n in result.noise}
    assert result.documents[0]["issue_date"] == "2021-09-01"
    assert result.documents[0]["coverage"] == 1.0


def test_markdown_groups_of_titled_paragraphs_without_printed_headings():
    result = extract_fixture("titled_groups.md")
    assert [s["kind"] for s in result.sections] == ["group", "group"]
    assert result.sections[0]["intro_text"].startswith("推动数字产业化")
    assert by(result.measures, "title") == ["建设算力基础设施", "培育软件产业集群", "推进工厂智能化改造", "发展工业互联网平台"]
    assert [m["section_id"] for m in result.measures] == [result.sections[0]["section_id"]] * 2 + [result.sections[1]["section_id"]] * 2
    assert [p["kind"] for p in result.document_parts] == ["title", "preamble"]
    assert result.documents[0]["doc_type"] == "excerpt"


def test_bare_headings_make_body_paragraphs_the_measures():
    text = "某市行动方案\n\n一、交通\n\n（一）轨道交通。\n\n加快建设市域铁路，推进站城融合。\n\n优化公交线网，提升换乘效率。\n\n（二）道路网络。\n\n打通断头路，提升通行能力。\n"
    result = extract_text(text)
    assert by(result.sections, "kind") == ["part", "section", "section"]
    assert len(result.measures) == 3
    assert [m["section_id"] for m in result.measures] == ["fixture-s1-1", "fixture-s1-1", "fixture-s1-2"]


def test_declared_count_lead_is_the_intro_and_the_rest_a_measure():
    text = "一、科技创新\n\n共有12项重点任务，主要包括：共建实验室，联合攻关。\n\n推进成果转化。\n\n二、产业协同\n\n共有8项任务。\n\n共建产业园区。\n"
    result = extract_text(text)
    assert by(result.sections, "declared_count") == [12, 8]
    assert by(result.sections, "intro_text") == ["共有12项重点任务，主要包括：", "共有8项任务。"]
    assert by(result.measures, "text") == ["共建实验室，联合攻关。", "推进成果转化。", "共建产业园区。"]


def test_ids_are_derived_from_the_document_s_own_numbering():
    first = extract_fixture("chapters_gbk.txt", {"doc_id": "demo-doc"})
    second = extract_fixture("chapters_gbk.txt", {"doc_id": "demo-doc"})
    assert by(first.measures, "measure_id") == by(second.measures, "measure_id")
    section = first.sections[0]
    assert section["section_id"] == f"demo-doc-s{section['label_number']}"
    measure = first.measures[0]
    assert measure["measure_id"] == f"{measure['section_id']}-m{measure['label_number']}"


def _ids(result):
    return {row[key]: row["text_original"] for table, key in (("sections", "section_id"), ("measures", "measure_id")) for row in getattr(result, table)}


def test_inserting_a_paragraph_in_a_section_changes_no_id_outside_it():
    before = ("一、交通\n\n加快建设市域铁路。\n\n优化公交线网。\n\n二、生态\n\n（一）水环境\n\n"
              "1.加强太湖流域水环境综合治理，推进跨界河湖联保共治。\n\n2.共同保护长江岸线，推进沿江生态廊道建设。\n")
    after = before.replace("优化公交线网。", "推进站城融合。\n\n优化公交线网。")
    old, new = _ids(extract_text(before)), _ids(extract_text(after))
    changed = {i for i in set(old) | set(new) if old.get(i) != new.get(i)}
    assert changed and all(i.startswith("fixture-s1-") for i in changed)  # only measures of section 一
    assert new["fixture-s2-1-m1"].startswith("1.加强太湖") and new["fixture-s1-mu2"] == "推进站城融合。"


def test_articles_are_identified_by_their_number_in_the_statute():
    text = "第一章 总则\n\n第一条 为了推进一体化发展，制定本条例。\n\n第二章 规划\n\n第二条 编制规划。\n\n第三条 实施规划。\n"
    result = extract_text(text)
    assert by(result.measures, "measure_id") == ["fixture-art1", "fixture-art2", "fixture-art3"]
    regrouped = extract_text(text.replace("第二章 规划\n\n", "第二章 规划\n\n第一节 编制\n\n"))
    assert by(regrouped.measures, "measure_id") == ["fixture-art1", "fixture-art2", "fixture-art3"]


def test_metadata_fills_and_overrides_and_records_where_values_came_from():
    import json

    result = extract_fixture("chapters_gbk.txt", {"doc_id": "demo", "issuers": ["某省人民政府"], "doc_type": "plan"})
    document = result.documents[0]
    origin = json.loads(document["metadata_origin"])
    assert document["issuers"] == ["某省人民政府"] and origin["issuers"] == "metadata_overrides_text"
    assert origin["title"] == "text" and origin["issue_date"] == "text" and origin["doc_id"] == "metadata"
    assert document["issue_date_precision"] == "day"


def test_file_names_without_ascii_letters_get_distinct_ids():
    first = extract_text("一、交通\n1.建设铁路，提升效率。\n", name="长三角方案.txt")
    second = extract_text("一、交通\n1.建设铁路，提升效率。\n", name="浙江方案.txt")
    assert first.doc_id.startswith("doc-") and first.doc_id != second.doc_id


def test_items_of_a_framework_section_are_framework_sections_not_measures():
    text = (
        "国务院关于推动某区域高质量发展的意见\n\n一、总体要求\n"
        "（一）指导思想。以习近平新时代中国特色社会主义思想为指导，推动高质量发展。\n"
        "（二）工作目标。到2025年，区域生产总值达到10万亿元，城镇化率达到75%。\n"
        "二、重点任务\n（三）推进科技创新。加快建设科创中心，推动成果转化。（省科技厅负责）\n"
        "（四）建设现代化产业体系。培育产业集群，推动制造业升级。\n"
    )
    result = extract_text(text)
    assert [(s["label"], s["kind"]) for s in result.sections] == [("一、", "framework"), ("（一）", "framework"), ("（二）", "framework"), ("二、", "section")]
    assert by(result.measures, "title") == ["推进科技创新", "建设现代化产业体系"]
    assert {t["indicator"]: t["section_id"] for t in result.targets} == {"区域生产总值": "fixture-s1-2", "城镇化率": "fixture-s1-2"}


def test_headings_printed_without_numbers():
    text = (
        "某市推进长三角一体化发展工作要点\n\n为贯彻落实国家战略，现将今年工作要点印发如下。\n\n"
        "科技创新协同\n共建长三角科创走廊，推动科技成果跨区域转化。\n联合开展关键核心技术攻关，支持企业建设研发中心。\n\n"
        "交通互联互通\n加快建设沪苏通铁路二期，打通省际断头路。\n完善港口集疏运体系，推进江海联运。\n"
    )
    result = extract_text(text)
    assert [(s["title"], s["label"], s["label_number"]) for s in result.sections] == [("科技创新协同", None, None), ("交通互联互通", None, None)]
    assert [m["section_id"] for m in result.measures] == ["fixture-su1", "fixture-su1", "fixture-su2", "fixture-su2"]
    assert [p["kind"] for p in result.document_parts] == ["title", "preamble"]
