"""A static site generated from the published package: `yrdpm site` writes site/ (not committed).

Load inputs: the package's Parquet files. Process: an index with counts and
charts (SVG drawn here, no script library), a page per document (outline,
measures with anchors, agencies, targets, places), and a search page whose
index is a script file, so the site works offline, from file:// as from a
server. Save outputs: HTML files in one folder, written atomically.
"""

from __future__ import annotations

import html
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;line-height:1.5;color:#1d1d1f}
a{color:#0b57d0}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2rem .6rem;text-align:left;vertical-align:top}
.measure{border-left:3px solid #cfd8e3;padding:.2rem .8rem;margin:.6rem 0}.measure:target{border-color:#0b57d0;background:#eef4ff}
.meta{color:#555;font-size:.9rem}.chart text{font-size:12px}nav a{margin-right:1rem}ul.outline{padding-left:1.2rem}
input[type=search]{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}.hit{margin:.8rem 0}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _rows(package: Path, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(package / "data" / f"{table}.parquet").to_pylist()
    return rows


def doc_page(doc_id: str) -> str:
    return f"doc-{doc_id}.html"


def _page(title: str, body: str, scripts: Sequence[str] = ()) -> str:
    tags = "".join(f'<script src="{_e(s)}"></script>' for s in scripts)
    return (f'<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f'<nav><a href="index.html">Index</a><a href="search.html">Search</a></nav>{body}{tags}</body></html>\n')


def bar_chart(title: str, items: Sequence[tuple[str, int]], chart_id: str, link: dict[str, str] | None = None) -> str:
    """A horizontal bar chart as inline SVG: one bar per (label, count)."""
    if not items:
        return f'<figure id="{chart_id}"><figcaption>{_e(title)}</figcaption><p>No data.</p></figure>'
    top = max(count for _, count in items) or 1
    row, label_width, bar_width = 22, 260, 420
    bars = []
    for i, (label, count) in enumerate(items):
        y = i * row
        width = max(1, round(bar_width * count / top))
        text = _e(label if len(label) <= 24 else label[:23] + "…")
        name = f'<a href="{_e(link[label])}">{text}</a>' if link and label in link else text
        bars.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{name}</text>'
                    f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{row - 6}" fill="#5b8def"><title>{_e(label)}: {count}</title></rect>'
                    f'<text x="{label_width + width + 4}" y="{y + 15}">{count}</text>')
    height = row * len(items)
    return (f'<figure id="{chart_id}"><figcaption>{_e(title)}</figcaption>'
            f'<svg class="chart" role="img" aria-label="{_e(title)}" width="{label_width + bar_width + 60}" height="{height}" '
            f'viewBox="0 0 {label_width + bar_width + 60} {height}">{"".join(bars)}</svg></figure>')


def _index(package: Path, t: dict[str, list[dict[str, Any]]], descriptor: dict[str, Any]) -> str:
    docs = sorted(t["documents"], key=lambda d: (d["issue_date"] or "", d["doc_id"]))
    themes = {th["theme_id"]: th["label_en"] for th in t["themes"]}
    agencies = {a["agency_id"]: a["name"] for a in t["agencies"]}
    counts = "".join(f"<tr><td>{_e(name)}</td><td>{len(rows)}</td></tr>" for name, rows in t.items())
    per_doc = [(d["title"], d["n_measures"]) for d in docs]
    links = {d["title"]: doc_page(d["doc_id"]) for d in docs}
    per_theme = Counter(themes.get(r["theme_id"], r["theme_id"]) for r in t["measure_themes"]).most_common()
    per_year = sorted(Counter(str(r["target_year"]) for r in t["targets"] if r["target_year"]).items())
    per_agency = Counter(agencies.get(r["agency_id"], r["agency_id"]) for r in t["responsibilities"]).most_common(20)
    listing = "".join(
        f'<li><a href="{doc_page(d["doc_id"])}">{_e(d["title"])}</a> <span class="meta">{_e(d["issue_date"])} · {_e("、".join(d["issuers"] or []))} · '
        f'{d["n_measures"]} measures</span></li>' for d in docs)
    body = (f'<h1>{_e(descriptor["title"])}</h1><p class="meta">Version {_e(descriptor["version"])} · {_e(descriptor["description"])}</p>'
            f"<h2>Documents</h2><ul id=\"documents\">{listing}</ul>"
            f"<h2>Charts</h2>{bar_chart('Measures per document', per_doc, 'chart-measures-per-document', links)}"
            f"{bar_chart('Measures per theme', per_theme, 'chart-measures-per-theme')}"
            f"{bar_chart('Targets by target year', per_year, 'chart-targets-by-year')}"
            f"{bar_chart('Responsibilities by agency (20 most frequent)', per_agency, 'chart-responsibilities-by-agency')}"
            f'<h2>Tables</h2><table id="counts"><tr><th>table</th><th>rows</th></tr>{counts}</table>')
    return _page(descriptor["title"], body)


def _outline(sections: list[dict[str, Any]], parent: str | None) -> str:
    children = [s for s in sections if s["parent_id"] == parent]
    if not children:
        return ""
    items = "".join(f'<li><a href="#{_e(s["section_id"])}">{_e(s["label"])}{_e(s["title"])}</a>{_outline(sections, s["section_id"])}</li>' for s in children)
    return f'<ul class="outline">{items}</ul>'


def _document(doc: dict[str, Any], t: dict[str, list[dict[str, Any]]], by_doc: dict[str, dict[str, list[dict[str, Any]]]]) -> str:
    rows = by_doc[doc["doc_id"]]
    sections = sorted(rows["sections"], key=lambda s: s["seq"])
    agencies = {a["agency_id"]: a["name"] for a in t["agencies"]}
    places = {p["place_code"]: p["name"] for p in t["places"]}
    resp: dict[str, list[str]] = {}
    for r in t["responsibilities"]:
        resp.setdefault(r["measure_id"], []).append(f'{agencies.get(r["agency_id"], r["agency_id"])} ({r["role"]})')
    themes: dict[str, list[str]] = {}
    for r in t["measure_themes"]:
        themes.setdefault(r["measure_id"], []).append(r["theme_id"])
    measures_by_section: dict[str | None, list[dict[str, Any]]] = {}
    for m in sorted(rows["measures"], key=lambda m: m["seq"]):
        measures_by_section.setdefault(m["section_id"], []).append(m)

    def measure_html(m: dict[str, Any]) -> str:
        extra = []
        if m["measure_id"] in resp:
            extra.append("Responsible: " + "、".join(resp[m["measure_id"]]))
        if m["measure_id"] in themes:
            extra.append("Themes: " + ", ".join(themes[m["measure_id"]]))
        return (f'<div class="measure" id="{_e(m["measure_id"])}"><a href="#{_e(m["measure_id"])}">{_e(m["label"] or "¶")}</a> {_e(m["text"])}'
                f'<div class="meta">{_e(" · ".join(extra))}</div></div>')

    blocks = [measure_html(m) for m in measures_by_section.get(None, [])]
    for s in sections:
        level = min(6, 2 + int(s["level"] or 1))
        blocks.append(f'<h{level} id="{_e(s["section_id"])}">{_e(s["label"])}{_e(s["title"])}</h{level}>')
        if s["intro_text"]:
            blocks.append(f"<p>{_e(s['intro_text'])}</p>")
        blocks += [measure_html(m) for m in measures_by_section.get(s["section_id"], [])]
    targets = "".join(
        f'<tr><td><a href="#{_e(r["measure_id"] or r["section_id"])}">{_e(r["indicator"])}</a></td><td>{_e(r["comparator"])} {_e(r["value"])} {_e(r["unit"])}</td>'
        f'<td>{_e(r["target_year"])}</td></tr>' for r in sorted(rows["targets"], key=lambda r: r["span_start"]))
    mentioned = Counter(places.get(p["place_code"], p["place_code"]) for p in rows["place_mentions"]).most_common()
    responsible = Counter(agencies.get(r["agency_id"], r["agency_id"]) for r in t["responsibilities"] if r["measure_id"] in {m["measure_id"] for m in rows["measures"]})
    note = "" if doc["full_text_published"] else '<p class="meta">This source is not openly licensed: its texts are quoted briefly (see the codebook).</p>'
    facts = [doc["doc_type"], doc["issue_date"], "、".join(doc["issuers"] or []), doc["document_number"], doc["licence_id"]]
    body = (f'<h1>{_e(doc["title"])}</h1><p class="meta">{_e(" · ".join(str(f) for f in facts if f))}</p>{note}'
            f"<h2>Outline</h2>{_outline(sections, None) or '<p>No sections.</p>'}"
            f'<h2>Measures ({len(rows["measures"])})</h2>{"".join(blocks)}'
            f'<h2>Agencies</h2><ul id="agencies">{"".join(f"<li>{_e(a)} ({n})</li>" for a, n in responsible.most_common())}</ul>'
            f'<h2>Targets</h2><table id="targets"><tr><th>indicator</th><th>value</th><th>year</th></tr>{targets}</table>'
            f'<h2>Places</h2><ul id="places">{"".join(f"<li>{_e(p)} ({n})</li>" for p, n in mentioned)}</ul>')
    return _page(doc["title"], body)


SEARCH_SCRIPT = """
(function () {
  var box = document.getElementById('q'), out = document.getElementById('hits');
  function run() {
    var terms = box.value.trim().split(/\\s+/).filter(Boolean);
    out.innerHTML = '';
    if (!terms.length) return;
    var hits = SEARCH_INDEX.filter(function (m) { return terms.every(function (t) { return m.text.indexOf(t) >= 0; }); });
    document.getElementById('count').textContent = hits.length + ' measures';
    hits.slice(0, 200).forEach(function (m) {
      var div = document.createElement('div'); div.className = 'hit';
      var a = document.createElement('a'); a.href = m.url; a.textContent = m.doc + ' · ' + (m.label || '¶');
      var p = document.createElement('div'); p.textContent = m.text.length > 160 ? m.text.slice(0, 160) + '…' : m.text;
      div.appendChild(a); div.appendChild(p); out.appendChild(div);
    });
  }
  box.addEventListener('input', run);
  var q = new URLSearchParams(location.search).get('q');
  if (q) { box.value = q; run(); }
})();
"""


def _search_index(t: dict[str, list[dict[str, Any]]]) -> str:
    titles = {d["doc_id"]: d["title"] for d in t["documents"]}
    entries = [{"url": f'{doc_page(m["doc_id"])}#{m["measure_id"]}', "doc": titles[m["doc_id"]], "label": m["label"], "text": m["text"]}
               for m in sorted(t["measures"], key=lambda m: (m["doc_id"], m["seq"]))]
    return "var SEARCH_INDEX = " + json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + ";\n"


def build_site(package: Path, out: Path) -> list[str]:
    """Write the site for the package into out (replaced whole); returns the files written."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"] if r.get("type") == "table"]
    t = {name: _rows(package, name) for name in names if name != "texts"}
    by_doc: dict[str, dict[str, list[dict[str, Any]]]] = {d["doc_id"]: {n: [] for n in ("sections", "measures", "targets", "place_mentions")} for d in t["documents"]}
    for name in ("sections", "measures", "targets", "place_mentions"):
        for row in t[name]:
            by_doc[row["doc_id"]][name].append(row)
    staging = out.parent / f".{out.name}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        files = {"index.html": _index(package, t, descriptor), "search-index.js": _search_index(t), "search.js": SEARCH_SCRIPT,
                 "search.html": _page("Search", '<h1>Search the measures</h1><input type="search" id="q" placeholder="氢能 产业" autofocus>'
                                                 '<p class="meta" id="count"></p><div id="hits"></div>', ["search-index.js", "search.js"])}
        for doc in t["documents"]:
            files[doc_page(doc["doc_id"])] = _document(doc, t, by_doc)
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(files)


def local_links(page: str) -> Iterable[str]:
    """The href and src values of a page that point inside the site."""
    import re

    for match in re.finditer(r'(?:href|src)="([^"]+)"', page):
        target = html.unescape(match.group(1))
        if not target.startswith(("http:", "https:", "mailto:")):
            yield target
