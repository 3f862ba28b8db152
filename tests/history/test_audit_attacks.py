"""Forged approvals and trust lists, replayed in real repositories with real SSH signatures (issue 16, point 2).

(a) an author merges their own branch with a Reviewed-by naming a real reviewer;
(b) a direct commit whose Reviewed-by e-mail carries a reviewer's handle as its plus part;
(c) a maintainer adds their own key to allowed_signers in a direct commit, then signs a change
    with a trailer they wrote themselves.
And the forge: only merges the forge wrote and signed with its key vouch for their trailers.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from history_support import PROVINCE_DEPT, WANGWU, ZHANGSAN, GitRepo
from qingdan.cli import main
from qingdan.history import load_history
from qingdan.history.audit import audit
from qingdan.history.output import audit_json, audit_markdown
from qingdan.history.trust import ssh_fingerprint

OPS = ("运维", "ops@example.gov.cn")
FORGE = ("Gitea", "gitea@git.example.gov.cn")


def _key(folder: Path, name: str) -> tuple[Path, str]:
    """A fresh ed25519 key: its private key path and its public key line."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(folder / name)],
                   check=True, capture_output=True)
    return folder / name, (folder / f"{name}.pub").read_text().strip()


def _fingerprint(public: str) -> str:
    fingerprint = ssh_fingerprint(public.split()[1])
    assert fingerprint is not None
    return fingerprint


def _commit(repo: GitRepo, message: str, who: tuple[str, str], key: Path | None = None) -> str:
    repo.git("add", "-A")
    signing = ["-c", f"user.signingkey={key}"] if key else []
    repo.git(*signing, "commit", "-q", *(["-S"] if key else ["--no-gpg-sign"]), "-m", message, who=who)
    return repo.git("rev-parse", "HEAD")


def _merge(repo: GitRepo, number: int, files: dict[str, str], author: tuple[str, str], merger: tuple[str, str],
           approvers: list[str], key: Path | None = None, under: str = "lists") -> str:
    """A branch written by ``author``, merged --no-ff by ``merger`` with Gitea's message and ``approvers``."""
    branch = f"b-{number}"
    repo.git("checkout", "-q", "-b", branch)
    repo.write(files, under=under)
    _commit(repo, f"修改 #{number}", author)
    repo.git("checkout", "-q", "main")
    trailers = "\n".join([f"Reviewed-on: https://git.example.gov.cn/org/lists/pulls/{number}",
                          *[f"Reviewed-by: {a}" for a in approvers]])
    message = f"Merge pull request '修改 #{number}' (#{number}) from {branch} into main\n\n{trailers}"
    signing = ["-c", f"user.signingkey={key}"] if key else []
    repo.git(*signing, "merge", "-q", "--no-ff", *(["-S"] if key else ["--no-gpg-sign"]), "-m", message, branch,
             who=merger)
    repo.git("branch", "-q", "-D", branch)
    return repo.git("rev-parse", "HEAD")


def _edit(repo: GitRepo, old: str, new: str) -> dict[str, str]:
    return {f"{PROVINCE_DEPT}/powers.yml": repo.read(f"{PROVINCE_DEPT}/powers.yml").replace(old, new, 1)}


def _entry(report, sha):
    return next(e for e in report.entries if e.step.sha == sha)


def _codes(report, sha) -> list[str]:
    return sorted(f.code for f in _entry(report, sha).flags)


def _find_scenario_key(repo: GitRepo) -> Path:
    """The key the scenario signs with (its path is in the copied repository's config)."""
    return Path(repo.git("config", "user.signingkey"))


def _root_file(tmp_path: Path, repo: GitRepo) -> Path:
    """The trust root an auditor pins: the scenario key's public half, in allowed_signers form."""
    public = Path(f"{_find_scenario_key(repo)}.pub").read_text().strip()
    root = tmp_path / "root_signers"
    root.write_text(f"{ZHANGSAN[1]} {public}\n", encoding="utf-8")
    return root


# ------------------------------------------------------------ (a) self-merge


def test_a_self_merge_naming_a_real_reviewer_is_flagged(scenario_copy, tmp_path):
    repo = scenario_copy
    # wangwu reviews 520100-sft only; he edits the province's powers and merges it himself,
    # writing zhangsan (the province's real reviewer) into the trailer.
    sha = _merge(repo, 20, _edit(repo, "name: 食品经营许可（省级）", "name: 食品经营许可（自批）"),
                 author=WANGWU, merger=WANGWU, approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"],
                 key=_find_scenario_key(repo))
    report = audit(load_history(repo.path, cache_dir=None))
    assert _codes(report, sha) == ["self-merge"]
    assert "wangwu" in next(f.message for f in _entry(report, sha).flags if f.code == "self-merge")
    assert _entry(report, sha).evidence == "self-declared"
    assert "审核记录为自称" in audit_markdown(report)
    assert json.loads(audit_json(report))["approvals"]["evidence"] == "self-declared"


