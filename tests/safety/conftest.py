"""Red-team fixtures: the simulator posing as a real region (loopback only), and sessions on both."""
import pytest

from diag.client.connect import connect
from diag.core.regions import Region
from diag.sim import IN_PROCESS_BASE, Simulator


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


def sessions(sim, **kw):
    """(simulator session, REAL-org session) on one in-process simulator: both policies, no socket."""
    table = {"us_east_1": Region("us_east_1", IN_PROCESS_BASE, IN_PROCESS_BASE)}
    real = connect("us_east_1", token=sim.user_token(), regions=table, environ={}, dotenv=None,
                   transport=sim.transport(), sleep=lambda s: None, **kw)
    return connect(simulator=sim, environ={}, dotenv=None, sleep=lambda s: None, **kw), real
