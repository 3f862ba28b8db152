"""Reporters: the same Report as text for people, JSON for machines, GitHub annotations."""

from __future__ import annotations

import json

from .problems import CATALOGUE, Problem
from .validate.result import Report

SEVERITY_ZH = {"error": "错误", "warning": "警告"}
DEFAULT_SHOWN = 20


def text(report: Report, show_all: bool = False, limit: int = DEFAULT_SHOWN, *, for_log: bool = False) -> str:
    """Problems most useful first, the rest counted, and a one-line summary.

    ``for_log`` is for output that lands in a CI log (a failed build): file
    names, messages and hints come from the data and may hold line breaks, so
    every part is escaped as the github reporter escapes them, and no line
    starts with ``::`` (a workflow command such as ``::stop-commands::``).
    """
    shown = report.problems if show_all else report.problems[:limit]
    lines = [_text_problem(p, for_log) for p in shown]
    hidden = len(report.problems) - len(shown)
    summary = (f"共检查 {report.files} 个文件：{len(report.errors)} 个错误，"
               f"{len(report.warnings)} 个警告。")
    if hidden:
        summary += f"另有 {hidden} 个问题未显示，使用 --all 查看全部。"
    if not report.problems:
        summary = f"共检查 {report.files} 个文件，没有发现问题。"
    return "\n".join([*lines, *_coverage(report), summary]) + "\n"


def _coverage(report: Report) -> list[str]:
    """What the national law catalogue could not check (it holds laws only), when there is any."""
    if report.catalogue_coverage is None or not report.catalogue_coverage[1]:
        return []
    checked, outside = report.catalogue_coverage
    return [f"法律依据：{checked} 处引用已与国家法律目录核对；{outside} 处引用行政法规、规章、地方性法规等，"
            "不在国家法律目录中，条款和条文未核对。"]


def place(p: Problem) -> str:
    """Where a problem is: file:line:column, or a workbook's sheet, row and column letter as Excel shows them."""
    if p.sheet is None:
        return p.file + (f":{p.line}" if p.line else "") + (f":{p.column}" if p.column else "")
    where = f"{p.file} 工作表“{p.sheet}”"
    if p.line:
        where += f" 第 {p.line} 行"
    if p.column:
        where += f" {column_letter(p.column)} 列"
    return where


def column_letter(column: int) -> str:
    """Excel's letter of a 1-based column: 1 → A, 27 → AA (openpyxl's, as excel/columns.py uses)."""
    # Imported here: only workbook problems have columns to letter, and every validate run loads
    # this module without needing openpyxl.
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _text_problem(p: Problem, for_log: bool = False) -> str:
    part = escape_data if for_log else str
    where = part(place(p))
    if for_log and where.lstrip().startswith("::"):
        where = "./" + where.lstrip()  # the same file, but no longer a workflow command
    out = f"{where}: {SEVERITY_ZH[p.severity]} [{p.code}] {part(p.message)}"
    if p.path:
        out += f"\n    位置：{part(p.path)}"
    if p.hint:
        out += f"\n    提示：{part(p.hint)}"
    return out


def as_json(report: Report) -> str:
    """A JSON array of problems with code, severity, file, line, column, path, message, hint."""
    rows = [
        {"code": p.code, "severity": p.severity, "file": p.file, "line": p.line, "column": p.column,
         "path": p.path, "message": p.message, "hint": p.hint, "title": CATALOGUE[p.code].title}
        | ({"sheet": p.sheet} if p.sheet is not None else {})
        for p in report.problems
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def escape_data(value: str) -> str:
    """A value as GitHub Actions reads it in a workflow command: no line break can end it early."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per problem, on its file and line."""
    lines = []
    for p in report.problems:
        level = "error" if p.severity == "error" else "warning"
        props = [f"file={_escape_property(p.file)}"]
        if p.line:
            props.append(f"line={p.line}")
        if p.column:
            props.append(f"col={p.column}")
        props.append(f"title={_escape_property(f'[{p.code}] {CATALOGUE[p.code].title}')}")
        body = p.message + (f"\n提示：{p.hint}" if p.hint else "") + (f"\n位置：{p.path}" if p.path else "")
        lines.append(f"::{level} {','.join(props)}::{escape_data(body)}")
    lines.append(f"::notice::共检查 {report.files} 个文件：{len(report.errors)} 个错误，{len(report.warnings)} 个警告")
    return "\n".join(lines) + "\n"


FORMATS = {"text": text, "json": as_json, "github": github}
