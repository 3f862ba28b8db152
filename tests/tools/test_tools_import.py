"""Import of differently laid-out workbooks: the YAML each gives and the report of what it could not carry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from qingdan import model
from qingdan.errors import QingdanError
from qingdan.excel.importer import Workbook as Imported, import_file
from qingdan.excel.registrar import stub_id
from qingdan.fmt import render
from qingdan.problems import Problem

from workbooks import FOOD_SAFETY_35, SOURCES, city_workbook, county_workbook, province_workbook

DEPT = "520000-scjgj"

COUNTY_YAML = f"""\
items:
  - code: "520000-XK00011000"
    name: 食品经营许可
    power_type: "01"
    sub_items:
      - code: "520000-XK00011001"
        name: 食品经营许可（新办）
      - code: "520000-XK00011002"
        name: 食品经营许可（变更）
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
        text: {FOOD_SAFETY_35}
      - source: law-licensing
        articles: 第十二条
    supervision_phone: "0851-1234 5678"

  - code: "520000-CF00012000"
    name: 对未取得食品经营许可从事食品经营活动的处罚
    power_type: "02"
    exercise_level: 省
    legal_basis:
      - source: law-penalty
        articles: 第八条
      - source: law-food-safety
        articles: 第一百二十二条
    supervision_phone: "0851-12345678"

  - code: "520000-JC00013000"
    name: 食品安全监督检查
    power_type: "06"
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
        articles: 第一百一十条
    supervision_phone: ""
