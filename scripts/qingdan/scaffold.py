"""qingdan new: a commented template in the right file, with the next free code.

The template's required fields are empty strings, so the validator stops the
change until someone fills them in; every field carries its Chinese label as
a comment. Codes follow the site's code pattern (lists/site.yml): the next
number after the department's highest code of the same type, skipping any
number another department already uses for a different item.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from . import model
from .errors import QingdanError
from .files import read_regular
from .excel.context import check_department
from .files import write_atomic
from .fmt import dump, format_text, load_tree, normalise, to_tree
from .layout import BY_KEY, kind_of
from .load.parse import parse
from .load.schema import model_at
from .model.common import ID_PATTERN
from .model.power import POWER_TYPES
from .model.site import DB52_POWER_TYPES

# The two letters of the default code layout (XK00001000) and the power type they
# stand for: the same table the validator's code-type rule reads (site.yml code_patterns.power_types).
TYPE_LETTERS: dict[str, str] = DB52_POWER_TYPES
LETTERS_OF_TYPE = {code: letters for letters, code in TYPE_LETTERS.items()}

WHAT = ("power", "responsibility", "negative", "regulation", "department")
PLACEHOLDER = ""


@dataclass
class Scaffolded:
    """What ``new`` wrote (or would write): the file, its new text, the code given out."""

    relpath: str
    text: str
    code: str | None
    created: bool
    template: str = ""  # only the new record, as it will read in the file (for --dry-run)


def power_type_of(value: str) -> str:
    """A power type from a code (01), two letters (XK) or a name (行政许可)."""
    value = value.strip()
    if value.zfill(2) in POWER_TYPES:
        return value.zfill(2)
    if value.upper() in TYPE_LETTERS:
        return TYPE_LETTERS[value.upper()]
    by_name = {name: code for code, name in POWER_TYPES.items()}
    if value in by_name:
        return by_name[value]
    choices = "、".join(f"{c} {n}（{LETTERS_OF_TYPE[c]}）" for c, n in POWER_TYPES.items())
    raise QingdanError(f"未知的权力类型 {value}；可选：{choices}")


def new(what: str, lists_dir: Path, department: str, *, power_type: str = "01", name: str | None = None,
        code: str | None = None, region: str | None = None, year: int | None = None) -> Scaffolded:
    """The template for ``what`` in its file (not written)."""
    if what == "department":
        return _department(lists_dir, department, region, name)
    site = _site(lists_dir)
    dept = _read_department(lists_dir, department)
    if what == "power":
        ptype = power_type_of(power_type)
        chosen = code or next_power_code(lists_dir, department, dept["region"], ptype, site.code_patterns.power)
        return _append(lists_dir, department, "powers", "items", _power(chosen, ptype, name), chosen)
    if what == "negative":
        chosen = code or next_negative_code(lists_dir, site.code_patterns.negative)
        file_fields = {"edition": PLACEHOLDER}
        return _append(lists_dir, department, "negative_list", "items", _negative(chosen, name), chosen, file_fields)
    if what == "regulation":
        chosen = code or next_regulation_code(lists_dir, dept["region"], year or dt.date.today().year,
                                              site.code_patterns.regulation)
        return _append(lists_dir, department, "regulations", "items", _regulation(chosen, name), chosen)
    if what == "responsibility":
        return _append(lists_dir, department, "responsibilities", "main_duties", _duty(name), None)
    raise QingdanError(f"未知的类型 {what}；可选：{'、'.join(WHAT)}")


def write(result: Scaffolded, lists_dir: Path) -> None:
    """Write a scaffolded file, creating its folder if needed."""
    write_atomic(lists_dir / result.relpath, result.text)


# ---- codes ----------------------------------------------------------------------

def _plain(path: Path) -> Any:
    """A file's plain data, or None if it cannot be read (a half-filled template still can)."""
    try:
        return parse(read_regular(path).decode("utf-8"), str(path)).data
    except (OSError, UnicodeDecodeError, QingdanError):
        return None


def _items(lists_dir: Path, filename: str) -> Iterator[tuple[str, dict]]:
    """(department folder, item) for every item of every ``filename`` under lists/."""
    for path in sorted(lists_dir.glob(f"*/{filename}")):
        data = _plain(path)
        for item in (data or {}).get("items") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict):
                yield path.parent.name, item


def _power_codes(lists_dir: Path) -> Iterator[tuple[str, str, str | None]]:
    """(department, code, power type) of every power item and sub-item."""
    for dept, item in _items(lists_dir, "powers.yml"):
        ptype = str(item.get("power_type")) if item.get("power_type") is not None else None
        yield dept, str(item.get("code", "")), ptype
        for sub in item.get("sub_items") or []:
            if isinstance(sub, dict):
                yield dept, str(sub.get("code", "")), ptype


