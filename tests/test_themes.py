"""Themes: a bilingual controlled vocabulary, assigned with evidence."""

from pipelines.extraction.textmap import MappedText
from pipelines.extraction.themes import match_themes, themes


def test_vocabulary_is_bilingual_with_definitions_and_unique_ids():
    vocabulary = themes()
    assert len(vocabulary) >= 17
    assert len({t.theme_id for t in vocabulary}) == len(vocabulary)
    for theme in vocabulary:
        assert theme.label_zh and theme.label_en and theme.definition and theme.terms


def test_matches_carry_terms_and_the_span_of_the_first():
    text = "加快建设城际铁路，完善公路网络，推进数据共享。"
    matches = {m.theme_id: m for m in match_themes(MappedText.of_source(text))}
    assert set(matches) >= {"transport", "digital"}
    assert matches["transport"].terms == ("铁路", "公路")
    start, end = matches["transport"].first.span
    assert text[start:end] == "铁路"


def test_seed_measures_are_themed_with_evidence(seed_tables):
    measures, assigned = seed_tables["measures"], seed_tables["measure_themes"]
    share = measures.measure_id.isin(assigned.measure_id).mean()
    assert share >= 0.95
    text = dict(zip(measures.measure_id, measures.text))
    for row in assigned.itertuples():
        assert all(term in text[row.measure_id] for term in row.matched_terms)
