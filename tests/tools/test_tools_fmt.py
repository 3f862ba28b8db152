"""qingdan fmt: canonical, lossless (data and comments), idempotent; --check on the sample lists/."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qingdan import model
from qingdan.cli import main
from qingdan.fmt import format_text, render
from qingdan.load import read_file
from qingdan.load.parse import parse

from toolsupport import SAMPLE, needs_sample


MESSY = """\
# 权力清单（手工编辑）
items:
- name: 食品经营许可   # 主项名称
  legal_basis:
  - text: 国家对食品生产经营实行许可制度。
    source: law-food-safety
    articles: 第三十五条
  code: 520000-XK00001000
  effective: "2020-01-01"
  power_type: '01'
  exercise_level: 省
  remarks: "yes"
  supervision_phone: 0851-12345678



# 第二项
- {code: "520000-XK00002000", name: 'on', power_type: "01", exercise_level: 省, legal_basis: [{source: law-licensing}]}
"""

CANONICAL = """\
# 权力清单（手工编辑）
items:
  - code: "520000-XK00001000"
    name: 食品经营许可 # 主项名称
    power_type: "01"
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
        text: 国家对食品生产经营实行许可制度。
    supervision_phone: "0851-12345678"
    remarks: "yes"
    effective: 2020-01-01

# 第二项
  - code: "520000-XK00002000"
    name: "on"
    power_type: "01"
    exercise_level: 省
    legal_basis:
      - source: law-licensing
"""


def _fmt(text: str, relpath: str = "520000-scjgj/powers.yml") -> str:
    result = format_text(text, relpath)
    assert result.text is not None, result.problems
    return result.text


def test_messy_file_becomes_canonical():
    assert _fmt(MESSY) == CANONICAL


def test_formatting_keeps_every_comment():
    out = _fmt(MESSY)
    for comment in ("# 权力清单（手工编辑）", "# 主项名称", "# 第二项"):
        assert comment in out


def test_formatting_never_changes_the_data():
    relpath = "520000-scjgj/powers.yml"
    before, after = read_file(MESSY.encode(), relpath), read_file(_fmt(MESSY).encode(), relpath)
    assert before.record is not None and before.record == after.record
    assert parse(MESSY, "x").data == parse(_fmt(MESSY), "x").data


def test_formatting_is_idempotent():
    once = _fmt(MESSY)
    assert _fmt(once) == once


def test_unknown_keys_are_kept_after_the_known_ones():
    out = _fmt('items:\n  - zzz: 1\n    code: "X"\n')
    assert out == 'items:\n  - code: "X"\n    zzz: 1\n'


def test_multi_line_text_becomes_a_block_and_long_text_is_not_wrapped():
    long = "因不履行或不正确履行行政职责，有下列情形的，行政机关及其工作人员应承担相应责任" * 5
    out = _fmt(f'items:\n  - code: "X"\n    remarks: "第一行\\n第二行"\n    name: {long}\n')
    assert "    remarks: |-\n      第一行\n      第二行\n" in out
    assert f"    name: {long}\n" in out


def test_a_file_that_cannot_be_read_is_reported_and_left_alone(tmp_path: Path):
    lists = tmp_path / "lists"
    (lists / "520000-scjgj").mkdir(parents=True)
    broken = "items:\n  - code: [unclosed\n"
    (lists / "520000-scjgj" / "powers.yml").write_text(broken, encoding="utf-8")

    result = CliRunner().invoke(main, ["fmt", str(lists)])

    assert result.exit_code == 1
    assert "yaml-syntax" in result.output
    assert (lists / "520000-scjgj" / "powers.yml").read_text(encoding="utf-8") == broken


def test_aliases_are_not_formatted_away():
    result = format_text("items:\n  - &a {code: X}\n  - *a\n", "520000-scjgj/powers.yml")
    assert result.text is None
    assert any("yaml-alias" in p for p in result.problems)


def test_fmt_rewrites_and_check_reports(tmp_path: Path):
    lists = tmp_path / "lists"
    (lists / "520000-scjgj").mkdir(parents=True)
    target = lists / "520000-scjgj" / "powers.yml"
    target.write_text(MESSY, encoding="utf-8")
    runner = CliRunner()

    check = runner.invoke(main, ["fmt", "--check", str(lists)])
    assert check.exit_code == 1 and "需要格式化" in check.output
    assert target.read_text(encoding="utf-8") == MESSY

    fixed = runner.invoke(main, ["fmt", str(target)])
    assert fixed.exit_code == 0, fixed.output
    assert target.read_text(encoding="utf-8") == CANONICAL
    assert runner.invoke(main, ["fmt", "--check", str(lists)]).exit_code == 0


@needs_sample
def test_fmt_check_passes_on_the_sample_lists():
    result = CliRunner().invoke(main, ["fmt", "--check", "--no-cache", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "需要格式化 0 个" in result.output


@needs_sample
@pytest.mark.parametrize("relpath", ["site.yml", "sources.yml", "520000-scjgj/department.yml",
                                     "520000-scjgj/powers.yml", "520000-scjgj/responsibilities.yml",
                                     "520000-fgw/negative_list.yml", "520000-sft/regulations.yml"])
def test_fmt_restores_sample_files_from_shuffled_keys_losslessly(relpath: str):
    text = (SAMPLE / relpath).read_text(encoding="utf-8")
    shuffled = _reverse_top_level(text)
    once = _fmt(shuffled, relpath)
    assert _fmt(once, relpath) == once
    assert parse(once, relpath).data == parse(text, relpath).data


def _reverse_top_level(text: str) -> str:
    """The same file with its top-level keys in reverse order (comments stay where they were)."""
    blocks: list[list[str]] = []
    head: list[str] = []
    for line in text.splitlines(keepends=True):
        if line[:1].isalpha():
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            head.append(line)
    return "".join(head + [line for block in reversed(blocks) for line in block])


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None, database=None)
@given(value=_TEXT, code=_TEXT)
def test_any_text_survives_the_emitter(value: str, code: str):
    data = {"items": [{"code": code, "name": value, "remarks": value + "\n" + value}]}
    text = render(data, model.PowerList)
    assert parse(text, "x").data == data
    assert _fmt(text) == text


# ---- qingdan fmt --fix: what the hints propose, and nothing else -------------------------

MISTAKES = """\
items:
  - code: "520000-XK00001000"
    name: 食品经营许可
    power_type: 行政处罚
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
    effective: 2023.3.1

  - code: "520000-XK00002000"
    name: 药品经营许可
    power_type: 2
    exercise_level: 省
    legal_basis:
    \t- source: law-licensing
    effective: 2023年3月1日

  - code: "520000-XK00003000"
    name: 医疗器械经营许可
    power_type: "99"
    exercise_level: 省
    legal_basis:
      - source: law-licensing
    effective: 2023-02-30
