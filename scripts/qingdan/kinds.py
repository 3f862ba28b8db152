"""The registry every stage reads: the kinds of record, where each one's page lives, and what "in force" means.

layout.py says which file under lists/ holds which kind of file; this module
says which records those files hold (a power item, a legal source, a
department…), how a record keeps its identity across versions (its key), the
URL of its page on the site, the site's folders for assets and releases, and
the statuses that mean "in force". Render, search, export, the feeds and
history all read these names from here, never from a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from . import model
from .layout import BY_KEY
from .layout import KINDS as FILE_KINDS

# -- "in force" ------------------------------------------------------------------------
# An item is 在用, a measure of the negative list 有效, a law or regulation 现行有效.
STATUS_IN_FORCE = "在用"
MEASURE_IN_FORCE = "有效"
VALIDITY_IN_FORCE = "现行有效"
IN_FORCE = frozenset({STATUS_IN_FORCE, MEASURE_IN_FORCE, VALIDITY_IN_FORCE})


def in_force(status: str | None) -> bool:
    """True when a record's status (状态 or 时效性) says it is in force."""
    return status in IN_FORCE


# -- the site's pages and folders ---------------------------------------------------
# The URL of each kind of page, relative to the site root; ``{}`` is the
# record's code or id. Every page is a folder's index (render/links.py names
# the files), so these are also the paths search.js and the feeds link to.
PAGES: dict[str, str] = {
    "home": "",
    "search": "search/",
    "items": "items/",
    "item": "items/{}/",
    "item_version": "items/{}/",  # key "<code>/v<n>": one past version (point-in-time view)
    "departments": "departments/",
    "department": "departments/{}/",
    "powers": "departments/{}/powers/",
    "responsibilities": "departments/{}/responsibilities/",
    "regions": "regions/",
    "region": "regions/{}/",
    "types": "types/",
    "type": "types/{}/",
    "negative_lists": "negative-list/",
    "negative_item": "negative-list/{}/",
    "regulations": "regulations/",
    "regulation": "regulations/{}/",
    "sources": "sources/",
    "source": "sources/{}/",
    "publication": "publication/",
    "changes": "changes/",
    "change": "changes/{}/",  # key "<sha>" (one commit's changes) or "<sha>/<department>" (its part)
    "consistency": "consistency/",
    "compare": "consistency/{}/",  # one base code compared across regions
    "problem_codes": "problem-codes/",
    "feedback": "feedback/",
}

ASSET_DIR = "assets/qingdan"  # our style sheets and scripts, search's too
RELEASES = "downloads/releases/"  # one zip of lists/ per published release (history stage)


def page_url(page: str, key: str | None = None) -> str:
    """The URL of a page relative to the site root (``key`` must already be a safe slug)."""
    pattern = PAGES[page]
    return pattern.format(key) if key is not None else pattern


# The lists a department publishes (the per-department files other than department.yml), in layout order.
DEPARTMENT_LISTS: tuple[str, ...] = tuple(k.key for k in FILE_KINDS if k.per_department and k.key != "department")


# -- kinds of record -------------------------------------------------------------------
@dataclass(frozen=True)
class RecordKind:
    """A kind of record: the file that holds it, its model, its key and its page."""

    key: str
    file: str  # the layout kind of the file that holds it
    model: type[BaseModel]
    id_field: str | None  # the key field of list entries; None for a record that is a whole file
    prefix: str  # of its key in history: source:<id>, department:<id> …
    name_field: str
    item: bool  # an item of a list: has its own page and never vanishes
    page: str | None = None  # the PAGES entry of its own page

    @property
    def label(self) -> str:
        """The Chinese name of the list that holds this kind of record."""
        return BY_KEY[self.file].label


KINDS: tuple[RecordKind, ...] = (
    RecordKind("power", "powers", model.PowerItem, "code", "", "name", True, "item"),
    RecordKind("negative", "negative_list", model.NegativeItem, "code", "", "name", True, "negative_item"),
    RecordKind("regulation", "regulations", model.Regulation, "code", "", "title", True, "regulation"),
    RecordKind("source", "sources", model.LegalSource, "id", "source:", "title", False, "source"),
    RecordKind("region", "regions", model.Region, "code", "region:", "name", False, "region"),
    RecordKind("department", "department", model.Department, None, "department:", "name", False, "department"),
    RecordKind("responsibilities", "responsibilities", model.ResponsibilityList, None, "responsibilities:", "",
               False, "responsibilities"),
    RecordKind("site", "site", model.SiteConfig, None, "site", "name", False, "home"),
)
BY_NAME = {kind.key: kind for kind in KINDS}
ENTRY_KINDS = {kind.file: kind for kind in KINDS if kind.id_field}
WHOLE_KINDS = {kind.file: kind for kind in KINDS if not kind.id_field}
# The fields of a list file outside its items (edition, document of a negative list).
LIST_FIELDS = RecordKind("list", "negative_list", model.NegativeList, None, "list:", "edition", False)
ITEM_KINDS = tuple(kind.key for kind in KINDS if kind.item)


def _pages_by_key_prefix() -> dict[str, tuple[str, ...]]:
    pages: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        if kind.page and (not kind.prefix or kind.prefix.endswith(":")):  # the site record has no page of its own
            prefix = kind.prefix.rstrip(":")
            pages[prefix] = (*pages.get(prefix, ()), kind.page)
    return pages


# The page kinds a record of the history may have, by the prefix of its key
# ("source:<id>" → source); items are keyed by their bare code ("").
PAGES_BY_KEY_PREFIX = _pages_by_key_prefix()
