"""The site's download files: every list as CSV, XLSX and JSON, per department and for the whole site.

    downloads/<dept-id>/<list>.<csv|xlsx|json>
    downloads/all/<list>.<csv|xlsx|json>
    downloads/datapackage.json

``<list>`` is one of powers, responsibilities, negative_list, regulations, only
where there is data. Bytes are deterministic, so release hashes are stable.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator

from pydantic import BaseModel

from .. import model
from ..dataset import Dataset
from ..excel.cells import Context
from ..excel.context import context_for
from ..excel.rows import Part, TableData
from ..excel.stamp import stamp
from ..files import Digested, is_sha256
from ..kinds import DEPARTMENT_LISTS
from ..layout import BY_KEY
from ..laws.catalogue import installed_catalogue
from ..store import Store, digest_of, input_key
from .csvfile import csv_bytes, csv_head
from .datapackage import Resource, descriptor
from .jsonfile import json_join
from .slices import JSON, ROWS, Layout, Slice, Slices
from .sources import TITLE, source_table, sources_json
from .xlsx import Sheet, workbook, workbook_bytes

LISTS = DEPARTMENT_LISTS
SOURCES = "sources"  # lists/sources.yml: site-wide only, not a list of a department
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


def downloads(data: Dataset, *, formats: Iterable[str] = FORMATS, departments: Iterable[str] | None = None,
              kinds: Iterable[str] = (*LISTS, SOURCES), site_wide: bool = True,
              package: bool = True, store: Store | None = None) -> dict[str, bytes]:
    """Every download file by its path (``downloads/…``), and the data package that describes them.

    The options narrow it down for ``qingdan export``; the site calls it with none.
    """
    return {path: content.data if isinstance(content, Digested) else content
            for path, content in iter_downloads(data, formats=formats, departments=departments, kinds=kinds,
                                                site_wide=site_wide, package=package, store=store)}


def iter_downloads(data: Dataset, *, formats: Iterable[str] = FORMATS, departments: Iterable[str] | None = None,
                   kinds: Iterable[str] = (*LISTS, SOURCES), site_wide: bool = True,
                   package: bool = True, store: Store | None = None) -> Iterator[tuple[str, bytes | Digested]]:
    """The same files as :func:`downloads`, one at a time, so a site build never holds them all
    (the site-wide ones with their SHA-256, which the package needed: files.Digested).

    Every file is joined from the departments' slices (slices.py). With a
    ``store``, slices, department files and their package entries are kept
    there by what they are made from, and a later build makes again only what
    changed: after one item's name changes, its department's slices and files.
    A shard of a distributed build passes its ``departments`` with
    ``site_wide=False, package=False``; the merge step, given the union of the
    shards' stores (Store.absorb), then makes nothing per department and joins
    the site-wide files and the package from the kept slices. The bytes are the
    same with a store, without one, and across shards.
    """
    formats = tuple(formats)
    store = store if store is not None else Store(None)
    ctx = context_for(data)
    slices = Slices(ctx, store)
    chosen = sorted(departments if departments is not None else data.departments)
    groups = tuple(dict.fromkeys(JSON if fmt == "json" else ROWS for fmt in formats))
    # Each file's package entry is made at once, so its tables are not kept to the end.
    entries: list[dict] = []
    for kind in [k for k in LISTS if k in set(kinds)]:
        layout = slices.layout(kind)
        parts = [part for d in chosen if (part := _part(data, d, kind)) is not None]
        made = [slices.of(kind, part, groups, *_read_from(data, store, f"{part.department}/{BY_KEY[kind].filename}"))
                for part in parts]
        for part, found in zip(parts, made):
            dept = part.department
            label = _title(data, dept, kind, ctx)
            keywords = _stamp(data, dept, kind)
            for fmt in formats:
                path = f"{PREFIX}{dept}/{kind}.{fmt}"
                kept = found[JSON if fmt == "json" else ROWS]
                key = input_key("downloads/file", path, *[s.key for s in kept], "", layout.digest, label, keywords)
                raw, described = _kept(store, key, functools.partial(_join, kind, fmt, layout, kept, label, keywords),
                                       Resource(path[len(PREFIX):], fmt, b"", label, _file_tables(fmt, layout, kept)))
                entries += described
                yield path, raw
        if site_wide and made:
            label = _title(data, ALL, kind, ctx)
            for fmt in formats:
                kept_all = [piece for found in made for piece in found[JSON if fmt == "json" else ROWS]]
                joined = Digested.of(_join(kind, fmt, layout, kept_all, label, ""))  # hashed once, for both
                path = f"{PREFIX}{ALL}/{kind}.{fmt}"
                entries += Resource(path[len(PREFIX):], fmt, joined.data, label, _file_tables(fmt, layout, kept_all),
                                    joined.sha256).descriptors()
                yield path, joined
    if site_wide and data.sources and SOURCES in set(kinds):
        yield from _sources(data, formats, store, entries)
    if package:
        yield f"{PREFIX}datapackage.json", descriptor(data.site.name, entries)


def download_paths(data: Dataset, *, formats: Iterable[str] = FORMATS, departments: Iterable[str] | None = None,
                   kinds: Iterable[str] = (*LISTS, SOURCES), site_wide: bool = True,
                   package: bool = True) -> list[str]:
    """The paths :func:`iter_downloads` gives for the same options, without making a file.

    Pages link to the downloads while those are still being made (render/extras.linked_paths).
    """
    formats, wanted = tuple(formats), set(kinds)
    chosen = sorted(departments if departments is not None else data.departments)
    paths: list[str] = []
    for kind in [k for k in LISTS if k in wanted]:
        owners = [dept for dept in chosen if file_record(data, dept, kind) is not None]
        paths += [f"{PREFIX}{dept}/{kind}.{fmt}" for dept in owners for fmt in formats]
        if site_wide and owners:
            paths += [f"{PREFIX}{ALL}/{kind}.{fmt}" for fmt in formats]
    if site_wide and data.sources and SOURCES in wanted:
        paths += [f"{PREFIX}{ALL}/{SOURCES}.{fmt}" for fmt in formats]
    if package:
        paths.append(f"{PREFIX}datapackage.json")
    return paths


def _part(data: Dataset, dept: str, kind: str) -> Part | None:
    record = file_record(data, dept, kind)
    return Part(dept, record) if record is not None else None


def _read_from(data: Dataset, store: Store, relpath: str) -> tuple[str | None, dict[str, str] | None]:
    """The digest of the file a department's list was read from, and its records' digests (only worth
    working out for a store that keeps the slices they key)."""
    digests = data.record_digests(relpath, store) if store.folder is not None else None
    return data.file_digests.get(relpath), digests


def _join(kind: str, fmt: str, layout: Layout, kept: list[Slice], label: str, keywords: str) -> bytes:
    """A file of ``kind`` joined from slices in order (a department's for its file, every department's for the site's)."""
    if fmt == "json":
        return json_join(kind, [s.json for s in kept])
    if fmt == "csv":
        # Table by table, each department's lines in turn: as as_one_table orders the rows.
        return b"".join([csv_head(layout.csv.headers),  # one join: no copy of the whole file (+ would make one)
                         *(t.csv for table in layout.tables for s in kept for t in s.tables if t.title == table.title)])
    if fmt == "xlsx":
        sheets = [Sheet(table.title, table.headers, runs) for table in layout.tables
                  if (runs := [t.xlsx for s in kept for t in s.tables if t.title == table.title]) or layout.one_sheet]
        return workbook(sheets, label, keywords)
    raise ValueError(f"unknown format {fmt}")


def _file_tables(fmt: str, layout: Layout, kept: list[Slice]) -> list[TableData]:
    """The tables a file holds (for its package entry): the CSV's one, the workbook's sheets, none for JSON."""
    if fmt == "csv":
        return [layout.csv]
    if fmt == "xlsx":
        titles = {t.title for s in kept for t in s.tables}
        return [t for t in layout.tables if t.title in titles or layout.one_sheet]
    return []


def _sources(data: Dataset, formats: tuple[str, ...], store: Store,
             entries: list[dict]) -> Iterator[tuple[str, Digested]]:
    """The registry of laws and regulations the lists cite, with the national catalogue's view."""
    catalogue = installed_catalogue()
    inputs = digest_of(_json([[s.model_dump_json() for s in data.sources.values()],
                              catalogue.fingerprint if catalogue is not None else None]))
    table = functools.cache(lambda: source_table(data, catalogue))
    for fmt in formats:
        path = f"{PREFIX}{ALL}/{SOURCES}.{fmt}"
        make = {"csv": lambda: csv_bytes(table()), "xlsx": lambda: workbook_bytes([table()], TITLE),
                "json": lambda: sources_json(data, catalogue)}[fmt]
        resource = Resource(path[len(PREFIX):], fmt, b"", TITLE, [])
        raw, described = _kept(store, input_key("downloads/file", path, inputs), make, resource,
                               lambda fmt=fmt: [] if fmt == "json" else [table()])
        entries += described
        yield path, raw


def _kept(store: Store, key: str, make: Callable[[], bytes], resource: Resource,
          tables: Callable[[], list[TableData]] | None = None) -> tuple[Digested, list[dict]]:
    """A department's (or the sources') file kept by ``key``, with its SHA-256, and its package entries
    (kept beside it, with that digest: the writer of the site takes it rather than hashing the file again).

    Both are made again (and kept) when either is not kept, or they do not agree: a damaged blob
    is not the size its entries record, damaged entries do not name one SHA-256. ``resource``
    describes the file (its bytes are set here); ``tables`` gives its tables when only making them costs.
    """
    entries_key = input_key("downloads/resource", key)
    raw, kept = store.get(key), store.get(entries_key)
    try:
        entries = json.loads(kept) if kept is not None else None
        if raw is not None and entries and all(entry["bytes"] == len(raw) for entry in entries):
            sha256 = _sha256_of(entries)
            if sha256 is not None:
                store.reused += 2
                return Digested(raw, sha256), entries
    except (ValueError, TypeError, KeyError):
        pass
    raw = make()
    if tables is not None:
        resource.tables = tables()
    resource.raw = raw
    entries = resource.descriptors()
    store.put(key, raw)
    store.put(entries_key, _json(entries))
    store.made_count += 2
    return Digested(raw, str(_sha256_of(entries))), entries


def _sha256_of(entries: list[dict]) -> str | None:
    """The SHA-256 (hex) a file's package entries all give it; None if they do not (damaged entries)."""
    hashes = {entry["hash"] for entry in entries}
    if len(hashes) != 1:
        return None
    value = hashes.pop()
    digest = value[len("sha256:"):] if isinstance(value, str) and value.startswith("sha256:") else None
    return digest if is_sha256(digest) else None


def _json(value: object) -> bytes:
    # Keys in their order: package entries read back from the store must list them as made ones do.
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _stamp(data: Dataset, folder: str, kind: str) -> str:
    """A department's workbook carries the version of the file it came from (excel/stamp.py)."""
    relpath = f"{folder}/{BY_KEY[kind].filename}"
    source = data.lists_dir / relpath
    return stamp(relpath, source.read_bytes()) if folder != ALL and source.is_file() else ""


def _title(data: Dataset, folder: str, kind: str, ctx: Context) -> str:
    owner = "全部部门" if folder == ALL else ctx.departments.get(folder, folder)
    return f"{owner} {BY_KEY[kind].label}"
