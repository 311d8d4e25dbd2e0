"""Every probe of the red-team pass (issue 12), kept as a regression test: each placed a call or leaked before."""
import json
import socket
import threading

import pytest

import diag
from diag.app import cli
from diag.client.gate import Confirmation
from diag.client.pacing import run_batch
from diag.client.connect import connect
from diag.core.errors import (
    BlockedNumber,
    ConfirmationDeclined,
    ConfirmationRequired,
    NumberNotAllowed,
    SafetyError,
    UnreadableBody,
    UnsafeRequest,
)
from diag.core.exchange import Exchange, ExchangeLog
from diag.core.regions import Region
from diag.sim import Simulator

from .conftest import sessions, yes

CALLS = "/api/v2/conversations/calls"


def sim_session(insim, **kw):
    return connect(simulator=insim, environ={}, dotenv=None, **kw)


# ---- bodies a lenient server reads although json.loads refuses them ----

@pytest.mark.parametrize("text", [
    '\ufeff{"phoneNumber": "911"}',                        # a BOM in front
    '{"phoneNumber": "911"} trailing',                     # trailing data (Jackson reads the first value)
    '{"phoneNumber": "911"}{"phoneNumber": "+13175550100"}',
    '{"phoneNumber": "+13175550100", "phoneNumber": "112"}',   # duplicate keys
    '{"phoneNumber": "+13175550100" /* comment */, "x": 1} // "911"',
    '{"phoneNumber": "\\u0039\\u0031\\u0031"}',            # escaped digits
    '{"phoneNumber": "911"',                               # cut short
    "{'phoneNumber': '911'}",                             # single quotes
])
def test_text_bodies_with_an_emergency_number_never_leave(insim, text):
    s = sim_session(insim)
    with pytest.raises(BlockedNumber):
        s.call(text)
    with pytest.raises(BlockedNumber):
        s.send("POST", CALLS, text)
    assert insim.calls_placed == 0 and insim.requests_received("POST", CALLS) == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_other_encodings_are_read_too(insim, encoding):
    s = sim_session(insim)
    with pytest.raises(BlockedNumber):
        s.send("POST", CALLS, '{"phoneNumber": "911"}'.encode(encoding))
    assert insim.calls_placed == 0


@pytest.mark.parametrize("body", [{"participants": [{"address": 112}]}, {"phoneNumber": 911},
                                  {"phoneNumber": 911.0}, {"phoneNumber": [911]},
                                  {"phoneNumber": int("911" + "0" * 40)}, {"phoneNumber": int("112" + "9" * 45)}])
def test_numbers_as_json_integers_in_dialled_positions(insim, body):
    plain, real = sessions(insim)
    if len(str(body.get("phoneNumber", ""))) < 40:   # a long number beginning 911 is no emergency number as such
        with pytest.raises(BlockedNumber):
            plain.call(body)
    with pytest.raises(BlockedNumber):
        real.call(body, confirm=yes)
    assert insim.calls_placed == 0


@pytest.mark.parametrize("body", [{"to": 112}, {"to": {"phoneNumber": "9-1-1"}}, {"phoneNumber": "+13175550100",
                                                                                  "callNumber": 911}])
def test_unknown_keys_that_read_as_numbers_never_reach_a_real_org(insim, body):
    plain, real = sessions(insim)
    with pytest.raises(BlockedNumber) as info:
        real.call(body, confirm=yes)
    assert "diag cannot know whether Genesys reads it" in str(info.value)
    plain.call(body)                 # the simulator reads the body as the model does: the key is ignored
    assert all(c.number == "+13175550100" for c in insim.state.calls.values())


@pytest.mark.parametrize("body", [{"phoneNumber": "+13175550100", "attributes": {"x": "112"}},
                                  {"phoneNumber": "+13175550100", "callerId": "911"},
                                  {"phoneNumber": "+13175550100", "label": 999},
                                  {"phoneNumber": "+13175550100", "attributes": {"crmAccountId": "001ABC"}}])
def test_data_cannot_ring_and_is_sent(insim, body):
    for s in sessions(insim):
        assert s.call(body, confirm=yes).status == 200
    assert insim.calls_placed == 2


@pytest.mark.parametrize("number", ["sip:+1911@edge", "sip:1-1-2@edge", "+911@localhost", "sips:%39%31%31@edge",
                                    "tel:911", "tel:+1-911", "911,,123", "911;ext=1", "*67911", "+1911",
                                    "0044999", "011 44 999", "\uff19\uff11\uff11", "\u0669\u0661\u0661",
                                    "9\u00a01\u20091", "9\t1\t1", "\u200b911", "(911)", "9.1.1"])
