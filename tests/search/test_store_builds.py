"""search.build with a build store: the same bytes as without one after every kind of edit, few
files rewritten after a small one, and a sharded build merged into the single build's index."""

from __future__ import annotations

import json
import marshal
import shutil
from pathlib import Path

import pytest

import node_runner as node

from qingdan import search
from qingdan.dataset import Dataset, load_dataset
from qingdan.samples.synth import write_dataset
from qingdan.search import SITE
from qingdan.search.index import BLOCKS, PART_DOCS
from qingdan.search.postings import ALPHABET
from qingdan.store import Store

from sample_support import SAMPLE
from edit_support import DEPT, ITEM, add_item, edit, kinds_of_edit

MOST_MADE = {"a department renamed": 3, "a source retitled": 99,  # parts tokenised again; others: 1
             "a local regulation retitled": 3}  # the parts that show its title


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
    blobs = sorted(blob for blob in (tmp_path / "store").rglob("*") if blob.is_file())
    assert len(blobs) > len(search.parts(data))  # the parts, and the shards
    for n, blob in enumerate(blobs):  # garbage, cut short, or another shape of marshal data
        kept = blob.read_bytes()
        blob.write_bytes((b"\x00damaged", kept[: len(kept) // 2], marshal.dumps({"tokens": 1}))[n % 3])
    again = Store(tmp_path / "store")
    assert search.build(data, store=again) == want and again.made_count == len(search.parts(data))
    # The blobs made again are whole: the next build reads them all.
    third = Store(tmp_path / "store")
    assert search.build(data, store=third) == want and third.made_count == 0


def _index(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if path.startswith("search-index/")}


def _blocks(index: dict[str, bytes]) -> dict[str, dict[int, str]]:
    """token → part index → its block, read from every shard (and frequent-token file)."""
    out: dict[str, dict[int, str]] = {}
    for path, data in index.items():
        if not path.startswith("search-index/t/"):
            continue
        for token, value in json.loads(data).items():
            if value.startswith("@"):
                value = index[f"search-index/p/{value[1:]}.txt"].decode()
            out[token] = {}
            for block in value.split(BLOCKS):
                at = next(n for n, char in enumerate(block) if ALPHABET.index(char) < 32) + 1
                part = 0
                for char in block[:at]:
                    part = part * 32 + ALPHABET.index(char) % 32
                out[token][part] = block[at:]
    return out


def _parts_changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[int]:
    """The parts whose block of some token differs between the two indexes."""
    old, new = _blocks(before), _blocks(after)
    return {part for token in old.keys() | new.keys()
            for part in old.get(token, {}).keys() | new.get(token, {}).keys()
            if old.get(token, {}).get(part) != new.get(token, {}).get(part)}


def _meta(index: dict[str, bytes]) -> dict:
    return json.loads(index["search-index/meta.json"])


def _row(index: dict[str, bytes], code: str) -> tuple[int, int]:
    """(table, row) of the document ``code`` in its part's document tables."""
    for path, data in index.items():
        if path.startswith("search-index/d/"):
            for row, doc in enumerate(json.loads(data)):
                if doc[2] == code:
                    return int(path.rsplit("/", 1)[1].removesuffix(".json")), row
    raise AssertionError(code)


def test_a_rename_changes_only_its_departments_blocks(lists: Path) -> None:
    """A longer name (which moved the record past hundreds of others in the old global tie
    order) keeps every number: only its department's blocks of the tokens of the old and new
    name change, and a handful of files."""
    data = _load(lists)
    dept = sorted(search.parts(data)).index(DEPT)
    before = _index(search.build(data))
    edit(lists / DEPT / "powers.yml", lambda t: t.replace("    name: 食品生产许可\n", "    name: 食品生产许可（已改名）\n", 1))
    after = _index(search.build(_load(lists)))
    assert _meta(after)["parts"] == _meta(before)["parts"] and _row(after, ITEM) == _row(before, ITEM)
    assert _parts_changed(before, after) == {dept}
    old, new = _blocks(before), _blocks(after)
    changed = {token for token in old.keys() | new.keys() if old.get(token) != new.get(token)}
    assert {"改名", "已改"} <= changed and len(changed) <= 12, sorted(changed)
    rewritten = {path for path, data in after.items() if before.get(path) != data}
    assert "search-index/meta.json" in rewritten and len(before) > 40 and len(rewritten) <= 10, sorted(rewritten)
    # The class file (the name is longer) and the renamed item's pack of tables; other parts' tables stay.
    assert sum(path.startswith("search-index/c/") for path in rewritten) == 1
    tables = [path for path in rewritten if path.startswith("search-index/d/")]
    assert tables and len({path.rsplit("/", 1)[0] for path in tables}) == 1
    assert len(set(before) - set(after)) == len(rewritten) - 1  # the old files of the changed packs go


def test_an_added_item_renumbers_its_department_only(lists: Path) -> None:
    data = _load(lists)
    dept = sorted(search.parts(data)).index(DEPT)
    before = _index(search.build(data))
    edit(lists / DEPT / "powers.yml", add_item)
    after = _index(search.build(_load(lists)))
    sizes, grown = _meta(before)["parts"], _meta(after)["parts"]
    assert grown[dept] == sizes[dept] + 1 and grown[:dept] + grown[dept + 1 :] == sizes[:dept] + sizes[dept + 1 :]
    assert _parts_changed(before, after) == {dept}
    # The other parts' packs of document tables are the same files, in the same places.
    assert _packs(before)[:dept] + _packs(before)[dept + 1 :] == _packs(after)[:dept] + _packs(after)[dept + 1 :]
    assert {path: data for path, data in before.items() if path.startswith("search-index/d/")
            and path.split("/")[2] not in _packs(before)[dept]}.items() <= after.items()


def _packs(index: dict[str, bytes]) -> list[list[str]]:
    """The digests of each part's packs of document tables."""
    meta = _meta(index)
    out, at = [], 0
    for size in meta["parts"]:
        count = -(-(-(-size // meta["docShard"])) // meta["tablePack"])
        out.append(meta["d"][at : at + count])
        at += count
    return out


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


def test_a_large_department_is_cut_into_parts_and_a_rename_encodes_one(tmp_path: Path) -> None:
    """A department of more items than PART_DOCS is in several parts: renaming one item encodes
    its part alone, the numbers stay, and the index is the one a build without a store makes."""
    write_dataset(tmp_path, 1200)
    lists = tmp_path / "lists"
    data = _load(lists)
    sizes = {name: len(docs) for name, docs in search.parts(data).items()}
    big = max(sizes, key=sizes.__getitem__)
    assert sizes[big] > 2 * PART_DOCS  # three parts at least
    folder = tmp_path / "store"
    before = _index(search.build(data, store=Store(folder)))
    counts = _meta(before)["parts"]
    first = sum(-(-size // PART_DOCS) or 1 for name, size in sizes.items() if name < big)
    assert counts[first : first + 3] == [PART_DOCS, PART_DOCS, min(sizes[big] - 2 * PART_DOCS, PART_DOCS)]
    assert len(counts) > len(sizes) and max(counts) <= PART_DOCS and sum(counts) == sum(sizes.values())
    # Rename the department's last item (in code order: its last part).
    powers = lists / big / "powers.yml"
    last = max(code for code, dept in data.owner.items() if dept == big and code in data.powers)
    name = data.powers[last].name
    edit(powers, lambda t: t.replace(f"    name: {name}\n", f"    name: {name}（已改名）\n", 1))
    data = _load(lists)
    store = Store(folder)
    after = _index(search.build(data, store=store))
    assert after == _index(search.build(data))
    assert store.made_count == 1 and _meta(after)["parts"] == counts
    assert _parts_changed(before, after) == {first + -(-sizes[big] // PART_DOCS) - 1}  # its last part
    # The browser's engine finds it by its new name, in its department's last part.
    (found,) = node.query(node.write_site(search.build(data), tmp_path / "site"), [f"{name}（已改名）"])
    assert found["results"][0]["name"] == f"{name}（已改名）", found


def test_a_rebuild_reads_only_the_changed_departments_records(lists: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The store lists each department's part keys by its files and what its records show from elsewhere:
    after one item's name changes, only that department's records (and the site part, which reads every
    department's file) are read as search sees them; after a department is renamed (its name is shown by
    the items other departments implement with it), all of them."""
    folder = tmp_path / "store"
    search.build(_load(lists), store=Store(folder))
    asked: list[list[str]] = []
    real = search.parts
    monkeypatch.setattr(search, "parts", lambda data, departments=None: asked.append(sorted(departments or [])) or
                        real(data, departments))
    edits = dict(kinds_of_edit(lists))
    edits["an item field"]()
    data = _load(lists)
    assert search.build(data, store=Store(folder)) == search.build(data)
    assert asked[0] == [SITE, DEPT]
    asked.clear()
    edits["a department renamed"]()
    data = _load(lists)
    assert search.build(data, store=Store(folder)) == search.build(data)
    assert asked[0] == sorted(search.records.part_names(data))


def test_a_listed_part_gone_from_the_store_has_its_department_read_again(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    folder = tmp_path / "store"
    want = search.build(data, store=Store(folder))
    before = {blob.name for blob in folder.rglob("*") if blob.is_file()}
    dict(kinds_of_edit(lists))["an item field"]()  # a department's part made again: the new blobs are its
    data = _load(lists)
    changed = Store(folder)
    want = search.build(data, store=changed)
    made = sorted(blob for blob in folder.rglob("*") if blob.is_file() and blob.name not in before)
    for blob in made:
        blob.unlink()  # its listing and its part, its shards: pruned, as by a store's prune
    again = Store(folder)
    assert search.build(data, store=again) == want == search.build(data)
    assert again.made_count >= 1
