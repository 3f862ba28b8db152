"""The files qingdan.search.build adds to the site, and how the index scales."""

from __future__ import annotations

import json
from pathlib import Path

from qingdan.dataset import load_dataset
from qingdan.search import SearchDoc, build_index, docs
from qingdan.search.index import build_parts
from qingdan.search import parts as sample_parts
from qingdan.samples.synth import write_dataset
from qingdan.search.index import DOC_SHARD, SPLIT_BYTES, TABLE_PACK

import node_runner as node


def _meta(files: dict[str, bytes]) -> dict:
    return json.loads(files["search-index/meta.json"])


def test_build_adds_index_and_assets(sample_files: dict[str, bytes], sample) -> None:
    meta = _meta(sample_files)
    assert meta["docs"] == len(docs(sample))
    assert "assets/qingdan/search.js" in sample_files and "assets/qingdan/search.css" in sample_files
    index = [p for p in sample_files if p.startswith("search-index/")]
    assert len(index) == len(sample_files) - 2
    assert all(not p.startswith("/") and ".." not in p for p in sample_files)
    # Shards and document tables live in folders named by their pack's digest, listed in meta.json.
    shards = sorted(p for p in index if p.startswith("search-index/t/"))
    assert shards == sorted(f"search-index/t/{meta['t'][n // meta['pack']]}/{n}.json" for n in range(meta["shards"]))
    assert meta["shards"] & (meta["shards"] - 1) == 0
    # Document tables: each part's own, numbered from 0 in each part, TABLE_PACK to a pack.
    assert sum(meta["parts"]) == meta["docs"] and len(meta["parts"]) == len(sample_parts(sample))
    expected, pack = [], 0
    for size in meta["parts"]:
        count = -(-size // DOC_SHARD)
        expected += [f"search-index/d/{meta['d'][pack + n // TABLE_PACK]}/{n}.json" for n in range(count)]
        pack += -(-count // TABLE_PACK)
    assert pack == len(meta["d"])
    tables = sorted(p for p in index if p.startswith("search-index/d/"))
    assert tables == sorted(expected)
    classes = f"search-index/c/{meta['c']}.txt"
    assert len(sample_files[classes]) == meta["docs"]
    assert set(index) == {"search-index/meta.json", classes, *shards, *tables, *(p for p in index if "/p/" in p)}
    for path in shards + tables:
        json.loads(sample_files[path])


def test_build_is_deterministic(sample, sample_files: dict[str, bytes]) -> None:
    from qingdan import search

    assert search.build(sample) == sample_files


def test_file_names_change_with_content() -> None:
    one = build_index([SearchDoc("power", "食品生产许可", "520000-XK00001000", "行政许可")])
    two = build_index([SearchDoc("power", "食品经营许可", "520000-XK00002000", "行政许可")])
    assert _meta(one)["t"] != _meta(two)["t"] and _meta(one)["d"] != _meta(two)["d"]
    # A path names its bytes: files that differ never share one (both names are 6 characters and
    # in force: the same tie class, so the same class file).
    shared = set(one) & set(two) - {"search-index/meta.json"}
    assert shared == {f"search-index/c/{_meta(one)['c']}.txt"}
    assert all(one[path] == two[path] for path in shared)


def test_empty_index_answers_nothing(tmp_path: Path) -> None:
    site = node.write_site(build_index([]), tmp_path)
    assert node.query(site, ["食品"])[0]["total"] == 0


def test_frequent_tokens_get_their_own_file(tmp_path: Path) -> None:
    # 3,000 penalties share 行政处罚: its lists must not weigh on its shard.
    records = [SearchDoc("power", f"对第{n}类违法行为的行政处罚", f"520000-CF{n:05d}000", "行政处罚")
               for n in range(3000)]
    records.append(SearchDoc("power", "食品生产许可", "520000-XK00001000", "行政许可"))
    files = build_index(records)
    split = [p for p in files if "/p/" in p]
    assert split and all(len(files[p]) > SPLIT_BYTES for p in split)
    site = node.write_site(files, tmp_path)
    penalty, licence = node.query(site, ["行政处罚", "食品生产许可"])
    assert penalty["total"] == 3000 and penalty["results"][0]["name"] == "对第0类违法行为的行政处罚"
    assert licence["total"] == 1 and not any("/p/" in path for path, _size in licence["fetched"])


def test_first_query_fetches_little(tmp_path: Path) -> None:
    """A 2,000-item synthetic site: a first query reads a few shards, not the index."""
    write_dataset(tmp_path / "data", 2000, seed=0)
    data = load_dataset(tmp_path / "data" / "lists")
    files = build_index(docs(data))
    total = sum(len(v) for v in files.values())
    site = node.write_site(files, tmp_path / "site")
    for answer in node.query(site, ["食品生产许可", "罚款", "990000-CF", "示例省司法厅"]):
        assert answer["total"] > 0, answer["query"]
        assert answer["bytes"] < min(120_000, total / 5), answer


def test_tie_order_spans_parts(tmp_path: Path) -> None:
    """Numbers run part after part, yet ties follow the class file: in force first, shorter names
    first. 40 long penalty items for 食品 sit in the first department (the lowest numbers) and
    食品生产许可 in the last: the licence still comes first for 食品, then the penalties, shortest
    first; the repealed 食品许可 comes after them all (in force before shorter names), so not on
    the first page."""
    penalties = [SearchDoc("power", "对食品生产者" + "未按规定" * (1 + n % 4) + f"第{n}类行为的行政处罚",
                           f"520000-CF{n:05d}000", "行政处罚") for n in range(40)]
    repealed = SearchDoc("power", "食品许可", "520000-XK00009000", "行政许可", status="已废止")
    licence = SearchDoc("power", "食品生产许可", "520900-XK00001000", "行政许可")
    files = build_parts({"520000-a": [*penalties, repealed], "520900-z": [licence]})
    meta = _meta(files)
    assert meta["parts"] == [41, 1]
    site = node.write_site(files, tmp_path)
    [answer] = node.query(site, ["食品"], limit=10)
    names = [r["name"] for r in answer["results"]]
    assert answer["total"] == 42 and names[0] == "食品生产许可" and "食品许可" not in names, names
    lengths = [len(name) for name in names[1:]]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1], names
