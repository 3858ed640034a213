"""Bad files give clear quality issues; every other document still publishes."""

import shutil

import pandas as pd
from click.testing import CliRunner
from conftest import FIXTURES, RAW

from pipelines.cli import main


def _build(raw, out):
    return CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--out-dir", str(out)])


def _seeds_in(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    return raw


def _published(raw, tmp_path):
    """The package folder of a build of `raw` that must succeed."""
    out = tmp_path / "pkg"
    result = _build(raw, out)
    assert result.exit_code == 0, result.output
    return out


def _table(out, name):
    return pd.read_parquet(out / "data" / f"{name}.parquet")


def test_bad_files_are_reported_and_the_rest_publishes(tmp_path):
    raw = _seeds_in(tmp_path)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (raw / "scan.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    shutil.copy(FIXTURES / "chapters_gbk.txt", raw / "gbk-plan.txt")
    shutil.copy(FIXTURES / "no_structure.txt", raw / "diary.txt")
    out = _published(raw, tmp_path)

    documents = _table(out, "documents")
    assert len(documents) == 7  # five seeds, the GBK file and the unstructured one
    assert documents.set_index("doc_id").loc["gbk-plan", "source_encoding"] == "gb18030"
    assert documents.set_index("doc_id").loc["gbk-plan", "n_measures"] == 6
    measures = _table(out, "measures")
    assert (measures.doc_id != "diary").all() and len(measures) == 196 + 6

    issues = _table(out, "quality_issues").set_index("doc_id")
    errors = issues[issues.severity == "error"]
    assert set(errors.index) == {"empty", "junk", "scan", "diary"}
    assert "empty file" in errors.loc["empty", "message"]
    assert "binary content" in errors.loc["junk", "message"]
    assert "not a readable PDF" in errors.loc["scan", "message"]
    assert "no recognisable structure" in errors.loc["diary", "message"]
    parts = _table(out, "document_parts")
    assert (parts[parts.doc_id == "diary"].kind == "unstructured").sum() == 3


def test_links_are_not_followed_and_duplicates_publish_once(tmp_path):
    raw = _seeds_in(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("一、机密\n1.不应发布的内容。\n", encoding="utf-8")
    (raw / "link.txt").symlink_to(secret)
    (raw / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    first = next(p for p in sorted(raw.glob("*.txt")) if not p.is_symlink())
    (raw / "copy-of-first.txt").write_bytes(first.read_bytes())
    out = _published(raw, tmp_path)
    documents = _table(out, "documents")
    assert len(documents) == 5 and not documents.source_file.str.contains("link|copy-of-first").any()
    texts = _table(out, "texts")
    assert not texts.text.str.contains("机密").any()
    issues = _table(out, "quality_issues")
    load = issues[issues["check"] == "load"].set_index("object_id")
    assert "symbolic link, not followed" in load.loc["raw/link.txt", "message"]
    assert "symbolic link, not followed" in load.loc["raw/linked-folder", "message"]
    assert load.loc["raw/copy-of-first.txt", "severity"] == "warning"
    assert f"the same bytes as raw/{first.name}" in load.loc["raw/copy-of-first.txt", "message"]


def test_a_document_whose_metadata_file_is_a_link_is_quarantined(tmp_path):
    """Not followed, and not read as a document without metadata either: a linked licence that forbids
    republishing the text would then be lost and the text published."""
    raw = _seeds_in(tmp_path)
    meta = raw / "2020-06-10_demo-zone-policy-measures.meta.yaml"
    outside = tmp_path / "elsewhere.meta.yaml"
    outside.write_text(meta.read_text(encoding="utf-8") + "republish_text: false\n", encoding="utf-8")
    meta.unlink()
    meta.symlink_to(outside)
    out = _published(raw, tmp_path)
    documents = _table(out, "documents")
    assert len(documents) == 4 and not documents.source_file.str.contains("demo-zone-policy-measures").any()
    texts = _table(out, "texts")
    assert sorted(texts.doc_id) == sorted(documents.doc_id)
    issues = _table(out, "quality_issues")
    quarantined = issues[(issues.severity == "error") & issues.message.str.contains("metadata file")]
    assert len(quarantined) == 1
    assert "2020-06-10_demo-zone-policy-measures.meta.yaml is a symbolic link, not followed" in quarantined.message.iloc[0]


def test_a_file_over_the_size_limit_is_refused_with_a_message(tmp_path):
    from pipelines.sources import load_raw_documents

    (tmp_path / "small.txt").write_text("一、总则\n1.建设平台，推进共享。\n", encoding="utf-8")
    (tmp_path / "big.txt").write_text("一、总则\n" + "1.建设平台，推进共享。\n" * 1000, encoding="utf-8")
    documents, problems = load_raw_documents(tmp_path, max_bytes=10_000)
    assert [d.path for d in documents] == [f"{tmp_path.name}/small.txt"]
    assert len(problems) == 1 and "over the limit of 10,000 bytes" in problems[0].message


def test_an_out_dir_that_is_a_file_is_an_error_and_stays_as_it_is(tmp_path):
    out = tmp_path / "pkg"
    out.write_text("not a directory")
    result = _build(RAW, out)
    assert result.exit_code != 0
    assert "is a file, not a directory" in result.output
    assert out.read_text() == "not a directory"
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]


def test_bad_errata_are_reported_one_by_one_and_unused_ones_named(tmp_path):
    raw = _seeds_in(tmp_path)
    (raw / "extra.errata.yaml").write_text(
        "corrections:\n"
        "  - {id: never-matches, pattern: 'no such text anywhere', replacement: x, reason: a stale erratum}\n"
        "  - {id: broken, pattern: '(', replacement: x, regex: true, reason: an invalid regex}\n",
        encoding="utf-8",
    )
    out = _published(raw, tmp_path)
    corrections = _table(out, "corrections")
    assert len(corrections) == 27  # the reviewed errata still apply
    issues = _table(out, "quality_issues")
    messages = " | ".join(issues.loc[issues["check"].isin(["load", "errata"]), "message"])
    assert "extra.errata.yaml entry 2 (broken) was ignored" in messages and "not a valid regular expression" in messages
    assert "erratum never-matches (scope *) matches nothing" in messages


def test_formula_like_cells_are_safe_in_csv_and_unchanged_in_parquet(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "formulas.txt").write_text("一、总则\n=HYPERLINK(\"http://example.invalid\",\"点击\")\n@SUM(1,2)推进共享。\n", encoding="utf-8")
    out = _published(raw, tmp_path)
    parquet = _table(out, "measures")
    assert list(parquet.text_original) == ['=HYPERLINK("http://example.invalid","点击")', "@SUM(1,2)推进共享。"]
    csv_text = (out / "data" / "measures.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    assert not any(line.startswith(("=", "@")) or ",=" in line or ",@" in line for line in csv_text.splitlines())
