"""Verify a publication: hashes, the chain of manifests, the signature and the repository.

Every mismatch is a Finding with a stable code and a message saying exactly
which file or link does not match and how; checks that pass leave a line in
``passed`` so a reader sees what was checked, not only what failed.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import QingdanError
from . import git
from .manifest import (
    DATA_FOLDER, MANIFEST, NAMESPACE, SIGNATURE, ChainBreak, Link, is_chain_file, sha256, walk_chain,
)
from .source import Site, open_site

ALLOWED_SIGNERS = Path(".qingdan") / "allowed_signers"

# Stable codes, with what each means; content/verify.md explains them to the public.
CODES: dict[str, str] = {
    "manifest-missing": "网站中没有可读的发布清单 manifest.json",
    "file-missing": "清单记录的文件在网站中不存在",
    "file-changed": "文件内容与清单记录的 SHA-256 不一致",
    "file-extra": "网站中有清单没有记录的文件",
    "chain-broken": "上一次发布的清单缺失、被改动或无法读取",
    "chain-sequence": "发布序号不连续",
    "signature-missing": "要求签名或已配置签名（有受信任签名者名单，或此前的发布有签名），但发布清单没有签名",
    "signature-invalid": "签名无效，或签名者不在仓库的受信任签名者名单中",
    "signature-unchecked": "发布清单有签名，但没有受信任签名者名单，无法核验",
    "commit-missing": "仓库中没有发布清单记录的源提交",
    "commit-off-branch": "源提交不在主分支上，即未经合并审批",
    "data-changed": "数据文件与仓库源提交中的内容不一致",
    "data-missing": "仓库源提交中的数据文件没有记入清单",
    "data-extra": "清单记录的数据文件在仓库源提交中不存在",
    "download-rebuilt": "由源提交的数据重新生成的下载文件与发布的不一致",
}


@dataclass(frozen=True)
class Finding:
    """One thing that does not match."""

    code: str
    message: str
    path: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message, "title": CODES[self.code]}


@dataclass
class Verification:
    """The outcome: findings (mismatches), passed checks and notes, and the manifest read."""

    location: str
    findings: list[Finding] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def add(self, code: str, message: str, path: str = "") -> None:
        self.findings.append(Finding(code, message, path))


def verify(
    location: str | Path,
    *,
    repo: Path | None = None,
    allowed_signers: Path | None = None,
    require_signature: bool = False,
    branch: str = "main",
    rebuild_downloads: bool = False,
) -> Verification:
    """Check the publication at ``location`` (a folder or a mirror URL).

    With ``repo`` the data hashes are checked against the source commit and the
    commit against ``branch``; ``allowed_signers`` defaults to the repository's
    .qingdan/allowed_signers. ``rebuild_downloads`` regenerates every download
    from the committed data and compares it with what was published.
    """
    site = open_site(location)
    result = Verification(site.label)
    steps = list(walk_chain(site))
    if not steps or isinstance(steps[0], ChainBreak):
        message = steps[0].message if steps else f"{site.label} 中没有 {MANIFEST}"
        result.add("manifest-missing", message, MANIFEST)
        return result
    links = [s for s in steps if isinstance(s, Link)]
    current = links[0]
    result.manifest = current.manifest
    _check_files(site, current, steps, result)
    _check_chain(steps, result)
    signers = allowed_signers or (repo / ALLOWED_SIGNERS if repo is not None else None)
    _check_signatures(links, signers, require_signature, result)
    if repo is None:
        result.notes.append("没有指定仓库（--repo），未核对数据文件和源提交")
    else:
        _check_repository(git.toplevel(repo), current.manifest, branch, result)
        if rebuild_downloads and not any(f.code == "commit-missing" for f in result.findings):
            _check_rebuilt_downloads(git.toplevel(repo), current.manifest, result)
    return result


def _check_files(site: Site, current: Link, steps: list[Link | ChainBreak], result: Verification) -> None:
    manifest = current.manifest
    for group, label in (("files", "网站文件"), ("downloads", "下载文件")):
        table: dict[str, str] = manifest[group]
        bad = 0
        for relpath, expected in sorted(table.items()):
            raw = site.read(relpath)
            if raw is None:
                result.add("file-missing", f"{relpath}：清单记录了这个文件，但网站中没有", relpath)
            elif (actual := sha256(raw)) != expected:
                result.add("file-changed",
                           f"{relpath}：内容与清单记录不符（记录 {expected[:12]}…，实际 {actual[:12]}…）", relpath)
            else:
                continue
            bad += 1
        if not bad:
            result.passed.append(f"{label}：{len(table)} 个，SHA-256 全部一致")
    listing = site.files()
    if listing is None:
        result.notes.append("镜像网站无法列出全部文件，只核对了清单记录的文件")
        return
    # Chain files are judged by the chain check; a broken link is reported there, not twice.
    known = set(manifest["files"]) | set(manifest["downloads"]) | {MANIFEST, SIGNATURE}
    known |= {step.relpath for step in steps} | {step.relpath + ".sig" for step in steps}
    extra = [p for p in listing if p not in known]
    if any(isinstance(step, ChainBreak) for step in steps):
        extra = [p for p in extra if not is_chain_file(p)]  # orphans behind a break: the break says it all
    for relpath in extra:
        why = "清单中没有这个发布记录" if is_chain_file(relpath) else "清单没有记录这个文件，可能是发布后被加入的"
        result.add("file-extra", f"{relpath}：{why}", relpath)


def _check_chain(steps: list[Link | ChainBreak], result: Verification) -> None:
    links = [s for s in steps if isinstance(s, Link)]
    broken = [s for s in steps if isinstance(s, ChainBreak)]
    for step in broken:
        result.add("chain-broken", step.message, step.relpath)
    gaps = 0
    for newer, older in zip(links, links[1:], strict=False):
        if older.manifest["sequence"] != newer.manifest["sequence"] - 1:
            gaps += 1
            result.add("chain-sequence", f"{older.relpath}：发布序号是 {older.manifest['sequence']}，"
                       f"而后一次发布是第 {newer.manifest['sequence']} 次", older.relpath)
    oldest = links[-1].manifest
    if not broken and not gaps and oldest["sequence"] == 1:
        result.passed.append(f"发布链：第 {links[0].manifest['sequence']} 次发布，逐次核对到第 1 次，完整")
    elif not broken and not gaps:
        result.add("chain-sequence", f"发布链止于第 {oldest['sequence']} 次发布，但它没有记录更早的发布",
                   links[-1].relpath)


def _check_signatures(links: list[Link], signers: Path | None, required: bool, result: Verification) -> None:
    """Every signature in the chain, and the current one required as soon as signing is configured.

    Signing is configured when there is a trust list to check with or when
    an earlier publication of the chain was signed: deleting manifest.json.sig
    must not turn a signed publication into an unsigned one that verifies.
    """
    current = links[0]
    signed = [link for link in links if link.signature is not None]
    configured = required or (signers is not None and signers.is_file()) or bool(signed)
    if current.signature is None:
        if configured:
            why = ("要求签名" if required else "有受信任签名者名单" if signers is not None and signers.is_file()
                   else f"此前第 {signed[0].manifest['sequence']} 次发布有签名")
            result.add("signature-missing", f"{why}，但 {MANIFEST} 没有签名文件 {SIGNATURE}：签名被删除，"
                       "或发布时没有签名", SIGNATURE)
        else:
            result.notes.append("本次发布没有签名，也没有受信任签名者名单（签名是可选的）")
    if not signed:
        return
    if signers is None or not signers.is_file():
        where = f"（没有找到 {signers}）" if signers is not None else ""
        message = f"有 {len(signed)} 份签名，但没有受信任签名者名单{where}，无法核验；请用 --allowed-signers 指定"
        if required:
            result.add("signature-unchecked", message, SIGNATURE)
        else:
            result.notes.append(message)
        return
    good: list[str] = []
    for link in signed:
        principal, error = check_signature(link.raw, link.signature or b"", signers)
        if error:
            result.add("signature-invalid", f"{link.relpath}.sig：{error}", link.relpath + ".sig")
        else:
            good.append(principal)
    if len(good) == len(signed):
        who = "、".join(sorted(set(good)))
        result.passed.append(f"签名：{len(signed)} 份签名全部有效（签名者 {who}）")


def check_signature(data: bytes, signature: bytes, allowed_signers: Path) -> tuple[str, str]:
    """(principal, "") when ``signature`` is a good signature of ``data`` by a listed signer, else ("", why)."""
    with tempfile.TemporaryDirectory(prefix="qingdan-verify-") as tmp:
        sig = Path(tmp) / "manifest.json.sig"
        sig.write_bytes(signature)
        found = _ssh_keygen("-Y", "find-principals", "-s", str(sig), "-f", str(allowed_signers))
        principals = found.stdout.decode("utf-8", errors="replace").split()
        if found.returncode != 0 or not principals:
            return "", "签名者的公钥不在受信任签名者名单中（或签名文件已损坏）"
        for principal in principals:
            done = _ssh_keygen("-Y", "verify", "-f", str(allowed_signers), "-I", principal, "-n", NAMESPACE,
                               "-s", str(sig), input=data)
            if done.returncode == 0:
                return principal, ""
        return "", f"签名与文件内容不符（签名者 {'、'.join(principals)}），文件在签名后被改动过"


def _ssh_keygen(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["ssh-keygen", *args], input=input, capture_output=True, check=False,
                              stdin=None if input is not None else subprocess.DEVNULL)
    except FileNotFoundError:
        raise QingdanError("找不到 ssh-keygen；核验签名需要 OpenSSH 客户端（openssh-client）") from None


def _check_repository(repo: Path, manifest: dict[str, Any], branch: str, result: Verification) -> None:
    recorded = manifest["source"]["commit"]
    commit = git.resolve(repo, recorded) if len(recorded) >= 7 else None
    if commit is None:
        result.add("commit-missing", f"仓库 {repo} 中没有源提交 {recorded}；请先 git fetch，或确认仓库是否正确")
        return
    tip = next((ref for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
                if git.resolve(repo, ref)), None)
    if tip is None:
        result.notes.append(f"仓库中没有 {branch} 分支，未核对源提交是否经过合并")
    elif git.is_ancestor(repo, commit, tip):
        result.passed.append(f"源提交 {commit[:12]} 在 {branch} 分支上（经合并审批）")
    else:
        result.add("commit-off-branch", f"源提交 {commit[:12]} 不在 {branch} 分支上：发布的数据没有经过合并审批")
    _check_data(git.read_tree(repo, commit, DATA_FOLDER), manifest["data"], commit, result)


def _check_data(committed: dict[str, bytes], recorded: dict[str, str], commit: str, result: Verification) -> None:
    before = len(result.findings)
    for relpath in sorted(set(committed) | set(recorded)):
        if relpath not in recorded:
            result.add("data-missing", f"{relpath}：源提交中有这个数据文件，但清单没有记录", relpath)
        elif relpath not in committed:
            result.add("data-extra", f"{relpath}：清单记录了这个数据文件，但源提交中没有", relpath)
        elif (actual := sha256(committed[relpath])) != recorded[relpath]:
            result.add("data-changed", f"{relpath}：与源提交 {commit[:12]} 中的内容不符"
                       f"（清单记录 {recorded[relpath][:12]}…，仓库 {actual[:12]}…）", relpath)
    if len(result.findings) == before:
        result.passed.append(f"数据文件：{len(recorded)} 个，与仓库源提交 {commit[:12]} 一致")


def _check_rebuilt_downloads(repo: Path, manifest: dict[str, Any], result: Verification) -> None:
    # Imported here: only this optional check needs the whole export stage.
    from .. import __version__
    from ..dataset import load_dataset
    from ..export import downloads

    commit = manifest["source"]["commit"]
    with tempfile.TemporaryDirectory(prefix="qingdan-rebuild-") as tmp:
        lists_dir = git.export_folder(repo, commit, DATA_FOLDER, Path(tmp))
        rebuilt = {path: sha256(raw) for path, raw in downloads(load_dataset(lists_dir)).items()}
    published: dict[str, str] = manifest["downloads"]
    before = len(result.findings)
    for relpath in sorted(set(rebuilt) | set(published)):
        if rebuilt.get(relpath) != published.get(relpath):
            why = ("发布的网站中没有这个文件" if relpath not in published else
                   "源提交的数据不会生成这个文件" if relpath not in rebuilt else "内容不同")
            result.add("download-rebuilt", f"{relpath}：由源提交 {commit[:12]} 的数据重新生成，{why}", relpath)
    if len(result.findings) == before:
        result.passed.append(f"下载文件：由源提交的数据重新生成 {len(rebuilt)} 个，与发布的完全相同")
    elif manifest.get("generator") != f"qingdan {__version__}":
        result.notes.append(f"发布时使用 {manifest.get('generator', '未知版本')}，本机是 qingdan {__version__}；"
                            "版本不同时生成的文件可能不同，请用与发布时相同的版本重新核验")


def text_report(result: Verification) -> str:
    """The verification for people, in Chinese: what was checked, then every mismatch."""
    lines = [f"核验 {result.location}"]
    if result.manifest is not None:
        m = result.manifest
        lines.append(f"  发布：第 {m['sequence']} 次，源提交 {m['source']['commit'][:12]}，"
                     f"构建于 {m.get('built_at', '?')}")
    lines += [f"  ✓ {line}" for line in result.passed]
    lines += [f"  · {line}" for line in result.notes]
    if result.ok:
        lines.append("结论：一致。网站内容与发布清单、发布链和仓库记录相符。")
    else:
        lines.append(f"结论：发现 {len(result.findings)} 处不一致：")
        lines += [f"  ✗ [{f.code}] {f.message}" for f in result.findings]
    return "\n".join(lines) + "\n"


def json_report(result: Verification) -> dict[str, Any]:
    """The verification for machines."""
    return {
        "location": result.location,
        "ok": result.ok,
        "sequence": result.manifest["sequence"] if result.manifest else None,
        "commit": result.manifest["source"]["commit"] if result.manifest else None,
        "findings": [f.to_dict() for f in result.findings],
        "passed": result.passed,
        "notes": result.notes,
    }
