import pytest

from diag.sim import Simulator


@pytest.fixture
def sim():
    with Simulator(seed=1, overrides={"call_timeline_seconds": 0.6}) as s:
        yield s
