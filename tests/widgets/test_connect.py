"""The connection panel: simulator by default, a real region with typed credentials that are never kept."""
from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.app.widgets.connect import SIMULATOR, ConnectModel, ConnectView
from diag.client.connect import connect
from diag.core.regions import Region
from diag.sim import Simulator


def loopback_connector(*sims):
    """connect() with the region table pointing at simulators on 127.0.0.1 (the real-org path, no internet)."""
    table = {s.region: Region(s.region, s.base_url, s.base_url) for s in sims}

    def connector(region=None, **kw):
        if region is None:
            return connect(simulator=kw.pop("simulator", sims[0]), **kw)
        return connect(region, regions=table, environ={}, dotenv=None, **kw)
    return connector


def test_simulator_by_default_with_identity(sim):
    view = ConnectView(ConnectModel(connector=loopback_connector(sim)))
    assert view.region.value == SIMULATOR and "Not connected" in view.status.value
    view.button.click()
    assert "simulator" in view.status.value and "Avery Agent (user token" in view.status.value


def test_real_region_with_typed_secret_that_is_not_kept(sim):
    with Simulator(seed=2, region="eu_west_1") as real:
        c = real.client()
        model = ConnectModel(connector=loopback_connector(sim, real))
        composer = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=connect(simulator=sim)))
        model.listeners.append(composer.set_session)
        view = ConnectView(model)
        view.region.value = "eu_west_1"
        view.client_id.value = c.id
        view.client_secret.value = c.secret
        view.button.click()
        assert view.client_secret.value == "" and view.token.value == ""
        assert "REAL ORG" in view.status.value and "client credentials: cannot place calls" in view.status.value
        assert "REAL ORG" in composer.header.value and "cannot place calls" in composer.header.value
        composer.send_button.click()     # a real org: the panel asks, naming org, region and number
        assert "eu_west_1" in composer.confirm_text.value and composer.confirm.layout.display == "flex"
        assert c.secret not in view.status.value + composer.header.value + repr(model.session)


def test_wrong_secret_is_explained_and_cleared(sim):
    with Simulator(seed=2, region="eu_west_1") as real:
        c = real.client()
        view = ConnectView(ConnectModel(connector=loopback_connector(sim, real)))
        view.region.value = "eu_west_1"
        view.client_id.value = c.id
        view.client_secret.value = "wrong-" + c.secret
        view.button.click()
        assert "client id or secret was refused" in view.error.value
        assert view.client_secret.value == "" and c.secret not in view.error.value
        assert view.model.session is None


def test_pasted_user_token(sim):
    with Simulator(seed=2, region="eu_west_1") as real:
        view = ConnectView(ConnectModel(connector=loopback_connector(sim, real)))
        view.region.value = "eu_west_1"
        view.token.value = real.user_token("sam")
        view.button.click()
        assert "Sam NoStation (user token" in view.status.value and view.token.value == ""


import pytest  # noqa: E402

from diag.app.widgets.connect import PERSONAS  # noqa: E402


@pytest.mark.parametrize("persona,status,code", [
    (SIMULATOR, 200, None),
    ("simulator: user without a station", 400, "conversation.error.no.user.station"),
    ("simulator: user without the call permission", 403, "missing.any.permissions"),
    ("simulator: client credentials", 400, "not.a.user")])
def test_each_simulator_persona_reproduces_its_error_through_the_ui(sim, persona, status, code):
    model = ConnectModel(connector=loopback_connector(sim))
    composer = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}'))
    model.listeners.append(composer.set_session)
    view = ConnectView(model)
    assert any(value == persona and (code or "places calls") in label for label, value in view.region.options)
    view.region.value = persona
    view.button.click()
    assert view.error.value == "" and "simulator" in view.status.value
    composer.send_button.click()
    ex = composer.model.last_exchange
    assert ex.status == status and ex.error_code == code
    assert (code or "HTTP 200") in composer.result.value


def test_credentials_typed_on_the_simulator_are_used_or_refused_never_ignored(sim):
    view = ConnectView(ConnectModel(connector=loopback_connector(sim)))
    view.client_id.value = "not-a-simulated-client"
    view.client_secret.value = "whatever-secret"
    view.button.click()
    assert "simulator has no client with that id and secret" in view.error.value and view.model.session is None
    c = sim.client()
    view.client_id.value, view.client_secret.value = c.id, c.secret
    view.button.click()
    assert view.error.value == "" and "client credentials" in view.status.value


def test_regions_are_listed_with_their_hosts():
    labels = [label for label, _ in ConnectModel.regions()]
    assert "eu_west_1 (mypurecloud.ie)" in labels and len(PERSONAS) == 4
