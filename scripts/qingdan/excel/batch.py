"""Many workbooks in one run: a folder (or several files) of a province's lists.

    find files -> know each file's department (--department, the mapping, or 实施主体)
    -> create missing departments if asked -> import each -> one plan per department file

The dataset is loaded once for the whole run. Parts of the same department
from several workbooks are combined into one file, so a second run over the
same workbooks plans no change.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset import load_dataset
from ..errors import QingdanError
from ..problems import Problem
from .cells import is_empty, text
from .context import check_department, context_for, departments_of, region_levels, site_headers
from .importer import Imported, Workbook, import_file, kind_of
from .merge import Mode, Plan, plan
from .read import read
from .registrar import Registrar

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Mapping table headers (CSV or a sheet): file name pattern, department id, its name, its region.
_MAPPING_HEADERS = {
    "pattern": ("文件", "文件名", "文件名模式", "pattern", "file"),
    "department": ("部门标识", "部门id", "department", "id"),
    "name": ("部门名称", "名称", "实施主体", "name"),
    "region": ("行政区划", "行政区划代码", "region"),
}
Progress = Callable[[int, int, str], None]


@dataclass
class MappingRow:
    """One row of a mapping table: files matching ``pattern`` belong to ``department``."""

    pattern: str | None
    department: str
    name: str | None = None
    region: str | None = None


@dataclass
class FileResult:
    """One workbook of the run: what it held and what became of it."""

    path: Path
    shown: str
    department: str | None  # the file's department (None: by 实施主体 row by row)
    workbook: Workbook | None = None
    failure: str | None = None  # the file could not be read at all

    @property
    def problems(self) -> list[Problem]:
        if self.failure is not None:
            return [Problem("import-no-data", f"无法读取：{self.failure}", self.shown,
                            hint="用 Excel 或 WPS 打开后另存为 .xlsx 再导入")]
        return self.workbook.problems if self.workbook else []

    @property
    def blocking(self) -> list[Problem]:
        """Errors that keep this file's rows from being written (to-dos never do)."""
        return [p for p in self.problems if p.severity == "error" and p.code not in ("todo", "import-no-data")]


@dataclass
class Run:
    """The whole run: every file, the plan for every department file, what was written."""

    files: list[FileResult]
    plans: dict[str, Plan] = field(default_factory=dict)  # department -> its plan
    parts: dict[str, Imported] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # department -> files that fed it
    blocked: dict[str, str] = field(default_factory=dict)  # department -> why nothing is written
    written: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # departments created
    registrar: Registrar | None = None  # laws to add to lists/sources.yml with the YAML
    registered: list[str] = field(default_factory=list)  # source ids added

    def write(self, lists_dir: Path) -> None:
        """Write every department file that may be written, and the sources they cite, atomically each."""
        from ..files import write_atomic

        writable = [(d, p) for d, p in sorted(self.plans.items()) if d not in self.blocked and p.changed]
        if writable and self.registrar is not None:
            self.registered = self.registrar.write()
        for _dept, result_plan in writable:
            write_atomic(lists_dir / result_plan.relpath, result_plan.text or "")
            self.written.append(result_plan.relpath)

    @property
    def problems(self) -> list[Problem]:
        found = [p for f in self.files for p in f.problems]
        found += [p for result in self.plans.values() for p in result.problems]
        return sorted(found, key=Problem.sort_key)

    @property
    def todos(self) -> list[Problem]:
        return [p for p in self.problems if p.code == "todo"]

    @property
    def exit_code(self) -> int:
        return 1 if any(p.severity == "error" for p in self.problems) or self.blocked else 0


