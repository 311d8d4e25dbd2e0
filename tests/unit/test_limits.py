"""`diag limits`: which layer of Genesys' rate limits a capture's 429s most likely hit, from the requests per minute
per caller, with every figure's source; no credential ever appears in what it prints or draws."""
import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from diag.app import cli
from diag.core.evidence import read_evidence
from diag.core.limits import LAYERS, limits_of

API = "https://api.mypurecloud.ie"
LOGIN = "https://login.mypurecloud.ie"
TOKEN_CC = "cc-token-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c"   # fake credentials, for the tests to look for
TOKEN_USER = "user-token-aa11bb22cc33dd44ee55ff6677889900"
START = dt.datetime(2026, 11, 28, 10, 0, 0, tzinfo=dt.timezone.utc)


def entry(method, url, *, at, token=None, status=200, body=None, answer=None, headers=(), form=None):
    req_headers = [{"name": "Authorization", "value": f"Bearer {token}"}] if token else []
    req = {"method": method, "url": url, "headers": req_headers, "httpVersion": "HTTP/2.0"}
    if form is not None:
        req["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": form}
    elif body is not None:
        req["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    return {"startedDateTime": at.isoformat().replace("+00:00", "Z"), "time": 12.0, "request": req,
            "response": {"status": status, "headers": [{"name": k, "value": v} for k, v in headers],
                         "content": {"mimeType": "application/json", "text": json.dumps(answer or {})}}}


def har(entries) -> str:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})


def too_many(at, token, cid, path="/api/v2/users/me", method="GET", message=None):
    answer = {"status": 429, "code": "too.many.requests.retry.after", "contextId": cid,
              "message": message or "Rate limit exceeded the maximum. Retry the request in [12] seconds"}
    return entry(method, API + path, at=at, token=token, status=429, answer=answer,
                 headers=[("Retry-After", "12"), ("ININ-Correlation-Id", cid)])


def client_credentials_burst():
    entries = [entry("POST", LOGIN + "/oauth/token", at=START, form="grant_type=client_credentials",
                     answer={"access_token": TOKEN_CC, "token_type": "bearer", "expires_in": 86399},
                     headers=[("Content-Type", "application/json")])]
    for i in range(310):   # 310 requests in under a minute from one client-credentials token
        entries.append(entry("GET", f"{API}/api/v2/users/{i:08d}-0000-4000-8000-000000000000",
                             at=START + dt.timedelta(seconds=1 + i * 0.18), token=TOKEN_CC))
    entries.append(too_many(START + dt.timedelta(seconds=57), TOKEN_CC, "c0000000-0000-4000-8000-000000000429"))
    return har(entries)


def test_a_client_credentials_token_over_300_a_minute_is_named_with_its_source():
    report = limits_of(read_evidence(client_credentials_burst()))
    assert report.requests == 311 and len(report.hits) == 1
    hit = report.hits[0]
    assert hit.caller == "token 1 (client credentials)" and hit.caller_last_minute >= 300
    assert hit.layer == "client.credentials.token.rate.per.minute" and hit.evidence == "modelled"
    assert hit.correlation_id == "c0000000-0000-4000-8000-000000000429" and hit.retry_after == "12"
    assert report.most_likely == "client.credentials.token.rate.per.minute"
    assert any("support case" in a for a in report.advice()) and any("separate OAuth client" in a
                                                                     for a in report.advice())
    assert report.callers["token 1 (client credentials)"]["peak_per_minute"] == 311


def test_a_browser_capture_under_100_requests_points_at_the_users_shared_limit():
    entries = [entry("GET", f"{API}/api/v2/users/me", at=START + dt.timedelta(seconds=i), token=TOKEN_USER)
               for i in range(80)]
    entries.append(too_many(START + dt.timedelta(seconds=50), TOKEN_USER, "c0000000-0000-4000-8000-000000000001",
                            path="/api/v2/analytics/conversations/aggregates/query", method="POST"))
    report = limits_of(read_evidence(har(entries)))
    hit = report.hits[0]
    assert hit.caller == "token 1" and hit.caller_last_minute < 100
    assert hit.layer.startswith("a user's limit") and "other apps" in hit.why and "300 or 3,000" in hit.why
    assert any("grant" in n for n in report.notes)   # the capture does not say what kind of token it was
    assert any("Genesys UI" in a for a in report.advice())


def test_an_answer_that_names_its_limit_is_believed():
    entries = [entry("GET", f"{API}/api/v2/users/me", at=START + dt.timedelta(seconds=i), token=TOKEN_USER)
               for i in range(10)]
    entries.append(too_many(START + dt.timedelta(seconds=20), TOKEN_USER, "c0000000-0000-4000-8000-000000000002",
                            message="Rate limit exceeded the maximum [180] requests within [60] seconds"))
    hit = limits_of(read_evidence(har(entries))).hits[0]
    assert hit.named_limit == "180 requests within 60 seconds" and hit.evidence == "documented"
    assert hit.layer == "the answer's own: 180 requests within 60 seconds"


