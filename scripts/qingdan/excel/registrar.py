"""Laws a workbook cites that lists/sources.yml does not hold yet: found in the national catalogue, or stubs.

A title the sources do not know is looked up in the national law catalogue
(:mod:`qingdan.laws`; short titles resolve): a law found there is registered
with the catalogue's metadata. Anything else (行政法规, 规章, local
regulations, which the catalogue does not hold) becomes a stub source marked
``verified: false``, with its level guessed from the title; the validator warns
(``source-unverified``) until someone checks it. The row is never refused for it.

Nothing is written until :meth:`Registrar.write`; ids are fixed when a title is
first met, so the YAML written with them and sources.yml agree, and a second
run finds every title registered and adds nothing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import QingdanError
from ..laws import Catalogue, normalise_title, open_catalogue, plan_registration, register_source
from ..problems import Problem
from .citations import SourceRef

SOURCES = "sources.yml"
# A title that starts with a place is a local norm: 示例省…条例 is a 地方性法规, 示例市…办法 a 地方政府规章.
_LOCAL = re.compile(r"^[\u4e00-\u9fff]{1,12}?(?:省|自治区|市|自治州|州|盟|地区|县|自治县|区|旗)")
Cell = tuple[str, str, int, int]  # file, sheet, 0-based row, 0-based column


@dataclass
class Pending:
    """A source to add to sources.yml: a catalogued law (by title) or a stub entry."""

    source_id: str
    title: str
    stub: dict[str, Any] | None = None  # None: register from the catalogue


@dataclass
class Registrar:
    """Resolves unknown titles for one import run and remembers what to add to sources.yml."""

    lists_dir: Path
    catalogue: Catalogue | None = None
    cell: Cell | None = None  # the cell being read, so that a new source is reported where it is first cited
    pending: dict[str, Pending] = field(default_factory=dict)  # normalised title -> what to add
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def open(cls, lists_dir: Path) -> "Registrar":
        """A registrar with the national catalogue, or without it (every unknown title a stub) if it is missing."""
        try:
            catalogue = open_catalogue()
        except QingdanError:
            catalogue = None
        return cls(lists_dir, catalogue)

    def learn(self, title: str) -> SourceRef | None:
        """The source for a title no registered source has: from the catalogue, else a stub."""
        key = normalise_title(title)
        known = self.pending.get(key)
        if known is not None:
            return self._ref(known)
        law = self.catalogue.resolve(title) if self.catalogue is not None else None
        if law is not None:
            try:
                registration = plan_registration(self.lists_dir, self.catalogue, title)
            except QingdanError:
                law = None  # a catalogue entry sources.yml cannot hold (level, status): a stub instead
            else:
                pending = Pending(registration.source_id, law.title)
                self.pending[key] = self.pending[normalise_title(law.title)] = pending
                return SourceRef(pending.source_id, law.title, law.level, None, law.promulgated,
                                 law.in_force)
        level = guess_level(title)
        pending = Pending(stub_id(title), title.strip(),
                          {"id": stub_id(title), "title": title.strip(), "level": level, "verified": False})
        self.pending[key] = pending
        self._report(title, level)
        return self._ref(pending)

    def _ref(self, pending: Pending) -> SourceRef:
        level = pending.stub["level"] if pending.stub else "法律"
        return SourceRef(pending.source_id, pending.title, level)

    def _report(self, title: str, level: str) -> None:
        file, sheet, row, col = self.cell or ("", None, None, None)
        self.problems.append(Problem(
            "import-source-stub", f"《{title}》不在国家法律目录中，已登记为待核实的{level}（{stub_id(title)}）",
            file, hint="导入后在 lists/sources.yml 中核对效力层级、文号和日期，然后删除 verified: false",
            line=row + 1 if row is not None else None, column=col + 1 if col is not None else None, sheet=sheet))

    def write(self) -> list[str]:
        """Add every pending source to lists/sources.yml; the ids added."""
        from ..files import write_atomic
        from ..fmt import to_tree
        from ..scaffold import append_entry

        added: list[str] = []
        for pending in {id(p): p for p in self.pending.values()}.values():
            if pending.stub is None:
                if self.catalogue is not None:
                    register_source(self.lists_dir, self.catalogue, pending.title, source_id=pending.source_id)
                    added.append(pending.source_id)
                continue
            result = append_entry(self.lists_dir, SOURCES, "items", to_tree(pending.stub), pending.source_id)
            write_atomic(self.lists_dir / SOURCES, result.text)
            added.append(pending.source_id)
        self.pending.clear()
        return added


def stub_id(title: str) -> str:
    """A stable id for a title (ids are ASCII; the same title always gives the same id)."""
    return "unverified-" + hashlib.sha256(normalise_title(title).encode("utf-8")).hexdigest()[:10]


def guess_level(title: str) -> str:
    """The 效力层级 a title suggests (staff confirm it): 条例 行政法规 or 地方性法规, 办法/规定 规章, …"""
    local = bool(_LOCAL.match(title.strip())) and not title.startswith("中华人民共和国")
    if "国务院" in title and "决定" in title:
        return "国务院决定"
    if title.endswith("条例"):
        return "地方性法规" if local else "行政法规"
    if title.endswith(("规定", "办法", "细则", "规则", "实施办法")):
        return "地方政府规章" if local else "部门规章"
    if title.endswith("法"):
        return "法律"
    return "规范性文件"
