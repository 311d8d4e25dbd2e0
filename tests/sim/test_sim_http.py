"""The simulator over real HTTP, as any client sees it."""
import base64
import concurrent.futures
import hashlib
import json
import secrets
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from diag.sim import Simulator

CALLS = "/api/v2/conversations/calls"


def post(sim, path, body, token=None, **kw):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(kw.pop("headers", {}))
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(sim.base_url + path, data=data, headers=headers, timeout=10, **kw)


def get(sim, path, token, **kw):
    return requests.get(sim.base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw)


def client_token(sim, name="CRM click-to-dial"):
    c = sim.client(name)
    r = requests.post(sim.base_url + "/oauth/token", data={"grant_type": "client_credentials"},
                      auth=(c.id, c.secret), timeout=10)
    assert r.status_code == 200
    return r.json()["access_token"]


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["contextId"] == r.headers["ININ-Correlation-Id"]
    assert {"message", "code", "status", "contextId", "details", "errors"} <= set(body)
    return body


# ---- OAuth ----

def test_client_credentials_token(sim):
    c = sim.client()
    r = requests.post(sim.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(c.id, c.secret))
    body = r.json()
    assert r.status_code == 200 and body["token_type"] == "bearer" and body["expires_in"] > 0


def test_wrong_secret_gets_oauth_error(sim):
    c = sim.client()
    r = requests.post(sim.base_url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(c.id, "nope"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_pkce_authorization_code_flow(sim):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = sim.client("Agent desktop (PKCE)")
    redirect = "http://127.0.0.1:5555/callback"
    r = requests.get(sim.base_url + "/oauth/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": pkce.id, "redirect_uri": redirect, "code_challenge": challenge,
        "code_challenge_method": "S256", "state": "xyz"})
    assert r.status_code == 302
    q = parse_qs(urlsplit(r.headers["Location"]).query)
    assert q["state"] == ["xyz"]
    form = {"grant_type": "authorization_code", "code": q["code"][0], "client_id": pkce.id,
            "redirect_uri": redirect, "code_verifier": "wrong"}
    bad = requests.post(sim.base_url + "/oauth/token", data=form)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    # a code is single-use; ask again and exchange it with the right verifier
    r = requests.get(sim.base_url + "/oauth/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": pkce.id, "redirect_uri": redirect, "code_challenge": challenge,
        "code_challenge_method": "S256"})
    form.update(code=parse_qs(urlsplit(r.headers["Location"]).query)["code"][0], code_verifier=verifier)
    tok = requests.post(sim.base_url + "/oauth/token", data=form).json()["access_token"]
    me = get(sim, "/api/v2/users/me", tok).json()
    assert me["name"] == "Avery Agent"


def test_tokens_expire():
    now = [1_800_000_000.0]
    with Simulator(clock=lambda: now[0], overrides={"token_lifetime_seconds": 60}) as sim:
        tok = client_token(sim)
        assert get(sim, "/api/v2/tokens/me", tok).status_code == 200
        now[0] += 61
        assert_error(get(sim, "/api/v2/tokens/me", tok), 401, "bad.credentials")


# ---- identity ----

def test_tokens_me_tells_user_from_client(sim):
    client = get(sim, "/api/v2/tokens/me", client_token(sim)).json()
    assert client["OAuthClient"]["name"] == "CRM click-to-dial" and client["organization"]["id"]
    user = get(sim, "/api/v2/tokens/me", sim.user_token()).json()
    assert user["OAuthClient"]["name"] == "Agent desktop (PKCE)"
    assert "conversations" in user["authorizedScope"] and client["authorizedScope"] == []


def test_users_me_expands_authorization_and_station(sim):
    me = get(sim, "/api/v2/users/me?expand=authorization,station", sim.user_token()).json()
    assert "conversation:conference:add" in me["authorization"]["permissions"]
    assert me["station"]["effectiveStation"]["name"]
    sam = get(sim, "/api/v2/users/me?expand=station", sim.user_token("sam")).json()
    assert sam["station"]["effectiveStation"] is None


def test_missing_and_bad_tokens(sim):
    assert_error(requests.get(sim.base_url + "/api/v2/users/me"), 401, "authentication.required")
    assert_error(get(sim, "/api/v2/users/me", "not-a-token"), 401, "bad.credentials")


# ---- calls ----

def test_valid_call_returns_id_and_self_uri(sim):
    r = post(sim, CALLS, {"phoneNumber": "+13175550100"}, sim.user_token())
    assert r.status_code == 200
    body = r.json()
    assert body["selfUri"] == f"{CALLS}/{body['id']}"
    assert r.headers["ININ-Correlation-Id"]


@pytest.mark.parametrize("body,status,code", [
    ({"phoneNumber": "+13175550100", "callUserId": "u"}, 400, "too.many.create.conversation.parameters"),
    ({"callerId": "+13175550199"}, 400, "bad.request"),
    ({"participants": [{"name": "nobody"}]}, 400, "bad.request"),
    ({"callQueueId": "q", "priority": "high"}, 400, "bad.request"),
    ({"phoneNumber": "+13175550100", "attributes": {"n": {"nested": 1}}}, 400, "bad.request"),
])
def test_wrong_bodies(sim, body, status, code):
    assert_error(post(sim, CALLS, body, sim.user_token()), status, code)


