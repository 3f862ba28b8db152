"""From sheet rows to records: read cells, group 子项 rows under their 主项, validate.

Rows of one record share its identity (its code, or its name for tables
without codes); merged cells have already been filled in, and a row whose
identity is blank continues the record above it. A record whose cells cannot
all be read, or that the model rejects, fails as a whole and is reported with
the sheet, row and column of each problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..load.schema import check
from ..problems import Problem
from .cells import Context, is_empty, read, text
from .columns import Layout, letter
from .headers import normalise
from .issues import CellError, Issue
from .tables import Table

Pos = tuple[str, int, int | None]  # sheet, 0-based row, column


@dataclass
class Child:
    """One child (子项, 准入措施, 具体工作事项) and where it came from."""

    values: dict[str, Any]
    sheet: str
    row: int
    cells: dict[str, int]  # field -> column


@dataclass
class Group:
    """The rows of one record while they are collected."""

    table: Table
    sheet: str
    identity: Any
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Pos] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    failed: bool = False
    failed_fields: set[str] = field(default_factory=set)  # already reported cell by cell
    record: BaseModel | None = None
    # Every row's value of each field of the main record (value, row, column), to tell, when
    # the rows disagree, which row was edited.
    rows: dict[str, list[tuple[Any, int, int | None]]] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)


@dataclass
class Built:
    """Everything read from a workbook: records by table, file fields, issues."""

    groups: dict[str, dict[Any, Group]] = field(default_factory=dict)
    file_fields: dict[str, tuple[Any, str, int, int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def report(self, issue: Issue) -> None:
        key = (issue.sheet, issue.row, issue.column, issue.message)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(issue)


class _Builder:
    """Reads the data rows of one laid-out sheet into ``built``."""

    def __init__(self, layout: Layout, ctx: Context, built: Built) -> None:
        self.layout, self.ctx, self.built = layout, ctx, built
        self.sheet = layout.sheet
        self.current: Group | None = None
        self.unmapped: dict[int, int] = {}
        self.conflicting: list[Group] = []

    def run(self) -> None:
        for row in range(self.layout.data_start, len(self.sheet.rows)):
            if self._blank(row) or self._repeated_header(row):
                continue
            table = self._table(row)
            if table is not None:
                self._row(table, row)
        for group in self.conflicting:
            self._report_conflicts(group)
        self._report_unmapped()

    # ---- rows ----

    def _blank(self, row: int) -> bool:
        return all(is_empty(v) for v in self.sheet.rows[row]) and not any(
            r == row for r, _ in self.sheet.formulas)

    def _repeated_header(self, row: int) -> bool:
        labels = self.layout.labels
        return bool(labels) and all(normalise(text(self.sheet.value(row, c))) == normalise(lab)
                                    for c, lab in labels.items())

    def _table(self, row: int) -> Table | None:
        if self.layout.section_col is None:
            return self.layout.tables[0]
        value = normalise(text(self.sheet.value(row, self.layout.section_col)))
        for table in self.layout.tables:
            if value in (normalise(table.sheet), normalise(table.key)):
                return table
        names = "、".join(t.sheet for t in self.layout.tables)
        self._issue(row, self.layout.section_col, f"“{text(self.sheet.value(row, self.layout.section_col))}”不是可识别的部分",
                    f"填写 {names} 之一")
        return None

    def _row(self, table: Table, row: int) -> None:
        columns = self.layout.fields[table.key]
        for col in self.layout.unmapped(table):
            if not is_empty(self.sheet.value(row, col)) and not self._ignored(col):
                self.unmapped[col] = self.unmapped.get(col, 0) + 1
        values: dict[str, dict[str, Any]] = {"record": {}, "child": {}, "file": {}, "pseudo": {}}
        cells: dict[str, int] = {}
        extras: dict[str, Any] = {}
        failed: set[str] = set()
        for col, field_path in columns.items():
            column = table.column(field_path)
            if (row, col) in self.sheet.formulas:
                self._issue(row, col, f"公式 {self.sheet.formulas[(row, col)]} 没有计算结果",
                            "在 Excel 或 WPS 中打开并保存一次（保存时会计算公式），或把公式改为数值后再导入")
                failed.add(field_path)
                continue
            raw = self.sheet.value(row, col)
            if is_empty(raw):
                continue
            try:
                got = read(column.cell, raw, self.ctx, field_path)
            except CellError as exc:
                self._issue(row, col, str(exc), exc.hint)
                failed.add(field_path)
                continue
            values[column.level][field_path] = got.value
            cells[field_path] = col
            extras.update(got.extras)
        self._file_fields(values["file"], cells, row)
        if table.identity in failed:
            return  # without its identity the row belongs to no record; the cell is reported
        group = self._group(table, row, values, cells)
        if group is None:
            return
        group.failed |= bool(failed)
        group.failed_fields |= {f if f.startswith(f"{table.child}.") else f.split(".")[0] for f in failed}
        for key, value in extras.items():
            group.extras.setdefault(key, value)

    def _group(self, table: Table, row: int, values: dict[str, dict], cells: dict[str, int]) -> Group | None:
        record, child = values["record"], values["child"]
        if values["pseudo"].get("@level") == "子项" and table.child:
            for key in ("code", "name"):
                if key in record:
                    child[f"{table.child}.{key}"] = record.pop(key)
                    cells[f"{table.child}.{key}"] = cells[key]
        identity = record.get(table.identity)
        if identity is not None and self._is_sub_code(table, identity, child):
            child.update({f"{table.child}.code": record.pop("code"),
                          f"{table.child}.name": record.pop("name", None)})
            cells[f"{table.child}.code"] = cells["code"]
            if "name" in cells:
                cells[f"{table.child}.name"] = cells["name"]
            identity = None
        groups = self.built.groups.setdefault(table.key, {})
        if identity is not None and (table.child or identity not in groups):
            group = groups.get(identity)
            if group is None:
                group = groups[identity] = Group(table, self.sheet.name, identity, row)
        elif identity is not None:
            first = groups[identity]
            self._issue(row, cells.get(table.identity), f"与{self._place(first.sheet, first.first_row)}重复",
                        "同一条记录只写一行；如确为不同记录，请修改其中一行")
            groups[identity].failed = True
            return None
        elif self.current is not None and self.current.table is table and table.child:
            group = self.current
        else:
            header = self.ctx.headers.standard(table.key, table.identity)
            self._issue(row, None, f"缺少{header}，这一行没有导入", f"填写{header}")
            return None
        self.current = group
        self._merge(group, record, cells, row)
        if child:
            group.children.append(Child({k.split(".", 1)[1]: v for k, v in child.items() if v is not None},
                                        self.sheet.name, row,
                                        {k.split(".", 1)[1]: cells[k] for k in child if k in cells}))
        return group

    def _is_sub_code(self, table: Table, code: Any, child: dict) -> bool:
        """A row of its own for a 子项: its code shares the region and base of the 主项 above."""
        pattern = self.ctx.power_pattern
        if table.key != "powers" or child or self.current is None or pattern is None:
            return False
        if self.current.identity == code or "sub" not in pattern.groupindex:
            return False
        mine, main = pattern.match(str(code)), pattern.match(str(self.current.identity))
        if not mine or not main:
            return False
        same = all(mine.group(g) == main.group(g) for g in pattern.groupindex if g != "sub")
        return same and mine.group("sub") != main.group("sub")

    def _merge(self, group: Group, record: dict[str, Any], cells: dict[str, int], row: int) -> None:
        for field_path, value in record.items():
            if group.sheet == self.sheet.name:
                group.rows.setdefault(field_path, []).append((value, row, cells.get(field_path)))
            if field_path not in group.values:
                group.values[field_path] = value
                group.cells[field_path] = (self.sheet.name, row, cells.get(field_path))
            elif group.values[field_path] != value:
                if group.sheet != self.sheet.name:
                    first = self._place(*group.cells[field_path][:2])
                    self._issue(row, cells.get(field_path), f"与{first}同一事项的值不同",
                                "同一事项各行的主项内容应一致；请统一后再导入")
                elif not group.conflicts:
                    self.conflicting.append(group)
                group.conflicts.add(field_path)
                group.failed = True

    def _report_conflicts(self, group: Group) -> None:
        """Rows of one item that disagree: the row that differs from all the others is the edited one."""
        for field_path in sorted(group.conflicts):
            rows = group.rows[field_path]
            counts: dict[str, list[tuple[Any, int, int | None]]] = {}
            for entry in rows:
                counts.setdefault(repr(entry[0]), []).append(entry)
            variants = sorted(counts.values(), key=len)
            if len(variants) == 2 and len(variants[0]) == 1 and len(variants[1]) >= 2:
                (edited, row, col), = variants[0]
                others = variants[1]
                where = "、".join(f"第 {r + 1} 行" for _v, r, _c in others)
                self._issue(row, col, f"只有这一行改成了“{_shown(edited)}”，同一事项的其他各行（{where}）"
                                      f"仍是“{_shown(others[0][0])}”",
                            f"同一事项各行的主项内容应一致：把{where}也改为“{_shown(edited)}”，"
                            f"或把这一行改回“{_shown(others[0][0])}”")
                continue
            first_value, first_row, _ = rows[0]
            for value, row, col in rows[1:]:
                if value != first_value:
                    self._issue(row, col, f"与第 {first_row + 1} 行同一事项的值不同：这一行是“{_shown(value)}”，"
                                          f"第 {first_row + 1} 行是“{_shown(first_value)}”",
                                "同一事项各行的主项内容应一致；请统一后再导入")

    def _file_fields(self, values: dict[str, Any], cells: dict[str, int], row: int) -> None:
        for field_path, value in values.items():
            known = self.built.file_fields.get(field_path)
            if known is None:
                self.built.file_fields[field_path] = (value, self.sheet.name, row, cells[field_path])
            elif known[0] != value:
                self._issue(row, cells[field_path], f"与工作表“{known[1]}”第 {known[2] + 1} 行的值不同",
                            "整份清单只能有一个值，请统一")

    # ---- reporting ----

    def _place(self, sheet: str, row: int) -> str:
        """A row as the message names it: 第 N 行, with its sheet if it is another one."""
        return f"第 {row + 1} 行" if sheet == self.sheet.name else f"工作表“{sheet}”第 {row + 1} 行"

    def _ignored(self, col: int) -> bool:
        label = self.layout.labels.get(col)
        return label is not None and self.ctx.headers.ignored(label)

    def _report_unmapped(self) -> None:
        for col, count in sorted(self.unmapped.items()):
            label = self.layout.labels.get(col)
            taken = self.layout.duplicates.get(col)
            if taken:
                message = f"与另一列重复，都对应字段 {taken}，{count} 行数据未导入"
                hint = "删除重复的列，或把两列内容合并到一列"
            else:
                message = f"表头{'“' + label + '”' if label else '为空'}无法识别，{count} 行数据未导入"
                hint = "把表头改为标准写法，或在 qingdan-headers.yml 中登记这个写法"
            self.built.report(Issue(message, self.sheet.name, self.layout.data_start + 1, letter(col),
                                    label, hint))

    def _issue(self, row: int, col: int | None, message: str, hint: str = "") -> None:
        if col is not None:
            row, col = self.sheet.origin.get((row, col), (row, col))
        self.built.report(Issue(message, self.sheet.name, row + 1, letter(col) if col is not None else None,
                                self.layout.labels.get(col) if col is not None else None, hint))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def build_sheet(layout: Layout, ctx: Context, built: Built) -> None:
    """Read the data rows of one sheet into ``built``."""
    _Builder(layout, ctx, built).run()


def finish(built: Built, layouts: dict[str, Layout], ctx: Context) -> None:
    """Validate every collected record; failed ones are reported cell by cell."""
    for groups in built.groups.values():
        for group in groups.values():
            data = _data(group)
            record, problems = check(group.table.model, data, group.sheet)
            for problem in problems:
                if problem.loc and _already_reported(group, problem.loc):
                    continue
                sheet, row, col = _position(group, problem.loc)
                label = layouts[sheet].labels.get(col) if col is not None else None
                built.report(Issue(problem.message, sheet, row + 1, letter(col) if col is not None else None,
                                   label, _hint(group.table, problem, ctx)))
            group.record = record
            group.failed |= record is None


def _already_reported(group: Group, loc: tuple) -> bool:
    """A model error that follows from a cell already reported (an unreadable value left out)."""
    if loc[0] == group.table.child and len(loc) > 2:
        return f"{loc[0]}.{loc[2]}" in group.failed_fields
    return loc[0] in group.failed_fields


def _hint(table: Table, problem: Problem, ctx: Context) -> str:
    if problem.code == "missing-field" and problem.loc:
        parts = [p for p in problem.loc if isinstance(p, str)]
        path = ".".join(parts[-2:]) if parts[0] == table.child else ".".join(parts)
        try:
            return f"在“{ctx.headers.standard(table.key, path)}”列填写"
        except KeyError:
            return problem.hint
    return problem.hint


def _data(group: Group) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field_path, value in {**group.extras, **group.values}.items():
        _put(data, field_path, value)
    if group.table.child:
        data[group.table.child] = [dict(child.values) for child in group.children]
    return data


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if rest:
        _put(data.setdefault(head, {}), rest, value)
    else:
        data[head] = value


def _position(group: Group, loc: tuple) -> Pos:
    table = group.table
    if loc and loc[0] == table.child and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(group.children):
        child = group.children[loc[1]]
        name = loc[2] if len(loc) > 2 and isinstance(loc[2], str) else None
        return child.sheet, child.row, child.cells.get(name) if name else None
    names = [str(p) for p in loc if isinstance(p, str)]
    for size in range(len(names), 0, -1):
        path = ".".join(names[:size])
        if path in group.cells:
            return group.cells[path]
    return group.sheet, group.first_row, None