"""


def test_fix_writes_what_the_hints_say_and_lists_each_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    relpath = "520000-scjgj/powers.yml"
    path = tmp_path / "lists" / relpath
    path.parent.mkdir(parents=True)
    path.write_text(MISTAKES, encoding="utf-8")
    assert [p.code for p in read_file(MISTAKES.encode(), relpath).problems] == ["tab"]  # nothing else is read
    hints = [p.hint for p in read_file(MISTAKES.replace("\t", "  ").encode(), relpath).problems]
    assert sum(h.startswith("写成") for h in hints) == 4  # type name, number, two dates
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["fmt", "--fix"])
    assert done.exit_code == 0, done.output
    shown = f"lists/{relpath}"
    for line in (f'已改正：{shown}:4: power_type: 行政处罚 → "02"', f"已改正：{shown}:8: effective: 2023.3.1 → 2023-03-01",
                 f'已改正：{shown}:12: power_type: 2 → "02"', f"已改正：{shown}:15: 制表符 → 空格",
                 f"已改正：{shown}:16: effective: 2023年3月1日 → 2023-03-01"):
        assert line in done.output
    left = read_file(path.read_bytes(), relpath)
    # Only what needs a decision is left: an unknown code and a day that does not exist.
    assert sorted((p.code, p.line) for p in left.problems) == [("invalid-date", 24), ("invalid-value", 20)]
    data = parse(path.read_text(encoding="utf-8"), shown).data
    assert [i["power_type"] for i in data["items"]] == ["02", "02", "99"]
    assert [str(i["effective"]) for i in data["items"][:2]] == ["2023-03-01", "2023-03-01"]


def test_fix_check_lists_the_corrections_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lists" / "520000-scjgj" / "powers.yml"
    path.parent.mkdir(parents=True)
    path.write_text(MISTAKES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["fmt", "--fix", "--check"])
    assert done.exit_code == 1
    assert '可改正：lists/520000-scjgj/powers.yml:4: power_type: 行政处罚 → "02"' in done.output
    assert path.read_text(encoding="utf-8") == MISTAKES


def test_plain_fmt_never_changes_data_even_when_a_fix_is_known() -> None:
    text = MISTAKES.replace("\t", "  ")
    result = format_text(text, "520000-scjgj/powers.yml")
    assert result.fixes == []
    assert parse(result.text or "", "x").data == parse(text, "x").data