def next_power_code(lists_dir: Path, department: str, region: str, power_type: str, pattern: str) -> str:
    """The next free power code for a department and type, following the site's code pattern."""
    regex = re.compile(pattern)
    if not {"region", "base"} <= set(regex.groupindex):
        raise QingdanError("lists/site.yml 的权力事项编码格式没有 region 和 base 分组，无法自动编号；请用 --code 指定编码")
    codes = list(_power_codes(lists_dir))
    used = {code for _d, code, _t in codes}
    parsed = [(d, m, t) for d, code, t in codes if (m := regex.match(code))]
    same_type = [(d, m) for d, m, t in parsed if t == power_type]
    mine = [m for d, m in same_type if d == department]
    of_type = mine or [m for _d, m in same_type]
    template = (of_type or [m for _d, m, _t in parsed] or [None])[0]
    letters = _letters(of_type[0] if of_type else None, power_type)
    numbers = [_number(m) for m in mine if _letters(m, power_type) == letters]
    used_bases = {m.group("base") for _d, m, _t in parsed}
    n = max(numbers, default=0) + 1
    while True:
        code = _compose(template, region, letters, n)
        if not regex.match(code):
            raise QingdanError(f"生成的编码 {code} 不符合 lists/site.yml 的编码格式；请用 --code 指定编码")
        if code not in used and regex.match(code).group("base") not in used_bases:
            return code
        n += 1


def _letters(match: re.Match | None, power_type: str) -> str:
    if match is not None:
        prefix = re.match(r"\D*", match.group("base")).group()
        if prefix:
            return prefix
    return LETTERS_OF_TYPE.get(power_type, "")


def _number(match: re.Match) -> int:
    digits = re.search(r"\d+", match.group("base"))
    return int(digits.group()) if digits else 0


def _compose(template: re.Match | None, region: str, letters: str, n: int) -> str:
    """A code shaped like ``template`` with this region, type letters, number and a zero sub part."""
    if template is None:
        return f"{region}-{letters}{n:05d}000"
    base = template.group("base")
    digits = re.search(r"\d+", base)
    width = len(digits.group()) if digits else 5
    parts = {"region": region, "base": f"{letters}{n:0{width}d}"}
    if "sub" in template.re.groupindex and template.group("sub") is not None:
        parts["sub"] = "0" * len(template.group("sub"))
    code, last = "", 0
    for group in sorted(parts, key=template.start):
        code += template.string[last:template.start(group)] + parts[group]
        last = template.end(group)
    return code + template.string[last:]


def next_negative_code(lists_dir: Path, pattern: str) -> str:
    """The next six-digit item code after the highest one used anywhere."""
    codes = {str(item.get("code")) for _d, item in _items(lists_dir, "negative_list.yml")}
    numbers = [int(c) for c in codes if c.isdigit()]
    code = f"{max(numbers, default=100000) + 1:06d}"
    if not re.match(pattern, code):
        raise QingdanError(f"生成的编码 {code} 不符合 lists/site.yml 的负面清单编码格式；请用 --code 指定编码")
    return code


def next_regulation_code(lists_dir: Path, region: str, year: int, pattern: str) -> str:
    """``<region>-DF-<year>-<nnn>``: the next number for this region and year."""
    prefix = f"{region}-DF-{year}-"
    codes = {str(item.get("code")) for _d, item in _items(lists_dir, "regulations.yml")}
    numbers = [int(c[len(prefix):]) for c in codes if c.startswith(prefix) and c[len(prefix):].isdigit()]
    code = f"{prefix}{max(numbers, default=0) + 1:03d}"
    if not re.match(pattern, code):
        raise QingdanError(f"生成的编码 {code} 不符合 lists/site.yml 的法规编码格式；请用 --code 指定编码")
    return code


# ---- templates ---------------------------------------------------------------------

def _commented(data: dict, model_cls: type[BaseModel], notes: dict[str, str] | None = None) -> CommentedMap:
    """A tree of ``data`` with each field's Chinese label (and required/optional) as a comment."""
    tree = to_tree(data)
    _comment(tree, model_cls, notes or {})
    return tree


