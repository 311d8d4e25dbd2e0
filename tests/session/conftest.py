import pytest

from diag.core.regions import Region
from diag.sim import Simulator

CANARY_SECRET = "CANARY-client-secret-7f3a9d"
CANARY_CLIENT = "c1000000-0000-4000-8000-00000000beef"


def region_of(sim, name):
    return Region(name, sim.base_url, sim.base_url)


@pytest.fixture
def real_org():
    """A simulator posing as a real region (us_east_1): real-org code paths, loopback only."""
    clients = [{"id": CANARY_CLIENT, "secret": CANARY_SECRET, "name": "Canary integration",
                "grant": "client_credentials", "permissions": ["usage:organization:view", "oauth:client:view",
                                                            "conversation:agentlessCall:add"]},
               {"id": "c1000000-0000-4000-8000-0000000000c2", "secret": None, "name": "Agent desktop (PKCE)",
                "grant": "authorization_code", "redirect_uris": ["http://127.0.0.1/callback"],
                "user": "0a000000-0000-4000-8000-0000000000a1", "scopes": ["conversations"]}]
    with Simulator(seed=2, region="us_east_1", overrides={"clients": clients, "call_timeline_seconds": 0.5}) as sim:
        yield sim, {"us_east_1": region_of(sim, "us_east_1")}
