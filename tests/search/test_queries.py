"""Real queries over the sample lists, answered by search.js under node as in the browser.

Each case names the record that must come first. The sample data cites
《中华人民共和国食品安全法》第三十五条 for 食品生产许可 in both the province
(520000) and the city (520100); equal names rank by code, so the province's
item comes first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import node_runner as node

# (query, code of the first result, why)
FIRST: list[tuple[str, str, str]] = [
    ("食品生产许可", "520000-XK00001000", "exact item name"),
    ("食品经营许可", "520000-XK00002000", "exact name beats the repealed 食品经营许可（仅销售预包装食品）"),
    ("食品", "520000-XK00001000", "names starting with the query, shortest first"),
    ("许可证", "520100-CF00801000", "name contains 许可证; the shorter 食品生产许可证延续 is repealed"),
    ("罚款", "520100-CF00602000", "found in quoted article text (处…罚款)"),
    ("劳务派遣", "520100-XK00701000", "name starts with the query"),
    ("居住证", "520100-QR00602000", "item 居住证核发 before the source 居住证暂行条例 (shorter name)"),
    ("机动车驾驶证", "520100-XK00602000", "name contains"),
    ("食品安全法", "law-food-safety", "law by its short title"),
    ("行政强制法", "law-admin-coercion", "law by its short title"),
    ("行政处罚法", "law-admin-penalty", "the version in force before the amended one"),
    ("中华人民共和国道路交通安全法", "law-road-traffic", "full law title"),
    ("食品安全法第三十五条", "520000-XK00001000", "law + article"),
    ("《中华人民共和国食品安全法》第三十五条", "520000-XK00001000", "citation as written"),
    ("道路交通安全法第九十一条", "520100-CF00602000", "law + article, shorter name first"),
    ("价格法第三十九条", "520000-CF00011000", "law + article"),
    ("未取得食品生产许可", "520000-CF00001000", "AND of every bigram"),
    ("520000-XK00001000", "520000-XK00001000", "full item code"),
    ("520100-xk00001001", "520100-XK00001000", "sub-item code, lower case"),
    ("XK00001", "520000-XK00001000", "code prefix without the region"),
    ("ＸＫ００００１", "520000-XK00001000", "full-width code"),
    ("520100-CF", "520100-CF00602000", "code prefix: region + type; of the shortest names, that of the first department (gaj)"),
    ("203001", "203001", "negative-list item code"),
    ("520000-DF-2016-003", "520000-DF-2016-003", "regulation code"),
    ("示例省市场监督管理局", "520000-scjgj", "department name"),
    ("示例市公安局", "520100-gaj", "department name"),
    ("示例省物业管理条例", "520000-DF-2007-001", "regulation title"),
    ("520100 食品", "520100-XK00001000", "region code and a word: name holds the word"),
    ("建筑施工许可", "520100-XK00801000", "4 of 5 bigrams: 建筑工程施工许可 lacks only 筑施"),
    ("营业执照", "520100-XK00051000", "synonym group: 营业执照 → 市场主体登记"),
    ("水资源费改为征收水资源税", "520100-ZS00909000", "the repeal reason of the repealed item"),
    ("职业介绍许可", "520000-DF-2000-001", "the clean-up reason of a repealed regulation"),
]


@pytest.fixture(scope="module")
def answers(sample_site: Path) -> dict[str, dict[str, Any]]:
    queries = [q for q, _code, _why in FIRST] + [
        "第三十五条", "第35条", "未取得食品生产许可", "量子计算机", "市场监督管理局", "水", "x", "许可",
        "营业执照",
    ]
    return {r["query"]: r for r in node.query(sample_site, list(dict.fromkeys(queries)), limit=10)}


@pytest.mark.parametrize(("query", "code", "why"), FIRST, ids=[q for q, _c, _w in FIRST])
def test_first_result(answers: dict[str, dict[str, Any]], query: str, code: str, why: str) -> None:
    results = answers[query]["results"]
    assert results, f"{query!r} found nothing ({why})"
    assert results[0]["code"] == code, f"{query!r}: {why}; got {[r['code'] for r in results[:3]]}"


def test_documents_with_every_bigram_come_first(answers: dict[str, dict[str, Any]]) -> None:
    # Every bigram of 未取得食品生产许可: only the penalty items for unlicensed
    # food production hold them all, and they come before the partial matches.
    narrow = answers["未取得食品生产许可"]
    assert narrow["tokens"] == ["未取", "取得", "得食", "食品", "品生", "生产", "产许", "许可"]
    assert 1 <= narrow["complete"] <= 3
    lacks = [r["lacks"] for r in narrow["results"]]
    assert lacks == sorted(lacks) and lacks[:narrow["complete"]] == [0] * narrow["complete"]
    assert lacks[narrow["complete"]] > 0, "partial matches follow the complete ones"
    assert answers["许可"]["total"] > 10 * narrow["complete"]


def test_partial_matches_need_half_the_tokens(answers: dict[str, dict[str, Any]]) -> None:
    # 8 tokens: a document needs 4 of them; every result shown holds at least that.
    assert all(r["lacks"] <= 4 for r in answers["未取得食品生产许可"]["results"])
    # Nothing holds a single bigram of 量子计算机: still no result at all.
    assert answers["量子计算机"]["total"] == 0


def test_synonyms_are_data(answers: dict[str, dict[str, Any]]) -> None:
    from qingdan.search.synonyms import default_groups

    assert any("营业执照" in g and "市场主体登记" in g for g in default_groups())
    assert "市场主体登记" in answers["营业执照"]["alternatives"]


def test_article_is_one_token(answers: dict[str, dict[str, Any]], sample: Any) -> None:
    # 第三十五条 must not match a citation of 第三十条 plus one of 第二十五条.
    article = answers["第三十五条"]
    assert article["tokens"] == ["第三十五条"]
    citing = {code for code, item in sample.powers.items()
              if any(b.articles and "第三十五条" in b.articles for b in item.legal_basis)}
    assert citing and {r["code"] for r in article["results"]} <= citing | {
        item.code for items in sample.negative_lists.values() for item in items.items}


def test_arabic_article_number(answers: dict[str, dict[str, Any]]) -> None:
    assert answers["第35条"]["tokens"] == ["第三十五条"]
    assert answers["第35条"]["results"] == answers["第三十五条"]["results"]


def test_no_result(answers: dict[str, dict[str, Any]]) -> None:
    assert answers["量子计算机"]["total"] == 0
    assert answers["量子计算机"]["results"] == []


def test_single_letter_is_not_a_query(answers: dict[str, dict[str, Any]]) -> None:
    assert answers["x"]["tokens"] == [] and answers["x"]["total"] == 0


def test_single_character_uses_unigrams(answers: dict[str, dict[str, Any]]) -> None:
    water = answers["水"]
    assert water["tokens"] == ["水"] and water["total"] >= 5
    assert all("水" in r["name"] for r in water["results"][:5])


def test_departments_before_their_items(answers: dict[str, dict[str, Any]]) -> None:
    codes = [r["code"] for r in answers["市场监督管理局"]["results"][:2]]
    assert sorted(codes) == ["520000-scjgj", "520100-scjgj"]


def test_results_link_to_record_pages(answers: dict[str, dict[str, Any]]) -> None:
    paths = {r["kind"]: r["path"] for q in ("食品生产许可", "食品安全法", "示例市公安局", "203001",
                                           "示例省物业管理条例") for r in answers[q]["results"][:1]}
    assert paths["department"] == "departments/520100-gaj/"
    assert paths["power"] == "items/520000-XK00001000/"
    assert paths["source"] == "sources/law-food-safety/"
    assert paths["negative"] == "negative-list/203001/"
    assert paths["regulation"] == "regulations/520000-DF-2007-001/"


def test_every_record_finds_itself(sample_site: Path, sample: Any) -> None:
    """Each record's own name and code bring it up with a name or code match."""
    from qingdan.search import docs

    records = docs(sample)
    queries = sorted({d.name for d in records} | {d.code for d in records})
    found = {r["query"]: r["results"] for r in node.query(sample_site, queries, limit=10)}
    for doc in records:
        by_name = [r for r in found[doc.name] if r["path"] == doc.path]
        assert by_name and by_name[0]["tier"] <= 1, f"{doc.name} not found by its name"
        by_code = [r for r in found[doc.code] if r["path"] == doc.path]
        assert by_code and by_code[0]["tier"] <= 3, f"{doc.code} not found by its code"


def test_pasted_article_text(sample_site: Path, sample: Any) -> None:
    """A whole quoted article caps at 32 tokens and still finds the items quoting it."""
    text = ("国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。"
            "但是，销售食用农产品和仅销售预包装食品的，不需要取得许可。")
    quoting = {code for code, item in sample.powers.items() if any(b.text == text for b in item.legal_basis)}
    [answer] = node.query(sample_site, [text], limit=20)
    assert len(answer["tokens"]) == 32
    assert len(quoting) >= 2 and quoting <= {r["code"] for r in answer["results"]}
