"""The index (Python) and the query side (search.js) must cut text and hash tokens alike.

Python never ranks; these tests make sure what it writes is what search.js reads.
"""

from __future__ import annotations

import random

import pytest

from qingdan.search import docs
from qingdan.search.index import BLOCKS, FIELDS, LISTS
from qingdan.search.postings import BITMAP, encode, number, token_hash
from qingdan.search.tokens import compact, index_tokens, segments

import node_runner as node

EDGE_CASES = [
    "", " ", "《中华人民共和国食品安全法》第三十五条第一款",
    "520000-XK00001000", "520000--XK", "-a-b-", "a..b", "GB/T 2260-2007", "ＸＫ００００１",
    "食品ABC经营", "第一百一十条第四项", "第（一）项", "𠀀𠀁𠀂 extension B", "Ⅻ ﬁ ｶ",
    "事项编码：520100-CF00601000（子项 001）", "x", "9", "a_b.c/d-e", "Élan İstanbul",
    "未取得食品生产许可", "《工伤保险条例》第十七条、第二十条",
]


def _sample_texts(sample) -> list[str]:
    texts = set(EDGE_CASES)
    for doc in docs(sample):
        for values in doc.fields().values():
            texts.update(v for v in values if v)
    return sorted(texts)


@pytest.fixture(scope="module")
def probes(sample) -> dict[str, dict]:
    texts = _sample_texts(sample)
    return dict(zip(texts, node.probe(texts)))


def test_segments_agree(probes: dict[str, dict]) -> None:
    for text, js in probes.items():
        assert [list(s) for s in segments(text)] == js["segments"], text
        assert compact(text) == js["compact"], text


def test_query_tokens_are_indexed(probes: dict[str, dict]) -> None:
    """A record holding a text is found by a query for that text."""
    for text, js in probes.items():
        missing = set(js["tokens"]) - index_tokens(text)
        assert not missing, f"{text!r}: search.js asks for {missing} that the index lacks"


def test_hashes_agree(probes: dict[str, dict]) -> None:
    tokens = {t: h for js in probes.values() for t, h in zip(js["tokens"], js["hashes"])}
    assert len(tokens) > 200
    assert all(token_hash(t) == h for t, h in tokens.items())


def test_posting_lists_round_trip() -> None:
    rng = random.Random(7)
    lists = [[0], [5], [31, 32], [1023, 1024, 40000], list(range(0, 3000, 2)), list(range(100, 400)),
             sorted(rng.sample(range(100_000), 5_000)), sorted(rng.sample(range(2_000_000), 50))]
    encoded = [encode(ids) for ids in lists]
    assert any(e.startswith(BITMAP) for e in encoded), "dense lists should use the bitmap form"
    assert any(not e.startswith(BITMAP) for e in encoded)
    assert node.decode(encoded) == lists


def test_bitmap_is_smaller_for_dense_lists() -> None:
    dense = list(range(10_000))
    assert encode(dense).startswith(BITMAP) and len(encode(dense)) < 2_000


def test_values_of_several_parts_round_trip() -> None:
    """A token's value as index.py writes it (one block per part holding it: the part's index,
    then its four lists in its own numbering) decodes to global numbers, part after part."""
    rng = random.Random(11)
    sizes = [rng.choice([0, 3, 40, 700, 5000]) for _ in range(40)]  # 40 parts: indices of two characters too
    bases = [sum(sizes[:n]) for n in range(len(sizes))]
    cases = []
    for _ in range(30):
        blocks, want = [], [[], [], [], []]
        for part in sorted(rng.sample([n for n, size in enumerate(sizes) if size], rng.randint(1, 8))):
            lists = [sorted(rng.sample(range(sizes[part]), rng.randint(0, sizes[part]) if rng.random() < 0.5 else 0))
                     for _ in FIELDS]
            if not any(lists):
                lists[rng.randrange(len(FIELDS))] = [rng.randrange(sizes[part])]
            blocks.append(number(part) + LISTS.join(encode(found) for found in lists).rstrip(LISTS))
            for field, found in enumerate(lists):
                want[field] += [bases[part] + n for n in found]
        cases.append((BLOCKS.join(blocks), want))
    assert any(value.count(BLOCKS) >= 4 for value, _want in cases) and any("~" in value for value, _want in cases)
    assert node.decode_values([(value, bases) for value, _want in cases]) == [want for _value, want in cases]
    assert node.decode_values([("", bases)]) == [[[], [], [], []]]
