"""Connecting: simulator by default, regions, credentials, grants, wrong regions, token expiry."""
import pytest
import requests

import diag
from diag.client.auth import ClientCredentialsGrant, Credentials, PkceLogin, StaticToken
from diag.client.connect import connect, locate_region
from diag.core.errors import AuthError, ConfigError
from diag.core.regions import REGIONS, UnknownRegion, find_region
from diag.sim import Simulator

from .conftest import CANARY_CLIENT, CANARY_SECRET, region_of


def test_nothing_configured_means_the_simulator_clearly_labelled(tmp_path):
    s = connect(environ={}, dotenv=tmp_path / "none.env")
    assert s.simulated and "simulator" in s.label and "SIMULATOR" in repr(s)
    assert s.call({"phoneNumber": "+13175550100"}).status == 200


def test_region_table_has_every_region_of_the_facts():
    assert len(REGIONS) == 18
    assert find_region("eu_west_1").api_base == "https://api.mypurecloud.ie"
    assert find_region("eu-west-1").name == "eu_west_1"
    assert find_region("api.usw2.pure.cloud").name == "us_west_2"
    assert find_region("https://login.mypurecloud.jp/oauth/token").name == "ap_northeast_1"
    assert find_region("mypurecloud.de").name == "eu_central_1"
    assert find_region("us_east_2").login_base == "https://login.use2.us-gov-pure.cloud"


def test_region_typo_lists_valid_regions():
    with pytest.raises(UnknownRegion) as info:
        find_region("eu_wset_1")
    assert "eu_west_1" in str(info.value) and "ap_southeast_2" in str(info.value)
    assert "eu_west_1" in info.value.suggestions


def test_credentials_from_environment_and_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("GENESYS_CLOUD_REGION=eu_west_1\nexport GENESYS_CLOUD_CLIENT_ID='abc'\n"
                        "GENESYS_CLOUD_CLIENT_SECRET=\"s3cret-value\"\n")
    creds = Credentials.from_env({"GENESYS_CLOUD_REGION": "us_east_1"}, env_file)
    assert (creds.region, creds.client_id, creds.client_secret) == ("us_east_1", "abc", "s3cret-value")
    assert "s3cret-value" not in repr(creds) and "***" in repr(creds)


def test_credentials_without_region_mean_the_simulator_with_a_hint(tmp_path):
    s = connect(environ={"GENESYS_CLOUD_ACCESS_TOKEN": "t", "GENESYS_CLOUD_REGION": "eu_west_1"}, dotenv=None)
    assert s.simulated and "region=" in s.hint


def test_real_region_without_credentials_is_a_clear_error():
    with pytest.raises(ConfigError, match="GENESYS_CLOUD_ACCESS_TOKEN"):
        connect("eu_west_1", environ={}, dotenv=None)


def test_client_credentials_token_cannot_place_a_call_and_says_why(real_org):
    sim, regions = real_org
    s = connect("us_east_1", client_id=CANARY_CLIENT, client_secret=CANARY_SECRET, regions=regions, environ={},
                dotenv=None)
    assert not s.simulated and "REAL ORG" in s.label
    ex = s.call({"phoneNumber": "+13175550100"}, confirm=lambda prompt: True)
    assert ex.status == 400 and ex.error_code == "not.a.user"
    assert "user token" in ex.explanation and "/api/v2/conversations/calls/user/{userId}" in ex.explanation


def test_wrong_region_client_is_found_in_its_region(real_org):
    sim, regions = real_org
    with Simulator(seed=3, region="eu_west_1") as other:
        c = other.client()
        table = {**regions, "eu_west_1": region_of(other, "eu_west_1")}
        s = connect("us_east_1", client_id=c.id, client_secret=c.secret, regions=table, environ={}, dotenv=None)
        with pytest.raises(AuthError) as info:
            s.send("GET", "/api/v2/tokens/me")
        assert info.value.code == "invalid_client" and "admin UI" in str(info.value)
        assert "eu_west_1" in str(info.value) and c.secret not in str(info.value)
        # the secret went to the chosen region's login host only, never to the others to "find" its region
        assert other.requests_received("POST", "/oauth/token") == 0


