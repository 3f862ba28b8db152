"""The site's download files: every list as CSV, XLSX and JSON, per department and for the whole site.

    downloads/<dept-id>/<list>.<csv|xlsx|json>
    downloads/all/<list>.<csv|xlsx|json>
    downloads/datapackage.json

``<list>`` is one of powers, responsibilities, negative_list, regulations, only
where there is data. Bytes are deterministic, so release hashes are stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import BaseModel

from .. import model
from ..dataset import Dataset
from ..excel.cells import Context
from ..excel.context import context_for
from ..excel.rows import Part, TableData, file_tables, one_table
from ..kinds import DEPARTMENT_LISTS
from ..layout import BY_KEY
from .csvfile import csv_bytes
from .datapackage import Resource, descriptor
from .jsonfile import json_bytes
from .xlsx import workbook_bytes

LISTS = DEPARTMENT_LISTS
FORMATS = ("csv", "xlsx", "json")
ALL = "all"
PREFIX = "downloads/"


def file_record(data: Dataset, dept: str, kind: str) -> BaseModel | None:
    """One department's file of a list, rebuilt from the dataset; None if it has no data."""
    if kind == "powers":
        items = data.department_powers(dept)
        return model.PowerList(items=items) if items else None
    if kind == "regulations":
        regs = data.department_regulations(dept)
        return model.RegulationList(items=regs) if regs else None
    if kind == "responsibilities":
        return data.responsibilities.get(dept)
    if kind == "negative_list":
        return data.negative_lists.get(dept)
    raise ValueError(f"not a list: {kind}")


def list_files(kind: str, parts: list[Part], ctx: Context, formats: Iterable[str] = FORMATS,
               title: str = "") -> dict[str, tuple[bytes, list[TableData]]]:
    """The bytes of one list in each format, with the tables the file holds (for their schemas)."""
    out: dict[str, tuple[bytes, list[TableData]]] = {}
    for fmt in formats:
        if fmt == "xlsx":
            tables = file_tables(kind, parts, ctx)
            out[fmt] = (workbook_bytes(tables, title), tables)
        elif fmt == "csv":
            table = one_table(kind, parts, ctx)
            out[fmt] = (csv_bytes(table), [table])
        elif fmt == "json":
            out[fmt] = (json_bytes(kind, parts, ctx), [])
        else:
            raise ValueError(f"unknown format {fmt}")
    return out


def downloads(data: Dataset, *, formats: Iterable[str] = FORMATS, departments: Iterable[str] | None = None,
              kinds: Iterable[str] = LISTS, site_wide: bool = True, package: bool = True) -> dict[str, bytes]:
    """Every download file by its path (``downloads/…``), and the data package that describes them.

    The options narrow it down for ``qingdan export``; the site calls it with none.
    """
    return dict(iter_downloads(data, formats=formats, departments=departments, kinds=kinds,
                               site_wide=site_wide, package=package))


def iter_downloads(data: Dataset, *, formats: Iterable[str] = FORMATS, departments: Iterable[str] | None = None,
                   kinds: Iterable[str] = LISTS, site_wide: bool = True,
                   package: bool = True) -> Iterator[tuple[str, bytes]]:
    """The same files as :func:`downloads`, one at a time, so a site build never holds them all."""
    formats = tuple(formats)
    ctx = context_for(data)
    chosen = sorted(departments if departments is not None else data.departments)
    # Each file's package entry is made at once, so its tables are not kept to the end.
    entries: list[dict] = []
    for kind in [k for k in LISTS if k in set(kinds)]:
        parts = [Part(d, rec) for d in chosen if (rec := file_record(data, d, kind)) is not None]
        groups = [(p.department, [p]) for p in parts] + ([(ALL, parts)] if site_wide and parts else [])
        for folder, members in groups:
            label = _title(data, folder, kind, ctx)
            for fmt in formats:
                [(raw, tables)] = list_files(kind, members, ctx, (fmt,), label).values()
                path = f"{PREFIX}{folder}/{kind}.{fmt}"
                entries += Resource(path[len(PREFIX):], fmt, raw, label, tables).descriptors()
                yield path, raw
    if package:
        yield f"{PREFIX}datapackage.json", descriptor(data.site.name, entries)


def _title(data: Dataset, folder: str, kind: str, ctx: Context) -> str:
    owner = "全部部门" if folder == ALL else ctx.departments.get(folder, folder)
    return f"{owner} {BY_KEY[kind].label}"
