"""The ticket bundle: complete, valid, replayable, and free of secrets and raw numbers."""
import json
import os
import re
import subprocess
import zipfile

import matplotlib
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")

from diag.app import cli
from diag.app.ticket import bundle_from_session
from diag.client.connect import connect
from diag.core.errors import RedactionError
from diag.core.exchange import ExchangeLog
from diag.reports.bundle import build_bundle
from diag.sim import Simulator
from tests.linear import in_linear_time
from tests.sizes import examples

CANARY_SECRET = "CANARY-secret-bundle-44d1"
CANARY_NUMBERS = ["+13175550142", "+13175550143", "+442079460958"]


@pytest.fixture
def canary_sim():
    clients = [{"id": "c1000000-0000-4000-8000-00000000cafe", "secret": CANARY_SECRET, "name": "Canary",
                "grant": "client_credentials", "permissions": ["usage:organization:view", "oauth:client:view",
                                                            "analytics:rateLimitAggregate:view",
                                                            "analytics:conversationAggregate:view"]},
               {"id": "c1000000-0000-4000-8000-0000000000c2", "secret": None, "name": "Agent desktop (PKCE)",
                "grant": "authorization_code", "redirect_uris": ["http://127.0.0.1/callback"],
                "user": "0a000000-0000-4000-8000-0000000000a1"}]
    with Simulator(seed=4, overrides={"clients": clients, "call_timeline_seconds": 0.3}) as sim:
        yield sim


def canary_session(sim):
    """A whole simulated session: calls that work and fail, follow-up, and a client-credentials part."""
    s = connect(simulator=sim)
    s.call({"phoneNumber": CANARY_NUMBERS[0], "callerId": "+13175550199"})
    s.send("POST", "/api/v2/conversations/calls", {"to": {"phoneNumber": CANARY_NUMBERS[1]}, "type": "external"})
    ex = s.call({"phoneNumber": "+44 20 7946 0958"})
    s.follow_call(ex.response_body["id"], timeout=3, interval=0.1)
    s.send("GET", f"/api/v2/usage/query/nope/results?access_token={s.tokens.token()}")
    return s


def unzip_texts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_no_canary_leaves_in_any_file(canary_sim, tmp_path):
    s = canary_session(canary_sim)
    cc = connect("us_east_1", client_id="c1000000-0000-4000-8000-00000000cafe", client_secret=CANARY_SECRET,
                 regions={"us_east_1": __import__("diag").Region("us_east_1", canary_sim.base_url,
                                                                 canary_sim.base_url)}, environ={}, dotenv=None)
    cc.send("GET", "/api/v2/tokens/me")
    token = s.tokens.token()
    # one ticket, one source: the real-org session's exchanges make their own bundle
    real = unzip_texts(bundle_from_session(tmp_path / "real.zip", cc, newrelic=True).path)
    assert "REAL ORG" in real["summary.md"].decode()
    bundle = bundle_from_session(tmp_path / "ticket.zip", s, usage_days=14, newrelic=True,
                                 secrets=cc.tokens.secrets())
    files = unzip_texts(bundle.path)
    with pytest.raises(ValueError, match="more than one place"):
        bundle_from_session(tmp_path / "mixed.zip", s, exchanges=list(s.log) + list(cc.log))
    assert {"summary.md", "exchanges.jsonl", "session.har", "repro.sh", "repro.py", "manifest.json",
            "redaction-report.json", "newrelic-events.json"} <= set(files)
    assert sum(n.startswith("charts/") and n.endswith(".png") for n in files) >= 5
    assert any(n.startswith("data/") for n in files)
    digits = [re.sub(r"\D", "", n) for n in CANARY_NUMBERS]
    for name, data in [*files.items(), *(("real/" + k, v) for k, v in real.items())]:
        text = data.decode("utf-8", "replace")
        assert CANARY_SECRET not in text and token not in text, name
        for tok in cc.tokens.secrets():
            assert tok not in text, name
        if not name.startswith("charts/"):
            flat = re.sub(r"[\s().-]", "", text)
            for d in digits:
                assert d not in flat, (name, d)
    # the same number has the same pseudonym everywhere
    pseudo = bundle.pseudonyms["+13175550142"]
    assert pseudo.startswith("+1-PN")
    for name in ("exchanges.jsonl", "session.har", "repro.sh", "repro.py"):
        assert pseudo in files[name].decode(), name
    assert bundle.pseudonyms["+442079460958"].startswith("+44-PN")
    report = json.loads(files["redaction-report.json"])
    assert report["redacted"] and report["phone_numbers_pseudonymised"] >= 3
    assert not any(CANARY_SECRET in json.dumps(v) for v in report.values())


