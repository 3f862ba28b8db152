"""Which pages the site has, each with its title, template and context builder.

:func:`plan_pages` returns a :class:`PageSpec` per page without rendering
anything: contexts are built when a page is rendered, so a 100,000-item site
keeps one page body in memory at a time.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

from .. import model
from ..kinds import RELEASES
from ..layout import KINDS, is_department_folder
from ..model.power import POWER_TYPES
from ..model.registry import SourceLevel
from ..problems import CATALOGUE
from ..report import SEVERITY_ZH
from ..rules import REQUIRED_LISTS
from .compare import compare, region_figures
from .extras import FEED
from .history import AsOf, History, as_of, last_changed
from .labels import LIST_LABELS
from .links import external, is_slug, page_path, root_of
from .lookup import Lookup

Context = Callable[[], dict[str, Any]]
Crumbs = tuple[tuple[str, str | None], ...]  # (title, page path) from the home page

# A power-type page lists every item of the type when there are at most this
# many; above it, counts per department that link to the filtered lists.
TYPE_TABLE_LIMIT = 1000

LATEST_CHANGES = 10

DATAPACKAGE = "downloads/datapackage.json"  # describes every download (export stage)
COUNTS = "counts"  # a page showing only how many records there are (render/keys.py)
AS_OF = "as_of"  # a page printing how current the data is (its downloads are named by it)
WHOLE_HISTORY = "history:*"  # a page showing the change log of the whole site

# Stages of problems.ProblemType: where in the checking the problem is found.
STAGE_ZH = {0: "文件", 1: "YAML 语法", 2: "字段", 3: "记录之间"}


@dataclass(frozen=True)
class PageSpec:
    """One page: where it lives, its title (plain text), its template and context."""

    path: str
    title: str
    template: str
    context: Context
    source: str | None = None  # the data file under lists/ it shows, for "编辑此页"
    crumbs: tuple[tuple[str, str | None], ...] = ()  # (title, page path) from the home page
    # What the page shows besides the inputs every page reads (render/keys.py): by default
    # everything, so a page made again after any change; a page that says less is made less often.
    reads: tuple[str, ...] = ("*",)
    department: str | None = None  # the department whose shard makes it (None: the merge step)


Contributed = Callable[[], Collection[str]]


def plan_pages(lookup: Lookup, contributed: Contributed, history: History | None = None) -> dict[str, PageSpec]:
    """Every generated page of the site by path (a path of ``links.PAGE_PATHS``).

    ``contributed`` gives the paths of the files other stages add that pages link
    to (extras.linked_paths: known before those files are made).
    """
    planners = (_home, _search, _departments, _regions, _items, _types, _negative, _regulations,
                _sources, _publication, _changes, _consistency, _problem_codes, _feedback)
    pages: dict[str, PageSpec] = {}
    for planner in planners:
        for spec in planner(lookup, contributed, history):
            pages[spec.path] = spec
    return pages


Planner = Iterator[PageSpec]


def _dept_name(lookup: Lookup, dept_id: str) -> str:
    dept = lookup.data.departments.get(dept_id)
    return dept.name if dept else dept_id


def _dept_crumbs(lookup: Lookup, dept_id: str) -> Crumbs:
    dept_path = page_path("department", dept_id) if lookup.has_page("department", dept_id) else None
    return (("部门", page_path("departments")), (_dept_name(lookup, dept_id), dept_path))


# -- home and search -------------------------------------------------------------


def _home(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data

    def context() -> dict[str, Any]:
        counts = [
            ("部门", len(data.departments), page_path("departments")),
            ("权力事项（在用）", sum(lookup.type_counts.values()), page_path("types")),
            ("责任清单", len(data.responsibilities), page_path("departments")),
            ("负面清单事项", len(lookup.negative_items), page_path("negative_lists")),
            ("地方性法规", len(data.regulations), page_path("regulations")),
            ("法律法规", len(data.sources), page_path("sources")),
        ]
        return {
            "counts": counts,
            "type_counts": [(code, lookup.type_counts.get(code, 0)) for code in POWER_TYPES],
            "changes": list(history.changes()[:LATEST_CHANGES]) if history else None,
        }

    # Titled 首页 for the nav and the header; the h1 is the site's name.
    yield PageSpec(page_path("home"), "首页", "site/home.html", context, reads=(COUNTS, WHOLE_HISTORY, AS_OF))


def _search(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    path = page_path("search")
    yield PageSpec(path, "搜索", "site/search.html", lambda: {"root": root_of(path)}, reads=())


# -- departments and their lists ---------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One download link: what it is, where it is, and the name the saved file gets."""

    label: str
    path: str
    name: str  # carries the owner and how current it is: 示例市市场监管局-权力清单-20250118.csv


