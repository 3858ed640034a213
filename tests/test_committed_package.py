"""The committed datapackage/ is exactly what a fresh build gives (determinism)."""

from conftest import REPO


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".duckdb")}


def test_committed_package_equals_a_fresh_build(fresh_build):
    out, _ = fresh_build
    committed, fresh = files(REPO / "datapackage"), files(out)
    assert sorted(committed) == sorted(fresh)
    different = [name for name in committed if committed[name] != fresh[name]]
    assert different == [], f"rebuild with `make build` and commit: {different}"
