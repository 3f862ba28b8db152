"""The garbage collector around builds (qingdan/memory.py)."""

from __future__ import annotations

import gc

from qingdan.memory import freeze_shared, gc_paused, thaw_shared


def test_gc_paused_disables_collection_inside_and_restores_it() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_gc_paused_leaves_what_is_frozen_for_a_fork_frozen() -> None:
    """Unfreezing at the end of a pause would hand the objects a forked child shares back to the
    collector, which would then copy every page they stand on."""
    freeze_shared()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gc_paused():
            made = [[n] for n in range(1000)]
        assert gc.get_freeze_count() == frozen
        assert len(made) == 1000
    finally:
        thaw_shared()
    assert gc.get_freeze_count() == 0


def test_gc_paused_moves_what_was_made_inside_to_the_oldest_generation() -> None:
    gc.collect()
    with gc_paused():
        made = [[n] for n in range(10_000)]
    assert gc.get_count()[0] < 1000  # not left young, to be walked again by the next collections
    assert len(made) == 10_000