def test_wrong_region_token_is_found_in_its_region(real_org):
    sim, regions = real_org
    with Simulator(seed=3, region="eu_west_1") as other:
        token = other.user_token()
        table = {**regions, "eu_west_1": region_of(other, "eu_west_1")}
        s = connect("us_east_1", token=token, regions=table, environ={}, dotenv=None)
        ex = s.send("GET", "/api/v2/tokens/me")
        assert ex.status == 401 and ex.error_code == "bad.credentials"
        assert "another region" in ex.explanation
        assert s.locate_token_region() == "eu_west_1"
        assert locate_region(token, table) == "eu_west_1"


def test_pkce_login_end_to_end_against_the_simulator(real_org):
    sim, regions = real_org
    pkce = sim.client("Agent desktop (PKCE)")
    source = PkceLogin(sim.base_url, pkce.id, opener=lambda url: requests.get(url, timeout=10), timeout=10)
    token = source.token()
    assert token and repr(source).find(token) == -1
    s = diag.Session(sim.base_url, StaticToken(token), region="us_east_1", simulated=False)
    me = s.send("GET", "/api/v2/users/me")
    assert me.status == 200 and me.response_body["name"] == "Avery Agent"


def test_client_credentials_refresh_transparently_when_the_server_expires_them():
    now = [1_900_000_000.0]
    with Simulator(clock=lambda: now[0], overrides={"token_lifetime_seconds": 120}) as sim:
        c = sim.client()
        s = diag.Session(sim.base_url, ClientCredentialsGrant(sim.base_url, c.id, c.secret), simulated=False,
                         region="us_east_1")
        assert s.send("GET", "/api/v2/tokens/me").status == 200
        now[0] += 121     # the server now considers the token expired; the client still thinks it is fresh
        ex = s.send("GET", "/api/v2/tokens/me")
        assert ex.status == 200 and ex.attempt == 2
        assert any("fetched a new one" in n for n in s.log[-2].notes)


def test_expired_pasted_token_is_explained():
    now = [1_900_000_000.0]
    with Simulator(clock=lambda: now[0], overrides={"token_lifetime_seconds": 60}) as sim:
        c = sim.client()
        token = requests.post(sim.base_url + "/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(c.id, c.secret)).json()["access_token"]
        s = diag.Session(sim.base_url, StaticToken(token), simulated=False, region="us_east_1")
        now[0] += 61
        ex = s.send("GET", "/api/v2/tokens/me")
        assert ex.status == 401 and any("may have expired" in n for n in ex.notes)


@pytest.mark.parametrize("held,ok", [("conversation:conference:add", True), ("conversation:*:*", True),
                                     ("conversation:conference:*", True), ("*:*:*", True),
                                     ("conversation:call:add", False), ("conversation:conference", False)])
def test_permission_wildcards(held, ok):
    from diag.core.model import grants

    assert grants(held, "conversation:conference:add") is ok


def test_preflight_names_the_grant_and_reports_a_5xx_as_such():
    sim = Simulator(seed=61, overrides={"users": [
        {"id": "0a000000-0000-4000-8000-0000000000a1", "name": "Wanda Wildcard", "email": "w@example.com",
         "station": "Desk 1", "permissions": ["conversation:*:*"]}]})
    s = connect(simulator=sim, token=sim.user_token("wanda"), environ={}, dotenv=None)
    report = s.preflight()
    assert report.ok and "granted conversation:conference:add (by conversation:*:*)" in report.text()
    sim.faults.add("/api/v2/users/me", "status", status=503)
    text = connect(simulator=sim, token=sim.user_token("wanda"), environ={}, dotenv=None,
                   sleep=lambda t: None).preflight().text()
    assert "could not be checked" in text and "503" in text and "not a user token" not in text
