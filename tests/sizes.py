"""How many generated cases a property test runs, and how much of an exhaustive comparison: all of them in
`make test`; `make test-fast` sets DIAG_TEST_SCALE=0.1 for the inner loop (never below 20 examples)."""
import os

SCALE = float(os.environ.get("DIAG_TEST_SCALE", "1") or 1)


def examples(n: int) -> int:
    return max(20, int(n * SCALE)) if SCALE < 1 else n


def sample(items: list) -> list:
    """All of `items` in `make test`; an even spread of SCALE of them (every tenth) in `make test-fast`."""
    return items if SCALE >= 1 else items[::max(1, round(1 / SCALE))]
