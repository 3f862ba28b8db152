"""The MkDocs plugin ``qingdan``: a thin adapter from the render stage to MkDocs.

This is the only module that imports MkDocs. It loads and validates lists/,
refuses to build when the data has errors (printing the validator's problem
list), and adds the generated pages and files in memory. Page bodies are
rendered by qingdan.render when MkDocs writes each page and dropped right
after, so a site of 100,000 items never holds all of them in memory.

    plugins:
      - qingdan:
          lists_dir: lists        # relative to mkdocs.yml
          templates: overrides    # optional: site/<name>.html here replace ours
          store: .qingdan-cache/build  # optional: the build store (the default)

With ``mkdocs build --dirty`` (and ``mkdocs serve --dirty``, which ``qingdan
serve --live`` runs) into the folder of an earlier build, MkDocs writes again
only the generated pages whose input key (render/keys.py, with the MkDocs
configuration and theme) differs from the page's key in the earlier build;
pages that no longer exist are removed. Bodies, downloads and the search
index come from the build store when their inputs are unchanged.

Under ``mkdocs serve`` the plugin lives from one build to the next (it has
``on_startup``): it keeps each file's record by its content digest, so an
edit parses only the edited file, and it keeps its pages' File and Page
objects, their keys by their inputs and each item's citations; a rebuild
writes its pages, lets the server reload the browser, then makes the search
index and downloads in a background child, which the next edit stops if it
comes first. MkDocs' server answers no request while it builds: what a member
of staff waits after saving is the server noticing (lists/ is looked at every
LISTS_POLL_S) and the whole rebuild.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import os
import posixpath
import threading
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_build_date
from markupsafe import Markup

from . import report as reporters
from .dataset import Dataset, load_dataset
from .errors import QingdanError
from .files import remove, walk, write_atomic
from .render import PageSpec, Renderer, Site, plan_site
from .render.background import Contributions
from .render.extras import FEED, SITE_CSS, SITE_JS, feed_base, linked_paths, theme_root
from .render.history import History, history_for
from .render.live import LIVE_ENV, live_errors
from .render.incremental import target_of
from .render.keys import PageKeys
from .render.site import HIDE, page_title
from .render.templates import COMPILED
from .search.index import ROOT as SEARCH_ROOT
from .store import Store, digest_of, folder_digest, input_key, store_for
from .validate import Memo, default_cache_dir
from .workspace import recheck

log = logging.getLogger("mkdocs.plugins.qingdan")
# The folders only the background stages write (search index, downloads, feeds).
CONTRIBUTED = (SEARCH_ROOT, "downloads", "feeds")
LISTS_POLL_S = 0.1  # how often a preview server looks for edits under lists/ (seconds)
SITEMAP = "sitemap.xml"  # MkDocs' template listing every page (and its .gz copy)
PROGRESS_EVERY = 10_000  # generated pages between progress lines (a large site takes minutes)


class QingdanConfig(base.Config):
    """Options of the plugin (flat, typed, with an ``enabled`` switch)."""

    enabled = c.Type(bool, default=True)
    lists_dir = c.Type(str, default="lists")
    templates = c.Optional(c.Dir(exists=True))
    # Data errors shown on the pages instead of stopping the build (a local preview, never a
    # release); `qingdan serve --live` turns it on through the environment variable LIVE_ENV.
    live_errors = c.Type(bool, default=False)
    # The build store (store.py): pages, downloads and search parts by input key, so that a
    # rebuild makes only what changed. Default: .qingdan-cache/build beside lists/.
    store = c.Optional(c.Type(str))


class GeneratedPage(Page):
    """A page whose body comes from a template, not from Markdown.

    MkDocs would convert Markdown for every page up front and keep every body
    until the end of the build; these pages skip Markdown (their body is HTML)
    and get their body only while MkDocs writes them (see QingdanPlugin).
    """

    def __init__(self, spec: PageSpec, file: File, config: MkDocsConfig) -> None:
        super().__init__(page_title(spec.title), file, config)
        self.spec = spec
        self.edit_url = None  # the body links to the YAML file it shows

    def reuse(self, spec: PageSpec, build_date: str) -> None:
        """The same page in a server's next build: its spec may differ; what the nav set is set again."""
        if spec.title != self.spec.title:
            self.title = page_title(spec.title)
        self.spec, self.update_date = spec, build_date
        self.parent, self.children, self.previous_page, self.next_page, self.active = None, None, None, None, False
        self.file.__dict__.pop("is_modified", None)  # set again by on_files where it applies

    def read_source(self, config: MkDocsConfig) -> None:
        # As front matter would: Material prints meta.title as is, but pipes
        # page.title through striptags, which would unescape it again.
        self.markdown, self.meta = "", {"title": self.title, "hide": list(HIDE)}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content, self.toc = "", get_toc([])
        self.present_anchor_ids, self.links_to_anchors = set(), {}


