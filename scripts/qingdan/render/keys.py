"""What each page is made from: its input key for the build store (store.py).

A page's key digests the *common* inputs every page may read (settings,
regions, sources and the law catalogue, departments, how each local regulation
is cited — its title and validity, shown wherever an item, a measure or a duty
cites it —, template overrides) and the page's own ``reads`` (``PageSpec.reads``),
which name what else it shows:

- ``*``: everything under lists/, the validator's findings, the history's head
  and releases and how current the data is (the default: a page that does not
  say what it reads is made again after any change);
- ``item:<code>``: one power item (the JSON of its record);
- ``file:<relpath>``: one file under lists/;
- ``dept:<id>``: every file of one department;
- ``files:<name>``: every file of that name (``responsibilities.yml`` …);
- ``citations:<id>``: the places that cite a source or regulation (lookup.py); ``citations:<id>@<dept>``
  those of one department;
- ``type:<code>``: the code, name, status and department of every power item of that type;
- ``counts``: how many records there are: power items (all and in force) per department and in
  force per type, responsibility lists, negative-list items, regulations (pages of figures only);
- ``contributed:<prefix>``: the paths other stages add under that prefix
  (a department's downloads and feed);
- ``history:<key>``: the changes of one record in the history (its timeline: each
  change and the commit that made it); ``history:*`` the whole history (its head
  and releases: the change log, the latest changes);
- ``as_of``: how current the data is (数据更新至), for pages that print it
  (downloads name their files by it).

Which pages exist (a page links only to those), and whether a legal date is later
than the data's newest change, a page asks while it renders: render/traces.py
notes the questions and adds their answers to the key.

The common part changing makes every page again; that is rare (a new
department, a retitled law) and always correct. A merge (a new
commit) makes again the pages of the records it changed, the pages that read
the whole history, and nothing else; an item's name changing makes its page,
its department's pages and the few pages that read everything again.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from ..layout import KINDS
from ..laws.catalogue import installed_catalogue
from ..model import PowerItem
from ..store import Store, digest_of, folder_digest, input_key
from .history import History, as_of
from .lookup import Lookup
from .pages import PageSpec

EVERYTHING = "*"
# Files each department has several of: a page reads them by name. The others
# (site, regions, sources, department.yml) are read by every page: common inputs.
_LIST_FILES = frozenset(k.filename for k in KINDS if k.per_department and k.key != "department")


class PageKeys:
    """The input key of each of ``pages``; ``contributed()`` gives the paths other stages add."""

    def __init__(self, pages: Mapping[str, PageSpec], lookup: Lookup, history: History | None,
                 contributed: Callable[[], Collection[str]], templates_dir: Path | None, store: Store,
                 earlier: Mapping[tuple[str, ...], str] | None = None) -> None:
        self.lookup = lookup
        self.data = lookup.data
        self.store = store
        self._contributed = contributed  # asked only for a page that reads them (they may still be in the making)
        files = self.data.file_digests
        common_files = sorted((p, d) for p, d in files.items() if p.rsplit("/", 1)[-1] not in _LIST_FILES)
        catalogue = installed_catalogue()
        self.common = input_key(
            "pages",
            _json(common_files),
            repr([lookup.source(code) for code in sorted(self.data.regulations)]),  # as citations show them
            catalogue.fingerprint if catalogue is not None else "no catalogue",
            _templates_digest(templates_dir),
        )
        self.page_set = digest_of(_json(sorted(pages)))  # for what shows every page (MkDocs' nav)
        self.history = history
        self.as_of = as_of(history, lookup.newest_date)
        self.files = files
        # A preview server's build before (``{}`` for its first): its keys by their inputs (hashing
        # 10,000 pages' inputs again was a fifth of an edit's wait); ``made`` holds this build's, for
        # the next one. A one-off build (None) keeps none.
        self._earlier = earlier
        self.made: dict[tuple[str, ...], str] | None = {} if earlier is not None else None
        self._crumbs: dict[tuple, str] = {}  # the crumbs of a department's pages are one tuple
        self._step_texts: dict[int, str] = {}  # id of a history step -> what a timeline shows of it
        # Memos per instance (a memo on the method would keep every build's keys, and with them its
        # dataset, alive for the life of a preview server).
        self._resolvers: dict[str, Callable[[str], str]] = {
            "item": self._item, "file": self._file, "dept": self._folder,
            "files": functools.cache(self._named), "citations": self._citations,
            "contributed": self._contributed_under, "type": self._type, "counts": self._counts,
            "history": self._history, "step": functools.cache(self._step), "as_of": self._as_of,
        }

    def of(self, page: PageSpec, *made_with: str) -> str:
        """The input key of ``page``, made ``made_with`` what else goes into it (a stage, its settings)."""
        crumbs = self._crumbs.get(page.crumbs)
        if crumbs is None:
            crumbs = self._crumbs[page.crumbs] = _json(page.crumbs)
        # The page's own inputs, then a separator no read can be (reads are "kind:value" or "*").
        parts = (self.common, page.path, page.title, page.template, page.source or "",
                 crumbs, *(self._read(name) for name in page.reads), "", *made_with)
        return self._remembered(parts, input_key)

    def _remembered(self, inputs: tuple[str, ...], make: Callable[..., str]) -> str:
        """``make(*inputs)``, or what the build before made of the same inputs (``earlier``)."""
        if self.made is None or self._earlier is None:
            return make(*inputs)
        value = self.made.get(inputs) or self._earlier.get(inputs) or make(*inputs)
        self.made[inputs] = value
        return value

    def _read(self, name: str) -> str:
        if name == EVERYTHING:
            return self._everything
        kind, _, arg = name.partition(":")
        resolve = self._resolvers.get(kind)
        if resolve is None:
            raise ValueError(f"unknown page input {name!r}")
        return f"{name}:{resolve(arg)}"

    def _item(self, code: str) -> str:
        return self.data.record_digests(self.data.source_file.get(code, ""), self.store).get(code, "-")

    def item_digest(self, item: PowerItem) -> str:
        """The digest of power item ``item``'s record (what a kept part of a page names it by)."""
        if self.data.powers.get(item.code) is item:
            return self._item(item.code)
        return digest_of(item.model_dump_json())  # not the item of lists/ (an earlier version)

    def _file(self, relpath: str) -> str:
        return self.files.get(relpath, "-")

    def _citations(self, key: str) -> str:
        source_id, _, dept = key.partition("@")
        return self.lookup.citations_digest(source_id, dept or None)

    def _type(self, type_code: str) -> str:
        return self._types.get(type_code, "-")

    @functools.cached_property
    def _types(self) -> dict[str, str]:
        """Per power type, a digest of what its page shows of each item of the type (code, name, status,
        department), made of the departments' shares: a process that builds again keeps a department's
        while its files are the same (100,000 items took 0.3 s a build)."""
        shares: dict[str, list[str]] = {}
        for dept, items in sorted(self.data.powers_by_department.items()):
            if dept:
                share = self._remembered(("power types", dept, self.data.department_digest(dept)),
                                         lambda *_inputs: _type_share(items))
            else:  # items of no department (none in a valid dataset): nothing to keep them by
                share = _type_share(items)
            for type_code, digest in json.loads(share).items():
                shares.setdefault(type_code, []).append(f"{dept}:{digest}")
        return {type_code: digest_of("\n".join(parts)) for type_code, parts in shares.items()}

    def _counts(self, _arg: str) -> str:
        return self._all_counts

    @functools.cached_property
    def _all_counts(self) -> str:
        lookup = self.lookup
        per_dept = sorted((dept, len(items), len(lookup.in_force(items))) for dept, items in lookup.powers_by_dept.items())
        figures = (per_dept, sorted(lookup.type_counts.items()), len(self.data.responsibilities),
                   len(lookup.negative_items), len(self.data.regulations))
        return digest_of(repr(figures))

    def _as_of(self, _arg: str) -> str:
        return repr(self.as_of)

    def _history(self, key: str) -> str:
        if key == EVERYTHING:
            return self._history_identity
        if self.history is None:
            return "no history"
        return digest_of("\n".join([self._step_text(entry.step) + repr(entry.change.to_row())
                                    for entry in self.history.item_changes(key)]))

    def _step(self, sha: str) -> str:
        step = self._steps.get(sha)
        if step is None:
            return "-"
        # A commit's changes follow from its id (in the text): the first commit of a site adds every
        # record, and its digest (0.3 s at 100,000 items) is made once by a process that builds again.
        return self._remembered(("step", self._step_text(step)),
                                lambda _kind, text: digest_of(text + repr([c.to_row() for c in step.changes])))

    @functools.cached_property
    def _steps(self) -> dict[str, Any]:
        return {step.sha: step for step in self.history.steps} if self.history is not None else {}

    def _step_text(self, step: Any) -> str:
        """What a timeline shows of a commit, as text: worked out once per commit (the first commit
        of a site is in the timeline of every record it added). The history holds its steps for the
        life of these keys, so their ids stay theirs."""
        text = self._step_texts.get(id(step))
        if text is None:
            text = self._step_texts[id(step)] = repr(_step_row(step))
        return text

    @functools.cached_property
    def _history_identity(self) -> str:
        """The head the history was read at, and its releases: all it shows follows from them."""
        history = self.history
        if history is None:
            return "no history"
        return _json([getattr(history, "head", None), [(r.name, str(r.date)) for r in history.tags()]])

    def _contributed_under(self, prefix: str) -> str:
        return _json([p for p in self.contributed if p.startswith(prefix)])

    @functools.cached_property
    def contributed(self) -> list[str]:
        return sorted(self._contributed())

    @functools.cached_property
    def _everything(self) -> str:
        """Every file under lists/, what the validator found in them, the history and how current the data is."""
        problems = [p.to_dict() for p in self.data.report.problems]
        return digest_of(_json([sorted(self.files.items()), problems, self._history_identity, repr(self.as_of)]))

    def _folder(self, dept_id: str) -> str:
        return self.data.department_digest(dept_id)

    def _named(self, filename: str) -> str:
        return digest_of(_json(sorted((p, d) for p, d in self.files.items() if p.rsplit("/", 1)[-1] == filename)))


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _type_share(items: list[PowerItem]) -> str:
    """One department's share of the power types' pages: per type, a digest of its items' codes, names and statuses."""
    shown: dict[str, list[tuple[str, str, str]]] = {}
    for item in items:
        shown.setdefault(item.power_type, []).append((item.code, item.name, item.status))
    return _json({type_code: digest_of(repr(rows)) for type_code, rows in shown.items()})


def _templates_digest(templates_dir: Path | None) -> str:
    return folder_digest(templates_dir) if templates_dir is not None else "no templates"


def _step_row(step: Any) -> tuple:
    """What a timeline shows of a commit (its changes are another record's business)."""
    return (step.sha, step.parents, step.author, step.author_date, step.committer, step.commit_date, step.message,
            step.notes)

