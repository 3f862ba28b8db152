"""Field-level changes between two versions of a record, labelled in Chinese.

A change reads "事项名称: 旧值 → 新值", "设定依据: 增加《…》第…条" or
"状态: 在用 → 已废止" — never a line diff of YAML. Every label is the
``title`` of a field in the pydantic models; nothing is typed twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..dates import cn_date, cn_date_text
from ..model import POWER_TYPES

NONE_SHOWN = "（无）"
# Fields that identify an element of a list of records, most telling first:
# two versions of the same element are compared field by field.
IDENTITY_FIELDS = ("code", "id", "source", "stage", "duty", "task", "matter", "name", "date")
_DESCRIBING_FIELDS = ("name", "title", "description", "content", "division")
_DEPARTMENT_FIELDS = {"co_implementers", "departments"}


@dataclass(slots=True)
class FieldChange:
    """One changed field: ``label: old → new``, or an element added to or removed from a list."""

    field: str
    label: str
    op: str  # "changed", "added" or "removed"
    old: str | None = None
    new: str | None = None

    def text(self) -> str:
        """The change as people read it, e.g. ``事项名称: 旧值 → 新值``."""
        if self.op == "added":
            return f"{self.label}: 增加{self.new}"
        if self.op == "removed":
            return f"{self.label}: 删除{self.old}"
        return f"{self.label}: {self.old or NONE_SHOWN} → {self.new or NONE_SHOWN}"

    def to_dict(self) -> dict:
        return {k: v for k, v in (("field", self.field), ("label", self.label), ("op", self.op),
                                  ("old", self.old), ("new", self.new)) if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "FieldChange":
        return cls(data["field"], data["label"], data["op"], data.get("old"), data.get("new"))


class Names(typing.Protocol):
    """What a diff needs to show ids as names: legal sources and departments."""

    def source_title(self, source_id: str) -> str | None: ...

    def department_name(self, dept_id: str) -> str | None: ...


class NoNames:
    """Show ids as they are."""

    def source_title(self, source_id: str) -> str | None:
        return None

    def department_name(self, dept_id: str) -> str | None:
        return None


def diff_records(model: type[BaseModel], old: Any, new: Any, names: Names | None = None) -> list[FieldChange]:
    """The changed fields between two versions (plain data) of a record of ``model``."""
    out: list[FieldChange] = []
    _Differ(names or NoNames(), out).record(model, _mapping(old), _mapping(new), "", "")
    return out


def describe(model: type[BaseModel] | None, value: Any, names: Names | None = None) -> str:
    """A short description of a value of ``model`` (a legal basis as 《title》第…条)."""
    return _Differ(names or NoNames(), []).show(model, "", value) or NONE_SHOWN


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _shape(annotation: Any) -> tuple[str, type[BaseModel] | None]:
    """("list", element model or None), ("model", model) or ("scalar", None)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (types.UnionType, typing.Union):
        shapes = [_shape(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        return shapes[0] if len(shapes) == 1 else ("scalar", None)
    if origin is list:
        inner = _shape(typing.get_args(annotation)[0])
        return "list", inner[1] if inner[0] == "model" else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "scalar", None


def _identity_field(model: type[BaseModel]) -> str | None:
    return next((f for f in IDENTITY_FIELDS if f in model.model_fields), None)


@functools.cache
def _default(model: type[BaseModel], key: str) -> Any:
    """The value an absent field has (computed once: pydantic's lookup is slow)."""
    info = model.model_fields.get(key)
    if info is None or info.is_required():
        return None
    return info.get_default(call_default_factory=True)


class _Differ:
    """Walks two versions of a record along its model, collecting FieldChanges."""

    def __init__(self, names: Names, out: list[FieldChange]) -> None:
        self.names = names
        self.out = out

    def record(self, model: type[BaseModel], old: dict, new: dict, path: str, prefix: str) -> None:
        keys = list(model.model_fields) + sorted((old.keys() | new.keys()) - model.model_fields.keys())
        for key in keys:
            o = old.get(key, _default(model, key))
            n = new.get(key, _default(model, key))
            if o == n:
                continue
            info = model.model_fields.get(key)
            label = prefix + (info.title if info and info.title else key)
            where = f"{path}.{key}" if path else key
            shape, inner = _shape(info.annotation) if info else ("scalar", None)
            if shape == "list" and _is_list(o) and _is_list(n):
                self.list(inner, o or [], n or [], where, label, key)
            elif shape == "model" and isinstance(o, (dict, type(None))) and isinstance(n, (dict, type(None))):
                self.record(inner, _mapping(o), _mapping(n), where, label + " · ")
            else:
                self.out.append(FieldChange(where, label, "changed", self.show(None, key, o), self.show(None, key, n)))

    def list(self, model: type[BaseModel] | None, old: list, new: list, path: str, label: str, key: str) -> None:
        ident = _identity_field(model) if model else None
        if ident is None:
            self._multiset(model, old, new, path, label, key)
            return
        pairs, gone, came = _pair(old, new, ident)
        for value in gone:
            self.out.append(FieldChange(path, label, "removed", old=self.show(model, key, value)))
        for value in came:
            self.out.append(FieldChange(path, label, "added", new=self.show(model, key, value)))
        for o, n in pairs:
            if o != n:
                name = self.show(model, key, {ident: o.get(ident)})
                self.record(model, o, n, f"{path}[{o.get(ident)}]", f"{label}{_joint(name)}{name} · ")

    def _multiset(self, model: type[BaseModel] | None, old: list, new: list, path: str, label: str, key: str) -> None:
        rest = list(new)
        gone = []
        for value in old:
            if value in rest:
                rest.remove(value)
            else:
                gone.append(value)
        for value in gone:
            self.out.append(FieldChange(path, label, "removed", old=self.show(model, key, value)))
        for value in rest:
            self.out.append(FieldChange(path, label, "added", new=self.show(model, key, value)))
        if not gone and not rest:  # same elements, new order
            self.out.append(FieldChange(path, label, "changed", self.show(model, key, old), self.show(model, key, new)))

    def show(self, model: type[BaseModel] | None, key: str, value: Any) -> str | None:
        """A value as people read it."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.date):
            return cn_date(value)
        if isinstance(value, list):
            return "、".join(self.show(model, key, v) or NONE_SHOWN for v in value) or NONE_SHOWN
        if isinstance(value, dict) and key == "adjustments":
            return adjustment_text(value)
        if isinstance(value, dict):
            return self._record(model, value)
        text = cn_date_text(str(value))
        if key == "power_type" and text in POWER_TYPES:
            return f"{text} {POWER_TYPES[text]}"
        if key in _DEPARTMENT_FIELDS:
            return self.names.department_name(text) or text
        if key in ("accountability_cases", "cases"):
            return f"“{text}”"
        return text

    def _record(self, model: type[BaseModel] | None, value: dict) -> str:
        if "source" in value and (model is None or "articles" in model.model_fields):
            source = str(value.get("source"))
            title = self.names.source_title(source)
            articles = str(value.get("articles") or "")
            return f"《{title}》{articles}" if title else f"{source} {articles}".strip()
        ident = _identity_field(model) if model else None
        first = value.get(ident) if ident else None
        second = next((value[f] for f in _DESCRIBING_FIELDS if f != ident and value.get(f)), None)
        parts = [str(p) for p in (first, second) if p is not None]
        return "：".join(parts) if parts else "、".join(f"{k} {v}" for k, v in value.items())


def adjustment_text(value: dict) -> str:
    """An adjustment (动态调整) as the change log shows it: 合并：文件（文号，发文机关，日期）；来源事项 …."""
    made = "，".join(str(value[k]) for k in ("document_number", "issuer", "date") if value.get(k))
    text = f"{value.get('kind')}：{value.get('document')}" + (f"（{made}）" if made else "")
    for key, label in (("from_codes", "来源事项"), ("to_codes", "去向事项")):
        if value.get(key):
            text += f"；{label} " + "、".join(str(c) for c in value[key])
    return text


def _is_list(value: Any) -> bool:
    return value is None or isinstance(value, list)


def _joint(name: str | None) -> str:
    return "" if name and name.startswith("《") else " "


def _pair(old: list, new: list, ident: str) -> tuple[list[tuple[dict, dict]], list, list]:
    """Match elements of two lists by their identity field, in order of appearance."""
    waiting: dict[Any, list[dict]] = {}
    came = []
    for value in new:
        if isinstance(value, dict) and _hashable(value.get(ident)):
            waiting.setdefault(value.get(ident), []).append(value)
        else:
            came.append(value)
    pairs, gone = [], []
    for value in old:
        key = value.get(ident) if isinstance(value, dict) else None
        match = waiting.get(key) if isinstance(value, dict) and _hashable(key) else None
        if match:
            pairs.append((value, match.pop(0)))
        else:
            gone.append(value)
    came += [v for values in waiting.values() for v in values]
    return pairs, gone, came


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


