"""Generate a corpus of bad and odd inputs into a raw folder (no binaries are committed).

Each entry writes one or more files and says what the build must do with the
document: "publish" it (odd but readable), report it "unreadable" (decode
error, nothing published), "quarantine" it (its records left out), or report
it at "load" (never read as a document: a link, a duplicate). Every case ends
in a one-line message that names the file, and the good documents beside
them always publish.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from makers import make_docx, make_pdf

PLAN = "某市推进区域协同发展实施方案\n一、总体要求\n1.坚持协同发展，推进共建共享。\n二、重点任务\n1.建设城际铁路，提升通勤效率。\n"


def plan(tag: str) -> str:
    """The small plan with its own title, so no two cases are byte-identical (that is a case of its own)."""
    return PLAN.replace("实施方案", f"实施方案（{tag}）", 1)


def _text(text: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(text.encode(encoding))


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _with_meta(text: str, meta: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
        path.with_name(path.name.rsplit(".", 1)[0] + ".meta.yaml").write_text(meta, encoding="utf-8")
    return write


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _link(target: str) -> Callable[[Path], None]:
    return lambda path: os.symlink(target, path)


def _truncated_utf8(path: Path) -> None:
    data = PLAN.encode("utf-8")
    cut = data.index("协".encode()) + 1
    path.write_bytes(data[:cut] + data[cut + 2 :])


def _seed_copy(raw: Path) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        seed = sorted(p for p in raw.glob("*.txt") if not p.name.startswith("zz-"))[0]
        path.write_bytes(seed.read_bytes())
    return write


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty.txt": (_bytes(b""), "unreadable"),
    "whitespace.txt": (_bytes(b" \n\t\r\n  \n"), "unreadable"),
    "nul-bytes.txt": (_bytes(b"\x00" * 64 + "一、总则".encode()), "unreadable"),
    "random-bytes.txt": (_bytes(bytes((i * 97 + 13) % 256 for i in range(4096))), "unreadable"),
    "fake.pdf": (_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4), "unreadable"),
    "scan.pdf": (lambda p: p.write_bytes(make_pdf([[], []], text_layer=False)), "unreadable"),
    "not-word.docx": (_bytes(_zip({"hello.txt": "not a Word file"})), "unreadable"),
    "broken-xml.docx": (_bytes(_zip({"word/document.xml": "<w:document><w:body><w:p>"})), "unreadable"),
    "empty-word.docx": (lambda p: p.write_bytes(make_docx([("", None)])), "unreadable"),
    "latin1.txt": (_text("Café déjà vu, naïve façade. " * 20, "latin-1"), "unreadable"),
    "shift-jis.txt": (_text("東京都の計画について説明します。" * 10, "shift_jis"), "unreadable"),
    "utf16-le.txt": (_text(plan("1"), "utf-16-le"), "publish"),
    "utf16-bom.txt": (_text(plan("2"), "utf-16"), "publish"),
    "gb18030.txt": (_text(plan("3"), "gb18030"), "publish"),
    "big5.txt": (_text("某市推進區域協同發展實施方案\n一、總體要求\n1.堅持協同發展，推進共建共享。\n", "big5"), "publish"),
    "truncated-utf8.txt": (_truncated_utf8, "publish"),
    "control-chars.txt": (_text(PLAN * 8 + plan("4").replace("，", "\x07\x1b，")), "publish"),
    "zero-width.txt": (_text("\u200b" + plan("5").replace("二、", "\u200b二、")), "publish"),
    "bidi-spoof.txt": (_text(plan("6").replace("1.建设", "\u202e1.建设\u202c")), "publish"),
    "bom-inside.txt": (_text(plan("7").replace("\n二", "\n\ufeff二")), "publish"),
    "cr-only.txt": (_text(plan("8").replace("\n", "\r")), "publish"),
    "one-long-line.txt": (_text("推进长三角一体化发展，加强协同。" * 12000), "publish"),
    "nested.html": (_text("<div>" * 5000 + "<p>一、总则</p><p>1.建设平台，推进共享。</p>" + "</div>" * 5000), "publish"),
    "unclosed.html": (_text("<html><body><p>一、总则<p>1.建设平台，推进共享。<div><span>二、任务<p>1.完善机制。"), "publish"),
    "script-only.html": (_text("<html><head><script>var a = '一、总则';</script><style>p{}</style></head></html>"), "publish"),
    "comment-only.html": (_text("<!-- 一、总则 1.建设平台 -->"), "publish"),
    "toc-only.md": (_text("# 目录\n\n- [第一章 总则](#a)\n- [第二章 附则](#b)\n"), "publish"),
    "headings-only.md": (_text("# 方案\n\n## 一、总则\n\n## 二、任务\n\n## 三、保障\n"), "publish"),
    "restart.txt": (_text("关于推进工作的若干措施\n\n一、第一项措施内容。\n二、第二项措施内容。\n一、第三项措施内容。\n"), "publish"),
    "duplicates.txt": (_text("一、总则\n（一）建设平台，推进共享。\n（一）完善机制，加强协同。\n"), "publish"),
    "numbers-only.txt": (_text("一、\n二、\n（一）\n1.\n2.\n"), "publish"),
    "bad-dates.txt": (_text("某规定\n2025年2月30日\n第一条 本规定自2025年13月1日起施行。\n"), "publish"),
    "formulas.txt": (_text("一、总则\n=HYPERLINK(\"http://example.invalid\")\n+1+1推进共享。\n@SUM(A1)完善机制。\n"), "publish"),
    "long-title.txt": (_text("关于" + "推进区域协同发展" * 200 + "的通知\n一、总则\n1.建设平台，推进共享。\n"), "publish"),
    "名称 有空格.txt": (_text(plan("9")), "publish"),
    "meta-unknown-key.txt": (_with_meta(plan("10"), "titel: 拼错的键\n"), "quarantine"),
    "meta-wrong-type.txt": (_with_meta(plan("11"), "title: 2025\n"), "quarantine"),
    "meta-list.txt": (_with_meta(plan("12"), "- a\n- b\n"), "quarantine"),
    "meta-not-yaml.txt": (_with_meta(plan("13"), "title: [unclosed\n"), "quarantine"),
    "meta-bad-date.txt": (_with_meta(plan("14"), "issue_date: 2025-13-01\n"), "quarantine"),
    "meta-bad-id.txt": (_with_meta(plan("15"), "doc_id: Not A Slug\n"), "quarantine"),
    "meta-period.txt": (_with_meta(plan("16"), "plan_period_start: 2026\nplan_period_end: 2024\n"), "quarantine"),
    "meta-clash-a.txt": (_with_meta(plan("17"), "doc_id: clashing-id\n"), "quarantine"),
    "meta-clash-b.txt": (_with_meta(plan("18").replace("城际铁路", "市域铁路"), "doc_id: clashing-id\n"), "quarantine"),
    "link-outside.txt": (_link("/etc/hostname"), "load"),
}


def write_hostile_inputs(raw: Path) -> dict[str, str]:
    """Write every case into raw (beside the good documents there); file name -> expected outcome."""
    cases = dict(CASES)
    cases["duplicate-of-a-seed.txt"] = (_seed_copy(raw), "load")
    for name, (write, _) in cases.items():
        write(raw / f"zz-{name}")
    (raw / "zz-broken.errata.yaml").write_text("corrections:\n  - {id: x, pattern: '(', regex: true, replacement: y, reason: bad regex}\n  - [not, a, mapping]\n", encoding="utf-8")
    return {f"zz-{name}": outcome for name, (_, outcome) in cases.items()}
