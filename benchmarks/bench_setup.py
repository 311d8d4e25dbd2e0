"""Set-up and test time from a fresh clone: `make setup` with uv (warm package cache, and a cold one), against pip
installing the same requirement set into a fresh venv in the same run; then `make test`'s wall time.

Targets: warm < 20 s, cold < 45 s, make test < 120 s (issue 26; 90 s before it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clone(into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into)], check=True)
    return into


def timed(cmd, cwd: Path, env=None) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr[-1500:]}")
    return round(time.perf_counter() - t, 1)


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm = clone(tmp / "warm")
        uv_warm = timed(["make", "setup"], warm)
        cold = clone(tmp / "cold")
        env = {**os.environ, "UV_CACHE_DIR": str(tmp / "empty-uv-cache")}
        uv_cold = timed(["make", "setup"], cold, env)
        piped = clone(tmp / "pip")
        pip_s = timed(["bash", "-c", f"{sys.executable} -m venv .venv && .venv/bin/python -m pip install -q "
                                     "--disable-pip-version-check -r requirements.txt"], piped)
        timed(["make", "setup-test"], warm)
        make_test = timed(["make", "test"], warm)
    return {"name": "set-up and test time from a fresh clone", "uv_warm_s": uv_warm, "uv_cold_s": uv_cold,
            "pip_s": pip_s, "make_test_s": make_test, "baseline": "pip install -r requirements.txt, fresh venv",
            "target": "warm < 20 s, cold < 45 s, make test < 120 s",
            "met": uv_warm < 20 and uv_cold < 45 and make_test < 120}


if __name__ == "__main__":
    r = run()
    print(f"make setup: uv warm {r['uv_warm_s']} s, uv cold {r['uv_cold_s']} s, pip {r['pip_s']} s; "
          f"make test {r['make_test_s']} s; target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
