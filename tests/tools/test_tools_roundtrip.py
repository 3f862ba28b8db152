"""Export → import gives the same YAML, on the whole sample dataset, through XLSX and through CSV."""

from __future__ import annotations

import difflib
import io

import pytest
from openpyxl import load_workbook

from qingdan.dataset import Dataset
from qingdan.excel.context import context_for
from qingdan.excel.importer import import_sheets
from qingdan.excel.merge import plan
from qingdan.excel.read import read_csv, read_xlsx
from qingdan.export import downloads, file_record
from qingdan.fmt import render
from qingdan.layout import BY_KEY

from toolsupport import needs_sample

pytestmark = needs_sample


@pytest.fixture(scope="module")
def exported(sample: Dataset) -> dict[str, bytes]:
    return downloads(sample, formats=("xlsx", "csv"), site_wide=False, package=False)


def _cases(exported: dict[str, bytes]) -> list[tuple[str, str, str, bytes]]:
    cases = []
    for path, raw in sorted(exported.items()):
        _, dept, name = path.split("/")
        kind, fmt = name.rsplit(".", 1)
        cases.append((dept, kind, fmt, raw))
    return cases


def _sheets(kind: str, fmt: str, raw: bytes):
    return read_xlsx(raw) if fmt == "xlsx" else [read_csv(raw, kind)]


def test_sample_is_valid_and_covers_every_list(sample: Dataset, exported: dict[str, bytes]):
    assert sample.ok, [p.message for p in sample.report.errors][:5]
    kinds = {kind for _d, kind, _f, _r in _cases(exported)}
    assert kinds == {"powers", "responsibilities", "negative_list", "regulations"}


def test_every_exported_file_imports_to_the_same_records(sample: Dataset, exported: dict[str, bytes]):
    ctx = context_for(sample)
    checked = 0
    for dept, kind, fmt, raw in _cases(exported):
        workbook = import_sheets(_sheets(kind, fmt, raw), BY_KEY[kind], dept, ctx)
        assert workbook.problems == [], f"{dept}/{kind}.{fmt}: {workbook.problems[:3]}"
        imported = workbook.part(dept)
        again = BY_KEY[kind].model.model_validate(imported.plain())
        assert again == file_record(sample, dept, kind), f"{dept}/{kind}.{fmt} differs after the round trip"
        checked += 1
    assert checked == len(exported) >= 2 * len(sample.departments)


def test_reimporting_an_export_leaves_every_yaml_file_byte_for_byte(sample: Dataset, exported: dict[str, bytes]):
    ctx = context_for(sample)
    for dept, kind, fmt, raw in _cases(exported):
        if fmt != "xlsx":
            continue
        imported = import_sheets(_sheets(kind, fmt, raw), BY_KEY[kind], dept, ctx).part(dept)
        result = plan(imported, sample.lists_dir, "replace")
        assert result.problems == []
        assert not result.changed, f"{dept}/{kind}: the YAML would change"
        assert {c.action for c in result.changes} <= {"unchanged"}


def test_a_new_file_from_an_export_is_the_canonical_yaml_without_comments(sample: Dataset, exported: dict[str, bytes]):
    ctx = context_for(sample)
    dept, kind = "520000-scjgj", "powers"
    imported = import_sheets(read_xlsx(exported[f"downloads/{dept}/{kind}.xlsx"]), BY_KEY[kind], dept, ctx).part(dept)

    text = render(imported.plain(), BY_KEY[kind].model)

    original = (sample.lists_dir / dept / "powers.yml").read_text(encoding="utf-8")
    without_comments = "".join(line for line in original.splitlines(keepends=True) if not line.startswith("#"))
    assert text == without_comments


def test_one_changed_cell_gives_a_one_line_diff_with_every_comment_kept(sample: Dataset, exported: dict[str, bytes]):
    dept, kind = "520000-scjgj", "powers"
    book = load_workbook(io.BytesIO(exported[f"downloads/{dept}/{kind}.xlsx"]))
    ws = book.worksheets[0]
    header = [c.value for c in ws[1]]
    name_col = header.index("事项名称") + 1
    old_name = ws.cell(2, name_col).value
    for row in range(2, ws.max_row + 1):  # the 主项 name repeats on each of its 子项 rows
        if ws.cell(row, name_col).value == old_name:
            ws.cell(row, name_col).value = old_name + "（试行）"
    edited = io.BytesIO()
    book.save(edited)
    ctx = context_for(sample)

    imported = import_sheets(read_xlsx(edited.getvalue()), BY_KEY[kind], dept, ctx).part(dept)
    result = plan(imported, sample.lists_dir, "merge")

    assert [(c.identity, c.fields) for c in result.changes if c.action == "changed"] == [
        (sample.department_powers(dept)[0].code, ["事项名称（name）"])]
    diff = [line for line in difflib.unified_diff(result.old_text.splitlines(), result.text.splitlines(), lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == [f"-    name: {old_name}", f"+    name: {old_name}（试行）"]
