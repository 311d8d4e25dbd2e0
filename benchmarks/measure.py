"""Helpers the benchmarks share."""
from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path


def sdk_home_env() -> dict:
    """The environment with HOME at a folder holding the SDK's own ~/.genesyscloudpython, as on a machine where the
    SDK is configured. Without that folder the SDK, on import, watches the nearest existing parent recursively (the
    whole home folder: seconds here), which would make every SDK baseline look slower than it is."""
    import os
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="diag-bench-sdk-home-"))
    (home / ".genesyscloudpython").mkdir()
    return {**os.environ, "HOME": str(home)}


def import_sdk():
    """The SDK imported in this process under sdk_home_env()'s HOME (restored after)."""
    import importlib
    import os

    old = os.environ.get("HOME")
    os.environ["HOME"] = sdk_home_env()["HOME"]
    try:
        return importlib.import_module("PureCloudPlatformClientV2")
    finally:
        if old is not None:
            os.environ["HOME"] = old


def cold_seconds(code: str, runs: int = 5, cwd: Path | None = None, env: dict | None = None) -> float:
    """Median of `code` run in fresh interpreters; the code prints its own elapsed seconds last. One warm-up run."""
    def once() -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd,
                             env=env).stdout
        return float(out.split()[-1])
    once()
    return statistics.median(once() for _ in range(runs))
