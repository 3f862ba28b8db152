"""Search that works in Chinese on a static site: a sharded index the browser fetches in pieces.

- ``docs(dataset)``: one small record per item, department, regulation and legal source;
- ``build(dataset)``: every file the site needs for search (index, script, style sheet).

The /search/ page body is the template search/page.html, rendered (and
overridable) with the site's other pages. The query engine and its ranking
live in assets/search/search.js only; Python builds the index, and the tests
run that script under node (tests/search/node_runner.py).
"""

from __future__ import annotations

from ..dataset import Dataset
from .index import build_index
from .page import asset_files
from .records import SearchDoc, docs
from .synonyms import groups

__all__ = ["SearchDoc", "build", "build_index", "docs"]


def build(dataset: Dataset) -> dict[str, bytes]:
    """Every file to add to the built site, by path relative to the site root."""
    return {**build_index(docs(dataset), synonyms=groups(dataset.site)), **asset_files()}
