"""Migrating real workbooks: county and city layouts import on the first try, to-dos instead of refusals.

Each test runs the real command on real openpyxl workbooks (tests/tools/workbooks.py), then checks the
YAML written, the to-do report, and that ``qingdan validate`` reports exactly those to-dos.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from qingdan.cli import main
from qingdan.excel.registrar import guess_level, stub_id
from qingdan.laws import open_catalogue
from qingdan.rules import uscc_check_char

from workbooks import (city_two_departments_workbook, county_catalogue_workbook, province_folder, province_regions,
                       transport_workbook)

COUNTY = "520102-jtysj"
AFTER_DEADLINE = "2025-12-01"  # the new county bureau's lists are overdue by then (list-overdue)

TRANSPORT_YAML = f"""\
items:
  - code: "520102-XK00001000"
    name: 公路建设项目施工许可
    power_type: "01"
    sub_items:
      - code: "520102-XK00001001" # 推定：按主项编码和子项顺序编号，请核对
        name: 公路建设项目施工许可（新建）
      - code: "520102-XK00001002" # 推定：按主项编码和子项顺序编号，请核对
        name: 公路建设项目施工许可（改建）
      - code: "520102-XK00001003" # 推定：按主项编码和子项顺序编号，请核对
        name: 公路建设项目施工许可（扩建）
    handling_unit: 建设管理股
    exercise_level: 县 # 推定：按部门所在行政区划的层级，请核对
    legal_basis:
      - source: {{highway}}
        articles: 第二十五条
      - source: law-licensing
        articles: 第十二条
    responsibilities:
      - stage: 受理
        content: 公示应当提交的材料
      - stage: 决定
        content: 作出许可决定
    accountability_cases:
      - 对符合法定条件的申请不予受理的

  - code: "520102-CF00002000"
    name: 对擅自占用、挖掘公路的处罚
    power_type: "02"
    handling_unit: 路政执法大队
    exercise_level: 县 # 推定：按部门所在行政区划的层级，请核对
    legal_basis:
      - source: {{highway}}
        articles: 第七十六条
      - source: {stub_id("路政管理规定")}
        articles: 第二十三条
    responsibilities:
      - stage: 立案
        content: 依法立案

  - code: "520102-QT00003000"
    name: 公路养护作业备案
    power_type: "" # 待填写：“权力类型”：权力类型“审核转报”无法识别（工作表“权力清单”第 7 行）
    handling_unit: 养护股
    exercise_level: 县 # 推定：按部门所在行政区划的层级，请核对
    legal_basis: # 待填写：“设定依据”是空的（工作表“权力清单”第 7 行）
      - source: ""
