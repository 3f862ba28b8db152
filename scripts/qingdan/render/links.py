"""Where each page lives, and links between pages.

Pages are Markdown files at paths like ``items/<code>/index.md``, served at
``items/<code>/``. Every link a template writes is relative (the site may live
under a sub-path), computed here from the URL of the page that holds it.

Nothing from the data reaches a URL unchecked: a code or id must be a plain
slug (letters, digits, ``.``, ``_``, ``-``; no ``..``, no slashes) before it
names a page, and only http(s) addresses become links to other sites.
"""

from __future__ import annotations

import re
from collections.abc import Container
from urllib.parse import quote

from ..model.common import web_address

from ..kinds import PAGES

_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")


def is_slug(value: str) -> bool:
    """True when ``value`` may name a page: a plain slug without ``..`` or slashes."""
    return bool(_SLUG.match(value)) and ".." not in value


def url_of(path: str) -> str:
    """The directory URL of a page file: ``items/x/index.md`` → ``items/x/``, ``index.md`` → ``""``."""
    stem = path[:-3] if path.endswith(".md") else path
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def root_of(path: str) -> str:
    """The relative way from a page to the site root, e.g. ``../../``."""
    return "../" * url_of(path).count("/")


# The page file of each kind of page (kinds.PAGES gives its URL); ``{}`` is the
# record's code or id. Every page is an index.md, so a link relative to the
# page's URL is also relative to its file (Zensical reads links in HTML
# relative to the file, MkDocs leaves them).
PAGE_PATHS: dict[str, str] = {page: url + "index.md" for page, url in PAGES.items()}


def page_path(kind: str, key: str | None = None) -> str:
    """The page file of a record (``key`` must already have passed :func:`is_slug`)."""
    pattern = PAGE_PATHS[kind]
    return pattern.format(key) if key is not None else pattern


class Linker:
    """Relative links from one page to any page that exists; None for one that does not."""

    def __init__(self, path: str, pages: Container[str]) -> None:
        self.path = path
        self.root = root_of(path)
        self._pages = pages

    def __call__(self, kind: str, key: str | None = None) -> str | None:
        target = page_path(kind, key)
        if target not in self._pages:
            return None
        return self.to(url_of(target))

    def page(self, path: str) -> str:
        """A link to the page file ``path`` (whether or not it is generated)."""
        return self.to(url_of(path))

    def to(self, target: str) -> str:
        """A link to ``target``, a URL or file relative to the site root."""
        return self.root + target if (self.root or target) else "./"


def external(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) address safe to link to, else None (model.common.web_address)."""
    return web_address(url)


def edit_url(repo_url: str | None, branch: str, relpath: str | None) -> str | None:
    """The "编辑此页" address of a data file: ``<repo>/edit/<branch>/lists/<file>``."""
    repo = external(repo_url)
    if repo is None or not relpath:
        return None
    return f"{repo.rstrip('/')}/edit/{quote(branch)}/lists/{quote(relpath)}"


_SHA = re.compile(r"^[0-9a-f]{7,64}$")


def commit_url(repo_url: str | None, sha: str | None) -> str | None:
    """Where to read a commit: ``<repo>/commit/<sha>`` (GitHub, Gitea), if both are sound."""
    repo = external(repo_url)
    if repo is None or not sha or not _SHA.match(sha):
        return None
    return f"{repo.rstrip('/')}/commit/{sha}"
