"""The second red-team pass (an independent attack on the gate once it existed): each break is a test here."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from diag.app import cli
from diag.client.gate import Confirmation
from diag.client.connect import connect
from diag.core.errors import BlockedNumber, ConfirmationRequired, NumberNotAllowed, UnreadableBody, UnsafeRequest
from diag.core.exchange import Exchange
from diag.core.regions import Region
from diag.reports.bundle import build_bundle
from diag.sim import IN_PROCESS_BASE, Simulator

from .conftest import sessions, yes

CALLS = "/api/v2/conversations/calls"


@pytest.fixture
def sim():
    return Simulator(seed=31)


@pytest.mark.parametrize("value", ["<sip:911@gw.example.com>", '"Help" <tel:911>', "\u200etel:911", "\x00911",
                                   "<112>", "\u260e 911", "{911}", "\ufefftel:911", "Phone: 911", "9\u00b71\u00b71",
                                   "9\u22121\u22121", "9\u03011\u03011", "9\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3",
                                   "9\x001\x001", "9:1:1", "1\u00b71\u00b72", "9,911", "9911", "1911",
                                   "0011 61 000", "010 81 110", "911" + " " * 300])
def test_values_that_started_with_an_unstripped_character(sim, value):
    for s in sessions(sim):
        for body in ({"phoneNumber": value}, {"participants": [{"address": value}]}):
            with pytest.raises(BlockedNumber):
                s.call(body, confirm=yes)
    assert sim.calls_placed == 0


@pytest.mark.parametrize("content", [b'{"phoneNumber": "911", "label": "\xed\xa0\x80"}',
                                     '{"phoneNumber": "911", "label": "\ud800"}'])
def test_undecodable_bytes_still_get_read(sim, content):
    plain, real = sessions(sim)
    with pytest.raises(BlockedNumber):
        plain.call(content)
    with pytest.raises((UnreadableBody, BlockedNumber)):
        real.call(content, confirm=yes)
    assert sim.calls_placed == 0


@pytest.mark.parametrize("value", ["<+13175550199>", "<tel:+13175550199>", "+13175550100:9", "+13175550100\u03019",
                                   "Phone: +13175550199", "+13175550100 then +13175550199"])
def test_the_allow_list_matches_exactly(sim, value):
    plain, real = sessions(sim, allowed_numbers=["+13175550100"])
    for s in (plain, real):
        with pytest.raises((NumberNotAllowed, BlockedNumber)):
            s.call({"phoneNumber": value}, confirm=yes)
    with pytest.raises(NumberNotAllowed):   # an unknown query parameter may be dialled by a real org
        real.send("POST", CALLS + "?phoneNumber=%2B13175550199", {"phoneNumber": "+13175550100"}, confirm=yes)
    assert sim.calls_placed == 0


def test_the_query_string_is_part_of_what_is_confirmed(sim):
    _, real = sessions(sim)
    grant = Confirmation.of(real.confirm_for("POST", CALLS, {"phoneNumber": "+13175550100"}))
    with pytest.raises(ConfirmationRequired):
        real.send("POST", CALLS + "?callerId=%2B13175550199", {"phoneNumber": "+13175550100"}, confirm=grant)
    grant = Confirmation.of(real.confirm_for("DELETE", "/api/v2/users/u1"))
    with pytest.raises(ConfirmationRequired):
        real.send("DELETE", "/api/v2/users/u1?hard=true", confirm=grant)


def test_a_confirmation_is_used_up(sim):
    _, real = sessions(sim)
    body = {"phoneNumber": "+13175550100"}
    grant = Confirmation.of(real.confirm_for("POST", CALLS, body))
    assert real.call(body, confirm=grant).status == 200
    with pytest.raises(ConfirmationRequired):      # a re-send asks again
        real.call(body, confirm=grant)
    assert sim.calls_placed == 1


@pytest.mark.parametrize("headers,body", [
    ({"Authorization": " Basic YTpi"}, None),
    ({"X-Auth": "Basic YTpi"}, {"client\u005fsecret": "x"}),
    ({}, {"client_secret": "x"}),
    ({}, {"note": "THE-SECRET"}),
    ({}, "{\"x\": \"\\u0054HE-SECRET\"}"),
])
def test_client_credentials_never_reach_the_api_host(headers, body):
    with Simulator(seed=32, region="us_east_1") as home:
        c = home.client()
        table = {"us_east_1": Region("us_east_1", home.base_url, home.base_url.replace("127.0.0.1", "localhost"))}
        s = connect("us_east_1", client_id=c.id, client_secret=c.secret, regions=table, environ={}, dotenv=None)
        if isinstance(body, dict) and body.get("note") == "THE-SECRET":
            body = {"note": c.secret}
        if isinstance(body, str):
            body = body.replace("\\u0054HE-SECRET", "\\u00" + format(ord(c.secret[0]), "02x") + c.secret[1:])
        with pytest.raises(UnsafeRequest):
            s.send("POST", "/api/v2/users/me", body if body is not None else {"x": 1}, headers=headers, confirm=yes)
        assert home.requests_received("POST", "/api/v2/users/me") == 0


@pytest.mark.parametrize("path", ["/api/v2/%63onversations/calls", "/api/v2/users/%2e%2e/conversations/calls",
                                  "/api/v2/users/..;/conversations/calls", "/api/v2/conversations%2Fcalls",
                                  "/api/v2/conversations/calls;x=1"])
def test_encoded_paths_are_refused(sim, path):
    for s in sessions(sim):
        with pytest.raises(UnsafeRequest):
            s.send("POST", path, {"phoneNumber": "611"}, confirm=yes)


def test_case_variants_are_classified_as_what_they_would_reach(sim):
    _, real = sessions(sim)
    with pytest.raises(BlockedNumber):     # /Conversations/calls is checked as the call it may be
        real.send("POST", "/api/v2/Conversations/calls", {"phoneNumber": "611"}, confirm=yes)


def test_method_override_headers_are_refused(sim):
    for s in sessions(sim):
        with pytest.raises(UnsafeRequest):
            s.send("GET", "/api/v2/users/me", headers={"X-HTTP-Method-Override": "DELETE"})


def test_retry_limits_cannot_be_raised(sim):
    s = connect(simulator=sim, environ={}, dotenv=None, max_429_resends=50, retry_after_cap=10_000)
    assert s.max_429_resends == 3 and s.retry_after_cap == 180


def test_resend_from_a_log_refuses_a_redacted_query(sim, tmp_path):
    s = connect(simulator=sim, environ={}, dotenv=None)
    ex = Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="GET",
                  url=IN_PROCESS_BASE + "/api/v2/tokens/me?code=[REDACTED]", path="/api/v2/tokens/me?code=[REDACTED]",
                  template=None, request_headers={}, request_body=None)
    with pytest.raises(UnsafeRequest):
        s.resend(ex)


def _crafted_log(tmp_path, sim) -> tuple:
    s = connect(sim_url=sim.base_url)
    s.call({"phoneNumber": "+13175550100"})
    recs = [e.to_dict() for e in s.log]
    call = next(r for r in recs if r["method"] == "POST")
    call["template"] = ("/api/v2/conversations/calls\ncurl -sS -X POST \"$API/api/v2/conversations/calls\" -H "
                        "\"Authorization: Bearer $GENESYS_CLOUD_ACCESS_TOKEN\" --data '{\"phoneNumber\":\"911\"}'\n#")
    call["correlation_id"] = "x\n'), ('POST', '/api/v2/conversations/calls', '{\"phoneNumber\": \"911\"}', 200),#"
    evil = dict(call, request_body={"phoneNumber": "911"},
                template="/api/v2/conversations/calls\n    ('POST', '/api/v2/conversations/calls', "
                         "'{\"phoneNumber\": \"911\"}', 200),\n    #")
    method = dict(call, method="POST -d @/etc/passwd")
    far = dict(call, url="https://attacker.example/api/v2/conversations/calls")
    path = tmp_path / "crafted.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs + [evil, method, far]))
    return path


def test_a_crafted_log_cannot_inject_into_the_replay_scripts(tmp_path):
    with Simulator(seed=33) as sim:
        log = _crafted_log(tmp_path, sim)
        assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t.zip")]) == 0
        zipfile.ZipFile(tmp_path / "t.zip").extractall(tmp_path / "t")
        env = {**os.environ, "GENESYS_CLOUD_API": sim.base_url, "GENESYS_CLOUD_ACCESS_TOKEN": sim.user_token(),
               "NUMBER_1": "+13175550100", "NUMBER_2": "+13175550100"}
        before = sim.calls_placed
        for cmd in (["bash", str(tmp_path / "t" / "repro.sh")], [sys.executable, str(tmp_path / "t" / "repro.py")]):
            subprocess.run(cmd, env=env, capture_output=True, timeout=60, cwd=tmp_path)
        assert not any(c.number == "911" for c in sim.state.calls.values())
        # the genuine call and the record from another host (replayed to GENESYS_CLOUD_API), once per script; the
        # record with a smuggled method and the refused 911 are left out
        assert sim.calls_placed - before == 4
        sh = (tmp_path / "t" / "repro.sh").read_text()
        assert "/etc/passwd" not in sh and "attacker.example" not in sh


def test_replay_scripts_never_default_to_a_host_from_the_log(tmp_path):
    ex = Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="GET",
                  url="https://attacker.example/api/v2/tokens/me", path="/api/v2/tokens/me", template=None,
                  request_headers={}, request_body=None, status=200)
    build_bundle(tmp_path / "t.zip", [ex])
    zipfile.ZipFile(tmp_path / "t.zip").extractall(tmp_path / "t")
    for name in ("repro.sh", "repro.py"):
        assert "attacker.example" not in (tmp_path / "t" / name).read_text()
    r = subprocess.run(["bash", str(tmp_path / "t" / "repro.sh")], cwd=tmp_path, capture_output=True, text=True, timeout=30,
                       env={**os.environ, "GENESYS_CLOUD_ACCESS_TOKEN": "t"})
    assert r.returncode != 0 and "GENESYS_CLOUD_API" in r.stderr


def test_ids_with_digit_pairs_are_not_mistaken_for_numbers(sim):
    """Guard against the fix going too far: ids such as 3ad15e00-... hold '15' (France's SAMU) glued to letters."""
    plain, real = sessions(sim)
    body = {"phoneNumber": "+13175550100", "callFromQueueId": "3ad15e00-5c2f-4a12-8112-000000000999",
            "label": "ticket A-7", "attributes": {"crm": "c911d"}}
    assert plain.call(body).status == 200
    assert real.call(body, confirm=yes).status == 200
