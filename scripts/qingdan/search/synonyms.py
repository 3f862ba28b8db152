"""Synonym groups for search: words people use for what the lists call otherwise.

The groups ship as data (synonyms.yml beside this module) and a site adds its
own in lists/site.yml (``search_synonyms``). The browser tries a query with each
word of a group replaced by the others (assets/search/search.js, ``phrasings``).
"""

from __future__ import annotations

from importlib import resources

import yaml

from ..errors import QingdanError
from ..model import SiteConfig

FILE = "synonyms.yml"


def default_groups() -> list[list[str]]:
    """The groups shipped with qingdan."""
    text = (resources.files("qingdan") / "search" / FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, list) or not all(isinstance(g, list) and all(isinstance(w, str) for w in g)
                                             for g in data):
        raise QingdanError(f"search/{FILE} 应是词组的列表，每组写成 [词, 词, …]")
    return data


def groups(site: SiteConfig) -> list[list[str]]:
    """The shipped groups and the site's own, each with at least two distinct words."""
    out: list[list[str]] = []
    for group in [*default_groups(), *site.search_synonyms]:
        words = list(dict.fromkeys(w.strip() for w in group if w.strip()))
        if len(words) >= 2:
            out.append(words)
    return out
