"""Power codes given out by qingdan: the next free code of a department and type.

One allocator serves ``qingdan new power`` (one code) and ``qingdan import``
(a code for every row of a workbook that has none). It reads every
lists/*/powers.yml once, as written (a half-filled template too), and then
remembers each code it gives out, so a run never hands out a code twice.
Codes follow the site's code pattern (lists/site.yml code_patterns): the next
number after the department's highest code of the same type, skipping any
number another department already uses for a different item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import QingdanError
from .files import read_regular
from .load.parse import parse
from .model.site import DB52_POWER_TYPES

# The two letters of the default code layout (XK00001000) and the power type they stand for.
TYPE_LETTERS: dict[str, str] = DB52_POWER_TYPES
LETTERS_OF_TYPE = {code: letters for letters, code in TYPE_LETTERS.items()}


def plain(path: Path) -> Any:
    """A file's plain data, or None if it cannot be read (a half-filled template still can)."""
    try:
        return parse(read_regular(path).decode("utf-8"), str(path)).data
    except (OSError, UnicodeDecodeError, QingdanError):
        return None


def items(lists_dir: Path, filename: str) -> Iterator[tuple[str, dict]]:
    """(department folder, item) for every item of every ``filename`` under lists/."""
    for path in sorted(lists_dir.glob(f"*/{filename}")):
        data = plain(path)
        for item in (data or {}).get("items") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict):
                yield path.parent.name, item


def _type_of(item: dict) -> str | None:
    return str(item.get("power_type")) if item.get("power_type") not in (None, "") else None


def power_codes(found: Iterable[tuple[str, dict]]) -> Iterator[tuple[str, str, str | None]]:
    """(department, code, power type) of every power item and sub-item."""
    for dept, item in found:
        ptype = _type_of(item)
        yield dept, str(item.get("code", "")), ptype
        for sub in item.get("sub_items") or []:
            if isinstance(sub, dict):
                yield dept, str(sub.get("code", "")), ptype


class PowerCodes:
    """The power codes in use, and the next free one for a department and type."""

    def __init__(self, pattern: str, lists_dir: Path | None = None, letters: dict[str, str] | None = None) -> None:
        self.regex = re.compile(pattern)
        self.numbered = {"region", "base"} <= set(self.regex.groupindex)  # else codes are only taken, never made
        self.letters = {t: k for k, t in (letters or TYPE_LETTERS).items()}  # type -> letters
        self.used: set[str] = set()
        self.bases: set[str] = set()
        self.first: re.Match | None = None  # the shape of codes when a type has none yet
        self.by_type: dict[str, list[tuple[str, re.Match]]] = {}  # type -> (department, match)
        self.names: dict[tuple[str, str], list[tuple[str | None, str]]] = {}  # (department, name) -> (type, code)
        self._lists = lists_dir  # read when a code is first asked for (an import with codes never reads it)

    @classmethod
    def of_lists(cls, lists_dir: Path, pattern: str, letters: dict[str, str] | None = None) -> PowerCodes:
        """Every code under lists/ (items and sub-items) and the items' names, read when first needed."""
        return cls(pattern, lists_dir, letters)

    def _load(self) -> None:
        """Read lists/ once; what this run took already (``add``, ``remember``) stays, after it."""
        if self._lists is None:
            return
        found, self._lists = list(items(self._lists, "powers.yml")), None
        run_types, run_names, run_first = self.by_type, self.names, self.first
        self.by_type, self.names, self.first = {}, {}, None
        for dept, code, ptype in power_codes(found):
            self.add(dept, code, ptype)
        for dept, item in found:
            if isinstance(item.get("name"), str) and item.get("code"):
                self.remember(dept, item["name"], _type_of(item), str(item["code"]))
        self.first = self.first or run_first
        for ptype, entries in run_types.items():
            self.by_type.setdefault(ptype, []).extend(entries)
        for key, entries in run_names.items():
            for ptype, code in entries:
                self.remember(*key, ptype, code)

    def add(self, department: str, code: str, power_type: str | None) -> None:
        """Take ``code`` (an existing one, or one written in a workbook): it is given out no more."""
        self.used.add(code)
        match = self.regex.match(code)
        if match is None or not self.numbered:
            return
        self.bases.add(match.group("base"))
        self.first = self.first or match
        if power_type is not None:
            self.by_type.setdefault(power_type, []).append((department, match))

    def remember(self, department: str, name: str, power_type: str | None, code: str) -> None:
        """Name a code (of lists/, or given out in this run) so that :meth:`existing` finds it for that item."""
        entries = self.names.setdefault((department, name), [])
        if (power_type, code) not in entries:
            entries.append((power_type, code))

    def existing(self, department: str, name: str, power_type: str | None) -> str | None:
        """The code of the department's item of this name and type (if the type is unknown, of the one so named)."""
        self._load()
        found = self.names.get((department, name), [])
        exact = [code for ptype, code in found if ptype == power_type]
        if exact:
            return exact[0]
        # The type is unknown on one side (a to-do): the one item of that name, if there is only one.
        loose = [code for ptype, code in found if ptype is None or power_type is None]
        return loose[0] if len(loose) == 1 else None

    def next(self, department: str, region: str, power_type: str) -> str:
        """The next free code of ``department`` for ``power_type``, taken at once."""
        if not self.numbered:
            raise QingdanError("lists/site.yml 的权力事项编码格式没有 region 和 base 分组，无法自动编号；"
                               "请用 --code 指定编码，或在表格中填写事项编码")
        self._load()
        same_type = self.by_type.get(power_type, [])
        mine = [m for d, m in same_type if d == department]
        of_type = mine or [m for _d, m in same_type]
        template = of_type[0] if of_type else self.first
        letters = _letters(of_type[0] if of_type else None, self.letters.get(power_type, ""))
        default = self.letters.get(power_type, "")
        n = max((_number(m) for m in mine if _letters(m, default) == letters), default=0) + 1
        while True:
            code = _compose(template, region, letters, n)
            match = self.regex.match(code)
            if not match:
                raise QingdanError(f"生成的编码 {code} 不符合 lists/site.yml 的编码格式；请用 --code 指定编码")
            if code not in self.used and match.group("base") not in self.bases:
                self.add(department, code, power_type)
                return code
            n += 1


def next_power_code(lists_dir: Path, department: str, region: str, power_type: str, pattern: str,
                    letters: dict[str, str] | None = None) -> str:
    """The next free power code for a department and type, following the site's code pattern."""
    return PowerCodes.of_lists(lists_dir, pattern, letters).next(department, region, power_type)


def _letters(match: re.Match | None, default: str) -> str:
    if match is not None:
        prefix = re.match(r"\D*", match.group("base")).group()
        if prefix:
            return prefix
    return default


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
