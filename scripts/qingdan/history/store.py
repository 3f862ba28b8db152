"""The History object: what the site, the CLI and the audit ask of the history of lists/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import git

from ..gitrepo import NULL_SHA, BlobReader, archive, branch_name, content, open_repo, resolve
from ..kinds import BY_NAME, ITEM_KINDS
from ..layout import is_department_folder
from .cache import HistoryCache, default_dir
from .changes import Change, Step
from .chunks import split
from .feed import feeds as atom_feeds
from .records import department_of, entries_data, entry_key, load
from .snapshot import Release, releases
from .walk import Progress, build

DEFAULT = object()


# What an Entry reads from its change, and from its step (commit).
_FROM_CHANGE = frozenset({"key", "name", "version", "action", "action_label", "fields", "effective",
                          "department", "list_kind"})
_FROM_STEP = frozenset({"date", "sha", "pr", "title"})


@dataclass(frozen=True)
class Entry:
    """One change of one record, with the step (commit) that made it: a line of a timeline.

    It reads as its change (key, name, version, action, action_label 新增/修改/废止/…,
    fields, effective — the legal date in the record —, department, list_kind)
    and as its step (date — when it reached the main branch —, sha, pr, title).
    """

    step: Step
    change: Change

    def __getattr__(self, name: str) -> Any:
        # Called only for names the dataclass itself does not have.
        if name in _FROM_CHANGE:
            return getattr(self.change, name)
        if name in _FROM_STEP:
            return getattr(self.step, name)
        raise AttributeError(name)

    @property
    def approvers(self) -> list[str]:
        return [str(p) for p in self.step.approvers]


@dataclass(frozen=True)
class Version:
    """One version of a record and the interval in which it was the published one."""

    key: str
    version: int
    valid_from: dt.datetime
    valid_to: dt.datetime | None  # None: still the current version (or the last before removal)
    sha: str
    path: str
    blob: str
    name: str
    status: str | None
    effective: str | None
    repeal: dict | None
    action: str

    @property
    def department(self) -> str | None:
        return department_of(self.path)


@dataclass(frozen=True)
class Removed:
    """An item that is no longer in lists/: its page stays, marked historic."""

    key: str
    kind: str
    name: str
    path: str
    removed: Entry  # the step that took it out
    last: Version  # the last version that was published
    vanished: bool  # taken out without being marked repealed

    @property
    def department(self) -> str | None:
        return self.last.department

    @property
    def repeal(self) -> dict | None:
        """Date, basis and reason of repeal as the last version states them."""
        return self.last.repeal


class History:
    """The history of lists/ along the first-parent line of the main branch.

    Steps are oldest first; ``changes()`` and ``item_changes()`` are newest first.
    Records are keyed by code for items (权力事项, 负面清单事项, 地方性法规) and
    by ``source:<id>``, ``department:<id>``, ``responsibilities:<id>``, ``site``
    and ``list:<path>`` for the rest.
    """

    def __init__(self, repo: git.Repo, subdir: str, head: str, steps: list[Step],
                 rewrites: list[dict] | None = None) -> None:
        self.repo = repo
        self.subdir = subdir
        self.head = head
        self.steps = steps
        self.rewrites = rewrites or []
        self._records: dict[tuple[str, str], Any] = {}

    @cached_property
    def _by_key(self) -> dict[str, list[Entry]]:
        found: dict[str, list[Entry]] = {}
        for step in self.steps:
            for change in step.changes:
                found.setdefault(change.key, []).append(Entry(step, change))
        return found

    def keys(self, kinds: tuple[str, ...] = ITEM_KINDS) -> list[str]:
        """Every record key that ever existed, of the given kinds (items by default)."""
        return sorted(k for k, entries in self._by_key.items() if entries[0].change.kind in kinds)

    def item_changes(self, key: str) -> list[Entry]:
        """Every change of one record, newest first (empty if history never saw it)."""
        return list(reversed(self._by_key.get(key, [])))

    def change_count(self, key: str) -> int:
        """How many changes history saw of one record (a record changed once has no past version)."""
        return len(self._by_key.get(key, ()))

    def item_versions(self, key: str) -> list[Version]:
        """Every version of one record with its validity interval, oldest first."""
        entries = self._by_key.get(key, [])
        versions: list[Version] = []
        for n, entry in enumerate(entries):
            if entry.action == "removed":
                continue
            nxt = entries[n + 1].date if n + 1 < len(entries) else None
            c = entry.change
            versions.append(Version(c.key, c.version, entry.date, nxt, entry.sha, c.path, c.blob, c.name,
                                    c.status, c.effective, c.repeal, c.action))
        return versions

    def changes(self, department: str | None = None, list_kind: str | None = None,
                kinds: tuple[str, ...] | None = None) -> list[Entry]:
        """The change log (修订记录): every change, newest first, optionally of one department or list.

        ``list_kind`` is a file kind of qingdan.layout: powers, negative_list,
        regulations, responsibilities, department, sources, regions, site.
        """
        out = []
        for step in reversed(self.steps):
            for change in step.changes:
                if department and department not in (change.department, change.from_department):
                    continue
                if list_kind and change.list_kind != list_kind:
                    continue
                if kinds and change.kind not in kinds:
                    continue
                out.append(Entry(step, change))
        return out

    def step_log(self, department: str | None = None, list_kind: str | None = None) -> list[tuple[Step, list[Change]]]:
        """Steps newest first, each with its changes of that department or list (steps without any left out)."""
        out: list[tuple[Step, list[Change]]] = []
        for entry in self.changes(department, list_kind):
            if out and out[-1][0] is entry.step:
                out[-1][1].append(entry.change)
            else:
                out.append((entry.step, [entry.change]))
        return out

    def departments(self) -> list[str]:
        """Every department folder that history has seen, sorted; each has a feed, ``feeds/<folder>.xml``.

        Only folders that can be a department's (``layout.is_department_folder``): one an old commit
        held that the validator refuses now names no file of the site; its changes stay in the
        site's own feed and on the commit's page.
        """
        return sorted({d for step in self.steps for d in step.departments() if is_department_folder(d)})

    def last_change_date(self) -> dt.date | None:
        """The day of the newest change ("数据更新至 <date>"), not the day of the build."""
        return self.steps[-1].day if self.steps else None

    def removed_items(self) -> dict[str, Removed]:
        """Items no longer in lists/, by code, so that their pages keep existing."""
        out: dict[str, Removed] = {}
        for key, entries in self._by_key.items():
            last = entries[-1]
            if last.action != "removed" or last.change.kind not in ITEM_KINDS:
                continue
            versions = self.item_versions(key)
            if not versions:
                continue
            c = last.change
            out[key] = Removed(key, c.kind, c.name, c.path, last, versions[-1], c.vanished)
        return dict(sorted(out.items()))

    def record(self, key: str, version: int | None = None) -> dict | None:
        """The plain data of one version of a record (the latest if ``version`` is None), read from git."""
        versions = self.item_versions(key)
        chosen = versions[-1] if version is None and versions else next(
            (v for v in versions if v.version == version), None)
        if chosen is None:
            return None
        cache_key = (key, chosen.blob)
        if cache_key not in self._records:
            self._records[cache_key] = read_record(self.repo, chosen.blob, chosen.path, key, self._kind(key))
        return self._records[cache_key]

    def _kind(self, key: str) -> str:
        return self._by_key[key][0].change.kind

    def tags(self) -> list[Release]:
        """Published releases (git tags on the main line), newest first, for snapshot downloads."""
        return releases(self.repo, self.head)

    def snapshot_zip(self, rev: str) -> bytes:
        """The lists/ folder at ``rev`` (a tag, usually) as a zip file."""
        return archive(self.repo, rev, self.subdir)

    def feeds(self, site_url: str, **options: Any) -> dict[str, bytes]:
        """Atom feeds: ``feeds/atom.xml`` for the site and ``feeds/<dept-id>.xml`` per department.

        Options: ``title``, ``limit``, ``change_url(step) -> str``, ``item_url(key) -> str | None``,
        ``department_name(id) -> str``. See qingdan.history.feed.
        """
        return atom_feeds(self, site_url, **options)


def read_record(repo: git.Repo, blob: str, path: str, key: str, kind: str) -> dict | None:
    """The record ``key`` from one version of a file, parsing only entries that mention it."""
    if blob == NULL_SHA:
        return None
    with BlobReader(repo) as reader:
        raw = content(reader.read(blob))
    if raw is None:
        return None
    record_kind = BY_NAME[kind]
    if record_kind.id_field is None:
        data, ok = load(raw)
        return data if ok and isinstance(data, dict) else None
    cut = split(raw)
    needle = key[len(record_kind.prefix):].encode()
    entries = [e for e in cut.entries if needle in e] if not cut.whole else cut.entries
    values = entries_data(cut, entries, path, [])
    if cut.whole:
        values = (values[0] or {}).get("items", []) if values and isinstance(values[0], dict) else []
    return next((v for v in values if entry_key(record_kind, v) == key), None)


def load_history(repo_path: Path | str, lists_subdir: str = "lists", rev: str = "HEAD", *,
                 cache_dir: Path | str | None | object = DEFAULT, progress: Progress | None = None) -> History:
    """The History of ``lists_subdir`` along the first-parent line of ``rev``.

    Results are cached in ``.qingdan-cache/history/`` at the top of the
    repository, or ``$QINGDAN_CACHE_DIR/history`` (``cache_dir=None`` turns
    the cache off), keyed by the commit
    they reach, so a rebuild only reads the commits that are new.
    """
    repo = open_repo(repo_path)
    head = resolve(repo, rev)
    root = Path(repo.working_tree_dir or repo.git_dir)
    directory = default_dir(root) if cache_dir is DEFAULT else (Path(cache_dir) if cache_dir else None)
    ref = _branch(repo, rev)
    cache = HistoryCache(directory, root, f"{lists_subdir}\0{ref}")
    before = cache.load()
    cached = build(repo, head, lists_subdir, before, progress, branch=ref.startswith(("refs/heads/", "refs/remotes/")))
    if cached is not before:
        cache.save(cached)
    return History(repo, lists_subdir, head, cached.steps, cached.rewrites)


def _branch(repo: git.Repo, rev: str) -> str:
    """The full name of the ref ``rev`` stands for (refs/heads/main), so each branch has its cache.

    A detached HEAD, a tag or a commit id has no branch name: rewrites are not
    tracked for them (see walk.build).
    """
    return branch_name(repo, rev) or rev
