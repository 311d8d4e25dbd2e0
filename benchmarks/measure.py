"""Helpers the benchmarks share."""
from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path


def cold_seconds(code: str, runs: int = 5, cwd: Path | None = None) -> float:
    """Median of `code` run in fresh interpreters; the code prints its own elapsed seconds last. One warm-up run."""
    def once() -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd).stdout
        return float(out.split()[-1])
    once()
    return statistics.median(once() for _ in range(runs))
