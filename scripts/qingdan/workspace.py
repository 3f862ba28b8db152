"""Where things are in a checkout: the lists folder, and one rule for every stage's cache folder.

Each stage caches in its own folder: ``$QINGDAN_CACHE_DIR/<stage>`` when that
variable is set (CI, benchmarks, read-only checkouts), else
``.qingdan-cache/<stage>`` at the top of the checkout, the folder that holds
lists/ (and that .gitignore leaves out).
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from .errors import QingdanError

CACHE_FOLDER = ".qingdan-cache"
LISTS_FOLDER = "lists"  # where the data lives in a repository (the pull-request check, the release manifest)


def cache_dir(root: Path, stage: str) -> Path:
    """The cache folder of ``stage`` ("validate", "fmt", "history", …) for the checkout at ``root``.

    A cache is what this machine worked out, read back as such (a file's findings, the history
    and approvals of every commit, the pages): one that came with the checkout is refused.
    """
    env = os.environ.get("QINGDAN_CACHE_DIR")
    if env:
        return Path(env) / stage
    root = Path(root).resolve()
    if _committed(root):
        raise QingdanError(
            f"仓库中提交了 {CACHE_FOLDER}/ 下的文件：缓存只能由本机算出，随仓库来的缓存会被当作校验结果、修改历史和审核记录"
            f"读取，不可信，不会使用。请用 git rm -r --cached {CACHE_FOLDER} 把它们移出仓库（.gitignore 已忽略这个文件夹），"
            "或设置环境变量 QINGDAN_CACHE_DIR 指向仓库之外的文件夹")
    return root / CACHE_FOLDER / stage


def recheck() -> None:
    """Ask git again at the next use: a process that builds again and again (``render --watch``, a
    preview server) calls this before each build, as a pull may have brought a committed cache."""
    _committed.cache_clear()


@functools.lru_cache(maxsize=16)
def _committed(root: Path) -> bool:
    """True when git tracks a file under ``root/.qingdan-cache`` (anyone who can push could have put it there)."""
    try:
        found = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", CACHE_FOLDER],
                               capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False  # no git, or not a repository: nothing came with a checkout
    return found.returncode == 0 and bool(found.stdout)


def lists_cache_dir(lists_dir: Path, stage: str) -> Path:
    """The cache folder of ``stage`` for the checkout whose lists/ folder is ``lists_dir``."""
    return cache_dir(Path(lists_dir).resolve().parent, stage)
