"""One department's share of a list's downloads (a *slice*), kept in the build store by what it is made from.

A slice is what one department adds to the download files of one list: its
CSV lines and its XLSX rows per table (group ``rows``), or its JSON entry
(group ``json``). The department's own files and the site-wide files are both
joined from slices (downloads.py), so a build that finds a department's slices
in the store makes nothing for it, and the merge step of a sharded build joins
the site-wide files from the slices its shards kept.

A slice's key covers everything its bytes are made from:

- the code version (store.input_key) and the layout of the list's tables:
  sheet titles, headers (the site's header map), cell types, descriptions;
- the department's record: the digest of the file it was read from (a file's
  records follow from its path and bytes, as the validator's cache relies on),
  or, for a record not read from one file, its JSON dump;
- what its cells looked up in the context (excel/context.py): department
  names, sources, titles, industries. Which lookups a slice makes follows
  from its record, so making a slice notes them (its *trace*, kept by the
  record's digest) and a later build keys the slice by the current values of
  exactly those lookups: a retitled source makes again only the slices that
  cite it, a renamed department those that name it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..excel.cells import Context
from ..excel.citations import SourceIndex, SourceRef
from ..excel.rows import Part, TableData, as_one_table, file_tables, table_data
from ..excel.tables import tables_of
from ..model import PowerList, RegulationList
from ..store import Store, digest_of, input_key
from .csvfile import csv_rows
from .jsonfile import json_piece
from .xlsx import SheetRows, sheet_rows

ROWS, JSON = "rows", "json"
# A list of items gives its rows in runs of this many records, each kept on its own: one changed item
# makes its run again, not its department's thousand rows (the search index cuts parts the same way).
ROWS_PER_SLICE = 256
RUN_LISTS = (PowerList, RegulationList)
EVERY = "\0every"  # the lookup iterated a whole mapping: its value is all of it
_LOOKUPS = ("departments", "industries", "levels", "regions", "aliases", "sources", "titles")


@dataclass(frozen=True)
class Layout:
    """A list's tables without rows (sheets, headers, cell types, descriptions) and the CSV's one table."""

    tables: list[TableData]
    csv: TableData
    digest: str

    @property
    def one_sheet(self) -> bool:
        return len(self.tables) == 1


@dataclass(frozen=True)
class SliceTable:
    """One department's rows of one table: as CSV lines and as a run of sheet rows."""

    title: str
    csv: bytes
    xlsx: SheetRows


@dataclass(frozen=True)
class Slice:
    """A department's share of a list's files; ``key`` is its key in the store."""

    key: str
    tables: list[SliceTable]  # group rows: the tables it has rows in (the only table of a one-table list)
    json: bytes = b""  # group json: its entry of ``departments``


