"""Building history: the first-parent log, the blobs it needs, and the walker over them.

    git log (one pass) -> plan of blobs -> git cat-file (one process) -> Walker -> Steps

The plan lists every blob the walker will ask for, in order, so git inflates
the next file while Python compares the last one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import git

from ..gitrepo import NULL_SHA, BlobReader, Commit, first_parent_log, follows, tree_size
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
          progress: Progress | None = None) -> Cached:
    """History up to ``head``: from the cache, the cache plus new commits, or from scratch."""
    if cached is not None and cached.head == head:
        return cached
    if cached is not None and follows(repo, cached.head, head):
        commits = first_parent_log(repo, head, subdir, stop=cached.head)
        steps = walk(repo, commits, State.from_steps(cached.steps), progress, subdir)
        return Cached(head, cached.steps + steps, cached.rewrites, cached.segments, cached.saved)
    rewrites = list(cached.rewrites) if cached else []
    if cached is not None:
        rewrites.append({"old_head": cached.head, "new_head": head})
    return Cached(head, walk(repo, first_parent_log(repo, head, subdir), State(), progress, subdir), rewrites)


def walk(repo: git.Repo, commits: list[Commit], state: State | None = None,
         progress: Progress | None = None, subdir: str = "lists") -> list[Step]:
    """The Steps of ``commits`` (oldest first), continuing from ``state``."""
    steps: list[Step] = []
    if not commits:
        return steps
    cache = max(DELTA_CACHE_MIN, min(DELTA_CACHE_MAX, 3 * tree_size(repo, commits[-1].sha, subdir)))
    with BlobReader(repo, cache) as reader, BlobReader(repo) as spare:
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

    def __init__(self, stream: Iterator[tuple[str, bytes | None]], spare: Callable[[str], bytes | None]) -> None:
        self.stream = stream
        self.spare = spare
        self.ahead: list[tuple[str, bytes | None]] = []

    def __call__(self, sha: str) -> bytes | None:
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
