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


# ---- layouts modelled on published county and city lists (see headers.yml for the sources) -----------------

TRANSPORT_HEADERS = ["序号", "职权编码", "职权名称", "子项", "职权类型", "实施主体", "行使依据", "责任事项", "追责情形",
                     "承办机构"]


def transport_workbook(path: Path, body: str = "示例县交通运输局", region: str = "520102", *,
                       title: str | None = None) -> Path:
    """A county 交通运输局's power list as the issue describes it (and as 景德镇's list is laid out): a merged
    title row; 职权编码 / 职权名称 / 子项 / 职权类型 / 实施主体 / 行使依据 / 责任事项 / 追责情形 / 承办机构;
    主项 cells merged over their 子项 rows; no 子项编码 and no 行使层级 column; several laws in one cell,
    cited by short title (one of them a 部门规章 the national catalogue does not hold); one full-width code
    with a stray space; an item without 行使依据 and with a type nobody can read (审核转报)."""
    book = Workbook()
    ws = book.active
    ws.title = "权力清单"
    ws.append([title or f"{body}权力清单"])
    ws.merge_cells("A1:J1")
    ws.append(TRANSPORT_HEADERS)
    # Item 1: three 子项 rows under one 主项, the 主项 cells merged down over them.
    ws.append([1, f"{region}-XK00001000", "公路建设项目施工许可", "公路建设项目施工许可（新建）", "行政许可", body,
               "1.《公路法》第二十五条\n2.《行政许可法》第十二条", "受理：公示应当提交的材料\n决定：作出许可决定",
               "对符合法定条件的申请不予受理的", "建设管理股"])
    ws.append([None, None, None, "公路建设项目施工许可（改建）"])
    ws.append([None, None, None, "公路建设项目施工许可（扩建）"])
    for col in "ABCEFGHIJ":
        ws.merge_cells(f"{col}3:{col}5")
    # Item 2: a full-width code, no 子项, a 部门规章 by its title (not in the national catalogue), no 追责情形.
    wide = region.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    ws.append([2, f"{wide}－ＣＦ００００２０００ ", "对擅自占用、挖掘公路的处罚", None, "行政处罚", body,
               "《公路法》第七十六条\n《路政管理规定》第二十三条", "立案：依法立案", None, "路政执法大队"])
    # Item 3: a local type label; its 行使依据 left empty, its type one nobody can read.
    ws.append([3, f"{region}-QT00003000", "公路养护作业备案", None, "审核转报", body, None, None, None, "养护股"])
    book.save(path)
    return path


def city_two_departments_workbook(path: Path) -> Path:
    """A city 权责清单 kept by the government office for several departments in one sheet, as 济宁's
    「市县同权」 lists and many city compilations are: 权力编码 / 权力名称 / 子项名称 / 权力类别 /
    设定和实施依据 / 实施主体 / 责任科室; rows of two departments; no 行使层级 column; the 主项 repeated
    on each 子项 row; a law cited with its full title and one by short title."""
    book = Workbook()
    ws = book.active
    ws.title = "市级权责清单"
    ws.append(["示例市市级部门权责清单（2024年版）"])
    ws.merge_cells("A1:G1")
    ws.append(["权力编码", "权力名称", "子项名称", "权力类别", "设定和实施依据", "实施主体", "责任科室"])
    ws.append(["520100-XK00101000", "食品生产许可", "食品生产许可（新办）", "行政许可",
               "【法律】《中华人民共和国食品安全法》第三十五条", "示例市市场监督管理局", "食品生产科"])
    ws.append(["520100-XK00101000", "食品生产许可", "食品生产许可（延续）", "行政许可",
               "【法律】《中华人民共和国食品安全法》第三十五条", "示例市市场监督管理局", "食品生产科"])
    ws.append(["520100-CF00102000", "对用人单位违法延长劳动者工作时间的处罚", None, "行政处罚",
               "《劳动法》第九十条", "示例市人力资源和社会保障局", "劳动保障监察支队"])
    book.save(path)
    return path


