"""The build store reuses a page only when everything it shows is unchanged (render/keys.py).

Pages say what they read (``PageSpec.reads``); a page that says too little
would be reused after an edit it should show. These tests make many kinds of
edits, at random places of the sample (a fixed seed), and require each rebuild
with the store to equal a build into an empty folder with an empty store, byte
for byte, with and without a git history.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import subprocess
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.dataset import load_dataset
from qingdan.render.keys import PageKeys
from qingdan.render.site import plan_site
from qingdan.store import Store
from site_support import _NOT_TEXT, GIT_WHO, commit_all, copy_sample, dump

EDITS = 10


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, env={**os.environ, **GIT_WHO})


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _render(lists: Path, out: Path, store: Path) -> str:
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return result.output


def _text_leaves(value: Any, path: tuple = (), key: str | None = None) -> list[tuple]:
    """Paths (keys and indexes) of the free-text strings in a YAML document."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _text_leaves(v, (*path, k), k)]
    if isinstance(value, list):
        return [leaf for n, v in enumerate(value) for leaf in _text_leaves(v, (*path, n), key)]
    if isinstance(value, str) and key not in _NOT_TEXT and key not in {"email", "phone", "supervision_phone"}:
        return [path]
    return []


def _mutate(lists: Path, rng: random.Random, n: int) -> str:
    """Append a mark to one random text of one random data file; say which."""
    files = sorted(p for p in lists.rglob("*.yml") if p.name != "site.yml")
    while True:
        path = rng.choice(files)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        leaves = _text_leaves(data)
        if leaves:
            break
    leaf = rng.choice(leaves)
    holder = data
    for step in leaf[:-1]:
        holder = holder[step]
    holder[leaf[-1]] = f"{holder[leaf[-1]]}（改{n}）"
    path.write_text(dump(data), encoding="utf-8")
    return f"{path.relative_to(lists)}: {'/'.join(map(str, leaf))}"


@pytest.mark.parametrize("with_history", [False, True], ids=["folder", "git"])
def test_random_edits_rebuild_exactly_as_a_clean_build(tmp_path: Path, with_history: bool) -> None:
    lists = copy_sample(tmp_path)
    if with_history:
        git(tmp_path, "init", "-q", "-b", "main")
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-qm", "初始数据")
    out, store = tmp_path / "site", tmp_path / "store"
    _render(lists, out, store)
    rng = random.Random(20261202)
    for n in range(EDITS):
        what = _mutate(lists, rng, n)
        if with_history and n % 3 == 0:
            git(tmp_path, "commit", "-qam", f"修改 {what}")
        _render(lists, out, store)
        clean = tmp_path / f"clean{n}"
        _render(lists, clean, tmp_path / f"empty-store{n}")
        got, want = tree_bytes(out), tree_bytes(clean)
        assert sorted(got) == sorted(want), what
        assert [p for p in want if got[p] != want[p]] == [], what


def test_an_unchanged_rebuild_renders_no_page(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    out, store = tmp_path / "site", tmp_path / "store"
    _render(lists, out, store)
    kept = {p.name for p in store.rglob("*") if p.is_file()}
    _render(lists, out, store)
    # Nothing new was kept: every page came from the store.
    assert {p.name for p in store.rglob("*") if p.is_file()} == kept
    # One item renamed: its page and the pages that list it are made again, not hundreds.
    powers = lists / "520100-scjgj" / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace(
        "    name: 食品生产许可\n    power_type", "    name: 食品生产许可（已改名）\n    power_type", 1), encoding="utf-8")
    _render(lists, out, store)
    new = {p.name for p in store.rglob("*") if p.is_file()} - kept
    pages = sum(1 for p in out.rglob("index.md"))
    # (The store also keeps the department's download slices and search part, made again too.)
    assert 1 <= len(new) <= 60 < pages, (len(new), pages)
    assert "食品生产许可（已改名）" in (out / "items" / "520100-XK00001000" / "index.md").read_text(encoding="utf-8")


