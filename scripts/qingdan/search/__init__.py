"""Search that works in Chinese on a static site: a sharded index the browser fetches in pieces.

- ``docs(dataset)``: one small record per item, department, regulation and legal source;
- ``build(dataset)``: every file the site needs for search (index, script, style sheet).

The /search/ page body is the template search/page.html, rendered (and
overridable) with the site's other pages. The query engine and its ranking
live in assets/search/search.js only; Python builds the index, and the tests
run that script under node (tests/search/node_runner.py).

The index is made part by part (records.parts: one part for departments and
sources, then each department's records, in sorted order, a large department's
cut into parts of index.PART_DOCS; index.py numbers documents part after
part). With a build store (store.py), each encoded part
(its tokens' posting lists, tie classes and document tables: the costly step)
is kept under a key digesting that part's records as search sees them (names
read from other records included), so a rebuild encodes again only the parts
that changed and then joins the parts' kept blocks. A shard of a distributed
build passes ``departments`` to fill the store with its parts only; the merge
step builds with the union of the shards' stores and gets the same bytes as a
build without a store.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Collection, Sequence

from ..dataset import Dataset
from ..store import Store, code_version, input_key
from ..memory import gc_paused
from .index import FORMAT, Part, assemble, build_index, encode_parts, ordered_parts, part_from_bytes, part_to_bytes
from .page import asset_files
from .records import SITE, SearchDoc, docs, part_names, parts, read_elsewhere
from .synonyms import groups

__all__ = ["SITE", "SearchDoc", "build", "build_index", "docs", "parts"]


def build(dataset: Dataset, store: Store | None = None,
          departments: Collection[str] | None = None) -> dict[str, bytes]:
    """Every file to add to the built site, by path relative to the site root.

    ``store`` keeps and reuses each encoded part, and each token shard (under a
    key digesting its tokens' blocks). With ``departments`` (a shard's share:
    department ids, and records.SITE for the part of departments and sources),
    only those parts are encoded into ``store`` and no file is returned: the
    merge step's build writes the index.

    The store also lists each department's part keys under what its records
    follow from (its files, and what they show from elsewhere: records.read_elsewhere),
    so a rebuild reads as search sees them only the records of the departments
    whose files changed (after one item's name changes, one department's).
    """
    with gc_paused():  # millions of lists and no cycle: collections would cost a quarter of the time
        store = store if store is not None else Store(None)
        names = sorted(name for name in part_names(dataset) if departments is None or name in departments)
        lists = _Listings(dataset, store)
        listed = {name: found for name in names if (found := lists.get(name)) is not None}
        while True:
            keys, records, owners = _planned(dataset, names, listed, lists)
            kept = [_kept(store, key) for key in keys]
            # A listed part gone from the store (pruned, damaged): its department is read after all.
            lacking = {owners[n] for n, part in enumerate(kept) if part is None and records[n] is None}
            if not lacking:
                break
            listed = {name: found for name, found in listed.items() if name not in lacking}
        made, fresh = _parts(store, kept, records)
        kept_for = [part.count for part in made]
        files = {} if departments is not None else {
            **assemble(made, synonyms=groups(dataset.site), cache=store if store.folder else None,
                       version=code_version()),
            **asset_files()}
        if store.folder is not None:  # parts made, or regrouped for another number of shards
            for key, part, new, count in zip(keys, made, fresh, kept_for):
                if new or part.count != count:
                    store.put(key, part_to_bytes(part))
        return files


def _planned(dataset: Dataset, names: Sequence[str], listed: dict[str, list[str]],
             lists: _Listings) -> tuple[list[str], list[Sequence[SearchDoc] | None], list[str]]:
    """Every part's key, its records (None for a part the store listed: not read) and its part's name,
    in the order the index numbers them."""
    chosen = parts(dataset, [name for name in names if name not in listed])
    keys: list[str] = []
    records: list[Sequence[SearchDoc] | None] = []
    owners: list[str] = []
    for name in names:
        if name in listed:
            keys += listed[name]
            records += [None] * len(listed[name])
        else:
            cut = ordered_parts({name: chosen.pop(name)})
            keys += lists.put(name, [_part_key(docs) for docs in cut])
            records += cut
        owners += [name] * (len(keys) - len(owners))
    return keys, records, owners


def _part_key(docs: Sequence[SearchDoc]) -> str:
    """A part's key in the store: everything its encoding reads from its records."""
    return input_key("search-part", str(FORMAT), sys.version.split()[0], _fingerprint(docs))


class _Listings:
    """Each department's part keys, listed in the store by what its records follow from."""

    def __init__(self, dataset: Dataset, store: Store) -> None:
        self.dataset, self.store = dataset, store
        self.elsewhere = read_elsewhere(dataset) if store.folder is not None else ""

    def _key(self, name: str) -> str:
        return input_key("search-parts-of", str(FORMAT), sys.version.split()[0], self.elsewhere, name,
                         self.dataset.department_digest(name))

    def get(self, name: str) -> list[str] | None:
        """The part keys listed for department ``name`` as its files are; None for SITE (it reads
        every department's file), without a store, or when none is listed."""
        if name == SITE or self.store.folder is None:
            return None
        try:
            listed = marshal.loads(self.store.get(self._key(name)) or b"")
        except (ValueError, EOFError, TypeError):
            return None
        return listed if isinstance(listed, list) and listed and all(isinstance(k, str) for k in listed) else None

    def put(self, name: str, keys: list[str]) -> list[str]:
        if name != SITE and self.store.folder is not None:
            self.store.put(self._key(name), marshal.dumps(keys))
        return keys


def _parts(store: Store, kept: list[Part | None],
           records: Sequence[Sequence[SearchDoc] | None]) -> tuple[list[Part], list[bool]]:
    """Each part encoded (and whether it was made now): ``kept`` from the store when it holds it for
    these very records, else made (all missing parts at once; their records are read)."""
    out = list(kept)
    missing = [n for n, part in enumerate(out) if part is None]
    for n, part in zip(missing, encode_parts([records[n] or () for n in missing])):
        out[n] = part
    store.made_count += len(missing)
    store.reused += len(out) - len(missing)
    fresh = [False] * len(out)
    for n in missing:
        fresh[n] = True
    return out, fresh  # type: ignore[return-value]  # every None was filled


def _kept(store: Store, key: str) -> Part | None:
    data = store.get(key)
    if data is None:
        return None
    try:
        return part_from_bytes(data)
    except (ValueError, EOFError, TypeError):
        return None  # a damaged blob: made again


def _fingerprint(records: Sequence[SearchDoc]) -> bytes:
    """Everything an encoded part reads from ``records``, in order."""
    return marshal.dumps([(doc.kind, doc.name, doc.code, doc.label, doc.dept, doc.codes, doc.basis,
                           doc.basis_text, doc.other, doc.status) for doc in records])
