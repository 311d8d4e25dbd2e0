"""Secret and PII canaries through every output diag can make: zero hits."""
import json
import re
import zipfile
from pathlib import Path

import pytest

from diag.app import cli
from diag.app.ticket import bundle_from_session
from diag.client.connect import connect
from diag.core.errors import DiagError
from diag.core.regions import REGIONS, Region
from diag.sim import Simulator
from diag.sim.org import load_org

ROOT = Path(__file__).resolve().parents[2]
CANARY_SECRET = "CANARY-SECRET-5c1e7a"
CANARY_CLIENT = "c1000000-0000-4000-8000-00000000c0de"
CANARY_NUMBER = "+13175550177"


def demo_secrets() -> list[str]:
    """What a notebook's own simulator hands out: every demo user token and client secret."""
    sim = Simulator(seed=1)
    return [sim.user_token(u) for u in sim.org.users] + [c.secret for c in load_org().clients.values() if c.secret]


@pytest.fixture
def canary_world():
    clients = [{"id": CANARY_CLIENT, "secret": CANARY_SECRET, "name": "Canary", "grant": "client_credentials",
                "permissions": ["usage:organization:view", "oauth:client:view", "analytics:rateLimitAggregate:view",
                                "analytics:conversationAggregate:view"]},
               {"id": "c1000000-0000-4000-8000-0000000000c2", "secret": None, "name": "Agent desktop (PKCE)",
                "grant": "authorization_code", "redirect_uris": ["http://127.0.0.1/callback"],
                "user": "0a000000-0000-4000-8000-0000000000a1"}]
    with Simulator(seed=9, region="us_east_1", overrides={"clients": clients}) as sim:
        yield sim, {"us_east_1": Region("us_east_1", sim.base_url, sim.base_url)}


def test_every_other_output(canary_world, tmp_path, capsys, monkeypatch):
    sim, regions = canary_world
    user_token = sim.user_token()
    outputs: list[str] = []
    # sessions: client credentials and a user token, on the "real" region
    cc = connect("us_east_1", client_id=CANARY_CLIENT, client_secret=CANARY_SECRET, regions=regions, environ={},
                 dotenv=None)
    cc.send("GET", "/api/v2/tokens/me")
    cc.call({"phoneNumber": CANARY_NUMBER}, confirm=lambda p: True)
    us = connect("us_east_1", token=user_token, regions=regions, environ={}, dotenv=None)
    us.call({"phoneNumber": CANARY_NUMBER, "attributes": {"token": user_token}}, confirm=lambda p: True)
    us.send("GET", f"/api/v2/users/me?access_token={user_token}")
    outputs += [repr(cc), repr(us), repr(cc.tokens), repr(us.tokens), repr(cc.log), us.preflight().text()]
    outputs += [json.dumps(e.to_dict()) for e in list(cc.log) + list(us.log)]
    outputs += [e.to_curl() + e.to_python() for e in us.log]
    outputs.append(us.log.save(tmp_path / "log.jsonl").read_text())
    # exceptions
    for action in (lambda: connect("us_east_1", client_id=CANARY_CLIENT, client_secret=CANARY_SECRET + "x",
                                   regions=regions, environ={}, dotenv=None).send("GET", "/api/v2/tokens/me"),
                   lambda: us.call({"phoneNumber": CANARY_NUMBER}),
                   lambda: us.call({"phoneNumber": "911"}, confirm=lambda p: True)):
        with pytest.raises(DiagError) as info:
            action()
        outputs += [str(info.value), repr(info.value)]
    # the bundle
    bundle = bundle_from_session(tmp_path / "t.zip", us, exchanges=list(us.log) + list(cc.log),
                                 secrets=cc.tokens.secrets())
    with zipfile.ZipFile(bundle.path) as z:
        outputs += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")]
    outputs.append(bundle.summary)
    # the command line, on the same "real" region
    monkeypatch.setitem(REGIONS, "us_east_1", regions["us_east_1"])
    monkeypatch.setenv("GENESYS_CLOUD_ACCESS_TOKEN", user_token)
    body = tmp_path / "b.json"
    body.write_text(json.dumps({"phoneNumber": CANARY_NUMBER}))
    assert cli.main(["preflight", "--region", "us_east_1"]) == 0      # a user token with a station: ready
    assert cli.main(["call", "--region", "us_east_1", "--yes", "--json", "--log", str(tmp_path / "cli.jsonl"),
                     str(body)]) == 0
    assert (tmp_path / "cli.jsonl").stat().st_size > 0
    assert cli.main(["bundle", "--out", str(tmp_path / "cli.zip"), "--log", str(tmp_path / "cli.jsonl")]) == 0
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    secrets = [CANARY_SECRET, user_token] + cc.tokens.secrets()
    for text in outputs:
        for s in secrets:
            assert s not in text
    assert re.sub(r"\D", "", CANARY_NUMBER) not in re.sub(r"[\s().-]", "", captured.out.split("wrote", 1)[1])


# The saved notebooks (widget state included) are checked for these canaries where they are executed:
# tests/notebooks/test_notebooks.py::test_notebook_runs_headless (one execution per notebook serves both).
