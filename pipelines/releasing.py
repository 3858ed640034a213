"""Releases of the dataset: a semantic version, a per-record changelog, a citation, a git tag.

`yrdpm release --bump minor` bumps the version in pipelines/package.yaml and
sets `created` to the release day (so builds between releases stay
byte-identical), builds the package, compares every table with the previous
release by primary key, writes the machine-readable diff to
`releases/<version>.json` (published in the package as `changes.json`), puts a
summary on top of CHANGELOG.md, updates CITATION.cff, commits and tags
`v<version>`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.memory import duckdb_config
from validation.tables import TABLES

PARTS = ("major", "minor", "patch")
SAMPLE_KEYS = 50  # keys listed per table and kind of change in the human summary's source file; counts are complete


def bump(version: str, part: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"--bump is one of {', '.join(PARTS)}, not {part!r}")


def _key_sql(columns: tuple[str, ...], alias: str) -> str:
    return " || '|' || ".join(f"coalesce(CAST({alias}.\"{c}\" AS VARCHAR), '')" for c in columns)


def diff_tables(old: Path | None, new: Path) -> dict[str, Any]:
    """Per table, the records added, removed and changed (with the fields that changed) from old to new.

    old and new are data folders of packages (Parquet per table); old=None is a first release.
    Records are matched by primary key; a table without one is compared row by row.
    """
    con = duckdb.connect(config=duckdb_config())
    out: dict[str, Any] = {}
    try:
        for table in TABLES:
            new_file = new / f"{table.name}.parquet"
            old_file = old / f"{table.name}.parquet" if old is not None else None
            con.execute(f"CREATE OR REPLACE VIEW n AS SELECT * FROM read_parquet('{new_file.as_posix()}')")
            if old_file is not None and old_file.exists():
                con.execute(f"CREATE OR REPLACE VIEW o AS SELECT * FROM read_parquet('{old_file.as_posix()}')")
            else:
                con.execute("CREATE OR REPLACE VIEW o AS SELECT * FROM n WHERE false")
            columns = [f.name for f in table.fields]
            previous_columns = [r[0] for r in con.execute("DESCRIBE o").fetchall()] if old_file is not None and old_file.exists() else columns
            common = [c for c in columns if c in previous_columns]
            key = table.primary_key or tuple(columns)
            using = ", ".join(f'"{c}"' for c in key)
            added = [r[0] for r in con.execute(f"SELECT {_key_sql(key, 'n')} FROM n ANTI JOIN o USING ({using}) ORDER BY 1").fetchall()]
            removed = [r[0] for r in con.execute(f"SELECT {_key_sql(key, 'o')} FROM o ANTI JOIN n USING ({using}) ORDER BY 1").fetchall()]
            changed: list[dict[str, Any]] = []
            if table.primary_key:
                differs = [f"CASE WHEN o.\"{c}\" IS DISTINCT FROM n.\"{c}\" THEN '{c}' END" for c in common if c not in key]
                if differs:
                    rows = con.execute(
                        f"SELECT {_key_sql(key, 'n')}, list_filter([{', '.join(differs)}], x -> x IS NOT NULL) AS fields "
                        f"FROM n JOIN o USING ({using}) WHERE len(list_filter([{', '.join(differs)}], x -> x IS NOT NULL)) > 0 ORDER BY 1"
                    ).fetchall()
                    changed = [{"key": k, "fields": fields} for k, fields in rows]
            out[table.name] = {
                "key": list(key),
                "columns_added": [c for c in columns if c not in previous_columns],
                "columns_removed": [c for c in previous_columns if c not in columns],
                "added": len(added), "removed": len(removed), "changed": len(changed),
                "added_keys": added[:SAMPLE_KEYS], "removed_keys": removed[:SAMPLE_KEYS], "changed_records": changed[:SAMPLE_KEYS],
            }
    finally:
        con.close()
    return out


def summary_lines(diff: Mapping[str, Any]) -> list[str]:
    lines = []
    for name, d in diff.items():
        if d.get("columns_added") or d.get("columns_removed"):
            lines.append(f"- `{name}` columns: " + ", ".join([*(f"+{c}" for c in d.get("columns_added", [])), *(f"-{c}" for c in d.get("columns_removed", []))]))
        if d["added"] or d["removed"] or d["changed"]:
            fields: dict[str, int] = {}
            for record in d["changed_records"]:
                for f in record["fields"]:
                    fields[f] = fields.get(f, 0) + 1
            detail = f" (fields: {', '.join(sorted(fields))})" if fields else ""
            lines.append(f"- `{name}`: {d['added']} added, {d['removed']} removed, {d['changed']} changed{detail}")
    return lines or ["- no record changed"]


def write_changelog(changelog: Path, version: str, day: str, lines: list[str]) -> None:
    """The release's section on top (newest first); what was under Unreleased moves into it."""
    text = changelog.read_text(encoding="utf-8") if changelog.exists() else "# Changelog\n"
    head, _, rest = text.partition("\n")
    accepted = ""
    match = re.search(r"\n## Unreleased\n(.*?)(?=\n## |\Z)", "\n" + rest, flags=re.S)
    if match:
        accepted = match.group(1).strip()
        rest = ("\n" + rest).replace(match.group(0), "", 1).lstrip("\n")
    section = [f"## {version} ({day})", "", *lines]
    if accepted:
        section += ["", "Accepted while building:", "", accepted]
    changelog.write_text(head + "\n\n" + "\n".join(section) + "\n" + ("\n" + rest.lstrip("\n") if rest.strip() else ""), encoding="utf-8")


