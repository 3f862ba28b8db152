"""The audit report: every change to lists/ on the main branch, who made, merged and approved it.

Everything is checked offline from git alone: approvals are the
``Reviewed-by:`` trailers of the commit on the main line, authorisation is the
``reviewers`` list of the department's department.yml as it stood before the
change, signatures are verified as ``git verify-commit`` does (signatures.py)
against the trust lists in force at each commit (trust.py).

A trailer is only text in a commit message: anyone who can push can write one.
It is evidence only when the forge wrote the merge: lists/site.yml ``forge``
names the identity the forge commits merges as and the keys it signs them
with; an approval in a commit that this identity did not write and sign is
flagged (approval-unverified). Without that setting every approval is
self-declared, and the report says so in its header. See content/audit.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git

from ..dates import git_time
from ..errors import QingdanError
from ..gitrepo import (NULL_SHA, BlobReader, Commit, author_log, content, first_parent_line, first_parent_touching,
                       unmerged_tags)
from .changes import Change, Step
from .records import load
from .signatures import SIGNING_KEYS, Signature, verify
from .store import History
from .trailers import Person, review
from .trust import TRUST_FILES, Chain, Keys, Root, Version, normalise, read_keys_file

FLAGS = {
    "no-approval": "未经审核",
    "unauthorised-approval": "审核人无权审核",
    "self-approval": "自己审核自己的修改",
    "self-merge": "作者自己合并，审核记录由作者写入",
    "approval-unverified": "审核记录不是代码托管平台写入的",
    "unsigned": "未按要求签名",
    "trust-list-unverified": "信任名单的修改未经验证，不予采信",
    "history-rewritten": "已发布的历史被改写",
}
SITE_WIDE = "全站文件"  # the key of site-wide files (site.yml, regions.yml, sources.yml) in reviewer lists


@dataclass(frozen=True)
class Flag:
    """A finding of the audit: a stable code and a message in Chinese."""

    code: str
    message: str

    @property
    def title(self) -> str:
        return FLAGS[self.code]


@dataclass(frozen=True)
class Forge:
    """lists/site.yml ``forge`` as it stood at some point: who writes merges and with which keys."""

    platform: str
    committer: Person
    keys: frozenset[str]

    @classmethod
    def of(cls, data: object) -> "Forge | None":
        """The setting from plain site.yml data (None when absent or unusable)."""
        if not isinstance(data, dict) or not isinstance(data.get("signing_keys"), list):
            return None
        committer = Person.parse(str(data.get("committer") or ""))
        keys = frozenset(normalise(str(k)) for k in data["signing_keys"] if k)
        if not committer.email or not keys:
            return None
        return cls(str(data.get("platform") or ""), committer, keys)

    def problems(self, committer: Person, signature: Signature) -> list[str]:
        """Why a commit was not written and signed by this forge (empty when it was)."""
        found = []
        if committer.email.lower() != self.committer.email.lower() or committer.name != self.committer.name:
            found.append(f"提交者是 {committer}，不是平台的合并身份 {self.committer}")
        if not signature.good:
            found.append(f"签名状态为：{signature.label}")
        elif signature.fingerprint not in self.keys:
            found.append(f"签名密钥 {signature.fingerprint} 不是平台的合并签名密钥")
        return found

    def to_dict(self) -> dict:
        return {"platform": self.platform, "committer": str(self.committer), "signing_keys": sorted(self.keys)}


@dataclass
class AuditEntry:
    """One change to lists/ on the main line and everything the audit knows of it."""

    step: Step
    authors: list[Person]
    authored: str  # when the change was first written (the merge's own date is the step's)
    approvers: list[Person]
    signature: Signature
    require_signing: bool
    departments: list[str]
    flags: list[Flag] = field(default_factory=list)
    reviewers: dict[str, list[str]] = field(default_factory=dict)  # department (or SITE_WIDE) -> allowed
    authorised: list[Person] = field(default_factory=list)  # approvers that counted (not authors, listed)
    forge: Forge | None = None  # the forge setting in force before this change
    trust_lists: str | None = None  # the commit of the trust lists its signature was checked with

    @property
    def merger(self) -> Person:
        """Who put the change on the main branch (the committer of the main-line commit)."""
        return self.step.committer

    @property
    def changes(self) -> list[Change]:
        return self.step.changes

    @property
    def evidence(self) -> str:
        """"forge" when the forge wrote and signed the commit, else "self-declared"."""
        if self.forge and not self.forge.problems(self.merger, self.signature):
            return "forge"
        return "self-declared"


@dataclass
class AuditReport:
    """Entries oldest first, findings about the history as a whole, and what the audit trusted."""

    entries: list[AuditEntry]
    flags: list[Flag] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    head: str = ""
    chain: Chain | None = None
    forge: Forge | None = None  # the setting at the audited head

    def all_flags(self) -> list[tuple[AuditEntry | None, Flag]]:
        out: list[tuple[AuditEntry | None, Flag]] = [(None, f) for f in self.flags]
        return out + [(e, f) for e in self.entries for f in e.flags]

    @property
    def exit_code(self) -> int:
        """1 when the audit found something to look at, else 0."""
        return 1 if self.all_flags() else 0

    @property
    def self_declared(self) -> list[AuditEntry]:
        """Entries whose approvals no forge vouches for."""
        return [e for e in self.entries if e.approvers and e.evidence != "forge"]


def audit(history: History, since: dt.date | None = None, until: dt.date | None = None,
          allowed_signers: Path | None = None, signing_keys: Path | None = None,
          trust_root: Path | None = None) -> AuditReport:
    """Audit every step of ``history`` whose commit date lies in [since, until].

    ``trust_root`` pins the keys the first trust lists must be signed with
    (trust.py); ``allowed_signers`` (SSH) and ``signing_keys`` (OpenPGP)
    replace the trust lists committed in the repository altogether.
    """
    repo = history.repo
    chosen = [(i, s) for i, s in enumerate(history.steps)
              if (since is None or s.day >= since) and (until is None or s.day <= until)]
    authors = BranchAuthors(repo, history.head)
    entries = []
    with BlobReader(repo) as reader:
        rules = Rules(history, reader)
        chain = trust_chain(history, rules, authors, reader, allowed_signers, signing_keys, trust_root)
        signatures = _signatures(repo, chain, [s.sha for _i, s in chosen])
        for index, step in chosen:
            entry = AuditEntry(step, authors.of(step.sha), authors.authored(step), list(step.approvers),
                               signatures.get(step.sha, Signature()), rules.require_signing(index),
                               step.departments(), forge=rules.forge(index))
            entry.trust_lists = _version_label(chain, step.sha)
            entry.reviewers = {dept or SITE_WIDE: rules.reviewers(index, dept) for dept in entry.departments or [""]}
            entry.flags = list(_flags(entry))
            entries.append(entry)
        forge = rules.forge(len(history.steps))
    flags = rewritten(history) + [Flag("trust-list-unverified", _trust_message(v)) for v in chain.versions
                                  if not v.accepted]
    return AuditReport(entries, flags, since, until, history.head, chain, forge)


def _signatures(repo: git.Repo, chain: Chain, shas: list[str]) -> dict[str, Signature]:
    """Each commit's signature, checked against the trust lists in force at that commit."""
    groups: dict[int, tuple[Keys, list[str]]] = {}
    for sha in shas:
        keys = chain.keys_for(sha)
        groups.setdefault(id(keys), (keys, []))[1].append(sha)
    found: dict[str, Signature] = {}
    for keys, group in groups.values():
        found |= verify(repo, group, keys.allowed_signers or "", keys.signing_keys or "", keys.shown)
    return found