def find_workbooks(paths: list[Path]) -> list[Path]:
    """The workbooks among ``paths``: files as given, folders searched (Excel's ~$ lock files skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES
                            and not p.name.startswith(("~$", ".")))
        else:
            found.append(path)
    return found


def read_mapping(path: Path) -> list[MappingRow]:
    """A mapping table: CSV (UTF-8 or GBK) or a workbook, one row per file pattern and/or department."""
    rows: list[MappingRow] = []
    for sheet in read(path):
        if not sheet.rows:
            continue
        headers = [(text(h) or "").strip().lower() for h in sheet.rows[0]]
        columns = {key: next((i for i, h in enumerate(headers) if h in spellings), None)
                   for key, spellings in _MAPPING_HEADERS.items()}
        if columns["department"] is None:
            continue
        for number, raw in enumerate(sheet.rows[1:], 2):
            values = {key: (text(raw[i]) if i is not None and i < len(raw) else None) for key, i in columns.items()}
            if not values["department"]:
                if any(not is_empty(v) for v in raw):
                    raise QingdanError(f"对照表 {path.name} 第 {number} 行没有部门标识")
                continue
            rows.append(MappingRow(values["pattern"], values["department"], values["name"], values["region"]))
    if not rows:
        raise QingdanError(f"对照表 {path.name} 中没有找到“部门标识”列或数据行；"
                           "表头写 文件、部门标识，可加 部门名称、行政区划")
    return rows


def department_of_file(path: Path, mapping: list[MappingRow]) -> str | None:
    """The department a file maps to: the first pattern matching its name (or its path)."""
    for row in mapping:
        if row.pattern and (fnmatch.fnmatch(path.name, row.pattern) or fnmatch.fnmatch(path.as_posix(), row.pattern)):
            return row.department
    return None


def create_departments(lists_dir: Path, mapping: list[MappingRow], wanted: set[str], *,
                       dry_run: bool = False) -> list[MappingRow]:
    """Create department folders (department.yml with placeholders, as qingdan new does) for ``wanted``.

    In a dry run nothing is written; the rows returned are the departments that would be created.
    """
    from ..scaffold import new, write  # scaffold imports this package; imported late to keep the order simple

    known = departments_of(lists_dir)
    made: list[MappingRow] = []
    for row in mapping:
        if row.department in known or row.department not in wanted or row.department in {m.department for m in made}:
            continue
        created = new("department", lists_dir, row.department, name=row.name, region=row.region)
        if not dry_run:
            write(created, lists_dir)
        made.append(row)
    return made


def run(paths: list[Path], kind: str, lists_dir: Path, *, department: str | None = None,
        mapping: list[MappingRow] | None = None, create: bool = False, dry_run: bool = False, mode: Mode = "new",
        keep_going: bool = False, headers: Path | None = None, sheets: tuple[str, ...] = (),
        include_hidden: bool = False, progress: Progress | None = None) -> Run:
    """Import every workbook of ``paths``; plan (not write) one file per department.

    Departments are created here when asked (``create``), except in a dry run, where they are only
    assumed: the run then shows what importing into them would do.
    """
    kind_of(kind)
    mapping = mapping or []
    files = [FileResult(p, _shown(p, paths), department or department_of_file(p, mapping))
             for p in find_workbooks(paths)]
    if not files:
        raise QingdanError("没有找到可导入的文件（.xlsx、.xlsm、.xls、.csv）")
    created: list[MappingRow] = []
    wanted = {f.department for f in files if f.department} | {m.department for m in mapping if m.name}
    if create:
        created = create_departments(lists_dir, mapping, wanted, dry_run=dry_run)
    assumed = {m.department for m in created} if dry_run else set()
    for dept in sorted({f.department for f in files if f.department} - assumed):
        check_department(lists_dir, dept)
    data = load_dataset(lists_dir)
    aliases = {m.name: m.department for m in mapping if m.name}
    ctx = context_for(data, site_headers(lists_dir, headers), None, aliases)
    levels = region_levels(lists_dir)
    for row in created if dry_run else []:  # the departments a real run would create first
        ctx.departments[row.department] = row.name or row.department
        if row.region and levels.get(row.region) in ("省", "市", "县"):
            ctx.levels[row.department] = levels[row.region]
    ctx.registrar = Registrar.open(lists_dir)
    ctx.sources.learner = ctx.registrar.learn
    result = Run(files, created=[m.department for m in created], registrar=ctx.registrar)
    for number, item in enumerate(files, 1):
        try:
            item.workbook = import_file(item.path, kind, item.department, lists_dir, ctx=ctx, shown=item.shown,
                                        sheets=sheets, include_hidden=include_hidden)
        except QingdanError as exc:
            item.failure = str(exc)
        if progress:
            progress(number, len(files), item.shown)
    _combine(result)
    for dept, part in sorted(result.parts.items()):
        blocking = [p for f in files if f.workbook and dept in _departments(f) for p in f.blocking]
        result.plans[dept] = plan(part, lists_dir, mode)
        if result.plans[dept].problems:
            result.blocked[dept] = "导入后的文件不能通过校验，没有写入。"
        elif blocking and not keep_going:
            result.blocked[dept] = (f"有 {len(blocking)} 处内容未能导入（见报告），没有写入。修正后重新导入，"
                                    "或加 --keep-going 先写入其余内容。")
        elif result.plans[dept].exists and result.plans[dept].changed and mode == "new":
            result.blocked[dept] = (f"lists/{result.plans[dept].relpath} 已存在，导入会改变它。用 --merge 合并"
                                    "（保留表格中没有的事项），或用 --force 以表格为准覆盖；可先加 --dry-run --diff 查看。")
    return result


def _departments(item: FileResult) -> set[str]:
    return {p.department for p in item.workbook.parts} if item.workbook else set()


def _combine(result: Run) -> None:
    """One Imported per department: the parts of every workbook, in file order (first record wins)."""
    for item in result.files:
        if item.workbook is None:
            continue
        for part in item.workbook.parts:
            result.sources.setdefault(part.department, []).append(item.shown)
            known = result.parts.get(part.department)
            if known is None:
                result.parts[part.department] = part
                continue
            _add(known, part, item)


def _add(known: Imported, part: Imported, item: FileResult) -> None:
    moved: dict[tuple[str, int], int] = {}  # (section, index in part) -> index in known
    for section, records in part.sections.items():
        have = {identity for identity, _ in known.sections.get(section, [])}
        for index, (identity, record) in enumerate(records):
            if identity in have:
                item.workbook.problems.append(Problem(
                    "import-duplicate-row", f"{identity} 在前面的文件中已经出现，这个文件中的这一条没有导入",
                    item.shown, hint="同一事项只在一个文件中填写"))
                continue
            moved[(section, index)] = len(known.sections.setdefault(section, []))
            known.sections[section].append((identity, record))
            known.notes[(section, identity)] = part.notes.get((section, identity), [])
    for problem in part.problems:
        key = (problem.loc[0], problem.loc[1]) if len(problem.loc) > 1 else None
        if key in moved:
            problem.loc = (key[0], moved[key], *problem.loc[2:])
            known.problems.append(problem)
    for key, value in part.file_fields.items():
        known.file_fields.setdefault(key, value)


def _shown(path: Path, roots: list[Path]) -> str:
    """A file as the report names it: relative to the folder given, else its name."""
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


def counts(result: Run, item: FileResult) -> dict[str, Any]:
    """Per file, as the summary shows it: rows read, items written, to-dos, errors, warnings."""
    problems = item.problems
    records = sum(p.records for p in item.workbook.parts) if item.workbook else 0
    departments = sorted(_departments(item)) or ([item.department] if item.department else [])
    written = any(d in result.plans and d not in result.blocked
                  and (result.plans[d].relpath in result.written or not result.plans[d].changed) for d in departments)
    return {
        "file": item.shown, "departments": departments,
        "rows": item.workbook.rows if item.workbook else 0,
        "records": records if written else 0, "read": records,
        "todos": sum(1 for p in problems if p.code == "todo"),
        "errors": sum(1 for p in problems if p.severity == "error" and p.code != "todo"),
        "warnings": sum(1 for p in problems if p.severity == "warning"),
    }
