"""Where each kind of record lives under lists/, and which model reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from pydantic import BaseModel

from . import model
from .model.common import ID_PATTERN


@dataclass(frozen=True)
class FileKind:
    """One kind of data file: its name, its model and where it may stand."""

    key: str
    filename: str
    model: type[BaseModel]
    label: str
    per_department: bool


KINDS: tuple[FileKind, ...] = (
    FileKind("site", "site.yml", model.SiteConfig, "站点设置", False),
    FileKind("regions", "regions.yml", model.RegionList, "行政区划", False),
    FileKind("sources", "sources.yml", model.SourceList, "法律法规", False),
    FileKind("department", "department.yml", model.Department, "部门信息", True),
    FileKind("powers", "powers.yml", model.PowerList, "权力清单", True),
    FileKind("responsibilities", "responsibilities.yml", model.ResponsibilityList, "责任清单", True),
    FileKind("negative_list", "negative_list.yml", model.NegativeList, "市场准入负面清单", True),
    FileKind("regulations", "regulations.yml", model.RegulationList, "地方性法规目录", True),
)

BY_KEY = {kind.key: kind for kind in KINDS}
_BY_NAME = {kind.filename: kind for kind in KINDS}


def kind_of(relpath: str) -> FileKind | None:
    """The kind of a file given its path relative to lists/, or None if it is not a data file."""
    parts = PurePosixPath(relpath).parts
    kind = _BY_NAME.get(parts[-1]) if parts else None
    if kind is None:
        return None
    depth_ok = len(parts) == 2 if kind.per_department else len(parts) == 1
    return kind if depth_ok else None


def department_of(relpath: str) -> str | None:
    """The department folder a file belongs to (its first path part), if any."""
    parts = PurePosixPath(relpath).parts
    return parts[0] if len(parts) == 2 else None


_DEPARTMENT_ID = re.compile(ID_PATTERN)


def is_department_folder(name: str) -> bool:
    """True when ``name`` can be a department's folder (its id: model.common.ID_PATTERN).

    The validator refuses any other folder today, but history may hold one from an
    old commit ("坏 部门", "a<b"): it names no page or file of the site.
    """
    return bool(_DEPARTMENT_ID.match(name))
