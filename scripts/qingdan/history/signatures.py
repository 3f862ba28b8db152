"""Commit signatures, checked as ``git verify-commit`` checks them, against keys the repository names.

Two kinds of signature, one trust list each, committed at the top of the
repository and read as of the audited head:

- SSH: ``allowed_signers`` (format: ``man ssh-keygen``, ALLOWED SIGNERS), given
  to git as ``gpg.ssh.allowedSignersFile``;
- OpenPGP (GnuPG): ``signing-keys.asc``, public keys in ASCII armour. They are
  imported into a throw-away GnuPG home that trusts exactly those keys, and git
  checks with that home (``GNUPGHOME``), never with the auditor's own keyring.

Without a trust list of a kind, git falls back to the auditor's own setup for
it (so an OpenPGP signature usually shows as 无法验证).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from ..errors import QingdanError
from ..gitrepo import file_at, signature_log

ALLOWED_SIGNERS = "allowed_signers"
SIGNING_KEYS = "signing-keys.asc"

SIGNATURES = {
    "G": "有效", "U": "有效（签名人未列入信任名单）", "X": "有效（签名已过期）", "Y": "有效（密钥已过期）",
    "R": "密钥已吊销", "E": "无法验证", "N": "未签名", "B": "签名无效",
}


@dataclass
class Signature:
    """What ``git verify-commit`` says of a commit: %G? status, signer and key."""

    status: str = "N"
    signer: str = ""
    key: str = ""

    @property
    def label(self) -> str:
        return SIGNATURES.get(self.status, self.status)

    @property
    def good(self) -> bool:
        return self.status == "G"


def verify(repo: git.Repo, head: str, shas: list[str], allowed_signers: Path | None = None,
           signing_keys: Path | None = None) -> dict[str, Signature]:
    """Signature status of commits, as ``git verify-commit`` checks it, in one ``git log`` pass.

    ``allowed_signers`` and ``signing_keys`` replace the trust lists committed
    at the top of the repository (as of ``head``).
    """
    if not shas:
        return {}
    with _trust_file(repo, head, ALLOWED_SIGNERS, allowed_signers) as signers, \
            _trust_file(repo, head, SIGNING_KEYS, signing_keys) as keys, \
            _gnupg_home(keys, str(signing_keys) if signing_keys else SIGNING_KEYS) as home:
        options = ["-c", f"gpg.ssh.allowedSignersFile={signers}"] if signers else []
        env = {"GNUPGHOME": home} if home else None
        found: dict[str, Signature] = {}
        for start in range(0, len(shas), 500):
            chunk = shas[start:start + 500]
            for sha, status, signer, key in signature_log(repo, chunk, options, env):
                found[sha] = Signature(status or "N", signer, key)
    return found


@contextmanager
def _trust_file(repo: git.Repo, head: str, name: str, given: Path | None) -> Iterator[str | None]:
    """A path to the trust list: the one given, or a temporary copy of the committed one (git needs a path)."""
    if given is not None:
        yield str(Path(given).resolve())
        return
    text = file_at(repo, head, name)
    if text is None:
        yield None
        return
    handle, temp = tempfile.mkstemp(prefix="qingdan-trust-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        yield temp
    finally:
        os.unlink(temp)


@contextmanager
def _gnupg_home(keys: str | None, shown: str) -> Iterator[str | None]:
    """A throw-away GnuPG home holding exactly the keys of ``keys`` (``shown`` in messages), each fully trusted."""
    if keys is None:
        yield None
        return
    if shutil.which("gpg") is None:
        raise QingdanError(f"有 OpenPGP 公钥文件 {shown}，但本机没有安装 gpg，无法检查 OpenPGP 签名；"
                           "请安装 GnuPG（Debian：apt-get install gnupg）后再运行")
    # Short and private: gpg puts sockets in its home, and socket paths are limited in length.
    home = tempfile.mkdtemp(prefix="qd-gpg-")
    try:
        _gpg(home, shown, "--import", keys)
        primary = _primary_fingerprints(_gpg(home, shown, "--with-colons", "--list-keys"))
        _gpg(home, shown, "--import-ownertrust", input_text="".join(f"{fpr}:6:\n" for fpr in primary))  # ultimate
        yield home
    finally:
        if shutil.which("gpgconf"):
            subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def _primary_fingerprints(listing: str) -> list[str]:
    """The primary keys' fingerprints: the ``fpr:`` line right after each ``pub:`` line (subkeys follow ``sub:``)."""
    found, after_pub = [], False
    for line in listing.splitlines():
        kind = line.split(":", 1)[0]
        if kind == "fpr" and after_pub:
            found.append(line.split(":")[9])
        after_pub = kind == "pub"
    return found


def _gpg(home: str, shown: str, *args: str, input_text: str | None = None) -> str:
    done = subprocess.run(["gpg", "--batch", "--no-tty", "--quiet", "--homedir", home, *args], input=input_text,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise QingdanError(f"{shown} 中的公钥无法导入（gpg {args[0]}）：{done.stderr.strip()}。"
                           "请用 gpg --armor --export <密钥> 重新导出")
    return done.stdout