def test_summary_is_paste_ready(canary_sim, tmp_path):
    s = canary_session(canary_sim)
    files = unzip_texts(bundle_from_session(tmp_path / "t.zip", s, newrelic=True).path)
    summary = files["summary.md"].decode()
    for needle in ("simulator", "POST /api/v2/conversations/calls", "bad.request", "Correlation id",
                   "unknown-field", "Corrected body", "## Error codes", "example correlation id", "SELECT",
                   "free text", "UTC"):
        assert needle in summary, needle
    for ex in s.log:
        if ex.correlation_id:
            assert ex.correlation_id in summary


def har_problems(har):
    """HAR 1.2 structure check (the required fields of the spec)."""
    problems = []
    log = har.get("log", {})
    if log.get("version") != "1.2" or "creator" not in log or not isinstance(log.get("entries"), list):
        problems.append("log")
    for i, e in enumerate(log.get("entries", [])):
        for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
            if key not in e:
                problems.append(f"entry {i} {key}")
        req, res = e.get("request", {}), e.get("response", {})
        for key in ("method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"):
            if key not in req:
                problems.append(f"entry {i} request.{key}")
        for key in ("status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                    "headersSize", "bodySize"):
            if key not in res:
                problems.append(f"entry {i} response.{key}")
        if "mimeType" not in res.get("content", {}) or "size" not in res.get("content", {}):
            problems.append(f"entry {i} content")
        if not all(k in e.get("timings", {}) for k in ("send", "wait", "receive")):
            problems.append(f"entry {i} timings")
        if "postData" in req and not {"mimeType", "text"} <= set(req["postData"]):
            problems.append(f"entry {i} postData")
    return problems


def test_har_is_valid_1_2(canary_sim, tmp_path):
    s = canary_session(canary_sim)
    har = json.loads(unzip_texts(bundle_from_session(tmp_path / "t.zip", s).path)["session.har"])
    assert har_problems(har) == []
    assert len(har["log"]["entries"]) == len(s.log)
    assert har["log"]["entries"][0]["request"]["method"] == "POST"
    assert all(h["value"] == "[REDACTED]" for e in har["log"]["entries"] for h in e["request"]["headers"]
               if h["name"] == "Authorization")


def test_manifest_lists_files_with_checksums(canary_sim, tmp_path):
    import hashlib
    s = canary_session(canary_sim)
    files = unzip_texts(bundle_from_session(tmp_path / "t.zip", s).path)
    manifest = json.loads(files["manifest.json"])
    assert manifest["contract"]["version"] and manifest["tool"]["name"] == "diag"
    for name, meta in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == meta["sha256"]
    assert manifest["redaction_policy"]["not_covered"]


def test_newrelic_events_only_when_asked(canary_sim, tmp_path):
    s = canary_session(canary_sim)
    assert "newrelic-events.json" not in unzip_texts(bundle_from_session(tmp_path / "a.zip", s).path)
    events = json.loads(unzip_texts(bundle_from_session(tmp_path / "b.zip", s, newrelic=True).path)
                        ["newrelic-events.json"])
    assert len(events) == len(s.log)
    assert all(e["eventType"] == "DiagApiExchange" and {"correlationId", "endpoint", "status", "errorCode",
                                                        "durationMs", "timestamp"} <= set(e) for e in events)


def test_repro_with_kept_numbers_reproduces_the_statuses(tmp_path):
    with Simulator(seed=5) as sim:
        s = connect(simulator=sim)
        s.call({"phoneNumber": "+13175550142"})
        s.send("POST", "/api/v2/conversations/calls", {"to": "+13175550142"})
        s.send("POST", "/api/v2/conversations/calls", {"phoneNumber": "+13175550142", "callUserId": "u"})
        s.call({"phoneNumber": "+13175550143", "attributes": {"case": "it's $HOME `x`"}})
        recorded = [e.status for e in s.log]
        bundle = bundle_from_session(tmp_path / "t.zip", s, keep_numbers=True)
    with Simulator(seed=6) as fresh:
        env = {**os.environ, "GENESYS_CLOUD_API": fresh.base_url, "GENESYS_CLOUD_ACCESS_TOKEN": fresh.user_token()}
        with zipfile.ZipFile(bundle.path) as z:
            z.extractall(tmp_path / "x")
        out = subprocess.run(["bash", str(tmp_path / "x" / "repro.sh")], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        statuses = [int(line.split()[2]) for line in out.stdout.splitlines() if line.startswith("STATUS")]
        assert statuses == recorded
        py = subprocess.run([os.sys.executable, str(tmp_path / "x" / "repro.py")], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
        assert py.returncode == 0, py.stderr
        assert [int(line.split()[2]) for line in py.stdout.splitlines()] == recorded


def test_repro_with_pseudonyms_asks_for_the_numbers(canary_sim, tmp_path):
    s = canary_session(canary_sim)
    bundle = bundle_from_session(tmp_path / "t.zip", s)
    with zipfile.ZipFile(bundle.path) as z:
        z.extractall(tmp_path / "x")
    env = {**os.environ, "GENESYS_CLOUD_ACCESS_TOKEN": "t", "GENESYS_CLOUD_API": "http://127.0.0.1:9"}
    out = subprocess.run(["bash", str(tmp_path / "x" / "repro.sh")], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "NUMBER_1" in out.stderr and "PN" in out.stderr


def test_redaction_failure_writes_nothing(canary_sim, tmp_path, monkeypatch):
    s = canary_session(canary_sim)
    leaky = ExchangeLog.load(s.log.save(tmp_path.parent / "leaky.jsonl"))   # a log from elsewhere, not redacted
    leaky[0].request_headers["X-Debug"] = "token " + s.tokens.token()
    monkeypatch.setattr("diag.reports.bundle.Redactor.text", lambda self, text, kind="text": text)   # a broken policy
    monkeypatch.setattr("diag.reports.bundle.Redactor.headers", lambda self, h: h)
    target = tmp_path / "t.zip"
    with pytest.raises(RedactionError) as info:
        build_bundle(target, leaky, secrets=s.tokens.secrets())
    assert s.tokens.token() not in str(info.value)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_cli_bundle_from_a_saved_log(tmp_path, capsys):
    body = tmp_path / "b.json"
    body.write_text('{"phoneNumber": "+13175550142"}')
    log = tmp_path / "calls.jsonl"
    assert cli.main(["call", "--log", str(log), str(body)]) == 0
    capsys.readouterr()
    assert cli.main(["bundle", "--out", str(tmp_path / "t.zip"), "--log", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / 't.zip'}") and len(out.splitlines()) == 2   # path + one line
    assert "simulator (no real calls): 1 request(s), 200 x1" in out
    assert cli.main(["bundle", "--out", str(tmp_path / "s.zip"), "--log", str(log), "--print-summary"]) == 0
    out = capsys.readouterr().out
    assert "+13175550142" not in out and "PN" in out and "# Genesys Cloud API diagnosis" in out
    assert zipfile.ZipFile(tmp_path / "t.zip").testzip() is None
    assert cli.main(["bundle", "--out", str(tmp_path / "u.zip")]) == 0   # the latest session that placed a call
    assert "the latest session with calls" in capsys.readouterr().err


def test_ids_with_digit_runs_are_not_mistaken_for_numbers():
    from diag.core.redact import Pseudonymiser

    p = Pseudonymiser(b"k")
    text = "correlation id f3af2a85-4c12-4930-9941-624d8a31a80e; called +49 30 9941624 and tel:+1-317-555-0100"
    out = p.text(text)
    assert "f3af2a85-4c12-4930-9941-624d8a31a80e" in out
    assert "9941624" not in out and "555-0100" not in out and out.count("-PN") == 2


def test_the_summary_headlines_the_doctors_verdict(tmp_path):
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator as Sim

    s = plain_connect(simulator=Sim(seed=91), environ={}, dotenv=None)
    s.call({"to": "+13175550100", "type": "external"})
    summary = bundle_from_session(tmp_path / "t.zip", s).summary
    assert ("Doctor's verdict on the body, for the simulator's demo user, a user token: **Genesys refuses this "
            "(modelled)** (the server model answers 400 bad.request, modelled).  ") in summary


def test_the_summarys_verdict_never_reads_as_the_answer_a_caller_got(tmp_path):
    """A user without the permission sends a call body with a note: Genesys answers 403. The verdict on the body
    says whom it is for and that the server's 403 is what happened (it read "Sendable, with notes (the server model
    answers 200)" under "-> 403 missing.any.permissions")."""
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator as Sim

    sim = Sim(seed=91)
    s = plain_connect(simulator=sim, token=sim.user_token("riley"), environ={}, dotenv=None)
    ex = s.call({"phoneNumber": "+13175550100", "type": "external"})
    assert ex.status == 403
    what = bundle_from_session(tmp_path / "t.zip", s).summary.split("## What went wrong")[1]
    assert "-> 403" in what and "for the simulator's demo user, a user token:" in what
    assert "The server answered 403: that is what happened, for the caller who sent it" in what


def test_a_ticket_without_scripts_for_a_portal_that_refuses_them(tmp_path, capsys):
    """A case portal found rejects .sh and .js attachments: --no-scripts (and the export panel's box) leave the
    replay scripts out, say so in the summary, and nothing else in the ticket is a script."""
    from diag.app.widgets.export import ExportModel, ExportView
    from diag.client.connect import connect
    from diag.sim import Simulator

    body = tmp_path / "b.json"
    body.write_text('{"phoneNumber": "+13175550143"}')
    log = tmp_path / "calls.jsonl"
    assert cli.main(["call", "--log", str(log), str(body)]) == 0
    assert cli.main(["bundle", "--out", str(tmp_path / "plain.zip"), "--log", str(log), "--no-scripts"]) == 0
    assert cli.main(["bundle", "--out", str(tmp_path / "full.zip"), "--log", str(log)]) == 0
    capsys.readouterr()
    with zipfile.ZipFile(tmp_path / "plain.zip") as z:
        names = z.namelist()
        summary = z.read("summary.md").decode()
        page = z.read("report.html").decode().lower()
        manifest = json.loads(z.read("manifest.json"))
    assert not [n for n in names if n.endswith((".sh", ".py", ".js", ".bat", ".ps1"))], names
    assert "<script" not in page and set(manifest["files"]) <= set(names)
    assert "left out" in summary and "script attachments" in summary and "take the real numbers" not in summary
    assert {"repro.sh", "repro.py"} <= set(zipfile.ZipFile(tmp_path / "full.zip").namelist())   # the default
    with Simulator(seed=3) as sim:
        session = connect(simulator=sim)
        session.call({"phoneNumber": "+13175550144"})
        view = ExportView(ExportModel(session, None, out_dir=tmp_path / "panel"))
        view.no_scripts.value = True
        view.export_button.click()
        (made,) = (tmp_path / "panel").glob("*.zip")
        assert not [n for n in zipfile.ZipFile(made).namelist() if n.startswith("repro.")]


def test_the_cli_ticket_holds_the_requests_made_and_all_with_all(tmp_path, capsys):
    """As in the panels: a followed call's polls are diag's own and join the ticket only when asked (--all)."""
    body = tmp_path / "b.json"
    body.write_text('{"phoneNumber": "+13175550145"}')
    log = tmp_path / "calls.jsonl"
    assert cli.main(["call", "--follow", "--log", str(log), str(body)]) in (0, 1)
    assert cli.main(["bundle", "--out", str(tmp_path / "story.zip"), "--log", str(log)]) == 0
    assert cli.main(["bundle", "--out", str(tmp_path / "all.zip"), "--log", str(log), "--all"]) == 0
    capsys.readouterr()

    def records(name):
        with zipfile.ZipFile(tmp_path / name) as z:
            return [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    story, everything = records("story.zip"), records("all.zip")
    assert [r["method"] for r in story] == ["POST"] and len(everything) > len(story)
    assert {r["purpose"] for r in everything} >= {"", "follow"}


def test_the_summarys_error_codes_line_counts_what_its_table_lists(tmp_path):
    """A reset (no answer) and a 400: the Error codes line names both, as the table under it does (it said "none"
    above a table with a "no answer" row), and one retried attempt is "1 attempt that was retried"."""
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator as Sim

    sim = Sim(seed=91)
    s = plain_connect(simulator=sim, environ={}, dotenv=None)
    sim.faults.add("/api/v2/conversations/calls$", "reset", times=1, method="POST")
    s.call({"phoneNumber": "+13175550100"})
    s.call({"to": "+13175550100"})
    sim.faults.add("/api/v2/users/me$", "status", status=503, times=1, method="GET")
    s.send("GET", "/api/v2/users/me")   # a 503, retried once: two records, one request
    summary = bundle_from_session(tmp_path / "t.zip", s).summary
    line = next(x for x in summary.splitlines() if x.startswith("- Error codes:"))
    assert "`no answer` x1" in line and "`bad.request` x1" in line
    table = summary.split("## Error codes", 1)[1].split("\n\n", 2)[1]
    assert "`no answer`" in table and "`bad.request`" in table
    assert "(plus 1 attempt that was retried)" in summary


def test_a_ticket_of_an_attempt_whose_retry_was_not_chosen_shows_that_attempt(tmp_path):
    """A 503 the session retried, chosen alone (the export panel lets a person pick it): the ticket shows the 503
    as its request, everywhere (it said "0 request(s)" and "nothing failed" with the 503 in exchanges.jsonl)."""
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator as Sim

    sim = Sim(seed=91)
    s = plain_connect(simulator=sim, environ={}, dotenv=None)
    sim.faults.add("/api/v2/users/me$", "status", status=503, times=1, method="GET")
    s.send("GET", "/api/v2/users/me")
    first = [e for e in s.log if e.superseded]
    assert len(first) == 1 and first[0].status == 503
    b = build_bundle(tmp_path / "t.zip", first)
    with zipfile.ZipFile(b.path) as z:
        case = z.read("case.txt").decode()
    assert b.headline.startswith("simulator: 1 request(s), 503 x1")
    assert "How often: 1 of 1 request(s) failed" in case and "GET /api/v2/users/me -> 503" in case
    both = build_bundle(tmp_path / "both.zip", list(s.log))   # with its retry: one request, the retry's answer
    assert both.headline.startswith("simulator: 1 request(s), 200 x1")


@pytest.mark.parametrize("records,kept", [
    ([(1, 1, True), (2, 2, False)], [2]),                         # a retried 503 and its retry: one request
    ([(1, 1, True), (3, 3, False)], [3]),                         # attempts 1 and 3 of one send: still one
    ([(1, 1, True), (4, 2, False)], [1, 4]),                      # another send's attempt 2: two requests
    ([(1, 1, True), (2, 2, True), (3, 1, True), (4, 2, False)], [2, 4]),
])
def test_each_send_is_one_request_whichever_of_its_attempts_were_chosen(records, kept):
    """A review found a chosen 503 dropped for another send's retry to the same URL, and one send counted twice."""
    from diag.reports.replay import final_requests

    url = "https://api.mypurecloud.com/api/v2/users/me"
    rows = [{"seq": s, "method": "GET", "url": url, "attempt": a, "superseded": sup} for s, a, sup in records]
    assert [r["seq"] for r in final_requests(rows)] == kept


_FIELD = st.one_of(st.none(), st.integers(0, 6))
_RECORD = st.fixed_dictionaries({"method": st.sampled_from(["GET", "POST"]), "url": st.sampled_from(["/a", "/b"]),
                                 "seq": _FIELD, "attempt": _FIELD, "superseded": st.booleans()},
                                optional={"first_seq": st.one_of(_FIELD, st.booleans(), st.just("3"))})


@settings(max_examples=examples(800), deadline=None, derandomize=True)
@given(st.lists(_RECORD, max_size=12))
@example([{"method": "GET", "url": "/a", "seq": 1, "attempt": 1, "superseded": True},   # later only through a
          {"method": "GET", "url": "/a", "seq": None, "attempt": 2, "superseded": True},   # dropped attempt
          {"method": "GET", "url": "/a", "seq": 10, "attempt": 3, "superseded": False}])
def test_the_final_requests_are_those_no_later_attempt_supersedes(records):
    """final_requests files the later records by what can make them another attempt of the same send; whichever
    records a ticket holds (odd first_seq values included, read the long way), each kept record is one that no
    later record is an attempt of, by the one rule (_later_attempt)."""
    from diag.reports.replay import _later_attempt, final_requests

    by_rule = [r for i, r in enumerate(records)
               if not (r["superseded"] and any(_later_attempt(r, n) for n in records[i + 1:]))]
    assert [id(r) for r in final_requests(records)] == [id(r) for r in by_rule]


def test_a_ticket_of_429s_chosen_without_their_retries_is_read_in_linear_time():
    from diag.reports.replay import final_requests

    rows = [{"seq": 2 * i, "method": "POST", "url": "/api/v2/conversations/calls", "attempt": 1, "superseded": True}
            for i in range(20_000)]
    with in_linear_time(10):
        assert len(final_requests(rows)) == 20_000


def test_every_page_counts_diags_own_failures_by_one_rule(tmp_path):
    """A request of diag's with no answer and no reason recorded: report.html/case.txt and summary.md count it alike
    (one said failed, the other not: a review)."""
    from diag.core.exchange import Exchange

    ex = Exchange(seq=1, started="2026-11-28T10:00:00.000+00:00", method="GET",
                  url="http://127.0.0.1:9/api/v2/users/me", path="/api/v2/users/me", template="/api/v2/users/me",
                  request_headers={}, request_body=None, status=None, transport_error=None)
    b = build_bundle(tmp_path / "t.zip", [ex])
    with zipfile.ZipFile(b.path) as z:
        case = z.read("case.txt").decode()
    assert "How often: 1 of 1 request(s) failed" in case
    assert "`no answer` x1" in next(x for x in b.summary.splitlines() if x.startswith("- Error codes:"))


def test_the_customers_own_keys_in_genesys_side_are_cleaned_in_the_ticket_and_on_screen(sim, tmp_path):
    """Participant attributes are keyed by whatever the customer's flows write ("callback +1 317 555 0161", "note
    for jane.doe@example.com"): the values were pseudonymised and these keys were not, so the ticket's last look
    refused the whole ticket and the panel showed them."""
    import zipfile

    from diag.client.connect import connect
    from diag.client.genesys_side import GenesysSide, Part
    from diag.reports.bundle import build_bundle

    answer = {"conversationId": "c-1", "participants": [{"participantName": "Jane Doe", "purpose": "customer",
                                                          "attributes": {"callback +1 317 555 0161": "yes",
                                                                         "note for jane.doe@example.com": "vip"}}]}
    side = GenesysSide("c-1", ("2026-11-28T10:00:00Z", "2026-11-28T10:05:00Z"),
                       [Part("analytics details", "GET /api/v2/analytics/conversations/{conversationId}/details",
                             200, answer)])
    shown = json.dumps(side.to_dict())
    assert "317 555 0161" not in shown and "jane.doe" not in shown.lower()
    session = connect(simulator=sim)
    session.call({"phoneNumber": "+13175550100"})
    b = build_bundle(tmp_path / "t.zip", session.log, genesys=[side])
    with zipfile.ZipFile(b.path) as z:
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    assert "317 555 0161" not in everything and "3175550161" not in everything and "jane.doe" not in everything.lower()
    assert '"conversationId": "c-1"' in everything   # Genesys' own keys stay as they are


def test_cleaning_the_customers_keys_loses_no_value_and_renames_no_key_of_genesys_or_diag():
    """Keys that clean to the same pseudonym are numbered (a comprehension kept the last value only), and only the
    customer's own keys are cleaned: a participant named "State" or "Name" left Genesys' "state" and diag's own
    "name" renamed (and a ticket crashing on the missing key)."""
    from diag.client.genesys_side import GenesysSide, Part

    people = [{"participantName": who, "purpose": "customer", "state": "connected"}
              for who in ("Jane Doe", "State", "Name", "Status", "Answer")]
    attributes = {"Jane Doe": "first", "jane doe": "second", "JANE  DOE": "third", "cb +1 317 555 0161": "a",
                  "cb +13175550161": "b"}
    answer = {"conversationId": "c-1", "participants": [*people, {"purpose": "agent", "attributes": attributes}]}
    side = GenesysSide("c-1", ("2026-11-28T10:00:00Z", "2026-11-28T10:05:00Z"),
                       [Part("analytics details", "GET /api/v2/analytics/conversations/{conversationId}/details",
                             200, answer)])
    shown = side.to_dict()
    part = shown["parts"][0]
    assert set(part) == {"name", "operation", "status", "refusal", "correlationId", "answer"}
    assert all(p.get("state") == "connected" for p in part["answer"]["participants"][:5])
    kept = part["answer"]["participants"][5]["attributes"]
    assert sorted(kept.values()) == ["a", "b", "first", "second", "third"]
    assert "Jane Doe" not in json.dumps(kept) and "3175550161" not in json.dumps(kept)


def test_a_given_secret_too_short_to_seek_does_not_refuse_the_ticket(sim, tmp_path):
    """A secret the redactor does not seek (fewer than four characters that are not blanks) is not sought by the
    ticket's last look either: it refused every ticket whose text held those letters."""
    from diag.client.connect import connect
    from diag.reports.bundle import build_bundle

    session = connect(simulator=sim)
    session.call({"phoneNumber": "+13175550100", "callerIdName": "q7 z team"})
    b = build_bundle(tmp_path / "t.zip", session.log, secrets=["q7      z", "        ", "ab c"])
    assert b.path.exists()


def test_people_and_sip_header_names_of_genesys_side_are_pseudonyms_in_the_ticket(sim, tmp_path):
    """The ticket learned its people from its exchanges only, and a side comes without the exchanges that fetched
    it: a participant's name stayed in genesys/*.json, in a value and in an attribute's key. SIP header names
    (the contract's Callheader.headers) are the customer's words too."""
    import zipfile

    from diag.client.connect import connect
    from diag.client.genesys_side import GenesysSide, Part
    from diag.reports.bundle import build_bundle

    details = {"participants": [{"participantName": "Jane Doe", "purpose": "customer",
                                 "attributes": {"Jane Doe callback": "yes"}}]}
    headers = {"headers": {"X-Callback-+13175550161": "y", "X-Note-jane.doe@example.com": "x"}}
    side = GenesysSide("c-1", ("2026-11-28T10:00:00Z", "2026-11-28T10:05:00Z"), [
        Part("analytics details", "GET /api/v2/analytics/conversations/{conversationId}/details", 200, details),
        Part("SIP headers", "GET /api/v2/telephony/sipmessages/conversations/{conversationId}/headers", 200, headers)])
    session = connect(simulator=sim)
    session.call({"phoneNumber": "+13175550100"})
    b = build_bundle(tmp_path / "t.zip", session.log, genesys=[side])
    with zipfile.ZipFile(b.path) as z:
        saved = z.read("genesys/01-c-1.json").decode()
    assert "Jane Doe" not in saved and "jane.doe" not in saved.lower() and "3175550161" not in saved
    assert '"yes"' in saved and '"y"' in saved and '"x"' in saved   # every value kept, under a cleaned key
    shown = json.dumps(side.to_dict())
    assert "Jane Doe" not in shown and "3175550161" not in shown


def test_a_secret_learned_from_a_later_exchange_leaves_the_earlier_ones_and_a_short_one_split_refuses_nothing(
        tmp_path):
    """An answer quoting a value that a later request sends as its client_secret: the ticket was written with the
    value in the earlier exchange (learned too late, and not sought by the last look). A four-character secret
    broken by a blank ("Wx 42") is not one the redactor seeks split, and refused the ticket."""
    import zipfile

    from diag.core.exchange import Exchange
    from diag.reports.bundle import build_bundle

    def exchange(seq, body, answer):
        return Exchange(seq=seq, started=f"2026-11-28T10:00:0{seq}.000+00:00", method="POST",
                        url="http://127.0.0.1:9/api/v2/conversations/calls", path="/api/v2/conversations/calls",
                        template="/api/v2/conversations/calls", request_headers={}, request_body=body, status=400,
                        transport_error=None, response_body=answer)

    secret = "Zk81mQpa7Tw0"
    log = [exchange(1, {"note": "x"}, {"message": f"the value {secret} was refused, station Wx 42 is busy"}),
           exchange(2, {"client_secret": secret}, {"message": "bad"})]
    b = build_bundle(tmp_path / "t.zip", log, secrets=["Wx42"])
    with zipfile.ZipFile(b.path) as z:
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
        report = json.loads(z.read("redaction-report.json"))["redacted"]
    assert secret not in everything and "the value [REDACTED] was refused" in everything
    assert "Wx 42" in everything                      # not the secret as written, nor one sought broken by blanks
    assert report.get("key client_secret") == 1       # counted once, not once per reading


def _answered(token: str):
    from diag.core.exchange import Exchange

    calls = "/api/v2/conversations/calls"
    return [Exchange(seq=1, started="2026-12-07T10:00:00.000+00:00", method="POST",
                     url="https://api.mypurecloud.com" + calls, path=calls, template=calls,
                     request_headers={"Content-Type": "application/json"},
                     request_body={"phoneNumber": "+13175550100"}, status=200,
                     response_body={"id": "c0ffee00-0000-4000-8000-000000000001", "access_token": token})]


def test_the_last_look_seeks_the_secrets_the_tickets_own_cleaning_learned(tmp_path, monkeypatch):
    """A token learned while the ticket is cleaned (an answer's access_token) is sought by the last look in every
    file: a page writer that let it through (here, one made careless on purpose) refuses the ticket, nothing
    written. Before, the last look sought only the secrets given and those the evidence's reading learned."""
    from diag.reports import report

    token = "Zq9xK2mP7vL4wR8tB3nY"
    written = report.report_files

    def careless(records, **parts):
        files = written(records, **parts)
        files["case.txt"] += f"\nthe agent pasted {token}\n".encode()
        return files

    monkeypatch.setattr(report, "report_files", careless)
    with pytest.raises(RedactionError, match="secret"):
        build_bundle(tmp_path / "t.zip", _answered(token))
    assert not (tmp_path / "t.zip").exists()


def test_a_pseudonym_after_the_word_token_is_never_a_secret(tmp_path):
    """A note "token +1 317 555 0161 was refused" is pseudonymised, then read again with its page: the pseudonym
    after "token" reads like a credential in a sentence, and was learned as one ([REDACTED] in summary.md; with the
    last look seeking learned secrets, the whole ticket refused). It stays the number's pseudonym on every page."""
    from diag.core.redact import Redactor

    red = Redactor()
    assert red.text("token +1-PN3E7D9831 was refused") == "token +1-PN3E7D9831 was refused"
    assert red.learned_secrets() == []
    b = build_bundle(tmp_path / "t.zip", _answered("Zq9xK2mP7vL4wR8tB3nY"),
                     notes=["token +1 317 555 0161 was refused"])
    files = unzip_texts(b.path)
    for name in ("summary.md", "report.html"):
        said = re.search(r"token (\S+) was refused", files[name].decode())
        assert said and re.fullmatch(r"\+1-PN[0-9A-F]{8}", said.group(1)), (name, said)


def test_a_known_number_glued_to_letters_is_found_by_its_digits_whenever_it_was_learned():
    """The digits-only index of the numbers pseudonymised so far grows with them (it was rebuilt on every look
    once two keys shared their digits, which made a HAR of 4,000 people 30 % slower to sanitise)."""
    from diag.core.redact import Pseudonymiser

    p = Pseudonymiser(b"k")
    first = p.text("called +13175550161").split()[-1]
    assert p.text("id CUST13175550161") == f"id CUST{first}"
    later = p.text("then +442079460958").split()[-1]   # learned after the index was first read
    assert p.text("id REF442079460958x") == f"id REF{later}x"
    assert p.text("id REF449999999999x") == "id REF449999999999x"   # digits of no number it has met stay
    local = p.pseudonym("03175550161")    # a key without '+' beside one with it: each found by its own digits
    assert p.text("id CUST03175550161") == f"id CUST{local}"
    assert p.text("id CUST13175550161") == f"id CUST{first}"
