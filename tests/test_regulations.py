"""Regulations in 第N条 style: chapters and sections rank by statute order, articles are measures with their 款 and 项."""

import pandas as pd
from conftest import FIXTURES, process_text

from pipelines.extraction.cleaning import table_of_contents


def _regulation():
    return process_text((FIXTURES / "regulation.md").read_text(encoding="utf-8"), name="regulation.md")


def test_articles_are_measures_with_kind_article():
    frames = _regulation().frames
    measures = frames["measures"]
    assert list(measures["label"]) == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert set(measures["kind"]) == {"article"}


def test_chapters_and_sections_form_the_outline_and_the_table_of_contents_is_noise():
    frames = _regulation().frames
    sections = frames["sections"]
    assert [(int(r.level), r.label, r.title) for r in sections.itertuples()] == [
        (1, "第一章", "总则"), (1, "第二章", "协同机制"), (2, "第一节", "规划协同"), (2, "第二节", "项目协同"), (1, "第三章", "附则"),
    ]
    toc = frames["noise"][frames["noise"]["reason"] == "table_of_contents"]
    assert list(toc["text_original"]) == ["目录", "第一章　总则", "第二章　协同机制", "第一节　规划协同", "第二节　项目协同", "第三章　附则"]


def test_an_article_keeps_its_paragraphs_and_items_as_clauses():
    frames = _regulation().frames
    article = frames["measures"].set_index("label").loc["第二条"]
    assert article["text"].startswith("本条例所称区域协同，包括下列事项：\n（一）规划衔接；")
    clauses = frames["clauses"][frames["clauses"]["measure_id"] == article["measure_id"]]
    assert [(r.kind, int(r.paragraph_number), None if pd.isna(r.label) else r.label, r.text) for r in clauses.itertuples()] == [
        ("paragraph", 1, None, "本条例所称区域协同，包括下列事项："),
        ("item", 1, "（一）", "规划衔接；"),
        ("item", 1, "（二）", "设施互通；"),
        ("item", 1, "（三）", "公共服务共享。"),
        ("paragraph", 2, None, "前款第三项所称公共服务，由市人民政府另行规定。"),
    ]
    second = frames["clauses"][frames["clauses"]["measure_id"] == frames["measures"].set_index("label").loc["第四条", "measure_id"]]
    assert list(second["paragraph_number"]) == [1, 2]


def test_an_article_before_the_first_chapter_heading_does_not_demote_the_chapters():
    text = "某某条例\n第一条 为了规范管理，制定本条例。\n第二条 本条例适用于本市。\n第二章 管理\n第三条 市政府负责管理。\n第三章 附则\n第四条 本条例自公布之日起施行。\n"
    result = process_text(text)
    sections = result.frames["sections"]
    assert list(sections["level"]) == [1, 1]
    measures = result.frames["measures"]
    assert list(measures["label"]) == ["第一条", "第二条", "第三条", "第四条"]
    assert measures["section_id"].isna().sum() == 2


def test_a_section_printed_after_its_first_article_stays_below_the_chapter():
    text = "第一章 总则\n第一条 为了规范管理，制定本条例。\n第一节 一般规定\n第二条 本条例适用于本市。\n第二节 特别规定\n第三条 特别事项另行规定。\n"
    sections = process_text(text).frames["sections"]
    assert [(int(r.level), r.label) for r in sections.itertuples()] == [(1, "第一章"), (2, "第一节"), (2, "第二节")]


def test_table_of_contents_needs_its_entries_to_recur():
    assert table_of_contents(["目录", "第一章 总则", "第二章 附则", "第一章 总则", "正文。", "第二章 附则"]) == [0, 1, 2]
    # Without a 目录 line, three entries recurring in order.
    assert table_of_contents(["一、总则", "二、任务", "三、保障", "一、总则", "内容。", "二、任务", "三、保障"]) == [0, 1, 2]
    # Headings that do not recur are content.
    assert table_of_contents(["一、总则", "二、任务", "三、保障", "正文。"]) == []


def test_unnumbered_markdown_heading_joins_the_level_of_numbered_ones():
    text = "# 某规划\n\n## 前言\n\n本规划是指导文件。\n\n## 第一章　总体要求\n\n### 第一节　目标\n\n到2025年，一体化取得实质进展。\n"
    sections = process_text(text, name="plan.md").frames["sections"]
    assert [(int(r.level), None if pd.isna(r.label) else r.label, r.title) for r in sections.itertuples()] == [(1, None, "前言"), (1, "第一章", "总体要求"), (2, "第一节", "目标")]


def test_an_item_between_a_chapter_and_its_first_article_is_the_chapter_intro():
    """Found by the property tests: the chapter's span must not cover a record of its own."""
    result = process_text("\n\n\n第一章 推进推进\n（一）推进推进\n# \n第十条 推进")
    assert not result.quarantined
    chapter = result.frames["sections"].iloc[0]
    assert chapter["intro_text"].startswith("（一）推进推进")
