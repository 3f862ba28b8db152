"""The /search/ page body and the assets it loads."""

from __future__ import annotations

from importlib import resources

import jinja2

ASSET_DIR = "assets/qingdan"  # where the site serves search.js and search.css
ASSETS = ("search.js", "search.css")

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("qingdan", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
)


def page_html(root: str = "../") -> str:
    """The HTML body of the search page; ``root`` leads from that page to the site root.

    The default fits a page at ``search/`` (MkDocs directory URLs). The script
    finds the index from its own address, so the site may live under a sub-path.
    """
    return _env.get_template("search/page.html").render(root=root)


def asset_files() -> dict[str, bytes]:
    """The script and style sheet, by path relative to the site root."""
    folder = resources.files("qingdan") / "assets" / "search"
    return {f"{ASSET_DIR}/{name}": (folder / name).read_bytes() for name in ASSETS}
