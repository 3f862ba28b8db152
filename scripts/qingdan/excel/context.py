"""The lookups cells need, taken from the dataset: sources, departments, industries."""

from __future__ import annotations

import re
from pathlib import Path

from ..dataset import Dataset
from ..kinds import in_force
from .cells import Context
from .citations import SourceIndex, SourceRef
from .headers import SITE_FILE, HeaderMap, load


def source_index(data: Dataset) -> SourceIndex:
    """Every citable source: lists/sources.yml and the local regulation catalogues."""
    refs = [SourceRef(s.id, s.title, s.level, s.document_number, s.promulgated, in_force(s.status))
            for s in data.sources.values()]
    refs += [SourceRef(r.code, r.title, "地方性法规", None, r.promulgated, in_force(r.validity))
             for r in data.regulations.values() if r.code not in data.sources]
    return SourceIndex(refs)


def context_for(data: Dataset, headers: HeaderMap | None = None, department: str | None = None) -> Context:
    """A cell context over a dataset (the default header map unless one is given)."""
    names = {dept_id: dept.name for dept_id, dept in data.departments.items()}
    return Context(headers or site_headers(data.lists_dir), source_index(data), names,
                   dict(data.site.industries), department, re.compile(data.site.code_patterns.power))


def site_headers(lists_dir: Path, extra: Path | None = None) -> HeaderMap:
    """The default header map with the site's additions (qingdan-headers.yml beside lists/)."""
    return load(extra if extra is not None else lists_dir.resolve().parent / SITE_FILE)
