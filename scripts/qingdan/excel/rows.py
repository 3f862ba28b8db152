"""From records to table rows: one row per record, or per child (子项, 准入措施, 具体工作事项).

The record's own columns repeat on every row of its children, so each row
stands on its own when sorted or filtered, and import groups the rows back by
the record's identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..layout import BY_KEY
from ..load.schema import model_at
from .cells import Context, write
from .tables import SECTION_HEADER, Column, Table, export_columns, tables_of


@dataclass
class TableData:
    """One sheet of an export: its title, headers, cell types and rows."""

    title: str
    headers: list[str]
    cells: list[str]  # the cell type of each column (for formats and schemas)
    rows: list[list[Any]]
    descriptions: list[str] | None = None  # what each column holds, in Chinese


@dataclass
class Part:
    """The records one department has in one file."""

    department: str
    file_record: BaseModel


def file_tables(kind: str, parts: list[Part], ctx: Context) -> list[TableData]:
    """The sheets of a list: one per table of its kind (responsibility lists have four)."""
    found = []
    for table in tables_of(kind):
        rows = [row for part in parts for row in table_rows(table, part, ctx)]
        if rows or len(tables_of(kind)) == 1:
            found.append(table_data(table, ctx, rows))
    return found


def table_data(table: Table, ctx: Context, rows: list[list[Any]] | None = None) -> TableData:
    """A table's sheet: its title, headers, cell types and descriptions, with ``rows`` (none if not given)."""
    columns = export_columns(table)
    return TableData(table.sheet, [ctx.headers.standard(table.key, c.field) for c in columns],
                     [c.cell for c in columns], rows or [], [describe(table, c) for c in columns])


def as_one_table(kind: str, tables: list[TableData], ctx: Context) -> TableData:
    """The sheets ``tables`` of a list (file_tables) as a single table (for CSV), rows in the order of
    the sheets: several tables get a leading section column."""
    if len(tables_of(kind)) == 1:
        return tables[0]
    headers: list[str] = [SECTION_HEADER]
    cells: list[str] = ["text"]
    descriptions = ["这一行属于责任清单的哪一部分：" + "、".join(t.sheet for t in tables_of(kind))]
    for table in tables_of(kind):
        for column in export_columns(table):
            header = ctx.headers.standard(table.key, column.field)
            if header not in headers:
                headers.append(header)
                cells.append(column.cell)
                descriptions.append(describe(table, column))
    rows = []
    for data in tables:
        where = [headers.index(h) for h in data.headers]
        for row in data.rows:
            out: list[Any] = [data.title] + [None] * (len(headers) - 1)
            for i, value in zip(where, row):
                out[i] = value
            rows.append(out)
    return TableData(tables_of(kind)[0].kind, headers, cells, rows, descriptions)


def table_rows(table: Table, part: Part, ctx: Context) -> list[list[Any]]:
    """The rows of one table for one department's file."""
    columns = export_columns(table)
    rows = []
    for record in getattr(part.file_record, table.section):
        own = [_cell(c, record, part, ctx) for c in columns]
        children = getattr(record, table.child) if table.child else []
        if not children:
            rows.append(own)
        for child in children:
            rows.append([
                write(c.cell, _get(child, c.field.split(".", 1)[1]), ctx) if c.level == "child" else value
                for c, value in zip(columns, own)
            ])
    return rows


def describe(table: Table, column: Column) -> str:
    """The Chinese description of a column, from the model."""
    if column.level == "pseudo":
        return "部门名称（本条记录所属的部门）"
    path = column.field.lstrip("^").split(".")
    if column.level == "file":
        model: Any = BY_KEY[table.kind].model
    elif column.level == "child":
        model = model_at(table.model, (path[0], ""))
        path = path[1:]
    else:
        model = table.model
    if len(path) > 1:
        model, path = model_at(model, tuple(path)), path[-1:]
    info = model.model_fields[path[0]] if model else None
    text = (info.description or info.title or "") if info else ""
    return text + (f"。{_CELL_NOTES[column.cell]}" if column.cell in _CELL_NOTES else "")


# How a cell writes a value that is not plain text (the same form import reads back).
_CELL_NOTES = {
    "basis": "单元格中每条依据一行：【效力层级】《名称》（文号）条款：条文",
    "departments": "填写部门名称，多个用顿号分隔",
    "names": "多个用顿号分隔",
    "lines": "每项一行",
    "stages": "每个环节一行：环节：责任内容",
    "amendments": "每次修改一行：日期；修正或修订；机关；决定名称",
    "power_type": "单元格中写类型名称，如 行政许可",
    "bool": "是 或 否",
    "industry": "行业门类代码和名称，如 C 制造业",
}


def _cell(column: Column, record: BaseModel, part: Part, ctx: Context) -> Any:
    if column.level == "child":
        return None
    if column.level == "pseudo":
        return write(column.cell, part.department, ctx)
    if column.level == "file":
        return write(column.cell, getattr(part.file_record, column.field[1:]), ctx)
    return write(column.cell, _get(record, column.field), ctx)


def _get(record: Any, path: str) -> Any:
    for name in path.split("."):
        if record is None:
            return None
        record = getattr(record, name)
    return record