def set_release(package_yaml: Path, version: str, day: str) -> None:
    text = package_yaml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", text)
    text = re.sub(r"(?m)^created: .*$", f'created: "{day}T00:00:00Z"', text)
    package_yaml.write_text(text, encoding="utf-8")


def citation_cff(config: Mapping[str, Any], repository: str | None = None) -> str:
    authors = "\n".join(f'  - name: "{c["title"]}"' for c in config["contributors"])
    lines = [
        "# How to cite this dataset; written by `yrdpm release`.",
        "cff-version: 1.2.0",
        "message: If you use this dataset, please cite it as below.",
        "type: dataset",
        f'title: "{config["title"]}"',
        f'version: "{config["version"]}"',
        f'date-released: "{str(config["created"])[:10]}"',
        "authors:",
        authors,
        f'license: {config["licenses"][0]["name"]}',
        "keywords:",
        *(f'  - "{k}"' for k in config["keywords"]),
    ]
    if repository:
        lines.append(f"repository-code: {repository}")
    return "\n".join(lines) + "\n"


def citation_text(config: Mapping[str, Any]) -> str:
    """The release's citation as a sentence, for the codebook."""
    who = "; ".join(c["title"] for c in config["contributors"])
    return f"{who} ({str(config['created'])[:4]}). {config['title']} (version {config['version']}) [Data set]."


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=check)


def previous_release_data(root: Path, version: str, into: Path) -> Path | None:
    """The data folder of release `version` from its git tag, or None when there is no such tag."""
    tag = f"v{version}"
    if _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{tag}", check=False).returncode != 0:
        return None
    into.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        shown = subprocess.run(["git", "-C", str(root), "show", f"{tag}:datapackage/data/{table.name}.parquet"], capture_output=True, check=False)
        if shown.returncode == 0:
            (into / f"{table.name}.parquet").write_bytes(shown.stdout)
    return into


@dataclass(frozen=True)
class Release:
    version: str
    previous: str
    diff: dict[str, Any]
    tagged: bool


def release(root: Path, part: str, day: str, accept_changes: str = "", git: bool = True) -> Release:
    """Cut a release of the package in root/datapackage from root/raw (see the module's docstring)."""
    from pipelines.definitions import run_build
    from pipelines.publishing import package_config, package_config_path

    config_file = package_config_path()

    config = package_config()
    previous, version = str(config["version"]), bump(str(config["version"]), part)
    out, releases = root / "datapackage", root / "releases"
    with tempfile.TemporaryDirectory() as tmp:
        old = previous_release_data(root, previous, Path(tmp) / "previous")
        if old is None and (out / "data").is_dir():  # no tag yet: the last publication stands for the last release
            old = Path(tmp) / "published"
            shutil.copytree(out / "data", old)
        set_release(config_file, version, day)
        if not run_build(str(root / "raw"), str(out), log_level="ERROR", accept_changes=accept_changes).success:
            set_release(config_file, previous, str(config["created"])[:10])
            raise RuntimeError("the build failed or the guard refused it: nothing was released (`yrdpm build` says why)")
        diff = diff_tables(old, out / "data")
    releases.mkdir(exist_ok=True)
    (releases / f"{version}.json").write_text(
        json.dumps({"version": version, "previous": previous, "date": day, "reason": accept_changes or None, "tables": diff}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    if not run_build(str(root / "raw"), str(out), log_level="ERROR").success:  # now with changes.json in the package
        raise RuntimeError("the release build with its changes file failed")
    write_changelog(root / "CHANGELOG.md", version, day, summary_lines(diff))
    (root / "CITATION.cff").write_text(citation_cff(package_config()), encoding="utf-8")
    tagged = False
    if git:
        _git(root, "add", "-A", "datapackage", "releases", "CHANGELOG.md", "CITATION.cff", str(config_file))
        _git(root, "commit", "-q", "-m", f"Release {version}")
        _git(root, "tag", "-a", f"v{version}", "-m", f"Release {version}")
        tagged = True
    return Release(version, previous, diff, tagged)
