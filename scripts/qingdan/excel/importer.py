"""Import stage: a workbook (or CSV) of a list → plain records per department + problems.

    read sheets -> find each header -> read rows into records (per department) -> derive, fill placeholders

Nothing is written here; :mod:`.merge` plans the change to each YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..dataset import Dataset, load_dataset
from ..errors import QingdanError
from ..layout import BY_KEY, FileKind
from ..problems import Loc, Problem
from .build import Built, Group, Pos, build_sheet, finish
from .cells import Context, is_empty
from .columns import Layout, find_layout
from .context import check_department, context_for, site_headers
from .read import Sheet, read
from .registrar import Registrar
from .tables import KIND_NAMES, tables_of


@dataclass
class Imported:
    """What a workbook holds for one department's file: plain records by section, file fields, comments."""

    kind: FileKind
    department: str
    sections: dict[str, list[tuple[Any, dict[str, Any]]]]  # section -> [(identity, plain record)]
    file_fields: dict[str, Any]
    notes: dict[tuple[str, Any], list[tuple[Loc, str]]] = field(default_factory=dict)  # YAML comments by record
    problems: list[Problem] = field(default_factory=list)  # this department's to-dos, derived values, …

    @property
    def todos(self) -> list[Problem]:
        return [p for p in self.problems if p.code == "todo"]

    @property
    def records(self) -> int:
        return sum(len(records) for records in self.sections.values())

    def plain(self) -> dict[str, Any]:
        """The file's data as written to YAML (placeholders included)."""
        data: dict[str, Any] = dict(self.file_fields)
        for section, records in self.sections.items():
            if records:
                data[section] = [record for _, record in records]
        return data


@dataclass
class Workbook:
    """One workbook read: its parts per department, and every problem found (sheet-level ones too)."""

    file: str
    kind: FileKind
    parts: list[Imported]
    problems: list[Problem]
    rows: int = 0
    registrar: Registrar | None = None  # sources to add to lists/sources.yml when the YAML is written

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def part(self, department: str) -> Imported:
        """The part of one department (empty if the workbook has no rows of it)."""
        found = next((p for p in self.parts if p.department == department), None)
        if found is None:
            raise KeyError(department)
        return found


def kind_of(name: str) -> FileKind:
    """The file kind for a --kind value."""
    key = KIND_NAMES.get(name)
    if key is None:
        raise QingdanError(f"未知的清单类型 {name}；可选：power、responsibility、negative、regulations")
    return BY_KEY[key]


def import_file(path: Path, kind: str, department: str | None, lists_dir: Path, *, headers: Path | None = None,
                sheets: tuple[str, ...] = (), include_hidden: bool = False, dataset: Dataset | None = None,
                ctx: Context | None = None, shown: str | None = None) -> Workbook:
    """Read a workbook or CSV file of ``kind``; rows go to ``department`` unless their 实施主体 names another."""
    file_kind = kind_of(kind)
    if ctx is None:
        if department is not None:
            check_department(lists_dir, department)
        data = dataset or load_dataset(lists_dir)
        ctx = context_for(data, site_headers(lists_dir, headers), department)
        ctx.registrar = Registrar.open(lists_dir)
        ctx.sources.learner = ctx.registrar.learn
    return import_sheets(read(path), file_kind, department, ctx, sheets=sheets, include_hidden=include_hidden,
                         file=shown or path.name)


def import_sheets(all_sheets: list[Sheet], kind: FileKind, department: str | None, ctx: Context, *,
                  sheets: tuple[str, ...] = (), include_hidden: bool = False, file: str = "工作簿") -> Workbook:
    """Records of ``kind`` from already-read sheets, per department (``department`` for rows that name none)."""
    if ctx.department != department:
        ctx = replace(ctx, department=department)
    built = Built(file)
    missing = [s for s in sheets if s not in {sheet.name for sheet in all_sheets}]
    if missing:
        raise QingdanError(f"工作簿中没有工作表 {'、'.join(missing)}；现有：{'、'.join(s.name for s in all_sheets)}")
    for sheet in all_sheets:
        if sheets and sheet.name not in sheets:
            continue
        layout = _layout(sheet, kind, ctx, built, include_hidden or sheet.name in sheets)
        if layout is not None:
            if ctx.department is None and not _names_departments(layout):
                raise QingdanError(f"{file} 的工作表“{sheet.name}”没有“实施主体”列，无法确定属于哪个部门："
                                   "用 --department 指定部门，或用 --mapping 对照表按文件名指定")
            build_sheet(layout, ctx, built)
    finish(built, ctx)
    parts = _collect(built, kind, ctx)
    if not any(part.records for part in parts) and built.rows:
        built.report("import-no-data", f"读到 {built.rows} 行，但没有一行能导入（原因见其他问题），没有写入任何文件",
                     hint="按其他问题的提示改正后重新导入")
    elif not any(part.records for part in parts):
        built.report("import-no-data", "没有找到可导入的数据行，没有写入任何文件",
                     hint="检查工作簿是否选对，表头是否在前 20 行")
    problems = list(built.problems)
    if ctx.registrar is not None:
        problems += [p for p in ctx.registrar.problems if p.file == file]
    for part in parts:
        problems += part.problems
    problems.sort(key=Problem.sort_key)
    return Workbook(file, kind, parts, problems, built.rows, ctx.registrar)


