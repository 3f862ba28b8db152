"""The release manifest: what one publication contains, chained to the one before.

``manifest.json`` at the site root records the source commit, the build time,
the SHA-256 of every data file (as committed under lists/), of every download
and of every other site file, and the SHA-256 of the previous publication's
manifest. Earlier manifests travel with the site under ``manifests/<sha256>.json``
(content-addressed, so a link is checked by hashing the file it names), which
lets anyone walk the chain back to the first publication from any copy.
Optionally ``manifest.json.sig`` holds an ``ssh-keygen -Y sign`` signature.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import QingdanError
from ..files import is_sha256, sha256_file
from ..workspace import LISTS_FOLDER
from . import git
from .source import FolderSite, Site, open_site, safe_relpath

FORMAT = "qingdan-manifest/1"
MANIFEST = "manifest.json"
SIGNATURE = MANIFEST + ".sig"
ARCHIVE = "manifests"
NAMESPACE = "qingdan-manifest"  # ssh-keygen -Y namespace: a signature made for anything else is refused
DATA_FOLDER = LISTS_FOLDER
DOWNLOADS = "downloads/"
def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def archive_path(digest: str) -> str:
    """Where a site keeps an earlier manifest whose SHA-256 is ``digest``."""
    return f"{ARCHIVE}/{digest}.json"


def is_chain_file(relpath: str) -> bool:
    """True for the manifest, its signature and the archive of earlier manifests."""
    return relpath in (MANIFEST, SIGNATURE) or relpath.startswith(ARCHIVE + "/")


def serialize(manifest: dict[str, Any]) -> bytes:
    """The exact bytes published: sorted keys, UTF-8, one final newline."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def parse(raw: bytes, label: str) -> dict[str, Any]:
    """A manifest read from ``raw``; a QingdanError naming ``label`` when it is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise QingdanError(f"{label} 不是有效的 JSON：{exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise QingdanError(f"{label} 不是 qingdan 发布清单（format 应为 {FORMAT}）")
    for key in ("data", "downloads", "files"):
        table = data.get(key)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise QingdanError(f"{label} 缺少 {key} 哈希表或格式不对")
        for relpath in table:
            safe_relpath(relpath)
    source = data.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("commit"), str):
        raise QingdanError(f"{label} 缺少 source.commit（源提交）")
    previous = data.get("previous")
    if previous is not None and not (isinstance(previous, dict) and is_sha256(previous.get("sha256"))):
        raise QingdanError(f"{label} 的 previous 应为 null 或带有 sha256 的对象")
    if not isinstance(data.get("sequence"), int) or data["sequence"] < 1:
        raise QingdanError(f"{label} 的 sequence（发布序号）应为正整数")
    return data


@dataclass
class Link:
    """One manifest of a chain, as published: its bytes, digest and signature."""

    relpath: str
    raw: bytes
    manifest: dict[str, Any]
    signature: bytes | None

    @property
    def digest(self) -> str:
        return sha256(self.raw)


@dataclass
class ChainBreak:
    """Why a chain could not be followed further, said for people."""

    relpath: str
    message: str


def walk_chain(site: Site) -> Iterator[Link | ChainBreak]:
    """The site's manifest, then each earlier one it links to, newest first.

    Stops at the first publication (previous is null) or at a ChainBreak.
    """
    relpath = MANIFEST
    raw = site.read(relpath)
    if raw is None:
        yield ChainBreak(relpath, f"{site.label} 中没有 {MANIFEST}")
        return
    expected: str | None = None
    seen: set[str] = set()
    while True:
        if expected is not None and sha256(raw) != expected:
            yield ChainBreak(relpath, f"{relpath} 的 SHA-256 与后一次发布记录的不一致，发布链被篡改或损坏")
            return
        try:
            manifest = parse(raw, relpath)
        except QingdanError as exc:
            yield ChainBreak(relpath, str(exc))
            return
        yield Link(relpath, raw, manifest, site.read(relpath + ".sig"))
        previous = manifest["previous"]
        if previous is None:
            return
        expected = previous["sha256"]
        if expected in seen:
            yield ChainBreak(relpath, f"{relpath} 的发布链出现循环")
            return
        seen.add(expected)
        relpath = archive_path(expected)
        raw = site.read(relpath)
        if raw is None:
            yield ChainBreak(relpath, f"缺少第 {previous.get('sequence', '?')} 次发布的清单 {relpath}，发布链断开")
            return


def load_chain(location: str | Path) -> list[Link]:
    """The whole chain published at ``location``, newest first; [] when nothing is published there.

    A broken chain is a QingdanError: a new publication must never extend it.
    """
    site = open_site(location)
    if site.read(MANIFEST) is None:
        return []
    links: list[Link] = []
    for step in walk_chain(site):
        if isinstance(step, ChainBreak):
            raise QingdanError(f"上一次发布（{site.label}）的发布链有问题：{step.message}。"
                               "请先用 qingdan verify 查明原因，不能在损坏的链上继续发布")
        links.append(step)
    return links


def site_hashes(site_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """SHA-256 of every site file: (downloads/…, everything else), the chain files left out."""
    downloads: dict[str, str] = {}
    files: dict[str, str] = {}
    for relpath in FolderSite(site_dir).files() or []:
        if is_chain_file(relpath):
            continue
        table = downloads if relpath.startswith(DOWNLOADS) else files
        table[relpath] = sha256_file(site_dir / relpath)
    return downloads, files


def data_hashes(repo: Path, commit: str) -> dict[str, str]:
    """SHA-256 of every file under lists/ as committed at ``commit``."""
    return {path: sha256(raw) for path, raw in git.read_tree(repo, commit, DATA_FOLDER).items()}


@dataclass
class Created:
    """What ``create`` wrote, for the command to report."""

    path: Path
    manifest: dict[str, Any]
    signed: bool
    chain: list[Link] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def create(
    site_dir: Path,
    repo: Path,
    *,
    previous: str | Path | None = None,
    require_previous: bool = False,
    sign_key: Path | None = None,
    commit: str = "HEAD",
    built_at: dt.datetime | None = None,
    allow_dirty: bool = False,
) -> Created:
    """Write ``manifest.json`` (and the archive of earlier manifests) into a built site.

    ``previous`` is where the last publication can be read (a folder such as
    the installed ``current`` release, or the public URL); nothing published
    there yet starts a new chain, unless ``require_previous``.
    """
    if not site_dir.is_dir():
        raise QingdanError(f"{site_dir} 不是目录；请先构建网站（mkdocs build）")
    repo = git.toplevel(repo)
    source_commit = git.commit(repo, commit)
    changes = [] if allow_dirty else git.dirty(repo, DATA_FOLDER)
    if changes:
        raise QingdanError(f"{DATA_FOLDER}/ 有未提交的修改（{'、'.join(changes[:5])}）；"
                           "发布的数据必须是已提交、经过审查的版本。请先提交或撤销这些修改")
    created = Created(site_dir / MANIFEST, {}, signed=False)
    created.chain = load_chain(previous) if previous is not None else []
    if previous is not None and not created.chain:
        if require_previous:
            raise QingdanError(f"在 {previous} 没有找到上一次发布的 {MANIFEST}")
        created.notes.append(f"在 {previous} 没有找到上一次发布的 {MANIFEST}，本次作为第一次发布，开始新的发布链")
    _write_archive(site_dir, created.chain)
    downloads, files = site_hashes(site_dir)
    last = created.chain[0] if created.chain else None
    created.manifest = {
        "format": FORMAT,
        "generator": f"qingdan {__version__}",
        "sequence": last.manifest["sequence"] + 1 if last else 1,
        "source": {"commit": source_commit},
        "built_at": _utc(built_at or dt.datetime.now(dt.timezone.utc)),
        "previous": {"sequence": last.manifest["sequence"], "sha256": last.digest} if last else None,
        "data": data_hashes(repo, source_commit),
        "downloads": downloads,
        "files": files,
    }
    created.path.write_bytes(serialize(created.manifest))
    stale_signature = site_dir / SIGNATURE
    stale_signature.unlink(missing_ok=True)  # a signature of an older manifest.json would mislead
    if sign_key is not None:
        sign(created.path, sign_key)
        created.signed = True
    return created


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_archive(site_dir: Path, chain: list[Link]) -> None:
    # Start clean: a manifest left from an earlier run here would look like tampering.
    archive = site_dir / ARCHIVE
    shutil.rmtree(archive, ignore_errors=True)
    if chain:
        archive.mkdir()
    for link in chain:
        target = site_dir / archive_path(link.digest)
        target.write_bytes(link.raw)
        if link.signature is not None:
            target.with_name(target.name + ".sig").write_bytes(link.signature)


def sign(manifest_path: Path, key: Path) -> Path:
    """Sign ``manifest_path`` with an SSH private key; the signature goes beside it as .sig."""
    if not key.is_file():
        raise QingdanError(f"找不到签名私钥 {key}")
    signature = manifest_path.with_name(manifest_path.name + ".sig")
    signature.unlink(missing_ok=True)  # ssh-keygen refuses to overwrite
    try:
        done = subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE, str(manifest_path)],
                              stdin=subprocess.DEVNULL, capture_output=True, check=False)
    except FileNotFoundError:
        raise QingdanError("找不到 ssh-keygen；请安装 OpenSSH 客户端（openssh-client）") from None
    if done.returncode != 0 or not signature.is_file():
        detail = done.stderr.decode("utf-8", errors="replace").strip()
        raise QingdanError(f"用 {key} 签名失败：{detail}（私钥不能设口令，或口令须由 ssh-agent 提供）")
    return signature


@contextmanager
def private_key_file(text: str) -> Iterator[Path]:
    """``text`` (a private key, e.g. from a CI secret) in a file only this user can read, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="qingdan-key-") as folder:  # created 0700
        path = Path(folder) / "signing-key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text.strip() + "\n")
        yield path
