"""One odd document never stops the others: odd structure is data, and what still fails is quarantined.

The odd structures are generated (restarts, duplicates, missing parents,
numbers only, headings only, empty sections, bad dates, bad metadata) and
each is processed as the build processes a document.
"""

import random
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import RAW, process_text, tables_of

from pipelines.assembly import process_document
from pipelines.cli import main
from pipelines.extraction.document import RawDocument
from validation.schemas import foreign_key_violations, validate
from validation.tables import TABLES

ODD_STRUCTURES = {
    "restart": "关于推进工作的若干措施\n\n一、第一项措施内容。\n二、第二项措施内容。\n一、第三项措施内容。\n",
    "duplicate": "一、总则\n（一）建设平台，推进共享。\n（一）完善机制，加强协同。\n二、保障\n（二）落实责任，强化考核。\n",
    "missing-parent": "（三）建设平台，推进共享。\n1.完善机制，加强协同。\n一、总则\n2.落实责任，强化考核。\n",
    "numbers-only": "一、\n二、\n（一）\n1.\n",
    "headings-only": "第一章 总则\n第二章 任务\n第一节 交通\n第三章 保障\n",
    "empty-sections": "一、交通\n二、产业\n（一）园区\n（二）平台\n三、保障\n1.落实责任，强化考核。\n",
    "bad-date": "关于某事的规定\n第一条 本规定自2025年13月1日起施行。\n第二条 本规定由某局负责解释。\n",
    "markdown-restart": "# 方案\n\n## 一、交通\n\n1. 建设铁路，提升效率。\n\n## 一、产业\n\n1. 共建园区，推动协同。\n\n## 二、保障\n\n1. 落实责任。\n",
    "reversed-levels": "1.建设铁路，提升效率。\n（一）交通\n一、总则\n第一章 总则\n第一条 为了规范管理，制定本办法。\n",
    "zero-and-huge": "第零条 内容。\n第九百九十九条 内容很长，没有结束\n（零）内容。\n",
    "dates-everywhere": "2025年2月30日\n某市人民政府\n一、2024年13月执行，2023年0月开始。\n",
}

BAD_METADATA = {
    "issuers-as-string": {"issuers": "上海市人民政府"},
    "title-as-number": {"title": 2025},
    "impossible-date": {"issue_date": "2025-13-01"},
    "unknown-key": {"titel": "拼错的键"},
    "bad-doc-id": {"doc_id": "Not A Slug"},
    "period-reversed": {"plan_period_start": 2026, "plan_period_end": 2024},
}


def _exception_quarantines(result):
    """Quarantines caused by a Python exception: odd structure should never get that far."""
    return [i["message"] for i in result.issues if i["check"] == "quarantine" and " (in " in i["message"]]


def _assert_publishable(*results):
    tables = tables_of(*results)
    for table in TABLES:
        if table.name in tables:
            validate(table, tables[table.name])
    assert foreign_key_violations(tables) == []
    return tables


@pytest.mark.parametrize("name", sorted(ODD_STRUCTURES))
def test_odd_structure_is_data_not_a_crash(name):
    result = process_text(ODD_STRUCTURES[name], name=f"{name}.md" if "markdown" in name else f"{name}.txt")
    assert _exception_quarantines(result) == []
    assert result.published, result.issues
    _assert_publishable(result)


def test_restarted_numbering_is_reported_not_fatal():
    result = process_text(ODD_STRUCTURES["restart"])
    numbering = [i["message"] for i in result.issues if i["check"] == "numbering_continuity"]
    assert numbering == ["numbering restarts at 一、 within the same parent after 二、"]
    assert len(result.frames["sections"]) + len(result.frames["measures"]) == 3


def test_an_impossible_date_in_the_text_is_not_a_date():
    result = process_text(ODD_STRUCTURES["bad-date"])
    assert result.published
    assert pd.isna(result.frames["documents"].loc[0, "effective_date"])


