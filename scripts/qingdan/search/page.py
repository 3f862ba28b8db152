"""The assets the /search/ page loads (its body is the template search/page.html, rendered with the site's pages)."""

from __future__ import annotations

from importlib import resources

from ..kinds import ASSET_DIR

ASSETS = ("search.js", "search.css")


def asset_files() -> dict[str, bytes]:
    """The script and style sheet, by path relative to the site root."""
    folder = resources.files("qingdan") / "assets" / "search"
    return {f"{ASSET_DIR}/{name}": (folder / name).read_bytes() for name in ASSETS}
