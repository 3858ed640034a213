"""Where the pipeline reads raw documents, keeps its per-document results and publishes the package."""


from pathlib import Path

import dagster as dg

from pipelines.sources import DEFAULT_MAX_DOCUMENT_BYTES

REPO_ROOT = Path(__file__).resolve().parents[2]


class ProjectPaths(dg.ConfigurableResource):  # type: ignore[type-arg]  # dagster's own examples subclass it bare
    """Input, store and output directories; relative paths are taken from the repository root."""

    raw_dir: str = "raw"
    out_dir: str = "datapackage"
    # The per-document results (one folder per shard) and the assembled tables. Empty: a hidden
    # folder beside the output (.datapackage.store). For a distributed run, a path every worker sees.
    store_dir: str = ""
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES  # larger files are refused with a message, not read
    workers: int = 1  # processes that extract shards side by side within one run
    # The guard: publishing is refused when a published document would disappear, an unchanged document
    # would change records, or a table would shrink by more than max_shrink, unless a reason is given here.
    accept_changes: str = ""
    max_shrink: float = 0.10

    def _resolve(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def raw_path(self) -> Path:
        return self._resolve(self.raw_dir)

    @property
    def out_path(self) -> Path:
        return self._resolve(self.out_dir)

    @property
    def store_path(self) -> Path:
        if self.store_dir:
            return self._resolve(self.store_dir)
        return self.out_path.parent / f".{self.out_path.name}.store"


    @property
    def releases_path(self) -> Path:
        """releases/ beside raw/ (the repository's): one file of changes per release (yrdpm release writes them)."""
        return self.raw_path.parent / "releases"

    @property
    def changelog_path(self) -> Path:
        """CHANGELOG.md beside raw/ (the repository's)."""
        return self.raw_path.parent / "CHANGELOG.md"


def default_resources(raw_dir: str = "raw", out_dir: str = "datapackage", store_dir: str = "", workers: int = 1, accept_changes: str = "") -> dict[str, object]:
    return {"paths": ProjectPaths(raw_dir=raw_dir, out_dir=out_dir, store_dir=store_dir, workers=workers, accept_changes=accept_changes)}
