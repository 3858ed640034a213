"""Where the pipeline reads raw documents and publishes the package."""


from pathlib import Path

import dagster as dg

from pipelines.sources import DEFAULT_MAX_DOCUMENT_BYTES

REPO_ROOT = Path(__file__).resolve().parents[2]


class ProjectPaths(dg.ConfigurableResource):  # type: ignore[type-arg]  # dagster's own examples subclass it bare
    """Input and output directories; relative paths are taken from the repository root."""

    raw_dir: str = "raw"
    out_dir: str = "datapackage"
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES  # larger files are refused with a message, not read

    def _resolve(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def raw_path(self) -> Path:
        return self._resolve(self.raw_dir)

    @property
    def out_path(self) -> Path:
        return self._resolve(self.out_dir)


def default_resources(raw_dir: str = "raw", out_dir: str = "datapackage") -> dict[str, object]:
    return {"paths": ProjectPaths(raw_dir=raw_dir, out_dir=out_dir)}
