"""An adversarial input is read in linear time: the read is stopped with TimeoutError after `seconds` (SIGALRM), so
a quadratic pattern fails its test instead of hanging the suite. Not a timed assertion: the bound is 100x what a
linear read of these inputs takes."""
from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def in_linear_time(seconds: int = 10) -> Iterator[None]:
    def too_slow(*_):
        raise TimeoutError("quadratic: an adversarial input took longer than any linear read of it")

    before = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
