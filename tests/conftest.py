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


# The suite's dearest tests (seconds of CPU each, measured), started first so that the short ones fill the end of
# the run instead of one long test running alone on one worker.
HEAVY_FIRST = (
    "tests/ui/test_lab_browser.py",
    "tests/safety/test_doctor_agrees_with_the_simulator.py",
    "tests/contract/test_any_endpoint.py",     # the "sdk" group below: scheduled as one unit, where it first appears
    "tests/ui/test_voila_app.py",
    "tests/packaging/test_wheel.py",
    "tests/notebooks/test_notebooks.py::test_notebook_runs_headless",
    "tests/widgets/test_dashboard_and_export.py",
    "tests/reliability/test_canary_generator.py",
    "tests/reliability/test_load.py",
    "tests/contract/test_one_model.py",
    "tests/reliability/test_fuzz_doctor.py",
    "tests/usage/test_usage_and_charts.py",
    "tests/docs/test_docs_examples.py",
)


def _rank(item) -> int:
    return next((i for i, prefix in enumerate(HEAVY_FIRST) if item.nodeid.startswith(prefix)), len(HEAVY_FIRST))


def pytest_collection_modifyitems(config, items):
    """Heavy tests first: the short ones fill the end of the run."""
    items.sort(key=_rank)


# Tests that share something dear run on one worker (`make test` runs --dist loadgroup): the official SDK's import
# (seconds per process), and one JupyterLab server. Grouped by file here, because pytest 9.2 ignores the node-id
# suffix that xdist's own xdist_group mark relies on.
GROUPS = {
    "sdk": ("tests/contract/test_any_endpoint.py", "tests/unit/test_contract_vs_sdk.py",
            "tests/safety/test_what_dials.py", "tests/sim/test_sim_with_official_sdk.py"),
    "lab": ("tests/ui/test_lab_browser.py",),
    "app": ("tests/ui/test_voila_app.py",),                   # one Voila server
    # a module-scoped fixture that builds something dear: once per run, not once per worker
    "wheel": ("tests/packaging/test_wheel.py",),              # builds and installs the wheel
    "docs": ("tests/docs/test_docs_examples.py",),            # builds the site
    "scripts": ("tests/safety/test_repro_scripts.py",),       # writes and runs the replay scripts
    "generated": ("tests/safety/test_generated_code.py",),    # a `diag sim` process and a bundle
}


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((name for name, files in GROUPS.items() if nodeid.startswith(files)), nodeid)

    return ByGroup(config, log)


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
