"""Rule files are checked against their schemas; a broken one names the file, the key and the fix."""

import shutil

import pytest

import pipelines.extraction.rulefiles as rulefiles
from pipelines.extraction.rulefiles import MODELS, RuleFileError, rule_data


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_reviewed_rule_file_passes_its_schema(name):
    assert rule_data(name)


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    ("noise", "scope: inline", "scope: sometimes", "key 'rules.0.scope'"),
    ("themes", "    zh: 科技创新", "    zh: 科技创新\n    colour: blue", "key 'themes.0.colour': unknown key"),
    ("targets", "  达到: '>='", "  达到: 'at least'", "key 'comparators.达到'"),
    ("structure", "declared_count_pattern: '", "declared_count_pattern: '(", "not a valid regular expression"),
])
def test_a_broken_rule_file_is_refused_with_its_key(tmp_path, monkeypatch, name, old, new, expected):
    shutil.copytree(rulefiles.RULES_DIR, tmp_path / "rules")
    path = tmp_path / "rules" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr(rulefiles, "RULES_DIR", tmp_path / "rules")
    rule_data.cache_clear()
    try:
        with pytest.raises(RuleFileError, match=expected) as info:
            rule_data(name)
        assert f"rules/{name}.yaml" in str(info.value)
    finally:
        rule_data.cache_clear()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_rule_files_read_by_libyaml_as_by_the_pure_python_loader(name):
    import yaml

    from pipelines.extraction.rulefiles import _SAFE_LOADER, RULES_DIR

    text = (RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert yaml.load(text, Loader=_SAFE_LOADER) == yaml.safe_load(text)  # noqa: S506 - a SafeLoader
