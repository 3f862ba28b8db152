"""Import of Excel 97–2003 (.xls) workbooks: the same rows give the same YAML as their .xlsx twins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlwt
from openpyxl import load_workbook

from qingdan import model
from qingdan.errors import QingdanError
from qingdan.excel.importer import Workbook as Imported, import_file
from qingdan.excel.read import read
from qingdan.fmt import render

from workbooks import SOURCES, city_workbook, county_workbook, province_workbook

DEPT = "520000-scjgj"
DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")


def xls_twin(xlsx: Path) -> Path:
    """The same sheets, values, merged ranges, dates and hidden sheets, written as .xls by xlwt.

    A formula without a computed value has no .xls form (Excel stores results), so it becomes an empty cell.
    """
    book = xlwt.Workbook(encoding="utf-8")
    for ws in load_workbook(xlsx).worksheets:
        out = book.add_sheet(ws.title, cell_overwrite_ok=True)
        out.visibility = 0 if ws.sheet_state == "visible" else 1
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.data_type == "f":
                    continue
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    out.write(cell.row - 1, cell.column - 1, cell.value, DATE)
                else:
                    out.write(cell.row - 1, cell.column - 1, cell.value)
        for merged in ws.merged_cells.ranges:
            out.merged_ranges.append((merged.min_row - 1, merged.max_row - 1, merged.min_col - 1, merged.max_col - 1))
    path = xlsx.with_suffix(".xls")
    book.save(str(path))
    return path


@pytest.fixture
def lists(make_tree) -> Path:
    return make_tree({"sources.yml": SOURCES})


def _import(path: Path, lists: Path, **options) -> Imported:
    return import_file(path, "power", DEPT, lists, **options)


def _yaml(imported: Imported, leave_out: set[str] = frozenset()) -> str:
    plain = imported.part(DEPT).plain()
    plain["items"] = [item for item in plain["items"] if item["code"] not in leave_out]
    return render(plain, model.PowerList)


def _issues(imported: Imported) -> list[tuple]:
    return [(p.code, p.sheet, p.line, p.column, p.message) for p in imported.problems]


@pytest.mark.parametrize("build", [county_workbook, city_workbook, province_workbook])
def test_xls_gives_the_same_yaml_and_report_as_its_xlsx_twin(build, lists: Path, tmp_path: Path) -> None:
    xlsx = build(tmp_path / "清单.xlsx")
    xls = xls_twin(xlsx)
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # a real OLE2 .xls file, not a renamed zip
    from_xlsx, from_xls = _import(xlsx, lists), _import(xls, lists)
    assert from_xls.part(DEPT).plain()["items"]
    # The county workbook's uncomputed formula has no .xls form: leave its item out of the comparison.
    uncomputed = [p for p in from_xlsx.problems if "没有计算结果" in p.message]
    left_out = {"520000-JC00013000"} if uncomputed else set()
    assert _yaml(from_xls, left_out) == _yaml(from_xlsx, left_out)
    if not uncomputed:
        assert _issues(from_xlsx) or build is province_workbook  # the city workbook has much to report
        assert _issues(from_xls) == _issues(from_xlsx)


def test_xls_reads_merged_cells_dates_numbers_and_hidden_sheets(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("权力清单")
    ws.write_merge(0, 1, 0, 0, "520000-XK00001000")
    ws.write(0, 1, "食品经营许可（新办）")
    ws.write(1, 1, "食品经营许可（变更）")
    ws.write(0, 2, dt.date(2024, 2, 29), DATE)
    ws.write(0, 3, 851)
    ws.write(0, 4, 0.5)
    ws.write(0, 5, True)
    hidden = book.add_sheet("代码表")
    hidden.visibility = 1
    hidden.write(0, 0, "01")
    path = tmp_path / "a.xls"
    book.save(str(path))
    first, second = read(path)
    assert first.rows[1][0] == "520000-XK00001000" and first.origin[(1, 0)] == (0, 0)
    assert first.value(0, 2) == dt.datetime(2024, 2, 29)
    assert first.value(0, 3) == 851 and isinstance(first.value(0, 3), int) and first.value(0, 4) == 0.5
    assert first.value(0, 5) is True
    assert not first.hidden and second.hidden and second.value(0, 0) == "01"


def test_a_damaged_xls_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "坏.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(QingdanError, match="无法读取 坏.xls：不是有效的 .xls 文件"):
        read(path)


def test_an_xlsx_named_xls_still_reads(tmp_path: Path) -> None:
    xlsx = city_workbook(tmp_path / "city.xlsx")
    renamed = tmp_path / "city.xls"
    renamed.write_bytes(xlsx.read_bytes())
    assert [s.rows for s in read(renamed)] == [s.rows for s in read(xlsx)]


def test_an_xls_named_xlsx_still_reads_and_garbage_is_named_by_its_suffix(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("权力清单").write(0, 0, "事项编码")
    real = tmp_path / "a.xls"
    book.save(str(real))
    renamed = tmp_path / "a.xlsx"
    renamed.write_bytes(real.read_bytes())
    assert read(renamed)[0].value(0, 0) == "事项编码"
    garbage = tmp_path / "b.xlsx"
    garbage.write_bytes(b"not a workbook")
    with pytest.raises(QingdanError, match="无法读取 b.xlsx：不是有效的 .xlsx 文件"):
        read(garbage)
