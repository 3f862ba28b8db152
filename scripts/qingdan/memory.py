"""The garbage collector around big builds: paused while millions of objects are made, frozen at a fork.

:func:`gc_paused` keeps collections out of a build (they would walk the
millions of new lists and models again and again); :func:`freeze_shared` and
:func:`thaw_shared` keep them away from the objects a forked child shares
(render/background.py): a collection writes to every object it visits, and so
copies every memory page the two processes share.

Whether this process froze them is kept here rather than asked of the
collector: ``gc.get_freeze_count()`` counts the frozen objects one by one
(0.5 s at 100,000 items, and in a forked child a write to each of them).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False  # inherited by a forked child: its objects are frozen too


def freeze_shared() -> None:
    """Move every object out of the collector's reach, before a fork."""
    global _frozen
    gc.freeze()
    _frozen = True


def thaw_shared() -> None:
    """Give the objects :func:`freeze_shared` froze back to the collector."""
    global _frozen
    gc.unfreeze()
    _frozen = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection inside; what was built ends in the oldest generation.

    Freezing then unfreezing moves every object to the oldest generation at
    once, so the first collection after the run does not walk the millions of
    new objects as young ones (0.3 s on 100,000 items). Skipped where objects
    are frozen (:func:`freeze_shared`, in this process or the parent of this
    forked child), as unfreezing would undo that.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _frozen:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
