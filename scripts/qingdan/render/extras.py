"""Files the site carries besides its pages: our style sheet and script, and what
other stages contribute (search index, downloads).

:func:`contributions` is the one call site of the search and export stages;
:func:`search_page_html` renders the /search/ page body alone (the site's pages
include the same template, search/page.html, through their own environment).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable

from .. import export, search
from ..dataset import Dataset
from ..kinds import ASSET_DIR, PAGES_BY_KEY_PREFIX, RELEASES
from ..store import Store
from .history import History
from .links import is_slug, page_path, url_of
from .templates import environment

SITE_CSS = f"{ASSET_DIR}/site.css"
SITE_JS = f"{ASSET_DIR}/site.js"
FEED = "feeds/atom.xml"  # the site's Atom feed; feeds/<dept-id>.xml per department


def theme_root() -> Traversable:
    """The folder of our Material theme overrides, inside the installed package."""
    return resources.files("qingdan") / "templates" / "theme"


def theme_files() -> Iterator[tuple[str, bytes]]:
    """Our Material theme overrides (lang="zh-CN", the sample banner), by path under a custom_dir.

    The plugin adds them itself; a site built from ``qingdan render`` output
    without the plugin (Zensical, or MkDocs without it) names a copy of them as
    ``theme.custom_dir``.
    """
    folders = [(theme_root(), "")]
    while folders:
        folder, prefix = folders.pop()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                folders.append((entry, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".html"):
                yield f"{prefix}{entry.name}", entry.read_bytes()


def site_assets() -> dict[str, bytes]:
    """Our style sheet (screen and print) and the table filter script."""
    folder = resources.files("qingdan") / "assets" / "site"
    return {SITE_CSS: (folder / "site.css").read_bytes(), SITE_JS: (folder / "site.js").read_bytes()}


StageFiles = Mapping[str, bytes] | Iterable[tuple[str, bytes]]


def contributions(dataset: Dataset, history: History | None = None,
                  pages: Callable[[], Collection[str]] = tuple, *, store: Store | None = None,
                  departments: Collection[str] | None = None) -> Iterator[StageFiles]:
    """What other stages add to the site, one stage at a time (paths relative to the site root).

    This is the one call site of those stages. Each gives a large dict (or an
    iterable of (path, bytes) pairs: incremental.write_files takes both), so a
    consumer writes one out and drops it before asking for the next.

    Search: ``qingdan.search.build`` (index shards, search.js, search.css).
    Downloads: ``qingdan.export.downloads`` (``downloads/<dept>/powers.csv`` …);
    list pages link to whatever paths it returns. ``history`` is for the feeds
    written when the site knows its address (site_url in lists/site.yml);
    ``pages()`` gives the site's page files, and a feed links a record only to a
    page among them (no page, no link); it is called only for the feeds, the
    last stage, so the others may start before the pages are planned.

    ``store`` keeps what the stages make by input key (store.py), so that a
    rebuild makes only what changed. ``departments`` is a shard's part
    (render/shards.py): the stages make and keep those departments' files and
    parts only, and nothing site-wide (no releases, no feeds).
    """
    yield search.build(dataset, store=store, departments=departments)
    whole = departments is None
    yield export.iter_downloads(dataset, store=store, departments=departments, site_wide=whole, package=whole)
    if not whole:
        return
    if history is not None:
        # Each published release (a git tag on the main line) as the lists/ it held: by its commit, as a
        # tag's name may read as something else to git (a 40-hex name is another commit's id).
        yield ((f"{RELEASES}{release.file_name}", history.snapshot_zip(release.sha)) for release in history.tags())
    base = feed_base(dataset, history)
    if history is not None and base:
        yield history.feeds(base, item_url=functools.partial(record_url, base, pages()))


def linked_paths(dataset: Dataset, history: History | None = None) -> list[str]:
    """The contributed files pages link to (downloads, releases, feeds), known before they are made.

    The same paths as :func:`contributions` gives (all of them but the search
    index's), so pages and their input keys (keys.py) need not wait for the
    stages that make those files; tests hold the two to each other.
    """
    paths = export.download_paths(dataset)
    if history is not None:
        paths += [f"{RELEASES}{release.file_name}" for release in history.tags()]
        if feed_base(dataset, history):
            paths += [FEED, *(f"feeds/{dept}.xml" for dept in history.departments())]
    return paths


def record_url(base: str, pages: Collection[str], key: str) -> str | None:
    """The absolute address of the page of the change log's record ``key``; None when there is none.

    The site record ("site"), the fields of a list file and items whose page
    was never made (a code that is no slug) have no page: linking them would
    give the feed's readers a 404.
    """
    prefix, colon, ident = key.partition(":")
    kinds = PAGES_BY_KEY_PREFIX.get(prefix, ()) if colon else PAGES_BY_KEY_PREFIX[""]
    ident = ident if colon else key
    if not is_slug(ident):
        return None
    for kind in kinds:
        path = page_path(kind, ident)
        if path in pages:
            return base + url_of(path)
    return None


def feed_base(dataset: Dataset, history: History | None) -> str | None:
    """The site's address for its Atom feeds, or None when it has none.

    Atom needs absolute links, so feeds exist only where the site knows its
    address (site_url) and has a history to report.
    """
    url = dataset.site.site_url
    if history is None or not url:
        return None
    return url if url.endswith("/") else url + "/"


def search_page_html(root: str = "../") -> str:
    """The body of the /search/ page; ``root`` leads from that page to the site root.

    The default fits a page at ``search/`` (MkDocs directory URLs). The script
    finds the index from its own address, so the site may live under a sub-path.
    """
    return environment().get_template("search/page.html").render(root=root)
