"""Property tests: random Chinese-like documents never fail by exception and keep exact spans.

`make test` runs a bounded number of examples; `make fuzz` runs many more.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.assembly import process_document
from pipelines.extraction.cleaning import clean
from pipelines.extraction.document import RawDocument

EXAMPLES = int(os.environ.get("YRDPM_FUZZ_EXAMPLES", 25))

MARKERS = st.sampled_from(["", "", "一、", "二、", "十一、", "（一）", "（三）", "(2)", "1.", "12.", "3、", "①", "第一章 ", "第二节 ", "第十条 ", "# ", "## ", "- "])
WORDS = st.sampled_from(["推进", "长三角", "一体化", "上海", "江苏省", "示范区", "到2025年", "达到90%", "（牵头单位：某局）", "，", "。", "；", "：",
                         "<p>", "</p>", "<div>", "&nbsp;", "**", "[链接](http://x)", "\u200b", "\u202e", "\ufeff", "\x00", "\x07", " ", "　", "目录",
                         "抄送：某委。", "（此件公开发布）", "2025年13月1日", "二〇二四年三月五日", "国办发〔2024〕1号", "各区人民政府：", "\\", "'", "\""])
LINES = st.lists(st.tuples(MARKERS, st.lists(WORDS, max_size=10)), max_size=20)


def _document(lines) -> str:
    return "\n".join(marker + "".join(words) for marker, words in lines)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES, st.sampled_from(["txt", "md", "html"]))
def test_random_documents_never_fail_by_exception_and_spans_read_back(lines, suffix):
    text = _document(lines)
    result = process_document(RawDocument(f"raw/fuzz.{suffix}", text.encode("utf-8")))
    crashes = [i["message"] for i in result.issues if i["check"] == "quarantine"]
    assert crashes == [], crashes  # span errors and schema failures would quarantine too
    if result.published:
        source = result.frames["texts"].loc[0, "text"]
        for row in result.frames["measures"].itertuples():
            assert 0 <= row.span_start < row.span_end <= len(source)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["txt", "md", "html"]))
def test_cleaning_keeps_every_line_mapped_to_its_source(text, file_format):
    cleaned = clean(text, file_format)
    for line in cleaned.lines:
        for ch, start, end in zip(line.text, line.starts, line.ends):
            assert 0 <= start <= end <= len(text)
            if end - start == 1 and ch == text[start]:
                continue
            assert end >= start  # a decoded entity or an edit maps to the span it replaces
    for noise in cleaned.noise:
        assert 0 <= noise.start <= noise.end <= len(text)
