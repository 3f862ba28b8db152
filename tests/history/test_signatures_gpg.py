"""OpenPGP (GnuPG) signatures: checked against the keys committed in signing-keys.asc, never the auditor's keyring."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from history_support import GitRepo
from qingdan.errors import QingdanError
from qingdan.history import load_history
from qingdan.history.audit import audit
from qingdan.samples.synth import render

TRUSTED = "张三 <zhangsan@example.gov.cn>"
OUTSIDER = "外人 <outsider@example.com>"


def _gpg(home: str, *args: str) -> str:
    done = subprocess.run(["gpg", "--batch", "--no-tty", "--homedir", home, *args],
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def keyring() -> Iterator[tuple[str, dict[str, str]]]:
    """A GnuPG home (short path: gpg's sockets live there) with two signing keys; their fingerprints."""
    home = tempfile.mkdtemp(prefix="qd-t-")
    try:
        fingerprints = {}
        for uid in (TRUSTED, OUTSIDER):
            _gpg(home, "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
            listing = _gpg(home, "--with-colons", "--list-keys", uid)
            fingerprints[uid] = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        yield home, fingerprints
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def _signed_commit(repo: GitRepo, home: str, fingerprint: str, message: str) -> str:
    repo.git("add", "-A")
    repo.git("-c", "gpg.program=gpg", "-c", f"user.signingkey={fingerprint}", "commit", "-q", "-S", "-m", message,
             env={"GNUPGHOME": home})
    return repo.git("rev-parse", "HEAD")


APPROVED = "\n\nReviewed-by: fazhi-990000-sft <fazhi@example.gov.cn>"


def test_only_keys_in_signing_keys_asc_make_a_signature_good(tmp_path: Path, keyring,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    home, fingerprints = keyring
    repo = GitRepo(tmp_path / "repo")
    files = dict(render(20, seed=2))
    files["site.yml"] += "require_signing: true\n"
    repo.write(files)
    repo.commit("导入清单")
    # The trust list holds only 张三's public key, approved and signed with it (the trust root below).
    repo.write({"signing-keys.asc": _gpg(home, "--armor", "--export", fingerprints[TRUSTED])}, under="")
    listed = _signed_commit(repo, home, fingerprints[TRUSTED], "登记签名公钥" + APPROVED)
    powers = sorted(p for p in files if p.endswith("powers.yml"))[0]
    repo.write({powers: repo.read(powers).replace("name: ", "name: 改", 1)})
    trusted = _signed_commit(repo, home, fingerprints[TRUSTED], "修改事项名称" + APPROVED)
    repo.write({powers: repo.read(powers).replace("name: ", "name: 又改", 1)})
    outsider = _signed_commit(repo, home, fingerprints[OUTSIDER], "再改事项名称" + APPROVED)
    root = tmp_path / "root.asc"
    root.write_text(_gpg(home, "--armor", "--export", fingerprints[TRUSTED]), encoding="utf-8")

    # The auditor's own keyring (GNUPGHOME) trusts both keys; the audit must not use it.
    monkeypatch.setenv("GNUPGHOME", home)
    report = audit(load_history(repo.path, cache_dir=None), trust_root=root)
    assert [v.commit for v in report.chain.versions if v.accepted] == [listed]
    assert report.chain.root.fingerprints == {fingerprints[TRUSTED]}
    by_sha = {e.step.sha: e for e in report.entries}
    assert by_sha[trusted].signature.status == "G" and by_sha[trusted].signature.good
    assert by_sha[trusted].signature.fingerprint == fingerprints[TRUSTED]
    assert fingerprints[TRUSTED].endswith(by_sha[trusted].signature.key)
    assert by_sha[outsider].signature.status == "E" and by_sha[outsider].signature.label == "无法验证"
    assert "unsigned" not in [f.code for f in by_sha[trusted].flags]
    assert "unsigned" in [f.code for f in by_sha[outsider].flags]

    # A keys file given on the command line replaces the committed ones.
    both = tmp_path / "both.asc"
    both.write_text(_gpg(home, "--armor", "--export", *fingerprints.values()), encoding="utf-8")
    report = audit(load_history(repo.path, cache_dir=None), signing_keys=both)
    assert {e.step.sha: e.signature.status for e in report.entries if e.step.sha in (trusted, outsider)} == {
        trusted: "G", outsider: "G"}


def test_a_broken_keys_file_is_a_clear_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write(dict(render(5, seed=3)))
    repo.commit("导入清单")
    broken = tmp_path / "broken.asc"
    broken.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n",
                      encoding="utf-8")
    with pytest.raises(QingdanError, match="broken.asc 中的公钥无法导入"):
        audit(load_history(repo.path, cache_dir=None), signing_keys=broken)