def _comment(tree: CommentedMap, model_cls: type[BaseModel], notes: dict[str, str]) -> None:
    for key in list(tree):
        info = model_cls.model_fields[key]
        need = "必填" if info.is_required() else "选填，不需要时删除这一行"
        note = notes.get(key) or _choices(info.annotation)
        tree.yaml_add_eol_comment(f"{info.title}（{need}）{note}", key, column=0)
        child = model_at(model_cls, (key, ""))
        value = tree[key]
        if child is not None and isinstance(value, CommentedSeq):
            for entry in value:
                if isinstance(entry, CommentedMap):
                    _comment(entry, child, {})
        elif child is not None and isinstance(value, CommentedMap):
            _comment(value, child, {})


# The stages of 责任事项 each kind of power goes through (the DOMAIN notes and local lists):
# a penalty is not a licence. Any type not named here gets the generic stages.
STAGES: dict[str, tuple[str, ...]] = {
    "01": ("受理", "审查", "决定", "送达", "事后监管"),
    "02": ("立案", "调查取证", "审理", "告知", "决定", "送达", "执行"),
    "03": ("催告", "决定", "执行", "事后监管"),
    "04": ("受理", "审核", "决定", "征收", "事后监管"),
    "05": ("受理", "审查", "决定", "给付", "事后监管"),
    "06": ("检查", "处置", "事后监管"),
    "07": ("受理", "审查", "决定", "送达"),
    "08": ("制定方案", "组织推荐", "审核", "决定", "公示"),
    "09": ("受理", "审理", "裁决", "送达", "执行"),
}
GENERIC_STAGES = ("受理", "审查", "决定", "送达", "事后监管")

# Fields a new power item leaves out: for a few items only (sub-items, a local type name, joint
# bodies, remarks) or set by later changes (status, repeal). Every other field of the model is in
# the template, so a field added to the model appears in `qingdan new` without a change here.
# Left out of a new item's template: rarer fields, added by hand where they apply.
POWER_SKIPPED = frozenset({"local_type_label", "sub_items", "co_implementers", "remarks", "status", "repeal",
                           "implementing_body", "origin", "provisional", "adjustments"})


def _power(code: str, power_type: str, name: str | None) -> CommentedMap:
    fields = model.PowerItem.model_fields
    data: dict[str, Any] = {}
    for key, info in fields.items():
        if key in POWER_SKIPPED or (not info.is_required() and info.get_default(call_default_factory=True)):
            continue  # skipped, or has a real default (法定机关) that the validator fills in
        data[key] = _blank(info.annotation)
    stages = STAGES.get(power_type, GENERIC_STAGES)
    data.update({"code": code, "name": name or PLACEHOLDER, "power_type": power_type,
                 "responsibilities": [{"stage": stage, "content": PLACEHOLDER} for stage in stages]})
    return _commented(data, model.PowerItem, {
        "power_type": "：" + POWER_TYPES[power_type],
        "exercise_level": "：国家、省、市、县、乡镇 或 分级管理",
        "legal_basis": "：source 写 lists/sources.yml 中的 id",
        "accountability_basis": "：source 写 lists/sources.yml 中的 id",
        "effective": "：YYYY-MM-DD",
        "responsibilities": "：按 " + POWER_TYPES[power_type] + " 的环节列出，可增删",
    })


def _choices(annotation: Any) -> str:
    """"：国家、省、市" for a field with a fixed set of values, else ""."""
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        return next((c for a in typing.get_args(annotation) if (c := _choices(a))), "")
    if typing.get_origin(annotation) is typing.Literal:
        return "：" + "、".join(str(v) for v in typing.get_args(annotation))
    return ""


