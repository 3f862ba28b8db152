"""Import stage: a workbook (or CSV) of one department's list → records + a report.

    read sheets -> find each header -> read rows into records -> validate

Nothing is written here; :mod:`.merge` plans the change to the YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..dataset import Dataset, load_dataset
from ..errors import QingdanError
from ..layout import BY_KEY, FileKind
from .build import Built, build_sheet, finish
from .cells import Context, is_empty
from .columns import Layout, find_layout
from .context import context_for, site_headers
from .issues import Issue
from .read import Sheet, read
from .stamp import stale
from .tables import KIND_NAMES, tables_of


@dataclass
class Imported:
    """What a workbook holds for one file: records by section, file fields, what failed."""

    kind: FileKind
    department: str
    sections: dict[str, list[tuple[Any, BaseModel]]]  # section -> [(identity, record)]
    file_fields: dict[str, Any]
    failed: dict[str, set[Any]]  # section -> identities whose rows failed
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def plain(self) -> dict[str, Any]:
        """The file's data as written to YAML: only what differs from the defaults."""
        data: dict[str, Any] = dict(self.file_fields)
        for section, records in self.sections.items():
            if records:
                data[section] = [r.model_dump(mode="python", exclude_defaults=True) for _, r in records]
        return data


def kind_of(name: str) -> FileKind:
    """The file kind for a --kind value."""
    key = KIND_NAMES.get(name)
    if key is None:
        raise QingdanError(f"未知的清单类型 {name}；可选：power、responsibility、negative、regulations")
    return BY_KEY[key]


def check_department(lists_dir: Path, department: str) -> None:
    """Raise a clear error unless lists/<department>/department.yml exists."""
    if not (lists_dir / department / "department.yml").is_file():
        known = sorted(p.parent.name for p in lists_dir.glob("*/department.yml"))
        raise QingdanError(f"部门 {department} 不存在：没有 {lists_dir.name}/{department}/department.yml。"
                           f"可用的部门：{'、'.join(known) or '（无）'}；新部门先用 qingdan new department 创建")


def import_file(path: Path, kind: str, department: str, lists_dir: Path, *, headers: Path | None = None,
                sheets: tuple[str, ...] = (), include_hidden: bool = False,
                dataset: Dataset | None = None) -> Imported:
    """Read a workbook or CSV file for ``department``'s list of ``kind``."""
    file_kind = kind_of(kind)
    check_department(lists_dir, department)
    data = dataset or load_dataset(lists_dir)
    ctx = context_for(data, site_headers(lists_dir, headers), department)
    result = import_sheets(read(path), file_kind, department, ctx, sheets=sheets, include_hidden=include_hidden)
    relpath = f"{department}/{file_kind.filename}"
    current = lists_dir / relpath
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        note = stale(path.read_bytes(), relpath, current.read_bytes() if current.is_file() else None)
        if note is not None:
            result.issues.append(note)
    return result


def import_sheets(all_sheets: list[Sheet], kind: FileKind, department: str, ctx: Context, *,
                  sheets: tuple[str, ...] = (), include_hidden: bool = False) -> Imported:
    """Records of ``kind`` from already-read sheets."""
    built = Built()
    layouts: dict[str, Layout] = {}
    missing = [s for s in sheets if s not in {sheet.name for sheet in all_sheets}]
    if missing:
        raise QingdanError(f"工作簿中没有工作表 {'、'.join(missing)}；现有：{'、'.join(s.name for s in all_sheets)}")
    for sheet in all_sheets:
        if sheets and sheet.name not in sheets:
            continue
        layout = _layout(sheet, kind, ctx, built, include_hidden or sheet.name in sheets)
        if layout is not None:
            layouts[sheet.name] = layout
            build_sheet(layout, ctx, built)
    finish(built, layouts, ctx)
    result = _collect(built, kind, department)
    if not any(result.sections.values()) and not result.errors:
        result.issues.append(Issue("没有找到可导入的数据行", hint="检查工作簿是否选对，表头是否在前 20 行"))
    return result


def _layout(sheet: Sheet, kind: FileKind, ctx: Context, built: Built, show_hidden: bool) -> Layout | None:
    rows = sum(1 for r in sheet.rows if any(not is_empty(v) for v in r))
    if rows == 0:
        return None
    layout = find_layout(sheet, tables_of(kind.key), ctx.headers)
    if sheet.hidden and not show_hidden:
        if layout is not None:
            built.report(Issue("这是隐藏的工作表，看起来含有清单数据，没有导入", sheet.name,
                               hint="确认需要导入时，取消隐藏或加 --include-hidden；否则删除这张表"))
        else:
            built.report(Issue(f"隐藏的工作表已跳过（{rows} 行）", sheet.name, severity="note"))
        return None
    if layout is None:
        built.report(Issue(f"没有找到可识别的{kind.label}表头，这张表的 {rows} 行没有导入", sheet.name,
                           hint="如果这张表不是清单数据，用 --sheet 只导入需要的工作表；"
                           "如果是，把表头改为标准写法，或在 qingdan-headers.yml 中登记各列的写法"))
        return None
    for table in layout.tables:
        if table.identity not in layout.fields[table.key].values() and layout.fields[table.key]:
            header = ctx.headers.standard(table.key, table.identity)
            built.report(Issue(f"缺少“{header}”列，这张表没有导入", sheet.name,
                               hint=f"添加“{header}”列：它用来区分每一条记录"))
            return None
    return layout


def _collect(built: Built, kind: FileKind, department: str) -> Imported:
    sections: dict[str, list[tuple[Any, BaseModel]]] = {t.section: [] for t in tables_of(kind.key)}
    failed: dict[str, set[Any]] = {t.section: set() for t in tables_of(kind.key)}
    for table in tables_of(kind.key):
        for identity, group in built.groups.get(table.key, {}).items():
            if group.failed or group.record is None:
                failed[table.section].add(identity)
            else:
                sections[table.section].append((identity, group.record))
    file_fields = {path.lstrip("^"): value for path, (value, *_rest) in built.file_fields.items()}
    return Imported(kind, department, sections, file_fields, failed, built.issues)