def test_a_damaged_or_linked_blob_is_never_used(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    key = "a" * 64
    store.put(key, b"kept")
    blob = store.blob(key)
    assert blob is not None and Store(tmp_path / "store").get(key) == b"kept"
    blob.unlink()
    (tmp_path / "elsewhere").write_bytes(b"secret")
    blob.symlink_to(tmp_path / "elsewhere")
    fresh = Store(tmp_path / "store")
    assert fresh.get(key) is None
    assert fresh.made(key, lambda: b"made again") == b"made again" and fresh.made_count == 1
    with pytest.raises(Exception, match="构建缓存的键无效"):
        fresh.get("../../etc/passwd")
    assert re.fullmatch(r"[0-9a-f]{64}", key)


def test_prune_removes_old_unused_blobs_at_most_once_a_day(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    old_unused, old_used, new_unused = "1" * 64, "2" * 64, "3" * 64
    first = Store(folder)
    for key in (old_unused, old_used, new_unused):
        first.put(key, key.encode())
    ten_days_ago = time.time() - 10 * 86400
    for key in (old_unused, old_used):
        blob = first.blob(key)
        assert blob is not None
        os.utime(blob, (ten_days_ago, ten_days_ago))
    build = Store(folder)
    assert build.get(old_used) == old_used.encode()  # this build used it
    assert build.prune() == 1
    assert build.get(old_unused) is None and build.get(new_unused) is not None
    # A second build the same day does not list the store again.
    assert Store(folder).prune() == 0


def test_absorbing_a_shard_store_takes_blobs_only(tmp_path: Path) -> None:
    """A shard's store comes from another job: stray files and links in it are not taken."""
    shard = Store(tmp_path / "shard")
    key = "4" * 64
    shard.put(key, b"shard page")
    (tmp_path / "shard" / "README.txt").write_text("不是缓存项\n", encoding="utf-8")
    (tmp_path / "secret").write_bytes(b"secret")
    link_key = "5" * 64
    (tmp_path / "shard" / "55").mkdir()
    (tmp_path / "shard" / "55" / link_key).symlink_to(tmp_path / "secret")
    merged = Store(tmp_path / "merged")
    assert merged.absorb(tmp_path / "shard") == 1
    assert merged.get(key) == b"shard page" and merged.get(link_key) is None
    assert sorted(p.name for p in (tmp_path / "merged").rglob("*") if p.is_file()) == [key]


def _page_keys(lists: Path, templates: set[str]) -> dict[str, str]:
    """The input keys of the pages made with ``templates``."""
    from qingdan.dataset import load_dataset
    from qingdan.render import plan_site
    from qingdan.render.keys import PageKeys

    site = plan_site(load_dataset(lists))
    keys = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None))
    return {path: keys.of(spec) for path, spec in site.pages.items() if spec.template in templates}


def _type_page_keys(lists: Path) -> dict[str, str]:
    return _page_keys(lists, {"site/type.html"})


FIGURES = {"site/home.html", "site/departments.html", "site/items.html", "site/types.html", "site/region.html"}


def test_pages_of_figures_are_made_again_when_a_count_changes_not_a_name(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    before = _page_keys(lists, FIGURES)
    assert len(before) >= 5
    powers = lists / "520100-scjgj" / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    powers.write_text(text.replace("    name: 食品生产许可\n", "    name: 食品生产许可（改）\n", 1), encoding="utf-8")
    assert _page_keys(lists, FIGURES) == before  # a name is on none of them
    # The first item taken out: one item fewer in force, in its department and its type.
    first = text.index("\n  - code: ")
    powers.write_text(text[:first] + text[text.index("\n  - code: ", first + 1):], encoding="utf-8")
    after = _page_keys(lists, FIGURES)
    assert [path for path in before if after[path] == before[path]] == []


def test_a_type_page_is_made_again_only_when_its_own_items_change(tmp_path: Path) -> None:
    from qingdan.render.links import page_path

    lists = copy_sample(tmp_path)
    out, store = tmp_path / "site", tmp_path / "store"
    _render(lists, out, store)
    before = _type_page_keys(lists)
    assert len(before) > 5
    powers = lists / "520100-scjgj" / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    powers.write_text(text.replace("    name: 食品生产许可\n    power_type", "    name: 食品生产许可（改）\n    power_type", 1),
                      encoding="utf-8")
    renamed = _type_page_keys(lists)
    # A 行政许可 renamed: the 行政许可 page shows it; no other type page does.
    assert [path for path in before if renamed[path] != before[path]] == [page_path("type", "01")]
    _render(lists, out, store)
    _render(lists, tmp_path / "clean", tmp_path / "empty-store")
    got, want = tree_bytes(out), tree_bytes(tmp_path / "clean")
    assert sorted(got) == sorted(want)
    assert [p for p in want if got[p] != want[p]] == []
    # Moved from 行政许可 to 行政处罚 (the validator would then ask for a new code): both pages change.
    powers.write_text(text.replace('    name: 食品生产许可\n    power_type: "01"',
                                   '    name: 食品生产许可\n    power_type: "02"', 1), encoding="utf-8")
    retyped = _type_page_keys(lists)
    assert sorted(path for path in before if retyped[path] != before[path]) == [page_path("type", "01"),
                                                                                page_path("type", "02")]


def test_a_server_keeps_keys_by_their_inputs_and_a_one_off_build_keeps_none(tmp_path: Path) -> None:
    from qingdan.dataset import load_dataset
    from qingdan.render import plan_site
    from qingdan.render.keys import PageKeys

    lists = copy_sample(tmp_path)
    site = plan_site(load_dataset(lists))
    one_off = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None))
    first = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None), earlier={})
    want = {path: one_off.of(spec) for path, spec in site.pages.items()}
    assert one_off.made is None
    assert {path: first.of(spec) for path, spec in site.pages.items()} == want
    assert first.made is not None and len([inputs for inputs in first.made if inputs[0] == first.common]) == len(want)
    # Each department's share of the power types' pages too (kept while the department's files are the same).
    assert {inputs[1] for inputs in first.made if inputs[0] == "power types"} == set(site.dataset.powers_by_department)
    # An item renamed: the next build's keys, taken from the build before where the inputs are the
    # same, equal those made from nothing.
    powers = lists / "520100-scjgj" / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace("    name: 食品生产许可\n", "    name: 食品生产许可（改）\n", 1),
                      encoding="utf-8")
    site = plan_site(load_dataset(lists))
    fresh = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None))
    again = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None), earlier=first.made)
    renamed = {path: again.of(spec) for path, spec in site.pages.items()}
    assert renamed == {path: fresh.of(spec) for path, spec in site.pages.items()}
    assert renamed != want


