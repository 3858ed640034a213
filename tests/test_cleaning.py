"""Step 2: markup and noise are removed, each piece kept with a reason and a span."""

from pipelines.extraction.cleaning import clean

HTML_FRAGMENT = (
    '<p style="margin: 0px; font-family: -apple-system-font, &quot;PingFang SC&quot;;">'
    "一、加强合作。推进&ldquo;一网通办&rdquo;&nbsp;建设。</p><div>二、完善机制。</div>"
)


def test_html_fragment_is_stripped_and_entities_decoded():
    cleaned = clean(HTML_FRAGMENT, "txt")  # sniffed from the content, not the extension
    assert cleaned.had_markup
    assert [line.text for line in cleaned.lines] == ["一、加强合作。推进“一网通办” 建设。", "二、完善机制。"]
    reasons = {n.reason for n in cleaned.noise}
    assert reasons == {"html_markup"}
    for noise in cleaned.noise:
        assert HTML_FRAGMENT[noise.start : noise.end] == noise.text


def test_every_clean_character_maps_back_to_its_source():
    cleaned = clean(HTML_FRAGMENT, "html")
    line = cleaned.lines[0]
    start, end = line.span
    assert HTML_FRAGMENT[start:end].startswith("一、加强合作")
    assert HTML_FRAGMENT[line.starts[line.text.index("“")] : line.ends[line.text.index("“")]] == "&ldquo;"


def test_wiki_navigation_and_edit_markers_are_noise():
    source = "跳转到内容\n规划名称\n维基文库，自由的图书馆\n一、总体要求\n\n[编辑]\n（一）指导思想。\n"
    cleaned = clean(source, "txt")
    assert [line.text for line in cleaned.lines] == ["规划名称", "一、总体要求", "（一）指导思想。"]
    assert [n.reason for n in cleaned.noise] == ["wiki_navigation", "wiki_site_banner", "wiki_edit_marker"]


def test_credits_and_bylines_are_noise_and_mark_the_end_of_the_body():
    source = "标题\n\n新华社记者 张三 摄\n\n正文第一段。\n\n（记者 李四 王五）\n\n据报道，此前已完成。\n"
    cleaned = clean(source, "txt")
    assert [line.text for line in cleaned.lines] == ["标题", "正文第一段。", "据报道，此前已完成。"]
    assert [n.reason for n in cleaned.noise] == ["photo_credit", "byline"]
    assert cleaned.body_end_line == 2


def test_a_bare_number_in_brackets_is_not_a_byline():
    cleaned = clean("（十二）\n", "txt")
    assert [line.text for line in cleaned.lines] == ["（十二）"]


def test_markdown_syntax_is_noise():
    source = "# 标题\n\n**建设平台。** 推进[共享](https://example.org/a)。\n"
    cleaned = clean(source, "md")
    assert [line.text for line in cleaned.lines] == ["标题", "建设平台。 推进共享。"]
    assert {"markdown_heading_marker", "markdown_emphasis", "markdown_link_syntax"} <= {n.reason for n in cleaned.noise}


def test_invisible_characters_are_noise_and_cannot_hide_a_heading():
    from conftest import process_text

    text = "\u200b一、总则\n1.\u202e建设平台，推进共享。\ufeff\n\u2066二、任务\u2069\n1.完善\u00ad机制，加强协同。\n"
    result = process_text(text)
    assert list(result.frames["sections"]["label"]) == ["一、", "二、"]
    assert list(result.frames["measures"]["text"]) == ["建设平台，推进共享。", "完善机制，加强协同。"]
    noise = result.frames["noise"]
    assert set(noise["reason"]) == {"invisible_character"} and len(noise) == 6
    assert result.frames["documents"].loc[0, "coverage"] == 1.0
    corrections = result.frames["corrections"]
    assert list(corrections["rule_id"].unique()) == ["invisible_character"]
    assert corrections["corrected"].isna().all() and list(corrections["original"]) == ["\u202e", "\u00ad"]  # inside records; the others stand at their edges
    assert set(corrections["object_id"]) <= set(result.frames["sections"]["section_id"]) | set(result.frames["measures"]["measure_id"])