class Slices:
    """The slices of one build: taken from ``store`` when kept there, else made (and kept)."""

    def __init__(self, ctx: Context, store: Store) -> None:
        self.store = store
        self.tracer = Tracer(ctx)
        self._layouts: dict[str, Layout] = {}

    def layout(self, kind: str) -> Layout:
        if kind not in self._layouts:
            ctx = self.tracer.real
            tables = [table_data(table, ctx) for table in tables_of(kind)]
            csv = as_one_table(kind, tables, ctx)
            plain = [[t.title, t.headers, t.cells, t.descriptions] for t in tables + [csv]]
            self._layouts[kind] = Layout(tables, csv, digest_of(_json(plain)))
        return self._layouts[kind]

    def of(self, kind: str, part: Part, groups: tuple[str, ...], read_from: str | None = None,
           digests: Mapping[str, str] | None = None) -> dict[str, list[Slice]]:
        """The department's slices of ``kind`` in each of ``groups``: its JSON entry (one slice), its rows in
        runs of at most ROWS_PER_SLICE records.

        ``read_from`` is the digest of the file its record was read from (then the record is dumped only
        if a slice is made); ``digests`` its records' digests by code (Dataset.record_digests), which key
        each run of rows by its own records: after one item's name changes, one run is made again.
        """
        record = f"file:{read_from}" if read_from is not None else None
        return {group: [self._slice(kind, group, piece, key)
                        for piece, key in (_runs(part, record, digests) if group == ROWS else [(part, record)])]
                for group in groups}

    def _slice(self, kind: str, group: str, part: Part, record: str | None) -> Slice:
        """The slice of ``part`` in ``group``; ``record`` names what it is made from (None: its JSON dump)."""
        if record is None:
            record = digest_of(type(part.file_record).__name__.encode() + b"\0" + _dump(part))
        head = (kind, group, part.department, record, self.layout(kind).digest)
        trace_key = input_key("downloads/trace", *head)
        lookups = _lookups(self.store.get(trace_key))
        if lookups is not None:
            key = input_key("downloads/slice", *head, self.tracer.values(lookups))
            kept = _decode(key, self.store.get(key))
            if kept is not None:
                self.store.reused += 1
                return kept
        # Not kept, or kept damaged (a blob that does not parse): made again, and kept.
        blob, seen = self._make(kind, group, part)
        self.store.put(trace_key, seen.encode("utf-8"))
        key = input_key("downloads/slice", *head, self.tracer.values(json.loads(seen)))
        self.store.put(key, blob)
        self.store.made_count += 1
        return Slice(key, *_parts(blob))

    def _make(self, kind: str, group: str, part: Part) -> tuple[bytes, str]:
        """A slice's bytes and its trace (the lookups making it read)."""
        self.tracer.reset()
        ctx = self.tracer.ctx
        if group == JSON:
            return _encode([], json_piece(part, ctx, _dump(part))), self.tracer.trace()
        tables = [SliceTable(t.title, csv_rows(as_one_table(kind, [t], ctx).rows), sheet_rows(t))
                  for t in file_tables(kind, [part], ctx)]
        return _encode(tables, b""), self.tracer.trace()


def _runs(part: Part, record: str | None, digests: Mapping[str, str] | None) -> list[tuple[Part, str | None]]:
    """``part`` cut into runs of at most ROWS_PER_SLICE records (a list of items; anything else is one
    run), each with what names it: its records' digests, else its place in the file ``record`` names,
    else None (its dump)."""
    items = part.file_record.items if isinstance(part.file_record, RUN_LISTS) else []
    if len(items) <= ROWS_PER_SLICE:
        return [(part, record)]
    runs: list[tuple[Part, str | None]] = []
    cls = type(part.file_record)
    for start in range(0, len(items), ROWS_PER_SLICE):
        run = items[start:start + ROWS_PER_SLICE]
        known = [digests.get(item.code, "") for item in run] if digests is not None else [""]
        if all(known):
            key: str | None = "records:" + digest_of("\n".join(known))
        else:
            key = f"{record}:{start}" if record is not None else None
        runs.append((Part(part.department, cls.model_construct(items=run)), key))
    return runs


def _dump(part: Part) -> bytes:
    return part.file_record.model_dump_json().encode("utf-8")


# ---- the lookups a slice makes ----------------------------------------------------

class _Watched(dict):
    """A mapping that notes the keys read from it (iterating it notes that everything was read)."""

    def __init__(self, data: dict, seen: set[str]) -> None:
        super().__init__(data)
        self.seen = seen

    def _note(self, key: object) -> None:
        self.seen.add(key if isinstance(key, str) else EVERY)

    def get(self, key: object, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key: object) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)

    def __iter__(self) -> Iterator:
        self.seen.add(EVERY)
        return super().__iter__()

    def __len__(self) -> int:
        self.seen.add(EVERY)
        return super().__len__()

    def keys(self):  # type: ignore[override]
        self.seen.add(EVERY)
        return super().keys()

    def values(self):  # type: ignore[override]
        self.seen.add(EVERY)
        return super().values()

    def items(self):  # type: ignore[override]
        self.seen.add(EVERY)
        return super().items()


class _WatchedIndex:
    """A SourceIndex that notes the sources read by id and the titles whose candidates were asked for."""

    def __init__(self, index: SourceIndex, ids: set[str], titles: set[str]) -> None:
        self._index = index
        self._titles = titles
        self.by_id = _Watched(index.by_id, ids)

    def candidates(self, title: str) -> list[SourceRef]:
        self._titles.add(title)
        return self._index.candidates(title)

    def __getattr__(self, name: str) -> Any:
        # Any other use of the index may read every source.
        self.by_id.seen.add(EVERY)
        return getattr(self._index, name)


