"""`yrdpm watch`: one process that rebuilds whenever the raw folder changes (RawFolderWatch tells when)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from conftest import RAW

from pipelines import sources
from pipelines.sources import RawFolderWatch


def test_a_look_at_the_raw_folder_tells_additions_changes_and_removals(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("一、总则", encoding="utf-8")
    watch = RawFolderWatch(tmp_path)
    assert watch.changed()  # the first look
    assert not watch.changed()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("二、目标", encoding="utf-8")
    assert watch.changed() and not watch.changed()
    stat = (tmp_path / "a.txt").stat()
    (tmp_path / "a.txt").write_text("一、总纲", encoding="utf-8")  # same size, and the old times put back
    os.utime(tmp_path / "a.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert watch.changed() and not watch.changed()  # the change time still moved
    (tmp_path / "sub" / "b.txt").unlink()
    assert watch.changed() and not watch.changed()
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    assert watch.changed()  # a link is reported by a build, so it is a change too


def test_a_file_written_twice_within_one_tick_of_the_clock_is_still_seen(tmp_path: Path, monkeypatch) -> None:
    """The same stat after a second write (a coarse clock): the bytes of a recently written file decide."""
    document = tmp_path / "a.txt"
    document.write_text("一、总则", encoding="utf-8")
    frozen = ((str(document), 12, time.time_ns(), time.time_ns(), 1),)
    monkeypatch.setattr(sources, "_stat_signature", lambda files: frozen)
    watch = RawFolderWatch(tmp_path)
    assert watch.changed() and not watch.changed()
    document.write_text("一、总纲", encoding="utf-8")
    assert watch.changed() and not watch.changed()
    monkeypatch.setattr(sources, "RACY_NS", 0)  # no longer recent: the file hashed at the last look is compared once more
    document.write_text("一、总目", encoding="utf-8")
    assert watch.changed() and not watch.changed()


def _lines_until(process: subprocess.Popen[str], wanted: str, seconds: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    assert process.stderr is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 1.0)
        if ready:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if wanted in line:
                return lines
    raise AssertionError(f"no line with {wanted!r} within {seconds} s:\n{''.join(lines)}")


def test_the_watcher_builds_then_rebuilds_after_a_document_changes(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    changed = sorted(raw.glob("*.txt"))[0]
    yrdpm = Path(sys.executable).with_name("yrdpm")
    process = subprocess.Popen([str(yrdpm), "watch", "--raw-dir", str(raw), "--out-dir", str(out), "--interval", "0.2", "--settle", "0.2", "--builds", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "DAGSTER_HOME": ""})
    try:
        first = _lines_until(process, "build 1:", 300)
        assert "build 1: published" in first[-1], "".join(first)
        before = pq.read_table(out / "data" / "texts.parquet").to_pylist()
        changed.write_bytes(changed.read_bytes() + "\n（本文件已由监视测试修订。）\n".encode())
        second = _lines_until(process, "build 2:", 300)
        assert "build 2: published" in second[-1], "".join(second)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    after = pq.read_table(out / "data" / "texts.parquet").to_pylist()
    assert not [row for row in before if "本文件已由监视测试修订" in row["text"]]
    assert len([row for row in after if "本文件已由监视测试修订" in row["text"]]) == 1
    assert len(after) == len(before)


def test_one_in_memory_instance_serves_every_rebuild_and_keeps_none_of_them(tmp_path: Path) -> None:
    """What the watcher does between builds: the instance is wiped, so its memory does not grow with the rebuilds."""
    import dagster as dg

    from pipelines.cli import _build_and_report

    raw, out = tmp_path / "raw", tmp_path / "datapackage"
    shutil.copytree(RAW, raw)
    instance = dg.DagsterInstance.ephemeral()
    assert _build_and_report(raw, out, "", 1, "", instance)
    assert instance.get_runs() and instance.get_latest_materialization_event(dg.AssetKey("measures")) is not None
    instance.wipe()
    assert not instance.get_runs() and instance.get_latest_materialization_event(dg.AssetKey("measures")) is None
    changed = sorted(raw.glob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + "\n（本文件已由监视测试修订。）\n".encode())
    assert _build_and_report(raw, out, "", 1, "", instance)
    assert len(instance.get_runs()) == 1
    texts = pq.read_table(out / "data" / "texts.parquet").column("text").to_pylist()
    assert sum("本文件已由监视测试修订" in text for text in texts) == 1


def _watch_with(monkeypatch, tmp_path: Path, builds, settle: float = 0.0) -> str:  # type: ignore[no-untyped-def]
    """`yrdpm watch --builds N` in this process, each build done by the next function of `builds`; its stderr."""
    from click.testing import CliRunner

    import pipelines.cli

    calls = iter(builds)
    monkeypatch.setattr(pipelines.cli, "_build_and_report", lambda *args: next(calls)())
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = CliRunner().invoke(pipelines.cli.main, ["watch", "--raw-dir", str(tmp_path / "raw"), "--out-dir", str(tmp_path / "datapackage"),
                                                     "--interval", "0.05", "--settle", str(settle), "--builds", str(len(builds))])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_watcher_outlives_a_build_that_raises(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、总则", encoding="utf-8")

    def failing() -> bool:
        (raw / "a.txt").write_text("一、总纲", encoding="utf-8")  # the change the next build is for
        raise OSError(28, "No space left on device")

    output = _watch_with(monkeypatch, tmp_path, [failing, lambda: True])
    assert "build error: OSError: [Errno 28] No space left on device" in output
    assert "build 1: failed" in output and "build 2: published" in output


def test_a_raw_folder_that_disappears_is_reported_once_and_watched_until_it_is_back(tmp_path: Path, monkeypatch) -> None:
    import threading

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、总则", encoding="utf-8")

    def moving_away() -> bool:
        raw.rename(tmp_path / "elsewhere")

        def back() -> None:
            (tmp_path / "elsewhere").rename(raw)
            (raw / "b.txt").write_text("二、目标", encoding="utf-8")

        threading.Timer(0.5, back).start()
        return True

    output = _watch_with(monkeypatch, tmp_path, [moving_away, lambda: True])
    assert output.count("cannot read") == 1, output
    assert "build 2: published" in output


def test_files_copied_in_one_after_the_other_make_one_rebuild_once_the_folder_settles(tmp_path: Path, monkeypatch) -> None:
    import threading

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("一、总则", encoding="utf-8")
    seen: list[list[str]] = []

    def arriving() -> bool:
        def copy_in() -> None:  # a batch of documents arriving one every 0.2 s, well within the settling time
            for n in range(5):
                (raw / f"new-{n}.txt").write_text(f"第{n}条", encoding="utf-8")
                time.sleep(0.2)

        threading.Thread(target=copy_in).start()
        return True

    def second() -> bool:
        seen.append(sorted(p.name for p in raw.iterdir()))
        return True

    _watch_with(monkeypatch, tmp_path, [arriving, second], settle=1.0)
    assert seen == [["a.txt", *(f"new-{n}.txt" for n in range(5))]]  # the rebuild started after the last file, not the first


def test_what_a_pause_between_builds_freezes_a_later_pause_frees() -> None:
    """The watcher exempts the objects alive between builds from the collections of the next build; one of
    them dropped since is still freed at the next pause, so the frozen set does not grow build after build."""
    import gc
    import weakref

    from pipelines.cli import _collect_while_idle

    class Node:
        pass

    cycle = Node()
    cycle.itself = cycle  # type: ignore[attr-defined]  # only a collection frees a cycle
    alive = weakref.ref(cycle)
    try:
        _collect_while_idle()
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()  # what a build's collection does
        assert alive() is not None  # frozen: not walked during the build
        _collect_while_idle()
        assert alive() is None
    finally:
        gc.unfreeze()
