"""Lookups the pages need, computed once from the Dataset.

Pages ask "which items does this department have", "who cites this law",
"which other regions have the same item"; answering by scanning every record
per page would make the site quadratic in its size, so the answers are
indexed here in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from .. import model
from ..dataset import Dataset
from ..kinds import STATUS_IN_FORCE
from .labels import LABELS
from .links import is_slug


@dataclass(frozen=True)
class Source:
    """A cited law or regulation, whether from sources.yml or the regulation catalogue."""

    kind: str  # "source" or "regulation": which page shows it
    id: str
    title: str
    level: str
    document_number: str | None
    status: str


@dataclass(frozen=True)
class Citation:
    """One place that cites a legal source."""

    kind: str  # "item", "measure", "boundary" or "duty"
    dept: str
    key: str  # item or measure code; matter of a boundary; text of a duty
    name: str
    field: str  # label of the citing field, e.g. 设定依据
    articles: str | None


class Lookup:
    """Indexes over one Dataset. Cheap to build: one pass over the records."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.site = data.site
        self.powers_by_dept = data.powers_by_department
        self.regulations_by_dept = data.regulations_by_department
        self.depts_by_region: dict[str, list[str]] = defaultdict(list)
        for dept_id, dept in sorted(data.departments.items()):
            self.depts_by_region[dept.region].append(dept_id)
        self.region_children: dict[str, list[str]] = defaultdict(list)
        for code, region in sorted(data.regions.items()):
            if region.parent:
                self.region_children[region.parent].append(code)
        self.negative_items: dict[str, tuple[str, model.NegativeItem]] = {}
        for dept_id, neg in sorted(data.negative_lists.items()):
            for item in neg.items:
                self.negative_items.setdefault(item.code, (dept_id, item))

    # -- which records get a page ------------------------------------------------

    def page_keys(self, kind: str) -> list[str]:
        """Codes or ids of the records of ``kind`` that get a page, in display order.

        A code must match the site's code pattern and be a plain slug: a code
        that fails gets no page (the validator reports it), so no data value can
        steer a path outside its folder.
        """
        return self._page_keys[kind]

    @cached_property
    def _code_patterns(self) -> dict[str, re.Pattern[str]]:
        return {k: re.compile(getattr(self.site.code_patterns, k)) for k in ("power", "negative", "regulation")}

    def may_have_page(self, key: str, pattern: str | None = None) -> bool:
        """True when ``key`` is a plain slug (and matches the site's ``pattern`` of codes, if given)."""
        return is_slug(key) and (pattern is None or bool(self._code_patterns[pattern].match(key)))

    @cached_property
    def _page_keys(self) -> dict[str, list[str]]:
        ok = self.may_have_page
        return {
            "item": [c for c in self.data.powers if ok(c, "power")],
            "regulation": [c for c in self.data.regulations if ok(c, "regulation")],
            "negative_item": [c for c in self.negative_items if ok(c, "negative")],
            "department": [d for d in sorted(self.data.departments) if ok(d)],
            "region": [r for r in sorted(self.data.regions) if ok(r)],
            "source": [s for s in self.data.sources if ok(s)],
        }

    # -- legal sources -----------------------------------------------------------

    def source(self, source_id: str) -> Source | None:
        """The cited law or regulation ``source_id`` (a source id or a regulation code)."""
        found = self.data.sources.get(source_id)
        if found is not None:
            return Source("source", found.id, found.title, found.level, found.document_number, found.status)
        reg = self.data.regulations.get(source_id)
        if reg is not None:
            return Source("regulation", reg.code, reg.title, "地方性法规", None, reg.validity)
        return None

    @cached_property
    def citations(self) -> dict[str, list[Citation]]:
        """Source id → every place citing it (items, measures, boundaries, duties)."""
        out: dict[str, list[Citation]] = defaultdict(list)

        def add(basis: list[model.LegalBasis], *args: str) -> None:
            for b in basis:
                out[b.source].append(Citation(*args, articles=b.articles))

        item_labels = LABELS["PowerItem"]
        for code, item in self.data.powers.items():
            dept = self.data.owner.get(code, "")
            add(item.legal_basis, "item", dept, code, item.name, item_labels["legal_basis"])
            add(item.accountability_basis, "item", dept, code, item.name, item_labels["accountability_basis"])
        for code, (dept, neg) in self.negative_items.items():
            for m in neg.measures:
                add(m.legal_basis, "measure", dept, code, m.description, LABELS["Measure"]["legal_basis"])
        for dept, resp in sorted(self.data.responsibilities.items()):
            for b in resp.boundaries:
                add(b.basis, "boundary", dept, b.matter, b.matter, LABELS["Boundary"]["basis"])
            for d in resp.main_duties:
                add(d.accountability_basis, "duty", dept, d.duty, d.duty, LABELS["MainDuty"]["accountability_basis"])
        return out

    # -- responsibilities --------------------------------------------------------

    @cached_property
    def boundary_mentions(self) -> dict[str, list[tuple[str, int, model.responsibility.Boundary]]]:
        """Department id → (other department, position, boundary) for the boundaries
        that other departments' responsibility lists share with it."""
        out: dict[str, list[tuple[str, int, model.responsibility.Boundary]]] = defaultdict(list)
        for dept, resp in sorted(self.data.responsibilities.items()):
            for n, boundary in enumerate(resp.boundaries, 1):
                for other in dict.fromkeys(boundary.departments):
                    if other != dept:
                        out[other].append((dept, n, boundary))
        return out

    # -- same item, same standard ------------------------------------------------

    @cached_property
    def base_groups(self) -> dict[str, list[str]]:
        """Base code → codes of the items sharing it (only bases used in two regions or more)."""
        pattern = re.compile(self.site.code_patterns.power)
        groups: dict[str, list[str]] = defaultdict(list)
        if "base" not in pattern.groupindex:
            return {}
        for code in self.data.powers:
            match = pattern.match(code)
            if match:
                groups[match.group("base")].append(code)
        return {base: codes for base, codes in groups.items() if len(codes) > 1}

    @cached_property
    def base_of(self) -> dict[str, str]:
        """Item code → its base code, for items whose base other regions share."""
        return {code: base for base, codes in self.base_groups.items() for code in codes}

    # -- counts ------------------------------------------------------------------

    def in_force(self, items: list[model.PowerItem]) -> list[model.PowerItem]:
        return [i for i in items if i.status == STATUS_IN_FORCE]

    @cached_property
    def type_counts(self) -> Counter[str]:
        """Power type → number of items in force."""
        return Counter(i.power_type for i in self.data.powers.values() if i.status == STATUS_IN_FORCE)

    def dept_type_counts(self, dept_id: str) -> Counter[str]:
        return Counter(i.power_type for i in self.in_force(self.powers_by_dept.get(dept_id, [])))

    @cached_property
    def newest_date(self) -> dt.date | None:
        """The newest effective, promulgation or repeal date in the data (not the build date)."""
        dates: list[dt.date] = []
        for item in self.data.powers.values():
            dates += [d for d in (item.effective, item.repeal.date if item.repeal else None) if d]
        for src in self.data.sources.values():
            dates += [d for d in (src.promulgated, src.effective, src.amended, src.repealed) if d]
        for reg in self.data.regulations.values():
            dates += [d for d in (reg.promulgated, reg.effective, reg.repealed) if d]
        return max(dates, default=None)
