"""The whole dataset as typed records, for the stages that render or export it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import model
from .layout import department_of
from .store import Store, digest_of, input_key
from .validate import Memo, Report, check


@dataclass
class Dataset:
    """Every record under lists/, indexed the way pages and exports look them up.

    Items are keyed by code (their identity), never by file. ``owner`` maps a
    power or regulation code to its department id; ``source_file`` maps codes and
    department ids to their file under lists/ (for "edit this page" links).
    """

    lists_dir: Path
    report: Report
    site: model.SiteConfig
    regions: dict[str, model.Region] = field(default_factory=dict)
    departments: dict[str, model.Department] = field(default_factory=dict)
    sources: dict[str, model.LegalSource] = field(default_factory=dict)
    powers: dict[str, model.PowerItem] = field(default_factory=dict)
    responsibilities: dict[str, model.ResponsibilityList] = field(default_factory=dict)
    negative_lists: dict[str, model.NegativeList] = field(default_factory=dict)
    regulations: dict[str, model.Regulation] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)
    source_file: dict[str, str] = field(default_factory=dict)
    record_files: set[str] = field(default_factory=set)  # the files under lists/ read into a record
    file_digests: dict[str, str] = field(default_factory=dict)  # SHA-256 of the bytes each record came from

    @property
    def ok(self) -> bool:
        """True when the data has no errors (warnings allowed)."""
        return not self.report.errors

    def department_powers(self, dept_id: str) -> list[model.PowerItem]:
        return self.powers_by_department.get(dept_id, [])

    def department_regulations(self, dept_id: str) -> list[model.Regulation]:
        return self.regulations_by_department.get(dept_id, [])

    @functools.cached_property
    def powers_by_department(self) -> dict[str, list[model.PowerItem]]:
        """Department id -> its power items in file order (one pass, not one per department)."""
        return _by_owner(self.powers, self.owner)

    def department_digest(self, dept_id: str) -> str:
        """A digest of every file of department ``dept_id`` (its paths and their digests): what all of its
        records follow from."""
        return self._department_digests.get(dept_id, "-")

    @functools.cached_property
    def _department_digests(self) -> dict[str, str]:
        files: dict[str, list[tuple[str, str]]] = {}
        for relpath, digest in sorted(self.file_digests.items()):
            dept_id = department_of(relpath)
            if dept_id is not None:
                files.setdefault(dept_id, []).append((relpath, digest))
        return {dept_id: digest_of(json.dumps(pairs, ensure_ascii=False)) for dept_id, pairs in files.items()}

    def record_digests(self, relpath: str, store: Store) -> dict[str, str]:
        """Code -> digest of the record's JSON, for each power item or regulation read from ``relpath`` (what
        stands for a record in keys: its page, a kept part of a page, a download's rows).

        Kept in ``store`` by the file's digest, so only a changed file's records are serialised again.
        """
        found = self._record_digests.get((store.folder, relpath))
        if found is None:
            file_digest = self.file_digests.get(relpath)
            records = self._records_by_file.get(relpath, [])
            if file_digest is None or not records:
                found = {}
            else:
                key = input_key("item digests", relpath, file_digest)
                found = _digests(store.get(key), [record.code for record in records])
                if found is None:  # not kept, or kept damaged: made again, and kept
                    found = {record.code: digest_of(record.model_dump_json()) for record in records}
                    store.put(key, json.dumps(found, ensure_ascii=False, sort_keys=True).encode("utf-8"))
                    store.made_count += 1
                else:
                    store.reused += 1
            self._record_digests[store.folder, relpath] = found
        return found

    @functools.cached_property
    def _record_digests(self) -> dict[tuple[Path | None, str], dict[str, str]]:
        return {}

    @functools.cached_property
    def _records_by_file(self) -> dict[str, list[model.PowerItem | model.Regulation]]:
        grouped: dict[str, list[model.PowerItem | model.Regulation]] = {}
        for records in (self.powers, self.regulations):
            for code, record in records.items():
                grouped.setdefault(self.source_file.get(code, ""), []).append(record)
        return grouped

    @functools.cached_property
    def regulations_by_department(self) -> dict[str, list[model.Regulation]]:
        """Department id -> its regulations in file order."""
        return _by_owner(self.regulations, self.owner)


def _digests(blob: bytes | None, codes: list[str]) -> dict[str, str] | None:
    """Records' digests kept as ``blob``, if it holds one for each of ``codes`` (None: not kept, or damaged)."""
    try:
        found = json.loads(blob) if blob is not None else None
    except ValueError:
        return None
    if not isinstance(found, dict) or not all(isinstance(found.get(code), str) for code in codes):
        return None
    return found