# ------------------------------------------------------------ (b) plus-address


def test_b_a_plus_address_is_not_the_reviewer_it_spells(scenario_copy):
    repo = scenario_copy
    repo.write(_edit(repo, "name: 食品经营许可（省级）", "name: 食品经营许可（加号）"))
    sha = _commit(repo, "直接修改\n\nReviewed-by: 任意 <ops+zhangsan@example.gov.cn>", OPS)
    report = audit(load_history(repo.path, cache_dir=None))
    codes = _codes(report, sha)
    assert "unauthorised-approval" in codes and "self-merge" in codes
    entry = _entry(report, sha)
    assert entry.authorised == []
    assert entry.reviewers == {PROVINCE_DEPT: ["@zhangsan"]}
    data = next(e for e in json.loads(audit_json(report))["entries"] if e["commit"] == sha)
    assert data["authorised_approvers"] == [] and data["reviewers"] == {PROVINCE_DEPT: ["@zhangsan"]}


# ------------------------------------------------------------ (c) own key into the trust list


def test_c_a_key_added_by_a_direct_commit_is_never_trusted(scenario_copy, tmp_path):
    repo = scenario_copy
    own, public = _key(tmp_path / "ops", "ops")
    signers = (repo.path / "allowed_signers").read_text()
    repo.write({"allowed_signers": signers + f"{OPS[1]} {public}\n"}, under="")
    added = _commit(repo, "添加密钥\n\nReviewed-by: zhangsan <zhangsan@example.gov.cn>", OPS, key=own)
    repo.write(_edit(repo, "name: 食品经营许可（省级）", "name: 食品经营许可（自签）"))
    change = _commit(repo, "直接修改\n\nReviewed-by: zhangsan <zhangsan@example.gov.cn>", OPS, key=own)
    # git itself, trusting the file at HEAD, calls the signature good: the old audit's mistake.
    done = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={repo.path / 'allowed_signers'}",
                           "verify-commit", change], cwd=repo.path, capture_output=True)
    assert done.returncode == 0

    root = _root_file(tmp_path, repo)
    for trust_root in (None, root):
        report = audit(load_history(repo.path, cache_dir=None), trust_root=trust_root)
        rejected = [v for v in report.chain.versions if not v.accepted]
        assert [v.commit for v in rejected] == [added]
        assert "不是此前已受信任的密钥" in rejected[0].reasons[0]
        assert any(f.code == "trust-list-unverified" and added[:12] in f.message for f in report.flags)
        assert not _entry(report, change).signature.good
        assert _codes(report, change) == ["self-merge", "unsigned"]
        assert report.exit_code == 1
    assert report.chain.root.source == "file" and str(root) in report.chain.root.label

    result = CliRunner().invoke(main, ["audit", "--repo", str(repo.path), "--trust-root", str(root),
                                       "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["head"] == change
    assert data["trust_root"]["source"] == "file"
    assert [v["accepted"] for v in data["trust_lists"]] == [True, False]


def test_a_rotation_signed_with_the_trusted_key_and_approved_is_accepted(scenario_copy, tmp_path):
    repo = scenario_copy
    old = _find_scenario_key(repo)
    new, public = _key(tmp_path / "new", "new")
    signers = (repo.path / "allowed_signers").read_text() + f"{ZHANGSAN[1]} {public}\n"
    rotated = _merge(repo, 21, {"allowed_signers": signers}, author=WANGWU, merger=ZHANGSAN,
                     approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=old, under="")
    sha = _merge(repo, 22, _edit(repo, "name: 食品经营许可（省级）", "name: 食品经营许可（新钥）"), author=WANGWU,
                 merger=ZHANGSAN, approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=new)
    report = audit(load_history(repo.path, cache_dir=None), trust_root=_root_file(tmp_path, repo))
    assert [v.accepted for v in report.chain.versions] == [True, True]
    assert report.chain.versions[-1].commit == rotated
    assert _entry(report, sha).signature.good and _codes(report, sha) == []
    assert _entry(report, sha).trust_lists == rotated


def test_a_trust_root_that_does_not_hold_the_first_signer_rejects_the_whole_chain(scenario_copy, tmp_path):
    repo = scenario_copy
    _other, public = _key(tmp_path / "other", "other")
    root = tmp_path / "root"
    root.write_text(f"auditor@example.gov.cn {public}\n", encoding="utf-8")
    report = audit(load_history(repo.path, cache_dir=None), trust_root=root)
    assert [v.accepted for v in report.chain.versions] == [False]
    assert "（信任根）" in report.chain.versions[0].reasons[0]
    signed = [e for e in report.entries if e.require_signing]
    assert signed and all("unsigned" in [f.code for f in e.flags] for e in signed)


# ------------------------------------------------------------ the forge vouches


def _with_forge(repo: GitRepo, tmp_path: Path) -> Path:
    """Register a forge (Gitea) whose merges are signed with its own key; return that key."""
    forge_key, public = _key(tmp_path / "forge", "forge")
    signers = (repo.path / "allowed_signers").read_text() + f"{FORGE[1]} {public}\n"
    scenario_key = _find_scenario_key(repo)
    _merge(repo, 30, {"allowed_signers": signers}, author=WANGWU, merger=ZHANGSAN,
           approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=scenario_key, under="")
    site = repo.read("site.yml") + ("forge:\n  platform: gitea\n  committer: Gitea <gitea@git.example.gov.cn>\n"
                                    f"  signing_keys:\n    - \"{_fingerprint(public)}\"\n")
    _merge(repo, 31, {"site.yml": site}, author=WANGWU, merger=ZHANGSAN,
           approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=scenario_key)
    return forge_key


def test_only_merges_the_forge_wrote_and_signed_vouch_for_their_trailers(scenario_copy, tmp_path):
    repo = scenario_copy
    forge_key = _with_forge(repo, tmp_path)
    approver = [f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"]
    by_forge = _merge(repo, 32, _edit(repo, "name: 食品经营许可（省级）", "name: 甲"), author=WANGWU, merger=FORGE,
                      approvers=approver, key=forge_key)
    by_hand = _merge(repo, 33, _edit(repo, "name: 甲", "name: 乙"), author=WANGWU, merger=ZHANGSAN,
                     approvers=approver, key=_find_scenario_key(repo))
    posing = _merge(repo, 34, _edit(repo, "name: 乙", "name: 丙"), author=WANGWU, merger=FORGE,
                    approvers=approver, key=_find_scenario_key(repo))
    self_merged = _merge(repo, 35, _edit(repo, "name: 丙", "name: 丁"), author=WANGWU, merger=WANGWU,
                         approvers=approver, key=_find_scenario_key(repo))
    report = audit(load_history(repo.path, cache_dir=None))
    assert report.forge is not None and report.forge.committer.email == FORGE[1]
    assert _codes(report, by_forge) == [] and _entry(report, by_forge).evidence == "forge"
    assert _codes(report, by_hand) == ["approval-unverified"]
    assert "不是平台的合并身份" in _entry(report, by_hand).flags[0].message
    assert _codes(report, posing) == ["approval-unverified"]
    assert "不是平台的合并签名密钥" in _entry(report, posing).flags[0].message
    assert _codes(report, self_merged) == ["approval-unverified", "self-merge"]
    header = audit_markdown(report)
    assert "gitea@git.example.gov.cn" in header and "只是自称" in header
    data = json.loads(audit_json(report))
    assert data["approvals"]["forge"]["committer"] == "Gitea <gitea@git.example.gov.cn>"
    assert next(e for e in data["entries"] if e["commit"] == by_forge)["approval_evidence"] == "forge"


def test_a_trust_root_published_in_site_settings_pins_the_first_trust_list(scenario_copy, tmp_path):
    """lists/site.yml trust_root as first written anchors the chain; a later edit of it does not move the root."""
    repo = scenario_copy
    scenario_key = _find_scenario_key(repo)
    fingerprint = _fingerprint(Path(f"{scenario_key}.pub").read_text())
    site = repo.read("site.yml")
    first = _merge(repo, 40, {"site.yml": site + f'trust_root:\n  - "{fingerprint}"\n'}, author=WANGWU,
                   merger=ZHANGSAN, approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=scenario_key)
    report = audit(load_history(repo.path, cache_dir=None))
    assert report.chain.root.source == "site" and report.chain.root.commit == first
    assert report.chain.root.fingerprints == {fingerprint}
    assert [v.accepted for v in report.chain.versions] == [True]
    assert "信任根：lists/site.yml 的 trust" in audit_markdown(report)

    _other, public = _key(tmp_path / "other", "other")
    _merge(repo, 41, {"site.yml": site + f'trust_root:\n  - "{_fingerprint(public)}"\n'}, author=WANGWU,
           merger=ZHANGSAN, approvers=[f"{ZHANGSAN[0]} <{ZHANGSAN[1]}>"], key=scenario_key)
    later = audit(load_history(repo.path, cache_dir=None))
    assert later.chain.root.fingerprints == {fingerprint} and later.chain.root.commit == first
    assert json.loads(audit_json(later))["trust_root"]["source"] == "site"
