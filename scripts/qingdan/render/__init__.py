"""Render stage: the public site as a plain function of the data.

    plan_site(dataset, history) -> Site (pages planned, files gathered)
    Renderer(site).markdown(page) -> one page as Markdown with an HTML body
    write_site(site, out_dir) -> every page and file on disk (qingdan render)

Nothing here imports MkDocs: the plugin (qingdan.mkdocs_plugin) only adapts.
"""

from .history import Entry, History
from .pages import PageSpec
from .site import Renderer, Site, iter_files, plan_site, write_site

__all__ = ["Entry", "History", "PageSpec", "Renderer", "Site", "iter_files", "plan_site", "write_site"]