def _by_owner(records: dict[str, Any], owner: dict[str, str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for code, record in records.items():
        grouped.setdefault(owner.get(code, ""), []).append(record)
    return grouped


def load_dataset(lists_dir: Path, *, today: dt.date | None = None, prefix: str | None = None,
                 memo: Memo | None = None, cache_dir: Path | None = None) -> Dataset:
    """Read and validate every file under ``lists_dir`` into a Dataset (check ``.ok``).

    A preview server loading the same folder again passes the same ``memo``:
    only files whose bytes changed are parsed again, the others keep their
    records. ``cache_dir`` is the validator's cache, for the rules across files.
    """
    # The facts served the rules only and are dropped here: a site build keeps
    # the Dataset to the end, and at 100,000 items they are 150 MB.
    checked = check(lists_dir, today=today, prefix=prefix, keep_records=True, memo=memo, cache_dir=cache_dir)
    report, records, digests = checked.report, checked.records, checked.digests
    del checked
    share_field_sets(records.values())
    site = records.get("site.yml") or model.SiteConfig(name="qingdan")
    data = Dataset(lists_dir, report, site, record_files=set(records), file_digests=digests)
    for relpath in sorted(records):
        _add(data, relpath, records[relpath])
    return data


def _add(data: Dataset, relpath: str, record: object) -> None:
    dept = department_of(relpath) or ""
    if isinstance(record, model.RegionList):
        data.regions.update((r.code, r) for r in record.items)
    elif isinstance(record, model.SourceList):
        data.sources.update((s.id, s) for s in record.items)
    elif isinstance(record, model.Department):
        data.departments[dept] = record
        data.source_file[dept] = relpath
    elif isinstance(record, model.PowerList):
        for item in record.items:
            data.powers.setdefault(item.code, item)
            data.owner.setdefault(item.code, dept)
            data.source_file.setdefault(item.code, relpath)
    elif isinstance(record, model.RegulationList):
        for reg in record.items:
            data.regulations.setdefault(reg.code, reg)
            data.owner.setdefault(reg.code, dept)
            data.source_file.setdefault(reg.code, relpath)
    elif isinstance(record, model.ResponsibilityList):
        data.responsibilities[dept] = record
    elif isinstance(record, model.NegativeList):
        data.negative_lists[dept] = record


class SharedFields(set):
    """The set of given fields that many records share: changing it would change them all, so it refuses."""

    __slots__ = ()

    def _refuse(self, *args: object) -> None:
        raise TypeError("Dataset 中的记录是只读的（字段集合由多条记录共用）")

    add = discard = remove = pop = clear = update = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse


def share_field_sets(records: Iterable[BaseModel]) -> None:
    """Give every model with the same set of given fields one shared, read-only copy of that set.

    pydantic keeps a set of the fields given per model instance, about a fifth
    of a loaded dataset's memory (250 MB at 100,000 items, in the site builder
    and again in its forked child); the data has a few dozen distinct sets. The
    Dataset's records are read, never assigned to: assigning to one now fails
    loudly instead of changing the others.
    """
    shared: dict[frozenset[str], SharedFields] = {}
    # A record loaded before (load_dataset's memo) was shared then, with all it holds.
    stack = [r for r in records if not isinstance(r.__pydantic_fields_set__, SharedFields)]
    pop, push, extend, assign = stack.pop, stack.append, stack.extend, object.__setattr__
    while stack:  # the walk visits 200,000 records at 10,000 items: its loop is kept lean
        record = pop()
        given = frozenset(record.__pydantic_fields_set__)
        fields = shared.get(given)
        if fields is None:
            fields = shared[given] = SharedFields(given)
        assign(record, "__pydantic_fields_set__", fields)
        nested = _nested_fields(type(record))
        if nested:
            values = record.__dict__
            for name in nested:
                value = values[name]
                if type(value) is list:
                    if value:
                        extend([v for v in value if isinstance(v, BaseModel)])
                elif isinstance(value, BaseModel):
                    push(value)


@functools.cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` whose type names a model (alone, in a list, or optional)."""
    return tuple(name for name, info in cls.model_fields.items() if _names_model(info.annotation))


def _names_model(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_names_model(arg) for arg in typing.get_args(annotation))