def _version_label(chain: Chain, sha: str) -> str | None:
    if chain.fixed is not None:
        return "given"
    version = chain.current(sha)
    return version.commit if version else None


def _trust_message(version: Version) -> str:
    return (f"提交 {version.commit[:12]} 修改了信任名单（{'、'.join(TRUST_FILES)}），"
            f"但{'；'.join(version.reasons)}：这一版信任名单不予采信，之后的签名仍按此前受信任的名单核验")


# ------------------------------------------------------------ flags


def _flags(entry: AuditEntry) -> Iterator[Flag]:
    step = entry.step
    kind = "合并提交" if step.is_merge else "直接提交到主分支的提交"
    if entry.approvers:
        yield from _approval_flags(entry)
    else:
        yield Flag("no-approval", f"{kind} {step.sha[:12]} 修改了 lists/，但没有 Reviewed-by 审核记录")
    if entry.approvers and entry.forge:
        problems = entry.forge.problems(entry.merger, entry.signature)
        if problems:
            yield Flag("approval-unverified", f"{kind} {step.sha[:12]} 带有审核记录，但它不是由代码托管平台"
                                              f"（{entry.forge.committer}）写入并签名的：{'；'.join(problems)}")
    if entry.approvers and entry.evidence != "forge" and any(entry.merger.same(a) for a in entry.authors):
        yield Flag("self-merge", f"{entry.merger} 自己把自己编写的修改放上了主分支（{kind} {step.sha[:12]}），"
                                 f"其中的 Reviewed-by 是作者自己写的，不能证明有人审核过")
    if entry.require_signing and not entry.signature.good:
        yield Flag("unsigned", f"站点要求签名，但提交 {step.sha[:12]} 的签名状态为：{entry.signature.label}")