def _downloads(contributed: Contributed, folder: str, kind: str | None = None, *,
               owner: str, fresh: AsOf | None) -> list[Download]:
    """The download files under ``downloads/<folder>/`` (of one list if ``kind``).

    ``owner`` (a department's name, or the site's for the whole site) and the
    day of ``fresh`` name the saved file, so that ten departments' downloads
    are not ten files called powers.csv.
    """
    prefix = f"downloads/{folder}/"
    out = []
    for path in sorted(p for p in contributed() if p.startswith(prefix)):
        stem, _, ext = path[len(prefix):].rpartition(".")
        if kind is None or stem == kind:
            list_label = LIST_LABELS.get(stem, stem)
            day = f"-{fresh.compact}" if fresh else ""
            out.append(Download(f"{list_label}（{ext.upper()}）", path, f"{owner}-{list_label}{day}.{ext}"))
    return out


def _history_of(key: str) -> str:
    """What a page showing the timeline of record ``key`` (``_record_changes``) reads (render/keys.py)."""
    return f"history:{key}"


def _record_changes(history: History | None, key: str) -> list[Any] | None:
    """The history of one record, newest first (a key of the history stage: a code,
    ``source:<id>``, ``department:<id>``, ``responsibilities:<dept>``); None without history."""
    return list(history.item_changes(key)) if history is not None else None


def _fresh(lookup: Lookup, history: History | None) -> AsOf | None:
    return as_of(history, lookup.newest_date)


