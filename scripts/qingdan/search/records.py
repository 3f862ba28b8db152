"""What search finds: one small record per item, department, regulation and legal source.

Records, not pages: a page carries navigation and boilerplate that would match
every query; a record carries only the fields people search by, split into the
fields the ranking tells apart (name, code, legal basis, other).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from .. import model
from ..dataset import Dataset
from ..kinds import BY_NAME, PAGES, in_force
from ..store import digest_of

# Kinds in the order they win ties (after name length): a department or a law
# named like the query is more likely what was meant than an item citing it.
KINDS = ("department", "source", "regulation", "power", "negative")

# Page of each kind, relative to the site root (kinds.PAGES); {code} is the record's
# code, percent-encoded like JavaScript's encodeURIComponent (search.js fills these in).
PATHS = {kind: PAGES[BY_NAME[kind].page].replace("{}", "{code}") for kind in KINDS}
_URI_SAFE = "-_.!~*'()"


@dataclass
class SearchDoc:
    """One searchable record: its page is PATHS[kind] filled with its code."""

    kind: str
    name: str
    code: str
    label: str  # what it is, shown beside the name: 行政许可, 地方性法规, 部门 …
    dept: str = ""  # name of the department that owns it
    codes: list[str] = field(default_factory=list)  # further codes: sub-items, measures, USCC
    basis: list[str] = field(default_factory=list)  # 《title》articles, shown and ranked
    basis_text: list[str] = field(default_factory=list)  # quoted article text, indexed only
    other: list[str] = field(default_factory=list)  # further text, indexed only
    status: str = ""  # shown when not in force: 已废止, 已修改, 尚未生效 (ranks such records last)

    @property
    def path(self) -> str:
        """The record's page, relative to the site root."""
        return PATHS[self.kind].format(code=quote(self.code, safe=_URI_SAFE))

    def fields(self) -> dict[str, list[str]]:
        """Indexed text by ranking field: n(ame), c(ode), b(asis), o(ther)."""
        return {
            "n": [self.name],
            "c": [self.code, *self.codes],
            "b": [*self.basis, *self.basis_text],
            "o": [self.label, self.dept, self.status, *self.other],
        }


SITE = ""  # the part of records that belong to no department: departments themselves and legal sources


def docs(dataset: Dataset) -> list[SearchDoc]:
    """Every searchable record of the dataset."""
    return [doc for part in parts(dataset).values() for doc in part]


def part_names(dataset: Dataset) -> list[str]:
    """Every part's name: SITE, then the department ids."""
    return list(dict.fromkeys([SITE, *dataset.departments, *dataset.negative_lists,
                               *dataset.powers_by_department, *dataset.regulations_by_department]))


def parts(dataset: Dataset, departments: Collection[str] | None = None) -> dict[str, list[SearchDoc]]:
    """The records by part: SITE (departments, sources) and each department id (its items and regulations).

    With ``departments``, only those parts (SITE among them if named). A
    negative-list item in several departments' lists belongs to the first of them.
    """
    wanted = None if departments is None else set(departments)
    names = _Names(dataset)
    negative = _negative_owners(dataset)
    out: dict[str, list[SearchDoc]] = {}
    for part in part_names(dataset):
        if wanted is not None and part not in wanted:
            continue
        # SITE also holds the items whose owner is unknown (there are none in a valid dataset).
        own = [*_departments(dataset), *_sources(dataset)] if part == SITE else []
        out[part] = [*own, *_regulations(dataset, names, dataset.department_regulations(part)),
                     *_powers(dataset, names, dataset.department_powers(part)),
                     *_negative_items(dataset, names, part, negative)]
    return out