def _modified() -> bool:
    return True


def _theme_key(config: MkDocsConfig) -> str:
    """What MkDocs adds around a body: its configuration, MkDocs' and Material's versions, and the
    template folders that are not theirs (ours, the site's custom_dir)."""
    from importlib.metadata import version

    import material
    import mkdocs

    installed = tuple(str(Path(m.__file__).resolve().parent) for m in (mkdocs, material) if m.__file__)
    folders = [Path(d) for d in config.theme.dirs if not str(Path(d).resolve()).startswith(installed)]
    listing = [(str(d), folder_digest(d)) for d in folders if d.is_dir()]
    config_file = Path(config.config_file_path) if config.config_file_path else None
    return input_key(version("mkdocs"), version("mkdocs-material"), json.dumps(listing),
                     config_file.read_bytes() if config_file and config_file.is_file() else b"")


class _Cache:
    """``{% call qingdan_cached(key) %}…{% endcall %}``: the body rendered once per key."""

    def __init__(self) -> None:
        self._done: dict[Any, str] = {}

    def __call__(self, key: Any, caller: Any) -> str:
        if key not in self._done:
            self._done[key] = caller()
        return self._done[key]


class QingdanPlugin(BasePlugin[QingdanConfig]):
    """Adds the pages of lists/ to the site; see the module docstring."""

    def __init__(self) -> None:
        self.lists_dir: Path | None = None
        self.dataset: Dataset | None = None
        self.history: History | None = None
        self.site: Site | None = None
        self.renderer: Renderer | None = None
        self.contributions: Contributions | None = None
        self._written: set[str] = set()
        self._in_nav: set[int] = set()
        self._pages_done = 0
        self.live = False
        self.live_panel: str | None = None
        self.store: Store | None = None
        self.keys: PageKeys | None = None
        self._theme_key = ""
        self._around = ""  # the theme key, with what the theme shows of the data on every page
        self._page_keys: dict[str, str] = {}  # dest_uri -> input key of each generated page of this build
        self._specs: dict[str, PageSpec] = {}
        self._previous: dict[str, str] = {}  # the same of the build before, where its pages are still there
        self._store_dir: Path | None = None
        self._previous_files: list[str] = []  # the contributed files of that build
        self._serving = False  # `mkdocs serve`: this plugin lives from one build to the next
        self._memo: Memo | None = None  # each file's record by its digest, between builds of a server
        self._finishing: threading.Thread | None = None  # a server's build, ending in the background
        self._stopping = False  # that background work is being stopped: its error is expected
        self._interrupted = False  # a server's background work was stopped before it was done
        self._collect_after = False  # the garbage collector is off during this build (a server's rebuild)
        self._built: tuple[str, dict[str, str], list[str]] | None = None  # folder, page keys, files of the last build
        self._start_contributions: Any = None  # starts the background work of this build
        # A server's generated pages by path, with the theme key they were made under: its next build
        # reuses them (making 10,000 File and Page objects again was a second of every edit).
        self._kept_files: tuple[str, dict[str, File]] = ("", {})
        self._earlier_site: Site | None = None  # a server's site of the build before, while the next is planned
        self._sitemap_listing: tuple | None = None  # what the sitemap of a server's last build listed

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this hook keeps one plugin for every build of `mkdocs serve`.
        self._serving = command == "serve"
        self._memo = Memo() if self._serving else None

    def on_shutdown(self) -> None:
        if self._finishing is not None:
            self._finishing.join()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        base_dir = Path(config.config_file_path or ".").resolve().parent
        self.lists_dir = (base_dir / self.config.lists_dir).resolve()
        self._store_dir = (base_dir / self.config.store).resolve() if self.config.store else None
        if not self.lists_dir.is_dir():
            raise PluginError(f"qingdan：找不到清单数据文件夹 {self.lists_dir}（插件选项 lists_dir）")
        if not config.use_directory_urls:
            raise PluginError("qingdan：事项页面使用目录式地址（/items/<编码>/），"
                              "请在 mkdocs.yml 中保留 use_directory_urls: true")
        if {"search", "material/search"} & set(config.plugins):
            log.warning("qingdan：请在 mkdocs.yml 的 plugins 中去掉 search，"
                        "内置搜索的索引对清单数据过大；本站使用 /search/ 页面")
        theme_dir = str(theme_root())
        # After the site's custom_dir (so a site can still override), before Material.
        position = 1 if config.theme.custom_dir else 0
        config.theme.dirs.insert(position, theme_dir)
        # No English credit line in the footer of a Chinese government site
        # (partials/copyright.html leaves it out too, for themes that read this).
        config.extra.setdefault("generator", False)
        config.extra_css.append(SITE_CSS)
        config.extra_javascript.append(SITE_JS)
        self.live = self.config.live_errors or os.environ.get(LIVE_ENV) == "1"
        if self.live:
            # While the data has errors its pages are missing: the nav and links to them are expected.
            config.validation.nav.not_found = logging.DEBUG
            config.validation.links.not_found = logging.DEBUG
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        assert self.lists_dir is not None
        self._stop_finishing()  # the build before may still be making its search index and downloads
        if self._built is not None and gc.isenabled():
            # A server's rebuild: the garbage collector would walk the whole loaded dataset again
            # and again while the pages are planned (a third of an edit's wait); it runs after.
            gc.disable()
            self._collect_after = True
        # `mkdocs serve` keeps the plugin from one build to the next; a pull between two builds may
        # have brought a committed cache, which workspace.cache_dir then refuses.
        recheck()
        self.dataset, self.live_panel, self.contributions = None, None, None
        self._earlier_site, self.site = (self.site if self._serving else None), None
        refused = walk(Path(config.docs_dir)).refused
        if refused:
            # MkDocs itself follows links in docs_dir: a page could publish any file of the machine.
            shown = reporters.escape_data("、".join(f"{relpath}（{what}）" for relpath, what in refused[:10]))
            raise PluginError(f"qingdan：{config.docs_dir} 中有不是普通文件的条目，不能生成网站：{shown}。"
                              "网站的页面只能来自仓库中的普通文件；请删除链接，换成文件本身")
        try:
            # Unchanged files' records come from the validator's cache, and a server keeps them
            # in memory from one build to the next: only changed files are parsed again.
            dataset = load_dataset(self.lists_dir, memo=self._memo, cache_dir=default_cache_dir(self.lists_dir))
        except QingdanError as exc:
            raise PluginError(f"qingdan：{exc}") from None
        self.store = store_for(self.lists_dir, self._store_dir)
        if not dataset.ok and self.live:
            self.live_panel = live_errors(dataset.report.problems)
            self._forget(config)
            log.warning("qingdan：清单数据有 %d 个错误，网站页面上显示了每个错误的文件、行号和改法；"
                        "改正并保存后页面自动刷新", len(dataset.report.errors))
            return
        if not dataset.ok:
            # The validator's own report: every problem, most useful first.
            problems = reporters.text(dataset.report, show_all=True, for_log=True)
            raise PluginError(f"qingdan：清单数据有错误，不能生成网站。\n{problems}")
        if dataset.report.warnings:
            log.info("qingdan：清单数据有 %d 个警告（qingdan validate 可查看）", len(dataset.report.warnings))
        self.dataset = dataset
        log.info("qingdan：已读取并校验 %d 个数据文件（%d 个部门，%d 个权力事项）",
                 dataset.report.files, len(dataset.departments), len(dataset.powers))
        self.history = history_for(self.lists_dir)
        # lists/site.yml names the site, not mkdocs.yml. The model admits no character
        # HTML treats specially, so the theme's mix of escaped and raw uses is safe.
        config.site_name = dataset.site.name

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.dataset is None:
            return None
        # The site folder was cleaned just before this event: from here the
        # search index and downloads can be written into it, in the background.
        # Pages link the downloads and feeds before they are made: nothing waits for the background.
        linked = linked_paths(self.dataset, self.history)
        self.site = plan_site(self.dataset, self.history, contributed=lambda: linked, earlier=self._earlier_site)
        self._earlier_site = None
        # The feeds link only pages that exist, so the pages are planned (not rendered) first.
        self._start_contributions = functools.partial(Contributions, self.dataset, Path(config.site_dir),
                                                      self.history, frozenset(self.site.pages), self.store)
        if not (self._serving and self._built is not None):
            self.contributions = self._start_contributions()
        # else: a server's rebuild writes its few pages first, with the machine to itself,
        # and makes the search index and downloads once the browser is reloaded (_post_build).
        templates = Path(self.config.templates) if self.config.templates else None
        self.renderer = Renderer(self.site, templates)
        # A server keeps its keys from one build to the next; a one-off build keeps none.
        earlier = ((self.keys.made if self.keys is not None else None) or {}) if self._serving else None
        self.keys = PageKeys(self.site.pages, self.site.lookup, self.history, lambda: linked, templates, self.store,
                             earlier)
        self.renderer.keep_fragments(self.store, self.keys)
        self._theme_key = _theme_key(config)
        # What MkDocs adds around a body: the theme and configuration; 数据更新至, printed in every
        # page's footer; whether there is a feed to link; the pages MkDocs knows of.
        footer = repr((self.renderer.as_of, self.history is not None))
        self._around = input_key(self._theme_key, footer, self.keys.page_set)
        self._previous = self._previous_keys(config)
        self._page_keys, self._specs = {}, {}
        taken = [path for path in (*self.site.pages, *self.site.assets) if path in files.src_uris]
        if taken:
            raise PluginError(f"qingdan：{config.docs_dir} 中的文件与生成的页面同名，"
                              f"请改名或删除：{reporters.escape_data('、'.join(taken[:10]))}")
        kept_key, kept = self._kept_files
        if kept_key != self._theme_key + config.site_dir:
            kept = {}
        made: dict[str, File] = {}
        build_date = get_build_date()
        for path, spec in self.site.pages.items():
            file = made[path] = self._generated_file(config, path, spec, kept.get(path), build_date)
            self._specs[file.dest_uri] = spec
            if file.dest_uri in self._previous:
                # Asked by a --dirty build only (_is_modified).
                file.is_modified = functools.partial(self._is_modified, file.dest_uri)  # type: ignore[method-assign]
            files.append(file)
        if self._serving:
            self._kept_files = (self._theme_key + config.site_dir, made)
            self._keep_sitemap(files, config)
        for file in files:
            if file.is_documentation_page() and file.generated_by is None:
                # Hand-written pages are few and give the nav its titles: a --dirty build that skipped
                # them would show "None" in every page's nav. They are always read and written.
                file.is_modified = _modified  # type: ignore[method-assign]
        for path, content in self.site.assets.items():
            files.append(File.generated(config, path, content=content))
        self._written = {file.dest_uri for file in files}
        self._pages_done = 0
        log.info("qingdan：将生成 %d 个页面；搜索索引和下载文件%s在后台生成", len(self.site.pages),
                 "同时" if self.contributions is not None else "在页面写出后")
        return files

    def _keep_sitemap(self, files: Files, config: MkDocsConfig) -> None:
        """A server's rebuild leaves sitemap.xml as it is when what it lists is unchanged: the same pages
        in the same order, the same date and address (rendering it walks every page)."""
        listing = (get_build_date(), config.site_url, config.theme.dirs,
                   [file.src_uri for file in files if file.is_documentation_page()])
        if listing == self._sitemap_listing and (Path(config.site_dir) / SITEMAP).is_file():
            config.theme.static_templates.discard(SITEMAP)
        self._sitemap_listing = listing

    @staticmethod
    def _generated_file(config: MkDocsConfig, path: str, spec: PageSpec, kept: File | None, build_date: str) -> File:
        """The File of the generated page at ``path``, with its page: ``kept`` from a server's build
        before if there is one (same theme, configuration and folder)."""
        if kept is not None and isinstance(kept.page, GeneratedPage):
            kept.page.reuse(spec, build_date)
            return kept
        # Not in the nav unless mkdocs.yml names it: MkDocs renders the whole
        # nav into every page, so 100,000 items there would be quadratic.
        file = File.generated(config, path, content="", inclusion=InclusionLevel.NOT_IN_NAV)
        GeneratedPage(spec, file, config)
        return file

    def _key(self, dest: str) -> str:
        """The input key of the generated page written to ``dest``, with what MkDocs adds around it."""
        key = self._page_keys.get(dest)
        if key is None:
            assert self.keys is not None
            key = self._page_keys[dest] = self.keys.of(self._specs[dest], "mkdocs", self._around)
        return key

    def _is_modified(self, dest: str) -> bool:
        """Whether a --dirty build must read and write the page at ``dest`` again: its key changed.

        MkDocs asks before reading the pages and again before writing them; a page it
        skips is neither read nor written (ours have nothing to read: their titles are set).
        """
        return self._previous.get(dest) != self._key(dest)

    def _record(self, site_dir: str) -> Path | None:
        """Where the input keys of the pages in ``site_dir`` are kept: in the store, not on the site."""
        if self.store is None or self.store.folder is None:
            return None
        return self.store.folder / "mkdocs" / f"{digest_of(str(Path(site_dir).resolve()))[:32]}.json"

    def _forget(self, config: MkDocsConfig) -> None:
        """Empty the site folder and forget its pages: while the data has errors no data page can be
        made, and every page must carry the errors (even in a --dirty build of `qingdan serve --live`)."""
        record = self._record(config.site_dir)
        if record is not None:
            record.unlink(missing_ok=True)
        self._built = None
        site_dir = Path(config.site_dir)
        if site_dir.is_dir():
            for entry in site_dir.iterdir():
                remove(entry)

    def _previous_keys(self, config: MkDocsConfig) -> dict[str, str]:
        """The keys of the previous build's pages that are still in the site folder (none after a clean)."""
        if self._serving and self._built is not None and self._built[0] == config.site_dir:
            # A server's own folder, built by this plugin a moment ago: no need to read it back.
            _site_dir, pages, self._previous_files = self._built
            return pages
        record = self._record(config.site_dir)
        self._previous_files = []
        try:
            previous = json.loads(record.read_text(encoding="utf-8")) if record is not None else {}
        except (OSError, ValueError):
            return {}
        pages, files = (previous.get("pages"), previous.get("files")) if isinstance(previous, dict) else (None, None)
        if not isinstance(pages, dict) or not isinstance(files, list):
            return {}
        site_dir = Path(config.site_dir)
        kept = {dest: key for dest, key in pages.items()
                if isinstance(dest, str) and isinstance(key, str) and (site_dir / dest).is_file()}
        if kept:  # the earlier build is still in the folder (a --dirty build): its other files too
            self._previous_files = [f for f in files if isinstance(f, str)]
        return kept

    def _contributed_paths(self) -> list[str]:
        assert self.contributions is not None
        try:
            return self.contributions.paths()
        except QingdanError as exc:
            raise PluginError(f"qingdan：{exc}") from None

    def on_nav(self, nav: Any, config: MkDocsConfig, files: Files) -> Any:
        self._in_nav = {id(page) for page in nav.pages}
        return nav

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        if env.bytecode_cache is None:
            env.bytecode_cache = COMPILED  # the theme's templates, compiled once per server, not per build
        if self.live_panel is not None:
            env.globals["qingdan_live_errors"] = Markup(self.live_panel)  # rendered by render.live, escaped
        if self.config.enabled and self.dataset is not None:
            env.globals["qingdan_sample"] = self.dataset.site.sample
            env.globals["qingdan_cached"] = _Cache()
            env.globals["qingdan_as_of"] = self.renderer.as_of if self.renderer else None
            env.globals["qingdan_feed"] = FEED if feed_base(self.dataset, self.history) else None
        return env

    def on_page_context(self, context: dict, page: Page, config: MkDocsConfig, nav: Any) -> dict | None:
        if isinstance(page, GeneratedPage) and self.renderer is not None:
            assert self.store is not None and self.keys is not None
            renderer, spec = self.renderer, page.spec
            page.content = renderer.tracer.made(self.store, self.keys.of(spec, "html"),
                                                lambda: renderer.html(spec))[0].decode("utf-8")
            if id(page) not in self._in_nav:
                # Nothing in the nav is active on a page outside it, and the page
                # has no table of contents: its sidebars are those of every such
                # page in the same folder (links are relative to the folder). The
                # theme (templates/theme/main.html) renders them once per folder.
                # The folder and the depth: "consistency/" is one level below "" (the home page), though
                # both are in the site's root folder, and its links to the rest of the site differ.
                url = page.url.rstrip("/")
                context["qingdan_nav_key"] = (posixpath.dirname(url), url.count("/") + bool(url))
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str | None:
        if isinstance(page, GeneratedPage):
            page.content = None  # written; drop the body
            self._pages_done += 1
            if self._pages_done % PROGRESS_EVERY == 0 and self.site is not None:
                log.info("qingdan：已生成 %d / %d 个页面", self._pages_done, len(self.site.pages))
        return output

    def on_post_build(self, config: MkDocsConfig) -> None:
        try:
            self._post_build(config)
        finally:
            self._enable_gc()

    def _enable_gc(self) -> None:
        if self._collect_after:
            gc.enable()
            self._collect_after = False

    def _post_build(self, config: MkDocsConfig) -> None:
        if self.site is None:
            return  # no data pages in this build (the data has errors)
        if self.contributions is None:
            self.contributions = self._start_contributions()
        site_dir = Path(config.site_dir)
        keys = {dest: self._key(dest) for dest in self._specs}
        # A page of the build before that this one does not make (an item removed): not left behind.
        _remove_stale(site_dir, set(self._previous) - set(keys))
        if not self._serving:
            self._finish(config, keys)
            return
        # The pages are written: the server reloads the browser now, while the search index and
        # downloads are still being made. An edit before they are done stops them (on_pre_build).
        self._built = (config.site_dir, keys, self._previous_files)
        self._finishing = threading.Thread(target=self._finish_quietly, args=(config, keys), name="qingdan-finish")
        self._finishing.start()

    def _stop_finishing(self) -> None:
        """Stop the background work of a server's build before (its files are made again now)."""
        if self._finishing is None:
            return
        if self._finishing.is_alive():
            self._stopping = True
            if self.contributions is not None:
                self.contributions.cancel()
            self._interrupted = True  # what the stopped child wrote is not known: swept when the next one is done
        self._finishing.join()
        self._finishing, self._stopping = None, False

    def _finish_quietly(self, config: MkDocsConfig, keys: dict[str, str]) -> None:
        try:
            self._finish(config, keys)
        except PluginError as exc:
            if not self._stopping:
                log.error("%s", exc)

    def _finish(self, config: MkDocsConfig, keys: dict[str, str]) -> None:
        """Wait for the search index and downloads, remove the files the build before made and this
        one did not, and record the keys of this build's pages for the next --dirty build."""
        paths = self._contributed_paths()  # waits for the background work, raises its error
        log.info("qingdan：搜索索引和下载文件已写出（%d 个文件）", len(paths))
        clash = sorted(set(paths) & self._written)
        if clash:
            raise PluginError(f"qingdan：搜索索引或下载文件与站点中的文件同名：{'、'.join(clash[:10])}")
        # A search-index file replaced, a department's downloads gone: not left behind either.
        site_dir = Path(config.site_dir)
        stale = set(self._previous_files) - set(paths)
        if self._interrupted:
            made = set(paths) | self._written  # the site's own files in those folders stay
            stale |= {path for path in _files_under(site_dir, CONTRIBUTED) if path not in made}
            self._interrupted = False
        _remove_stale(site_dir, stale)
        record = self._record(config.site_dir)
        if record is not None:
            record.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(record, json.dumps({"pages": keys, "files": sorted(paths)}, ensure_ascii=False))
        self._built = (config.site_dir, keys, sorted(paths))

    def on_build_error(self, error: Exception) -> None:
        self._enable_gc()
        self._sitemap_listing = None  # the sitemap of this build may not have been written
        if self.contributions is not None:
            self.contributions.cancel()

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        if self.config.enabled and self.lists_dir is not None:
            # MkDocs' server looks for changes every half second. lists/ is a few hundred files at
            # most: looked at every tenth of a second (watchdog gives each watch the observer's
            # timeout when it is scheduled), an edit is seen a quarter of a second sooner.
            observer = getattr(server, "observer", None)
            polling = getattr(observer, "_timeout", None)
            if isinstance(polling, (int, float)):
                observer._timeout = LISTS_POLL_S
            try:
                server.watch(str(self.lists_dir))
            finally:
                if isinstance(polling, (int, float)):
                    observer._timeout = polling
        return server


def _remove_stale(site_dir: Path, paths: set[str]) -> None:
    """Remove files a build before made under ``site_dir``, and the folders they leave empty."""
    for dest in sorted(paths):
        stale = target_of(site_dir, dest)
        stale.unlink(missing_ok=True)
        for folder in stale.parents:
            if folder == site_dir or any(folder.iterdir()):
                break
            folder.rmdir()


def _files_under(site_dir: Path, folders: tuple[str, ...]) -> list[str]:
    """The paths (relative to ``site_dir``) of the files in its ``folders``."""
    found = []
    for folder in folders:
        found += [f"{folder}/{relpath}" for relpath in walk(site_dir / folder).files]
    return found
