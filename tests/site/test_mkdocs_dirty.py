"""``mkdocs build --dirty`` into the folder of an earlier build writes only the pages whose inputs changed,
and the folder equals a clean build of the same data, byte for byte (sitemap.xml.gz compared unpacked)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from site_support import copy_sample, run, write_config

ITEM = "520100-XK00001000"


def _tree(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            # gzip stamps the time it was written: compare what it holds.
            files[path.relative_to(folder).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return files


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.html")}


def _build(root: Path, site: str, *extra: str, cache: Path | None = None) -> None:
    # Not --strict with --dirty: MkDocs warns about every dirty build (its nav may be stale; ours is not).
    strict = [] if "--dirty" in extra else ["--strict"]
    result = run([sys.executable, "-m", "mkdocs", "build", *strict, "-f", str(root / "mkdocs.yml"),
                  "--site-dir", site, *extra], root, cache)
    assert result.returncode == 0, result.stderr[-3000:]


def _same_as_clean(root: Path, name: str) -> None:
    _build(root, name, cache=root / f"{name}-cache")  # an empty build store: nothing kept from the builds under test
    got, want = _tree(root / "site"), _tree(root / name)
    assert sorted(got) == sorted(want)
    assert [p for p in want if got[p] != want[p]] == []


def test_a_dirty_build_rewrites_only_changed_pages_and_equals_a_clean_one(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    write_config(tmp_path, lists)
    _build(tmp_path, "site")
    before = _mtimes(tmp_path / "site")
    powers = lists / "520100-scjgj" / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace(
        "    name: 食品生产许可\n    power_type", "    name: 食品生产许可（已改名）\n    power_type", 1), encoding="utf-8")
    _build(tmp_path, "site", "--dirty")
    after = _mtimes(tmp_path / "site")
    page = f"items/{ITEM}/index.html"
    assert "食品生产许可（已改名）" in (tmp_path / "site" / page).read_text(encoding="utf-8")
    rewritten = {p for p in after if before.get(p) != after[p]}
    generated = [p for p in before if p.startswith("items/")]
    assert page in rewritten and len(generated) > 100
    assert len(rewritten & set(generated)) <= 10, sorted(rewritten)
    _same_as_clean(tmp_path, "clean")
    # An item taken out: every page's links may change, and its own page must not be left behind.
    text = powers.read_text(encoding="utf-8")
    start = text.index('  - code: "520100-XK00002000"\n')
    end = text.find("\n  - code: ", start + 1)
    powers.write_text(text[:start] + (text[end + 1:] if end != -1 else ""), encoding="utf-8")
    _build(tmp_path, "site", "--dirty")
    assert not (tmp_path / "site" / "items" / "520100-XK00002000").exists()
    _same_as_clean(tmp_path, "clean2")