def _blank(annotation: Any) -> Any:
    """An empty value of a field's type: "" for text, a list with one blank entry for a list."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Annotated,):
        return _blank(typing.get_args(annotation)[0])
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _blank(inner[0]) if len(inner) == 1 else PLACEHOLDER
    if origin is list:
        return [_blank(typing.get_args(annotation)[0])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {key: _blank(info.annotation) for key, info in annotation.model_fields.items()}
    return PLACEHOLDER


def _negative(code: str, name: str | None) -> CommentedMap:
    data = {
        "code": code, "name": name or PLACEHOLDER, "category": "许可准入类",
        "measures": [{"code": f"{code}-01", "description": PLACEHOLDER, "scope": "地方",
                      "legal_basis": [{"source": PLACEHOLDER, "articles": PLACEHOLDER}]}],
    }
    return _commented(data, model.NegativeItem, {"category": "：禁止准入类 或 许可准入类"})


def _regulation(code: str, name: str | None) -> CommentedMap:
    data = {
        "code": code, "title": name or PLACEHOLDER, "enacting_body": PLACEHOLDER, "adopted": PLACEHOLDER,
        "promulgated": PLACEHOLDER, "effective": PLACEHOLDER, "validity": "现行有效",
        "cleanup": {"result": "保留"}, "industry": PLACEHOLDER, "note": PLACEHOLDER,
    }
    return _commented(data, model.Regulation, {"adopted": "：YYYY-MM-DD", "promulgated": "：YYYY-MM-DD",
                                               "effective": "：YYYY-MM-DD", "industry": "：见 lists/site.yml"})


def _duty(name: str | None) -> CommentedMap:
    data = {"duty": name or PLACEHOLDER, "tasks": [{"task": PLACEHOLDER, "handling_unit": PLACEHOLDER}],
            "accountability_cases": [PLACEHOLDER]}
    return _commented(data, model.responsibility.MainDuty)


def _department(lists_dir: Path, dept_id: str, region: str | None, name: str | None) -> Scaffolded:
    if not re.match(ID_PATTERN, dept_id or ""):
        raise QingdanError(f"部门标识 {dept_id!r} 只能用小写字母、数字和连字符（不超过 64 个字符），例如 520100-scjgj")
    relpath = f"{dept_id}/department.yml"
    if (lists_dir / relpath).exists():
        raise QingdanError(f"lists/{relpath} 已存在")
    region = region or dept_id.split("-")[0]
    data = {"id": dept_id, "name": name or PLACEHOLDER, "uscc": PLACEHOLDER, "region": region,
            "contact": {"address": PLACEHOLDER, "phone": PLACEHOLDER}, "reviewers": [PLACEHOLDER]}
    tree = _commented(data, model.Department, {"uscc": "：18 位统一社会信用代码",
                                                "reviewers": "：代码托管平台用户名，如 @zhangsan"})
    return Scaffolded(relpath, _emit(tree, model.Department), None, True)


# ---- files ----------------------------------------------------------------------

def _append(lists_dir: Path, department: str, kind: str, section: str, entry: CommentedMap,
            code: str | None, file_fields: dict[str, Any] | None = None) -> Scaffolded:
    relpath = f"{department}/{BY_KEY[kind].filename}"
    return append_entry(lists_dir, relpath, section, entry, code, file_fields)


def append_entry(lists_dir: Path, relpath: str, section: str, entry: CommentedMap, code: str | None = None,
                 file_fields: dict[str, Any] | None = None) -> Scaffolded:
    """A data file (not written) with ``entry`` appended to its list ``section``, comments kept."""
    file_kind = kind_of(relpath)
    if file_kind is None:
        raise QingdanError(f"lists/{relpath} 不是清单数据文件")
    template = _emit(CommentedMap({section: CommentedSeq([entry])}), file_kind.model)
    path = lists_dir / relpath
    created = not path.exists() and not path.is_symlink()
    if created:
        tree = CommentedMap(file_fields or {})
        tree.yaml_set_start_comment(f"{file_kind.label}（由 qingdan new 生成，请填写空白的字段）")
    else:
        tree = _existing(path, relpath)
    entries = tree.get(section)
    if not isinstance(entries, CommentedSeq):
        entries = tree[section] = CommentedSeq()
    entries.append(entry)
    if len(entries) > 1:
        entries.yaml_set_comment_before_after_key(len(entries) - 1, before="\n", indent=2)
    return Scaffolded(relpath, _emit(tree, file_kind.model), code, created, template)


def _existing(path: Path, relpath: str) -> CommentedMap:
    checked = format_text(read_regular(path), relpath)
    if checked.text is None:
        raise QingdanError(f"lists/{relpath} 无法读取，先修复它：" + "；".join(checked.problems))
    tree = load_tree((checked.original or "").lstrip("\ufeff"))
    if not isinstance(tree, CommentedMap):
        raise QingdanError(f"lists/{relpath} 的内容不是映射，先修复它")
    return tree


def _emit(tree: CommentedMap, model_cls: type[BaseModel]) -> str:
    return dump(normalise(tree, model_cls))


def _site(lists_dir: Path) -> model.SiteConfig:
    data = _plain(lists_dir / "site.yml")
    try:
        return model.SiteConfig.model_validate(data) if isinstance(data, dict) else model.SiteConfig(name="qingdan")
    except ValueError:
        raise QingdanError("lists/site.yml 有错误，先运行 qingdan validate 修复") from None


def _read_department(lists_dir: Path, department: str) -> dict:
    check_department(lists_dir, department)
    data = _plain(lists_dir / department / "department.yml")
    if not isinstance(data, dict) or not data.get("region"):
        raise QingdanError(f"lists/{department}/department.yml 缺少 region（所属行政区划），先补全")
    return data