def test_spellings_of_emergency_numbers(insim, number):
    with pytest.raises(BlockedNumber):
        sim_session(insim).call({"phoneNumber": number})
    assert insim.calls_placed == 0


def _emergency_examples():
    from phonenumbers import SUPPORTED_SHORT_REGIONS, country_code_for_region
    from phonenumbers.phonemetadata import PhoneMetadata

    for region in sorted(SUPPORTED_SHORT_REGIONS):
        md = PhoneMetadata.short_metadata_for_region(region)
        if md and md.emergency and md.emergency.example_number:
            yield region, country_code_for_region(region), md.emergency.example_number


def test_every_sip_plus_country_code_emergency_form_is_refused(insim):
    """545 `sip:+<country code><emergency number>` forms passed before."""
    s = sim_session(insim)
    passed = []
    for _region, cc, number in _emergency_examples():
        for form in (f"sip:+{cc}{number}@edge", f"+{cc}{number}", f"+{cc} {number}", f"00{cc}{number}"):
            try:
                s.call({"phoneNumber": form})
                passed.append(form)
            except BlockedNumber:
                pass
    assert passed == [] and insim.calls_placed == 0


@pytest.mark.parametrize("number", ["+61000", "+701", "+3200", "+33 112", "+44 999", "+81110", "+86 110"])
def test_country_code_plus_short_code_forms(real, number):
    sim, s = real
    with pytest.raises(BlockedNumber):
        s.call({"phoneNumber": number}, confirm=yes)
    assert sim.calls_placed == 0


# ---- every write to a real org passes the gate ----

def test_send_on_a_real_org_applies_every_rule(real):
    sim, s = real
    with pytest.raises(BlockedNumber):
        s.send("POST", CALLS, {"phoneNumber": "911"}, confirm=yes)
    with pytest.raises(ConfirmationRequired) as info:
        s.send("POST", CALLS, {"phoneNumber": "+13175550100"})
    assert "+13175550100" in info.value.prompt and "us_east_1" in info.value.prompt
    with pytest.raises(ConfirmationRequired):     # any write, any path
        s.send("DELETE", "/api/v2/conversations/calls/abc")
    assert sim.calls_placed == 0 and s.send("GET", "/api/v2/tokens/me").ok   # reads need no confirmation


@pytest.mark.parametrize("text", ['{"phoneNumber": "+13175550100"} x', '["+13175550100"]', "",
                                  b'{"phoneNumber": "+1317\xff"}', "not json"])
def test_real_org_refuses_bytes_that_are_not_exactly_one_object(real, text):
    sim, s = real
    with pytest.raises((UnreadableBody, BlockedNumber)):
        s.send("POST", CALLS, text if text else b" ", confirm=yes)
    assert sim.requests_received("POST", CALLS) == 0


@pytest.mark.parametrize("number", ["112", "1234", "*67 +13175550100", "+13175550100,,911", "9115550100",
                                    "+1 911 555 0100", "x"])
def test_real_org_strict_positions(real, number):
    sim, s = real
    with pytest.raises(BlockedNumber):
        s.call({"phoneNumber": number}, confirm=yes)
    with pytest.raises(BlockedNumber):
        s.call({"participants": [{"address": number}]}, confirm=yes)
    if number != "x":   # a word under an unknown key is data: it reads as no number at all
        with pytest.raises(BlockedNumber):
            s.call({"to": {"number": number}}, confirm=yes)
    assert sim.calls_placed == 0


# ---- confirmation is bound to org, destinations and body ----

def test_confirmation_covers_exactly_what_was_confirmed(real):
    sim, s = real
    intent = s.confirm_for("POST", CALLS, {"phoneNumber": "+13175550100"})
    grant = Confirmation.of(intent)
    assert s.call({"phoneNumber": "+13175550100"}, confirm=grant).status == 200
    for other in ({"phoneNumber": "+13175550104"}, {"phoneNumber": "+13175550100", "label": "x"},
                  {"phoneNumber": "+13175550100", "callerId": "+13175550199"}):
        with pytest.raises(ConfirmationRequired):
            s.call(other, confirm=grant)
    with Simulator(seed=5, region="us_east_1", overrides={"org": {"id": "another-org", "name": "Another Org"}}) as other_org:
        table = {"us_east_1": Region("us_east_1", other_org.base_url, other_org.base_url)}
        s2 = connect("us_east_1", token=other_org.user_token(), regions=table, environ={}, dotenv=None)
        with pytest.raises(ConfirmationRequired):
            s2.call({"phoneNumber": "+13175550100"}, confirm=grant)
    assert sim.calls_placed == 1


