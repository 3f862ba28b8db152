"""Editing an exported workbook and importing it back (real openpyxl workbooks, the real CLI)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qingdan.cli import main

from toolsupport import SAMPLE, needs_sample

pytestmark = needs_sample
DEPT = "520000-scjgj"
NEW_PHONE = "0851-86861234"


@pytest.fixture
def workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The department's power list exported from a copy of the sample, in tmp_path."""
    shutil.copytree(SAMPLE, tmp_path / "lists")
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["export", "--department", DEPT, "--list", "powers", "--output", "out"])
    assert done.exit_code == 0, done.output
    return tmp_path / "out" / DEPT / "powers.xlsx"


def _edit(path: Path, change) -> None:
    book = load_workbook(path)
    sheet = book.worksheets[0]
    headers = {cell.value: cell.column for cell in sheet[1]}
    change(sheet, headers)
    book.save(path)


def _import(path: Path) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["import", str(path), "--kind", "power", "--department", DEPT,
                                     "--merge", "--dry-run"])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output


def _rows_of(sheet, headers: dict, code: str) -> list[int]:
    return [row for row in range(2, sheet.max_row + 1) if sheet.cell(row, headers["事项编码"]).value == code]


def test_a_phone_stored_as_a_number_is_flagged_not_imported(workbook: Path) -> None:
    def as_number(sheet, headers):
        sheet.cell(2, headers["监督电话"]).value = 85186861234  # typed 085186861234: Excel kept a number
    _edit(workbook, as_number)
    status, output = _import(workbook)
    assert status == 1
    assert "第 2 行" in output and "“监督电话”" in output
    assert "单元格是数字格式（85186861234）" in output and "设为“文本”" in output


def test_the_dry_run_shows_old_and_new_values(workbook: Path) -> None:
    code = {}

    def new_phone(sheet, headers):
        code["item"] = sheet.cell(2, headers["事项编码"]).value
        code["old"] = sheet.cell(2, headers["监督电话"]).value
        for row in _rows_of(sheet, headers, code["item"]):
            sheet.cell(row, headers["监督电话"]).value = NEW_PHONE
    _edit(workbook, new_phone)
    status, output = _import(workbook)
    assert status == 0, output
    assert f"~ {code['item']}" in output
    assert f"监督电话: {code['old']} → {NEW_PHONE}" in output


def test_editing_one_row_of_an_item_with_sub_items_names_that_row(workbook: Path) -> None:
    found = {}

    def one_row(sheet, headers):
        codes = [sheet.cell(row, headers["事项编码"]).value for row in range(2, sheet.max_row + 1)]
        found["item"] = next(c for c in codes if codes.count(c) >= 3)  # an item on three rows or more
        found["rows"] = _rows_of(sheet, headers, found["item"])
        sheet.cell(found["rows"][1], headers["监督电话"]).value = NEW_PHONE
    _edit(workbook, one_row)
    status, output = _import(workbook)
    assert status == 1
    edited, others = found["rows"][1], [r for r in found["rows"] if r != found["rows"][1]]
    assert f"第 {edited} 行" in output and f"只有这一行改成了“{NEW_PHONE}”" in output
    assert "、".join(f"第 {r} 行" for r in others) in output
    assert output.count("只有这一行") == 1  # one issue, on the edited row
    for row in others:  # the unchanged rows are not blamed
        assert f"第 {row} 行 " not in output.split("只有这一行")[0].splitlines()[-1]


def test_exports_are_stamped_and_an_older_export_is_warned_about(workbook: Path, tmp_path: Path) -> None:
    from qingdan.excel.stamp import stamped, version

    current = (tmp_path / "lists" / DEPT / "powers.yml").read_bytes()
    assert stamped(workbook.read_bytes()) == (f"{DEPT}/powers.yml", version(current))
    status, output = _import(workbook)
    assert status == 0 and "较早版本" not in output  # exported from the current file

    # Someone else's change lands after the export: the workbook now undoes it.
    powers = tmp_path / "lists" / DEPT / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace("0851-12341001", NEW_PHONE, 1), encoding="utf-8")
    status, output = _import(workbook)
    assert f"这份表格导出自 lists/{DEPT}/powers.yml 的较早版本（数据版本 {version(current)[:10]}）" in output
    assert "import-stale" in output and "撤销这期间别人的修改" in output and "重新运行 qingdan export" in output
    assert f"{NEW_PHONE} → 0851-12341001" in output  # and the dry run shows what would be undone