def _departments(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    def index() -> dict[str, Any]:
        package = ([Download("数据包说明（datapackage.json）", DATAPACKAGE, "datapackage.json")]
                   if DATAPACKAGE in contributed() else [])
        files = _downloads(contributed, "all", owner=lookup.site.name, fresh=_fresh(lookup, history))
        return {"regions": _region_rows(lookup), "downloads": files + package}

    yield PageSpec(page_path("departments"), "部门", "site/departments.html", index,
                   reads=(COUNTS, "contributed:downloads/all/", f"contributed:{DATAPACKAGE}", AS_OF))
    for dept_id in lookup.page_keys("department"):
        yield from _department(lookup, contributed, history, dept_id)


def _region_rows(lookup: Lookup) -> list[tuple[model.Region | None, str, list[str]]]:
    """(region, region code, department ids) for every region that has departments."""
    data = lookup.data
    return [(data.regions.get(code), code, ids) for code, ids in sorted(lookup.depts_by_region.items())]


def _department(lookup: Lookup, contributed: Contributed, history: History | None, dept_id: str) -> Planner:
    data = lookup.data
    dept = data.departments[dept_id]

    def downloads(kind: str | None = None) -> list[Download]:
        return _downloads(contributed, dept_id, kind, owner=dept.name, fresh=_fresh(lookup, history))

    crumbs = (("部门", page_path("departments")),)
    lists = {kind.key: f"{dept_id}/{kind.filename}" for kind in KINDS if kind.per_department}
    published = {key for key, rel in lists.items() if rel in data.record_files}

    def context() -> dict[str, Any]:
        powers = lookup.powers_by_dept.get(dept_id, [])
        return {
            "dept": dept,
            "dept_id": dept_id,
            "region": data.regions.get(dept.region),
            "published": published,
            "required": {key for key, _label in REQUIRED_LISTS},
            "powers": powers,
            "type_counts": lookup.dept_type_counts(dept_id),  # in force
            "type_totals": Counter(item.power_type for item in powers),
            "regulations": lookup.regulations_by_dept.get(dept_id, []),
            "negative": data.negative_lists.get(dept_id),
            "responsibilities": data.responsibilities.get(dept_id),
            "downloads": downloads(),
            "feed": feed if (feed := f"feeds/{dept_id}.xml") in contributed() else None,
            "changes": _record_changes(history, f"department:{dept_id}"),
        }

    own = (f"dept:{dept_id}", f"contributed:downloads/{dept_id}/", f"contributed:feeds/{dept_id}.xml",
           _history_of(f"department:{dept_id}"), AS_OF)
    yield PageSpec(page_path("department", dept_id), dept.name, "site/department.html", context,
                   source=lists["department"], crumbs=crumbs, reads=own, department=dept_id)
    dept_crumbs = _dept_crumbs(lookup, dept_id)
    if "powers" in published:
        def powers() -> dict[str, Any]:
            items = lookup.powers_by_dept.get(dept_id, [])
            return {"dept": dept, "dept_id": dept_id, "items": items,
                    "types": sorted({i.power_type for i in items}),
                    "downloads": downloads("powers"),
                    # What the table follows from besides what every page reads (the page's reads).
                    "table_key": data.file_digests.get(lists["powers"], "")}

        yield PageSpec(page_path("powers", dept_id), f"{dept.name}权力清单", "site/powers.html", powers,
                       source=lists["powers"], crumbs=dept_crumbs, department=dept_id,
                       reads=(f"file:{lists['powers']}", f"contributed:downloads/{dept_id}/", AS_OF))
    if "responsibilities" in published:
        def responsibilities() -> dict[str, Any]:
            return {"dept": dept, "dept_id": dept_id, "resp": data.responsibilities[dept_id],
                    "mentions": lookup.boundary_mentions.get(dept_id, []),
                    "changes": _record_changes(history, f"responsibilities:{dept_id}"),
                    "downloads": downloads("responsibilities")}

        yield PageSpec(page_path("responsibilities", dept_id), f"{dept.name}责任清单",
                       "site/responsibilities.html", responsibilities,
                       source=lists["responsibilities"], crumbs=dept_crumbs, department=dept_id,
                       reads=("files:responsibilities.yml", f"contributed:downloads/{dept_id}/",
                              _history_of(f"responsibilities:{dept_id}"), AS_OF))


def _regions(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data
    tops = [code for code, r in sorted(data.regions.items()) if not r.parent or r.parent not in data.regions]
    yield PageSpec(page_path("regions"), "地区", "site/regions.html", lambda: {"tops": tops})
    crumbs = (("地区", page_path("regions")),)
    for code in lookup.page_keys("region"):
        region = data.regions[code]

        def context(region: model.Region = region) -> dict[str, Any]:
            return {"region": region, "parent": data.regions.get(region.parent or ""),
                    "children": lookup.region_children.get(region.code, []),
                    "depts": lookup.depts_by_region.get(region.code, [])}

        yield PageSpec(page_path("region", code), region.name, "site/region.html", context, crumbs=crumbs,
                       reads=(COUNTS,))


# -- power items -------------------------------------------------------------------


def _items(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    yield PageSpec(page_path("items"), "权力事项", "site/items.html",
                   lambda: {"regions": _region_rows(lookup)}, reads=(COUNTS,))
    crumbs = functools.cache(functools.partial(_item_crumbs, lookup))  # one tuple per department, not per item
    for code in lookup.page_keys("item"):
        yield _item(lookup, history, code, crumbs)
    yield from _removed_items(lookup, history, crumbs)
    yield from _item_versions(lookup, history, crumbs)


def _item_crumbs(lookup: Lookup, dept_id: str) -> Crumbs:
    """The crumbs of a department's item pages: the department, then its power list."""
    return (*_dept_crumbs(lookup, dept_id), ("权力清单", page_path("powers", dept_id)))


def version_key(code: str, version: int) -> str:
    """The page key of one version of an item: ``<code>/v<n>``."""
    return f"{code}/v{version}"


def _item_versions(lookup: Lookup, history: History | None, crumbs: Callable[[str], Crumbs]) -> Planner:
    """Every past version of every item with a page: the point-in-time view, linked from the item's history.

    The last version is the item page itself (or the removed item's page). A
    version's data is read from git only when its page is rendered.
    """
    if history is None:
        return
    for code in history.keys(("power",)):
        # Most records were changed once (added): no past version, and no need to list their versions.
        if history.change_count(code) < 2 or not lookup.may_have_page(code, "power"):
            continue
        for version in history.item_versions(code)[:-1]:
            yield _item_version(lookup, history, code, version, crumbs)


def _item_version(lookup: Lookup, history: History, code: str, version: Any,
                  crumbs: Callable[[str], Crumbs]) -> PageSpec:
    def context() -> dict[str, Any]:
        try:
            item = model.PowerItem.model_validate(history.record(code, version.version))
        except ValidationError:
            item = None  # a version the current model no longer reads: the banner says so
        return {"item": item, "version": version, "dept_id": version.department or "", "same_base": [],
                "base": None, "changes": _record_changes(history, code), "removed": None}

    dept_id = version.department or ""
    # Read from git: the blob of the version, which its timeline names.
    return PageSpec(page_path("item_version", version_key(code, version.version)),
                    f"{version.name}（第 {version.version} 版）", "site/item_version.html", context,
                    crumbs=(*crumbs(dept_id), (version.name, page_path("item", code))),
                    reads=(_history_of(code),), department=dept_id or None)


def _removed_items(lookup: Lookup, history: History | None, crumbs: Callable[[str], Crumbs]) -> Planner:
    """Items taken out of lists/ keep their page, marked historic: a published URL never becomes a 404."""
    if history is None:
        return
    for code, removed in history.removed_items().items():
        if removed.kind != "power" or code in lookup.data.powers or not lookup.may_have_page(code, "power"):
            continue
        try:
            item = model.PowerItem.model_validate(history.record(code))
        except ValidationError:
            continue  # a last version that no longer reads has nothing trustworthy to show
        yield _item(lookup, history, code, crumbs, item, removed)


def _item(lookup: Lookup, history: History | None, code: str, crumbs: Callable[[str], Crumbs],
          item: model.PowerItem | None = None, removed: Any = None) -> PageSpec:
    data = lookup.data
    item = item if item is not None else data.powers[code]
    dept_id = (removed.department if removed is not None else data.owner.get(code)) or ""

    def context() -> dict[str, Any]:
        base = lookup.base_of.get(code)
        return {
            "item": item,
            "dept_id": dept_id,
            "same_base": [c for c in lookup.base_groups.get(base, ()) if c != code] if base else [],
            "base": base,
            "changes": _record_changes(history, code),
            "removed": removed,
            "version": None,
        }

    return PageSpec(page_path("item", code), item.name, "site/item.html", context,
                    source=data.source_file.get(code) if removed is None else None, crumbs=crumbs(dept_id),
                    reads=(*_item_reads(lookup, item), _history_of(code)) if removed is None else ("*",),
                    department=dept_id or None)


def _item_reads(lookup: Lookup, item: model.PowerItem) -> tuple[str, ...]:
    """An item page shows the item, and the names of the items of its base code and of its successors."""
    base = lookup.base_of.get(item.code)
    shown = [item.code, *(lookup.base_groups.get(base, ()) if base else ())]
    shown += [c for a in item.adjustments for c in a.to_codes if c in lookup.data.powers]
    return tuple(f"item:{code}" for code in dict.fromkeys(shown))


def _types(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    yield PageSpec(page_path("types"), "权力类型", "site/types.html",
                   lambda: {"counts": [(c, lookup.type_counts.get(c, 0)) for c in POWER_TYPES]}, reads=(COUNTS,))
    crumbs = (("权力类型", page_path("types")),)
    for type_code, type_label in POWER_TYPES.items():
        def context(type_code: str = type_code) -> dict[str, Any]:
            by_dept = {dept_id: of_type for dept_id, items in sorted(lookup.powers_by_dept.items())
                       if (of_type := [i for i in items if i.power_type == type_code])}
            total = sum(len(v) for v in by_dept.values())
            return {"type_code": type_code, "by_dept": by_dept, "total": total,
                    "full": total <= TYPE_TABLE_LIMIT}

        yield PageSpec(page_path("type", type_code), type_label, "site/type.html", context, crumbs=crumbs,
                       reads=(f"type:{type_code}",))


# -- negative list, regulations, sources ---------------------------------------------


def _negative(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data
    yield PageSpec(page_path("negative_lists"), "市场准入负面清单", "site/negative_lists.html",
                   lambda: {"lists": sorted(data.negative_lists.items()),
                            "downloads": _downloads(contributed, "all", "negative_list", owner=lookup.site.name,
                                                    fresh=_fresh(lookup, history))},
                   reads=("files:negative_list.yml", "contributed:downloads/all/", AS_OF))
    crumbs = (("市场准入负面清单", page_path("negative_lists")),)
    for code in lookup.page_keys("negative_item"):
        dept_id, item = lookup.negative_items[code]

        def context(dept_id: str = dept_id, item: model.NegativeItem = item) -> dict[str, Any]:
            return {"item": item, "dept_id": dept_id, "neg": data.negative_lists[dept_id],
                    "changes": _record_changes(history, item.code)}

        yield PageSpec(page_path("negative_item", code), item.name, "site/negative_item.html", context,
                       source=f"{dept_id}/negative_list.yml", crumbs=crumbs,
                       reads=(f"file:{dept_id}/negative_list.yml", _history_of(item.code)), department=dept_id)


def _regulations(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data
    industries = data.site.industries

    def index() -> dict[str, Any]:
        groups: dict[str, list[model.Regulation]] = defaultdict(list)
        for reg in data.regulations.values():
            groups[reg.industry].append(reg)
        ordered = [(k, industries.get(k, k), sorted(groups[k], key=lambda r: r.promulgated))
                   for k in sorted(groups, key=lambda k: (k not in industries, k))]
        results = ("保留", "修改", "废止")
        return {"groups": ordered, "results": results, "result_options": [(r, r) for r in results],
                "downloads": _downloads(contributed, "all", "regulations", owner=lookup.site.name,
                                        fresh=_fresh(lookup, history))}

    yield PageSpec(page_path("regulations"), "地方性法规目录", "site/regulations.html", index,
                   reads=("files:regulations.yml", "contributed:downloads/all/", AS_OF))
    crumbs = (("地方性法规目录", page_path("regulations")),)
    for code in lookup.page_keys("regulation"):
        reg = data.regulations[code]

        def context(reg: model.Regulation = reg) -> dict[str, Any]:
            return {"reg": reg, "industry": industries.get(reg.industry, reg.industry),
                    "dept_id": data.owner.get(reg.code, ""),
                    "history": sorted(_legislative_history(reg), key=lambda e: e[0]),
                    "citations": lookup.citations.get(reg.code, []),
                    "changes": _record_changes(history, reg.code)}

        yield PageSpec(page_path("regulation", code), reg.title, "site/regulation.html", context,
                       source=data.source_file.get(code), crumbs=crumbs, department=data.owner.get(reg.code) or None,
                       reads=(f"file:{data.source_file.get(code)}", f"citations:{reg.code}", _history_of(reg.code)))


def _legislative_history(reg: model.Regulation) -> Iterator[tuple[Any, str, str]]:
    """(date, what happened, by whom) for every step of a regulation's life."""
    yield reg.adopted, "通过", reg.enacting_body
    if reg.approved:
        yield reg.approved, "批准", reg.approving_body or ""
    yield reg.promulgated, "公布", ""
    yield reg.effective, "施行", ""
    for a in reg.amendments:
        yield a.date, a.kind, a.body + (f"《{a.instrument}》" if a.instrument else "")
    if reg.repealed:
        yield reg.repealed, "废止", ""


def _sources(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data

    def index() -> dict[str, Any]:
        levels: dict[str, list[model.LegalSource]] = defaultdict(list)
        for src in data.sources.values():
            levels[src.level].append(src)
        return {"levels": sorted(levels.items(), key=lambda kv: _LEVEL_ORDER.get(kv[0], 99)),
                "cited": {k: len(v) for k, v in lookup.citations.items()},
                "downloads": _downloads(contributed, "all", "sources", owner=lookup.site.name,
                                        fresh=_fresh(lookup, history))}

    yield PageSpec(page_path("sources"), "法律法规", "site/sources.html", index)
    crumbs = (("法律法规", page_path("sources")),)
    for source_id in lookup.page_keys("source"):
        yield from _source_pages(lookup, history, source_id, crumbs)


# A legal source's page lists the places citing it when there are at most this many; above it (a law
# every licence cites: 30 MB of rows at 100,000 items), counts per article and per department, and a
# page per department (sources/<id>/<department>/) with that department's citations.
SOURCE_ROWS = 1000


def _source_pages(lookup: Lookup, history: History | None, source_id: str,
                  crumbs: tuple[tuple[str, str | None], ...]) -> Planner:
    src = lookup.data.sources[source_id]
    citations = lookup.citations.get(source_id, [])
    split = len(citations) > SOURCE_ROWS
    depts = sorted({c.dept for c in citations if is_department_folder(c.dept)}) if split else []
    path = page_path("source", source_id)

    def context() -> dict[str, Any]:
        by_article = lookup.citations_by_article(source_id)
        counts = Counter(c.dept for c in citations)
        return {"src": src, "citations": citations, "by_article": by_article, "law": lookup.catalogued(source_id),
                "changes": _record_changes(history, f"source:{source_id}"),
                "parts": [(d, _dept_name(lookup, d), counts[d], page_path("source", f"{source_id}/{d}"))
                          for d in depts]}

    yield PageSpec(path, src.title, "site/source.html", context, source="sources.yml", crumbs=crumbs,
                   reads=(f"citations:{source_id}", _history_of(f"source:{source_id}")))

    @functools.cache
    def per_dept() -> dict[str, tuple[list[Any], list[tuple[str, list[Any]]]]]:
        """Department → its citations of the source, and the same by article (worked out once for all parts)."""
        out: dict[str, tuple[list[Any], list[tuple[str, list[Any]]]]] = {d: ([], []) for d in depts}
        for c in citations:
            if c.dept in out:
                out[c.dept][0].append(c)
        for label, group in lookup.citations_by_article(source_id):
            mine: dict[str, list[Any]] = defaultdict(list)
            for c in group:
                mine[c.dept].append(c)
            for d, cited in mine.items():
                if d in out:
                    out[d][1].append((label, cited))
        return out

    for dept_id in depts:
        def part(dept_id: str = dept_id) -> dict[str, Any]:
            mine, by_article = per_dept()[dept_id]
            return {"src": src, "citations": mine, "by_article": by_article, "dept_id": dept_id}

        yield PageSpec(page_path("source", f"{source_id}/{dept_id}"),
                       f"《{src.title}》：{_dept_name(lookup, dept_id)}", "site/source_part.html", part,
                       crumbs=(*crumbs, (src.title, path)), reads=(f"citations:{source_id}@{dept_id}",),
                       department=dept_id)


# Sources grouped in the order the model lists the levels (立法法 order, registry.SourceLevel).
_LEVEL_ORDER = {level: n for n, level in enumerate(get_args(SourceLevel))}


# -- reports -----------------------------------------------------------------------


def _publication(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data
    required = {key for key, _label in REQUIRED_LISTS}
    kinds = [kind for kind in KINDS if kind.per_department and kind.key != "department"]

    def context() -> dict[str, Any]:
        # 最近更新 comes from the history stage; without it the column stays empty.
        changed = last_changed(history) if history else {}
        rows = []
        for dept_id, dept in sorted(data.departments.items()):
            cells = []
            for kind in kinds:
                # The latest publication record of this list (department.yml publications).
                records = sorted((p for p in dept.publications if p.list == kind.label), key=lambda p: (p.year, p.date))
                cells.append({
                    "published": f"{dept_id}/{kind.filename}" in data.record_files,
                    "required": kind.key in required or bool(records),
                    "last_changed": changed.get((dept_id, kind.key)),
                    "record": records[-1] if records else None,
                })
            rows.append((dept_id, dept, cells))
        return {"kinds": kinds, "rows": rows, "deadline": _deadline_zh(data.site.publication_deadline),
                "deadlines": data.site.publication_deadlines,
                "with_history": history is not None}

    yield PageSpec(page_path("publication"), "清单公布情况", "site/publication.html", context)


def _changes(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    """修订记录: the newest changes and every commit's page, newest first (empty when not built from git).

    The log grows with every merge and a first import adds every record at once (35 MB of rows at
    100,000 items, on a phone): the log page shows the rows of its newest commits up to CHANGES_SHOWN
    and links every commit's own page (:func:`_step_pages`), which later merges do not change.
    """
    steps = history.step_log() if history is not None else []

    def context() -> dict[str, Any]:
        shown, rows = [], 0
        for step, changes in steps:
            rows += len(changes)
            if rows > CHANGES_SHOWN:
                break
            shown.append((step, changes))
        seen = sorted({c.department for _step, changes in shown for c in changes if c.department})
        feed = FEED if FEED in contributed() else None
        releases = [(r, f"{RELEASES}{r.file_name}") for r in history.tags()] if history is not None else []
        return {"steps": shown, "all_steps": [(step, len(changes)) for step, changes in steps],
                "count": sum(len(changes) for _step, changes in steps), "shown": sum(len(c) for _s, c in shown),
                "departments": [(d, _dept_name(lookup, d)) for d in seen], "list_labels": _list_labels(),
                "feed": feed, "releases": [(r, path) for r, path in reversed(releases) if path in contributed()]}

    yield PageSpec(page_path("changes"), "修订记录", "site/changes.html", context,
                   reads=(f"contributed:{FEED}", f"contributed:{RELEASES}", WHOLE_HISTORY))
    for step, changes in steps:
        if is_slug(step.sha):  # a commit id, read from git: never a path of its own
            yield from _step_pages(lookup, step, changes)


# The change log shows the rows of its newest commits up to this many (whole commits).
CHANGES_SHOWN = 500
# A commit's page lists its changes when it has at most this many; above it, its changes per department
# are on pages of their own (changes/<sha>/<department>/), each as long as that department's lists.
STEP_ROWS = 1000


def _step_pages(lookup: Lookup, step: Any, changes: list[Any]) -> Planner:
    """The page of one commit (changes/<sha>/), and for a large one a page per department it changed."""
    crumbs = (("修订记录", page_path("changes")),)
    reads = (f"step:{step.sha}",)  # what a commit's pages show is that commit: the same after later merges
    by_dept: dict[str, list[Any]] = defaultdict(list)
    for change in changes:
        by_dept[change.department or ""].append(change)
    split = len(changes) > STEP_ROWS
    parts = [d for d in sorted(by_dept) if is_department_folder(d)] if split else []
    path = page_path("change", step.sha)

    def context() -> dict[str, Any]:
        rest = [c for d, group in by_dept.items() if d not in parts for c in group] if split else changes
        return {"step": step, "changes": rest, "count": len(changes), "list_labels": _list_labels(),
                "parts": [(d, _dept_name(lookup, d), len(by_dept[d]), page_path("change", f"{step.sha}/{d}"))
                          for d in parts],
                "dept": None}

    day = f"{step.day.year}年{step.day.month}月{step.day.day}日"
    title = f"{step.title}（{day}）" if step.title else f"{day}的变更"
    yield PageSpec(path, title, "site/change.html", context, crumbs=crumbs, reads=reads)
    for dept_id in parts:
        def part(dept_id: str = dept_id) -> dict[str, Any]:
            return {"step": step, "changes": by_dept[dept_id], "count": len(by_dept[dept_id]),
                    "list_labels": _list_labels(), "parts": [], "dept": dept_id}

        yield PageSpec(page_path("change", f"{step.sha}/{dept_id}"), f"{title}：{_dept_name(lookup, dept_id)}",
                       "site/change.html", part, crumbs=(*crumbs, (title, path)), reads=reads, department=dept_id)


def _list_labels() -> dict[str, str]:
    return {kind.key: kind.label for kind in KINDS}


def _deadline_zh(deadline: str | None) -> str | None:
    """"09-30" → 每年9月30日前."""
    if not deadline or len(deadline) != 5 or deadline[2] != "-" or not deadline.replace("-", "").isdigit():
        return None
    return f"每年{int(deadline[:2])}月{int(deadline[3:])}日前"


def _consistency(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    data = lookup.data

    def context() -> dict[str, Any]:
        # The validator decides what is inconsistent (rules.consistency); this
        # page only groups its findings by base code and shows the items side by side.
        messages: dict[str, list[str]] = defaultdict(list)
        for problem in data.report.problems:
            code = problem.subject if problem.code == "inconsistent-item" else ""
            if code:
                messages[lookup.base_of.get(code, code)].append(problem.message)
        groups = [(base, lookup.base_groups.get(base, []), msgs) for base, msgs in sorted(messages.items())]
        return {"groups": groups, "figures": region_figures(lookup), "bases": sorted(lookup.base_groups)}

    yield PageSpec(page_path("consistency"), "同一事项同一标准", "site/consistency.html", context)
    crumbs = (("同一事项同一标准", page_path("consistency")),)
    for base in sorted(lookup.base_groups):
        if not is_slug(base):
            continue  # a base code that cannot name a page is compared on the items' pages only

        def compared(base: str = base) -> dict[str, Any]:
            return {"base": base, "rows": compare(lookup, base)}

        yield PageSpec(page_path("compare", base), f"同一事项比对：{base}", "site/compare.html", compared,
                       crumbs=crumbs, reads=tuple(f"item:{c}" for c in lookup.base_groups.get(base, ())))


def _problem_codes(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    def context() -> dict[str, Any]:
        stages: dict[int, list[Any]] = defaultdict(list)
        for kind in CATALOGUE.values():
            stages[kind.stage].append(kind)
        return {"stages": [(STAGE_ZH.get(s, str(s)), kinds) for s, kinds in sorted(stages.items())],
                "severity": SEVERITY_ZH}

    yield PageSpec(page_path("problem_codes"), "问题代码", "site/problem_codes.html", context, reads=())


# -- feedback ----------------------------------------------------------------------

# What a citizen may send; the form posts the key, people read the label.
FEEDBACK_TOPICS = (
    ("question", "对事项有疑问"),
    ("error", "清单内容有误"),
    ("unlisted", "发现清单以外仍在行使的权力（在线建议）"),
    ("other", "其他意见建议"),
)


def _feedback(lookup: Lookup, contributed: Contributed, history: History | None) -> Planner:
    """意见建议: the channels of the site settings, and a form posting to the configured address."""
    feedback = lookup.site.feedback

    def context() -> dict[str, Any]:
        return {"fb": feedback, "form_action": external(feedback.form_action), "topics": FEEDBACK_TOPICS}

    yield PageSpec(page_path("feedback"), "意见建议", "site/feedback.html", context, reads=())
