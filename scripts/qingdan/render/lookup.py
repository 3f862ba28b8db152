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
from ..laws.catalogue import Catalogue, Law, installed_catalogue
from ..laws.checks import law_of
from ..laws.citation import ArticleRef, parse_articles
from ..store import digest_of
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
class CitedArticles:
    """The catalogue's text of the articles one citation names (shown collapsed under it)."""

    title: str
    version: dt.date | None
    articles: tuple[tuple[str, tuple[str, ...]], ...]  # (第N条, its paragraphs)
    more: int  # articles named but not shown


# A range such as 第七十六条至第八十三条 shows its first articles only.
CITED_ARTICLES_SHOWN = 10


@dataclass(frozen=True)
class Citation:
    """One place that cites a legal source."""

    kind: str  # "item", "sub_item", "measure", "boundary" or "duty"
    dept: str
    key: str  # item, sub-item or measure code; matter of a boundary; text of a duty
    name: str
    field: str  # label of the citing field, e.g. 设定依据
    articles: str | None
    in_force: bool = True  # the citing record is in force (not repealed or cancelled)
    parent: str | None = None  # a sub-item's main item (its page shows the sub-item)


CitingEntry = tuple[str, Citation, str]  # the source cited, the citation, its fields as text (for digests)
ItemCitations = dict[str, tuple[model.PowerItem, str, list[CitingEntry]]]  # code -> (item, department, entries)


def _cite(entries: list[CitingEntry], basis: list[model.LegalBasis], *args: str, in_force: bool = True,
          parent: str | None = None) -> None:
    for b in basis:
        citation = Citation(*args, articles=b.articles, in_force=in_force, parent=parent)
        # repr of each field (strings, None, booleans): exact, and a tenth of JSON's cost.
        entries.append((b.source, citation, repr(tuple(vars(citation).values()))))


def _item_entries(code: str, item: model.PowerItem, dept: str) -> list[CitingEntry]:
    """The citations of one power item and its sub-items."""
    entries: list[CitingEntry] = []
    item_labels, sub_labels = LABELS["PowerItem"], LABELS["SubItem"]
    live = item.status == STATUS_IN_FORCE
    for key in ("legal_basis", "implementation_basis", "accountability_basis"):
        _cite(entries, getattr(item, key), "item", dept, code, item.name, item_labels[key], in_force=live)
    for sub in item.sub_items:
        for key in ("legal_basis", "implementation_basis"):
            _cite(entries, getattr(sub, key), "sub_item", dept, sub.code, sub.name, sub_labels[key], in_force=live,
                  parent=code)
    return entries


