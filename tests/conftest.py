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
