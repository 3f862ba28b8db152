"""Checking plain data against the typed models, with messages in Chinese."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..model.common import NAME_MAX, TEXT_MAX, TEXT_PATTERN
from ..problems import Loc, Problem
from .fixes import FIXABLE, code_choices, code_table, corrected_code, date_hint

_TYPE_NAMES = {
    "string_type": "文本", "int_type": "整数", "int_parsing": "整数", "bool_type": "布尔值 true 或 false",
    "bool_parsing": "布尔值 true 或 false", "list_type": "列表（每项以“- ”开头）", "dict_type": "映射（字段: 值）",
    "model_type": "映射（字段: 值）", "model_attributes_type": "映射（字段: 值）", "date_type": "日期",
    "float_type": "数字",
}

# Errors an empty text ("") gives: it is a placeholder, whatever the field's type.
_PLACEHOLDER_KINDS = {"string_pattern_mismatch", "literal_error", "date_from_datetime_parsing", "date_parsing",
                      "date_type", "value_error", "int_parsing", "bool_parsing"}


def check(model: type[BaseModel], data: Any, relpath: str) -> tuple[BaseModel | None, list[Problem]]:
    """Validate ``data``; return the record (or None) and the problems found."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        found = [_problem(model, err, relpath) for err in exc.errors(include_url=False)]
        return None, _without_misspelt(model, found)


def _without_misspelt(model: type[BaseModel], problems: list[Problem]) -> list[Problem]:
    """Drop "missing legal_basis" when the same mapping has "unknown legal_basiss": one mistake, one problem."""
    misspelt = set()
    for p in problems:
        if p.code == "unknown-field":
            close = _close_field(model, p.loc)
            if close:
                misspelt.add((*p.loc[:-1], close))
    return [p for p in problems if not (p.code == "missing-field" and p.loc in misspelt)]


def _problem(model: type[BaseModel], err: dict, relpath: str) -> Problem:
    loc: Loc = tuple(err["loc"])
    kind, value = err["type"], err.get("input")
    name = _label(model, loc)
    if kind == "extra_forbidden":
        close = _close_field(model, loc)
        if close:
            return Problem("unknown-field", f"未知字段 {loc[-1]}，是不是 {close}（{_title(model, loc, close)}）？",
                           relpath, loc, hint=f"把 {loc[-1]} 改为 {close}")
        return Problem("unknown-field", f"未知字段 {loc[-1]}", relpath, loc, hint=_known_fields(model, loc))
    if kind == "invalid_key":
        shown = "（空）" if loc and loc[-1] == "None" else loc[-1] if loc else ""
        return Problem("unknown-field", f"字段名 {shown} 无效：字段名应为英文文本", relpath, loc,
                       hint=_known_fields(model, loc))
    if value == "" and kind in _PLACEHOLDER_KINDS:
        # The placeholder that qingdan new and qingdan import leave for staff to fill in.
        hint = _fill_in(model, loc)
        if kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            hint += "；可选值：" + "、".join(c.strip().strip("'") for c in expected.replace(" or ", ", ").split(","))
        return Problem("todo", f"{name}尚未填写", relpath, loc, hint=hint)
    if kind == "missing":
        return Problem("missing-field", f"缺少必填字段 {name}", relpath, loc,
                       hint=f"添加 {loc[-1]}: …" if loc and isinstance(loc[-1], str) else "")
    table = code_table(model_at(model, loc), loc[-1] if loc else None)
    if kind == "literal_error" and table is not None:
        return _code_problem(name, value, table, relpath, loc)
    if kind == "string_type" and isinstance(value, (bool, int, float, dt.date)):
        return _implicit(name, value, relpath, loc)
    if kind == "literal_error" and isinstance(value, (bool, int, float)) and _string_choices(err):
        return _implicit(name, value, relpath, loc)
    if kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == TEXT_PATTERN:
        if isinstance(value, str) and not value.strip():
            return Problem("invalid-value", f"{name}不能为空", relpath, loc, hint=_fill_in(model, loc))
        return Problem("whitespace", f"{name}的开头或结尾有空白字符（空格、全角空格或换行）", relpath,
                       loc, hint=_trimmed_hint(value))
    if kind == "string_pattern_mismatch":
        return Problem("invalid-value", f"{name}的值 {_quoted(str(value))} 不符合规定的格式", relpath, loc,
                       hint=_description(model, loc) or "")
    if kind in _TYPE_NAMES:
        hint = _type_hint(kind)
        if kind.startswith("bool") and value in ("true", "false"):
            hint = f"去掉引号，直接写 {value}"
        elif value is None:
            hint = _fill_in(model, loc)
        elif not loc:
            hint = "文件的第一层应写字段，例如 " + "、".join(f"{k}:" for k in list(model.model_fields)[:3])
            if isinstance(value, str) and "：" in value:
                hint = "把中文冒号“：”改为英文冒号加空格“: ”；" + hint
        return Problem("wrong-type", f"{name}应为{_TYPE_NAMES[kind]}，实际是{_reading(value)}",
                       relpath, loc, hint=hint)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = "、".join(c.strip().strip("'") for c in expected.replace(" or ", ", ").split(","))
        meaning = _description(model, loc)
        return Problem("invalid-value", f"{name}的值 {_shown(value)} 不在允许范围内", relpath, loc,
                       hint=f"可选值：{choices}" + (f"（{meaning}）" if meaning else ""))
    if kind.startswith("date") or (kind == "value_error" and "YYYY-MM-DD" in err["msg"]):
        return Problem("invalid-date", f"{name}的值 {value} 不是有效日期", relpath, loc, hint=date_hint(value))
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length", 0)
        return Problem("text-too-long", f"{name}有 {len(value):,} 个字符，超过上限 {limit:,} 个字符",
                       relpath, loc, hint=_too_long_hint(limit))
    if kind == "too_short":
        return Problem("invalid-value", f"{name}至少需要一项", relpath, loc, hint="添加至少一项")
    message = err["msg"].removeprefix("Value error, ")
    return Problem("invalid-value", f"{name}：{message}", relpath, loc)


