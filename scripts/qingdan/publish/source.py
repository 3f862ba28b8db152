"""A published site to read from: a folder on disk or a mirror on the web.

Both answer the same two questions: the bytes of a file (None when it is not
there) and, for a folder, the list of its files. Verification and the manifest
chain read through this one door, so a mirror is checked exactly like a folder.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import QingdanError
from ..files import FileTooLarge, NotRegularFile, read_regular, walk

# A site file larger than this is not something qingdan publishes: stop reading.
MAX_FILE_BYTES = 512 * 1024 * 1024
TIMEOUT_SECONDS = 30


def safe_relpath(relpath: str) -> str:
    """``relpath`` if it stays inside the site; a QingdanError for ../, absolute paths and the like."""
    path = PurePosixPath(relpath)
    if not relpath or path.is_absolute() or ".." in path.parts or "\\" in relpath or "\0" in relpath:
        raise QingdanError(f"清单文件中的路径 {relpath!r} 不安全（指向网站目录之外）")
    return path.as_posix()


@dataclass
class FolderSite:
    """A built or installed site on disk."""

    root: Path

    @property
    def label(self) -> str:
        return str(self.root)

    def read(self, relpath: str) -> bytes | None:
        """The bytes of a regular file of the site; None when it is not there; a link is an error."""
        path = self.root / safe_relpath(relpath)
        try:
            return read_regular(path, root=self.root, limit=MAX_FILE_BYTES)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except NotRegularFile as exc:
            raise _link_error(self.root, Path(exc.path).relative_to(self.root).as_posix(), exc.what) from None
        except FileTooLarge:
            raise QingdanError(f"{path} 超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，不像是网站文件") from None
        except OSError as exc:
            raise QingdanError(f"无法读取 {path}：{exc.strerror}") from None

    def files(self) -> list[str] | None:
        """Every file below the root, as POSIX paths relative to it; a link anywhere is an error."""
        tree = walk(self.root)
        if tree.refused:
            raise _link_error(self.root, *tree.refused[0], more=len(tree.refused) - 1)
        return tree.files


def _link_error(root: Path, relpath: str, what: str, more: int = 0) -> QingdanError:
    """Why a site folder with a link in it is neither hashed, verified nor published."""
    others = f"（另有 {more} 处）" if more else ""
    return QingdanError(f"网站目录 {root} 中的 {relpath} 是{what}{others}：网站只能包含普通文件，"
                        "链接可能指向网站之外的文件，不会被读取、记入发布清单或发布。请删除链接，换成文件本身后重新构建")


@dataclass
class WebSite:
    """A mirror reached over HTTP(S): only the files the manifest names can be read.

    Every URL carries a query unique to this reader: a CDN in front of the site
    (GitHub Pages caches for minutes) must not answer with an older manifest,
    or a new publication would chain to the wrong one.
    """

    base: str
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def label(self) -> str:
        return self.base

    def read(self, relpath: str) -> bytes | None:
        url = urllib.parse.urljoin(self.base, urllib.parse.quote(safe_relpath(relpath))) + f"?fresh={self.nonce}"
        request = urllib.request.Request(url, headers={"User-Agent": "qingdan-verify"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
                data = response.read(MAX_FILE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            raise QingdanError(f"读取 {url} 失败：HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise QingdanError(f"无法连接 {url}：{reason}") from None
        if len(data) > MAX_FILE_BYTES:
            raise QingdanError(f"{url} 超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，不像是网站文件")
        return data

    def files(self) -> list[str] | None:
        return None  # a web server does not list its files


Site = FolderSite | WebSite


def open_site(location: str | Path) -> Site:
    """A FolderSite for a path, a WebSite for an http(s) URL."""
    text = str(location)
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        return WebSite(text.rstrip("/") + "/")
    if scheme and len(scheme) > 1:
        raise QingdanError(f"只支持本地目录或 http(s) 地址，不支持 {scheme}:")
    path = Path(text)
    if not path.is_dir():
        raise QingdanError(f"{path} 不是目录；请给出构建好的网站目录（如 site/）或镜像网址")
    return FolderSite(path)
