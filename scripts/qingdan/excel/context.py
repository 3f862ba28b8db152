"""The lookups cells need, taken from the dataset: sources, departments, industries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..dataset import Dataset
from ..errors import QingdanError
from ..kinds import in_force
from ..load.parse import parse
from ..model.power import ExerciseLevel
from .cells import Context
from .citations import SourceIndex, SourceRef
from .headers import SITE_FILE, HeaderMap, load

_LEVELS = set(ExerciseLevel.__args__)


@dataclass(frozen=True)
class DepartmentInfo:
    """What import needs of a department: read from its department.yml whatever its validation state."""

    id: str
    name: str
    region: str


def source_index(data: Dataset) -> SourceIndex:
    """Every citable source: lists/sources.yml and the local regulation catalogues."""
    refs = [SourceRef(s.id, s.title, s.level, s.document_number, s.promulgated, in_force(s.status))
            for s in data.sources.values()]
    refs += [SourceRef(r.code, r.title, "地方性法规", None, r.promulgated, in_force(r.validity))
             for r in data.regulations.values() if r.code not in data.sources]
    return SourceIndex(refs)


def departments_of(lists_dir: Path) -> dict[str, DepartmentInfo]:
    """Every department folder with a department.yml, even one the validator rejects.

    A department that is new (placeholders still empty) or whose lists are
    overdue is exactly the one being imported; it must not be left out.
    """
    found: dict[str, DepartmentInfo] = {}
    for path in sorted(lists_dir.glob("*/department.yml")):
        data = _plain(path)
        name = data.get("name") if isinstance(data.get("name"), str) else ""
        region = str(data.get("region") or path.parent.name.split("-")[0])
        found[path.parent.name] = DepartmentInfo(path.parent.name, name.strip(), region)
    return found


def check_department(lists_dir: Path, department: str) -> None:
    """Raise a clear error unless lists/<department>/department.yml exists."""
    if not (lists_dir / department / "department.yml").is_file():
        known = sorted(p.parent.name for p in lists_dir.glob("*/department.yml"))
        raise QingdanError(f"部门 {department} 不存在：没有 {lists_dir.name}/{department}/department.yml。"
                           f"可用的部门：{'、'.join(known) or '（无）'}；新部门先用 qingdan new department 创建")


def region_levels(lists_dir: Path) -> dict[str, str]:
    """Region code -> its level (省, 市, 县), from lists/regions.yml as written."""
    items = _plain(lists_dir / "regions.yml").get("items")
    return {str(r["code"]): str(r["level"]) for r in items or [] if isinstance(r, dict) and "code" in r and "level" in r}


def _plain(path: Path) -> dict[str, Any]:
    try:
        data = parse(path.read_text(encoding="utf-8"), path.name).data
    except (OSError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def context_for(data: Dataset, headers: HeaderMap | None = None, department: str | None = None,
                aliases: dict[str, str] | None = None) -> Context:
    """A cell context over a dataset (the default header map unless one is given)."""
    departments = departments_of(data.lists_dir)
    levels = region_levels(data.lists_dir)
    names = {d.id: d.name or d.id for d in departments.values()}
    exercise = {d.id: levels[d.region] for d in departments.values() if levels.get(d.region) in _LEVELS}
    return Context(headers or site_headers(data.lists_dir), source_index(data), names,
                   dict(data.site.industries), department, re.compile(data.site.code_patterns.power),
                   exercise, dict(aliases or {}))


def site_headers(lists_dir: Path, extra: Path | None = None) -> HeaderMap:
    """The default header map with the site's additions (qingdan-headers.yml beside lists/)."""
    return load(extra if extra is not None else lists_dir.resolve().parent / SITE_FILE)