def county_catalogue_workbook(path: Path) -> Path:
    """A county 权责清单 in the two-row header form of provincial templates (湖北/贵州 style): 事项名称
    merged over 主项名称 | 子项名称; 职权类别; 职权依据 with several laws in one cell; 实施主体 given by
    the department's full name; 行使层级 given for one item only; a power type nobody can read."""
    book = Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["序号", "职权编码", "事项名称", None, "职权类别", "职权依据", "实施主体", "行使层级"])
    ws.append([None, None, "主项名称", "子项名称", None, None, None, None])
    for col in "ABEFGH":
        ws.merge_cells(f"{col}1:{col}2")
    ws.merge_cells("C1:D1")
    ws.append([1, "520102-JC00011000", "公路安全保护检查", "超限运输车辆检查", "行政检查",
               "《公路安全保护条例》第三十五条；《公路法》第六十九条", "示例县交通运输局", None])
    ws.append([None, None, None, "公路施工作业检查"])
    for col in "ABCEFGH":
        ws.merge_cells(f"{col}3:{col}4")
    ws.append([2, "520102-QZ00012000", "扣押违法车辆", None, "强制措施", "《公路法》第八十五条", "示例县交通运输局", "县级"])
    book.save(path)
    return path


# ---- a province's folder: many departments, one workbook each -------------------------------------------

COUNTY_TYPES = (("XK", "行政许可"), ("CF", "行政处罚"), ("JC", "行政检查"), ("QT", "其他职权"))


def county_region(n: int) -> tuple[str, str]:
    """The n-th synthetic county (0-based): its GB/T 2260 code under 示例市 (and further cities) and name."""
    city, county = divmod(n, 90)
    return f"52{city + 1:02d}{county + 2:02d}", f"示例{n + 1}县"


def province_regions(count: int) -> str:
    """regions.yml for the test tree plus ``count`` counties (and the cities above them)."""
    lines = ["items:", '  - code: "520000"', "    name: 示例省", "    level: 省"]
    cities = sorted({county_region(n)[0][:4] for n in range(count)} | {"5201"})
    for city in cities:
        lines += [f'  - code: "{city}00"', f"    name: 示例{city}市", "    level: 市", '    parent: "520000"']
    for n in range(count):
        code, name = county_region(n)
        lines += [f'  - code: "{code}"', f"    name: {name}", "    level: 县", f'    parent: "{code[:4]}00"']
    return "\n".join(lines) + "\n"


def province_folder(folder: Path, count: int, items: int) -> Path:
    """``count`` county transport bureaus' workbooks (``items`` 主项 each, every other one with three 子项
    rows merged under it) and the mapping CSV (文件 → 部门标识, 部门名称, 行政区划); returns the CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    mapping = ["文件,部门标识,部门名称,行政区划"]
    for n in range(count):
        region, county = county_region(n)
        body = f"{county}交通运输局"
        name = f"{n + 1:03d}-{county}交通运输局权力清单.xlsx"
        mapping.append(f"{name},{region}-jtysj,{body},{region}")
        book = Workbook()
        ws = book.active
        ws.title = "权力清单"
        ws.append([f"{body}权力清单"])
        ws.merge_cells("A1:J1")
        ws.append(TRANSPORT_HEADERS)
        row = 3
        for i in range(items):
            letters, label = COUNTY_TYPES[i % len(COUNTY_TYPES)]
            code = f"{region}-{letters}{i + 1:05d}000"
            laws = f"1.《公路法》第{i % 80 + 1}条\n2.《示例省公路条例》第{i % 40 + 1}条"
            subs = [f"子项{k}" for k in range(1, 4)] if i % 2 else [None]
            for k, sub in enumerate(subs):
                ws.append([i + 1, code, f"公路事项{i + 1}", sub, label, body, laws, "受理：依法受理", "不依法履职的",
                           "综合股"] if k == 0 else [None, None, None, sub])
            if len(subs) > 1:
                for col in "ABCEFGHIJ":
                    ws.merge_cells(f"{col}{row}:{col}{row + len(subs) - 1}")
            row += len(subs)
        book.save(folder / name)
    csv_path = folder.parent / f"{folder.name}-对照表.csv"
    csv_path.write_text("\n".join(mapping) + "\n", encoding="utf-8")
    return csv_path
