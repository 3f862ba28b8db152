"""The site's downloads: CSV, XLSX and JSON per department and for the whole site, and their data package."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qingdan.dataset import Dataset
from qingdan.export import downloads
from qingdan.errors import QingdanError
from qingdan.excel.read import read_csv
from qingdan.excel.rows import TableData
from qingdan.export.csvfile import csv_bytes
from qingdan.export.xlsx import FIXED_TIME, workbook_bytes

from toolsupport import needs_sample

pytestmark = needs_sample




@pytest.fixture(scope="module")
def files(sample: Dataset) -> dict[str, bytes]:
    return downloads(sample)


def _csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a BOM so that Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def _xlsx(raw: bytes, sheet: str | None = None) -> list[dict]:
    book = load_workbook(io.BytesIO(raw))
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_paths_cover_every_department_list_and_the_whole_site(sample: Dataset, files: dict[str, bytes]):
    expected = {"downloads/datapackage.json"}
    for dept in sample.departments:
        kinds = ["powers" if sample.department_powers(dept) else None,
                 "responsibilities" if dept in sample.responsibilities else None,
                 "negative_list" if dept in sample.negative_lists else None,
                 "regulations" if sample.department_regulations(dept) else None]
        for kind in filter(None, kinds):
            for folder in (dept, "all"):
                expected |= {f"downloads/{folder}/{kind}.{ext}" for ext in ("csv", "xlsx", "json")}
    expected |= {f"downloads/all/sources.{ext}" for ext in ("csv", "xlsx", "json")}  # lists/sources.yml, site-wide
    assert set(files) == expected
    assert all(re.fullmatch(r"downloads/[a-z0-9-]+/(powers|responsibilities|negative_list|regulations)\.(csv|xlsx|json)"
                            r"|downloads/all/sources\.(csv|xlsx|json)|downloads/datapackage.json", p) for p in files)


def test_bytes_are_deterministic(sample: Dataset, files: dict[str, bytes]):
    assert downloads(sample) == files
    core = load_workbook(io.BytesIO(files["downloads/all/powers.xlsx"])).properties
    assert core.created == FIXED_TIME and core.modified == FIXED_TIME


def test_powers_csv_and_xlsx_hold_one_row_per_item_or_sub_item(sample: Dataset, files: dict[str, bytes]):
    expected = []
    for dept in sorted(sample.departments):
        for item in sample.department_powers(dept):
            for sub in item.sub_items or [None]:
                expected.append((item.code, sub.code if sub else "", item.name))
    for rows in (_csv(files["downloads/all/powers.csv"]), _xlsx(files["downloads/all/powers.xlsx"])):
        got = [(r["事项编码"], r["子项编码"] or "", r["事项名称"]) for r in rows]
        assert got == expected


def test_csv_cells_match_the_yaml(sample: Dataset, files: dict[str, bytes]):
    dept = "520000-scjgj"
    rows = _csv(files[f"downloads/{dept}/powers.csv"])
    first = sample.department_powers(dept)[0]
    row = rows[0]
    assert row["实施主体"] == sample.departments[dept].name
    assert row["事项编码"] == first.code
    assert row["依法生效日期"] == (first.effective.isoformat() if first.effective else "")
    source = sample.sources[first.legal_basis[0].source]
    assert f"《{source.title}》" in row["设定依据"]
    assert row["设定依据"].count("\n") == len(first.legal_basis) - 1


def test_xlsx_layout_frozen_header_widths_and_real_dates(files: dict[str, bytes]):
    book = load_workbook(io.BytesIO(files["downloads/520000-sft/regulations.xlsx"]))
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].value == "部门" and ws["A1"].font.bold
    assert all(ws.column_dimensions[c].width and ws.column_dimensions[c].width <= 62 for c in "ABCDEFG")
    header = [c.value for c in ws[1]]
    adopted = ws.cell(2, header.index("通过日期") + 1)
    assert adopted.is_date and adopted.number_format == "yyyy-mm-dd"


def test_responsibilities_xlsx_has_a_sheet_per_section_and_csv_a_section_column(sample: Dataset,
                                                                                files: dict[str, bytes]):
    dept = "520000-scjgj"
    record = sample.responsibilities[dept]
    book = load_workbook(io.BytesIO(files[f"downloads/{dept}/responsibilities.xlsx"]))
    assert book.sheetnames[0] == "主要职责"
    duties = _xlsx(files[f"downloads/{dept}/responsibilities.xlsx"], "主要职责")
    assert len(duties) == sum(max(len(d.tasks), 1) for d in record.main_duties)
    sections = [r["部分"] for r in _csv(files[f"downloads/{dept}/responsibilities.csv"])]
    assert sections.count("职责边界") == len(record.boundaries)
    assert sections.count("公共服务事项") == len(record.public_services)


def test_json_holds_the_records_as_in_yaml(sample: Dataset, files: dict[str, bytes]):
    document = json.loads(files["downloads/all/negative_list.json"])
    assert document["list"] == "negative_list" and document["title"] == "市场准入负面清单"
    by_dept = {d["id"]: d for d in document["departments"]}
    assert set(by_dept) == set(sample.negative_lists)
    for dept, entry in by_dept.items():
        assert entry["data"] == sample.negative_lists[dept].model_dump(mode="json")
        assert entry["name"] == sample.departments[dept].name


def test_datapackage_lists_every_file_with_hash_size_and_chinese_schema(files: dict[str, bytes]):
    package = json.loads(files["downloads/datapackage.json"])
    paths = {r["path"] for r in package["resources"]}
    assert paths == {p[len("downloads/"):] for p in files if p != "downloads/datapackage.json"}
    names = [r["name"] for r in package["resources"]]
    assert len(names) == len(set(names)) and all(re.fullmatch(r"[a-z0-9._-]+", n) for n in names)
    for resource in package["resources"]:
        raw = files["downloads/" + resource["path"]]
        assert resource["bytes"] == len(raw)
        assert resource["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
        assert resource["mediatype"] and resource["format"] == resource["path"].rsplit(".", 1)[1]
        if resource["format"] == "csv":
            assert resource["encoding"] == "utf-8"
            header = next(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
            assert [f["name"] for f in resource["schema"]["fields"]] == header
            assert all(f["title"] == f["name"] and re.search(r"[\u4e00-\u9fff]", f["title"])
                       for f in resource["schema"]["fields"])
    dates = [f for r in package["resources"] if r["format"] == "csv"
             for f in r["schema"]["fields"] if f["type"] == "date"]
    assert dates, "date columns are typed"


def test_datapackage_validates_with_frictionless(files: dict[str, bytes], tmp_path: Path):
    frictionless = pytest.importorskip("frictionless")
    package = json.loads(files["downloads/datapackage.json"])
    # The whole-site files and one department's: every kind of resource, in a fraction of the time.
    package["resources"] = [r for r in package["resources"] if r["path"].startswith(("all/", "520000-scjgj/"))]
    for resource in package["resources"]:
        target = tmp_path / resource["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files["downloads/" + resource["path"]])
    (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")

    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, [e.message for task in report.tasks for e in task.errors][:5]
    assert len(report.tasks) >= 12

    # A file changed after the package was written no longer matches its size and hash.
    tampered = tmp_path / "all" / "regulations.csv"
    tampered.write_bytes(tampered.read_bytes().replace("保留".encode(), "废止".encode(), 1))
    one = {"name": "check", "resources": [r for r in package["resources"] if r["path"] == "all/regulations.csv"]}
    (tmp_path / "one.json").write_text(json.dumps(one, ensure_ascii=False), encoding="utf-8")
    assert not frictionless.validate(str(tmp_path / "one.json")).valid


HOSTILE_CELLS = ['=HYPERLINK("http://evil.example","点击")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "普通文字", "a=b"]


def _table(values: list[str]) -> TableData:
    return TableData("事项", ["事项名称"], ["text"], [[v] for v in values])


def test_csv_cells_a_spreadsheet_would_run_get_an_apostrophe_and_import_takes_it_off():
    raw = csv_bytes(_table(HOSTILE_CELLS))
    cells = [row["事项名称"] for row in _csv(raw)]
    assert cells[:5] == ["'" + v for v in HOSTILE_CELLS[:5]]
    assert cells[5:] == HOSTILE_CELLS[5:]  # text not starting with = + - @ is left as it is
    assert [row[0] for row in read_csv(raw, "事项").rows[1:]] == HOSTILE_CELLS


def test_xlsx_keeps_formula_like_text_as_text():
    ws = load_workbook(io.BytesIO(workbook_bytes([_table(HOSTILE_CELLS)]))).worksheets[0]
    cells = [ws.cell(row, 1) for row in range(2, len(HOSTILE_CELLS) + 2)]
    assert [c.value for c in cells] == HOSTILE_CELLS
    assert all(c.data_type == "s" for c in cells)


def test_xlsx_refuses_a_control_character_with_the_row_and_column():
    table = TableData("事项", ["事项编码", "事项名称"], ["text", "text"], [["A1", "好"], ["A2", "坏\x07"]])
    with pytest.raises(QingdanError) as caught:
        workbook_bytes([table])
    assert "“事项”第 3 行“事项名称”" in str(caught.value) and "\\x07" in str(caught.value)


def test_sources_are_downloadable_with_the_catalogue_view(sample: Dataset, files: dict[str, bytes]):
    rows = _csv(files["downloads/all/sources.csv"])
    assert [r["标识"] for r in rows] == list(sample.sources)
    licensing = next(r for r in rows if r["标识"] == "law-admin-licensing")
    assert licensing["标题"] == "中华人民共和国行政许可法" and licensing["效力层级"] == "法律"
    assert licensing["国家法律目录版本"] == "2019-04-23" and licensing["国家法律目录时效性"] == "现行有效"
    regulation = next(r for r in rows if r["效力层级"] == "行政法规")
    assert regulation["国家法律目录版本"] == "" and regulation["国家法律目录时效性"] == "不在国家法律目录中"
    sheet = _xlsx(files["downloads/all/sources.xlsx"])
    assert [r["标识"] for r in sheet] == list(sample.sources)
    document = json.loads(files["downloads/all/sources.json"])
    assert document["list"] == "sources" and len(document["items"]) == len(sample.sources)
    first = document["items"][0]
    assert {k: v for k, v in first.items() if k != "catalogue"} == next(iter(sample.sources.values())).model_dump(mode="json")
    package = json.loads(files["downloads/datapackage.json"])
    assert {"all/sources.csv", "all/sources.xlsx", "all/sources.json"} <= {r["path"] for r in package["resources"]}


def test_json_downloads_name_each_cited_source(sample: Dataset, files: dict[str, bytes]):
    document = json.loads(files["downloads/520000-scjgj/powers.json"])
    entry = document["departments"][0]
    cited = {b["source"] for item in entry["data"]["items"]
             for b in item["legal_basis"] + item.get("implementation_basis", []) + item["accountability_basis"]}
    assert set(entry["sources"]) == cited
    assert entry["sources"]["law-food-safety"] == {"title": "中华人民共和国食品安全法", "level": "法律",
                                                   "document_number": "主席令第二十一号"}
    # CSV and XLSX cells carry the full citation: level, title, number, article.
    rows = _csv(files["downloads/520000-scjgj/powers.csv"])
    assert "【法律】《中华人民共和国食品安全法》（主席令第二十一号）第三十五条" in rows[0]["设定依据"]
