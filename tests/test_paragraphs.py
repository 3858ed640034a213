"""Step 4: items run together are split; lines cut mid-sentence are rejoined."""

from pipelines.extraction.paragraphs import rejoin_broken, split_lines
from pipelines.extraction.textmap import MappedText


def units_of(text):
    source = MappedText.of_source(text)
    lines = [line.strip() for line in source.lines() if line.strip()]
    return split_lines(lines)


def test_items_run_together_on_one_line_are_split_at_continuing_numbers():
    text = "措施如下：1.建立协调机制，定期会商。（牵头单位：省发展改革委）2.支持三甲医院设立分院，共享资源。3.完善考核办法，强化督查。"
    units = units_of(text)
    assert [u.text[:4] for u in units] == ["措施如下", "1.建立", "2.支持", "3.完善"]
    assert units[1].text.endswith("（牵头单位：省发展改革委）")


def test_numbers_that_do_not_continue_the_sequence_do_not_split():
    units = units_of("一、推进合作。二、完善机制。五、这不是下一项。")
    assert [u.text for u in units] == ["一、推进合作。", "二、完善机制。五、这不是下一项。"]


def test_text_after_a_responsibility_clause_starts_a_new_paragraph():
    units = units_of("二十二、加强组织保障。落实责任。（责任单位：各相关部门）本措施自2020年7月1日起施行。")
    assert [u.text for u in units] == ["二十二、加强组织保障。落实责任。（责任单位：各相关部门）", "本措施自2020年7月1日起施行。"]


def test_a_line_cut_mid_sentence_is_rejoined_with_exact_spans():
    text = "（八）发展产业。\n\n32.支持园区发展，鼓励有条件的地\n\n区加快氢能产业园建设。\n\n33.培育资源。"
    units = rejoin_broken(units_of(text))
    assert [u.text for u in units] == ["（八）发展产业。", "32.支持园区发展，鼓励有条件的地区加快氢能产业园建设。", "33.培育资源。"]
    start, end = units[1].mt.span
    assert text[start:end] == "32.支持园区发展，鼓励有条件的地\n\n区加快氢能产业园建设。"


def test_headings_titles_and_next_items_are_not_joined():
    text = "一、总体要求\n坚持稳中求进，推动发展\n（二）完善机制。\n某市人民政府\n2021年6月7日"
    units = rejoin_broken(units_of(text))
    assert len(units) == 5
