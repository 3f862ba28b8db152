"""The summary of an import run, as a provincial 司法厅 sends it back to departments: Markdown and XLSX.

Per file: the rows read, the items written, the to-dos and the problems; then
every to-do (sheet, row, column, field) and every other problem. Both formats
come from the same rows; cell text is escaped for Markdown and kept as text
(never a formula) in the workbook.
"""

from __future__ import annotations

from typing import Any

from ..problems import CATALOGUE, format_loc
from ..report import SEVERITY_ZH, column_letter
from .batch import Run, counts
from .rows import TableData

FILE_HEADERS = ["文件", "部门", "读取行数", "写入事项", "待填写", "错误", "警告"]
TODO_HEADERS = ["文件", "工作表", "行", "列", "字段", "说明", "填写提示"]
PROBLEM_HEADERS = ["文件", "工作表", "行", "列", "级别", "代码", "问题", "提示"]


def file_rows(result: Run) -> list[list[Any]]:
    rows = []
    for item in result.files:
        c = counts(result, item)
        rows.append([c["file"], "、".join(c["departments"]) or "（未确定）", c["rows"], c["records"], c["todos"],
                     c["errors"], c["warnings"]])
    return rows


def todo_rows(result: Run) -> list[list[Any]]:
    return [[p.file, p.sheet or "", p.line or "", column_letter(p.column) if p.column else "",
             format_loc(p.loc), p.message, p.hint] for p in result.todos]


def problem_rows(result: Run) -> list[list[Any]]:
    return [[p.file, p.sheet or "", p.line or "", column_letter(p.column) if p.column else "",
             SEVERITY_ZH[p.severity], p.code, p.message, p.hint]
            for p in result.problems if p.code != "todo"]


def tables(result: Run) -> list[TableData]:
    """The report as sheets: 汇总, 待填写, 其他问题."""
    return [
        TableData("汇总", FILE_HEADERS, ["text", "text", "int", "int", "int", "int", "int"], file_rows(result)),
        TableData("待填写", TODO_HEADERS, ["text"] * len(TODO_HEADERS), todo_rows(result)),
        TableData("其他问题", PROBLEM_HEADERS, ["text"] * len(PROBLEM_HEADERS), problem_rows(result)),
    ]


def xlsx(result: Run) -> bytes:
    """The report as a workbook (the project's one XLSX writer)."""
    from ..export.xlsx import workbook_bytes  # the writer pulls in the export package; only reports need it

    return workbook_bytes(tables(result), "导入报告")


def markdown(result: Run) -> str:
    """The report as Markdown: totals, one row per file, then to-dos and other problems."""
    files = file_rows(result)
    todos, others = todo_rows(result), problem_rows(result)
    lines = ["# 导入报告", "",
             f"共 {len(result.files)} 个文件，读取 {sum(r[2] for r in files)} 行，"
             f"写入 {sum(r[3] for r in files)} 项；待填写 {len(todos)} 处，其他问题 {len(others)} 个。", ""]
    if result.created:
        lines += [f"新建部门：{'、'.join(result.created)}（department.yml 中空白的字段待填写）。", ""]
    for dept, why in sorted(result.blocked.items()):
        lines += [f"- **{_cell(dept)} 没有写入**：{_cell(why)}"]
    if result.blocked:
        lines.append("")
    lines += ["## 各文件", "", *_table(FILE_HEADERS, files), ""]
    lines += ["## 待填写", "",
              "导入时表格中没有或无法读取的必填内容，已在 YAML 中写为空白并加注释。填写之前 qingdan validate 会报告"
              " [todo]，清单不能发布。", ""]
    lines += (_table(TODO_HEADERS, todos) if todos else ["没有待填写的内容。"]) + [""]
    lines += ["## 其他问题", ""]
    lines += (_table(PROBLEM_HEADERS, others) if others else ["没有其他问题。"]) + [""]
    codes = sorted({p.code for p in result.problems})
    if codes:
        lines += ["## 问题代码", "", *[f"- `{c}` {CATALOGUE[c].title}：{CATALOGUE[c].description}" for c in codes], ""]
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out


def _cell(value: Any) -> str:
    """A table cell in Markdown: pipes, markup characters and line breaks made harmless."""
    shown = "" if value is None else str(value)
    for char in "\\|*_`[]<>#":
        shown = shown.replace(char, "\\" + char)
    return shown.replace("\r", "").replace("\n", "<br>")