class _Names:
    """Looks up the names that records show instead of ids."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset

    def dept(self, dept_id: str | None) -> str:
        dept = self.data.departments.get(dept_id or "")
        return dept.name if dept else (dept_id or "")

    def owner(self, code: str) -> str:
        return self.dept(self.data.owner.get(code))

    def source_title(self, source_id: str) -> str:
        if source_id in self.data.sources:
            return self.data.sources[source_id].title
        if source_id in self.data.regulations:
            return self.data.regulations[source_id].title
        return source_id

    def basis(self, bases: Iterable[model.LegalBasis]) -> tuple[list[str], list[str]]:
        """(《title》articles for each citation, quoted texts)."""
        cited, quoted = [], []
        for basis in bases:
            cited.append(f"《{self.source_title(basis.source)}》{basis.articles or ''}")
            if basis.text:
                quoted.append(basis.text)
        return list(dict.fromkeys(cited)), quoted


def _status(status: str) -> str:
    return "" if in_force(status) else status


def _departments(data: Dataset) -> Iterator[SearchDoc]:
    for dept_id, dept in data.departments.items():
        region = data.regions.get(dept.region)
        other = [region.name] if region else []
        duties = data.responsibilities.get(dept_id)
        if duties:
            other += [duty.duty for duty in duties.main_duties]
            other += [service.name for service in duties.public_services]
        yield SearchDoc("department", dept.name, dept_id, "部门",
                        codes=[dept.uscc], other=other)


def _sources(data: Dataset) -> Iterator[SearchDoc]:
    for source in data.sources.values():
        other = [v for v in (source.document_number, source.issuer) if v]
        yield SearchDoc("source", source.title, source.id, source.level,
                        other=other, status=_status(source.status))


def _regulations(data: Dataset, names: _Names, regulations: Iterable[model.Regulation]) -> Iterator[SearchDoc]:
    for reg in regulations:
        industry = data.site.industries.get(reg.industry, reg.industry)
        other = [reg.enacting_body, reg.approving_body or "", reg.cleanup.result, industry,
                 reg.cleanup.reason or "", reg.cleanup.batch or ""]
        yield SearchDoc("regulation", reg.title, reg.code, "地方性法规", dept=names.owner(reg.code),
                        other=[v for v in other if v], status=_status(reg.validity))


def _powers(data: Dataset, names: _Names, items: Iterable[model.PowerItem]) -> Iterator[SearchDoc]:
    for item in items:
        cited, quoted = names.basis(item.legal_basis)
        other = [sub.name for sub in item.sub_items]
        other += [v for v in (item.local_type_label, item.handling_unit) if v]
        other += [names.dept(dept_id) for dept_id in item.co_implementers]
        if item.repeal:  # people look for why an item went: 取消, 下放, 合并 …
            other += [v for v in (item.repeal.reason, item.repeal.basis) if v]
        yield SearchDoc(
            "power", item.name, item.code,
            model.POWER_TYPES[item.power_type], dept=names.owner(item.code),
            codes=[sub.code for sub in item.sub_items], basis=cited, basis_text=quoted,
            other=other, status=_status(item.status),
        )


def read_elsewhere(dataset: Dataset) -> str:
    """A digest of all that a department's records show from outside its own files: the names of
    departments, sources and regulations, the site's industries, which department a negative-list item
    shared by several belongs to. A department's part follows from its files and this."""
    shown = (sorted((dept_id, dept.name) for dept_id, dept in dataset.departments.items()),
             sorted((source_id, source.title) for source_id, source in dataset.sources.items()),
             sorted((code, reg.title) for code, reg in dataset.regulations.items()),
             sorted(dataset.site.industries.items()), sorted(_negative_owners(dataset).items()))
    return digest_of(repr(shown))


def _negative_owners(data: Dataset) -> dict[str, str]:
    """Each negative-list item's code → the first department listing it (the same national item
    may stand in several departments' lists; it is one record)."""
    owners: dict[str, str] = {}
    for dept_id, negative in data.negative_lists.items():
        for item in negative.items:
            owners.setdefault(item.code, dept_id)
    return owners


def _negative_items(data: Dataset, names: _Names, dept_id: str, owners: dict[str, str]) -> Iterator[SearchDoc]:
    negative = data.negative_lists.get(dept_id)
    if negative is None:
        return
    seen: set[str] = set()
    for item in negative.items:
        if owners[item.code] != dept_id or item.code in seen:
            continue
        seen.add(item.code)
        bases = [basis for measure in item.measures for basis in measure.legal_basis]
        cited, quoted = names.basis(bases)
        other = [m.description for m in item.measures]
        other += sorted({d for m in item.measures for d in m.departments})
        other += [item.edition or negative.edition]
        yield SearchDoc(
            "negative", item.name, item.code,
            f"市场准入负面清单·{item.category}", dept=names.dept(dept_id),
            codes=[m.code for m in item.measures], basis=cited, basis_text=quoted, other=other,
        )
