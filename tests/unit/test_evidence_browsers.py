"""The customer's evidence as each browser saves it: Firefox and Safari (WebKit Web Inspector) HAR 1.2 exports, and
Chrome's and Firefox's "Copy as cURL" in bash and Windows quoting (tests/data/evidence/).

What a user notices: how many Genesys requests were read and skipped, each failure's status, exact code, correlation
id and explanation, the valid call not reported as failed, times in UTC, no token or cookie anywhere in the output;
and a cURL command gives the same findings and verdict as its body given to `diag validate`.
"""
import json
from pathlib import Path

import pandas as pd
import pytest

from diag.app import cli
from diag.core.doctor import check
from diag.core.evidence import read_evidence
from diag.core.inspect import inspect

DATA = Path(__file__).resolve().parents[1] / "data" / "evidence"
CALLS = "POST /api/v2/conversations/calls"

# Every credential in the fixtures is fake: tokens (each holds "fake-canary") and cookie values.
HARS = {
    "firefox-121.har": {
        "canaries": ["fake-canary-firefox-har-sig03", "CANARYcookieFirefoxHar5e2"],
        "started": ["2026-11-28T10:00:01.412Z", "2026-11-28T10:00:03.907Z", "2026-11-28T10:00:09.018Z"],
        "401": ("authentication.required", "2b9d4c1e-8f7a-4d3b-a6e5-0c1d2e3f4a5b"),
        "400": ("bad.request", "7c0e5a1d-3f4b-4e2a-9b8c-1d2e3f4a5b6c"),
        "findings": [("error", "$.to", "unknown-field"), ("warning", "$.type", "unknown-field"),
                     ("error", "$", "no-destination")]},
    "safari-17.har": {
        "canaries": ["fake-canary-safari-har-sig004", "CANARYcookieSafariHar8b4"],
        "started": ["2026-11-28T10:05:01.250Z", "2026-11-28T10:05:04.733Z", "2026-11-28T10:05:11.064Z"],
        "401": ("bad.credentials", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        "400": ("bad.request", "3e2d1c0b-9a8f-4e7d-b6c5-a4b3c2d1e0f9"),
        "findings": [("error", "$.to", "unknown-field"), ("error", "$.from", "unknown-field"),
                     ("warning", "$.type", "unknown-field"), ("error", "$", "no-destination")]},
}


def triples(findings):
    return [(f["severity"], f["path"], f["code"]) for f in findings]


@pytest.mark.parametrize("name", sorted(HARS))
def test_a_firefox_or_safari_har_is_diagnosed_request_by_request(name):
    want = HARS[name]
    result = inspect(DATA / name)
    assert result.kind == "har" and len(result.diagnoses) == 3 and result.skipped == 1
    assert [d.request.status for d in result.failures] == [401, 400]
    auth, bad = result.failures

    assert auth.operation == "GET /api/v2/users/me" and auth.request.body is None     # a GET: no postData at all
    assert (auth.error_code, auth.correlation_id) == want["401"]                       # Safari's body is base64
    assert auth.explanation and "without a Genesys error body" not in auth.explanation
    no_token = auth.error_code == "authentication.required"   # no token sent: not "expired", not "another region"
    assert any(("no bearer token reached Genesys" in n) == no_token and ("expired" in n) != no_token
               for n in auth.notes), auth.notes

    assert bad.operation == CALLS and (bad.error_code, bad.correlation_id) == want["400"]
    assert bad.message == "The request could not be understood by the server due to malformed syntax."
    assert bad.explanation and bad.verdict == "refused" and triples(bad.findings) == want["findings"]
    assert bad.findings == [{"severity": f.severity, "path": f.path, "code": f.code, "message": f.message}
                            for f in check(bad.request.body).findings]

    ok = result.diagnoses[-1]
    assert ok.operation == CALLS and ok.request.status == 200 and ok.request.body == {"phoneNumber": "+13175550161"}
    assert not ok.failed and ok.verdict == "sendable" and ok.findings == [] and ok.error_code is None
    assert all(isinstance(d.request.duration_ms, float) for d in result.diagnoses)

    # Times in UTC: Firefox writes local time with its offset (+01:00), Safari writes UTC
    assert [d.request.started for d in result.diagnoses] == want["started"]
    frame = result.frame()
    assert str(frame["started"].dt.tz) == "UTC"
    assert list(frame["started"]) == [pd.Timestamp(s) for s in want["started"]]
    text = result.text()
    assert "3 Genesys request(s), 1 other request(s) skipped, 2 failed" in text
    assert all(s[:23] in text for s in want["started"])
    assert f"-> 400 bad.request {want['400'][1]}" in text


@pytest.mark.parametrize("name", sorted(HARS))
def test_no_token_or_cookie_of_a_browser_har_is_ever_shown(name, capsys):
    want = HARS[name]
    result = inspect(DATA / name)
    assert cli.main(["inspect", "--json", str(DATA / name)]) == 1
    printed = capsys.readouterr()
    summary = json.loads(printed.out.strip().splitlines()[-1])
    assert (summary["genesysRequests"], summary["otherRequests"], summary["failures"]) == (3, 1, 2)
    assert summary["byCode"] == {f"401 {want['401'][0]}": 1, "400 bad.request": 1}
    assert cli.main(["inspect", str(DATA / name)]) == 1
    plain = capsys.readouterr()
    for shown in (result.text(), json.dumps(result.to_dict()), printed.out, printed.err, plain.out, plain.err):
        for canary in want["canaries"]:
            assert canary not in shown
        assert "eyJhbGciOiJSUzI1NiJ9" not in shown


def test_the_fixtures_keep_each_browsers_own_shape():
    """What the two exporters write differently from Chrome (so that an edit of the fixtures does not lose it)."""
    ff = json.loads((DATA / "firefox-121.har").read_text(encoding="utf-8"))["log"]
    assert ff["creator"]["name"] == "Firefox" and ff["pages"][0]["pageTimings"] == {"onContentLoad": -1, "onLoad": -1}
    entries = ff["entries"]
    assert all(e["startedDateTime"].endswith("+01:00") and e["_securityState"] == "secure" for e in entries)
    assert all(e["serverIPAddress"] and e["connection"] == "443" for e in entries)
    posted = [e["request"]["postData"] for e in entries if "postData" in e["request"]]
    assert len(posted) == 2 and all(p["params"] == [] and p["text"] for p in posted)
    assert entries[1]["request"]["headers"][1]["name"] == "User-Agent"                   # request: mixed case
    assert entries[2]["response"]["headers"][2]["name"] == "inin-correlation-id"         # HTTP/2 answer: lower
    assert entries[2]["request"]["httpVersion"] == "HTTP/2" and entries[2]["timings"]["blocked"] == -1
    assert "text" not in entries[3]["response"]["content"] and entries[3]["response"]["bodySize"] == -1
    assert entries[0]["response"]["content"]["encoding"] == "base64"
    assert entries[1]["request"]["cookies"] == [{"name": "sid", "value": HARS["firefox-121.har"]["canaries"][1]}]

    sf = json.loads((DATA / "safari-17.har").read_text(encoding="utf-8"))["log"]
    assert sf["creator"]["name"] == "WebKit Web Inspector" and sf["pages"][0]["id"] == "page_0"
    entries = sf["entries"]
    assert all(e["pageref"] == "page_0" and e["_fetchType"] and isinstance(e["time"], float) for e in entries)
    assert [e.get("_priority") for e in entries] == [None, "high", "medium", "medium"]
    assert [e["request"]["httpVersion"] for e in entries] == ["", "h2", "h2", "h2"]
    assert ["postData" in e["request"] for e in entries] == [False, False, True, True]
    assert all(h["name"] == h["name"].lower() for e in entries for h in e["request"]["headers"])
    assert entries[1]["response"]["content"]["encoding"] == "base64" and "_transferSize" in entries[1]["response"]
    assert "text" not in entries[3]["response"]["content"]


# ---- Copy as cURL: the same findings as `diag validate` on the body ----

CURLS = {
    "chrome-curl-bash.txt": "body-a.json",      # $'...': the body holds ' and ! (Chrome writes ! as \u0021)
    "chrome-curl-cmd.txt": "body-a.json",       # ^"...^" with ^{ ^\^" ^& ^| ^% ^!  and ^ë ^û
    "firefox-curl-posix.txt": "body-b.json",    # -X POST, $'...' with \xe9 for é and \041 for !
    "firefox-curl-windows.txt": "body-b.json",  # curl.exe, ^"...^", %^PATH^%
}
CURL_CANARIES = ["fake-canary-chrome-sig0001", "fake-canary-firefox-sig002", "CANARYcookieChrome91c2",
                 "CANARYcookieFirefox7d1"]


@pytest.mark.parametrize("name", sorted(CURLS))
def test_copy_as_curl_gives_the_findings_of_validate(name, capsys):
    body_file = DATA / CURLS[name]
    body = json.loads(body_file.read_text(encoding="utf-8"))
    result = inspect(DATA / name)
    assert result.kind == "curl" and len(result.diagnoses) == 1 and result.skipped == 0
    d = result.diagnoses[0]
    assert d.request.method == "POST" and d.request.url == "https://api.mypurecloud.ie/api/v2/conversations/calls"
    assert d.operation == CALLS and d.region == "eu_west_1"
    assert d.request.body == body                                    # é, ', !, &, |, %, ^, " and \ as typed

    report = check(body)
    assert d.verdict == report.verdict
    assert d.findings == [{"severity": f.severity, "path": f.path, "code": f.code, "message": f.message}
                          for f in report.findings]
    assert len(d.findings) >= 3 and d.verdict in ("refused", "not-what-you-meant")

    assert cli.main(["validate", "--json", str(body_file)]) == 1
    validated = json.loads(capsys.readouterr().out)
    assert validated["verdict"] == d.verdict and triples(validated["findings"]) == triples(d.findings)
    assert [f["message"] for f in validated["findings"]] == [f["message"] for f in d.findings]

    assert cli.main(["inspect", "--json", str(DATA / name)]) in (0, 1)
    printed = capsys.readouterr()
    inspected = json.loads(printed.out.strip().splitlines()[-1])["requests"][0]
    assert inspected["verdict"] == d.verdict and triples(inspected["findings"]) == triples(d.findings)
    for shown in (printed.out, printed.err, result.text(), json.dumps(result.to_dict())):
        assert not any(canary in shown for canary in CURL_CANARIES)
    assert d.request.headers.get("Cookie", "[REDACTED]") == "[REDACTED]"


@pytest.mark.parametrize("data, body", [
    (r"""$'{"n":"O\'Brien\u0021"}'""", {"n": "O'Brien!"}),                          # Chrome
    (r"""$'{"n":"Ren\xe9\'s caf\xe9\041"}'""", {"n": "René's café!"}),              # Firefox: \xHH is U+00HH
    (r"""$'{"n":"\ud83d\ude00 \u2019"}'""", {"n": "\U0001F600 \u2019"}),           # Firefox: UTF-16 halves
    (r"""$'{"n":"a\\tb \\\\ \\"q\\"\u0021"}'""", {"n": 'a\tb \\ "q"!'}),         # JSON escapes, escaped
    ("""'{"n":"It'\\''s"}'""", {"n": "It's"}),                                    # POSIX '\'' still works
    ("""'{"n":"a $''b"}'""", {"n": "a $b"}),                                      # $' closing '...' is text
    ("""'{"n":"^_^"}'""", {"n": "^_^"}),                                         # ^" in bash is not cmd's escape
])
def test_bash_quoting_is_read_as_bash_reads_it(data, body):
    command = ("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' \\\n  -H 'content-type: application/json'"
               f" \\\n  --data-raw {data}")
    request = read_evidence(command).requests[0]
    assert request.method == "POST" and request.body == body


def test_a_hand_written_bash_command_with_a_caret_in_its_body_stays_bash():
    """A value ending in ^ puts ^" inside a single-quoted bash word: that is not cmd quoting."""
    command = ("curl -X POST 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'Content-Type: "
               "application/json' --data-raw '{\"phoneNumber\": \"+13175550161\", \"callerIdName\": \"x^\"}'")
    assert inspect(command).diagnoses[0].request.body == {"phoneNumber": "+13175550161", "callerIdName": "x^"}