def test_unknown_fields_are_ignored_as_the_schema_allows(sim):
    assert post(sim, CALLS, {"phoneNumber": "+13175550100", "type": "external"}, sim.user_token()).status_code == 200


def test_client_credentials_cannot_call(sim):
    body = assert_error(post(sim, CALLS, {"phoneNumber": "+13175550100"}, client_token(sim)), 400, "not.a.user")
    assert "user context" in body["message"]


def test_user_without_station(sim):
    assert_error(post(sim, CALLS, {"phoneNumber": "+13175550100"}, sim.user_token("sam")), 400,
                 "conversation.error.no.user.station")


def test_missing_permission_names_it(sim):
    body = assert_error(post(sim, CALLS, {"phoneNumber": "+13175550100"}, sim.user_token("riley")), 403,
                        "missing.any.permissions")
    assert "conversation:conference:add" in body["message"]


def test_non_json_body_is_415(sim):
    r = post(sim, CALLS, "phoneNumber=1", sim.user_token(), headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported.media.type")


def test_call_on_behalf_of_a_user(sim):
    avery = sim.user_id("avery")
    r = post(sim, f"{CALLS}/user/{avery}", {"phoneNumber": "+13175550100"}, client_token(sim))
    assert r.status_code == 200
    nope = post(sim, f"{CALLS}/user/{avery}", {"phoneNumber": "+13175550100"}, client_token(sim, "Wallboard sync"))
    assert_error(nope, 403, "missing.any.permissions")


@pytest.mark.parametrize("number,final,dtype,error", [
    ("+13175550100", "disconnected", "peer", None),
    ("+13175550101", "disconnected", "peer", "diag.sim.busy"),
    ("+13175550102", "disconnected", "other", "diag.sim.no-answer"),
    ("+13175550103", "disconnected", "error", "diag.sim.invalid-number"),
])
def test_call_progresses_to_its_configured_outcome(number, final, dtype, error):
    # a timeline long enough that a poll lands in each phase on a loaded 2-core machine (0.6 s missed `connected`)
    with Simulator(seed=1, overrides={"call_timeline_seconds": 1.8}) as sim:
        _progresses(sim, number, final, dtype, error)


def _progresses(sim, number, final, dtype, error):
    call_id = post(sim, CALLS, {"phoneNumber": number}, sim.user_token()).json()["id"]
    seen = []
    deadline = time.time() + 8
    while time.time() < deadline:
        conv = get(sim, f"{CALLS}/{call_id}", sim.user_token()).json()
        ext = next(p for p in conv["participants"] if p["purpose"] == "external")
        if not seen or seen[-1] != ext["state"]:
            seen.append(ext["state"])
        if ext["state"] == "disconnected":
            break
        time.sleep(0.03)
    order = ["dialing", "contacting", "connected", "disconnected"]   # a loaded machine may poll past dialing
    assert [order.index(x) for x in seen] == sorted(order.index(x) for x in seen) and seen[-1] == final
    assert ext["disconnectType"] == dtype and ext["address"] == number
    assert (ext.get("errorInfo") or {}).get("code") == error
    if error is None:
        assert "connected" in seen


def test_unknown_conversation_is_404(sim):
    assert_error(get(sim, f"{CALLS}/nope", sim.user_token()), 404, "not.found")


# ---- rate limits ----

def test_rate_limit_429_with_retry_after_and_headers():
    with Simulator(overrides={"rate_limit": {"requests": 3, "window_seconds": 2}}) as sim:
        tok = sim.user_token()
        statuses = []
        for _ in range(4):
            r = get(sim, "/api/v2/users/me", tok)
            statuses.append(r.status_code)
            assert r.headers["inin-ratelimit-allowed"] == "3"
        assert statuses == [200, 200, 200, 429]
        body = assert_error(r, 429, "too.many.requests.retry.after")
        assert 1 <= int(r.headers["Retry-After"]) <= 2 and "Retry the request in" in body["message"]
        time.sleep(int(r.headers["Retry-After"]) + 0.1)
        assert get(sim, "/api/v2/users/me", tok).status_code == 200


# ---- faults ----

@pytest.mark.parametrize("status,code", [(500, "internal.server.error"), (503, "service.unavailable"),
                                         (504, "request.timeout")])
def test_fault_status(sim, status, code):
    sim.faults.add(CALLS + "$", "status", status=status, times=1)
    assert_error(post(sim, CALLS, {"phoneNumber": "+13175550100"}, sim.user_token()), status, code)
    assert sim.calls_placed == 0
    assert post(sim, CALLS, {"phoneNumber": "+13175550100"}, sim.user_token()).status_code == 200


def test_fault_latency(sim):
    sim.faults.add("/api/v2/users/me", "latency", delay_ms=300)
    t = time.perf_counter()
    assert get(sim, "/api/v2/users/me", sim.user_token()).status_code == 200
    assert time.perf_counter() - t >= 0.3


def test_fault_reset(sim):
    sim.faults.add("/api/v2/users/me", "reset", times=1)
    with pytest.raises(requests.ConnectionError):
        get(sim, "/api/v2/users/me", sim.user_token())


def test_fault_truncated_not_json_and_html(sim):
    sim.faults.add("/api/v2/tokens/me", "truncated", times=1)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        get(sim, "/api/v2/tokens/me", sim.user_token()).json()
    sim.faults.add("/api/v2/tokens/me", "not_json", times=1)
    r = get(sim, "/api/v2/tokens/me", sim.user_token())
    with pytest.raises(ValueError):
        r.json()
    sim.faults.add("/api/v2/tokens/me", "html", times=1)
    r = get(sim, "/api/v2/tokens/me", sim.user_token())
    assert r.status_code == 502 and r.headers["Content-Type"] == "text/html" and "<html>" in r.text


def test_faults_over_http_for_a_standalone_simulator(sim):
    r = requests.post(sim.base_url + "/__sim/faults", json={"path": "/api/v2/users/me", "kind": "status",
                                                              "status": 503, "times": 1})
    assert r.status_code == 200
    assert get(sim, "/api/v2/users/me", sim.user_token()).status_code == 503
    assert requests.post(sim.base_url + "/__sim/faults", json={"path": "x", "kind": "bogus"}).status_code == 400


# ---- concurrency ----

def test_fifty_clients_at_once_get_their_own_answers(sim):
    tok = sim.user_token()

    def one(i):
        with requests.Session() as s:
            out = []
            for j in range(4):
                number = f"+1317555{(i * 4 + j) % 10000:04d}"
                r = s.post(sim.base_url + CALLS, json={"phoneNumber": number},
                           headers={"Authorization": f"Bearer {tok}"}, timeout=20)
                out.append((number, r.status_code, r.json()["id"]))
            return out

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = [x for chunk in pool.map(one, range(50)) for x in chunk]
    assert all(status == 200 for _, status, _ in results)
    ids = [cid for _, _, cid in results]
    assert len(set(ids)) == 200 and sim.calls_placed == 200
    for number, _, cid in results[::17]:
        conv = get(sim, f"{CALLS}/{cid}", tok).json()
        assert next(p for p in conv["participants"] if p["purpose"] == "external")["address"] == number


def test_command_line_simulator_prints_url_credentials_and_stops_on_sigterm(tmp_path):
    import signal
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "diag", "sim", "--port", str(port), "--seed", "3"],
                            stdout=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.strip() == "ready":
            break
    text = "".join(lines)
    assert f"http://127.0.0.1:{port}" in text and "secret" in text and "demo user token" in text
    assert requests.get(f"http://127.0.0.1:{port}/__sim/state").status_code == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0


