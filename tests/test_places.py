"""Place mentions resolved to GB/T 2260 codes taken from a maintained package."""

from pipelines.extraction.places import _adcodes_path, delta_cities, find_places, gazetteer
from pipelines.extraction.textmap import MappedText


def places_in(text):
    mentions, ambiguous = find_places(MappedText.of_source(text))
    return [(m.code, m.text.text, m.collective) for m in mentions], ambiguous


def test_gazetteer_comes_from_the_package_data():
    assert _adcodes_path().name == "adcodes.csv" and "cpca" in str(_adcodes_path())
    divisions = gazetteer()
    assert {c for c, d in divisions.items() if d.level == "province"} == {"310000", "320000", "330000", "340000"}
    assert len(delta_cities()) == 41 and "310000" in delta_cities()
    assert (divisions["310118"].name, divisions["320509"].name, divisions["330421"].name) == ("青浦区", "吴江区", "嘉善县")
    assert divisions["330421"].parent_code == "330400"


def test_short_forms_and_names_inside_longer_names():
    found, _ = places_in("支持青浦工业园区、吴江经济技术开发区、嘉善经济技术开发区发展。")
    assert [f[0] for f in found] == ["310118", "320509", "330421"]


def test_collective_names_resolve_to_their_members():
    found, _ = places_in("沪苏浙三省（市）与两区一县共同推进")
    assert [(code, collective) for code, _, collective in found] == [
        ("310000", "沪苏浙"), ("320000", "沪苏浙"), ("330000", "沪苏浙"),
        ("310118", "两区一县"), ("320509", "两区一县"), ("330421", "两区一县"),
    ]


def test_false_substrings_do_not_count():
    assert places_in("把绿水青山转化为金山银山")[0] == []
    assert places_in("金山区推进转型")[0] == [("310116", "金山区", None)]


def test_ambiguous_names_are_reported_not_guessed():
    found, ambiguous = places_in("普陀区建设")
    assert found == [] and ambiguous == ["普陀区"]
    found, _ = places_in("舟山市普陀区建设")
    assert ("330903", "普陀区", None) in found


def test_seed_mentions(seed_tables):
    mentions = seed_tables["place_mentions"]
    places = seed_tables["places"]
    assert set(places.place_code) >= {"310118", "320509", "330421"}
    assert places.is_delta_city.sum() == 41
    measures = seed_tables["measures"]
    m32 = measures[(measures.doc_id == "yrd-demo-zone-action-plan-2023") & (measures.label_number == 32)].measure_id.iloc[0]
    assert {"310118", "320509", "330421"} <= set(mentions[mentions.object_id == m32].place_code)
    assert not mentions.mention_text.isin(["金山"]).any()
