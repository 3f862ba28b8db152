"""When to build again: ``qingdan render --out DIR --watch`` waits here for the checkout to change.

What a build reads from the checkout is the files under lists/ and, through
the history, git's refs (a merge moves HEAD, a release is a tag). Both are
looked at every ``interval`` seconds: each file's size and modification time
(a walk of a few hundred files, a millisecond or two) and ``git show-ref
--head``. Polling, not file-system events: it works the same on a network
share, in a container and after ``git checkout`` replaced hundreds of files at
once. A change is reported once the checkout has held still for one interval,
so a save in several writes, or a checkout under way, gives one build.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ..files import walk

Fingerprint = tuple[object, ...]


def fingerprint(lists_dir: Path) -> Fingerprint:
    """What a build would read, in brief: every entry under lists/ with its size and time, and git's refs."""
    tree = walk(lists_dir, stats=True)
    return tuple(sorted(tree.stats.items())), tuple(tree.refused), _refs(lists_dir)


def _refs(lists_dir: Path) -> str:
    """``git show-ref --head`` in the checkout (HEAD, branches, tags); empty outside a repository."""
    try:
        done = subprocess.run(["git", "-C", str(lists_dir), "show-ref", "--head"], capture_output=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.decode("utf-8", errors="replace")


def wait_for_change(lists_dir: Path, seen: Fingerprint, interval: float = 1.0) -> Fingerprint:
    """Return once the checkout differs from ``seen`` and has then held still for ``interval`` seconds.

    Give it what was seen before the last build started: a change made while it
    ran is then seen at once (at worst one build more).
    """
    now = seen
    while now == seen:
        time.sleep(interval)
        now = fingerprint(lists_dir)
    while True:  # until it holds still
        time.sleep(interval)
        settled = fingerprint(lists_dir)
        if settled == now:
            return now
        now = settled
