"""Red-team fixtures: the simulator posing as a real region (loopback only), and sessions on both."""
import pytest

from diag.core.regions import Region
from diag.client.session import connect
from diag.sim import Simulator


@pytest.fixture
def insim():
    """An in-process simulator (no socket): the fast path most probes use."""
    return Simulator(seed=1, overrides={"call_timeline_seconds": 0.5})


@pytest.fixture
def real():
    """(simulator over HTTP posing as us_east_1, a REAL-org session on it with a user token)."""
    with Simulator(seed=2, region="us_east_1") as sim:
        table = {"us_east_1": Region("us_east_1", sim.base_url, sim.base_url)}
        yield sim, connect("us_east_1", token=sim.user_token(), regions=table, environ={}, dotenv=None,
                           sleep=lambda s: None)


def yes(prompt):
    return True
