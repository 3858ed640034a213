"""Word, PDF, Big5 and damaged UTF-8 read as text, with spans into the published decoded text."""

import pytest
from conftest import tables_of
from makers import make_docx, make_docx_with_html_chunk, make_pdf

from pipelines.assembly import process_document
from pipelines.extraction.decoding import DecodeError, decode_bytes
from pipelines.extraction.document import RawDocument, extract_document
from pipelines.extraction.formats import format_number, read_docx, read_pdf
from validation.quality import check_spans

PLAN = [
    ("关于推进某地区一体化发展的实施方案", None),
    ("总体要求", 0),
    ("指导思想。坚持创新引领，推动协同发展。", 1),
    ("重点任务", 0),
    ("交通", 1),
    ("建设城际铁路，提升通勤效率。", 2),
    ("完善省际公路，打通断头路。", 2),
    ("产业", 1),
    ("共建产业园区，推动协同发展。", 2),
    [["指标", "2025年目标"], ["研发投入强度", "3%"]],
]


def _read(name: str, data: bytes, metadata=None):
    raw = RawDocument(f"raw/{name}", data, metadata)
    return extract_document(raw), process_document(raw)


def test_docx_automatic_numbering_comes_out_as_printed_labels():
    text = read_docx(make_docx(PLAN)).text
    assert text.splitlines()[:9] == [
        "关于推进某地区一体化发展的实施方案", "一、总体要求", "（一）指导思想。坚持创新引领，推动协同发展。", "二、重点任务",
        "（一）交通", "1.建设城际铁路，提升通勤效率。", "2.完善省际公路，打通断头路。", "（二）产业", "1.共建产业园区，推动协同发展。",
    ]
    assert text.splitlines()[9:] == ["指标\t2025年目标", "研发投入强度\t3%"]


def test_docx_document_is_structured_and_its_spans_point_into_the_published_text():
    extraction, result = _read("plan.docx", make_docx(PLAN))
    assert result.published and not result.quarantined
    documents = result.frames["documents"]
    assert documents.loc[0, "source_encoding"] == "docx"
    assert documents.loc[0, "title"] == "关于推进某地区一体化发展的实施方案"
    measures = result.frames["measures"]
    assert list(measures["label"]) == ["1.", "2.", "1."]
    text = result.frames["texts"].loc[0, "text"]
    for row in measures.itertuples():
        assert text[row.span_start : row.span_end] == row.text_original
    assert check_spans(tables_of(result), {extraction.doc_id: extraction.source_text}) == []


@pytest.mark.parametrize(("n", "fmt", "printed"), [
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (12, "chineseCounting", "十二"), (20, "chineseCounting", "二十"),
    (35, "chineseCountingThousand", "三十五"), (105, "chineseCounting", "一百零五"), (110, "chineseCounting", "一百一十"),
    (3, "decimalEnclosedCircle", "③"), (4, "upperRoman", "IV"), (2, "lowerLetter", "b"), (7, "decimal", "7"),
])
def test_word_number_formats(n, fmt, printed):
    assert format_number(n, fmt) == printed


PAGES = [
    ["一、总体要求", "（一）指导思想。以新时代中国特色社会主义思想为指导，全面贯彻落实党的二", "十大精神。",
     "二、重点任务", "（一）交通。加快建设轨道交通网络，提升互联互通水平，推进省际断头路建设"],
    ["，打通交通堵点，构建一体化交通体系。", "（二）产业。共建产业园区，推动协同发展。"],
]


def test_pdf_page_furniture_is_noise_and_wrapped_lines_rejoin_across_pages():
    extraction, result = _read("plan.pdf", make_pdf(PAGES))
    assert result.published and not result.quarantined
    assert result.frames["documents"].loc[0, "source_encoding"] == "pdf"
    noise = result.frames["noise"]
    assert sorted(noise["reason"]) == ["pdf_page_header", "pdf_page_header", "pdf_page_number", "pdf_page_number"]
    measures = result.frames["measures"]
    assert list(measures["title"]) == ["交通", "产业"]
    assert list(measures["text"]) == [
        "交通。加快建设轨道交通网络，提升互联互通水平，推进省际断头路建设，打通交通堵点，构建一体化交通体系。",
        "产业。共建产业园区，推动协同发展。",
    ]
    sections = result.frames["sections"]
    assert sections.loc[sections.label == "（一）", "intro_text"].iloc[0] == "以新时代中国特色社会主义思想为指导，全面贯彻落实党的二十大精神。"
    assert result.frames["documents"].loc[0, "coverage"] == 1.0
    assert check_spans(tables_of(result), {extraction.doc_id: extraction.source_text}) == []


