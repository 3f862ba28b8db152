"""From sheet rows to records: read cells, group 子项 rows under their 主项, validate.

Rows of one record share its identity (its code, or its name for tables
without codes); merged cells have already been filled in, and a row whose
identity is blank continues the record above it. Each row goes to the
department its 实施主体 cell names (or the file's department).

No row that belongs to a record is dropped: a value the workbook does not
have, or that cannot be read, becomes an empty placeholder ("") with a comment
saying what to fill in, and a ``todo`` problem naming the sheet, row, column
and field. What follows from rules is derived and said so (``import-derived``):
a 子项's code from its 主项's code and its position, the 行使层级 from the
department's region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..load.schema import check, model_at
from ..problems import Loc, Problem
from .cells import Context, is_empty, read, text
from .columns import Layout
from .headers import normalise
from .issues import CellError
from .tables import Table

Pos = tuple[str, int, int | None]  # sheet, 0-based row, 0-based column (None: the workbook has no such column)
PLACEHOLDER = ""
_MAX_FILL_ROUNDS = 4  # a placeholder may uncover an error nested below it (a list, then its entry)


@dataclass
class Unread:
    """A cell that could not be read: where, what it held, why."""

    pos: Pos
    raw: str
    message: str
    hint: str


@dataclass
class Child:
    """One child (子项, 准入措施, 具体工作事项) and where it came from."""

    values: dict[str, Any]
    sheet: str
    row: int
    cells: dict[str, int]  # field -> column
    unread: dict[str, Unread] = field(default_factory=dict)


@dataclass
class Group:
    """The rows of one record while they are collected, then its plain data."""

    table: Table
    department: str
    sheet: str
    identity: Any
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, Pos] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    unread: dict[str, Unread] = field(default_factory=dict)
    plain: dict[str, Any] | None = None  # what is written, placeholders included
    notes: list[tuple[Loc, str]] = field(default_factory=list)  # path in the record -> YAML comment
    todos: list[tuple[Loc, Pos, str, str]] = field(default_factory=list)  # path, cell, message, hint
    derived: list[tuple[str, Loc, Pos, str]] = field(default_factory=list)  # kind, path, cell, example
    columns: dict[str, int] = field(default_factory=dict)  # field -> column of the record's first sheet


@dataclass
class Built:
    """Everything read from a workbook: records by department and table, file fields, problems."""

    file: str  # the workbook as problems name it
    groups: dict[tuple[str, str], dict[Any, Group]] = field(default_factory=dict)  # (department, table) -> records
    file_fields: dict[str, tuple[Any, str, int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # data rows read
    _seen: set = field(default_factory=set)

    def report(self, code: str, message: str, sheet: str | None = None, row: int | None = None,
               col: int | None = None, hint: str = "", loc: Loc = ()) -> None:
        """One problem at a sheet's 0-based row and column (shown 1-based, as Excel does)."""
        key = (code, sheet, row, col, message)
        if key not in self._seen:
            self._seen.add(key)
            self.problems.append(Problem(code, message, self.file, loc, hint=hint,
                                         line=row + 1 if row is not None else None,
                                         column=col + 1 if col is not None else None, sheet=sheet))

    def departments(self) -> list[str]:
        return sorted({dept for dept, _table in self.groups})


