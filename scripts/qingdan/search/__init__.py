"""Search that works in Chinese on a static site: a sharded index the browser fetches in pieces.

- ``docs(dataset)``: one small record per item, department, regulation and legal source;
- ``build(dataset)``: every file the site needs for search (index, script, style sheet).

The /search/ page body is the template search/page.html, rendered (and
overridable) with the site's other pages. The query engine and its ranking
live in assets/search/search.js only; Python builds the index, and the tests
run that script under node (tests/search/node_runner.py).

With a build store (store.py), the costly step, tokenising the records, is
kept per part (each department's records, and one part for departments and
sources: records.parts) under a key digesting that part's records as search
sees them (names read from other records included), so a rebuild tokenises
again only the parts that changed. A shard of a distributed build passes
``departments`` to fill the store with its parts only; the merge step builds
with the union of the shards' stores and gets the same bytes as a build
without a store.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Collection, Sequence

from ..dataset import Dataset
from ..store import Store, input_key
from ..validate import gc_paused
from .index import FORMAT, Tokens, assemble, build_index, order_key, tokenise_parts, tokens_from_bytes, tokens_to_bytes
from .page import asset_files
from .records import SITE, SearchDoc, docs, parts
from .synonyms import groups

__all__ = ["SITE", "SearchDoc", "build", "build_index", "docs", "parts"]


def build(dataset: Dataset, store: Store | None = None,
          departments: Collection[str] | None = None) -> dict[str, bytes]:
    """Every file to add to the built site, by path relative to the site root.

    ``store`` keeps and reuses each part's tokens. With ``departments`` (a
    shard's share: department ids, and records.SITE for the part of
    departments and sources), only those parts are tokenised into ``store``
    and no file is returned: the merge step's build writes the index.
    """
    with gc_paused():  # millions of lists and no cycle: collections would cost a quarter of the time
        if store is None and departments is None:
            return {**build_index(docs(dataset), synonyms=groups(dataset.site)), **asset_files()}
        store = store if store is not None else Store(None)
        chosen = [sorted(records, key=order_key) for records in parts(dataset, departments).values()]
        made = list(zip(chosen, _tokens(store, chosen)))
        if departments is not None:
            return {}
        return {**assemble(made, synonyms=groups(dataset.site)), **asset_files()}


def _tokens(store: Store, chosen: Sequence[Sequence[SearchDoc]]) -> list[Tokens]:
    """The tokens of each part: from the store when it holds them for these very records, else
    made (all missing parts at once) and kept."""
    keys = [input_key("search-tokens", str(FORMAT), sys.version.split()[0], _fingerprint(records))
            for records in chosen]
    out: list[Tokens | None] = [_kept(store, key) for key in keys]
    missing = [n for n, tokens in enumerate(out) if tokens is None]
    for n, tokens in zip(missing, tokenise_parts([chosen[n] for n in missing])):
        store.put(keys[n], tokens_to_bytes(tokens))
        out[n] = tokens
    store.made_count += len(missing)
    store.reused += len(out) - len(missing)
    return out  # type: ignore[return-value]  # every None was filled


def _kept(store: Store, key: str) -> Tokens | None:
    data = store.get(key)
    if data is None:
        return None
    try:
        return tokens_from_bytes(data)
    except (ValueError, EOFError, TypeError):
        return None  # a damaged blob: made again


def _fingerprint(records: Sequence[SearchDoc]) -> bytes:
    """Everything tokenising reads from ``records``: their indexed texts by field, in order."""
    return marshal.dumps([tuple(doc.fields().values()) for doc in records])