def test_one_operation_hammered_under_the_token_limit_points_at_its_own_limit():
    path = "/api/v2/architect/ivrs/0a000000-0000-4000-8000-0000000000f1"
    entries = [entry("PUT", API + path, at=START + dt.timedelta(seconds=i * 0.5), token=TOKEN_USER, body={"n": 1})
               for i in range(100)]
    entries.append(too_many(START + dt.timedelta(seconds=50), TOKEN_USER, "c0000000-0000-4000-8000-000000000003",
                            path=path, method="PUT"))
    hit = limits_of(read_evidence(har(entries))).hits[0]
    assert hit.operation == "PUT /api/v2/architect/ivrs/{ivrId}" and hit.layer == "(a resource's own limit)"


def test_every_layer_has_its_figures_with_their_sources_and_disputes_show_both():
    by_name = {layer.name: layer for layer in LAYERS}
    assert by_name["client.credentials.token.rate.per.minute"].per_minute == 300
    app_user = by_name["org.app.user.rate.per.minute"]
    assert app_user.evidence == "disputed" and app_user.per_minute is None
    assert {v for v, _ in app_user.figures} == {300, 3000} and all(s for _, s in app_user.figures)
    assert by_name["token.rate.per.minute"].evidence == "unknown"
    text = limits_of(read_evidence(client_credentials_burst())).text()
    assert "3000 (a Genesys staff answer on community.genesys.com)" in text and "figure unknown" in text
    # the count is of the 60 s up to the 429, the 429 itself included (it said "in the minute before")
    assert "in the 60 s up to it, itself included" in text and "minute before" not in text


def test_the_command_line_prints_no_credential_and_never_overwrites_a_chart(tmp_path, capsys):
    path = tmp_path / "capture.har"
    path.write_text(client_credentials_burst())
    assert cli.main(["limits", str(path), "--chart", str(tmp_path / "rate")]) == 0
    out = capsys.readouterr().out
    assert "client.credentials.token.rate.per.minute" in out and "wrote" in out
    assert (tmp_path / "rate.png").stat().st_size > 1000 and (tmp_path / "rate.svg").exists()
    svg = (tmp_path / "rate.svg").read_text()
    for secret in (TOKEN_CC, TOKEN_CC[:12], TOKEN_CC[-12:]):
        assert secret not in out and secret not in svg
    before = (tmp_path / "rate.png").read_bytes()
    assert cli.main(["limits", str(path), "--chart", str(tmp_path / "rate"), "--json"]) == 2
    assert (tmp_path / "rate.png").read_bytes() == before
    capsys.readouterr()


def test_json_output_is_the_report(tmp_path, capsys):
    path = tmp_path / "capture.har"
    path.write_text(client_credentials_burst())
    assert cli.main(["limits", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["most_likely"] == "client.credentials.token.rate.per.minute" and len(data["hits"]) == 1
    assert TOKEN_CC not in json.dumps(data) and data["hits"][0]["caller"] == "token 1 (client credentials)"


def test_a_curl_command_is_a_message_not_a_report(tmp_path, capsys):
    path = tmp_path / "c.txt"
    path.write_text(f"curl '{API}/api/v2/users/me' -H 'Authorization: Bearer {TOKEN_USER}'")
    assert cli.main(["limits", str(path)]) == 2
    err = capsys.readouterr().err
    assert "HAR file or a diag log" in err and TOKEN_USER not in err


def test_a_simulator_session_with_429s_reads_back_from_its_log(tmp_path, capsys):
    from diag.client.connect import connect
    from diag.sim import Simulator

    with Simulator(seed=3, overrides={"rate_limit": {"requests": 5, "window_seconds": 60}}) as low:
        s = connect(simulator=low, max_429_resends=0)
        for _ in range(8):
            s.send("GET", "/api/v2/users/me")
        log = tmp_path / "session.jsonl"
        s.log.save(log)
    assert cli.main(["limits", str(log), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "diag-log" and data["requests"] == 8 and len(data["hits"]) == 3
    assert {h["caller"] for h in data["hits"]} == {"this session's token"}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 600), st.sampled_from([TOKEN_USER, TOKEN_CC]),
                          st.sampled_from([200, 200, 429])), min_size=1, max_size=60))