def test_pdf_lines_that_end_short_stay_apart():
    text = read_pdf(make_pdf([["一、总则", "二、任务", "本方案自印发之日起施行。"]], header=None, page_numbers=False)).text
    assert text.splitlines() == ["一、总则", "二、任务", "本方案自印发之日起施行。"]


def test_pdf_without_a_text_layer_is_reported_not_published():
    extraction, result = _read("scan.pdf", make_pdf([[], []], text_layer=False))
    assert not result.published
    message = next(i["message"] for i in result.issues if i["check"] == "decode")
    assert "no text layer" in message and "2 page(s)" in message


def test_a_file_that_only_looks_like_a_pdf_is_an_error():
    with pytest.raises(DecodeError, match="not a readable PDF"):
        read_pdf(b"%PDF-1.4\n" + bytes(range(256)) * 4)


def test_a_docx_named_txt_is_read_by_its_content():
    extraction, result = _read("plan.txt", make_docx(PLAN))
    assert result.frames["documents"].loc[0, "source_encoding"] == "docx"
    assert len(result.frames["measures"]) == 3


TRADITIONAL = "長江三角洲區域一體化發展\n一、科技創新\n1.協同建設創新平臺，推動資源共享。\n2.支持上海、江蘇、浙江、安徽合作共建實驗室。\n"


@pytest.mark.parametrize("encoding", ["big5", "cp950", "big5hkscs"])
def test_big5_text_is_read(encoding):
    decoded = decode_bytes(TRADITIONAL.encode(encoding))
    assert decoded.text == TRADITIONAL and decoded.encoding == "big5hkscs"


def test_big5_document_publishes_in_simplified_with_traditional_originals():
    _, result = _read("trad.txt", TRADITIONAL.encode("big5"))
    measures = result.frames["measures"]
    assert list(measures["text"]) == ["协同建设创新平台，推动资源共享。", "支持上海、江苏、浙江、安徽合作共建实验室。"]
    assert measures.loc[0, "text_original"] == "1.協同建設創新平臺，推動資源共享。"
    assert result.frames["documents"].loc[0, "script"] == "zh-Hant"


def test_gbk_is_still_read_as_gb18030():
    text = "长江三角洲区域一体化发展规划纲要\n一、总体要求\n1.推动科技创新与产业融合。\n"
    assert decode_bytes(text.encode("gbk")).encoding == "gb18030"


def test_a_truncated_character_in_utf8_is_replaced_and_reported():
    data = TRADITIONAL.encode("utf-8")
    cut = data.index("創".encode()) + 1
    damaged = data[:cut] + data[cut + 2 :]  # one three-byte character loses two bytes
    extraction, result = _read("damaged.txt", damaged)
    assert result.published
    warning = next(i["message"] for i in result.issues if i["check"] == "decode")
    assert "1 invalid UTF-8 byte sequence(s) replaced" in warning and f"byte offset {cut - 1}" in warning
    assert "\ufffd" in result.frames["texts"].loc[0, "text"]
    assert len(result.frames["measures"]) == 2


CHUNK_HTML = ("<html><head><style>p { margin: 0 }</style></head><body><h1>某某办法</h1><p>目录</p>"
              "<p><a href='#c1'>第一章 总则</a></p><p><a href='#c2'>第二章 附则</a></p>"
              "<h2 id='c1'>第一章 总则</h2><p>第一条 为了规范管理，制定本办法。</p><p>第二条 本办法适用于下列事项：</p><p>（一）登记；</p><p>（二）备案。</p>"
              "<h2 id='c2'>第二章 附则</h2><p>第三条 本办法自印发之日起施行。</p></body></html>")


@pytest.mark.parametrize("as_mht", [True, False])
def test_docx_whose_body_is_an_imported_html_part(as_mht):
    extraction, result = _read("rules.docx", make_docx_with_html_chunk(CHUNK_HTML, as_mht))
    assert result.published
    assert list(result.frames["sections"]["label"]) == ["第一章", "第二章"]
    assert list(result.frames["measures"]["label"]) == ["第一条", "第二条", "第三条"]
    assert result.frames["documents"].loc[0, "title"] == "某某办法"
    assert check_spans(tables_of(result), {extraction.doc_id: extraction.source_text}) == []