@pytest.mark.parametrize("answer", [False, None, "no", "", 0, "yes please", "NO"])
def test_a_callback_that_does_not_say_yes_stops_everything(real, answer):
    sim, s = real
    with pytest.raises(ConfirmationDeclined):
        s.call({"phoneNumber": "+13175550100"}, confirm=lambda prompt: answer)
    assert sim.calls_placed == 0


def test_typed_back_number_must_be_the_one_dialled(real):
    sim, s = real
    with pytest.raises(ConfirmationRequired):
        s.call({"phoneNumber": "+13175550100"}, confirm="+1317555010")
    with pytest.raises(ConfirmationRequired):
        s.call({"participants": [{"address": "+13175550100"}, {"address": "+13175550104"}]}, confirm="+13175550100")
    assert s.call({"phoneNumber": "+13175550100"}, confirm="+1 317 555 0100").status == 200


def test_a_batch_lists_every_destination_before_the_first_call(real):
    sim, s = real
    prompts = []
    bodies = [{"phoneNumber": "+13175550100"}, {"phoneNumber": "+13175550104"}, {"phoneNumber": "+13175550100"}]
    result = run_batch(s, bodies, confirm=lambda p: prompts.append(p) or True, progress=False, limit=1000)
    assert len(prompts) == 1 and "+13175550100" in prompts[0] and "+13175550104" in prompts[0]
    assert len(result.final_exchanges()) == 3 and sim.calls_placed == 3
    with pytest.raises(ConfirmationDeclined):
        run_batch(s, bodies, confirm=lambda p: "no", progress=False, limit=1000)
    with pytest.raises(BlockedNumber):         # one bad body stops the batch before anything is sent
        run_batch(s, bodies + [{"phoneNumber": "112"}], confirm=yes, progress=False, limit=1000)
    assert sim.calls_placed == 3


# ---- allow-lists are exact ----

@pytest.mark.parametrize("number", ["+131755501000", "+1317555010", "+13175550100,1", "+13175550100 x 2",
                                    "13175550100", "sip:+13175550100x@edge"])
def test_allow_list_is_an_exact_match(insim, number):
    s = sim_session(insim, allowed_numbers=["+1 (317) 555-0100", "sip:+13175550100@edge"])
    with pytest.raises((NumberNotAllowed, BlockedNumber)):
        s.call({"phoneNumber": number})
    assert s.call({"phoneNumber": "+13175550100"}).status == 200
    assert s.call({"phoneNumber": "sip:+13175550100@edge"}).status == 200     # a SIP URI is listed with its host
    with pytest.raises(NumberNotAllowed):
        s.call({"phoneNumber": "sip:+13175550100@another-host"})
    assert insim.calls_placed == 2


def test_users_and_queues_are_allow_listed_by_id(insim):
    user = insim.user_id("avery")
    s = sim_session(insim, allowed_numbers=["+13175550100"], allowed_users=[user])
    assert s.call({"callUserId": user}).status in (200, 400)
    with pytest.raises(NumberNotAllowed):
        s.call({"callUserId": user + "0"})
    with pytest.raises(NumberNotAllowed):
        s.call({"callQueueId": "q-1"})
    with pytest.raises(NumberNotAllowed):
        s.call({"participants": [{"userId": "someone-else"}]})


def test_allow_lists_from_the_environment(insim):
    env = {"DIAG_ALLOWED_NUMBERS": "+13175550100", "DIAG_ALLOWED_QUEUES": "q-7"}
    s = connect(simulator=insim, environ=env, dotenv=None)
    with pytest.raises(NumberNotAllowed):
        s.call({"phoneNumber": "+13175550104"})
    with pytest.raises(NumberNotAllowed):
        s.call({"callQueueId": "q-8"})


# ---- where requests may go ----

@pytest.mark.parametrize("path", ["@evil.example/api/v2/x", "/api/v2/x@evil.example", "//evil.example/api/v2/x",
                                  "https://evil.example/api/v2/x", "/api/v2/../oauth/token", "\\\\evil/api/v2",
                                  "/api/v2/ x", "/api/v1/x", "/oauth/token"])
def test_paths_that_would_leave_the_host_are_refused(insim, path):
    s = sim_session(insim)
    with pytest.raises(UnsafeRequest):
        s.send("GET", path)


