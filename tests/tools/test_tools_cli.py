"""qingdan import and export on the command line: never overwrite silently, say what changes, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from qingdan.cli import main

from workbooks import SOURCES, county_workbook, province_workbook

DEPT = "520000-scjgj"


@pytest.fixture
def lists(make_tree) -> Path:
    return make_tree({"sources.yml": SOURCES})


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _import(path: Path, lists: Path, *extra: str, kind: str = "power") -> tuple[int, str]:
    return _run("import", path, "--kind", kind, "--department", DEPT, "--lists", lists, *extra)


def test_existing_file_is_never_overwritten_without_merge_or_force(lists: Path, tmp_path: Path):
    before = (lists / DEPT / "powers.yml").read_text(encoding="utf-8")

    code, out = _import(province_workbook(tmp_path / "p.xlsx"), lists)

    assert code == 1
    assert "已存在" in out and "--merge" in out and "--force" in out
    assert (lists / DEPT / "powers.yml").read_text(encoding="utf-8") == before


def test_dry_run_shows_added_and_kept_items_by_code(lists: Path, tmp_path: Path):
    before = (lists / DEPT / "powers.yml").read_text(encoding="utf-8")

    code, out = _import(province_workbook(tmp_path / "p.xlsx"), lists, "--merge", "--dry-run", "--diff")

    assert code == 0
    assert "新增 2 项" in out and "保留（表格中没有） 1 项" in out
    assert "+ 520000-XK00031000" in out and "= 520000-XK00001000" in out
    assert '+  - code: "520000-QR00032000"' in out  # the line diff
    assert "试运行" in out
    assert (lists / DEPT / "powers.yml").read_text(encoding="utf-8") == before


def test_merge_adds_items_and_keeps_the_others_with_their_comments(lists: Path, tmp_path: Path):
    target = lists / DEPT / "powers.yml"
    target.write_text("# 本部门权力清单\n" + target.read_text(encoding="utf-8"), encoding="utf-8")

    code, out = _import(province_workbook(tmp_path / "p.xlsx"), lists, "--merge")

    assert code == 0, out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 本部门权力清单\nitems:\n  - code: \"520000-XK00001000\"")
    assert sum(line.startswith("  - code:") for line in text.splitlines()) == 3
    assert "已写入" in out


def test_changed_fields_are_listed_and_only_they_are_rewritten(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(["事项编码", "事项名称", "权力类型", "行使层级", "设定依据", "依法生效日期"])
    book.active.append(["520000-XK00001000", "食品经营许可（含仅销售预包装食品备案）", "行政许可", "省",
                        "《中华人民共和国食品安全法》第三十五条", "2020-01-01"])
    book.save(tmp_path / "change.xlsx")

    code, out = _import(tmp_path / "change.xlsx", lists, "--merge")

    assert code == 0, out
    assert "修改 1 项" in out and "~ 520000-XK00001000：事项名称（name）" in out
    text = (lists / DEPT / "powers.yml").read_text(encoding="utf-8")
    assert "name: 食品经营许可（含仅销售预包装食品备案）" in text
    assert "articles: 第三十五条" in text


def test_force_replaces_and_reports_removals(lists: Path, tmp_path: Path):
    code, out = _import(province_workbook(tmp_path / "p.xlsx"), lists, "--force")

    assert code == 0, out
    assert "删除 1 项" in out and "- 520000-XK00001000" in out
    assert "520000-XK00001000" not in (lists / DEPT / "powers.yml").read_text(encoding="utf-8")


def test_todos_are_written_with_comments_and_keep_the_exit_code_at_1(lists: Path, tmp_path: Path):
    (lists / DEPT / "powers.yml").unlink()
    path = county_workbook(tmp_path / "c.xlsx")

    code, out = _import(path, lists)

    assert code == 1
    assert "工作表“权力清单” 第 8 行 I 列" in out and "[todo]" in out and "还有 1 处待填写" in out
    text = (lists / DEPT / "powers.yml").read_text(encoding="utf-8")
    assert ('    supervision_phone: "" # 待填写：“监督电话”：公式 ="0851-"&"12345679" 没有计算结果'
            '（工作表“权力清单”第 8 行）\n') in text
    code, again = _import(path, lists)  # a second run changes nothing, and still says what is left to do
    assert code == 1 and "没有变化" in again
    assert (lists / DEPT / "powers.yml").read_text(encoding="utf-8") == text


def test_problems_other_than_todos_block_writing_unless_keep_going(lists: Path, tmp_path: Path):
    (lists / DEPT / "powers.yml").unlink()
    book = Workbook()
    book.active.append(["事项编码", "事项名称", "权力类型", "行使层级", "设定依据", "办理时限"])
    book.active.append(["520000-XK00061000", "甲许可", "01", "省", "《中华人民共和国行政许可法》", "20日"])
    book.save(tmp_path / "extra.xlsx")

    code, out = _import(tmp_path / "extra.xlsx", lists)
    assert code == 1 and "[import-unknown-column]" in out and "没有写入" in out
    assert not (lists / DEPT / "powers.yml").exists()

    code, out = _import(tmp_path / "extra.xlsx", lists, "--keep-going")
    assert code == 1
    assert "520000-XK00061000" in (lists / DEPT / "powers.yml").read_text(encoding="utf-8")


def test_json_report(lists: Path, tmp_path: Path):
    (lists / DEPT / "powers.yml").unlink()

    code, out = _import(county_workbook(tmp_path / "c.xlsx"), lists, "--dry-run", "--format", "json")

    report = json.loads(out)
    assert code == 1 and report["written"] == []
    changes = report["changes"][f"lists/{DEPT}/powers.yml"]
    assert {c["identity"] for c in changes} == {"520000-XK00011000", "520000-CF00012000", "520000-JC00013000"}
    formula = next(p for p in report["problems"] if "公式" in p["message"])
    assert (formula["code"], formula["sheet"], formula["line"], formula["column"]) == ("todo", "权力清单", 8, 9)
    assert report["files"] == [{"file": "c.xlsx", "departments": [DEPT], "rows": 4, "records": 0, "read": 3,
                                "todos": 1, "errors": 0, "warnings": 1}]


def test_unknown_department_exits_2_with_a_chinese_message(lists: Path, tmp_path: Path):
    code, out = _run("import", county_workbook(tmp_path / "c.xlsx"), "--kind", "power", "--department", "x",
                     "--lists", lists)
    assert code == 2 and "部门 x 不存在" in out


def test_export_then_import_round_trips_on_the_command_line(lists: Path, tmp_path: Path):
    out_dir = tmp_path / "out"
    code, out = _run("export", "--lists", lists, "-o", out_dir, "--department", DEPT, "--list", "powers")
    assert code == 0, out
    assert sorted(p.name for p in (out_dir / DEPT).iterdir()) == ["powers.xlsx"]
    assert load_workbook(out_dir / DEPT / "powers.xlsx").worksheets[0].freeze_panes == "A2"

    code, out = _import(out_dir / DEPT / "powers.xlsx", lists, "--force", "--dry-run")
    assert code == 0, out
    assert "不会改变" in out


def test_export_the_sources_with_the_catalogue_view(lists: Path, tmp_path: Path):
    out_dir = tmp_path / "out"
    code, out = _run("export", "--lists", lists, "-o", out_dir, "--list", "sources", "--format", "csv",
                     "--format", "json")
    assert code == 0, out
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.*")) == ["all/sources.csv", "all/sources.json"]
    rows = (out_dir / "all" / "sources.csv").read_text(encoding="utf-8-sig").splitlines()
    assert "国家法律目录版本" in rows[0] and any("中华人民共和国食品安全法" in row for row in rows[1:])
    items = json.loads((out_dir / "all" / "sources.json").read_text(encoding="utf-8"))["items"]
    assert any(i["catalogue"]["status"] == "不在国家法律目录中" for i in items)
    code, out = _run("export", "--lists", lists, "-o", tmp_path / "dept", "--department", DEPT, "--list", "sources")
    assert code == 2 and "不按部门导出" in out and not (tmp_path / "dept").exists()


def test_export_refuses_data_with_errors(make_tree, tmp_path: Path):
    lists = make_tree({f"{DEPT}/powers.yml": "items:\n  - code: [oops\n"})
    code, out = _run("export", "--lists", lists, "-o", tmp_path / "out")
    assert code == 2 and "qingdan validate" in out
