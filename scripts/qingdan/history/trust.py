"""Which signing keys the audit trusts, commit by commit: trust lists chained to a trust root.

The trust lists are the two files at the top of the repository,
``allowed_signers`` (SSH) and ``signing-keys.asc`` (OpenPGP). Reading them as
of the audited head would let anyone who can push add their own key and then
sign whatever they like. Instead, as TUF rotates its root metadata, every
version of the trust lists is accepted only when the commit that wrote it was
approved and signed with a key trusted *before* it; the first version must be
signed with a key of the trust root, which the auditor pins:

1. ``qingdan audit --trust-root FILE``: allowed_signers lines and/or
   ASCII-armoured OpenPGP public keys, kept outside the repository;
2. else the fingerprints of ``trust_root`` in lists/site.yml, as first
   committed (a later edit of that setting is not honoured);
3. else nothing is pinned: the first version is taken on first use (TOFU) and
   the report says so.

A version that is not accepted never becomes trusted: the commits after it
are checked against the last accepted version. Deciding whether a change was
approved is the audit's business (audit.py); this module keeps the chain.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import QingdanError
from .signatures import ALLOWED_SIGNERS, SIGNING_KEYS, Signature, openpgp_fingerprints

TRUST_FILES = (ALLOWED_SIGNERS, SIGNING_KEYS)
_ARMOUR = re.compile(r"-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP PUBLIC KEY BLOCK-----\s*", re.S)
_KEY_TYPE = re.compile(r"^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)"
                       r"@openssh\.com)$")


def ssh_fingerprint(blob: str) -> str | None:
    """``SHA256:…`` of a base64 SSH public key, as ``ssh-keygen -lf`` and git print it."""
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def ssh_fingerprints(allowed_signers: str) -> set[str]:
    """The fingerprints of the keys of an allowed_signers text (principals, options, key type, key)."""
    found: set[str] = set()
    for line in allowed_signers.splitlines():
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        for kind, blob in zip(tokens, tokens[1:]):
            if _KEY_TYPE.match(kind) and (fpr := ssh_fingerprint(blob)):
                found.add(fpr)
                break
    return found


def normalise(fingerprint: str) -> str:
    """One spelling per key: OpenPGP upper-case hex, SSH as git prints it."""
    return fingerprint if fingerprint.startswith("SHA256:") else fingerprint.replace(" ", "").upper()


@dataclass(frozen=True)
class Keys:
    """The texts of the two trust lists (None when absent) and the fingerprints of their keys."""

    allowed_signers: str | None = None
    signing_keys: str | None = None
    shown: str = SIGNING_KEYS  # how messages name the OpenPGP keys' file

    @cached_property
    def fingerprints(self) -> frozenset[str]:
        found = ssh_fingerprints(self.allowed_signers or "")
        if (self.signing_keys or "").strip():
            found |= set(openpgp_fingerprints(self.signing_keys or "", self.shown))
        return frozenset(found)

    def plus(self, other: "Keys | None") -> "Keys":
        """The key material of both (to check a signature whose key may be in either)."""
        if other is None:
            return self
        return Keys(_join(self.allowed_signers, other.allowed_signers), _join(self.signing_keys, other.signing_keys),
                    self.shown)

    def digests(self) -> dict[str, str | None]:
        """SHA-256 of each trust list as read (None when absent), for the report."""
        return {ALLOWED_SIGNERS: _digest(self.allowed_signers), SIGNING_KEYS: _digest(self.signing_keys)}


NO_KEYS = Keys("", "")  # empty trust lists: nothing is trusted, and never the auditor's own keyring


def _join(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a if b is None else b
    return a.rstrip("\n") + "\n" + b


def _digest(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


def read_keys_file(path: Path) -> Keys:
    """A trust-root file: ASCII-armoured OpenPGP public keys and/or allowed_signers lines."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QingdanError(f"无法读取信任根文件 {path}：{exc}") from None
    armoured = "".join(_ARMOUR.findall(text))
    keys = Keys(_ARMOUR.sub("", text) or None, armoured or None, str(path))
    if not keys.fingerprints:
        raise QingdanError(f"信任根文件 {path} 中没有可用的公钥；应为 allowed_signers 格式的行"
                           "（邮箱 ssh-ed25519 AAAA…）或 gpg --armor --export 导出的公钥")
    return keys


@dataclass(frozen=True)
class Root:
    """Where trust starts: the pinned fingerprints, how they were pinned, and key material if given."""

    source: str  # "file" (--trust-root), "site" (site.yml trust_root), "first-use", "given" (--allowed-signers…)
    label: str  # for people, in Chinese
    fingerprints: frozenset[str] = frozenset()
    keys: Keys | None = None
    commit: str | None = None  # for "site": the commit that first wrote it

    def to_dict(self) -> dict:
        data: dict = {"source": self.source, "label": self.label, "fingerprints": sorted(self.fingerprints),
                      "commit": self.commit}
        if self.keys is not None:
            data["files"] = self.keys.digests()
        return data


@dataclass
class Version:
    """One version of the trust lists on the main line, and whether it was accepted."""

    commit: str
    keys: Keys
    signature: Signature
    accepted: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"commit": self.commit, "accepted": self.accepted, "reasons": self.reasons,
                "files": self.keys.digests(), "fingerprints": sorted(self.keys.fingerprints),
                "signature": {"status": self.signature.status, "fingerprint": self.signature.fingerprint}}


@dataclass
class Chain:
    """The versions of the trust lists in main-line order; ``position`` orders any main-line commit."""

    root: Root
    position: dict[str, int]
    versions: list[Version] = field(default_factory=list)
    fixed: Keys | None = None  # trust lists the auditor gave: they replace the chain

    def current(self, before: str | None = None) -> Version | None:
        """The last accepted version written strictly before commit ``before`` (None: the newest)."""
        limit = self.position.get(before, len(self.position)) if before else len(self.position) + 1
        found = None
        for version in self.versions:
            if self.position.get(version.commit, -1) < limit and version.accepted:
                found = version
        return found

    def keys_for(self, sha: str) -> Keys:
        """The trust lists that decide whether commit ``sha`` is well signed (empty when none is trusted yet)."""
        if self.fixed is not None:
            return self.fixed
        version = self.current(sha)
        return version.keys if version else NO_KEYS

    def trusted_before(self, sha: str) -> frozenset[str]:
        """The fingerprints a change of the trust lists at ``sha`` must be signed with."""
        version = self.current(sha)
        return version.keys.fingerprints if version else self.root.fingerprints