def _odd_text(rng: random.Random) -> str:
    """A random document from the pieces official documents are made of, in any order and numbering."""
    markers = ["第{}章 ", "第{}节 ", "第{}条 ", "{}、", "（{}）", "{}.", "{}、", "①"]
    numerals = ["一", "二", "三", "十", "十一", "二十", "零", "1", "2", "10", "0", "99"]
    bodies = ["建设平台，推进共享。", "总则", "", "（牵头单位：某局）", "到2025年，覆盖率达到90%以上。", "目录",
              "<p>加强协同</p>", "**重点**任务", "各区人民政府：", "2025年13月1日", "抄送：某委。", "附件：1.清单",
              "共有3项任务，主要包括：", "。。。", "\u200b", "——", "某市人民政府", "（此件公开发布）"]
    lines = []
    for _ in range(rng.randint(1, 25)):
        marker = rng.choice(markers + ["", ""])
        numeral = rng.choice(numerals)
        lines.append(marker.format(numeral) + rng.choice(bodies))
        if rng.random() < 0.2:
            lines.append("")
    return "\n".join(lines) + rng.choice(["", "\n"])


def test_generated_odd_documents_never_fail_by_exception():
    rng = random.Random(20261123)
    failures = []
    published = []
    for i in range(150):
        text = _odd_text(rng)
        result = process_document(RawDocument(f"raw/odd-{i:03d}.{rng.choice(['txt', 'md', 'html'])}", text.encode("utf-8")))
        failures += [(text, m) for m in _exception_quarantines(result)]
        if result.published:
            published.append(result)
    assert failures == []
    assert len(published) > 100
    _assert_publishable(*published)


@pytest.mark.parametrize("name", sorted(BAD_METADATA))
def test_bad_metadata_quarantines_its_document_with_the_key_named(name, tmp_path):
    from pipelines.sources import load_raw_documents

    (tmp_path / "doc.txt").write_text("一、总则\n1.建设平台，推进共享。\n", encoding="utf-8")
    import yaml

    (tmp_path / "doc.meta.yaml").write_text(yaml.safe_dump(BAD_METADATA[name], allow_unicode=True), encoding="utf-8")
    (raw,), _ = load_raw_documents(tmp_path)
    result = process_document(raw)
    if name == "issuers-as-string":  # one issuer, accepted as such
        assert result.published
        assert list(result.frames["documents"].loc[0, "issuers"]) == ["上海市人民政府"]
        return
    assert result.quarantined and not result.published
    message = next(i["message"] for i in result.issues if i["check"] == "quarantine")
    assert "doc.meta.yaml" in message and "\n" not in message
    key = next(iter(BAD_METADATA[name]))
    assert key in message


def test_a_build_with_every_odd_document_publishes_the_seeds(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for name, text in ODD_STRUCTURES.items():
        (raw / f"zz-{name}.txt").write_text(text, encoding="utf-8")
    (raw / "zz-bad-meta.txt").write_text("一、总则\n1.建设平台，推进共享。\n", encoding="utf-8")
    (raw / "zz-bad-meta.meta.yaml").write_text("doc_type: manifesto\n", encoding="utf-8")
    out = tmp_path / "pkg"
    result = CliRunner().invoke(main, ["build", "--raw-dir", str(raw), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    documents = pd.read_parquet(out / "data" / "documents.parquet")
    assert len(documents) == 5 + len(ODD_STRUCTURES)
    seeds = documents[~documents.doc_id.str.startswith("zz-")]
    assert seeds.n_measures.sum() == 196
    issues = pd.read_parquet(out / "data" / "quality_issues.parquet")
    quarantined = issues[issues["check"] == "quarantine"]
    assert list(quarantined.doc_id) == ["zz-bad-meta"]
    assert "zz-bad-meta.meta.yaml" in quarantined.iloc[0]["message"]
