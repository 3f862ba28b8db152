"""Import of differently laid-out workbooks: the YAML each gives and the report of what it could not carry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from qingdan import model
from qingdan.errors import QingdanError
from qingdan.excel.importer import Imported, import_file
from qingdan.excel.issues import Issue
from qingdan.fmt import render

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
"""


@pytest.fixture
def lists(make_tree) -> Path:
    return make_tree({"sources.yml": SOURCES})


def _import(path: Path, lists: Path, kind: str = "power", **options) -> Imported:
    return import_file(path, kind, DEPT, lists, **options)


def _find(issues: list[Issue], text: str) -> Issue:
    found = [i for i in issues if text in i.message]
    assert found, f"no issue mentions {text!r}: {[i.message for i in issues]}"
    return found[0]


def test_county_workbook_merged_two_row_header_full_width_codes_and_multi_law_cells(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    assert render(imported.plain(), model.PowerList) == COUNTY_YAML


def test_county_workbook_reports_the_uncomputed_formula_by_cell_and_keeps_its_item_out(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    formula = _find(imported.errors, "没有计算结果")
    assert (formula.sheet, formula.row, formula.column, formula.header) == ("权力清单", 8, "I", "监督电话")
    assert imported.failed["items"] == {"520000-JC00013000"}
    assert "520000-JC00013000" not in render(imported.plain(), model.PowerList)
    assert len(imported.errors) == 1  # the empty row and the title row are not problems


def test_county_workbook_skips_the_hidden_lookup_sheet_with_a_note(lists: Path, tmp_path: Path):
    imported = _import(county_workbook(tmp_path / "county.xlsx"), lists)

    note = _find(imported.issues, "隐藏的工作表已跳过")
    assert (note.sheet, note.severity) == ("字典", "note")


def test_city_workbook_level_column_local_type_dates_and_stages(lists: Path, tmp_path: Path):
    imported = _import(city_workbook(tmp_path / "city.xlsx"), lists)
    items = imported.plain()["items"]

    assert [i["code"] for i in items] == ["520000-QT00021000"]
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
    assert (unmapped.sheet, unmapped.column) == ("Sheet1", "K")
    law = _find(imported.errors, "《示例市餐饮油烟管理办法》")
    assert (law.sheet, law.row, law.column, law.header) == ("Sheet1", 5, "F", "法律依据")
    assert "没有登记" in law.message
    assert imported.failed["items"] == {"520000-CF00022000"}
    hidden = _find(imported.errors, "隐藏的工作表")
    assert hidden.sheet == "旧版"
    # The missing legal basis is a consequence of the unknown law: reported once, not twice.
    assert not [i for i in imported.errors if "缺少必填字段" in i.message]
    assert len(imported.errors) == 3


def test_hidden_data_sheet_is_imported_when_asked(lists: Path, tmp_path: Path):
    imported = _import(city_workbook(tmp_path / "city.xlsx"), lists, sheets=("旧版",))

    assert not any("隐藏" in i.message for i in imported.issues)
    # The old sheet has no 设定依据 column: the model says so, on the record's row.
    missing = _find(imported.errors, "设定依据")
    assert (missing.sheet, missing.row) == ("旧版", 2)
    assert "法律依据" in missing.hint or "设定依据" in missing.hint


def test_province_workbook_repeated_main_cells_two_sheets_department_and_repeal(lists: Path, tmp_path: Path):
    imported = _import(province_workbook(tmp_path / "province.xlsx"), lists)

    assert imported.errors == []
    items = {i["code"]: i for i in imported.plain()["items"]}
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


def test_rows_of_another_department_are_not_carried_over(lists: Path, tmp_path: Path):
    path = province_workbook(tmp_path / "province.xlsx")

    imported = import_file(path, "power", "520100-scjgj", lists)

    wrong = _find(imported.errors, "不是本次导入的部门")
    assert (wrong.sheet, wrong.row, wrong.column, wrong.header) == ("许可类", 2, "B", "实施主体")
    assert imported.plain() == {}


def test_conflicting_main_cells_across_sub_rows_are_reported(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["事项编码", "事项名称", "子项编码", "子项名称", "权力类型", "行使层级", "设定依据"])
    ws.append(["520000-XK00041000", "甲许可", "520000-XK00041001", "甲一", "01", "省", "《中华人民共和国行政许可法》"])
    ws.append(["520000-XK00041000", "乙许可", "520000-XK00041002", "甲二", "01", "省", "《中华人民共和国行政许可法》"])
    book.save(tmp_path / "conflict.xlsx")

    imported = _import(tmp_path / "conflict.xlsx", lists)

    conflict = _find(imported.errors, "值不同")
    assert (conflict.row, conflict.column) == (3, "B")
    assert imported.failed["items"] == {"520000-XK00041000"}


def test_ambiguous_title_is_resolved_by_its_document_number_or_date(lists: Path, tmp_path: Path):
    book = Workbook()
    ws = book.active
    ws.append(["事项编码", "事项名称", "权力类型", "行使层级", "设定依据"])
    ws.append(["520000-CF00051000", "甲处罚", "行政处罚", "省", "《中华人民共和国行政处罚法》（1996年3月17日公布）第八条"])
    ws.append(["520000-CF00052000", "乙处罚", "行政处罚", "省", "《中华人民共和国行政处罚法》（主席令第七十号）第九条"])
    book.save(tmp_path / "versions.xlsx")

    items = _import(tmp_path / "versions.xlsx", lists).plain()["items"]

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
    data = imported.plain()
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
    reg = imported.plain()["items"][0]
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
    assert issue.sheet == "Sheet"


def test_site_header_file_adds_spellings(lists: Path, tmp_path: Path):
    book = Workbook()
    book.active.append(["权责编号", "事项名称", "权力类型", "行使层级", "设定依据"])
    book.active.append(["520000-XK00061000", "甲许可", "01", "省", "《中华人民共和国行政许可法》"])
    book.save(tmp_path / "local.xlsx")
    (lists.parent / "qingdan-headers.yml").write_text("tables:\n  powers:\n    code: [权责编号]\n", encoding="utf-8")

    imported = _import(tmp_path / "local.xlsx", lists)

    assert imported.errors == []
    assert imported.plain()["items"][0]["code"] == "520000-XK00061000"


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

    assert [(i.row, i.column) for i in imported.errors] == [(3, "A")]
    assert [i["name"] for i in imported.plain()["items"]] == ["甲许可"]