def _too_long_hint(limit: int) -> str:
    """How to shorten a value, by the kind of field its limit belongs to."""
    if limit <= NAME_MAX:
        return f"名称、编码、机关等应简短（不超过 {limit:,} 个字符）；说明性的文字写在描述或备注字段中"
    if limit <= TEXT_MAX:
        return f"精简到 {limit:,} 个字符以内，或分成几项（列表的每一项单独写）"
    return f"只引用相关的条、款（不超过 {limit:,} 个字符），全文请用法律法规的原文链接"


def _code_problem(name: str, value: Any, table: dict[str, str], relpath: str, loc: Loc) -> Problem:
    """A value that is not one of the codes: the code it means, or every code with its name."""
    fixed = corrected_code(value, table)
    hint = (f"写成 \"{fixed}\"（{table[fixed]}）{FIXABLE}" if fixed is not None
            else f"写代码（加英文双引号）：{code_choices(table)}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Quoting what was written (2, 0o17) would be another mistake: the hint names the code.
        return Problem("implicit-type", f"{name}需要文本代码，但未加引号的值被读成了{_reading(value)}",
                       relpath, loc, hint=hint)
    if fixed is not None:
        return Problem("invalid-value", f"{name}应写代码，{_shown(value)} 不是代码", relpath, loc, hint=hint)
    return Problem("invalid-value", f"{name}的值 {_shown(value)} 不在允许范围内", relpath, loc, hint=hint)


def _fill_in(model: type[BaseModel], loc: Loc) -> str:
    """What to do with an empty value; never "delete it" where deleting is another error."""
    if loc and isinstance(loc[-1], int):
        return "填写内容，或删除这一项"
    holder = model_at(model, loc)
    info = holder.model_fields.get(loc[-1]) if holder is not None and loc else None
    if info is not None and info.is_required():
        return f"填写{info.title or '内容'}：这是必填字段，不能删除"
    return "填写内容；没有内容时删除这一行"


QUOTE_HINT = "给这个值加上英文双引号，例如 \"0123\""


def _trimmed_hint(value: Any) -> str:
    """The corrected form of a value with blanks around it, when it is short enough to show."""
    if not isinstance(value, str):
        return ""
    if len(value.strip()) > EXCERPT_CHARS:
        return "删除开头和结尾的空格、全角空格或空行"
    return f"改为 {_quoted(value.strip())}"


def _implicit(name: str, value: Any, relpath: str, loc: Loc) -> Problem:
    # The original text is added by load.locate, which has the file's nodes.
    return Problem("implicit-type", f"{name}需要文本，但未加引号的值被读成了{_reading(value)}",
                   relpath, loc, hint=QUOTE_HINT)


def _string_choices(err: dict) -> bool:
    """True when every allowed value of a Literal is text (like power_type '01')."""
    expected = err.get("ctx", {}).get("expected", "")
    return bool(expected) and all(c.strip().startswith("'") for c in expected.replace(" or ", ",").split(","))


# Values are shown in messages only this far: a wrong value may be a whole file
# (a link to /etc/passwd read as one long text) and messages land in public CI logs.
EXCERPT_CHARS = 40


def _quoted(text: str) -> str:
    """The value as a JSON string, cut to a short excerpt when it is long."""
    if len(text) > EXCERPT_CHARS:
        return json.dumps(text[:EXCERPT_CHARS], ensure_ascii=False)[:-1] + f'…"（共 {len(text):,} 个字符）'
    return json.dumps(text, ensure_ascii=False)


def _shown(value: Any) -> str:
    return _quoted(value) if isinstance(value, str) else str(value)


def _reading(value: Any) -> str:
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"数字 {value}"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    if value is None:
        return "空值"
    return f"文本 {_quoted(str(value))}"


def _type_hint(kind: str) -> str:
    if kind.startswith("bool"):
        return "写 true 或 false（不要写 是/否、yes/no）"
    if kind == "list_type":
        return "改成列表：每一项单独一行，以“- ”开头"
    return ""


def _unwrap(annotation: Any) -> Any:
    """The model class inside list[X], X | None or Annotated[X, ...], if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, types.UnionType, typing.Union):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
    return annotation


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the last key of ``loc``."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _label(model: type[BaseModel], loc: Loc) -> str:
    if loc and loc[-1] == "[key]":
        return f"{_label(model, loc[:-2])}中的键“{loc[-2]}”"
    if loc and isinstance(loc[-1], int) and len(loc) > 1:
        return f"{_label(model, loc[:-1])}第 {loc[-1] + 1} 项"
    keys = [i for i, part in enumerate(loc) if isinstance(part, str)]
    if not keys:
        return "文件的内容" if not loc else "该值"
    key = loc[keys[-1]]
    holder = model_at(model, loc[: keys[-1] + 1])
    info = holder.model_fields.get(key) if holder else None
    return f"{info.title}（{key}）" if info and info.title else str(key)


def _description(model: type[BaseModel], loc: Loc) -> str:
    """The field's description, when it says more than its title (e.g. what codes mean)."""
    holder = model_at(model, loc)
    info = holder.model_fields.get(loc[-1]) if holder and loc and isinstance(loc[-1], str) else None
    if info is None or not info.description or info.description == info.title:
        return ""
    return info.description


def _close_field(model: type[BaseModel], loc: Loc) -> str | None:
    """The known field closest to the unknown last key of ``loc``, if one is close."""
    holder = model_at(model, loc)
    if holder is None or not loc:
        return None
    close = difflib.get_close_matches(str(loc[-1]), list(holder.model_fields), n=1)
    return close[0] if close else None


def _title(model: type[BaseModel], loc: Loc, name: str) -> str:
    holder = model_at(model, loc)
    info = holder.model_fields.get(name) if holder else None
    return (info.title if info else None) or name


def _known_fields(model: type[BaseModel], loc: Loc) -> str:
    holder = model_at(model, loc)
    if holder is None:
        return "删除这个字段，或改成模型中已有的字段"
    return "删除这个字段，或改成已有的字段：" + "、".join(
        f"{k}（{v.title}）" for k, v in holder.model_fields.items())
