"""When to build again: ``qingdan render --out DIR --watch`` waits here for the checkout to change.

What a build reads from the checkout is the files under lists/ and, through
the history, git's refs (a merge moves HEAD, a release is a tag). Both are
looked at every ``interval`` seconds: each file's size and modification time
(a walk of a few hundred files, under a millisecond) and ``git show-ref
--head`` (a few milliseconds). Polling, not file-system events: it works the same on a network
share, in a container and after ``git checkout`` replaced hundreds of files at
once. A change is reported once the checkout has held still for one interval,
so a save in several writes, or a checkout under way, gives one build.
:class:`Stop` is how the watching process ends: Ctrl+C or a service manager's
SIGTERM, never lost.
"""

from __future__ import annotations

import gc
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

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


class Stop:
    """Ctrl+C (SIGINT) and a service manager's stop (SIGTERM) end the watch, between or during builds.

    The handlers are set whatever the process was given: a command started in the background by a
    shell has SIGINT ignored, and Python then never makes it a KeyboardInterrupt. Python drops an
    exception raised while a finalizer runs (printing "Exception ignored"), so a stop is also kept
    as ``requested`` and looked at between steps (:meth:`check`), and while the garbage collector
    runs the finalizers of a whole build a stop is only noted (:meth:`collect`): a signal is handled
    in the main thread whenever it arrives, whichever thread received it, so holding it back there
    would not do.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self._before: dict[int, Any] = {}

    def __enter__(self) -> Stop:
        self._before = {signum: signal.signal(signum, self._handle) for signum in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._before.items():
            signal.signal(signum, handler)

    def _handle(self, _signum: int, _frame: Any) -> None:
        self.requested = True
        raise KeyboardInterrupt

    def check(self) -> None:
        """Stop now if asked to while an exception could not be raised."""
        if self.requested:
            raise KeyboardInterrupt

    def collect(self) -> None:
        """A full collection, a stop during it only noted (then raised here)."""
        for signum in self.SIGNALS:
            signal.signal(signum, self._note)
        try:
            gc.collect()
        finally:
            for signum in self.SIGNALS:
                signal.signal(signum, self._handle)
        self.check()

    def _note(self, _signum: int, _frame: Any) -> None:
        self.requested = True
