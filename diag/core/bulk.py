"""Reading large evidence without the cycle collector's pauses.

Reading a HAR of 10,000 entries makes millions of objects (the parsed file, each entry's fields, its redacted copy)
that all live until the read ends. Python's cycle collector is triggered by allocations and walks every live
container each time its oldest generation is due: 13-25 % of such a read, freeing nothing (a read makes no cycles
that outlive it). `no_gc_pauses()` holds it off for the read and turns it back on after, whatever happens.

The collector's switch is the process's, and a kernel reads in threads: the first block in (of any thread) turns
it off and remembers whether it was on, the last one out puts it back; a lock keeps the two steps together.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["no_gc_pauses"]

_lock = threading.Lock()
_inside = 0           # blocks open, in every thread
_was_on = False       # the collector's state when the first of them opened


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The cycle collector off inside the block, back as it was after (blocks nested or open in other threads at
    once, and an error, included); reference counting still frees everything as usual."""
    global _inside, _was_on
    with _lock:
        if _inside == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_on:
                gc.enable()
