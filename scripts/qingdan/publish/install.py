"""Install a built site into a folder a web server serves, switching versions atomically.

    DIR/releases/<time>-<seq>-<commit>/   one complete copy per publication
    DIR/current -> releases/<…>           the web server's document root

A release is copied under a hidden name and renamed when complete, so no
served path ever points into a half-copied tree. The switch is one rename(2)
of a new symlink over ``current``: every request resolves either the old
release or the new one, never a mixture and never nothing. Old releases stay
for ``--rollback`` until more than ``keep`` exist.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QingdanError
from .manifest import MANIFEST, SIGNATURE, parse, sha256
from .verify import verify

RELEASES = "releases"
CURRENT = "current"
LOCK = ".publish.lock"
PARTIAL = ".partial-"
DEFAULT_KEEP = 5


@dataclass
class Switch:
    """What one install or rollback did; ``window`` brackets the rename in time.monotonic()."""

    release: Path
    previous: Path | None
    window: tuple[float, float]
    pruned: list[Path] = field(default_factory=list)


def publish(site_dir: Path, root: Path, *, keep: int = DEFAULT_KEEP, new_chain: bool = False,
            now: dt.datetime | None = None, allowed_signers: Path | None = None) -> Switch:
    """Copy ``site_dir`` into ``root/releases`` and make it the served version.

    The site must carry a manifest that matches its files and continues the
    chain of the version served now (``new_chain`` allows a fresh chain).
    When signing is configured (``allowed_signers`` given, or the version
    served now is signed) its manifest must carry a valid signature.
    """
    if keep < 2:
        raise QingdanError("--keep 至少为 2：当前版本和可以回退的上一个版本")
    if not (site_dir / MANIFEST).is_file():
        raise QingdanError(f"{site_dir} 中没有 {MANIFEST}；"
                           f"请先运行 qingdan manifest {site_dir} --previous <当前发布目录>/current")
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        _clear_partials(root)
        previous = current_release(root)
        manifest = checked(site_dir, allowed_signers, signed_before=_signed(previous), what="发布")
        if previous is not None and not new_chain:
            _check_continues(manifest, previous)
        release = stage(site_dir, root, release_name(manifest, now))
        window = switch(root, release)
        pruned = prune(root, keep)
    return Switch(release, previous, window, pruned)


def checked(site: Path, allowed_signers: Path | None, signed_before: bool, what: str) -> dict:
    """The manifest of ``site`` once it matches its files, its chain and, if signing is configured, its signature."""
    if signed_before and allowed_signers is None:
        raise QingdanError(f"正在提供的版本有签名，{what}的版本也必须有有效签名；"
                           "请用 --allowed-signers 指定受信任签名者名单（如 .qingdan/allowed_signers）")
    result = verify(site, allowed_signers=allowed_signers, require_signature=allowed_signers is not None)
    if not result.ok:
        shown = "；".join(f.message for f in result.findings[:5])
        more = f"（另有 {len(result.findings) - 5} 处）" if len(result.findings) > 5 else ""
        raise QingdanError(f"{site} 与它的发布清单不一致，不能{what}：{shown}{more}")
    assert result.manifest is not None
    return result.manifest


def _signed(release: Path | None) -> bool:
    return release is not None and (release / SIGNATURE).is_file()


def _check_continues(manifest: dict, served: Path) -> None:
    served_raw = (served / MANIFEST).read_bytes() if (served / MANIFEST).is_file() else None
    if served_raw is None:
        return  # what is served now was not published by qingdan: nothing to chain to
    previous = manifest.get("previous") or {}
    if previous.get("sha256") != sha256(served_raw):
        served_seq = parse(served_raw, str(served / MANIFEST))["sequence"]
        raise QingdanError(
            f"要发布的网站（第 {manifest['sequence']} 次）没有接续正在提供的版本（第 {served_seq} 次）。"
            f"请用 qingdan manifest <网站目录> --previous {served.parent.parent / CURRENT} 重新生成发布清单；"
            "确需开始新的发布链时加 --new-chain")


def release_name(manifest: dict, now: dt.datetime | None = None) -> str:
    """A sortable, readable folder name: UTC time, sequence and commit."""
    moment = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return f"{moment:%Y%m%dT%H%M%S%fZ}-{manifest['sequence']:06d}-{manifest['source']['commit'][:12]}"


def stage(site_dir: Path, root: Path, name: str) -> Path:
    """Copy the site to ``root/releases/name``; the name appears only once the copy is complete."""
    releases = root / RELEASES
    releases.mkdir(exist_ok=True)
    final = releases / name
    if final.exists():
        raise QingdanError(f"{final} 已经存在")
    partial = releases / f"{PARTIAL}{name}"
    shutil.copytree(site_dir, partial, symlinks=False)
    _make_readable(partial)
    os.rename(partial, final)
    _fsync_dir(releases)
    return final


def _make_readable(tree: Path) -> None:
    # The web server runs as another user: a restrictive umask here must not hide the site.
    for folder, _dirs, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


def switch(root: Path, release: Path) -> tuple[float, float]:
    """Point ``root/current`` at ``release`` with one atomic rename; return the rename's time window."""
    link = root / CURRENT
    if link.exists() and not link.is_symlink():
        raise QingdanError(f"{link} 是普通目录而不是符号链接；请把它移走（例如改名为 releases/旧版本），再发布")
    temporary = root / f".{CURRENT}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    os.symlink(os.path.relpath(release, root), temporary)
    started = time.monotonic()
    os.replace(temporary, link)
    finished = time.monotonic()
    _fsync_dir(root)
    return started, finished


def current_release(root: Path) -> Path | None:
    """The release ``root/current`` points at, or None before the first publication."""
    link = root / CURRENT
    return link.resolve() if link.is_symlink() else None


def releases(root: Path) -> list[Path]:
    """Complete releases, oldest first."""
    folder = root / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def rollback(root: Path, allowed_signers: Path | None = None) -> Switch:
    """Serve the release published before the current one again, once it verifies.

    The target must match its manifest and chain; when signing is configured
    (``allowed_signers`` given, or the current or the target release signed)
    it must carry a valid signature too.
    """
    if not root.is_dir():
        raise QingdanError(f"{root} 不存在，无法回退")
    with _locked(root):
        current = current_release(root)
        if current is None:
            raise QingdanError(f"{root} 还没有发布过任何版本，无法回退")
        known = releases(root)
        earlier = [r for r in known if r.name < current.name]
        if not earlier:
            raise QingdanError(f"{current.name} 之前没有保留的版本，无法回退")
        target = earlier[-1]
        checked(target, allowed_signers, signed_before=_signed(current) or _signed(target), what="回退到")
        return Switch(target, current, switch(root, target))


def prune(root: Path, keep: int) -> list[Path]:
    """Delete the oldest releases beyond ``keep``; the current one is never deleted."""
    current = current_release(root)
    removable = [r for r in releases(root) if r != current]
    doomed = removable[: max(0, len(removable) - (keep - 1))]
    for release in doomed:
        shutil.rmtree(release)
    return doomed


def _clear_partials(root: Path) -> None:
    # Only called under the lock: a partial copy left now is from a run that died.
    folder = root / RELEASES
    if folder.is_dir():
        for leftover in folder.glob(f"{PARTIAL}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    # The rename is atomic for readers at once; fsync makes it survive a power cut too.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One publication at a time in ``root``: a second one fails at once instead of interleaving."""
    handle = (root / LOCK).open("a")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QingdanError(f"{root} 正在进行另一次发布或回退，请稍后再试") from None
        yield
    finally:
        handle.close()