def _approval_flags(entry: AuditEntry) -> Iterator[Flag]:
    """self-approval for each approver who is also an author; unauthorised-approval per department.

    One reading for both: an approval by an author is not an approval, and is
    flagged only as self-approval. unauthorised-approval is about the other
    approvers: it is raised when there are some and none of them is on the
    department's list, and it names only them.
    """
    selfish = [a for a in entry.approvers if any(a.same(author) for author in entry.authors)]
    for approver in selfish:
        yield Flag("self-approval", f"{approver} 审核了自己参与编写的修改")
    others = [a for a in entry.approvers if a not in selfish]
    counted: list[Person] = []
    for dept, allowed in entry.reviewers.items():
        good = [a for a in others if any(a.is_reviewer(r) for r in allowed)]
        counted += [a for a in good if a not in counted]
        if others and not good:
            where = f"部门 {dept}" if dept != SITE_WIDE else "全站文件（site.yml、regions.yml、sources.yml）"
            names = "、".join(str(a) for a in others)
            yield Flag("unauthorised-approval",
                       f"{where} 的修改没有经其授权审核人审核（审核人：{names}；授权名单：{'、'.join(allowed) or '无'}）")
    entry.authorised = counted


# ------------------------------------------------------------ trust lists


def trust_chain(history: History, rules: "Rules", authors: "BranchAuthors", reader: BlobReader,
                allowed_signers: Path | None, signing_keys: Path | None, trust_root: Path | None) -> Chain:
    """The versions of the trust lists on the main line, each accepted or not (see trust.py)."""
    repo = history.repo
    position = {sha: i for i, sha in enumerate(first_parent_line(repo, history.head))}
    if allowed_signers is not None or signing_keys is not None:
        fixed = Keys(_read(allowed_signers), _read(signing_keys), str(signing_keys or SIGNING_KEYS))
        shown = "、".join(str(p) for p in (allowed_signers, signing_keys) if p is not None)
        root = Root("given", f"审计人员指定的信任名单 {shown}，代替仓库中提交的信任名单", fixed.fingerprints, fixed)
        return Chain(root, position, fixed=fixed)
    root = _root(trust_root, rules)
    chain = Chain(root, position)
    steps_at = [position.get(s.sha, -1) for s in history.steps]
    state = Keys()
    for commit in first_parent_touching(repo, history.head, list(TRUST_FILES)):
        state = _keys_after(commit, state, reader)
        before = chain.current(commit.sha)
        material = state.plus(before.keys if before else None).plus(root.keys)
        signature = verify(repo, [commit.sha], material.allowed_signers or "", material.signing_keys or "",
                           f"{SIGNING_KEYS}（提交 {commit.sha[:12]}）").get(commit.sha, Signature())
        index = bisect.bisect_left(steps_at, position.get(commit.sha, -1))
        reasons = _change_problems(commit, signature, rules, index, authors)
        if before is not None or root.source != "first-use":
            trusted = chain.trusted_before(commit.sha)
            if not signature.good:
                reasons.append(f"它的签名状态为：{signature.label}")
            elif signature.fingerprint not in trusted:
                reasons.append(f"签名密钥 {signature.fingerprint} 不是此前已受信任的密钥"
                               + ("（信任根）" if before is None else ""))
        chain.versions.append(Version(commit.sha, state, signature, not reasons, reasons))
    return chain


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QingdanError(f"无法读取信任名单 {path}：{exc}") from None


