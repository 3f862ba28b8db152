"""search.build with a build store: the same bytes as without one after every kind of edit, few
files rewritten after a small one, and a sharded build merged into the single build's index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qingdan import search
from qingdan.dataset import Dataset, load_dataset
from qingdan.search import SITE
from qingdan.search.index import order_key
from qingdan.store import Store

from sample_support import SAMPLE
from edit_support import DEPT, ITEM, edit, kinds_of_edit

MOST_MADE = {"a department renamed": 3, "a source retitled": 99}  # parts tokenised again; others: 1


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "lists", ignore=shutil.ignore_patterns(".*")))


def _load(lists: Path) -> Dataset:
    data = load_dataset(lists)
    assert data.ok, data.report.errors[:3]
    return data


def test_a_warm_store_gives_the_same_bytes_after_each_kind_of_edit(lists: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    data = _load(lists)
    first = Store(folder)
    assert search.build(data, store=first) == search.build(data)
    parts = first.made_count
    assert parts == len(search.parts(data)) > 5 and first.reused == 0
    for what, change in kinds_of_edit(lists):
        change()
        data = _load(lists)
        store = Store(folder)
        assert search.build(data, store=store) == search.build(data), what
        assert 1 <= store.made_count <= MOST_MADE.get(what, 1) and store.made_count + store.reused == len(search.parts(data)), (
            what, store.made_count)
    # Unchanged data: nothing is tokenised again.
    store = Store(folder)
    search.build(data, store=store)
    assert store.made_count == 0


def test_a_damaged_blob_is_made_again(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    store = Store(tmp_path / "store")
    want = search.build(data, store=store)
    for blob in (tmp_path / "store").rglob("*"):
        if blob.is_file():
            blob.write_bytes(b"\x00damaged")
    again = Store(tmp_path / "store")
    assert search.build(data, store=again) == want and again.made_count == len(search.parts(data))


def _index(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if path.startswith("search-index/")}


def _rank(data: Dataset, code: str) -> int:
    return [doc.code for doc in sorted(search.docs(data), key=order_key)].index(code)


def test_a_small_change_rewrites_few_index_files(lists: Path) -> None:
    """A name of the same length keeps the record's number: a handful of files change, where the
    index under one folder named by its digest changed them all. A longer name moves the record
    in the tie order and renumbers those between; the document tables outside stay."""
    before = _index(search.build(_load(lists)))
    rank = _rank(_load(lists), ITEM)
    edit(lists / DEPT / "powers.yml", lambda t: t.replace("    name: 食品生产许可\n", "    name: 食品生产许诺\n", 1))
    after = _index(search.build(_load(lists)))
    assert _rank(_load(lists), ITEM) == rank  # the premise: the record keeps its number
    rewritten = {path for path, data in after.items() if before.get(path) != data}
    assert len(before) > 40 and 1 < len(rewritten) <= 8, sorted(rewritten)
    assert "search-index/meta.json" in rewritten
    assert len(set(before) - set(after)) == len(rewritten) - 1  # the old files of the changed packs go

    edit(lists / DEPT / "powers.yml", lambda t: t.replace("    name: 食品生产许诺\n", "    name: 食品生产许可（已改名）\n", 1))
    longer = _index(search.build(_load(lists)))
    moved = {path for path, data in longer.items() if after.get(path) != data}
    tables = [path for path in after if path.startswith("search-index/d/")]
    assert len(moved) > len(rewritten)
    assert len([path for path in tables if path in longer]) >= len(tables) // 2, sorted(moved)


def _shares(data: Dataset, count: int) -> list[list[str]]:
    names = sorted(search.parts(data))
    return [names[n::count] for n in range(count)]


def test_shards_merged_equal_the_single_build(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    shares = _shares(data, 4)
    assert SITE in shares[0] and all(shares)
    for n, share in enumerate(shares):
        shard = Store(tmp_path / f"shard{n}")
        assert search.build(data, store=shard, departments=share) == {}  # the merge step writes the index
        assert shard.made_count == len(share)
    merged = Store(tmp_path / "merged")
    for n in range(len(shares)):
        merged.absorb(tmp_path / f"shard{n}")
    assert search.build(data, store=merged) == search.build(data)
    assert merged.made_count == 0 and merged.reused == len(search.parts(data))
    # A shard's share missing from the merged store is made by the merge step: still the same index.
    partial = Store(tmp_path / "partial")
    partial.absorb(tmp_path / "shard1")
    assert search.build(data, store=partial) == search.build(data)
    assert partial.made_count == len(search.parts(data)) - len(shares[1])