class Tracer:
    """A copy of a cell context whose lookups are noted, and the current values of noted lookups.

    The context's other fields (the department rows go to, the code pattern,
    the registrar, the site's power codes) serve import only: they are left
    out, so that reading them in an export fails instead of going unnoticed.
    """

    def __init__(self, ctx: Context) -> None:
        self.real = ctx
        self.seen: dict[str, set[str]] = {name: set() for name in _LOOKUPS}
        watched = {name: _Watched(getattr(ctx, name), self.seen[name])
                   for name in ("departments", "industries", "levels", "regions", "aliases")}
        index = _WatchedIndex(ctx.sources, self.seen["sources"], self.seen["titles"])
        self.ctx = Context(ctx.headers, index, **watched)  # type: ignore[arg-type]
        self.reset()  # the context's own set-up read every name

    def reset(self) -> None:
        for seen in self.seen.values():
            seen.clear()

    def trace(self) -> str:
        """The lookups noted since the last reset."""
        return _json({name: sorted(seen) for name, seen in self.seen.items() if seen})

    def values(self, trace: dict[str, list[str]]) -> str:
        """The current values of the lookups of ``trace``, as text to put into a key."""
        real = self.real
        out: dict[str, Any] = {}
        for name, keys in sorted(trace.items()):
            if name == "titles":
                out[name] = {title: [ref.id for ref in real.sources.candidates(title)] for title in keys}
                continue
            mapping = real.sources.by_id if name == "sources" else getattr(real, name)
            if EVERY in keys:
                out[name] = sorted((k, _plain(v)) for k, v in mapping.items())
            else:
                out[name] = {k: [k in mapping, _plain(mapping.get(k))] for k in keys}
        return _json(out)


def _plain(value: Any) -> Any:
    """A looked-up value as JSON can hold it (a SourceRef as its fields)."""
    return vars(value) if dataclasses.is_dataclass(value) else value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# ---- a slice as bytes ---------------------------------------------------------

def _encode(tables: list[SliceTable], piece: bytes) -> bytes:
    """A JSON head (what each table holds, byte counts) on its own line, then the bytes it counts."""
    head = [[t.title, len(t.csv), t.xlsx.rows, list(t.xlsx.widths), t.xlsx.crc, t.xlsx.size, len(t.xlsx.deflated)]
            for t in tables]
    return _json({"tables": head, "json": len(piece)}).encode("utf-8") + b"\n" + b"".join(
        [b for t in tables for b in (t.csv, t.xlsx.deflated)] + [piece])


def _decode(key: str, blob: bytes | None) -> Slice | None:
    """The slice kept as ``blob``; None when there is none or it is damaged."""
    try:
        return Slice(key, *_parts(blob)) if blob is not None else None
    except (ValueError, TypeError, KeyError):
        return None


def _parts(blob: bytes) -> tuple[list[SliceTable], bytes]:
    line, _, body = blob.partition(b"\n")
    head = json.loads(line)
    at = 0
    tables = []
    for title, csv_size, rows, widths, crc, size, deflated in head["tables"]:
        csv = body[at:at + csv_size]
        at += csv_size
        run = SheetRows(rows, tuple(widths), crc, size, body[at:at + deflated])
        at += deflated
        tables.append(SliceTable(title, csv, run))
    if at + head["json"] != len(body):
        raise ValueError("a slice's parts do not add up to its length")
    return tables, body[at:]


def _lookups(trace: bytes | None) -> dict[str, list[str]] | None:
    """The lookups of a kept trace; None when there is none or it is damaged."""
    try:
        found = json.loads(trace) if trace is not None else None
    except ValueError:
        return None
    ok = isinstance(found, dict) and all(name in _LOOKUPS and isinstance(keys, list) and
                                         all(isinstance(k, str) for k in keys) for name, keys in found.items())
    return found if ok else None
