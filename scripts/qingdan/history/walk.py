"""Building history: the first-parent log, the blobs it needs, and the walker over them.

    git log (one pass) -> plan of blobs -> git cat-file (one process) -> Walker -> Steps

The plan lists every blob the walker will ask for, in order, so git inflates
the next file while Python compares the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import git

from ..gitrepo import (NULL_SHA, Blob, BlobReader, Commit, contains, first_parent_line, first_parent_log, follows,
                       tree_size)
from ..load.text import MAX_FILE_BYTES
from .cache import Cached
from .changes import Step
from .items import State, Walker
from .records import is_data_file

Progress = Callable[[int, int, str], None]
# git's delta base cache for reading history: three times the size of lists/ holds
# the last version of every file with room to spare (96 MiB is git's default).
DELTA_CACHE_MIN = 96 << 20
DELTA_CACHE_MAX = 2 << 30


def build(repo: git.Repo, head: str, subdir: str, cached: Cached | None,
          progress: Progress | None = None, branch: bool = True) -> Cached:
    """History up to ``head``: from the cache, the cache plus new commits, or from scratch.

    A head that does not continue the cached one is a rewrite only when both
    are tips of one branch (``branch``): a detached HEAD moved to an older
    commit is just another place to look from, not a rewritten history.
    """
    if cached is not None and cached.head == head:
        return cached
    if cached is not None and follows(repo, cached.head, head):
        commits = first_parent_log(repo, head, subdir, stop=cached.head)
        steps = walk(repo, commits, State.from_steps(cached.steps), progress, subdir)
        return Cached(head, cached.steps + steps, cached.rewrites, cached.segments, cached.saved)
    rewrites = list(cached.rewrites) if cached else []
    steps = walk(repo, first_parent_log(repo, head, subdir), State(), progress, subdir)
    if cached is not None and branch and not contains(repo, head, cached.head):
        rewrites.append(rewrite(repo, cached, head, steps))
    return Cached(head, steps, rewrites)


def rewrite(repo: git.Repo, cached: Cached, head: str, steps: list[Step]) -> dict:
    """What a rewrite of the branch did: the heads, the first rewritten commit, the steps it changed.

    A step of the old history is matched with the new step that has the
    same author, author date and subject (what a rebase or an amend keeps);
    it is named when its record changes or its approvals differ, or when it
    has no counterpart at all.
    """
    kept = {s.sha for s in steps}
    old_tail = [s for s in cached.steps if s.sha not in kept]
    first = None
    try:  # the old commits may still be in the repository (reflog); then git names the exact one
        # The main line, not reachability: a branch merged later may still reach an old main-line commit.
        line = set(first_parent_line(repo, head))
        first = next((c for c in first_parent_line(repo, cached.head) if c not in line), None)
    except git.GitCommandError:
        pass
    first = first or (old_tail[0].sha if old_tail else None)
    counterpart = {_identity(s): s for s in steps if s.sha not in {o.sha for o in cached.steps}}
    changed = []
    for old in old_tail:
        new = counterpart.get(_identity(old))
        what = []
        if new is None:
            what.append("已从历史中消失")
        else:
            if _content(old) != _content(new):
                what.append("内容被改动")
            if [str(p) for p in old.approvers] != [str(p) for p in new.approvers]:
                what.append("审核记录被改动")
        if what:
            changed.append({"old": old.sha, "new": new.sha if new else None, "what": "、".join(what)})
    return {"old_head": cached.head, "new_head": head, "first_rewritten": first, "changed": changed}


def _identity(step: Step) -> tuple:
    return (step.author.email, step.author_date, step.message.split("\n", 1)[0])


def _content(step: Step) -> list[tuple]:
    return sorted((c.key, c.action, c.blob) for c in step.changes)


def walk(repo: git.Repo, commits: list[Commit], state: State | None = None,
         progress: Progress | None = None, subdir: str = "lists") -> list[Step]:
    """The Steps of ``commits`` (oldest first), continuing from ``state``."""
    steps: list[Step] = []
    if not commits:
        return steps
    cache = max(DELTA_CACHE_MIN, min(DELTA_CACHE_MAX, 3 * tree_size(repo, commits[-1].sha, subdir)))
    # No version larger than the loader reads is held in memory (one pushed in an old commit can be gigabytes).
    with BlobReader(repo, cache, MAX_FILE_BYTES) as reader, BlobReader(repo, limit=MAX_FILE_BYTES) as spare:
        fetch = _Planned(reader.read_many(plan(commits)), spare.read)
        walker = Walker(fetch, state)
        try:
            for n, commit in enumerate(commits, 1):
                steps.append(walker.step(commit))
                if progress:
                    progress(n, len(commits), commit.sha[:12])
        finally:
            fetch.close()
    return steps


def plan(commits: list[Commit], known: set[str] | None = None) -> list[str]:
    """The blobs the walker will fetch, in order, if every version is readable."""
    known = set(known or ())
    wanted: list[str] = []
    for commit in commits:
        for change in sorted(commit.changes, key=lambda c: c.path):
            if not is_data_file(change.path):
                continue
            if change.old_blob != NULL_SHA and change.path not in known:
                wanted.append(change.old_blob)
            if change.new_blob != NULL_SHA:
                wanted.append(change.new_blob)
                known.add(change.path)
            else:
                known.discard(change.path)
    return wanted


class _Planned:
    """Blobs from the planned stream; one the plan did not foresee comes from a spare reader."""

    def __init__(self, stream: Iterator[tuple[str, Blob]], spare: Callable[[str], Blob]) -> None:
        self.stream = stream
        self.spare = spare
        self.ahead: list[tuple[str, Blob]] = []

    def __call__(self, sha: str) -> Blob:
        # The walker asks in plan order but may skip a planned blob (after a file
        # it could not read); an unforeseen blob must not drain the stream.
        for i, (got, data) in enumerate(self.ahead):
            if got == sha:
                del self.ahead[:i + 1]
                return data
        for got, data in self.stream:
            if got == sha:
                self.ahead.clear()
                return data
            self.ahead.append((got, data))
            if len(self.ahead) > 4:
                break
        return self.spare(sha)

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close:
            close()