def _names_departments(layout: Layout) -> bool:
    return any("@department" in fields.values() for fields in layout.fields.values())


def _layout(sheet: Sheet, kind: FileKind, ctx: Context, built: Built, show_hidden: bool) -> Layout | None:
    rows = sum(1 for r in sheet.rows if any(not is_empty(v) for v in r))
    if rows == 0:
        return None
    layout = find_layout(sheet, tables_of(kind.key), ctx.headers)
    if sheet.hidden and not show_hidden:
        if layout is not None:
            built.report("import-hidden-sheet", "这是隐藏的工作表，看起来含有清单数据，没有导入", sheet.name,
                         hint="确认需要导入时，取消隐藏或加 --include-hidden；否则删除这张表")
        else:
            built.report("import-sheet-skipped", f"隐藏的工作表已跳过（{rows} 行）", sheet.name)
        return None
    if layout is None:
        built.report("import-no-header", f"没有找到可识别的{kind.label}表头，这张表的 {rows} 行没有导入", sheet.name,
                     hint="如果这张表不是清单数据，用 --sheet 只导入需要的工作表；"
                     "如果是，把表头改为标准写法，或在 qingdan-headers.yml 中登记各列的写法")
        return None
    for table in layout.tables:
        if table.identity not in layout.fields[table.key].values() and layout.fields[table.key]:
            header = ctx.headers.standard(table.key, table.identity)
            built.report("import-no-header", f"缺少“{header}”列，这张表没有导入", sheet.name,
                         hint=f"添加“{header}”列：它用来区分每一条记录")
            return None
    return layout


def _collect(built: Built, kind: FileKind, ctx: Context) -> list[Imported]:
    """One Imported per department, with its to-dos and derived values as located problems."""
    parts = []
    for department in built.departments():
        part = Imported(kind, department, {t.section: [] for t in tables_of(kind.key)}, {})
        part.file_fields = {path.lstrip("^"): value for path, (value, *_rest) in built.file_fields.items()}
        derived: dict[tuple[str, str], list[tuple[Loc, Pos, str]]] = {}  # (sheet, kind) -> values derived
        for table in tables_of(kind.key):
            for identity, group in built.groups.get((department, table.key), {}).items():
                index = len(part.sections[table.section])
                part.sections[table.section].append((identity, group.plain or {}))
                _todos_of(built.file, part, table.section, index, identity, group)
                for what, path, pos, example in group.derived:
                    derived.setdefault((pos[0], what), []).append(((table.section, index, *path), pos, example))
        part.problems += [_derived(built.file, what, found) for (_sheet, what), found in derived.items()]
        parts.append(part)
    return parts


def _todos_of(file: str, part: Imported, section: str, index: int, identity: Any, group: Group) -> None:
    notes = part.notes.setdefault((section, identity), [])
    notes += group.notes
    for path, (sheet, row, col), message, hint in group.todos:
        notes.append((path, f"待填写：{message}（工作表“{sheet}”第 {row + 1} 行）"))
        part.problems.append(Problem("todo", message, file, (section, index, *path), hint=hint, line=row + 1,
                                     column=col + 1 if col is not None else None, sheet=sheet))


def _derived(file: str, what: str, found: list[tuple[Loc, Pos, str]]) -> Problem:
    """One warning per sheet and kind of derived value (each value also carries a comment in the YAML)."""
    loc, (sheet, row, _col), example = found[0]
    if what == "sub-code":
        message = f"{len(found)} 个子项的编码按主项编码和子项顺序推定（如第 {row + 1} 行 {example}）"
    else:
        message = f"{len(found)} 个事项的行使层级按部门所在行政区划推定为“{example}”"
    return Problem("import-derived", message, file, loc, line=row + 1, sheet=sheet,
                   hint="YAML 中这些值注明了“推定”，请核对；有正式的值时在表格中补上这一列再导入")
