import os
import tempfile

import pytest

from diag.sim import Simulator

# Every test (and every notebook kernel a test starts) saves its sessions in a throwaway workspace, never in ~.
os.environ["DIAG_HOME"] = tempfile.mkdtemp(prefix="diag-home-")


@pytest.fixture
def sim():
    with Simulator(seed=1, overrides={"call_timeline_seconds": 0.6}) as s:
        yield s


def _untracked(root):
    import subprocess
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                             text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {line[3:] for line in out.splitlines() if line.startswith("??")}


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):   # the controller only: after every worker has finished
        session.config._diag_untracked = _untracked(session.config.rootpath)


def pytest_sessionfinish(session, exitstatus):
    """No test writes into the repository (a replay script once left responses/ at its root)."""
    before = getattr(session.config, "_diag_untracked", None)
    after = _untracked(session.config.rootpath) if before is not None else None
    if before is not None and after is not None and after - before:
        import sys
        print(f"\ntests wrote into the repository: {sorted(after - before)[:10]}", file=sys.stderr)
        session.exitstatus = 1