class Lookup:
    """Indexes over one Dataset. Cheap to build: one pass over the records."""

    def __init__(self, data: Dataset, earlier: ItemCitations | None = None) -> None:
        self.data = data
        # A preview server's build before: each power item's citations, reused where the item is the
        # same record (an edit parses only its file again); ``item_citations`` holds this build's.
        self._earlier_items = earlier or {}
        self.item_citations: ItemCitations = {}
        self._dept_digests: dict[str, dict[str, str]] = {}  # source id -> department -> digest of its citations
        self._by_article: dict[str, list[tuple[str, list[Citation]]]] = {}  # citations_by_article's answers
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

    def has_page(self, kind: str, key: str) -> bool:
        """Whether the record ``key`` of ``kind`` gets a page (:meth:`page_keys`)."""
        return key in self._page_key_sets[kind]

    @cached_property
    def _page_key_sets(self) -> dict[str, frozenset[str]]:
        return {kind: frozenset(keys) for kind, keys in self._page_keys.items()}

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

    @property
    def citations(self) -> dict[str, list[Citation]]:
        """Source id → every place citing it (items and their sub-items, measures, boundaries, duties)."""
        return self._by_source[0]

    def citations_digest(self, source_id: str, dept: str | None = None) -> str:
        """A digest of ``citations[source_id]`` (only those of department ``dept``, if given): every
        field of every citation, in order."""
        if dept is not None:
            return self._digests_by_dept(source_id).get(dept, "-")
        return digest_of("\n".join(self._by_source[1].get(source_id, ())))

    def _digests_by_dept(self, source_id: str) -> dict[str, str]:
        found = self._dept_digests.get(source_id)
        if found is None:
            texts: dict[str, list[str]] = defaultdict(list)
            for citation, text in zip(self.citations.get(source_id, ()), self._by_source[1].get(source_id, ())):
                texts[citation.dept].append(text)
            found = self._dept_digests[source_id] = {dept: digest_of("\n".join(t)) for dept, t in texts.items()}
        return found

    @cached_property
    def _by_source(self) -> tuple[dict[str, list[Citation]], dict[str, list[str]]]:
        """Source id → its citations, and the same as text (for digests); one pass over the records,
        power items first (kept from the build before where the item is the same record), then
        measures, boundaries and duties."""
        citations: dict[str, list[Citation]] = defaultdict(list)
        texts: dict[str, list[str]] = defaultdict(list)
        for entries in (*self._item_entries, self._other_entries()):
            for source, citation, text in entries:
                citations[source].append(citation)
                texts[source].append(text)
        return citations, texts

    def _other_entries(self) -> list[CitingEntry]:
        entries: list[CitingEntry] = []
        for code, (dept, neg) in self.negative_items.items():
            for m in neg.measures:
                _cite(entries, m.legal_basis, "measure", dept, code, m.description, LABELS["Measure"]["legal_basis"],
                      in_force=m.status == "有效")
        for dept, resp in sorted(self.data.responsibilities.items()):
            for b in resp.boundaries:
                _cite(entries, b.basis, "boundary", dept, b.matter, b.matter, LABELS["Boundary"]["basis"])
            for d in resp.main_duties:
                _cite(entries, d.accountability_basis, "duty", dept, d.duty, d.duty,
                      LABELS["MainDuty"]["accountability_basis"])
        return entries

    @cached_property
    def _item_entries(self) -> list[list[CitingEntry]]:
        found = []
        for code, item in self.data.powers.items():
            dept = self.data.owner.get(code, "")
            earlier = self._earlier_items.get(code)
            if earlier is None or earlier[0] is not item or earlier[1] != dept:
                earlier = (item, dept, _item_entries(code, item, dept))
            self.item_citations[code] = earlier
            found.append(earlier[2])
        return found

    # -- the national law catalogue -----------------------------------------------

    @cached_property
    def catalogue(self) -> Catalogue | None:
        """The national law catalogue, when installed (the site shows cited articles from it)."""
        return installed_catalogue()

    def catalogued(self, source_id: str) -> Law | None:
        """The catalogue's version of a registered law, or None (not a law, or not in the catalogue)."""
        if source_id not in self._catalogued:
            src = self.data.sources.get(source_id)
            self._catalogued[source_id] = (
                law_of(self.catalogue, src.model_dump(mode="json")) if src is not None else None)
        return self._catalogued[source_id]

    @cached_property
    def _catalogued(self) -> dict[str, Law | None]:
        return {}

    def cited_articles(self, basis: model.LegalBasis) -> CitedArticles | None:
        """The catalogue's text of the articles a citation names, or None when there is nothing to show."""
        key = (basis.source, basis.articles)
        if key not in self._cited:
            self._cited[key] = self._read_articles(basis)
        return self._cited[key]

    @cached_property
    def _cited(self) -> dict[tuple[str, str | None], CitedArticles | None]:
        return {}

    def _read_articles(self, basis: model.LegalBasis) -> CitedArticles | None:
        law = self.catalogued(basis.source)
        if law is None or not basis.articles or self.catalogue is None:
            return None
        parsed = parse_articles(basis.articles)
        found = []
        for ref in parsed.refs:
            article = (self.catalogue.article_by_label(law.law_id, ref.article_label) if ref.insert
                       else self.catalogue.article(law.law_id, ref.number))
            if article is not None and article not in found:
                found.append(article)
        if not found:
            return None
        shown = tuple((a.label, tuple(p for p in a.text.split("\n") if p.strip()))
                      for a in found[:CITED_ARTICLES_SHOWN])
        return CitedArticles(law.title, law.version_date, shown, len(found) - len(shown))

    def citations_by_article(self, source_id: str) -> list[tuple[str, list[Citation]]]:
        """The citations of a source grouped by article (第N条, in order), then those naming none.

        Worked out once per source: a much-cited law's page and its departments' pages all read it."""
        found = self._by_article.get(source_id)
        if found is None:
            found = self._by_article[source_id] = self._group_by_article(source_id)
        return found

    def _group_by_article(self, source_id: str) -> list[tuple[str, list[Citation]]]:
        groups: dict[tuple[int, int], tuple[str, list[Citation]]] = {}
        whole: list[Citation] = []
        articles: dict[str | None, list[ArticleRef]] = {}  # a large list cites the same articles many times
        for c in self.citations.get(source_id, []):
            refs = articles.get(c.articles)
            if refs is None:
                parsed = parse_articles(c.articles) if c.articles else None
                refs = articles[c.articles] = list(dict.fromkeys(
                    ArticleRef(r.number, r.insert) for r in (parsed.refs if parsed is not None else ())))
            if not refs:
                whole.append(c)
                continue
            for ref in refs:
                groups.setdefault((ref.number, ref.insert or 0), (ref.article_label, []))[1].append(c)
        out = [groups[key] for key in sorted(groups)]
        if whole:
            out.append(("未写明条款或条款无法识别", whole))
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
