"""The synthetic dataset: complete, valid, deterministic, realistic in size."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml_rs
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.layout import kind_of
from qingdan.load import discover
from qingdan.rules import uscc_check_char
from qingdan.samples.synth import REGIONS, _departments, chinese_number, write_dataset
from qingdan.validate import validate

ITEMS = 600


@pytest.fixture(scope="module")
def synth_lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_dataset(out, ITEMS, seed=7)
    return out / "lists"


def _load(path: Path) -> dict:
    return yaml_rs.loads(path.read_text(encoding="utf-8"), parse_datetime=False)


def _tree_bytes(lists: Path) -> dict[str, bytes]:
    return {relpath: (lists / relpath).read_bytes() for relpath in discover(lists)}


def test_tree_is_complete_and_has_no_problems(synth_lists: Path) -> None:
    report = validate(synth_lists, workers=1)
    assert [p.code for p in report.problems] == []
    relpaths = discover(synth_lists)
    assert all(kind_of(r) is not None for r in relpaths)
    kinds = {kind_of(r).key for r in relpaths}
    assert kinds == {"site", "regions", "sources", "department", "powers", "responsibilities",
                     "negative_list", "regulations"}
    regions = _load(synth_lists / "regions.yml")["items"]
    assert [r["level"] for r in regions].count("省") == 1 and len(regions) >= 4


def test_item_count_is_exact(synth_lists: Path) -> None:
    counts = [len(_load(p)["items"]) for p in sorted(synth_lists.glob("*/powers.yml"))]
    assert sum(counts) == ITEMS
    assert len(counts) >= 2


def test_items_are_realistic_in_size(synth_lists: Path) -> None:
    files = sorted(synth_lists.glob("*/powers.yml"))
    size = sum(p.stat().st_size for p in files)
    assert 1500 <= size / ITEMS <= 2100
    item = _load(files[0])["items"][0]
    assert len(item["legal_basis"]) == 2 and all(b["text"] for b in item["legal_basis"])
    assert len(item["responsibilities"]) == 5
    assert len(item["accountability_cases"]) == 3


def test_codes_and_types_are_quoted_and_dates_are_not(synth_lists: Path) -> None:
    text = next(synth_lists.glob("*/powers.yml")).read_text(encoding="utf-8")
    assert re.search(r'^  - code: "\d{6}-[A-Z]{2}\d{8}"$', text, re.MULTILINE)
    assert re.search(r'^    power_type: "\d\d"$', text, re.MULTILINE)
    assert re.search(r"^    effective: \d{4}-\d\d-\d\d$", text, re.MULTILINE)


def test_department_usccs_have_correct_check_characters(synth_lists: Path) -> None:
    usccs = [_load(p)["uscc"] for p in synth_lists.glob("*/department.yml")]
    assert usccs
    for uscc in usccs:
        assert len(uscc) == 18 and uscc.startswith("11")
        assert uscc[17] == uscc_check_char(uscc[:17])


def test_regions_share_base_codes_consistently(synth_lists: Path) -> None:
    seen: dict[str, dict[str, tuple]] = {}
    for path in synth_lists.glob("*/powers.yml"):
        for item in _load(path)["items"]:
            if item.get("status", "在用") != "在用":
                continue
            region, base = item["code"][:6], item["code"][7:14]
            sources = tuple(sorted(b["source"] for b in item["legal_basis"] + item["accountability_basis"]))
            seen.setdefault(base, {})[region] = (item["name"], item["power_type"], sources)
    shared = {base: by_region for base, by_region in seen.items() if len(by_region) > 1}
    assert shared, "no base code is shared between regions"
    assert any(REGIONS[0][0] in by_region for by_region in shared.values()), "the province shares no item"
    for by_region in shared.values():
        assert len(set(by_region.values())) == 1


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    write_dataset(tmp_path / "a", 150, seed=3)
    write_dataset(tmp_path / "b", 150, seed=3)
    write_dataset(tmp_path / "c", 150, seed=4)
    first = _tree_bytes(tmp_path / "a" / "lists")
    assert first == _tree_bytes(tmp_path / "b" / "lists")
    assert first != _tree_bytes(tmp_path / "c" / "lists")


def test_rewrites_its_own_output_but_never_other_data(tmp_path: Path) -> None:
    write_dataset(tmp_path, 300)
    write_dataset(tmp_path, 100)
    counts = [len(_load(p)["items"]) for p in (tmp_path / "lists").glob("*/powers.yml")]
    assert sum(counts) == 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lists"]  # nothing left aside

    real = tmp_path / "real"
    (real / "lists").mkdir(parents=True)
    (real / "lists" / "site.yml").write_text("name: 正式站点\n", encoding="utf-8")
    with pytest.raises(QingdanError, match="不是合成数据"):
        write_dataset(real, 10)
    assert (real / "lists" / "site.yml").read_text(encoding="utf-8") == "name: 正式站点\n"


def test_large_datasets_spread_over_realistic_department_files() -> None:
    depts = _departments(100_000, 0)
    assert 50 <= len(depts) <= 100
    assert sum(d.items for d in depts) == 100_000
    assert all(100 <= d.items <= 2000 for d in depts)
    assert len({d.id for d in depts}) == len(depts)


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"),
                                         (105, "一百零五"), (110, "一百一十"), (119, "一百一十九")])
def test_chinese_numbers(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_cli_writes_a_dataset(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["synth", "--items", "40", "--out", str(tmp_path), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "40" in result.output
    assert validate(tmp_path / "lists", workers=1).problems == []


def test_cli_refuses_to_overwrite_real_data(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "site.yml").write_text("name: 正式站点\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["synth", "--items", "5", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "不是合成数据" in result.output
    assert "Traceback" not in result.output
