"""How many generated cases a property test runs: all of them in `make test`; `make test-fast` sets
DIAG_TEST_SCALE=0.1 for the inner loop (never below 20)."""
import os

SCALE = float(os.environ.get("DIAG_TEST_SCALE", "1") or 1)


def examples(n: int) -> int:
    return max(20, int(n * SCALE)) if SCALE < 1 else n