def test_the_gate_refuses_other_hosts_and_userinfo_at_the_transport(real):
    from diag.transport import Request

    sim, s = real
    token = s.tokens.token()
    for url in ("http://127.0.0.2:9/api/v2/tokens/me", "http://user:pw@127.0.0.1:9/api/v2/tokens/me",
                "ftp://127.0.0.1/api/v2/x"):
        with pytest.raises(UnsafeRequest):
            s.transport.send(Request("GET", url, {"Authorization": f"Bearer {token}"}))
    with pytest.raises(UnsafeRequest):   # client credentials only ever go to the session's login host
        s.transport.send(Request("POST", s.api_base + "/api/v2/x", {"Authorization": "Basic YTpi"}, b"{}"))


# ---- retries are bounded ----

@pytest.mark.parametrize("retry_after", ["0", "-5", "abc", None, "nan", "1e9999", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_429_resends_are_bounded_and_never_tight(insim, retry_after):
    waits = []
    s = sim_session(insim, sleep=waits.append)
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    def always_429(request):
        from diag.transport import Response
        return Response.build(429, {"Content-Type": "application/json", **headers},
                              b'{"code":"too.many.requests.retry.after","status":429}')
    s.transport.inner.app = always_429
    ex = s.call({"phoneNumber": "+13175550100"})
    posts = [e for e in s.log if e.method == "POST"]
    assert ex.status == 429 and len(posts) <= 4
    assert all(1 <= w <= 180 for w in waits) and len(waits) == len(posts) - 1


def test_429_over_the_cap_is_not_retried(insim):
    waits = []
    s = sim_session(insim, sleep=waits.append)
    from diag.transport import Response
    s.transport.inner.app = lambda r: Response.build(429, {"Retry-After": "3600"}, b"{}")
    ex = s.call({"phoneNumber": "+13175550100"})
    assert ex.status == 429 and waits == [] and "cap" in " ".join(ex.notes)


# ---- re-send ----

def test_resend_in_session_sends_the_original_bytes(insim):
    s = sim_session(insim)
    first = s.call({"phoneNumber": "+13175550100", "attributes": {"token": "secret-ish-value-1234"}})
    assert first.request_body["attributes"]["token"] == "[REDACTED]"     # the log is redacted...
    again = s.resend(first)                                                # ...the re-send is not
    assert again.status == 200 and insim.calls_placed == 2


def test_resend_from_a_loaded_log_refuses_redacted_values_and_foreign_paths(insim, tmp_path):
    s = sim_session(insim)
    s.call({"phoneNumber": "+13175550100", "attributes": {"password": "hunter2-hunter2"}})
    path = tmp_path / "log.jsonl"
    s.log.save(path)
    loaded = ExchangeLog.load(path)[0]
    fresh = sim_session(insim)
    with pytest.raises(UnsafeRequest, match=r"\$\.attributes\.password"):
        fresh.resend(loaded)
    for bad in ("@evil.example/api/v2/conversations/calls", "/api/v2/conversations/calls@evil.example"):
        forged = Exchange.from_dict({**loaded.to_dict(), "path": bad, "request_body": {"phoneNumber": "+13175550100"}})
        with pytest.raises(UnsafeRequest):
            fresh.resend(forged)
    pseudo = Exchange.from_dict({**loaded.to_dict(), "request_body": {"phoneNumber": "+1-PN1A2B3C4D"}})
    with pytest.raises(UnsafeRequest):
        fresh.resend(pseudo)
    emergency = Exchange.from_dict({**loaded.to_dict(), "request_body": {"phoneNumber": "112"}})
    with pytest.raises(BlockedNumber):
        fresh.resend(emergency)
    assert insim.calls_placed == 1


# ---- the log's numbers ----

def test_seq_is_unique_under_concurrency(insim):
    s = sim_session(insim)
    threads = [threading.Thread(target=lambda: s.send("GET", "/api/v2/tokens/me")) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e.seq for e in s.log]
    assert len(seqs) == len(set(seqs)) >= 200 and sorted(seqs) == list(range(1, len(seqs) + 1))


# ---- the command line and connect() ----

class ConnectionRecorder:
    """A loopback listener standing in for every region: records each connection attempt, answers nothing."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_credentials_without_region_call_the_simulator_and_never_a_region(monkeypatch, tmp_path, capsys):
    recorder = ConnectionRecorder()
    try:
        from diag.core import regions
        table = {name: Region(name, recorder.url, recorder.url) for name in regions.REGIONS}
        monkeypatch.setattr(regions, "REGIONS", table)
        monkeypatch.setattr("diag.client.session.REGIONS", table)
        monkeypatch.setattr("diag.client.connect.REGIONS", table)
        monkeypatch.setenv("GENESYS_CLOUD_CLIENT_ID", "client-id-in-env")
        monkeypatch.setenv("GENESYS_CLOUD_CLIENT_SECRET", "CANARY-secret-in-env")
        monkeypatch.setenv("GENESYS_CLOUD_REGION", "us_east_1")
        monkeypatch.chdir(tmp_path)
        body = tmp_path / "b.json"
        body.write_text('{"phoneNumber": "+13175550100"}')
        assert cli.main(["call", str(body), "--yes", "--json"]) == 0
        out = capsys.readouterr()
        assert json.loads(out.out)["target"].startswith("simulator") and "--region" in out.err
        assert "CANARY-secret-in-env" not in out.out + out.err
    finally:
        recorder.close()
    assert recorder.connections == 0


def test_cli_against_a_running_simulator_refuses_with_exit_3(tmp_path, capsys):
    with Simulator(seed=4) as sim:
        for body in ('{"phoneNumber": "911"}', '\ufeff{"phoneNumber": "112"}', '{"participants": [{"address": 112}]}',
                     '{"phoneNumber": "sip:+1911@edge"}'):
            f = tmp_path / "b.json"
            f.write_text(body, encoding="utf-8")
            assert cli.main(["call", str(f), "--sim", sim.base_url, "--yes", "--json"]) == 3
            out = json.loads(capsys.readouterr().out)
            assert out["sent"] is False and "emergency-number" in out["refused"]
            assert "911" in out["refused"] or "112" in out["refused"]
        import requests
        assert requests.get(sim.base_url + "/__sim/state", timeout=5).json()["callsPlaced"] == 0
        f.write_text('{"phoneNumber": "+13175550100"}')
        assert cli.main(["call", str(f), "--sim", sim.base_url, "--json"]) == 0
        assert requests.get(sim.base_url + "/__sim/state", timeout=5).json()["callsPlaced"] == 1


def test_sim_url_must_be_loopback():
    with pytest.raises(diag.ConfigError, match="--region"):
        connect(sim_url="https://api.mypurecloud.com")


@pytest.mark.parametrize("argv", [["call", "x.json", "--region", "eu_wset_1"], ["preflight", "--region", "nowhere"],
                                  ["usage", "--region", "eu_wset_1"]])
def test_unknown_region_is_a_message_with_the_real_ones(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text('{"phoneNumber": "+13175550100"}')
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "eu_west_1 (api.mypurecloud.ie)" in err and "Traceback" not in err


def test_region_simulator_means_in_process(tmp_path, capsys):
    f = tmp_path / "b.json"
    f.write_text('{"phoneNumber": "+13175550100"}')
    assert cli.main(["call", str(f), "--region", "simulator", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["target"].startswith("simulator")


def test_a_refused_client_secret_goes_nowhere_else():
    with Simulator(seed=6, region="us_east_1", overrides={"clients": []}) as home, \
            Simulator(seed=7, region="eu_west_1") as other:
        table = {"us_east_1": Region("us_east_1", home.base_url, home.base_url),
                 "eu_west_1": Region("eu_west_1", other.base_url, other.base_url)}
        c = other.client()
        s = connect("us_east_1", client_id=c.id, client_secret=c.secret, regions=table, environ={}, dotenv=None)
        with pytest.raises(diag.AuthError) as info:
            s.send("GET", "/api/v2/tokens/me")
        assert "eu_west_1" in str(info.value) and c.secret not in str(info.value)
        assert other.requests_received("POST", "/oauth/token") == 0
        assert home.requests_received("POST", "/oauth/token") == 1


def test_safety_errors_never_carry_a_personal_number(real):
    sim, s = real
    with pytest.raises(SafetyError) as info:
        s.call({"phoneNumber": "+13175550100,,911"}, confirm=yes)
    assert "3175550100" not in str(info.value) and "911" in str(info.value)
    s2 = connect("us_east_1", token=sim.user_token(), regions={"us_east_1": Region("us_east_1", sim.base_url,
                                                                                   sim.base_url)},
                 environ={}, dotenv=None, allowed_numbers=["+13175550104"])
    with pytest.raises(NumberNotAllowed) as info:
        s2.call({"phoneNumber": "+13175550100"}, confirm=yes)
    assert "3175550100" not in str(info.value)
