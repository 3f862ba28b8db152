"""qingdan new: templates in the right file, the next free code, blocked by validation until filled in."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.fmt import format_text
from qingdan.load.parse import parse
from qingdan.scaffold import TYPE_LETTERS, new, next_power_code, power_type_of, write
from qingdan.validate import validate

from toolsupport import SAMPLE, TODAY

POWERS = """\
items:
  - code: "520000-XK00001000"
    name: 食品经营许可
    power_type: "01"
    sub_items:
      - code: "520000-XK00001001"
        name: 食品经营许可（新办）
    exercise_level: 省
    legal_basis:
      - source: law-food-safety

  - code: "520000-XK00007000"
    name: 食品生产许可
    power_type: "01"
    exercise_level: 省
    legal_basis:
      - source: law-food-safety

  - code: "520000-CF00002000"
    name: 某处罚
    power_type: "02"
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
"""

PATTERN = r"^(?P<region>\d{6})-(?P<base>[A-Z]{2}\d{5})(?P<sub>\d{3})$"


@pytest.fixture
def lists(make_tree) -> Path:
    return make_tree({"520000-scjgj/powers.yml": POWERS})


def test_power_type_accepts_code_letters_and_name():
    assert power_type_of("1") == power_type_of("XK") == power_type_of("行政许可") == "01"
    assert power_type_of("gg") == "20"
    assert set(TYPE_LETTERS.values()) == {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"}
    with pytest.raises(QingdanError, match="未知的权力类型"):
        power_type_of("许可")


def test_next_code_follows_the_department_highest_of_that_type(lists: Path):
    assert next_power_code(lists, "520000-scjgj", "520000", "01", PATTERN) == "520000-XK00008000"
    assert next_power_code(lists, "520000-scjgj", "520000", "02", PATTERN) == "520000-CF00003000"


def test_next_code_for_a_new_type_starts_at_one_with_the_site_letters(lists: Path):
    assert next_power_code(lists, "520000-scjgj", "520000", "06", PATTERN) == "520000-JC00001000"


def test_next_code_skips_a_base_another_department_uses(lists: Path):
    # The city already uses base XK00008 (for its own copy of an item): the province must not take it.
    city = (lists / "520100-scjgj" / "powers.yml").read_text(encoding="utf-8")
    (lists / "520100-scjgj" / "powers.yml").write_text(city.replace("XK00001000", "XK00008000"), encoding="utf-8")

    assert next_power_code(lists, "520000-scjgj", "520000", "01", PATTERN) == "520000-XK00009000"


def test_new_power_appends_a_commented_template_that_fails_validation_until_filled(lists: Path):
    result = new("power", lists, "520000-scjgj", power_type="XK", name="特殊食品生产许可")
    write(result, lists)

    text = (lists / "520000-scjgj" / "powers.yml").read_text(encoding="utf-8")
    assert result.code == "520000-XK00008000" and not result.created
    assert text.startswith(POWERS)  # the existing items are untouched
    assert '  - code: "520000-XK00008000" # 事项编码（必填）\n    name: 特殊食品生产许可 # 事项名称（必填）\n' in text
    assert "# 行使层级（必填）：国家、省、市、县、乡镇 或 分级管理" in text
    report = validate(lists, today=TODAY)
    empty = [p for p in report.errors if p.file.endswith("520000-scjgj/powers.yml")]
    assert empty and all(p.code == "todo" for p in empty)

    filled = (text.replace('exercise_level: ""', "exercise_level: 省")
              .replace('（选填，不需要时删除这一行）\n      - ""\n', "\n      - 法人\n", 1)  # targets, the first list
              .replace('guide_url: ""', "guide_url: https://zwfw.example.gov.cn/item/520000-XK00001000")
              .replace('source: ""', "source: law-food-safety")
              .replace('    handling_unit: "" # 承办机构（选填，不需要时删除这一行）\n', "")
              .replace('articles: ""', "articles: 第三十五条").replace('text: ""', "text: 条文")
              .replace('content: ""', "content: 受理申请").replace('      - ""\n', "      - 不依法受理的\n")
              .replace('supervision_phone: ""', 'supervision_phone: "0851-1"')
              .replace('effective: ""', "effective: 2025-01-01"))
    (lists / "520000-scjgj" / "powers.yml").write_text(filled, encoding="utf-8")
    assert validate(lists, today=TODAY).errors == []


def test_templates_are_already_canonical(lists: Path):
    for what, dept in [("power", "520000-scjgj"), ("negative", "520000-scjgj"), ("regulation", "520000-scjgj"),
                       ("responsibility", "520100-scjgj"), ("department", "520100-jyj")]:
        result = new(what, lists, dept, year=2025, region="520100")
        formatted = format_text(result.text, result.relpath)
        assert formatted.text == result.text, what
        assert parse(result.text, "x").data is not None


def test_new_negative_regulation_and_duty_codes(lists: Path):
    negative = new("negative", lists, "520000-scjgj")
    assert negative.code == "100005" and '- code: "100005-01"' in negative.text
    regulation = new("regulation", lists, "520000-scjgj", year=2001)
    assert regulation.code == "520000-DF-2001-002"
    duty = new("responsibility", lists, "520100-scjgj", name="负责全市食品安全监督管理")
    assert duty.code is None and "duty: 负责全市食品安全监督管理" in duty.text
    assert duty.text.startswith("main_duties:\n  - duty: 负责市场综合监督管理")


def test_new_file_gets_a_heading_comment(lists: Path):
    result = new("regulation", lists, "520100-scjgj", year=2025)
    assert result.created and result.relpath == "520100-scjgj/regulations.yml"
    assert result.text.startswith("# 地方性法规目录（由 qingdan new 生成，请填写空白的字段）\nitems:\n")
    assert result.code == "520100-DF-2025-001"


def test_new_department_folder(lists: Path):
    result = new("department", lists, "520100-jyj", name="示例市教育局")
    write(result, lists)
    text = (lists / "520100-jyj" / "department.yml").read_text(encoding="utf-8")
    assert 'region: "520100"' in text and "name: 示例市教育局" in text
    with pytest.raises(QingdanError, match="已存在"):
        new("department", lists, "520100-jyj")
    with pytest.raises(QingdanError, match="小写字母"):
        new("department", lists, "Bad_ID")


def test_cli_new_writes_and_reports_the_code(lists: Path):
    result = CliRunner().invoke(main, ["new", "power", "--department", "520000-scjgj", "--type", "行政处罚",
                                       "--lists", str(lists)])
    assert result.exit_code == 0, result.output
    assert "编码 520000-CF00003000" in result.output
    assert '"520000-CF00003000"' in (lists / "520000-scjgj" / "powers.yml").read_text(encoding="utf-8")


def test_cli_new_unknown_department_is_a_clean_error(lists: Path):
    result = CliRunner().invoke(main, ["new", "power", "--department", "nope", "--lists", str(lists)])
    assert result.exit_code == 2
    assert "部门 nope 不存在" in result.output and "Traceback" not in result.output


def test_a_penalty_template_has_the_penalty_stages_and_every_field_real_items_carry(lists: Path):
    result = new("power", lists, "520000-scjgj", power_type="行政处罚")
    item = parse(result.template, "x").data["items"][0]
    assert [r["stage"] for r in item["responsibilities"]] == ["立案", "调查取证", "审理", "告知", "决定", "送达", "执行"]
    licence = parse(new("power", lists, "520000-scjgj", power_type="01").template, "x").data["items"][0]
    assert licence["responsibilities"][0]["stage"] == "受理"
    # Every field that each item of the sample lists carries is in the template.
    sample = [i for path in SAMPLE.glob("*/powers.yml")
              for i in parse(path.read_text(encoding="utf-8"), str(path)).data["items"]]
    carried = set.intersection(*(set(i) for i in sample))
    assert {"effective", "accountability_basis", "supervision_phone"} <= carried <= set(item)


def test_cli_dry_run_shows_only_the_template_and_writes_nothing(lists: Path):
    before = (lists / "520000-scjgj" / "powers.yml").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["new", "power", "--department", "520000-scjgj", "--type", "02",
                                       "--lists", str(lists), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith('items:\n  - code: "520000-CF00003000"')
    assert "食品生产许可" not in result.stdout  # not the existing items
    assert result.stdout.count("- code:") == 1
    assert "将添加到 lists/520000-scjgj/powers.yml（未写入）" in result.stderr
    assert (lists / "520000-scjgj" / "powers.yml").read_text(encoding="utf-8") == before
