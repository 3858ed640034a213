"""yrdpm release: versions from the release, a per-record changelog against the previous tag, a citation."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import RAW

import pipelines.publishing as publishing
from pipelines.definitions import run_build
from pipelines.releasing import bump, release

REPO = Path(__file__).resolve().parents[1]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".duckdb"}


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A repository of its own: the seeds, the package config, a first publication, committed."""
    root = tmp_path / "project"
    shutil.copytree(RAW, root / "raw")
    (root / "pipelines").mkdir(parents=True)
    config = root / "pipelines" / "package.yaml"
    shutil.copy(REPO / "pipelines" / "package.yaml", config)
    monkeypatch.setattr(publishing, "PACKAGE_CONFIG", config)
    assert run_build(str(root / "raw"), str(root / "datapackage"), log_level="ERROR").success
    (root / ".gitignore").write_text(".*.store/\n*.duckdb\n.*.lock\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "ci@example.invalid")
    _git(root, "config", "user.name", "CI")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first publication")
    return root


def test_bump():
    assert [bump("0.1.0", p) for p in ("major", "minor", "patch")] == ["1.0.0", "0.2.0", "0.1.1"]
    with pytest.raises(ValueError):
        bump("0.1.0", "huge")


def test_releases_carry_version_date_changelog_citation_and_tag(project):
    base = str(publishing.package_config()["version"])
    v1, v2 = bump(base, "minor"), bump(bump(base, "minor"), "patch")
    first = release(project, "minor", "2026-12-01")
    assert (first.version, first.previous, first.tagged) == (v1, base, True)
    descriptor = json.loads((project / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == v1 and descriptor["created"] == "2026-12-01T00:00:00Z"
    assert any(r["name"] == "changes" and r["path"] == "changes.json" for r in descriptor["resources"])
    assert f"v{v1}" in _git(project, "tag")
    assert f'version: "{v1}"' in (project / "CITATION.cff").read_text(encoding="utf-8")
    assert f"(version {v1})" in (project / "datapackage" / "README.md").read_text(encoding="utf-8")

    # a new version of one document: an inserted paragraph, a changed one
    news = project / "raw" / "2024-07-25_yrd-three-year-action-plan-2024-2026-news.txt"
    text = news.read_text(encoding="utf-8")
    assert "。" in text
    news.write_text(text.replace("。", "，并加快推进。", 1), encoding="utf-8")
    second = release(project, "patch", "2026-12-02")
    assert second.version == v2
    changes = json.loads((project / "datapackage" / "changes.json").read_text(encoding="utf-8"))
    assert changes["previous"] == v1 and changes["version"] == v2
    assert changes["tables"]["documents"]["changed"] == 1
    changed = changes["tables"]["documents"]["changed_records"][0]
    assert changed["key"] == "yrd-action-plan-2024-2026-news" and "source_sha256" in changed["fields"]
    assert changes["tables"]["measures"]["removed"] == 0  # stable ids: the other measures keep theirs
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## {v2} (2026-12-02)") < changelog.index(f"## {v1} (2026-12-01)")
    assert "`documents`: 0 added, 0 removed, 1 changed" in changelog

    # the released package is what a fresh build of the tagged tree gives
    fresh = project.parent / "fresh" / "datapackage"
    assert run_build(str(project / "raw"), str(fresh), log_level="ERROR").success
    assert _files(fresh) == _files(project / "datapackage")


def test_the_committed_citation_is_the_release_s():
    from pipelines.releasing import citation_cff

    assert (REPO / "CITATION.cff").read_text(encoding="utf-8") == citation_cff(publishing.package_config())
