"""Reviewed errata change `text` only, and every application is recorded."""

from conftest import extract_text

from pipelines.extraction.corrections import Erratum, apply_errata, errata_from_data
from pipelines.extraction.textmap import MappedText

OCR_ERRORS = ["贲任", "较商", "大福", "咨本", "经睑", "商水平", "战珞性", "相愚合", "跨省城", "证照分商", "全瓶盖", "承蒙城市",
              "琦区域", "修变", "安做", "联防熊治", "深阳", "商校", "试脸", "互暇", "笫三次"]
IMPLEMENTATION_PLAN = "yrd-14th-fyp-implementation-plan-2021"


def test_apply_errata_keeps_the_source_span_of_each_change():
    source = "明确预期成果、贲任单位、完成时限，发挥主体贲任。"
    rule = Erratum("r1", "贲任", "责任", "*", "OCR")
    corrected, applications = apply_errata(MappedText.of_source(source), [rule])
    assert corrected.text == "明确预期成果、责任单位、完成时限，发挥主体责任。"
    assert [(a.start, a.end, a.original, a.corrected) for a in applications] == [(7, 9, "贲任", "责任"), (21, 23, "贲任", "责任")]
    assert corrected.span == (0, len(source))


def test_regex_errata_and_scopes():
    rules, problems = errata_from_data({"corrections": [
        {"id": "q", "pattern": "“([^“”]{1,8})“", "replacement": r"“\1”", "regex": True, "scope": "*", "reason": "quote"},
        {"id": "x", "pattern": "甲", "replacement": "乙", "scope": "other-doc", "reason": "elsewhere"},
    ]})
    assert problems == []
    assert [r.applies_to("my-doc") for r in rules] == [True, False]
    corrected, applications = apply_errata(MappedText.of_source("以解决“城市看海“为突破口"), rules[:1])
    assert corrected.text == "以解决“城市看海”为突破口" and applications[0].corrected == "“城市看海”"


def test_errata_apply_to_text_not_text_original():
    rule = Erratum("r1", "试脸", "试验", "*", "OCR")
    result = extract_text("一、改革\n\n（一）试点。开展政策协同试脸，推动发展。\n\n1.支持开展试脸，形成经验。\n", errata=(rule,))
    assert result.measures[0]["text"] == "支持开展试验，形成经验。"
    assert result.measures[0]["text_original"] == "1.支持开展试脸，形成经验。"
    assert "试验" in result.sections[1]["intro_text"]
    assert {c["object_id"] for c in result.corrections} == {result.sections[1]["section_id"], result.measures[0]["measure_id"]}
    assert all(result.source_text[c["span_start"]:c["span_end"]] == "试脸" for c in result.corrections)


def test_seed_ocr_errors_are_corrected_and_recorded(seed_tables):
    corrections = seed_tables["corrections"]
    mine = corrections[corrections.doc_id == IMPLEMENTATION_PLAN]
    assert set(OCR_ERRORS) <= set(mine.original)
    texts = []
    for table, columns in (("measures", ["text", "title"]), ("sections", ["title", "intro_text"]), ("document_parts", ["text"])):
        frame = seed_tables[table]
        frame = frame[frame.doc_id == IMPLEMENTATION_PLAN]
        for column in columns:
            texts += [v for v in frame[column].dropna()]
    joined = "\n".join(texts)
    for error in OCR_ERRORS:
        assert error not in joined, error
    measures = seed_tables["measures"]
    assert measures.text_original.str.contains("贲任").any()
    assert "较高水平" in joined and "证照分离" in joined and "溧阳" in joined


def test_one_bad_erratum_never_drops_the_others():
    good = {"id": "ok", "pattern": "贲任", "replacement": "责任", "reason": "OCR confusion"}
    rules, problems = errata_from_data({"corrections": [
        good,
        {"id": "typo", "pattern": "甲", "replacement": "乙", "reason": "x", "scoep": "*"},
        {"id": "no-reason", "pattern": "甲", "replacement": "乙"},
        {"id": "bad-regex", "pattern": "([", "replacement": "乙", "regex": True, "reason": "broken"},
        {"id": "bad-group", "pattern": "(甲)", "replacement": r"\2", "regex": True, "reason": "no such group"},
        ["not", "a", "mapping"],
        dict(good),
    ]}, "fixes.errata.yaml")
    assert [r.rule_id for r in rules] == ["ok"]
    assert len(problems) == 6 and all(p.startswith("fixes.errata.yaml entry") for p in problems)
    assert "scoep" in problems[0] and "reason" in problems[1]
    assert "not a valid regular expression" in problems[2] and "group 2" in problems[3]
    assert "used by an earlier entry" in problems[5]