def _root(trust_root: Path | None, rules: "Rules") -> Root:
    if trust_root is not None:
        keys = read_keys_file(trust_root)
        digest = "、".join(f"{name} SHA-256 {d[:16]}…" for name, d in keys.digests().items() if d)
        return Root("file", f"审计人员指定的信任根文件 {trust_root}（{digest}）", keys.fingerprints, keys)
    pinned = rules.site_trust_root()
    if pinned is not None:
        fingerprints, sha = pinned
        return Root("site", f"lists/site.yml 的 trust_root，以首次写入它的提交 {sha[:12]} 为准",
                    frozenset(fingerprints), None, sha)
    return Root("first-use", "未指定信任根：仓库中第一份信任名单按首次使用接受（TOFU），未经审计人员锚定；"
                "请用 --trust-root 或在 lists/site.yml 中写 trust_root")


def _keys_after(commit: Commit, before: Keys, reader: BlobReader) -> Keys:
    texts = {"allowed_signers": before.allowed_signers, "signing_keys": before.signing_keys}
    for change in commit.changes:
        name = {TRUST_FILES[0]: "allowed_signers", TRUST_FILES[1]: "signing_keys"}.get(change.path)
        if name:
            raw = content(reader.read(change.new_blob)) if change.new_blob != NULL_SHA else None
            texts[name] = raw.decode("utf-8", errors="replace") if raw is not None else None
    return Keys(**texts)


def _change_problems(commit: Commit, signature: Signature, rules: "Rules", index: int,
                     authors: "BranchAuthors") -> list[str]:
    """Why a change of the trust lists was not approved (as a change of site-wide files is)."""
    approvers = review(commit.message).approvers
    people = authors.of(commit.sha)
    others = [a for a in approvers if not any(a.same(p) for p in people)]
    allowed = rules.reviewers(index, "")
    found = []
    if not approvers:
        found.append("没有 Reviewed-by 审核记录")
    elif not any(a.is_reviewer(r) for a in others for r in allowed):
        found.append("没有经授权审核人（作者以外、列入任一部门 reviewers 的人）审核")
    forge = rules.forge(index)
    if forge is not None:
        committer = Person(commit.committer_name, commit.committer_email)
        found += [f"不是由代码托管平台写入并签名的（{p}）" for p in forge.problems(committer, signature)]
    return found


def rewritten(history: History) -> list[Flag]:
    """Published releases that are no longer in the main branch's history, and rewrites seen by the cache."""
    flags = []
    for tag in unmerged_tags(history.repo, history.head):
        flags.append(Flag("history-rewritten", f"发布版本 {tag} 指向的提交不在主分支的历史中：发布之后历史被改写"))
    for event in history.rewrites:
        flags.append(Flag("history-rewritten", rewrite_message(event)))
    return flags


def rewrite_message(event: dict) -> str:
    """A rewrite the cache saw: the heads, the first rewritten commit, the commits whose content or approvals changed."""
    text = (f"主分支曾指向 {event['old_head'][:12]}，之后被改成了不包含它的 {event['new_head'][:12]}："
            "已构建的历史被改写")
    if event.get("first_rewritten"):
        text += f"；第一个被改写的提交是 {event['first_rewritten'][:12]}"
    changed = event.get("changed") or []
    if changed:
        parts = []
        for c in changed[:20]:
            new = f" → {c['new'][:12]}" if c.get("new") else "（已从历史中消失）"
            parts.append(f"{c['old'][:12]}{new}（{c['what']}）")
        more = f" 等 {len(changed)} 个" if len(changed) > 20 else ""
        text += f"；内容或审核记录被改动的提交：{'、'.join(parts)}{more}"
    return text


