"""Cells ↔ field values, one converter per cell type named in tables.py.

``read`` turns a raw cell (text, number, date or None) into a value, or raises
CellError with a message and a hint in Chinese; ``write`` turns a value into
what the cell shows. Export writes with ``write`` what import reads with ``read``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import POWER_TYPES
from ..model.power import ResponsibilityStage
from . import citations
from .citations import SourceIndex
from .headers import HeaderMap
from .issues import CellError

_SPLIT_NAMES = re.compile(r"[\n、；;，,]")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
RISK_LABEL = ResponsibilityStage.model_fields["risk"].title
# A stage's integrity risk, written after its duties: 受理：……【廉政风险点：……】
_RISK = re.compile(r"【" + RISK_LABEL + r"[：:](?P<risk>[^【】]*)】\s*$")
_STAGE = re.compile(r"^(?:\d+[.、．)）]\s*)?(?P<stage>[^：:\n]{1,20}?)\s*[：:]\s*(?P<content>.*)$")
_TRUE = {"是", "true", "y", "yes", "√", "1", "临时", "临时性"}
_FALSE = {"否", "false", "n", "no", "×", "0", "非临时"}
# Excel stores dates as days since 1899-12-30; a bare number in this range is such a date.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class Context:
    """What converters look up: sources, departments, industries, value spellings."""

    headers: HeaderMap
    sources: SourceIndex
    departments: dict[str, str]  # id -> name
    industries: dict[str, str]
    department: str | None = None  # the department rows go to unless their 实施主体 names another
    power_pattern: re.Pattern[str] | None = None  # the site's power code layout
    levels: dict[str, str] = field(default_factory=dict)  # department id -> 行使层级 of its region
    aliases: dict[str, str] = field(default_factory=dict)  # other names of departments -> id
    registrar: Any = None  # excel.registrar.Registrar: laws the sources do not hold yet (import only)
    regions: dict[str, str] = field(default_factory=dict)  # department id -> region code
    # codes.PowerCodes of lists/ (read only when a row has no code), shared by every copy of the context
    power_codes: Any = None
    _by_name: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {_name_key(name): dept_id for dept_id, name in self.departments.items()}
        self._by_name.update((_name_key(name), dept_id) for name, dept_id in self.aliases.items())

    def department_id(self, token: str) -> str | None:
        """A department by its id or its name (spaces and full-width forms do not matter)."""
        return token if token in self.departments else self._by_name.get(_name_key(token))


def _name_key(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


@dataclass
class Read:
    """A read value, and values it suggests for other fields unless they are filled."""

    value: Any
    extras: dict[str, Any] = field(default_factory=dict)


# ---- basic shapes -------------------------------------------------------------

def text(raw: Any) -> str | None:
    """Cell content as text: numbers without a spurious .0, dates as YYYY-MM-DD, trimmed."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        value = "是" if raw else "否"
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    elif isinstance(raw, dt.datetime):
        value = raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    elif isinstance(raw, dt.date):
        value = raw.isoformat()
    else:
        value = str(raw)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    value = value.strip(" \t\n\u3000")
    return value or None


def is_empty(raw: Any) -> bool:
    return text(raw) is None


def code(raw: Any) -> str:
    """A code: full-width letters and digits folded to half-width, no spaces anywhere."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text(raw) or ""))


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 20000 <= raw < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raw = str(int(raw))
    value = unicodedata.normalize("NFKC", text(raw) or "")
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    match = _DATE_TEXT.match(value)
    try:
        if match:
            return dt.date(*map(int, match.groups()))
    except ValueError:
        pass
    raise CellError(f"“{text(raw)}”不是有效日期", "写成 2024-09-30 或 2024年9月30日，或设为 Excel 日期格式")


# ---- converters: read ------------------------------------------------------------

def _read_text(raw: Any, ctx: Context, path: str) -> Read:
    return Read(text(raw))


def _read_code(raw: Any, ctx: Context, path: str) -> Read:
    _not_a_number(raw, "编码")
    return Read(code(raw))


def _read_phone(raw: Any, ctx: Context, path: str) -> Read:
    _not_a_number(raw, "电话号码")
    return Read(text(raw))


def _not_a_number(raw: Any, what: str) -> None:
    """Codes and phone numbers are text: a number cell has already lost its leading zeros."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        shown = text(raw)
        raise CellError(f"单元格是数字格式（{shown}）：{what}须按文本保存，数字格式会丢掉开头的 0"
                        f"（例如 085186861234 存成 85186861234）",
                        f"在 Excel 中把这一列的单元格格式设为“文本”，再按原样重新输入{what}（如 0851-86861234）")


def _read_int(raw: Any, ctx: Context, path: str) -> Read:
    value = code(raw)
    if not re.fullmatch(r"-?\d+", value):
        raise CellError(f"“{text(raw)}”不是整数", "填写阿拉伯数字，例如 12")
    return Read(int(value))


