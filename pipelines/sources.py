"""Load the raw documents and the metadata files beside them."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines.extraction.corrections import Erratum, errata_from_data
from pipelines.extraction.document import RawDocument
from pipelines.extraction.metadata import SLUG, MetadataError, parse_metadata

METADATA_SUFFIX = ".meta.yaml"
ERRATA_SUFFIX = ".errata.yaml"  # reviewed corrections; any number of such files
IGNORED_NAMES = {"README.md", ".gitkeep", ".DS_Store"}
DATA_SUFFIXES = (".yaml", ".yml")  # metadata and errata, not documents


DEFAULT_MAX_DOCUMENT_BYTES = 50 * 2**20  # a policy document is rarely above a few MB; ProjectPaths sets the build's limit


@dataclass(frozen=True)
class LoadProblem:
    path: str
    message: str
    severity: str = "error"


def relative_path(path: Path, raw_dir: Path) -> str:
    """The file's path relative to the repository (raw_dir's parent)."""
    return (Path(raw_dir.name) / path.relative_to(raw_dir)).as_posix()


def metadata_path(document: Path) -> Path:
    return document.with_name(document.name.rsplit(".", 1)[0] + METADATA_SUFFIX)


def load_errata(raw_dir: Path) -> tuple[tuple[Erratum, ...], list[LoadProblem]]:
    """Every *.errata.yaml file in raw_dir, in name order."""
    errata: list[Erratum] = []
    problems: list[LoadProblem] = []
    for path in sorted(p for p in raw_dir.rglob(f"*{ERRATA_SUFFIX}") if not p.is_symlink()):
        rel = relative_path(path, raw_dir)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader) or {}  # noqa: S506 - a SafeLoader
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(LoadProblem(rel, f"errata file is not readable YAML and was ignored: {' '.join(str(exc).split())}"))
            continue
        found, messages = errata_from_data(data, path.name)
        taken = {e.rule_id for e in errata}
        for erratum in found:
            if erratum.rule_id in taken:
                messages.append(f"{path.name}: erratum {erratum.rule_id} was ignored: another errata file uses the same id")
            else:
                errata.append(erratum)
        problems += [LoadProblem(rel, message) for message in messages]
    return tuple(errata), problems


def _listing(raw_dir: Path) -> tuple[list[str], list[str]]:
    """Paths of the regular files below raw_dir, in the order of their parts, and of the links (never followed).

    os.scandir tells links, folders and files apart from the directory entries themselves, without a
    system call per file (a raw folder holds thousands); the paths stay strings, since a rebuild lists
    the folder at each step and a Path per file was half of a listing's time."""
    files: list[str] = []
    links: list[str] = []
    folders = [str(raw_dir)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    links.append(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    files.append(entry.path)
    return sorted(files, key=lambda path: path.split(os.sep)), sorted(links, key=lambda path: path.split(os.sep))


def _link_problems(links: list[str], raw_dir: Path) -> list[LoadProblem]:
    return [LoadProblem(relative_path(Path(link), raw_dir), "a symbolic link, not followed: only files inside the raw folder are read") for link in links]


@dataclass(frozen=True)
class SourceFile:
    """A document file found in the raw folder, with what its records depend on, but neither its bytes nor
    its metadata: a build holds the bytes and metadata of the documents it is extracting, never the whole
    corpus'. The metadata is known by the digest of what the scan parsed, and parsed again when read."""

    path: str  # relative to the repository root, POSIX separators
    file: str  # where it is read from (strings, not Paths: a Path is several objects, and a scan holds one per document)
    sha256: str
    metadata_file: str | None = None  # its .meta.yaml, when there is one
    metadata_digest: str | None = None  # of the metadata (and its error) as the scan parsed them: part of the key
    errata: tuple[Erratum, ...] = ()
    load_error: str | None = None

    @property
    def metadata(self) -> dict[str, Any] | None:
        """The metadata, parsed from its file now."""
        return _read_metadata(Path(self.metadata_file))[0] if self.metadata_file is not None else None

    def read(self) -> RawDocument:
        """The document with its bytes and metadata as they are now. A file changed since the scan is keyed
        by what the scan saw, and the next scan sees the change and extracts it again."""
        meta, error = _read_metadata(Path(self.metadata_file)) if self.metadata_file is not None else (None, self.load_error)
        return RawDocument(self.path, Path(self.file).read_bytes(), meta, self.errata, error)

    @functools.cached_property
    def facts_digest(self) -> str:
        """What the document's records depend on besides the code, hashed once per scanned file (a rebuild's
        steps key every document of the corpus again and again)."""
        facts = {"path": self.path, "sha256": self.sha256, "metadata": self.metadata_digest, "load_error": self.load_error,
                 "errata": [asdict(e) for e in self.errata]}
        return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def metadata_digest(meta: dict[str, Any] | None, error: str | None) -> str:
    return hashlib.sha256(json.dumps([meta, error], sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


# The last scan of each raw folder in this process: the steps of one in-process run (extraction, then
# assembly) scan the same folder, and a second pass over every metadata file is wasted when no file
# changed. A file is unchanged when its size, mtime, ctime and inode are (as in git's index); a file
# modified within RACY_NS of the scan could change again inside one tick of the file system's clock
# with the same stat, so its bytes are compared too ("racy git").
RACY_NS = 2 * 10**9
_Signature = tuple[tuple[str, int, int, int, int], ...]
# the signature is kept as its digest: a folder's stats are a few hundred bytes per file
_last_scans: dict[tuple[Path, int], tuple[str, dict[str, str], list[SourceFile], list[LoadProblem]]] = {}


def _stat_signature(files: list[str]) -> _Signature:
    signature = []
    for path in files:
        stat = os.stat(path)
        signature.append((path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
    return tuple(signature)


def _digest_of(signature: _Signature) -> str:
    return hashlib.sha256(repr(signature).encode("utf-8", "surrogatepass")).hexdigest()


def file_stat(path: Path) -> list[int]:
    """Size, modification and change times, inode: a file with the same four was not written since (git's index's bet)."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


class RawFolderWatch:
    """Tells whether any file below a raw folder was added, removed or written since the last look.

    A look costs a directory listing and a stat per file. A file written
    within RACY_NS of a look may be written again in the same tick of the file
    system's clock with the same stat, so its bytes are hashed at that look and
    compared at the next one.
    """

    def __init__(self, raw_dir: Path) -> None:
        self.raw_dir = raw_dir
        self._last: tuple[str, dict[str, str]] | None = None

    def changed(self) -> bool:
        """True at the first look, and at each look that finds the folder different from the one before."""
        files, links = _listing(self.raw_dir)
        signature = _stat_signature(files) + tuple((link, 0, 0, 0, 0) for link in links)
        racy = _racy_digests(signature)
        before, self._last = self._last, None
        earlier = {p: _sha256_of(Path(p)) for p in (before[1] if before else {}) if p not in racy and Path(p).is_file()}
        self._last = (_digest_of(signature), racy)
        if before is None or before[0] != self._last[0]:
            return True
        return any(before[1][p] != digest for p, digest in {**earlier, **racy}.items() if p in before[1])


def _racy_digests(signature: _Signature) -> dict[str, str]:
    """sha256 of the files modified so recently that their stat may not show a further change."""
    recent = time.time_ns() - RACY_NS
    return {path: _sha256_of(Path(path)) for path, _, mtime, ctime, _ in signature if max(mtime, ctime) >= recent}


def scan_raw_documents(raw_dir: Path, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES, cache_dir: Path | None = None) -> tuple[list[SourceFile], list[LoadProblem]]:
    """Every document file in raw_dir (sorted by name) with its metadata and errata, read a file at a time.

    Files over max_bytes are refused, and a file with the same bytes as an
    earlier one is reported as its duplicate and read once. A folder none of
    whose files changed since this process last scanned it is not read again.
    cache_dir: where the hashes and parsed metadata of files are kept between
    processes (see ScanCache), so a rebuild reads only the files that changed.
    """
    files, links = _listing(raw_dir)
    signature = _stat_signature(files)
    last = _last_scans.get((raw_dir, max_bytes))
    if last is not None and last[0] == _digest_of(signature) and all(_sha256_of(Path(p)) == digest for p, digest in last[1].items()):
        return list(last[2]), list(last[3])
    racy = _racy_digests(signature)  # before reading: a change made while the scan runs shows as a mismatch next time
    cache = ScanCache(cache_dir / SCAN_CACHE_NAME if cache_dir is not None else None, time.time_ns() - RACY_NS)
    found, problems = _scan(raw_dir, max_bytes, signature, links, cache)
    if last is not None:  # the same file as last time is the same object, whose facts are hashed already
        earlier = {source.path: source for source in last[2]}
        found = [earlier[f.path] if earlier.get(f.path) == f else f for f in found]
    cache.save()
    _last_scans[(raw_dir, max_bytes)] = (_digest_of(signature), racy, list(found), list(problems))
    return found, problems


SCAN_CACHE_NAME = "raw-scan.json"
_PARSERS = (Path(__file__), Path(__file__).parent / "extraction" / "metadata.py")  # what a cached parse depends on


class ScanCache:
    """Each raw file's sha256, and of each metadata file the digest of its parse, its doc_id and error, by the
    file's stat, kept in a JSON file.

    A file whose size, mtime, ctime and inode are those recorded is not read
    again (git's index makes the same bet). Files changed within RACY_NS of
    the scan are never recorded: within one tick of the file system's clock a
    further change could leave the same stat. A cache written by another
    version of the metadata parser, or unreadable, is ignored.
    """

    def __init__(self, path: Path | None, trusted_before_ns: int) -> None:
        self.path, self.trusted_before_ns = path, trusted_before_ns
        self.version = hashlib.sha256(b"".join(p.read_bytes() for p in _PARSERS)).hexdigest()
        self.old: dict[str, Any] = {}
        self.new: dict[str, Any] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == self.version and isinstance(data.get("files"), dict):
                    self.old = data["files"]
            except (OSError, ValueError):
                pass

    def _remember(self, path: str, stat: list[int], value: Any) -> None:
        if max(stat[1], stat[2]) < self.trusted_before_ns:
            self.new[path] = {"stat": stat, "value": value}

    def _lookup(self, path: str, stat: list[int]) -> Any:
        entry = self.old.get(path)
        return entry["value"] if isinstance(entry, dict) and entry.get("stat") == stat else None

    def sha256(self, path: str, stat: list[int]) -> str:
        """The file's sha256; stat: its size, times and inode, taken before (file_stat)."""
        known = self._lookup(path, stat)
        digest = known if isinstance(known, str) else _sha256_of(Path(path))
        self._remember(path, stat, digest)
        return digest

    def metadata(self, meta_file: str, stat: list[int] | None) -> tuple[str | None, str | None, str | None]:
        """What a scan keeps of a metadata file: the digest of its parsed contents and error, the doc_id it
        gives, its error; stat None: there is none (three Nones). The parse itself is not kept."""
        if stat is None:
            return None, None, None
        known = self._lookup(meta_file, stat)
        if isinstance(known, list) and len(known) == 3:
            self._remember(meta_file, stat, known)
            return known[0], known[1], known[2]
        meta, error = _read_metadata(Path(meta_file))
        doc_id = meta.get("doc_id") if meta else None
        kept = [metadata_digest(meta, error), str(doc_id) if doc_id else None, error]
        self._remember(meta_file, stat, kept)
        return kept[0], kept[1], kept[2]

    def save(self) -> None:
        if self.path is None or self.new == self.old:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": self.version, "files": self.new}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)


def _scan(raw_dir: Path, max_bytes: int, signature: _Signature, links: list[str],
          cache: ScanCache) -> tuple[list[SourceFile], list[LoadProblem]]:
    """The listing's documents, from the stats it took (signature): with the scan cache, a file whose stat
    is recorded costs neither a read nor another system call. Paths stay strings until a document is kept.

    A document whose metadata file is a link is quarantined: links are not followed, and publishing it as
    if it had no metadata would drop what the metadata says, such as a licence that forbids its text."""
    found: list[SourceFile] = []
    errata, problems = load_errata(raw_dir)
    problems += _link_problems(links, raw_dir)
    linked = set(links)
    stats = {path: [size, mtime, ctime, inode] for path, size, mtime, ctime, inode in signature}
    prefix = os.path.join(str(raw_dir), "")
    seen: dict[str, str] = {}
    for path, size, *_ in signature:
        folder, name = os.path.split(path)
        if name.endswith(DATA_SUFFIXES) or name in IGNORED_NAMES or name.startswith("."):
            continue
        rel = posixpath.join(raw_dir.name, path[len(prefix):].replace(os.sep, "/"))  # relative_path, without a Path
        if size > max_bytes:
            problems.append(LoadProblem(rel, f"{size:,} bytes is over the limit of {max_bytes:,} bytes per document (max_document_bytes): not read"))
            continue
        sha256 = cache.sha256(path, stats[path])
        if sha256 in seen:
            problems.append(LoadProblem(rel, f"the same bytes as {seen[sha256]}: a duplicate, published once under {seen[sha256]}", "warning"))
            continue
        seen[sha256] = rel
        meta_file = os.path.join(folder, name.rsplit(".", 1)[0] + METADATA_SUFFIX)  # metadata_path
        digest, declared_id, load_error = cache.metadata(meta_file, stats.get(meta_file))
        if meta_file in linked:
            load_error = (f"its metadata file {posixpath.basename(meta_file)} is a symbolic link, not followed: "
                          "the document is quarantined until its metadata is a file in the raw folder")
        doc_id = RawDocument(rel, b"", {"doc_id": declared_id} if declared_id else None).doc_id
        found.append(SourceFile(rel, path, sha256, meta_file if digest is not None else None, digest,
                                tuple(e for e in errata if e.applies_to(doc_id)), load_error))
    return found, problems


def load_raw_documents(raw_dir: Path, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> tuple[list[RawDocument], list[LoadProblem]]:
    """scan_raw_documents with every document's bytes read (for small folders: tests, gold samples)."""
    found, problems = scan_raw_documents(raw_dir, max_bytes)
    return [source.read() for source in found], problems


# libyaml's parser where PyYAML was built with it (the wheels are): a rebuild parses every metadata
# file, and the pure-Python parser took half of an unchanged rebuild's time at 1,000 documents.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MetadataLoader(_SafeLoader):  # type: ignore[misc,valid-type]  # a base chosen at import
    """YAML without implicit timestamps: a date stays text for the metadata schema to check
    (2025-13-01 is then an error naming its key, not a crash inside the YAML library)."""


_MetadataLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_metadata(meta_file: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(validated metadata, None), (None, None) without a file, or (ids only, the error).

    On an error only a valid doc_id is kept, so the quarantine row names the
    document by the id its maintainer gave it.
    """
    if not meta_file.exists():
        return None, None
    try:
        data = yaml.load(meta_file.read_text(encoding="utf-8"), Loader=_MetadataLoader)  # noqa: S506 - a SafeLoader
        return parse_metadata(data, meta_file.name), None
    except MetadataError as exc:
        message = str(exc)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        message = f"{meta_file.name} is not readable YAML: {exc}"
        data = None
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    ids = {"doc_id": doc_id} if isinstance(doc_id, str) and re.match(SLUG, doc_id) else None
    return ids, message
