import pytest

from diag.client.connect import connect
from diag.core.regions import Region


@pytest.fixture
def real_org_session(sim):
    """The simulator posing as a real region: the real-org code path, on loopback."""
    return connect("us_east_1", token=sim.user_token(), regions={"us_east_1": Region("us_east_1", sim.base_url,
                                                                                     sim.base_url)},
                   environ={}, dotenv=None)