class _Builder:
    """Reads the data rows of one laid-out sheet into ``built``."""

    def __init__(self, layout: Layout, ctx: Context, built: Built) -> None:
        self.layout, self.ctx, self.built = layout, ctx, built
        self.sheet = layout.sheet
        self._formula_rows = {r for r, _c in self.sheet.formulas}  # one set, not a scan per row
        self.current: Group | None = None
        self.unmapped: dict[int, int] = {}
        self.strangers: dict[str, list[int]] = {}  # 实施主体 that is no department -> rows

    def run(self) -> None:
        for row in range(self.layout.data_start, len(self.sheet.rows)):
            if self._blank(row) or self._repeated_header(row):
                continue
            table = self._table(row)
            if table is not None:
                self.built.rows += 1
                self._row(table, row)
        self._report_unmapped()
        self._report_strangers()

    # ---- rows ----

    def _blank(self, row: int) -> bool:
        return all(is_empty(v) for v in self.sheet.rows[row]) and row not in self._formula_rows

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
        self._problem("import-row-skipped", row, self.layout.section_col,
                      f"“{text(self.sheet.value(row, self.layout.section_col))}”不是可识别的部分，这一行没有导入",
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
        unread: dict[str, Unread] = {}
        for col, field_path in columns.items():
            column = table.column(field_path)
            where = self.sheet.origin.get((row, col), (row, col))
            if (row, col) in self.sheet.formulas:
                formula = self.sheet.formulas[(row, col)]
                unread[field_path] = Unread((self.sheet.name, *where), formula, f"公式 {formula} 没有计算结果",
                                            "在 Excel 或 WPS 中打开并保存一次（保存时会计算公式）后重新导入，"
                                            "或直接在 YAML 中填写")
                cells[field_path] = col
                continue
            raw = self.sheet.value(row, col)
            if is_empty(raw):
                continue
            if self.ctx.registrar is not None:
                self.ctx.registrar.cell = (self.built.file, self.sheet.name, *where)
            try:
                got = read(column.cell, raw, self.ctx, field_path)
            except CellError as exc:
                unread[field_path] = Unread((self.sheet.name, *where), text(raw) or "", str(exc),
                                            (exc.hint + "；" if exc.hint else "") + "改正后重新导入，或直接在 YAML 中填写")
                cells[field_path] = col
                continue
            values[column.level][field_path] = got.value
            cells[field_path] = col
            extras.update(got.extras)
        self._file_fields(values["file"], cells, row)
        if table.identity in unread:
            bad = unread[table.identity]
            self._problem("import-row-skipped", row, cells[table.identity],
                          f"{self._header(table, table.identity)}无法读取（{bad.message}），这一行没有导入",
                          f"改为{self._header(table, table.identity)}本身的值后重新导入")
            return
        department = self._department(values["pseudo"].get("@department"), row, cells.get("@department"))
        if department is None:
            return
        group = self._group(table, department, row, values, cells, unread)
        if group is None:
            return
        for key, value in extras.items():
            group.extras.setdefault(key, value)

    def _department(self, name: str | None, row: int, col: int | None) -> str | None:
        """The department a row goes to: the one its 实施主体 names, else the file's (or the row above's)."""
        if name:
            dept = self.ctx.department_id(name)
            if dept is not None:
                return dept
            if self.ctx.department is None:
                self.strangers.setdefault(name, []).append(row)
                return None
            self.strangers.setdefault(name, []).append(row)
            return self.ctx.department
        if self.current is not None and self.ctx.department is None:
            return self.current.department
        if self.ctx.department is None:
            self._problem("import-department", row, col, "这一行没有实施主体，无法确定属于哪个部门，没有导入",
                          "填写实施主体，或用 --department（或对照表）指定这个文件所属的部门")
        return self.ctx.department

    def _group(self, table: Table, department: str, row: int, values: dict[str, dict], cells: dict[str, int],
               unread: dict[str, Unread]) -> Group | None:
        record, child = values["record"], values["child"]
        if values["pseudo"].get("@level") == "子项" and table.child:
            for key in ("code", "name"):
                if key in record:
                    child[f"{table.child}.{key}"] = record.pop(key)
                    cells[f"{table.child}.{key}"] = cells[key]
        identity = record.get(table.identity)
        if identity is not None and self._is_sub_code(table, identity, child, department):
            child.update({f"{table.child}.code": record.pop("code"),
                          f"{table.child}.name": record.pop("name", None)})
            cells[f"{table.child}.code"] = cells["code"]
            if "name" in cells:
                cells[f"{table.child}.name"] = cells["name"]
            identity = None
        groups = self.built.groups.setdefault((department, table.key), {})
        if identity is not None and (table.child or identity not in groups):
            group = groups.get(identity)
            if group is None:
                group = groups[identity] = Group(table, department, self.sheet.name, identity, row,
                                                 columns={f: c for c, f in self.layout.fields[table.key].items()})
        elif identity is not None:
            first = groups[identity]
            self._problem("import-duplicate-row", row, cells.get(table.identity),
                          f"与{self._place(first.sheet, first.first_row)}重复，这一行没有导入",
                          "同一条记录只写一行；如确为不同记录，请修改其中一行")
            return None
        elif (self.current is not None and self.current.table is table and table.child
              and self.current.department == department):
            group = self.current
        else:
            header = self._header(table, table.identity)
            self._problem("import-row-skipped", row, None, f"缺少{header}，这一行无法归入任何记录，没有导入",
                          f"填写{header}；子项所在的行，主项编码可以与上一行合并单元格")
            return None
        self.current = group
        self._merge(group, record, cells, row)
        record_unread = {k: u for k, u in unread.items() if not k.startswith(f"{table.child}.")}
        for key, bad in record_unread.items():
            group.unread.setdefault(key, bad)
        child_unread = {k.split(".", 1)[1]: u for k, u in unread.items() if table.child and k.startswith(f"{table.child}.")}
        if child or child_unread:
            group.children.append(Child({k.split(".", 1)[1]: v for k, v in child.items() if v is not None},
                                        self.sheet.name, row,
                                        {k.split(".", 1)[1]: cells[k] for k in child if k in cells}
                                        | {k: cells[f"{table.child}.{k}"] for k in child_unread},
                                        child_unread))
        return group

    def _is_sub_code(self, table: Table, code: Any, child: dict, department: str) -> bool:
        """A row of its own for a 子项: its code shares the region and base of the 主项 above."""
        pattern = self.ctx.power_pattern
        if table.key != "powers" or child or self.current is None or pattern is None:
            return False
        if self.current.identity == code or "sub" not in pattern.groupindex or self.current.department != department:
            return False
        mine, main = pattern.match(str(code)), pattern.match(str(self.current.identity))
        if not mine or not main:
            return False
        same = all(mine.group(g) == main.group(g) for g in pattern.groupindex if g != "sub")
        return same and mine.group("sub") != main.group("sub")

    def _merge(self, group: Group, record: dict[str, Any], cells: dict[str, int], row: int) -> None:
        for field_path, value in record.items():
            if field_path not in group.values:
                group.values[field_path] = value
                group.cells[field_path] = (self.sheet.name, row, cells.get(field_path))
            elif group.values[field_path] != value:
                first = self._place(*group.cells[field_path][:2])
                self._problem("import-conflict", row, cells.get(field_path),
                              f"与{first}同一事项的值不同，保留了{first}的值；这一行的值是“{_short(value)}”",
                              "同一事项各行的主项内容应一致；请统一后再导入")

    def _file_fields(self, values: dict[str, Any], cells: dict[str, int], row: int) -> None:
        for field_path, value in values.items():
            known = self.built.file_fields.get(field_path)
            if known is None:
                self.built.file_fields[field_path] = (value, self.sheet.name, row, cells[field_path])
            elif known[0] != value:
                self._problem("import-conflict", row, cells[field_path],
                              f"与工作表“{known[1]}”第 {known[2] + 1} 行的值不同，保留了那一行的值",
                              "整份清单只能有一个值，请统一")

    # ---- reporting ----

    def _place(self, sheet: str, row: int) -> str:
        """A row as the message names it: 第 N 行, with its sheet if it is another one."""
        return f"第 {row + 1} 行" if sheet == self.sheet.name else f"工作表“{sheet}”第 {row + 1} 行"

    def _header(self, table: Table, field_path: str) -> str:
        return self.ctx.headers.standard(table.key, field_path)

    def _ignored(self, col: int) -> bool:
        label = self.layout.labels.get(col)
        return label is not None and self.ctx.headers.ignored(label)

    def _report_unmapped(self) -> None:
        for col, count in sorted(self.unmapped.items()):
            label = self.layout.labels.get(col)
            taken = self.layout.duplicates.get(col)
            if taken:
                message = f"与另一列重复，都对应字段 {taken}，这一列 {count} 行的内容没有导入"
                hint = "删除重复的列，或把两列内容合并到一列"
            else:
                message = f"表头{'“' + label + '”' if label else '为空'}无法识别，这一列 {count} 行的内容没有导入"
                hint = "把表头改为标准写法，或在 qingdan-headers.yml 中登记这个写法"
            self.built.report("import-unknown-column", message, self.sheet.name, self.layout.data_start, col, hint)

    def _report_strangers(self) -> None:
        col = next((c for c, f in self.layout.fields[self.layout.tables[0].key].items() if f == "@department"), None)
        for name, rows in self.strangers.items():
            first = rows[0]
            if self.ctx.department is None:
                self._problem("import-department", first, col,
                              f"“{name}”不是站点中的部门，{len(rows)} 行没有导入",
                              "先用 qingdan new department 创建这个部门（或加 --create-departments），"
                              "或在对照表中把这个文件对应到已有部门")
            else:
                own = self.ctx.departments.get(self.ctx.department, self.ctx.department)
                self._problem("import-derived", first, col,
                              f"“{name}”不是站点中的部门，{len(rows)} 行按文件所属部门归入“{own}”",
                              "如果这是授权或受委托的组织，在“实施主体性质”中注明；如果是另一个部门，先创建该部门再导入")

    def _problem(self, code: str, row: int, col: int | None, message: str, hint: str = "") -> None:
        if col is not None:
            row, col = self.sheet.origin.get((row, col), (row, col))
        label = self.layout.labels.get(col) if col is not None else None
        shown = f"（{label}）{message}" if label else message
        self.built.report(code, shown, self.sheet.name, row, col, hint)


def _short(value: Any) -> str:
    shown = str(value)
    return shown if len(shown) <= 40 else shown[:40] + "…"


def build_sheet(layout: Layout, ctx: Context, built: Built) -> None:
    """Read the data rows of one sheet into ``built``."""
    _Builder(layout, ctx, built).run()


# ---- from groups to plain records ---------------------------------------------------------------

def finish(built: Built, ctx: Context) -> None:
    """Give every collected record its plain data: derived values, then placeholders for what is missing."""
    for groups in built.groups.values():
        for group in groups.values():
            _derive(group, ctx, built)
            data = _data(group)
            for key, bad in group.unread.items():
                path = tuple(key.split("."))
                _put_placeholder(data, group.table.model, path)
                group.todos.append((path, bad.pos, f"{_label(group, path, ctx)}：{bad.message}", bad.hint))
            for index, child in enumerate(group.children):
                for key, bad in child.unread.items():
                    path = (group.table.child, index, key)
                    _put_placeholder(data, group.table.model, path)
                    group.todos.append((path, bad.pos, f"{_label(group, path, ctx)}：{bad.message}", bad.hint))
            _fill(group, data, ctx, built)


def _fill(group: Group, data: dict[str, Any], ctx: Context, built: Built) -> None:
    """Validate; put a placeholder where a value is missing or not allowed, until only placeholders remain."""
    model = group.table.model
    problems: list[Problem] = []
    for _round in range(_MAX_FILL_ROUNDS):
        record, problems = check(model, data, group.sheet)
        if record is not None:
            group.plain = record.model_dump(mode="python", exclude_defaults=True)
            return
        progress = False
        for problem in problems:
            if problem.code == "todo" or not problem.loc:
                continue
            changed, old = _put_placeholder(data, model, problem.loc)
            if changed:
                progress = True
                pos = _position(group, problem.loc)
                group.todos.append((problem.loc, pos, _why(group, problem, pos, old, ctx),
                                    f"在表格的{_label(group, problem.loc, ctx)}列填写后重新导入，或直接在 YAML 中填写"))
        if not progress:
            break
    for problem in problems:
        if problem.code != "todo":
            sheet, row, col = _position(group, problem.loc)
            built.report(problem.code, problem.message, sheet, row, col, problem.hint)
    group.plain = without_defaults(model, data)


def _derive(group: Group, ctx: Context, built: Built) -> None:
    """What the rules give when the workbook is silent: 子项 codes, 行使层级."""
    table = group.table
    if table.key != "powers":
        return
    pattern = ctx.power_pattern
    main = group.values.get("code")
    match = pattern.match(str(main)) if pattern is not None and main is not None else None
    if match and "sub" in pattern.groupindex:
        taken = {c.values.get("code") for c in group.children}
        start, end = match.span("sub")
        for index, child in enumerate(group.children):
            if "code" in child.values or "code" in child.unread:
                continue
            code = f"{main[:start]}{str(index + 1).zfill(end - start)}{main[end:]}"
            if code in taken or not pattern.match(code):
                continue
            child.values["code"] = code
            taken.add(code)
            path = (table.child, index, "code")
            group.notes.append((path, "推定：按主项编码和子项顺序编号，请核对"))
            group.derived.append(("sub-code", path, (child.sheet, child.row, None),
                                  f"“{child.values.get('name', '')}” → {code}"))
    level = ctx.levels.get(group.department)
    if "exercise_level" not in group.values and "exercise_level" not in group.unread and level:
        group.values["exercise_level"] = level
        group.notes.append((("exercise_level",), "推定：按部门所在行政区划的层级，请核对"))
        group.derived.append(("level", ("exercise_level",), (group.sheet, group.first_row, None), level))


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


def placeholder(model: type[BaseModel], loc: Loc) -> Any:
    """The empty value staff fill in, shaped as the field needs: "" for text, [{...: ""}] for a list of records."""
    held = model_at(model, (*loc, ""))  # the model of the value at loc, if it is a record (or a list of them)
    held = held if isinstance(held, type) and issubclass(held, BaseModel) else None
    info = _field_info(model, loc)
    is_list = info is not None and "list[" in str(info.annotation)
    entry: Any = {n: PLACEHOLDER for n, f in held.model_fields.items() if f.is_required()} if held else PLACEHOLDER
    return [entry] if is_list else entry


def _field_info(model: type[BaseModel], loc: Loc) -> Any:
    """The pydantic field named by the last key of ``loc`` (None for a list entry)."""
    if not loc or isinstance(loc[-1], int):
        return None
    owner = model_at(model, loc)
    if not (isinstance(owner, type) and issubclass(owner, BaseModel)):
        return None
    return owner.model_fields.get(loc[-1])


def _put_placeholder(data: dict[str, Any], model: type[BaseModel], loc: Loc) -> tuple[bool, Any]:
    """Set the placeholder at ``loc``: whether anything changed, and the value it replaced."""
    target: Any = data
    for part in loc[:-1]:
        if isinstance(part, int):
            if not isinstance(target, list) or part >= len(target):
                return False, None
            target = target[part]
        else:
            if not isinstance(target, dict):
                return False, None
            target = target.setdefault(part, {})
    last, value = loc[-1], placeholder(model, loc)
    if isinstance(last, int):
        if not isinstance(target, list) or last >= len(target) or target[last] == value:
            return False, None
        old, target[last] = target[last], value
        return True, old
    if not isinstance(target, dict) or target.get(last) == value:
        return False, None
    old, target[last] = target.get(last), value
    return True, old


def _why(group: Group, problem: Problem, pos: Pos, old: Any, ctx: Context) -> str:
    """What the to-do says: the column is missing, the cell is empty, or its value is not allowed."""
    label = _label(group, problem.loc, ctx)
    if old is None or old == [] or old == {}:
        return f"工作簿中没有{label}列" if pos[2] is None else f"{label}是空的"
    return f"{label}“{_short(old)}”不能使用：{problem.message}" + (f"（{problem.hint}）" if problem.hint else "")


def _label(group: Group, loc: Loc, ctx: Context) -> str:
    """A field as staff know it: its standard header, or the model's label."""
    names = [p for p in loc if isinstance(p, str)]
    table = group.table
    path = ".".join(names[-2:]) if names and names[0] == table.child else ".".join(names)
    try:
        return f"“{ctx.headers.standard(table.key, path)}”"
    except KeyError:
        info = _field_info(table.model, loc)
        return f"“{info.title}”" if info is not None and info.title else f"“{path}”"


def without_defaults(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Plain data as export writes it: a top-level field equal to its default is left out."""
    out = {}
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is not None and not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        out[key] = value
    return out


def _position(group: Group, loc: tuple) -> Pos:
    table = group.table
    if loc and loc[0] == table.child and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(group.children):
        child = group.children[loc[1]]
        name = loc[2] if len(loc) > 2 and isinstance(loc[2], str) else None
        col = (child.cells.get(name) or group.columns.get(f"{table.child}.{name}")) if name else None
        return child.sheet, child.row, col
    names = [str(p) for p in loc if isinstance(p, str)]
    for size in range(len(names), 0, -1):
        path = ".".join(names[:size])
        if path in group.cells:
            return group.cells[path]
    for size in range(len(names), 0, -1):  # the column is there, the cell is empty
        path = ".".join(names[:size])
        if path in group.columns:
            return group.sheet, group.first_row, group.columns[path]
    return group.sheet, group.first_row, None
