"""Where things are in a checkout: the lists folder, and one rule for every stage's cache folder.

Each stage caches in its own folder: ``$QINGDAN_CACHE_DIR/<stage>`` when that
variable is set (CI, benchmarks, read-only checkouts), else
``.qingdan-cache/<stage>`` at the top of the checkout, the folder that holds
lists/ (and that .gitignore leaves out).
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_FOLDER = ".qingdan-cache"
LISTS_FOLDER = "lists"  # where the data lives in a repository (the pull-request check, the release manifest)


def cache_dir(root: Path, stage: str) -> Path:
    """The cache folder of ``stage`` ("validate", "fmt", "history", …) for the checkout at ``root``."""
    env = os.environ.get("QINGDAN_CACHE_DIR")
    return Path(env) / stage if env else Path(root).resolve() / CACHE_FOLDER / stage


def lists_cache_dir(lists_dir: Path, stage: str) -> Path:
    """The cache folder of ``stage`` for the checkout whose lists/ folder is ``lists_dir``."""
    return cache_dir(Path(lists_dir).resolve().parent, stage)
