"""`qingdan fmt --fix`: correct the mistakes that have exactly one right form, and say what changed.

Only what the validator's hints propose is written (both read load/fixes.py): a type name or an
unpadded number becomes its code, a dotted or 年月日 date becomes ISO, a tab becomes spaces.
Anything that needs a decision (an unknown code, a date that does not exist) is left for people.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..load.fixes import code_table, corrected_code, corrected_date
from ..load.schema import model_at
from .emit import _holds_date

_LEADING_TABS = re.compile(r"^([ \t]*)", re.MULTILINE)


@dataclass(frozen=True)
class Fix:
    """One correction: where, which field, the value before and after."""

    line: int
    field: str
    old: str
    new: str

    def text(self, shown: str) -> str:
        what = f"{self.field}: " if self.field else ""
        return f"{shown}:{self.line}: {what}{self.old} → {self.new}"


def fix_tabs(text: str) -> tuple[str, list[Fix]]:
    """Tabs in indentation become two spaces each; a tab inside a line becomes one space."""
    if "\t" not in text:
        return text, []
    fixes = [Fix(number, "", "制表符", "空格") for number, line in enumerate(text.splitlines(), 1)
             if "\t" in line]
    text = _LEADING_TABS.sub(lambda m: m.group(1).replace("\t", "  "), text)
    return text.replace("\t", " "), fixes


def fix_tree(tree: Any, model: type[BaseModel] | None) -> list[Fix]:
    """Correct codes and dates in a round-trip tree in place; the corrections made."""
    fixes: list[Fix] = []
    _walk(tree, model, fixes)
    return fixes


def _walk(node: Any, model: type[BaseModel] | None, fixes: list[Fix]) -> None:
    if isinstance(node, CommentedSeq):
        for child in node:
            _walk(child, model, fixes)
        return
    if not isinstance(node, CommentedMap) or model is None:
        return
    for key in list(node):
        info = model.model_fields.get(key) if isinstance(key, str) else None
        if info is None:
            continue
        value = node[key]
        fixed = _fixed(model, key, info.annotation, value)
        if fixed is not None:
            line = node.lc.value(key)[0] + 1 if node.lc.data and key in node.lc.data else 0
            fixes.append(Fix(line, key, _written(value), _written(fixed)))
            node[key] = fixed
        _walk(value, model_at(model, (key, "")), fixes)


def _fixed(model: type[BaseModel], key: str, annotation: Any, value: Any) -> Any:
    """The corrected value, or None when the value is right or has no single correction."""
    table = code_table(model, key)
    if table is not None and not (isinstance(value, str) and value in table):
        code = corrected_code(value, table)
        return DoubleQuotedScalarString(code) if code is not None else None
    if _holds_date(annotation) and not isinstance(value, (dt.date, bool)) and isinstance(value, (str, int)):
        date = corrected_date(value)
        # An ISO date written as text is only a matter of style: plain fmt handles it.
        return date if date is not None and str(value).strip() != date.isoformat() else None
    return None


def _written(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, DoubleQuotedScalarString):
        return f'"{value}"'
    return str(value)
