"""qingdan migrate on the sample as it was before the model grew (commit ead6165): nothing lost, idempotent.

tests/corpus/sample-ead6165.tar.gz is ``git archive ead6165 lists | gzip -9n``: the
previous sample kept in the tests, so they run on a shallow clone too.
"""

from __future__ import annotations

import datetime as dt
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tree_support import CORPUS
from qingdan.cli import main
from qingdan.load.parse import parse
from qingdan.validate import validate

PREVIOUS = CORPUS / "sample-ead6165.tar.gz"
# What only people can supply after migrating: the clean-up decisions, the national list's
# entries for local measures, and the one item whose name the sample never unified.
NEEDS_PEOPLE = {"cleanup-basis", "local-measure", "inconsistent-item"}


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    with tarfile.open(PREVIOUS) as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "lists"


def _read(lists: Path) -> dict[str, object]:
    return {rel: parse(p.read_text(encoding="utf-8"), rel).data
            for p in sorted(lists.rglob("*.yml")) if (rel := p.relative_to(lists).as_posix())}


def _citations(item: dict) -> Counter:
    cites = (item.get("legal_basis") or []) + (item.get("implementation_basis") or [])
    return Counter(json.dumps(c, ensure_ascii=False, sort_keys=True, default=str) for c in cites)


def _run(lists: Path, *args: str):
    return CliRunner().invoke(main, ["migrate", str(lists), *args])


def test_previous_sample_migrates_without_loss(previous: Path) -> None:
    before = _read(previous)
    checked = _run(previous, "--check")
    assert checked.exit_code == 1 and "需要迁移 4 个" in checked.output
    assert _read(previous) == before  # --check writes nothing

    result = _run(previous)
    assert result.exit_code == 0, result.output
    after = _read(previous)
    assert after.keys() == before.keys()
    moved = 0
    for relpath, old in before.items():
        new = after[relpath]
        if relpath.endswith("powers.yml"):
            for old_item, new_item in zip(old["items"], new["items"], strict=True):
                # Every citation is still there, as 设定依据 or as 实施依据.
                assert _citations(old_item) == _citations(new_item), old_item["code"]
                moved += len(new_item.get("implementation_basis") or [])
                rest = {k: v for k, v in new_item.items() if k not in ("legal_basis", "implementation_basis")}
                assert rest == {k: v for k, v in old_item.items() if k != "legal_basis"}
        elif relpath.endswith("regulations.yml"):
            for old_reg, new_reg in zip(old["items"], new["items"], strict=True):
                if old_reg["validity"] == "已修改":
                    assert new_reg["validity"] == "现行有效" and new_reg["amendments"] == old_reg["amendments"]
                assert {k: v for k, v in new_reg.items() if k != "validity"} == \
                       {k: v for k, v in old_reg.items() if k != "validity"}
        else:
            assert new == old, relpath
    assert moved == 6  # the 部门规章 cited as 设定依据 of licences

    # What is left needs people, and migrate said so.
    report = validate(previous, today=dt.date(2025, 6, 1), prefix="lists/")
    assert {p.code for p in report.errors} == NEEDS_PEOPLE
    assert "basis-level" not in {p.code for p in report.problems}
    assert "待补充 " in result.output and "decision_number" in result.output and "national_entry" in result.output

    again = _run(previous)
    assert again.exit_code == 0 and "已迁移 0 个" in again.output
    assert _read(previous) == after


def test_migration_never_invents_a_setting_basis(tmp_path: Path) -> None:
    """A licence whose only 设定依据 is a 部门规章 keeps it: people must find the law."""
    lists = tmp_path / "lists"
    (lists / "520000-x").mkdir(parents=True)
    (lists / "sources.yml").write_text(
        "items:\n  - id: rule-x\n    title: 某管理办法\n    level: 部门规章\n", encoding="utf-8")
    powers = ("items:\n  - code: \"520000-XK00001000\"\n    name: 某许可\n    power_type: \"01\"\n"
              "    exercise_level: 省\n    legal_basis:\n      - source: rule-x\n")
    (lists / "520000-x" / "powers.yml").write_text(powers, encoding="utf-8")
    result = _run(lists)
    assert result.exit_code == 0
    assert (lists / "520000-x" / "powers.yml").read_text(encoding="utf-8") == powers
    assert "待补充 " in result.output and "事项 520000-XK00001000 的设定依据都不能设定这类权力" in result.output


def test_sample_accountability_cases_belong_to_their_items() -> None:
    """表彰奖励 handles no whistle-blowers: 泄露举报人信息 belongs to 举报奖励 only."""
    root = Path(__file__).resolve().parents[1] / "lists"
    for path in root.glob("*/powers.yml"):
        for item in parse(path.read_text(encoding="utf-8"), path.name).data["items"]:
            cases = "".join(item.get("accountability_cases") or [])
            if "举报人" in cases:
                assert "举报" in item["name"], (path, item["code"])
