"""The whole site as plain data: pages (Markdown with HTML bodies) and files.

    Dataset --plan_site--> Site --Renderer.markdown(page)--> text of one page

The CLI writes every page to disk (:func:`write_site`); the MkDocs plugin
hands the same pages to MkDocs one at a time (:meth:`Renderer.html`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..dataset import Dataset
from ..export.xlsx import preload
from ..store import Store, input_key
from ..model.negative import CATEGORIES
from ..model.power import POWER_TYPES, PowerItem
from .background import Contributions
from .extras import contributions, linked_paths, site_assets
from .history import History, as_of
from .incremental import Keyed, Previous, SiteWriter, writing
from .keys import PageKeys
from .labels import LABELS, LIST_LABELS
from .links import Linker, commit_url, edit_url
from .lookup import Lookup
from .pages import PageSpec, plan_pages
from .shards import Shard
from .templates import environment
from .traces import Tracer


PROGRESS_EVERY = 500  # pages between calls of write_site's progress callback
# Generated pages have no table of contents: without its empty sidebar the
# content column is wide enough for list tables on a desktop.
HIDE = ("toc",)


@dataclass
class Site:
    """Every page of the generated part of the site, and our own assets."""

    dataset: Dataset
    lookup: Lookup
    pages: dict[str, PageSpec]
    assets: dict[str, bytes] = field(default_factory=dict)
    history: History | None = None


@dataclass
class Kept:
    """What a process that builds again and again (``qingdan render --watch``) keeps from one build for the
    next, as the preview server does: the site it planned (what it worked out per record is kept for
    the records that are the same), its page keys by their inputs and the manifest of the build it wrote."""

    site: Site | None = None
    keys: dict[tuple[str, ...], str] = field(default_factory=dict)
    previous: Previous | None = None  # the build it wrote last (incremental.read_manifest)


def plan_site(dataset: Dataset, history: History | None = None, *,
              contributed: Callable[[], Collection[str]] = tuple, earlier: Site | None = None) -> Site:
    """Plan every page of ``dataset``; nothing is rendered yet.

    ``contributed`` gives the paths of the files other stages add that pages
    link to (downloads, releases, feeds): extras.linked_paths knows them before
    they are made, so no page waits for those stages. ``earlier`` is the site a
    preview server planned before the last edit: what it worked out per record
    is kept for the records that are the same.
    """
    lookup = Lookup(dataset, earlier.lookup.item_citations if earlier is not None else None)
    return Site(dataset, lookup, plan_pages(lookup, contributed, history), site_assets(), history)


class Renderer:
    """Turns a PageSpec into its HTML body, or the Markdown file holding it.

    ``templates_dir`` is the site's folder of template overrides (``site/<name>.html``).
    """

    def __init__(self, site: Site, templates_dir: Path | None = None,
                 before: Mapping[str, str] | None = None) -> None:
        self.site = site
        self.env = environment(templates_dir)
        data = site.dataset
        # Edit links, data-file paths and commit links are for staff previews
        # (site setting staff_links); the public site shows none of them.
        staff = data.site.staff_links
        self.as_of = as_of(site.history, site.lookup.newest_date)
        # Pages see the history only through their context (and say so in their reads, render/keys.py),
        # how current the data is and which pages exist through a tracer that notes what each page
        # asks (render/traces.py).
        # ``before``: the answers the build before keyed its pages with (incremental.Previous.answers).
        self.tracer = Tracer(self.as_of, site.pages, before)
        self.env.globals.update(
            L=LABELS, LIST_LABELS=LIST_LABELS, POWER_TYPES=POWER_TYPES, NEGATIVE_CATEGORIES=CATEGORIES,
            site=data.site,
            data=data, lookup=site.lookup, as_of=self.tracer,
            commit_url=functools.partial(commit_url, data.site.repo_url if staff else None),
            kept=self._kept,
        )
        self.env.filters["record_key"] = self._record_key
        self._fragments: tuple[Store, str] | None = None
        self._item_digest: Callable[[PowerItem], str] | None = None

    def keep_fragments(self, store: Store, keys: PageKeys) -> None:
        """Keep the parts of pages marked ``{% call kept(page.path, data) %}`` in ``store``.

        ``keys.common`` is the input key of what every page reads (keys.PageKeys); with
        the page's path and ``data`` (every variable the part shows: the template must name
        them all; its repr must show every field, as those of dataclasses and plain values do)
        it decides the part's bytes. A power item in ``data`` is best named by its
        ``record_key`` (``keys.item_digest``: the digest of its record, worked out once per
        file): its repr costs about as much as rendering its row. A law cited by
        10,000 items lists them by article: after one item's name changes, one article's
        rows are made again, not the page's 10,000.
        """
        self._fragments = (store, keys.common)
        self._item_digest = keys.item_digest

    def _record_key(self, item: PowerItem) -> str:
        """What stands for ``item`` in a kept part's data: its record's digest (its code without a store)."""
        return self._item_digest(item) if self._item_digest is not None else item.code

    def _kept(self, path: str, data: object, caller: Callable[[], str]) -> Markup:
        if self._fragments is None:
            return Markup(caller())
        store, common = self._fragments
        # repr names every field of dataclasses, models and plain values: exact, and a quarter of JSON's cost.
        key = input_key("fragment", common, path, repr(data))
        return Markup(self.tracer.made(store, key, lambda: str(caller()))[0].decode("utf-8"))

    def keyed(self, store: Store, key: str, page: PageSpec) -> Keyed:
        """The Markdown file of ``page``, whose input key is ``key``, as the writer takes it."""
        return Keyed(key, functools.partial(self.tracer.made, store, key, functools.partial(self.markdown, page)),
                     functools.partial(self.tracer.key, key), self.tracer.unchanged)

    def html(self, page: PageSpec) -> str:
        """The body of ``page``: one HTML block with its single h1."""
        pages = self.tracer.pages
        link = Linker(page.path, pages)
        data = self.site.dataset
        context: dict[str, Any] = {
            "page": page,
            "link": link,
            "crumbs": [(title, link.page(path) if path in pages else None)
                       for title, path in page.crumbs],
            "edit_url": edit_url(data.site.repo_url if data.site.staff_links else None,
                                 data.site.edit_branch, page.source),
        }
        context.update(page.context())
        return self.env.get_template(page.template).render(context)

    def markdown(self, page: PageSpec) -> str:
        """The Markdown file of ``page``: front matter with its title, then the HTML body.

        The title is HTML-escaped (see :func:`page_title`). The body is raw HTML,
        which Markdown passes through untouched, so no data is read as Markdown.
        """
        title = json.dumps(page_title(page.title), ensure_ascii=False)
        hide = json.dumps(list(HIDE))
        return f"---\ntitle: {title}\nhide: {hide}\n---\n\n{self.html(page).strip()}\n"


def page_title(title: str) -> str:
    """A page title as themes need it: HTML-escaped, as MkDocs themes print titles unescaped."""
    return str(escape(title))


def iter_files(site: Site, templates_dir: Path | None = None, *, store: Store | None = None,
               contributed: Collection[str] = (), kept: Kept | None = None,
               writer: SiteWriter | None = None) -> Iterator[tuple[str, str | bytes | Keyed]]:
    """(path, content) of every page and asset, pages rendered one at a time.

    With a ``store``, pages come as :class:`incremental.Keyed` (their input key,
    render/keys.py, and how to make them): a page the store keeps under its
    key is not rendered again, and a writer that still has the page from the
    build before does not even read it. ``contributed`` are the paths the other
    stages added (part of some pages' inputs). ``kept`` (with a store) gives the
    keys of the build before and takes this build's. ``writer`` (with a store) is
    the one the pages go to: the answers its build before keyed its pages with
    spare working out again the keys of pages whose questions have the same
    answers, and it takes this build's for the next.
    """
    previous = writer.previous if writer is not None and store is not None else None
    renderer = Renderer(site, templates_dir, previous.answers if previous is not None else None)
    if store is None:
        for path, page in site.pages.items():
            yield path, renderer.markdown(page)
    else:
        keys = PageKeys(site.pages, site.lookup, site.history, lambda: contributed, templates_dir, store,
                        kept.keys if kept is not None else None)
        renderer.keep_fragments(store, keys)
        for path, page in site.pages.items():
            yield path, renderer.keyed(store, keys.of(page), page)
        if writer is not None:
            writer.answers = renderer.tracer.answered
        if kept is not None:
            kept.site, kept.keys = site, keys.made or {}
    yield from site.assets.items()


def write_site(dataset: Dataset, out_dir: Path, history: History | None = None,
               templates_dir: Path | None = None,
               progress: Callable[[int, int, str], None] | None = None,
               writer: SiteWriter | None = None, store: Store | None = None, kept: Kept | None = None) -> int:
    """Write every page, asset and contributed file under ``out_dir``; return how many.

    With a ``writer`` (``incremental.SiteWriter``) files are written in place and
    only when their bytes changed; without one every file is written. With a
    ``store`` (store.py), pages whose inputs did not change since a build that
    kept them are not rendered again.

    The search index, downloads and feeds are made in a background child
    (render/background.py) while the pages are written here, one stage and one
    page at a time in memory. ``progress(done, total, path)`` hears about every
    PROGRESS_EVERY-th page and the last. ``kept`` is what a process that builds
    again and again keeps between builds (:class:`Kept`).
    """
    write = writing(out_dir, writer)
    if kept is not None:
        preload()  # once per process: each build's background child would import it again
    linked = linked_paths(dataset, history)
    # Started before the pages are planned; the feeds, made last, link only pages that exist.
    background = Contributions(dataset, out_dir, history, None, store, writer)
    try:
        site = plan_site(dataset, history, contributed=lambda: linked,
                         earlier=kept.site if kept is not None else None)
        if kept is not None:
            kept.site = None  # the build before's site goes once this one is planned; a failed build keeps none
        background.planned(site.pages)
        files = iter_files(site, templates_dir, store=store, contributed=linked, kept=kept, writer=writer)
        if progress is not None:
            files = _reporting(files, len(site.pages) + len(site.assets), progress)
        written = len(write(files))
        if writer is not None:
            writer.draft()  # the manifest's entries of the pages, while the child may still be at work
        return written + len(background.paths())  # waits for the child; a path both wrote is refused
    finally:
        background.cancel()  # stops the child if the pages failed; nothing once it is done


def fill_store(dataset: Dataset, store: Store, shard: Shard, history: History | None = None,
               templates_dir: Path | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> int:
    """Make shard ``shard``'s part of the site into ``store`` (render/shards.py); return how many pages it owns.

    Nothing is written but the store: the merge step (a :func:`write_site`
    whose store holds every shard's) builds the site from it.
    """
    mine = [dept for dept in sorted(dataset.departments) if shard.owns(dept)]
    linked = linked_paths(dataset, history)
    site = plan_site(dataset, history, contributed=lambda: linked)
    for stage in contributions(dataset, history, site.pages.keys, store=store, departments=mine):
        for _pair in stage.items() if isinstance(stage, Mapping) else stage:
            pass  # made into the store
        del stage
    keys = PageKeys(site.pages, site.lookup, site.history, lambda: linked, templates_dir, store)
    renderer = Renderer(site, templates_dir)
    renderer.keep_fragments(store, keys)
    owned = set(mine)
    pages = [page for page in site.pages.values() if page.department in owned]
    for done, page in enumerate(pages, 1):
        renderer.tracer.made(store, keys.of(page), functools.partial(renderer.markdown, page))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(pages)):
            progress(done, len(pages), page.path)
    return len(pages)


def _reporting(files: Iterator[tuple[str, str | bytes | Keyed]], total: int,
               progress: Callable[[int, int, str], None]) -> Iterator[tuple[str, str | bytes | Keyed]]:
    for done, (path, content) in enumerate(files, 1):
        yield path, content
        if done % PROGRESS_EVERY == 0 or done == total:
            progress(done, total, path)
