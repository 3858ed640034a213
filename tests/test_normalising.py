"""Step 3: text is Simplified with consistent punctuation; the original is untouched."""

from pipelines.extraction.normalising import detect_script, normalise


def test_traditional_is_converted_to_simplified():
    assert normalise("協同建設長三角重大創新平臺。", "zh-Hant") == "协同建设长三角重大创新平台。"


def test_script_detection():
    assert detect_script("協同建設長三角重大創新平臺，推動區域一體化發展。") == "zh-Hant"
    assert detect_script("协同建设长三角重大创新平台，推动区域一体化发展。") == "zh-Hans"


def test_ascii_punctuation_next_to_chinese_becomes_full_width():
    assert normalise("中国(上海)自由贸易试验区,临港新片区:一体化") == "中国（上海）自由贸易试验区，临港新片区：一体化"


def test_numbers_keep_their_marks_and_spacing_is_tidied():
    assert normalise("差距缩小到1.2:1, 达到3,000 人") == "差距缩小到1.2:1，达到3,000人"
    assert normalise("规划“十四五” 实施方案") == "规划“十四五”实施方案"
    assert normalise("ＧＤＰ增长５％") == "GDP增长5％"
