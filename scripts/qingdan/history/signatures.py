"""Commit signatures, checked as ``git verify-commit`` checks them, against given trust lists.

Two kinds of signature, one trust list each, committed at the top of the
repository (which version of them counts for which commit is trust.py's
business):

- SSH: ``allowed_signers`` (format: ``man ssh-keygen``, ALLOWED SIGNERS), given
  to git as ``gpg.ssh.allowedSignersFile``;
- OpenPGP (GnuPG): ``signing-keys.asc``, public keys in ASCII armour. They are
  imported into a throw-away GnuPG home that trusts exactly those keys, and git
  checks with that home (``GNUPGHOME``), never with the auditor's own keyring.

Without a trust list of a kind, git falls back to the auditor's own setup for
it (so an OpenPGP signature usually shows as 无法验证). Each signature also
carries the fingerprint of the key that made it (the primary key's for
OpenPGP, ``SHA256:…`` for SSH), so a caller can ask *which* trusted key signed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import git

from ..errors import QingdanError
from ..gitrepo import signature_log

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
    fingerprint: str = ""  # OpenPGP: the primary key's (%GP, else %GF); SSH: SHA256:… (%GF)

    @property
    def label(self) -> str:
        return SIGNATURES.get(self.status, self.status)

    @property
    def good(self) -> bool:
        return self.status == "G"


def verify(repo: git.Repo, shas: list[str], allowed_signers: str | None = None,
           signing_keys: str | None = None, shown: str = SIGNING_KEYS) -> dict[str, Signature]:
    """Signature status of commits, as ``git verify-commit`` checks them, in one ``git log`` pass.

    ``allowed_signers`` (SSH) and ``signing_keys`` (OpenPGP, ASCII armour) are
    the texts of the trust lists to check against (``shown`` names the keys in
    messages); None leaves that kind to the auditor's own git setup.
    """
    if not shas:
        return {}
    with _temporary(allowed_signers) as signers, _temporary(signing_keys) as keys, \
            _gnupg_home(keys, shown) as home:
        options = ["-c", f"gpg.ssh.allowedSignersFile={signers}"] if signers else []
        env = {"GNUPGHOME": home} if home else None
        found: dict[str, Signature] = {}
        for start in range(0, len(shas), 500):
            chunk = shas[start:start + 500]
            for sha, status, signer, key, fpr, primary in signature_log(repo, chunk, options, env):
                found[sha] = Signature(status or "N", signer, key, (primary or fpr).upper()
                                       if not fpr.startswith("SHA256:") else fpr)
    return found


def openpgp_fingerprints(armoured: str, shown: str = SIGNING_KEYS) -> list[str]:
    """The primary-key fingerprints of the OpenPGP public keys in ``armoured`` (upper-case hex)."""
    with _temporary(armoured) as keys, _gnupg_home(keys, shown) as home:
        return _primary_fingerprints(_gpg(home or "", shown, "--with-colons", "--list-keys")) if home else []


@contextmanager
def _temporary(text: str | None) -> Iterator[str | None]:
    """A path to a private temporary copy of ``text`` (git and gpg need a path), or None."""
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
    empty = not Path(keys).read_text(encoding="utf-8", errors="replace").strip()
    if shutil.which("gpg") is None:
        if empty:  # nothing to check with, and no gpg that could use the auditor's keyring either
            yield None
            return
        raise QingdanError(f"有 OpenPGP 公钥文件 {shown}，但本机没有安装 gpg，无法检查 OpenPGP 签名；"
                           "请安装 GnuPG（Debian：apt-get install gnupg）后再运行")
    # Short and private: gpg puts sockets in its home, and socket paths are limited in length.
    home = tempfile.mkdtemp(prefix="qd-gpg-")
    try:
        if empty:
            yield home  # no key at all: an empty home, so the auditor's keyring never counts
            return
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
