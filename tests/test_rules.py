"""Rules across records: one small bad example per rule (tests/corpus/rules.yml), and the clean tree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tree_support import CORPUS, TODAY, VALID_FILES, assert_problems, changed_files
from qingdan.cli import main
from qingdan.rules import Index, _deadline, run, uscc_check_char
from qingdan.validate import validate

RULE_CASES: dict[str, dict] = yaml.safe_load((CORPUS / "rules.yml").read_text(encoding="utf-8"))


def _today(case: dict) -> dt.date:
    value = case.get("today", TODAY)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_rule_case(name: str, make_tree: Callable[..., Path]) -> None:
    case = RULE_CASES[name]
    lists = make_tree(changed_files(case.get("change", {})))
    report = validate(lists, today=_today(case), prefix="lists/")
    assert_problems([p.to_dict() for p in report.problems], case["expect"], absent=tuple(case.get("absent", ())))


def test_valid_tree_has_no_problems(valid_tree: Path) -> None:
    report = validate(valid_tree, today=TODAY, prefix="lists/")
    assert report.problems == []
    assert report.files == len(VALID_FILES)


def test_valid_tree_has_no_problems_after_the_deadline(valid_tree: Path) -> None:
    """Every department published both lists, so the deadline passing changes nothing."""
    assert validate(valid_tree, today=dt.date(2025, 12, 31), prefix="lists/").problems == []


def test_only_warnings_exit_zero(make_tree: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad USCC check character is a warning: reported, but the data is accepted."""
    department = VALID_FILES["520000-scjgj/department.yml"].replace("1234567J", "1234567K")
    lists = make_tree({"520000-scjgj/department.yml": department})
    monkeypatch.chdir(lists.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--no-cache", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "警告 [uscc-checksum]" in result.output
    assert "0 个错误，1 个警告" in result.output


def test_bad_uscc_format_exits_one(make_tree: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    department = VALID_FILES["520000-scjgj/department.yml"].replace("1234567J", "1234567")
    lists = make_tree({"520000-scjgj/department.yml": department})
    monkeypatch.chdir(lists.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--no-cache", "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "错误 [uscc-format]" in result.output


def test_uscc_check_character_matches_gb_32100() -> None:
    # The check character of a published code (GB 32100-2015 appendix example layout).
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert uscc_check_char("11520000MB1234567") == "J"


@pytest.mark.parametrize(("month_day", "expected"), [
    ("09-30", dt.date(2025, 9, 30)),
    ("02-29", dt.date(2025, 2, 28)),
    ("02-31", dt.date(2025, 2, 28)),
    ("12-31", dt.date(2025, 12, 31)),
    ("9月30日", None),
    (None, None),
])
def test_deadline_never_raises(month_day: str | None, expected: dt.date | None) -> None:
    assert _deadline(month_day, 2025) == expected


def test_an_unreadable_registry_causes_no_cascade() -> None:
    """With regions.yml and sources.yml unreadable, nothing is 'not in regions.yml' or unknown."""
    facts = {
        "regions.yml": {}, "sources.yml": {},
        "a/department.yml": {"department": {"id": "a", "name": "甲", "region": "520000",
                                            "uscc": "11520000MB1234567J"}, "department_folder": "a"},
        "a/powers.yml": {"department_folder": "a", "powers": [{
            "code": "520000-XK00001000", "name": "x", "type": "01", "loc": ["items", 0], "status": "在用",
            "effective": None, "sub_codes": [], "departments": [["b", ["items", 0, "co_implementers", 0]]],
            "cites": [{"source": "law-x", "articles": None, "loc": ["items", 0, "legal_basis", 0, "source"]}],
        }]},
        "b/department.yml": {},
    }
    problems = run(Index(facts, today=TODAY))
    assert [p.code for p in problems] == []


def test_site_may_lower_inconsistent_items_to_warnings(make_tree: Callable[..., Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """同一事项同一标准 is an error; during a transition the site may report it as a warning."""
    powers = VALID_FILES["520100-scjgj/powers.yml"].replace("name: 食品经营许可", "name: 食品经营许可证核发")
    strict = make_tree({"520100-scjgj/powers.yml": powers})
    found = validate(strict, today=TODAY, prefix="lists/").problems
    assert [(p.code, p.severity) for p in found] == [("inconsistent-item", "error")]
    lenient = make_tree({"520100-scjgj/powers.yml": powers,
                         "site.yml": VALID_FILES["site.yml"] + "inconsistent_item: warning\n"})
    monkeypatch.chdir(lenient.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--no-cache", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "警告 [inconsistent-item]" in result.output and "0 个错误，1 个警告" in result.output


def test_the_brief_of_a_power_list_holds_its_items_setting_sources(tmp_path: Path) -> None:
    """facts.py gives each item's own 设定依据 ready (in the worker that read the file); it is what
    the cites say: the main item's legal_basis, not 实施依据, 追责依据 or a sub-item's."""
    from qingdan.rules import _legal_basis, brief
    from qingdan.samples.synth import write_dataset
    from qingdan.validate import check

    write_dataset(tmp_path, 300, seed=2)
    facts = check(tmp_path / "lists", today=TODAY).facts
    items = [item for f in facts.values() for item in f.get("powers", ())]
    assert items and all(tuple(item["basis"]) == _legal_basis(item) for item in items)
    assert any(len(item["cites"]) > len(item["basis"]) for item in items)
    for f in facts.values():
        if f.get("powers"):
            powers = brief(f)["powers"]
            assert [powers["basis_sets"][n] for n in powers["basis"]] == [_legal_basis(i) for i in f["powers"]]