@pytest.mark.parametrize("body", [{"phoneNumber": "+13175550100", "attributes": {"n": 1, "ok": True}},
                                  {"callQueueId": "q", "priority": "5"}, {"callQueueId": "q", "priority": 5.0},
                                  {"phoneNumber": 13175550100}])
def test_scalars_are_coerced_as_a_jackson_server_does(sim, body):
    """Modelled (diag.core.model): Jackson's defaults read numbers and booleans as strings and whole-number
    strings as integers; the simulator and the doctor share that reading."""
    r = post(sim, CALLS, body, sim.user_token())
    assert r.status_code == 200, r.text


# ---- framing a client or a proxy gets wrong: an answer, never a traceback or a hang ----

def _raw(sim, head: bytes, body: bytes = b"") -> bytes:
    host, port = sim.base_url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(head + body)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


@pytest.mark.parametrize("length, status", [
    (b"abc", b"400"), (b"-5", b"400"), (b"1e3", b"400"), (b"\xd9\xa3", b"400"),   # an Arabic-Indic 3
    (b"10, 12", b"400"), (b"99999999999999999999", b"413"),
])
def test_a_content_length_that_is_no_length_is_answered(sim, length, status):
    answer = _raw(sim, b"POST /api/v2/conversations/calls HTTP/1.1\r\nHost: x\r\nContent-Length: " + length +
                  b"\r\nContent-Type: application/json\r\n\r\n", b"{}")
    assert answer.split(b" ")[1] == status
    assert b"diag simulator" in answer and b"Traceback" not in answer


def test_a_chunked_body_is_answered_411(sim):
    answer = _raw(sim, b"POST /api/v2/conversations/calls HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ")


def test_two_different_lengths_are_refused_not_guessed(sim):
    answer = _raw(sim, b"POST /api/v2/conversations/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                  b"Content-Length: 40\r\nContent-Type: application/json\r\n\r\n", b"{}")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_no_length_means_no_body_and_the_simulator_answers_at_once(sim):
    answer = _raw(sim, b"POST /api/v2/conversations/calls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 401 ")   # no token: the body was never waited for