"""


@pytest.fixture
def lists(make_tree) -> Path:
    return make_tree({"sources.yml": SOURCES})


def _import(path: Path, lists: Path, kind: str = "power", **options) -> Imported:
    return import_file(path, kind, DEPT, lists, **options)


def _plain(workbook: Imported, dept: str = DEPT) -> dict:
    return workbook.part(dept).plain()


def _find(problems: list[Problem], text: str) -> Problem:
    found = [p for p in problems if text in p.message]
    assert found, f"no problem mentions {text!r}: {[p.message for p in problems]}"
    return found[0]


def _at(problem: Problem) -> tuple:
    return problem.code, problem.sheet, problem.line, problem.column


def test_county_workbook_merged_two_row_header_full_width_codes_and_multi_law_cells(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    assert render(_plain(imported), model.PowerList) == COUNTY_YAML


def test_county_workbook_writes_the_uncomputed_formula_as_a_todo_at_its_cell(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    [todo] = imported.part(DEPT).todos
    assert _at(todo) == ("todo", "权力清单", 8, 9)
    assert "没有计算结果" in todo.message and "监督电话" in todo.message
    assert todo.path == "items[2].supervision_phone"
    assert len(imported.errors) == 1  # the empty row and the title row are not problems


def test_county_workbook_skips_the_hidden_lookup_sheet_with_a_warning(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    note = _find(imported.problems, "隐藏的工作表已跳过")
    assert (note.code, note.sheet, note.severity) == ("import-sheet-skipped", "字典", "warning")


def test_city_workbook_level_column_local_type_dates_and_stages(lists: Path, tmp_path: Path):
    imported = _import(city_workbook(tmp_path / "city.xlsx"), lists)
    items = _plain(imported)["items"]

    assert [i["code"] for i in items] == ["520000-QT00021000", "520000-CF00022000"]
    item = items[0]
    assert item["power_type"] == "10" and item["local_type_label"] == "非行政许可审批"
    assert item["sub_items"] == [{"code": "520000-QT00021001", "name": "食品小作坊登记（新办）"},
                                 {"code": "520000-QT00021002", "name": "食品小作坊登记（变更）"}]
    assert item["exercise_level"] == "县"  # 县级 → 县 by the value spellings
    assert item["effective"] == dt.date(2021, 5, 1)
    assert item["responsibilities"] == [{"stage": "受理", "content": "公示应当提交的材料"},
                                        {"stage": "审查", "content": "对申请材料进行审查"},
                                        {"stage": "决定", "content": "作出是否登记的决定"}]
    assert item["accountability_cases"] == ["不依法受理的", "不依法登记的"]
    assert item["handling_unit"] == "食品生产科"


def test_city_workbook_reports_unmapped_column_unknown_law_and_hidden_data_sheet(lists: Path, tmp_path: Path):
    imported = _import(city_workbook(tmp_path / "city.xlsx"), lists)

    unmapped = _find(imported.errors, "办理时限")
    assert (unmapped.code, unmapped.sheet, unmapped.column) == ("import-unknown-column", "Sheet1", 11)
    # A title the national catalogue does not hold becomes a stub source, never a refused row.
    law = _find(imported.problems, "《示例市餐饮油烟管理办法》")
    assert _at(law) == ("import-source-stub", "Sheet1", 5, 6)
    assert "待核实的地方政府规章" in law.message and law.severity == "warning"
    assert _plain(imported)["items"][1]["legal_basis"] == [{"source": stub_id("示例市餐饮油烟管理办法"),
                                                          "articles": "第三十条"}]
    hidden = _find(imported.errors, "隐藏的工作表")
    assert (hidden.code, hidden.sheet) == ("import-hidden-sheet", "旧版")
    assert len(imported.errors) == 2


def test_hidden_data_sheet_is_imported_when_asked(lists: Path, tmp_path: Path):
    imported = _import(city_workbook(tmp_path / "city.xlsx"), lists, sheets=("旧版",))

    assert not any("隐藏" in i.message for i in imported.problems)
    # The old sheet has no 设定依据 column: a to-do on the record's row, no column.
    missing = _find(imported.errors, "设定依据")
    assert _at(missing) == ("todo", "旧版", 2, None)
    assert missing.message == "工作簿中没有“设定依据”列"
    assert _plain(imported)["items"][0]["legal_basis"] == [{"source": ""}]
    # Nor has it 行使层级: the department's region (a province) gives it, and the report says so.
    derived = _find(imported.problems, "行使层级按部门所在行政区划推定")
    assert (derived.code, derived.severity) == ("import-derived", "warning")
    assert _plain(imported)["items"][0]["exercise_level"] == "省"


def test_province_workbook_repeated_main_cells_two_sheets_department_and_repeal(lists: Path, tmp_path: Path):
    imported = _import(province_workbook(tmp_path / "province.xlsx"), lists)

    assert imported.errors == []
    items = {i["code"]: i for i in _plain(imported)["items"]}
    assert list(items) == ["520000-XK00031000", "520000-QR00032000"]
    licence = items["520000-XK00031000"]
    assert [s["code"] for s in licence["sub_items"]] == ["520000-XK00031001", "520000-XK00031002"]
    assert licence["co_implementers"] == ["520100-scjgj"]  # given by name, stored by id
    assert licence["power_type"] == "01"
    repealed = items["520000-QR00032000"]
    assert repealed["power_type"] == "07"
    assert repealed["status"] == "已废止"
    assert repealed["repeal"] == {"date": dt.date(2023, 1, 1), "basis": "示例省人民政府令第1号"}
    assert repealed["legal_basis"] == [{"source": "law-licensing"}]


def test_rows_go_to_the_department_their_implementing_body_names(lists: Path, tmp_path: Path):
    path = province_workbook(tmp_path / "province.xlsx")

    imported = import_file(path, "power", "520100-scjgj", lists)

    assert [p.department for p in imported.parts] == [DEPT]
    assert len(_plain(imported)["items"]) == 2


def test_conflicting_main_cells_across_sub_rows_are_reported(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["事项编码", "事项名称", "子项编码", "子项名称", "权力类型", "行使层级", "设定依据"])
    ws.append(["520000-XK00041000", "甲许可", "520000-XK00041001", "甲一", "01", "省", "《中华人民共和国行政许可法》"])
    ws.append(["520000-XK00041000", "乙许可", "520000-XK00041002", "甲二", "01", "省", "《中华人民共和国行政许可法》"])
    book.save(tmp_path / "conflict.xlsx")

    imported = _import(tmp_path / "conflict.xlsx", lists)

    conflict = _find(imported.errors, "值不同")
    assert _at(conflict) == ("import-conflict", "Sheet", 3, 2)
    assert "乙许可" in conflict.message
    [item] = _plain(imported)["items"]
    assert item["name"] == "甲许可" and len(item["sub_items"]) == 2  # nothing else is lost


def test_ambiguous_title_is_resolved_by_its_document_number_or_date(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["事项编码", "事项名称", "权力类型", "行使层级", "设定依据"])
    ws.append(["520000-CF00051000", "甲处罚", "行政处罚", "省", "《中华人民共和国行政处罚法》（1996年3月17日公布）第八条"])
    ws.append(["520000-CF00052000", "乙处罚", "行政处罚", "省", "《中华人民共和国行政处罚法》（主席令第七十号）第九条"])
    book.save(tmp_path / "versions.xlsx")

    items = _plain(_import(tmp_path / "versions.xlsx", lists))["items"]

    assert [i["legal_basis"][0]["source"] for i in items] == ["law-penalty-1996", "law-penalty"]


def test_negative_list_csv_in_gbk_with_merged_style_blank_item_cells(lists: Path, tmp_path: Path):
    rows = [
        "清单版本,项目号,事项编码,禁止或许可事项,类别,措施编码,措施描述,适用范围,主管部门,设立依据,临时性措施",
        "市场准入负面清单（2025年版）,4,１０００04,未获得许可，不得从事食品经营,许可类,100004-01,从事食品销售须取得许可,"
        "全国性,市场监管总局、商务部,《中华人民共和国食品安全法》第三十五条,否",
        "市场准入负面清单（2025年版）,,,,,100004-L01,示例省小作坊登记,地方,示例省市场监管局,"
        "《示例省食品小作坊管理条例》第十条,是",
    ]
    path = tmp_path / "负面清单.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))

    imported = _import(path, lists, kind="negative")

    assert imported.errors == []
    data = _plain(imported)
    assert data["edition"] == "市场准入负面清单（2025年版）"
    item = data["items"][0]
    assert (item["code"], item["number"], item["category"]) == ("100004", 4, "许可准入类")
    first, local = item["measures"]
    assert first["departments"] == ["市场监管总局", "商务部"]
    assert first["scope"] == "全国" and "temporary" not in first
    assert local == {"code": "100004-L01", "description": "示例省小作坊登记", "scope": "地方",
                     "departments": ["示例省市场监管局"], "temporary": True,
                     "legal_basis": [{"source": "520000-DF-2001-001", "articles": "第十条"}]}


def test_regulation_workbook_with_text_dates_amendments_and_industry_names(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["法规编码", "法规名称", "制定机关", "通过日期", "公布日期", "施行日期", "修改情况", "时效性",
               "清理结果", "行业"])
    ws.append(["520000-DF-2010-001", "示例省城市供水条例", "示例省人民代表大会常务委员会", "2010年4月1日",
               "2010.4.2", 20100701, "2017年11月30日；修正；示例省人民代表大会常务委员会", "有效", "予以保留", "制造业"])
    book.save(tmp_path / "法规.xlsx")

    imported = _import(tmp_path / "法规.xlsx", lists, kind="regulations")

    assert imported.errors == []
    reg = _plain(imported)["items"][0]
    assert (reg["adopted"], reg["promulgated"], reg["effective"]) == (
        dt.date(2010, 4, 1), dt.date(2010, 4, 2), dt.date(2010, 7, 1))
    assert reg["amendments"] == [{"date": dt.date(2017, 11, 30), "kind": "修正", "body": "示例省人民代表大会常务委员会"}]
    assert (reg["validity"], reg["cleanup"], reg["industry"]) == ("现行有效", {"result": "保留"}, "C")


def test_a_visible_sheet_without_a_recognisable_header_is_reported(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(["填表说明"])
    book.active.append(["请按模板填写"])
    book.save(tmp_path / "notes.xlsx")

    imported = _import(tmp_path / "notes.xlsx", lists)

    issue = _find(imported.errors, "没有找到可识别的权力清单表头")
    assert (issue.code, issue.sheet) == ("import-no-header", "Sheet")
    nothing = _find(imported.errors, "没有写入任何文件")
    assert nothing.code == "import-no-data" and imported.parts == []


def test_site_header_file_adds_spellings(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(["权责编号", "事项名称", "权力类型", "行使层级", "设定依据"])
    book.active.append(["520000-XK00061000", "甲许可", "01", "省", "《中华人民共和国行政许可法》"])
    book.save(tmp_path / "local.xlsx")
    (lists.parent / "qingdan-headers.yml").write_text("tables:\n  powers:\n    code: [权责编号]\n", encoding="utf-8")

    imported = _import(tmp_path / "local.xlsx", lists)

    assert imported.errors == []
    assert _plain(imported)["items"][0]["code"] == "520000-XK00061000"


def test_unknown_department_is_a_clear_error(lists: Path, tmp_path: Path):
    with pytest.raises(QingdanError, match="部门 520000-nope 不存在.*520000-scjgj"):
        import_file(county_workbook(tmp_path / "c.xlsx"), "power", "520000-nope", lists)


def test_truncated_xls_and_wps_formats_are_clear_errors(lists: Path, tmp_path: Path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(QingdanError, match="不是有效的 .xls 文件.*另存为"):
        _import(tmp_path / "old.xls", lists)
    (tmp_path / "wps.et").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(QingdanError, match="wps.et 是 .et 格式.*另存为"):
        _import(tmp_path / "wps.et", lists)


def test_a_row_whose_code_cannot_be_read_is_not_glued_to_the_item_above(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["事项编码", "事项名称", "权力类型", "行使层级", "设定依据"])
    ws.append(["520000-XK00071000", "甲许可", "01", "省", "《中华人民共和国行政许可法》"])
    ws.append(['="520000-"&"XK00072000"', "乙许可", "01", "省", "《中华人民共和国行政许可法》"])
    book.save(tmp_path / "formula-code.xlsx")

    imported = _import(tmp_path / "formula-code.xlsx", lists)

    assert [_at(i) for i in imported.errors] == [("import-row-skipped", "Sheet", 3, 1)]
    assert [i["name"] for i in _plain(imported)["items"]] == ["甲许可"]