"""


def _run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def _json(*args: object) -> tuple[int, dict]:
    code, out = _run(*args, "--format", "json")
    return code, json.loads(out)


def _department(dept_id: str, name: str, region: str) -> str:
    first17 = f"11{region}MB{sum(map(ord, dept_id)) % 10_000_000:07d}"
    return (f"id: {dept_id}\nname: {name}\nuscc: {first17}{uscc_check_char(first17)}\nregion: \"{region}\"\n"
            "reviewers:\n  - \"@wangwu\"\n")


@pytest.fixture
def lists(make_tree) -> Path:
    """The test tree with twenty counties under 示例市, and the county transport bureau added by hand, no lists yet."""
    return make_tree({"regions.yml": province_regions(20),
                      f"{COUNTY}/department.yml": _department(COUNTY, "示例县交通运输局", "520102")})


def _todos(report: dict) -> list[tuple]:
    return [(p["sheet"], p["line"], p["column"], p["path"], p["message"]) for p in report["problems"]
            if p["code"] == "todo"]


def _validate_todos(lists: Path, relpath: str) -> list[tuple]:
    """What `qingdan validate` says about one file: (code, path) of every error."""
    _code, out = _run("validate", lists / relpath, "--format", "json", "--today", AFTER_DEADLINE, "--no-cache")
    return [(p["code"], p["path"]) for p in json.loads(out) if p["severity"] == "error"]


def test_county_transport_list_imports_on_the_first_try(lists: Path, tmp_path: Path):
    # The bureau is new: its lists are overdue (a validation error on its department.yml).
    _code, out = _run("validate", lists, "--format", "json", "--today", AFTER_DEADLINE, "--no-cache")
    assert {p["code"] for p in json.loads(out) if COUNTY in p["file"]} == {"list-overdue"}

    code, report = _json("import", transport_workbook(tmp_path / "交通运输局.xlsx"), "--kind", "power",
                         "--lists", lists)

    assert code == 1  # to-dos remain
    highway = open_catalogue().resolve("公路法")
    highway_id = f"law-{highway.law_id.lower()}"
    written = (lists / COUNTY / "powers.yml").read_text(encoding="utf-8")
    assert written == TRANSPORT_YAML.format(highway=highway_id)
    assert _todos(report) == [
        ("权力清单", 7, 5, "items[2].power_type", "“权力类型”：权力类型“审核转报”无法识别"),
        ("权力清单", 7, 7, "items[2].legal_basis", "“设定依据”是空的"),
    ]
    assert report["files"][0] | {"departments": None} == {
        "file": "交通运输局.xlsx", "departments": None, "rows": 5, "records": 3, "read": 3, "todos": 2, "errors": 0,
        "warnings": 3}
    # The catalogued law is registered with its metadata; the 部门规章 the catalogue lacks is a stub.
    sources = {s["id"]: s for s in yaml.safe_load((lists / "sources.yml").read_text(encoding="utf-8"))["items"]}
    assert sources[highway_id] | {"effective": None, "amended": None} == {
        "id": highway_id, "title": "中华人民共和国公路法", "level": "法律", "issuer": "全国人民代表大会常务委员会",
        "status": "现行有效", "effective": None, "amended": None}
    assert sources[stub_id("路政管理规定")] == {"id": stub_id("路政管理规定"), "title": "路政管理规定",
                                                "level": "部门规章", "verified": False}
    assert sorted(report["registered"]) == sorted([highway_id, stub_id("路政管理规定")])
    derived = [(p["line"], p["path"], p["message"]) for p in report["problems"] if p["code"] == "import-derived"]
    assert derived == [
        (3, "items[0].sub_items[0].code", "3 个子项的编码按主项编码和子项顺序推定（如第 3 行 “公路建设项目施工许可（新建）” → 520102-XK00001001）"),
        (3, "items[0].exercise_level", "3 个事项的行使层级按部门所在行政区划推定为“县”"),
    ]

    # qingdan validate reports exactly those to-dos (the legal basis at its placeholder's source) ...
    assert _validate_todos(lists, f"{COUNTY}/powers.yml") == [
        ("todo", "items[2].power_type"), ("todo", "items[2].legal_basis[0].source")]
    # ... and warns about the stub until someone checks it.
    _code, out = _run("validate", lists / "sources.yml", "--format", "json", "--no-cache")
    [unverified] = json.loads(out)
    assert (unverified["code"], unverified["path"]) == ("source-unverified", "items[4].verified")

    # A second run changes nothing, not even sources.yml.
    before = {p: p.read_bytes() for p in lists.rglob("*.yml")}
    code, again = _run("import", tmp_path / "交通运输局.xlsx", "--kind", "power", "--lists", lists)
    assert code == 1 and f"lists/{COUNTY}/powers.yml 没有变化" in again and "还有 2 处待填写" in again
    assert {p: p.read_bytes() for p in lists.rglob("*.yml")} == before


def test_city_sheet_of_two_departments_goes_to_both(lists: Path, tmp_path: Path):
    path = city_two_departments_workbook(tmp_path / "市级权责清单.xlsx")
    code, report = _json("import", path, "--kind", "power", "--lists", lists, "--merge")
    assert code == 1
    skipped = next(p for p in report["problems"] if p["code"] == "import-department")
    assert (skipped["sheet"], skipped["line"], skipped["column"]) == ("市级权责清单", 5, 6)
    assert "示例市人力资源和社会保障局" in skipped["message"] and report["written"] == []

    code, out = _run("new", "department", "--department", "520100-rsj", "--name", "示例市人力资源和社会保障局",
                     "--lists", lists)
    assert code == 0, out
    code, report = _json("import", path, "--kind", "power", "--lists", lists, "--merge")

    assert code == 0, report["problems"]
    assert report["written"] == ["lists/520100-rsj/powers.yml", "lists/520100-scjgj/powers.yml"]
    food = yaml.safe_load((lists / "520100-scjgj/powers.yml").read_text(encoding="utf-8"))["items"]
    assert [i["code"] for i in food] == ["520100-XK00001000", "520100-XK00101000"]  # the old item kept
    assert food[1]["sub_items"] == [{"code": "520100-XK00101001", "name": "食品生产许可（新办）"},
                                    {"code": "520100-XK00101002", "name": "食品生产许可（延续）"}]
    assert food[1]["exercise_level"] == "市" and food[1]["handling_unit"] == "食品生产科"
    assert food[1]["legal_basis"] == [{"source": "law-food-safety", "articles": "第三十五条"}]
    [labour] = yaml.safe_load((lists / "520100-rsj/powers.yml").read_text(encoding="utf-8"))["items"]
    assert labour["legal_basis"][0]["source"].startswith("law-")  # 《劳动法》 by short title, from the catalogue
    assert _validate_todos(lists, "520100-rsj/powers.yml") == []


def test_two_row_header_inline_laws_and_an_unreadable_type(lists: Path, tmp_path: Path):
    code, report = _json("import", county_catalogue_workbook(tmp_path / "权责清单.xlsx"), "--kind", "power",
                         "--lists", lists, "--report", tmp_path / "out" / "报告")

    assert code == 1
    [inspection, seizure] = yaml.safe_load((lists / COUNTY / "powers.yml").read_text(encoding="utf-8"))["items"]
    # 《公路安全保护条例》第三十五条；《公路法》第六十九条 on one line: two citations.
    assert [b["source"] for b in inspection["legal_basis"]][0] == stub_id("公路安全保护条例")
    assert [b.get("articles") for b in inspection["legal_basis"]] == ["第三十五条", "第六十九条"]
    assert [s["name"] for s in inspection["sub_items"]] == ["超限运输车辆检查", "公路施工作业检查"]
    assert seizure["exercise_level"] == "县"  # 县级, as written
    assert _todos(report) == [("Sheet1", 5, 5, "items[1].power_type", "“权力类型”：权力类型“强制措施”无法识别")]
    assert _validate_todos(lists, f"{COUNTY}/powers.yml") == [("todo", "items[1].power_type")]
    markdown = (tmp_path / "out" / "报告.md").read_text(encoding="utf-8")
    assert "| 权责清单.xlsx | 520102-jtysj | 3 | 2 | 1 | 0 |" in markdown
    assert "| 权责清单.xlsx | Sheet1 | 5 | E | items\\[1\\].power\\_type |" in markdown
    book = load_workbook(tmp_path / "out" / "报告.xlsx")
    assert [c.value for c in book["待填写"][2]][:5] == ["权责清单.xlsx", "Sheet1", 5, "E", "items[1].power_type"]


def test_a_province_folder_of_twenty_departments_in_one_run(lists: Path, tmp_path: Path):
    mapping = province_folder(tmp_path / "各县", 20, 4)
    code, out = _run("import", tmp_path / "各县", "--kind", "power", "--lists", lists, "--mapping", mapping,
                     "--create-departments", "--dry-run")
    assert code == 0, out
    assert "（试运行）将新建部门：" in out and out.count("没有写入") == 20
    assert sorted(p.parent.name for p in lists.glob("*/department.yml")) == ["520000-scjgj", "520100-scjgj", COUNTY]

    code, out = _run("import", tmp_path / "各县", "--kind", "power", "--lists", lists, "--mapping", mapping,
                     "--create-departments", "--report", tmp_path / "报告.md")

    assert code == 0, out
    powers = sorted(p.parent.name for p in lists.glob("*-jtysj/powers.yml"))
    assert len(powers) == 20 and powers[0] == COUNTY
    assert "新建部门：" in out and out.count("已写入 lists/") == 20
    first = yaml.safe_load((lists / COUNTY / "powers.yml").read_text(encoding="utf-8"))["items"]
    assert [len(i.get("sub_items", [])) for i in first] == [0, 3, 0, 3]
    summary = load_workbook(tmp_path / "报告.xlsx")["汇总"]
    assert summary.max_row == 21 and [c.value for c in summary[2]] == [
        "001-示例1县交通运输局权力清单.xlsx", COUNTY, 8, 4, 0, 0, 3]
    assert "共 20 个文件，读取 160 行，写入 80 项；待填写 0 处" in (tmp_path / "报告.md").read_text(encoding="utf-8")

    before = {p: p.read_bytes() for p in lists.rglob("*.yml")}
    code, again = _run("import", tmp_path / "各县", "--kind", "power", "--lists", lists, "--mapping", mapping,
                       "--create-departments")
    assert code == 0 and again.count("没有变化") == 20 and "新建部门" not in again
    assert {p: p.read_bytes() for p in lists.rglob("*.yml")} == before


def test_an_empty_result_writes_nothing_and_says_so(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(TRANSPORT_HEADERS := ["职权编码", "职权名称", "职权类型", "实施主体", "行使依据"])
    book.save(tmp_path / "空表.xlsx")
    assert TRANSPORT_HEADERS

    code, report = _json("import", tmp_path / "空表.xlsx", "--kind", "power", "--lists", lists,
                         "--department", COUNTY)

    assert code == 1 and report["written"] == [] and report["changes"] == {}
    assert [p["code"] for p in report["problems"]] == ["import-no-data"]
    assert not (lists / COUNTY / "powers.yml").exists()
    _code, out = _run("import", tmp_path / "空表.xlsx", "--kind", "power", "--lists", lists, "--department", COUNTY)
    assert "没有可导入的数据，没有写入任何文件。" in out


def test_the_same_item_in_two_files_is_imported_once(lists: Path, tmp_path: Path):
    folder = tmp_path / "两份"
    folder.mkdir()
    transport_workbook(folder / "a.xlsx")
    transport_workbook(folder / "b.xlsx")

    code, report = _json("import", folder, "--kind", "power", "--lists", lists, "--keep-going")

    assert code == 1
    duplicates = [p for p in report["problems"] if p["code"] == "import-duplicate-row"]
    assert len(duplicates) == 3 and all(p["file"] == "b.xlsx" for p in duplicates)
    items = yaml.safe_load((lists / COUNTY / "powers.yml").read_text(encoding="utf-8"))["items"]
    assert len(items) == 3


def test_a_record_the_model_rejects_as_a_whole_blocks_the_file(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(["职权编码", "职权名称", "职权类型", "行使依据", "状态"])
    book.active.append(["520102-XK00009000", "已取消的许可", "行政许可", "《行政许可法》第十二条", "已废止"])
    book.save(tmp_path / "废止.xlsx")

    code, report = _json("import", tmp_path / "废止.xlsx", "--kind", "power", "--lists", lists,
                         "--department", COUNTY)

    assert code == 1
    assert {p["code"] for p in report["problems"]} >= {"invalid-value", "import-result-invalid"}
    assert COUNTY in report["blocked"] and not (lists / COUNTY / "powers.yml").exists()


@pytest.mark.parametrize(("title", "level"), [
    ("公路安全保护条例", "行政法规"), ("示例省公路条例", "地方性法规"), ("路政管理规定", "部门规章"),
    ("示例市餐饮油烟管理办法", "地方政府规章"), ("国务院关于严格控制新设行政许可的决定", "国务院决定"),
    ("关于加强公路养护的通知", "规范性文件"),
])
def test_a_stub_level_is_guessed_from_the_title(title: str, level: str):
    assert guess_level(title) == level


def test_rows_of_a_body_that_is_no_department_go_to_the_files_department(lists: Path, tmp_path: Path):
    # A 公路管理段 acts by authorisation (授权组织): not a department of the site, its rows are the bureau's.
    path = transport_workbook(tmp_path / "公路.xlsx", body="示例县公路管理段")

    code, report = _json("import", path, "--kind", "power", "--lists", lists, "--department", COUNTY)

    assert code == 1 and report["written"] == [f"lists/{COUNTY}/powers.yml"]  # to-dos remain, nothing dropped
    [note] = [p for p in report["problems"] if p["code"] == "import-derived" and "不是站点中的部门" in p["message"]]
    assert (note["sheet"], note["line"], note["column"]) == ("权力清单", 3, 6)
    assert "5 行按文件所属部门归入“示例县交通运输局”" in note["message"]
    assert len(yaml.safe_load((lists / COUNTY / "powers.yml").read_text(encoding="utf-8"))["items"]) == 3
