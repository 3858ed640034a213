"""The static site: pages render in headless Chromium, every link resolves, the offline search finds measures."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, urldefrag

import pyarrow.parquet as pq
import pytest

from pipelines.site import build_site, doc_page, local_links

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage"
SCREENSHOTS = REPO / ".screenshots"  # for review; not committed
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(PACKAGE, out)
    return out


def _chromium(tmp: Path, *args: str) -> str:
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is needed (make test installs it)"
    done = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_link_and_anchor_resolves(site):
    pages = {p.name: p.read_text(encoding="utf-8") for p in site.glob("*.html")}
    checked = 0
    for name, page in pages.items():
        for link in local_links(page):
            target, anchor = urldefrag(link)
            target = target or name
            assert (site / target).exists(), (name, link)
            if anchor:
                assert f'id="{anchor}"' in pages[target], (name, link)
            checked += 1
    assert checked > 300


def test_the_index_renders_its_charts_and_documents(site, tmp_path):
    dom = _chromium(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    assert len(re.findall(r'<svg class="chart"', dom)) == 4
    documents = pq.read_table(PACKAGE / "data" / "documents.parquet").column("doc_id").to_pylist()
    assert all(f'href="{doc_page(d)}"' in dom for d in documents)


def test_a_document_page_has_its_outline_and_a_linkable_measure(site, tmp_path):
    measures = pq.read_table(PACKAGE / "data" / "measures.parquet").to_pylist()
    measure = next(m for m in measures if m["doc_id"] == "yrd-demo-zone-action-plan-2023")
    dom = _chromium(tmp_path, "--dump-dom", (site / doc_page(measure["doc_id"])).as_uri())
    assert f'id="{measure["measure_id"]}"' in dom and 'class="outline"' in dom


def test_the_offline_search_finds_the_measures_holding_every_term(site, tmp_path):
    dom = _chromium(tmp_path, "--dump-dom", (site / "search.html").as_uri() + "?q=" + quote("示范区 财政"))
    hits = re.findall(r'<div class="hit"><a href="([^"#]+)#([^"]+)"', dom)
    measures = {m["measure_id"]: m["text"] for m in pq.read_table(PACKAGE / "data" / "measures.parquet").to_pylist()}
    expected = {i for i, text in measures.items() if "示范区" in text and "财政" in text}
    assert expected and {anchor for _, anchor in hits} == expected


def test_screenshots_for_review(site, tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = {"index.png": "index.html", "document.png": doc_page("yrd-demo-zone-policy-measures-2020"), "search.png": "search.html?q=" + quote("氢能")}
    for png, page in shots.items():
        _chromium(tmp_path, f"--screenshot={SCREENSHOTS / png}", "--window-size=1200,1600", (site / page.split("?")[0]).as_uri() + ("?" + page.split("?")[1] if "?" in page else ""))
        assert (SCREENSHOTS / png).stat().st_size > 20_000