def test_a_merge_makes_again_only_what_it_changed(tmp_path: Path) -> None:
    """Every merge is a commit: it adds a page for the changed item's earlier version and moves 数据更新至.

    Neither may make the whole site again (each page asks which pages exist and
    whether its dates are later than 数据更新至, render/traces.py), and the rebuild
    must still equal a clean build: a date that was 预先登记 before the merge is not after it.
    """
    lists = copy_sample(tmp_path)
    powers = lists / "520000-fgw" / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    code = re.search(r"^  - code: \"?([^\s\"]+)", text, re.M).group(1)
    # The first item takes effect between the two commits (every other date in the sample is earlier).
    powers.write_text(text.replace("    effective: 2017-02-01\n", "    effective: 2027-02-01\n", 1), encoding="utf-8")
    commit_all(tmp_path, "初始数据", "2027-01-10T10:00:00+08:00")
    out, store = tmp_path / "site", tmp_path / "store"
    _render(lists, out, store)
    page = out / "items" / code / "index.md"
    assert "预先登记" in page.read_text(encoding="utf-8")
    before = _manifest_keys(out)

    other = lists / "520100-scjgj" / "powers.yml"
    other.write_text(other.read_text(encoding="utf-8").replace(
        "    name: 食品生产许可\n    power_type", "    name: 食品生产许可（已改名）\n    power_type", 1), encoding="utf-8")
    commit_all(tmp_path, "修改事项名称", "2027-03-01T10:00:00+08:00")
    _render(lists, out, store)

    assert "预先登记" not in page.read_text(encoding="utf-8")
    assert (out / "items" / "520100-XK00001000" / "v1" / "index.md").is_file()  # the earlier version's page
    clean = tmp_path / "clean"
    _render(lists, clean, tmp_path / "empty-store")
    got, want = tree_bytes(out), tree_bytes(clean)
    assert sorted(got) == sorted(want)
    assert [p for p in want if got[p] != want[p]] == []
    # What was made again (its key in the manifest changed): the pages of the two items and of what
    # cites the renamed one, the pages naming 数据更新至 (downloads) or showing the whole history —
    # not the site's hundreds of pages. An item page elsewhere, without dates after 2027-01-10, is kept.
    after = _manifest_keys(out)
    made = sorted(path for path in after if before.get(path) != after[path])
    assert f"items/{code}/index.md" in made and "items/520100-XK00001000/index.md" in made
    assert "items/520100-XK00001000/v1/index.md" in made  # new
    assert "changes/index.md" in made and "departments/520100-gaj/index.md" in made
    elsewhere = re.findall(r'^  - code: "?([^\s"]+)', (lists / "520100-gaj" / "powers.yml").read_text(encoding="utf-8"),
                           re.M)
    assert elsewhere and not [c for c in elsewhere if f"items/{c}/index.md" in made], made
    assert len(made) < len(after) // 4, (len(made), len(after))

    # A merge dated earlier than the one before (a committer's clock behind): 数据更新至 goes back,
    # and the date is 预先登记 again.
    other.write_text(other.read_text(encoding="utf-8").replace("食品生产许可（已改名）", "食品生产许可（再改名）", 1),
                     encoding="utf-8")
    commit_all(tmp_path, "再次修改事项名称", "2027-01-20T10:00:00+08:00")
    _render(lists, out, store)
    assert "预先登记" in page.read_text(encoding="utf-8")
    _render(lists, tmp_path / "clean2", tmp_path / "empty-store2")
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean2")


def _manifest_keys(out: Path) -> dict[str, str]:
    """The key of each page of the build in ``out``, as its manifest records it (render/incremental.py)."""
    files = json.loads((out / ".qingdan-manifest.json").read_text(encoding="utf-8"))["files"]
    return {path: entry[2] for path, entry in files.items() if path.endswith(".md")}


def test_the_keys_of_a_build_do_not_outlive_it(tmp_path: Path) -> None:
    """A preview server makes new keys for every build: those of the build before, and the site and
    lookup they hold, are freed with it (a memo on the class's methods kept every build alive)."""
    site = plan_site(load_dataset(copy_sample(tmp_path)))
    keys = PageKeys(site.pages, site.lookup, None, tuple, None, Store(None))
    made = {keys.of(page) for page in site.pages.values()}
    assert len(made) == len(site.pages)  # every page asked its inputs, the department folders among them
    gone = weakref.ref(keys), weakref.ref(site.lookup)
    del keys, site
    gc.collect()
    assert [ref() for ref in gone] == [None, None]
