"""Odd inputs never crash extraction, and whatever is extracted has exact spans and full coverage."""

import pytest
from conftest import tables_of

from pipelines.assembly import process_document
from pipelines.extraction.document import RawDocument, extract_document
from validation.quality import check_evidence_spans, check_spans

CASES = {
    "crlf.txt": ("某方案\r\n\r\n一、总则\r\n（一）目标。到2025年，覆盖率达到90%。\r\n1.推进建设，完善机制。\r\n2.加强保障，落实责任。\r\n", 2),
    "bom.txt": ("\ufeff一、交通\n1.建设铁路，提升效率。\n2.完善公路，打通断头路。\n", 2),
    "only-headings.txt": ("一、总则\n二、任务\n三、保障\n", 0),
    "single-line.txt": ("加快推进长三角一体化发展。", 0),
    "traditional.html": ("<p>一、科技創新</p><p>1.協同建設創新平臺，推動共享。</p><p>2.支持上海、江蘇合作，共建實驗室。</p>", 2),
    "bare-numbers.txt": ("1.\n2.\n3.\n", 0),
    "punctuation.txt": ("（）\n、、、\n。。。\n——\n", 0),
    "circled.md": ("## 一、任务\n\n①建设平台，推进共享。\n\n②完善机制，加强协同。\n", 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_input(name):
    text, measures = CASES[name]
    raw = RawDocument(f"raw/{name}", text.encode("utf-8"))
    result = extract_document(raw)
    assert len(result.measures) == measures
    processed = process_document(raw)
    assert not processed.quarantined
    frames = tables_of(processed)
    sources = {result.doc_id: result.source_text}
    assert check_spans(frames, sources) == [] and check_evidence_spans(frames, sources) == []
    assert result.documents[0]["coverage"] == 1.0
    if measures == 0:
        assert any(issue["check"] == "structure" for issue in result.quality_issues)


def test_a_measure_that_is_only_a_responsibility_clause_keeps_it_as_its_text():
    from conftest import process_text

    result = process_text("一、（牵头单位：某局）（牵头单位：某局）\n二、加快建设铁路。（交通运输部牵头）\n")
    assert not result.quarantined
    texts = list(result.frames["measures"]["text"])
    assert texts[0].startswith("（牵头单位") and texts[1] == "加快建设铁路。"