def _read_bool(raw: Any, ctx: Context, path: str) -> Read:
    value = code(raw).lower()
    if value in _TRUE:
        return Read(True)
    if value in _FALSE:
        return Read(False)
    raise CellError(f"“{text(raw)}”不是“是”或“否”", "填写 是 或 否")


def _read_date(raw: Any, ctx: Context, path: str) -> Read:
    return Read(parse_date(raw))


def _read_choice(raw: Any, ctx: Context, path: str) -> Read:
    value = text(raw) or ""
    return Read(ctx.headers.values.get(path, {}).get(value, value))


def _read_lines(raw: Any, ctx: Context, path: str) -> Read:
    return Read([line.strip(" \u3000") for line in (text(raw) or "").split("\n") if line.strip(" \u3000")])


def _read_names(raw: Any, ctx: Context, path: str) -> Read:
    return Read([n.strip(" \u3000") for n in _SPLIT_NAMES.split(text(raw) or "") if n.strip(" \u3000")])


def _read_departments(raw: Any, ctx: Context, path: str) -> Read:
    names = _read_names(raw, ctx, path).value
    ids = [ctx.department_id(n) for n in names]
    unknown = [n for n, i in zip(names, ids) if i is None]
    if unknown:
        raise CellError(f"部门 {'、'.join(unknown)} 不存在",
                        "填写部门名称或部门标识（lists/ 下的文件夹名），多个部门用顿号分隔")
    return Read(ids)


def _read_basis(raw: Any, ctx: Context, path: str) -> Read:
    return Read(citations.read(text(raw) or "", ctx.sources))


def _read_stages(raw: Any, ctx: Context, path: str) -> Read:
    stages: list[dict] = []
    for line in (text(raw) or "").split("\n"):
        match = _STAGE.match(line.strip())
        if match:
            stages.append({"stage": match.group("stage").strip(), "content": match.group("content").strip()})
        elif stages:
            stages[-1]["content"] += "\n" + line
        elif line.strip():
            raise CellError(f"无法识别责任事项“{line.strip()[:30]}”",
                            "每个环节一行，写成 环节：责任内容，例如 受理：公示应当提交的材料……")
    for stage in stages:
        risk = _RISK.search(stage["content"])
        if risk:  # 受理：……【廉政风险点：……】, as _write_stages writes it
            stage["content"] = stage["content"][: risk.start()].rstrip()
            stage["risk"] = risk.group("risk").strip()
    return Read(stages)


def _read_amendments(raw: Any, ctx: Context, path: str) -> Read:
    found = []
    for line in (text(raw) or "").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[；;]", line.strip(), maxsplit=3)]
        if len(parts) < 3:
            raise CellError(f"无法识别修改记录“{line.strip()[:30]}”",
                            "每次修改一行，写成 日期；修正或修订；机关；决定名称，例如 2017-11-30；修正；示例省人民代表大会常务委员会；关于修改…的决定")
        entry = {"date": parse_date(parts[0]), "kind": parts[1], "body": parts[2]}
        if len(parts) == 4 and parts[3]:
            entry["instrument"] = parts[3]
        found.append(entry)
    return Read(found)


def _read_power_type(raw: Any, ctx: Context, path: str) -> Read:
    value = code(raw)
    if re.fullmatch(r"\d{1,2}", value) and value.zfill(2) in POWER_TYPES:
        return Read(value.zfill(2))
    label = text(raw) or ""
    standard = {name: key for key, name in POWER_TYPES.items()}
    if label in standard:
        return Read(standard[label])
    local = ctx.headers.power_types.get(label)
    if local:
        return Read(local, {"local_type_label": label})
    choices = "、".join(f"{k} {v}" for k, v in POWER_TYPES.items())
    raise CellError(f"权力类型“{label}”无法识别",
                    f"填写标准类型名称或代码：{choices}；本地叫法可在 qingdan-headers.yml 的 power_types 中登记")


def _read_industry(raw: Any, ctx: Context, path: str) -> Read:
    value = text(raw) or ""
    head = unicodedata.normalize("NFKC", value).strip()[:1].upper()
    rest = value[1:].strip()
    if head in ctx.industries and (not rest or rest == ctx.industries[head]):
        return Read(head)
    by_name = {name: key for key, name in ctx.industries.items()}
    if value in by_name:
        return Read(by_name[value])
    return Read(value)  # the validator names the allowed codes


def _read_department(raw: Any, ctx: Context, path: str) -> Read:
    # The row goes to the department it names (build.py routes it); the name itself is not stored.
    return Read(text(raw))


def _read_level(raw: Any, ctx: Context, path: str) -> Read:
    value = text(raw) or ""
    if value not in ("主项", "子项"):
        raise CellError(f"“{value}”不是 主项 或 子项", "填写 主项 或 子项")
    return Read(value)


# ---- converters: write ------------------------------------------------------------

def _write_plain(value: Any, ctx: Context) -> Any:
    return value


def _write_bool(value: Any, ctx: Context) -> Any:
    return None if value is None else ("是" if value else "否")


