"""Three differently laid-out power-list workbooks, as county and city offices keep them.

Built with openpyxl in the tests (no binary fixtures), each with the quirks the
importer must handle. The expected YAML and report live in test_tools_import.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

# Sources the workbooks cite (laid over the shared test tree's sources.yml).
SOURCES = """\
items:
  - id: law-food-safety
    title: 中华人民共和国食品安全法
    level: 法律
    document_number: 主席令第二十一号
  - id: law-licensing
    title: 中华人民共和国行政许可法
    level: 法律
  - id: rule-market
    title: 市场监督管理行政处罚程序规定
    level: 部门规章
  - id: law-penalty
    title: 中华人民共和国行政处罚法
    level: 法律
    document_number: 主席令第七十号
    promulgated: 2021-01-22
  - id: law-penalty-1996
    title: 中华人民共和国行政处罚法
    level: 法律
    promulgated: 1996-03-17
    status: 已修改
"""

FOOD_SAFETY_35 = "国家对食品生产经营实行许可制度。"


def county_workbook(path: Path) -> Path:
    """A county template: a title row, a two-row merged header (职权编码 over 主项编码 | 子项编码),
    full-width codes, 主项 cells merged down over their 子项 rows, a multi-law cell with numbering,
    an empty row, a formula without a computed value, and a hidden lookup sheet."""
    book = Workbook()
    ws = book.active
    ws.title = "权力清单"
    ws.append(["示例县市场监督管理局权力清单"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "职权编码", None, "事项名称", None, "职权类型", "行使层级", "设定依据", "监督电话"])
    ws.append([None, "主项编码", "子项编码", "主项名称", "子项名称", None, None, None, None])
    for col in "AFGHI":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:E2")
    # Item 1: two 子项 rows, 主项 cells merged down; full-width code; two laws in one cell.
    ws.append([1, "５２００００－ＸＫ０００１１０００", "520000-XK00011001", "食品经营许可", "食品经营许可（新办）",
               "行政许可", "省级",
               f"1.【法律】《中华人民共和国食品安全法》第三十五条：{FOOD_SAFETY_35}\n"
               "2.《行政许可法》第十二条", "0851-1234 5678"])
    ws.append([None, None, "520000-XK00011002", None, "食品经营许可（变更）"])
    for col in "ABDFGHI":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append([])  # an empty row between items
    # Item 2: no 子项; the law named by its current version (two versions share the title).
    ws.append([2, "520000-CF00012000", None, "对未取得食品经营许可从事食品经营活动的处罚", None, "行政处罚", "省",
               "《中华人民共和国行政处罚法》第八条\n《中华人民共和国食品安全法》（主席令第二十一号）第一百二十二条",
               "0851-12345678"])
    # Item 3: its phone is a formula never computed (the workbook was written by a program).
    ws.append([3, "520000-JC00013000", None, "食品安全监督检查", None, "行政检查", "省",
               "《中华人民共和国食品安全法》第一百一十条", '="0851-"&"12345679"'])
    lookup = book.create_sheet("字典")
    lookup.append(["行政许可"])
    lookup.append(["行政处罚"])
    lookup.sheet_state = "hidden"
    book.save(path)
    return path


def city_workbook(path: Path) -> Path:
    """A city template: one header row of other synonyms, a 主项/子项 marker column with 子项 on rows
    of their own, a local power type, a date cell, an unregistered law, a column nobody maps
    (办理时限), and a hidden sheet that still holds list data."""
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["主项/子项", "事项编码", "权力名称", "权力类别", "层级", "法律依据", "责任事项", "追责情形",
               "内设机构", "生效日期", "办理时限"])
    ws.append(["主项", "520000-QT00021000", "食品小作坊登记", "非行政许可审批", "县级",
               "【法律】《中华人民共和国食品安全法》第三十六条",
               "1.受理：公示应当提交的材料\n2.审查：对申请材料进行审查\n3.决定：作出是否登记的决定",
               "不依法受理的\n不依法登记的", "食品生产科", dt.datetime(2021, 5, 1), "20个工作日"])
    ws.append(["子项", "520000-QT00021001", "食品小作坊登记（新办）"])
    ws.append(["子项", "520000-QT00021002", "食品小作坊登记（变更）"])
    ws.append(["主项", "520000-CF00022000", "对食品小作坊违法行为的处罚", "行政处罚", "县",
               "《示例市餐饮油烟管理办法》第三十条", "立案：依法立案", None, "执法稽查科",
               "2021-05-01", None])
    hidden = book.create_sheet("旧版")
    hidden.append(["事项编码", "权力名称", "权力类别"])
    hidden.append(["520000-QT00021000", "食品小作坊登记", "非行政许可审批"])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def province_workbook(path: Path) -> Path:
    """A province template: headers in the standard spelling with notes (必填) and stars, a 序号
    column, 子项 columns on every row with the 主项 repeated (not merged), a second sheet that
    continues the list, a department column, repeal columns, and 共同实施部门 by name."""
    book = Workbook()
    ws = book.active
    ws.title = "许可类"
    ws.append(["序号", "实施主体", "*事项编码", "事项名称（必填）", "子项编码", "子项名称", "权力类型",
               "行使层级", "设定依据", "共同实施部门", "状态", "废止日期", "废止依据"])
    ws.append([1, "示例省市场监督管理局", "520000-XK00031000", "特殊食品生产许可", "520000-XK00031001",
               "保健食品生产许可", "01", "省", "《中华人民共和国食品安全法》第三十五条", "示例市市场监督管理局"])
    ws.append([2, "示例省市场监督管理局", "520000-XK00031000", "特殊食品生产许可", "520000-XK00031002",
               "婴幼儿配方食品生产许可", "01", "省", "《中华人民共和国食品安全法》第三十五条", "示例市市场监督管理局"])
    more = book.create_sheet("其他类")
    more.append(["序号", "实施主体", "事项编码", "事项名称", "权力类型", "行使层级", "设定依据", "状态",
                 "废止日期", "废止依据"])
    more.append([1, "示例省市场监督管理局", "520000-QR00032000", "食品生产许可证明确认", "行政确认", "省",
                 "《中华人民共和国行政许可法》", "已废止", dt.date(2023, 1, 1), "示例省人民政府令第1号"])
    book.save(path)
    return path
