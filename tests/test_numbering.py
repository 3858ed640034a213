"""Numbering styles and Chinese numerals."""

import pytest

from pipelines.extraction.numbering import cn_to_int, match_marker


@pytest.mark.parametrize("text, value", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("三十六", 36), ("一百零一", 101), ("12", 12), ("③", 3)])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize(
    "text, style, value, label",
    [
        ("一、总体要求", "cn_dun", 1, "一、"),
        ("（十二）加强改革", "cn_paren", 12, "（十二）"),
        ("(三十六)营造氛围", "cn_paren", 36, "(三十六)"),
        ("1.建立制度", "arabic_dot", 1, "1."),
        ("2. 聚焦重点", "arabic_dot", 2, "2."),
        ("3、完善机制", "arabic_dun", 3, "3、"),
        ("（1）加快建设", "arabic_paren", 1, "（1）"),
        ("第一章 总则", "chapter", 1, "第一章"),
        ("第二节 产业协同", "section_jie", 2, "第二节"),
        ("①推进合作", "circled", 1, "①"),
    ],
)
def test_markers(text, style, value, label):
    marker = match_marker(text)
    assert (marker.style, marker.value, marker.label) == (style, value, label)


@pytest.mark.parametrize("text", ["3.5%的增长", "5G网络建设", "2021年6月", "一、", "三甲医院", "十四五时期"])
def test_not_markers(text):
    assert match_marker(text) is None
