"""Record identity along history: an item is its code, wherever it lives.

The walker reads one commit at a time. Within a changed file only the item
entries whose text changed are parsed; across the files of one commit an item
that leaves one department and arrives in another is a transfer, not a
deletion and a creation. Every version of an item has a validity interval.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..gitrepo import NULL_SHA, Blob, Commit, Oversized
from ..kinds import BY_NAME, ENTRY_KINDS, KINDS, LIST_FIELDS, WHOLE_KINDS, RecordKind
from ..load.text import MAX_FILE_BYTES
from .changes import Change, Step
from .chunks import Split, changed, split
from .fielddiff import FieldChange, diff_records
from .records import (Record, entries_data, entry_key, file_kind, is_data_file, legal_state, list_fields, list_model,
                      repeal_complete, summary, whole_key)
from .trailers import Person

TRANSFER_LABEL = "所属部门"
_KIND_ORDER = {kind.key: i for i, kind in enumerate(KINDS)} | {LIST_FIELDS.key: len(KINDS)}
_PARSED_KEEP = 8192  # parsed entries kept for when they change again
_BULK = 64  # a new file with this many items has them summarised, not parsed

Fetch = Callable[[str], Blob]


@dataclass
class State:
    """What the walk knows besides file contents: where each record lives, names for display."""

    live: dict[str, str] = field(default_factory=dict)  # key -> path under lists/
    gone: dict[str, str] = field(default_factory=dict)  # key -> path it was removed from
    versions: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # legal source id / regulation code -> title
    departments: dict[str, str] = field(default_factory=dict)  # department id -> name

    def source_title(self, source_id: str) -> str | None:
        return self.titles.get(source_id)

    def department_name(self, dept_id: str) -> str | None:
        return self.departments.get(dept_id)

    @classmethod
    def from_steps(cls, steps: Iterable[Step]) -> "State":
        """The state after ``steps``: everything it holds follows from the changes themselves."""
        state = cls()
        for step in steps:
            for change in step.changes:
                state.versions[change.key] = change.version
                if change.action == "removed":
                    state.live.pop(change.key, None)
                    state.gone[change.key] = change.path
                    continue
                state.live[change.key] = change.path
                state.gone.pop(change.key, None)
                if change.kind in ("source", "regulation"):
                    state.titles[change.key.partition("source:")[2] or change.key] = change.name
                elif change.kind == "department":
                    state.departments[change.key.partition(":")[2]] = change.name
        return state


@dataclass(slots=True)
class FileView:
    """The last readable version of one file: its blob, bytes and entries."""

    blob: str
    raw: bytes
    split: Split


@dataclass(slots=True)
class _Delta:
    """The records one file changed: the old and new versions of each, by key."""

    old: dict[str, Record] = field(default_factory=dict)
    new: dict[str, Record] = field(default_factory=dict)


class Walker:
    """Turns commits into Steps, keeping the files it has seen and the State."""

    def __init__(self, fetch: Fetch, state: State | None = None) -> None:
        self.fetch = fetch
        self.state = state or State()
        self.files: dict[str, FileView] = {}
        self._parsed: OrderedDict[bytes, Any] = OrderedDict()

    def step(self, commit: Commit) -> Step:
        """The Step of one commit: every record it created, changed, moved or removed."""
        notes: list[str] = []
        olds: dict[str, Record] = {}
        news: dict[str, Record] = {}
        touched: set[str] = set()
        for raw in sorted(commit.changes, key=lambda c: c.path):
            if not is_data_file(raw.path):
                notes.append(f"其他文件 lists/{raw.path}")
                continue
            touched.add(raw.path)
            delta = self._file(raw.path, raw.old_blob, raw.new_blob, notes)
            _merge(olds, delta.old, notes)
            _merge(news, delta.new, notes)
        step = Step(commit.sha, commit.parents, Person(commit.author_name, commit.author_email),
                    commit.author_date, Person(commit.committer_name, commit.committer_email),
                    commit.commit_date, commit.message, notes=notes)
        self._learn_names(news.values())
        keys = sorted(olds.keys() | news.keys(), key=lambda k: (_KIND_ORDER[(news.get(k) or olds[k]).kind.key], k))
        for key in keys:
            change = self._change(key, olds.get(key), news.get(key), touched, notes)
            if change is not None:
                step.changes.append(change)
        return step

    # ------------------------------------------------------------ one file

    def _file(self, path: str, old_blob: str, new_blob: str, notes: list[str]) -> _Delta:
        old = self._view(path, old_blob)
        raw = self.fetch(new_blob) if new_blob != NULL_SHA else None
        if isinstance(raw, Oversized):  # as a missing version: the next readable one is compared with the last
            notes.append(f"lists/{path}: 文件有 {raw.size} 字节，超过数据文件的上限 {MAX_FILE_BYTES // 2**20} MB，没有读取")
            return _Delta()
        if raw is None and new_blob != NULL_SHA:
            notes.append(f"lists/{path}: git 中找不到文件内容 {new_blob[:12]}")
            return _Delta()
        entry_kind = ENTRY_KINDS.get(file_kind(path).key)
        if raw is None:
            new_split = None
        elif entry_kind and old is not None and not old.split.whole:
            i, j, new_split = changed(old.split, old.raw, raw)
            return self._entries_delta(path, entry_kind, old, new_split, raw, new_blob, (i, j), notes)
        else:
            new_split = split(raw) if entry_kind else Split(b"", [raw], b"", b"")
        if entry_kind:
            return self._entries_delta(path, entry_kind, old, new_split, raw, new_blob, None, notes)
        return self._whole_delta(path, old, new_split, raw, new_blob, notes)

    def _view(self, path: str, blob: str) -> FileView | None:
        if blob == NULL_SHA:
            self.files.pop(path, None)
            return None
        view = self.files.get(path)
        if view is not None:
            return view  # the same blob, or the last readable one after an unreadable version
        raw = self.fetch(blob)
        if raw is None or isinstance(raw, Oversized):
            return None
        entry_kind = ENTRY_KINDS.get(file_kind(path).key)
        return FileView(blob, raw, split(raw) if entry_kind else Split(b"", [raw], b"", b""))

    def _entries_delta(self, path: str, kind: RecordKind, old: FileView | None, new: Split | None,
                       raw: bytes | None, blob: str, span: tuple[int, int] | None, notes: list[str]) -> _Delta:
        old_entries = old.split.entries if old else []
        new_entries = new.entries if new else []
        if span is not None:
            i, j = span
            new_entries = new_entries[i:len(new_entries) - (len(old_entries) - j)]
            old_entries = old_entries[i:j]
        gone, came = _cancel(old_entries, new_entries)
        delta = _Delta()
        if new is not None:
            quick = self._summaries(path, kind, new, came, blob) if old is None and len(came) >= _BULK else {}
            records = self._entry_records(path, kind, new, [e for e in came if e not in quick], blob, notes)
            if records is not None and quick:
                records = {**records, **{r.key: r for r in quick.values() if r.key not in records}}
            if records is None:
                notes.append(f"lists/{path}: 这一版本无法读取，其中的变更未计入，待下一个可读版本一并比较")
                return _Delta()
            delta.new = records
            self.files[path] = FileView(blob, raw, new)
        else:
            self.files.pop(path, None)
        if old is not None:
            delta.old = self._entry_records(path, kind, old.split, gone, old.blob, notes) or {}
        self._list_fields(path, old, new, blob, delta)
        return delta

    def _whole_delta(self, path: str, old: FileView | None, new: Split | None, raw: bytes | None,
                     blob: str, notes: list[str]) -> _Delta:
        kind = WHOLE_KINDS[file_kind(path).key]
        delta = _Delta()
        if new is not None:
            data = self._parse(new, new.entries, path, notes)[0]
            if data is None:
                notes.append(f"lists/{path}: 这一版本无法读取，其中的变更未计入，待下一个可读版本一并比较")
                return _Delta()
            delta.new = {whole_key(kind, path): Record(whole_key(kind, path), kind, _mapping(data), path, blob)}
            self.files[path] = FileView(blob, raw, new)
        else:
            self.files.pop(path, None)
        if old is not None:
            data = self._parse(old.split, old.split.entries, path, [])[0]
            if data is not None:
                delta.old = {whole_key(kind, path): Record(whole_key(kind, path), kind, _mapping(data), path, old.blob)}
        return delta

    def _summaries(self, path: str, kind: RecordKind, where: Split, entries: list[bytes],
                   blob: str) -> dict[bytes, Record]:
        """Records of a new file's entries read without a parser, where that is safe (see summary())."""
        found: dict[bytes, Record] = {}
        for entry in entries:
            data = summary(kind, entry, where.sep)
            if data is not None:
                key = entry_key(kind, data)
                if key is not None:
                    found[entry] = Record(key, kind, data, path, blob, summary_of=entry)
        return found

    def _entry_records(self, path: str, kind: RecordKind, where: Split, entries: list[bytes], blob: str,
                       notes: list[str]) -> dict[str, Record] | None:
        """Records of some entries; None if one of them cannot be read."""
        values = self._parse(where, entries, path, notes)
        if where.whole:
            whole = values[0] if values else None
            if whole is None:
                return None
            values = _mapping(whole).get("items") or []
            if not isinstance(values, list):
                return None
        found: dict[str, Record] = {}
        for n, value in enumerate(values):
            if value is None:
                return None
            key = entry_key(kind, value)
            if key is None:
                notes.append(f"lists/{path}: 有一项没有 {kind.id_field}，无法追踪它的历史")
                continue
            if key in found:
                notes.append(f"lists/{path}: {key} 出现了不止一次，只记录第一处")
                continue
            found[key] = Record(key, kind, value, path, blob)
        return found

    def _list_fields(self, path: str, old: FileView | None, new: Split | None, blob: str, delta: _Delta) -> None:
        """File-level fields of a list (edition, document) as one record ``list:<path>``."""
        before = old.split if old else None
        if before is not None and new is not None and before.header == new.header and before.suffix == new.suffix:
            return
        key = whole_key(LIST_FIELDS, path)
        sides = ((delta.old, before, old.blob if old else NULL_SHA), (delta.new, new, blob))
        for side, where, version in sides:
            fields = list_fields(where, path) if where is not None else None
            if fields:
                side[key] = Record(key, LIST_FIELDS, fields, path, version)

    def _parse(self, where: Split, entries: list[bytes], path: str, notes: list[str]) -> list[Any]:
        """Plain data of entries, each distinct entry parsed once while it is kept."""
        missing = [e for e in dict.fromkeys(entries) if e not in self._parsed]
        if missing:
            for entry, value in zip(missing, entries_data(where, missing, path, notes)):
                self._parsed[entry] = value
            while len(self._parsed) > max(_PARSED_KEEP, len(entries)):
                self._parsed.popitem(last=False)
        out = [self._parsed[e] for e in entries]
        for entry in entries:
            self._parsed.move_to_end(entry)
        return out

    # ------------------------------------------------------------ identity

    def _learn_names(self, records: Iterable[Record]) -> None:
        for record in records:
            title = record.data.get("title")
            if record.kind.key == "source" and title:
                self.state.titles[str(record.data.get("id"))] = str(title)
            elif record.kind.key == "regulation" and title:
                self.state.titles[record.key] = str(title)
            elif record.kind.key == "department" and record.data.get("name"):
                self.state.departments[record.department or ""] = str(record.data["name"])

    def _change(self, key: str, old: Record | None, new: Record | None, touched: set[str],
                notes: list[str]) -> Change | None:
        state = self.state
        if old is not None and new is not None:
            return self._modified(key, old, new)
        if new is not None:
            elsewhere = state.live.get(key)
            if elsewhere and elsewhere != new.path and elsewhere not in touched:
                notes.append(f"{_shown(key)} 同时出现在 lists/{elsewhere} 和 lists/{new.path}")
            action = "restored" if key in state.gone else "created"
            state.gone.pop(key, None)
            state.live[key] = new.path
            return self._new_change(key, action, new)
        assert old is not None
        if state.live.get(key, old.path) != old.path and state.live[key] not in touched:
            return None  # a second copy of a record that lives on elsewhere
        state.live.pop(key, None)
        state.gone[key] = old.path
        change = self._new_change(key, "removed", old, bump=False)
        change.vanished = old.kind.item and not repeal_complete(old.kind.key, old.data)
        return change

    def _modified(self, key: str, old: Record, new: Record) -> Change | None:
        if new.summary_of is not None:  # compared with an old version: read it whole
            view = self.files[new.path]
            new.data = _mapping(self._parse(view.split, [new.summary_of], new.path, [])[0])
        if old.path == new.path and old.data == new.data:
            return None
        model = list_model(new.path) if new.kind is LIST_FIELDS else new.kind.model
        fields = diff_records(model, old.data, new.data, self.state)
        moved = old.department != new.department
        if moved:
            names = self.state
            fields.insert(0, FieldChange("department", TRANSFER_LABEL, "changed",
                                         names.department_name(old.department or "") or old.department,
                                         names.department_name(new.department or "") or new.department))
        if not fields and old.path == new.path:
            return None
        was, now = legal_state(old.kind.key, old.data), legal_state(new.kind.key, new.data)
        action = "transferred" if moved else ("repealed" if now.repealed and not was.repealed else "modified")
        self.state.live[key] = new.path
        change = self._new_change(key, action, new)
        change.fields = fields
        if old.path != new.path:
            change.from_path = old.path
        return change

    def _new_change(self, key: str, action: str, record: Record, bump: bool = True) -> Change:
        version = self.state.versions.get(key, 0) + (1 if bump else 0)
        self.state.versions[key] = version
        legal = legal_state(record.kind.key, record.data)
        name = record.name
        if record.kind.key == "responsibilities":
            dept = record.department or ""
            name = f"{self.state.department_name(dept) or dept}{record.kind.label}"
        return Change(key, record.kind.key, action, record.path, record.blob, name, version,
                      status=legal.status, effective=legal.effective, repeal=legal.repeal)


def _cancel(old: list[bytes], new: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Entries only in old and only in new: an entry that did not change needs no parsing."""
    if old == new:
        return [], []
    return _unmatched(old, new), _unmatched(new, old)


def _unmatched(these: list[bytes], others: list[bytes]) -> list[bytes]:
    left = Counter(others)
    out = []
    for entry in these:
        if left[entry] > 0:
            left[entry] -= 1
        else:
            out.append(entry)
    return out


def _merge(into: dict[str, Record], found: dict[str, Record], notes: list[str]) -> None:
    for key, record in found.items():
        if key in into:
            notes.append(f"{_shown(key)} 同时出现在 lists/{into[key].path} 和 lists/{record.path}")
            continue
        into[key] = record


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _shown(key: str) -> str:
    kind, _, rest = key.partition(":")
    return f"{kind} {rest}" if rest and kind in BY_NAME else f"编码 {key}"