def test_counts_agree_with_a_count_by_hand(requests):
    entries = [entry("GET", f"{API}/api/v2/users/me", at=START + dt.timedelta(seconds=t), token=tok, status=status,
                     headers=[("ININ-Correlation-Id", f"c0000000-0000-4000-8000-{i:012d}")])
               for i, (t, tok, status) in enumerate(requests)]
    report = limits_of(read_evidence(har(entries)))
    assert report.requests == len(requests) and len(report.hits) == sum(1 for *_, s in requests if s == 429)
    label: dict[str, str] = {}
    for _, tok, _ in requests:   # labels in the order the capture first uses each token
        label.setdefault(tok, f"token {len(label) + 1}")
    for tok, name in label.items():
        mine = sorted(t for t, k, _ in requests if k == tok)
        by_hand = max(sum(1 for u in mine if s - 60 <= u <= s) for s in mine)
        assert report.callers[name]["peak_per_minute"] == by_hand
    for hit in report.hits:
        assert 1 <= hit.caller_last_minute <= hit.all_last_minute and hit.operation_last_minute <= hit.all_last_minute


def test_the_ticket_and_the_evidence_panel_say_which_limit(tmp_path):
    import zipfile

    from diag.app.widgets.evidence import EvidenceModel
    from diag.core.inspect import diagnose
    from diag.reports.bundle import build_bundle

    text = client_credentials_burst()
    bundle = build_bundle(tmp_path / "t.zip", [], evidence=diagnose(read_evidence(text)))
    with zipfile.ZipFile(bundle.path) as z:
        names = z.namelist()
        summary = z.read("summary.md").decode()
        limits = json.loads(z.read("evidence/limits.json"))
        everything = b"".join(z.read(n) for n in names if not n.endswith(".png")).decode("utf-8", "replace")
    assert "charts/evidence_limits.png" in names and "charts/evidence_limits.svg" in names
    assert "### Which rate limit" in summary and "client.credentials.token.rate.per.minute" in summary
    assert limits["most_likely"] == "client.credentials.token.rate.per.minute"
    assert TOKEN_CC not in everything
    panel = EvidenceModel()
    panel.read(text)
    assert "Which rate limit" in panel.report_html() and len(panel.figures()) == 3
    quiet = EvidenceModel()   # no 429: no limits section, the two usual charts
    quiet.read(har([entry("GET", f"{API}/api/v2/users/me", at=START, token=TOKEN_USER)]))
    assert "Which rate limit" not in quiet.report_html() and len(quiet.figures()) == 2


def test_which_requests_are_genesys_is_the_inspectors_rule(tmp_path, capsys):
    """A capture of a local `diag sim`: its requests count only when named with --sim-host (as diag inspect reads
    them), any other host's /api/v2 requests never; the login host's token requests are not API traffic."""
    sim = "http://127.0.0.1:8123"
    entries = [entry("GET", f"{sim}/api/v2/users/me", at=START + dt.timedelta(seconds=i), token=TOKEN_USER)
               for i in range(5)]
    entries.append(entry("GET", "http://[::1]:9000/api/v2/users/me", at=START, token=TOKEN_USER))
    entries.append(entry("POST", LOGIN + "/oauth/token", at=START, form="grant_type=client_credentials",
                         answer={"access_token": TOKEN_CC}))
    evidence = read_evidence(har(entries))
    assert limits_of(evidence).requests == 0
    assert limits_of(evidence, sim_hosts=["127.0.0.1:8123"]).requests == 5
    path = tmp_path / "sim.har"
    path.write_text(har(entries))
    assert cli.main(["limits", str(path), "--sim-host", "127.0.0.1:8123", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == 5
    assert cli.main(["limits", str(path), "--sim-host", "example.com:80"]) == 2


def test_a_number_in_the_path_of_an_unknown_operation_is_never_printed(tmp_path, capsys):
    path = "/api/v2/custom/callbacks/+13175550177"
    entries = [entry("GET", API + path, at=START + dt.timedelta(seconds=i), token=TOKEN_USER) for i in range(3)]
    entries.append(too_many(START + dt.timedelta(seconds=4), TOKEN_USER, "c0000000-0000-4000-8000-000000000077",
                            path=path))
    capture = tmp_path / "c.har"
    capture.write_text(har(entries))
    for argv in (["limits", str(capture)], ["limits", str(capture), "--json"]):
        assert cli.main(argv) == 0
        out = capsys.readouterr().out
        assert "429" in out and "3175550177" not in out


def test_a_simulator_capture_says_its_limits_are_the_simulators(tmp_path):
    """A diag log of a simulator session: the report says whose requests and limits they are (it spoke of
    Genesys' layers with no word of the simulator)."""
    from diag.client.connect import connect
    from diag.sim import Simulator

    s = connect(simulator=Simulator(seed=3), environ={}, dotenv=None)
    for _ in range(2):
        s.send("GET", "/api/v2/users/me")
    text = limits_of(read_evidence(s.log.save(tmp_path / "sim.jsonl").read_text())).text()
    assert "captured from the diag simulator" in text