class Rules:
    """Department reviewers and the site's rules as they stood before each step."""

    def __init__(self, history: History, reader: BlobReader) -> None:
        self.history = history
        self._timeline: dict[str, list[tuple[int, str]]] = {}  # record key -> [(step index, blob)]
        for i, step in enumerate(history.steps):
            for change in step.changes:
                if change.kind in ("department", "site"):
                    blob = "" if change.action == "removed" else change.blob
                    self._timeline.setdefault(change.key, []).append((i, blob))
        self._data: dict[str, dict] = {}
        self._reader = reader

    def _read(self, blob: str) -> dict:
        if not blob:
            return {}
        if blob not in self._data:
            data, ok = load(content(self._reader.read(blob)) or b"")
            self._data[blob] = data if ok and isinstance(data, dict) else {}
        return self._data[blob]

    def _before(self, key: str, index: int) -> dict:
        """The record as it stood before step ``index`` (or as that step made it, if it is new)."""
        timeline = self._timeline.get(key, [])
        earlier = [blob for i, blob in timeline if i < index]
        blob = earlier[-1] if earlier else next((b for i, b in timeline if i == index), "")
        return self._read(blob)

    def reviewers(self, index: int, dept: str) -> list[str]:
        """Who may approve changes to ``dept`` (for site-wide files: any department's reviewers)."""
        if dept:
            found = self._before(f"department:{dept}", index).get("reviewers") or []
            return [str(r) for r in found]
        everyone: list[str] = []
        for key in self._timeline:
            if key.startswith("department:"):
                everyone += [str(r) for r in self._before(key, index).get("reviewers") or []]
        return sorted(set(everyone))

    def require_signing(self, index: int) -> bool:
        return self._before("site", index).get("require_signing") is True

    def forge(self, index: int) -> Forge | None:
        """lists/site.yml ``forge`` as it stood before step ``index`` (None: approvals are self-declared).

        Only an earlier version counts, never the one the step itself writes:
        a change cannot vouch for itself.
        """
        earlier = [blob for i, blob in self._timeline.get("site", []) if i < index]
        return Forge.of(self._read(earlier[-1]).get("forge")) if earlier else None

    def site_trust_root(self) -> tuple[list[str], str] | None:
        """The fingerprints of site.yml ``trust_root`` as first written, and the commit that wrote them."""
        for i, blob in self._timeline.get("site", []):
            found = self._read(blob).get("trust_root")
            if isinstance(found, list) and found:
                return [normalise(str(f)) for f in found], self.history.steps[i].sha
        return None


# ------------------------------------------------------------ authors


class BranchAuthors:
    """Who wrote each change: the authors of the commits a merge brought in.

    One ``git log`` pass over all commits reachable from head; the commits of a
    merge are those reachable from its other parents and from none of the
    earlier main-line commits.
    """

    def __init__(self, repo: git.Repo, head: str) -> None:
        self.parents: dict[str, list[str]] = {}
        self.people: dict[str, list[Person]] = {}
        self.dates: dict[str, str] = {}
        for commit in author_log(repo, head):
            self.parents[commit.sha] = commit.parents
            self.dates[commit.sha] = commit.author_date
            self.people[commit.sha] = [Person(commit.author_name, commit.author_email),
                                       *(Person.parse(c) for c in commit.co_authors)]
        self._branch = self._branch_commits(head)

    def _branch_commits(self, head: str) -> dict[str, list[str]]:
        line = []
        sha: str | None = head
        while sha:
            line.append(sha)
            parents = self.parents.get(sha, [])
            sha = parents[0] if parents else None
        merged: set[str] = set()
        found: dict[str, list[str]] = {}
        for sha in reversed(line):
            merged.add(sha)
            brought = []
            stack = list(self.parents.get(sha, [])[1:])
            while stack:
                commit = stack.pop()
                if commit in merged:
                    continue
                merged.add(commit)
                brought.append(commit)
                stack += self.parents.get(commit, [])
            found[sha] = brought
        return found

    def authored(self, step: Step) -> str:
        """When the change was first written: the earliest author date of its commits."""
        shas = self._branch.get(step.sha) or [step.sha]
        dates = [self.dates[s] for s in shas if s in self.dates]
        return min(dates, key=git_time) if dates else step.author_date

    def of(self, sha: str) -> list[Person]:
        """The authors of a main-line commit: of the merged commits for a merge, else of the commit itself."""
        shas = self._branch.get(sha) or [sha]
        people: list[Person] = []
        for sha in shas:
            for person in self.people.get(sha, []):
                if not any(person.same(p) for p in people):
                    people.append(person)
        return people