def _write_lines(value: Any, ctx: Context) -> Any:
    return "\n".join(value) if value else None


def _write_names(value: Any, ctx: Context) -> Any:
    return "、".join(value) if value else None


def _write_departments(value: Any, ctx: Context) -> Any:
    return "、".join(ctx.departments.get(v, v) for v in value) if value else None


def _write_basis(value: Any, ctx: Context) -> Any:
    return citations.write(value, ctx.sources) if value else None


def _write_stages(value: Any, ctx: Context) -> Any:
    if not value:
        return None
    return "\n".join(f"{s.stage}：{s.content}" + (f"【{RISK_LABEL}：{s.risk}】" if s.risk else "") for s in value)


def _write_amendments(value: Any, ctx: Context) -> Any:
    lines = ["；".join([a.date.isoformat(), a.kind, a.body] + ([a.instrument] if a.instrument else []))
             for a in value or []]
    return "\n".join(lines) or None


def _write_power_type(value: Any, ctx: Context) -> Any:
    return POWER_TYPES.get(value, value)


def _write_industry(value: Any, ctx: Context) -> Any:
    name = ctx.industries.get(value)
    return f"{value} {name}" if name else value


def _write_department(value: Any, ctx: Context) -> Any:
    return ctx.departments.get(value, value)


Reader = Callable[[Any, Context, str], Read]
Writer = Callable[[Any, Context], Any]


def _packed(fields: tuple[str, ...], labels: str, example: str, *, lists: tuple[str, ...] = (),
            dates: tuple[str, ...] = ()) -> tuple[Reader, Writer]:
    """A list of small records in one cell: one record a line, its fields in ``fields`` order split by ；.

    Empty fields stay empty between the separators; list fields hold codes split by 、.
    """
    def reader(raw: Any, ctx: Context, path: str) -> Read:
        found = []
        for line in (text(raw) or "").split("\n"):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[；;]", line.strip())]
            if len(parts) > len(fields) or not parts[0]:
                raise CellError(f"无法识别“{line.strip()[:30]}”", f"每条一行，依次写 {labels}，用分号隔开，例如 {example}")
            entry: dict[str, Any] = {}
            for key, part in zip(fields, parts):
                if not part:
                    continue
                entry[key] = (parse_date(part) if key in dates
                              else [c for c in _SPLIT_NAMES.split(part) if c.strip()] if key in lists else part)
            found.append(entry)
        return Read(found)

    def writer(value: Any, ctx: Context) -> Any:
        lines = []
        for record in value or []:
            cells = []
            for key in fields:
                v = getattr(record, key)
                cells.append("、".join(v) if key in lists else v.isoformat() if isinstance(v, dt.date) else v or "")
            lines.append("；".join(cells).rstrip("；"))
        return "\n".join(lines) or None

    return reader, writer

CONVERTERS: dict[str, tuple[Reader, Writer]] = {
    "text": (_read_text, _write_plain),
    "code": (_read_code, _write_plain),
    "phone": (_read_phone, _write_plain),
    "int": (_read_int, _write_plain),
    "bool": (_read_bool, _write_bool),
    "date": (_read_date, _write_plain),
    "choice": (_read_choice, _write_plain),
    "lines": (_read_lines, _write_lines),
    "names": (_read_names, _write_names),
    "departments": (_read_departments, _write_departments),
    "basis": (_read_basis, _write_basis),
    "stages": (_read_stages, _write_stages),
    "amendments": (_read_amendments, _write_amendments),
    "power_type": (_read_power_type, _write_power_type),
    "industry": (_read_industry, _write_industry),
    "department": (_read_department, _write_department),
    "level": (_read_level, _write_plain),
    "adjustments": _packed(
        ("kind", "date", "document", "document_number", "issuer", "from_codes", "to_codes", "content"),
        "调整类型；日期；批准文件；文号；发文机关；来源事项编码；去向事项编码；调整内容",
        "合并；2025-03-01；示例省人民政府关于调整省级部门权责清单的决定；示府发〔2025〕3号；示例省人民政府；"
        "520000-XK00001000、520000-XK00002000；；两项许可合并办理",
        lists=("from_codes", "to_codes"), dates=("date",)),
    "cleanups": _packed(
        ("result", "batch", "reason", "decision", "decision_number", "decision_date"),
        "清理结果；清理批次；理由；决定文件；决定文号；决定日期",
        "修改；2019年地方性法规专项清理；与上位法不一致；示例省人民代表大会常务委员会关于修改部分地方性法规的决定；"
        "示例省人民代表大会常务委员会公告第18号；2019-11-29",
        dates=("decision_date",)),
}


def read(cell_type: str, raw: Any, ctx: Context, path: str) -> Read:
    """The value of a non-empty cell; raises CellError."""
    return CONVERTERS[cell_type][0](raw, ctx, path)


def write(cell_type: str, value: Any, ctx: Context) -> Any:
    """What a cell shows for a value (None for an empty cell)."""
    if value is None:
        return None
    return CONVERTERS[cell_type][1](value, ctx)
