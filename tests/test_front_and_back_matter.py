"""Front and back matter of official documents: 文号, addressees, transmittal, sign-off, publication note, distribution."""

import pytest
from conftest import FIXTURES, process_text

from pipelines.extraction.structure import matter_kind, parse_date, structure_rules


def _notice():
    return process_text((FIXTURES / "state_council_notice.txt").read_text(encoding="utf-8"), name="notice.txt")


def test_every_line_of_a_notice_gets_its_part_kind():
    parts = _notice().frames["document_parts"]
    assert list(zip(parts["kind"], parts["text"].str[:6])) == [
        ("title", "国务院办公厅"),
        ("document_number", "国办发〔20"),
        ("addressee", "各省、自治区"),
        ("transmittal", "《某某区域协"),
        ("signature", "国务院办公厅"),
        ("signature", "二〇二四年三"),
        ("publication_note", "（此件公开发"),
        ("title", "某某区域协同"),
        ("preamble", "为推动区域协"),
        ("distribution", "抄送：党中央"),
        ("distribution", "国务院办公厅"),
    ]


def test_sign_off_lines_are_never_measures_and_the_closing_section_is_implementation():
    result = _notice()
    measures = result.frames["measures"]
    assert list(measures["label"]) == ["（三）", "（四）", "（五）", "（六）"]
    sections = result.frames["sections"].set_index("label")
    assert sections.loc["一、", "kind"] == "framework"
    assert sections.loc["三、", "kind"] == "implementation"
    in_implementation = measures["section_id"] == sections.loc["三、", "section_id"]
    assert list(measures.loc[in_implementation, "label"]) == ["（五）", "（六）"]


def test_document_number_and_dates_are_read_from_the_text():
    documents = _notice().frames["documents"]
    row = documents.iloc[0]
    assert row["document_number"] == "国办发〔2024〕15号"
    assert row["title"] == "某某区域协同发展实施方案"  # the transmitted document's own title, as for the seeds
    assert list(row["issuers"]) == ["国务院办公厅"]
    assert row["issue_date"] == "2024-03-05"


@pytest.mark.parametrize(("line", "kind"), [
    ("国办发〔2020〕12号", "document_number"),
    ("苏政发[2021]1号", "document_number"),
    ("沪府规〔2022〕 8 号", "document_number"),
    ("国务院令第722号", "document_number"),
    ("各区人民政府，市政府各委、办、局：", "addressee"),
    ("推动长三角一体化发展领导小组成员单位、各有关部门，长三角生态绿色一体化发展示范区执委会：", "addressee"),
    ("现将《实施方案》印发给你们，请结合实际认真贯彻落实。", "transmittal"),
    ("（此件公开发布）", "publication_note"),
    ("(此件主动公开)", "publication_note"),
    ("抄送：市委各部门。", "distribution"),
    ("上海市人民政府办公厅 2021年6月7日印发", "distribution"),
    ("加快建设城际铁路，打通省际断头路。", None),
    ("二、重点任务", None),
])
def test_matter_lines(line, kind):
    assert matter_kind(line, structure_rules()) == kind


@pytest.mark.parametrize(("text", "expected"), [
    ("二〇二四年三月五日", ("2024-03-05", "day")),
    ("二〇一九年十二月", ("2019-12", "month")),
    ("2025年2月30日", None),
    ("2025年13月1日", None),
    ("2024年2月29日", ("2024-02-29", "day")),
])
def test_dates_in_arabic_and_chinese_numerals(text, expected):
    assert parse_date(text) == expected


def test_issuers_of_a_news_lead_and_of_a_statute_adoption_note():
    lead = "某某规划纲要\n新华社北京3月5日电 中共中央、国务院印发了《某某规划纲要》，并发出通知。\n一、总体要求\n1.推进协同发展。\n"
    assert list(process_text(lead).frames["documents"].loc[0, "issuers"]) == ["中共中央", "国务院"]
    statute = "某某市促进条例\n（2024年5月20日某某市第十六届人民代表大会常务委员会第十次会议通过）\n第一条 为了促进发展，制定本条例。\n"
    documents = process_text(statute).frames["documents"]
    assert list(documents.loc[0, "issuers"]) == ["某某市人民代表大会常务委员会"]
    assert documents.loc[0, "issue_date"] == "2024-05-20"
    decree = "某某条例\n国务院令第722号\n第一条 为了规范管理，制定本条例。\n"
    assert list(process_text(decree).frames["documents"].loc[0, "issuers"]) == ["国务院"]
