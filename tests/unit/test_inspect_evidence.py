"""#17 (first part): the customer's evidence read by content, every Genesys request diagnosed, sanitised on read."""
import base64
import json

import pytest

from diag.app import cli
from diag.core import textfile
from diag.core.evidence import UnreadableEvidence, read_evidence
from diag.core.inspect import inspect

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZc2lnbmF0dXJl"
CID = "3f1c2b9e-1111-4a2b-9c3d-1234567890ab"


def har(entries):
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                               "entries": entries}})


def entry(method, url, status, body=None, answer=None, headers=(), answer_headers=(), b64=False, params=None):
    req = {"method": method, "url": url, "httpVersion": "HTTP/2.0",
           "headers": [{"name": ":authority", "value": "x"}, {"name": "authorization", "value": f"Bearer {TOKEN}"},
                       *[{"name": k, "value": v} for k, v in headers]], "queryString": [], "cookies": []}
    if body is not None:
        req["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    if params is not None:
        req["postData"] = {"mimeType": "application/x-www-form-urlencoded", "params": params}
    text = json.dumps(answer) if answer is not None else ""
    content = {"size": len(text), "mimeType": "application/json",
               "text": base64.b64encode(text.encode()).decode() if b64 else text}
    if b64:
        content["encoding"] = "base64"
    return {"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 120.5, "_initiator": {"type": "script"},
            "_resourceType": "fetch", "request": req,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/2.0", "_transferSize": 321,
                         "headers": [{"name": "ININ-Correlation-Id", "value": CID},
                                     *[{"name": k, "value": v} for k, v in answer_headers]],
                         "content": content, "cookies": [], "redirectURL": ""},
            "cache": {}, "timings": {"wait": 100}}


def test_a_browser_har_is_diagnosed_request_by_request(tmp_path):
    path = tmp_path / "support.har"
    path.write_text(har([
        entry("GET", "https://apps.mypurecloud.ie/directory/", 200),
        entry("POST", "https://login.mypurecloud.com/oauth/token", 200, params=[
            {"name": "grant_type", "value": "client_credentials"}, {"name": "client_secret", "value": "CANARY-s3c"}]),
        entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
              body={"to": {"phoneNumber": "+13175550161"}, "type": "external"},
              answer={"message": "The request could not be understood", "code": "bad.request", "status": 400},
              b64=True),
        entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 403, body={"phoneNumber": "+13175550161"},
              answer={"code": "missing.any.permissions", "status": 403, "message": "You must have at least one of",
                      "messageParams": {"permissions": "conversation:conference:add"}}),
        entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 429, answer={"code": "too.many.requests.retry.after",
              "status": 429}, answer_headers=[("Retry-After", "12")]),
        entry("GET", "https://api.mypurecloud.ie/api/v2/analytics/interactions/summary", 404,
              answer={"code": "not.found", "status": 404})]))
    result = inspect(path)
    assert result.kind == "har" and result.skipped == 1 and len(result.diagnoses) == 5
    first = result.failures[0]
    assert first.operation == "POST /api/v2/conversations/calls" and first.error_code == "bad.request"
    assert first.verdict == "refused" and first.correlation_id == CID
    assert any("missing permission" in n and "conversation:conference:add" in n for n in result.failures[1].notes)
    assert any("Retry-After 12" in n for n in result.failures[2].notes)
    assert result.failures[3].operation is None and "not a Platform API operation" in result.failures[3].notes[0]
    assert any("a token works only in the region that issued it" in n for n in result.notes)
    dumped = json.dumps(result.to_dict())
    assert TOKEN not in dumped and "CANARY-s3c" not in dumped
    assert "First failure: #2 POST /api/v2/conversations/calls -> 400 bad.request" in result.text()


@pytest.mark.parametrize("command", [
    "curl 'https://api.mypurecloud.com/api/v2/conversations/calls' \\\n  -H 'Content-Type: application/json' "
    f"\\\n  -H 'Authorization: Bearer {TOKEN}' \\\n  --data-raw '{{\"to\":\"+13175550161\"}}'",
    'curl "https://api.mypurecloud.com/api/v2/conversations/calls" ^\n  -H "Content-Type: application/json" ^\n  '
    f'-H "Authorization: Bearer {TOKEN}" ^\n  --data-raw ^"^{{^\\^"to^\\^":^\\^"+13175550161^\\^"^}}^"'])
def test_copy_as_curl_in_bash_and_cmd_quoting(command):
    result = inspect(command)
    d = result.diagnoses[0]
    assert result.kind == "curl" and d.request.method == "POST" and d.request.body == {"to": "+13175550161"}
    assert d.verdict == "refused" and TOKEN not in json.dumps(result.to_dict())


def test_a_raw_http_request_and_a_diag_log(sim, tmp_path):
    raw = ("POST /api/v2/conversations/calls HTTP/1.1\r\nHost: api.usw2.pure.cloud\r\nContent-Type: "
           "application/json\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n{\"phoneNumber\": \"+13175550161\"}")
    d = inspect(raw).diagnoses[0]
    assert d.region == "us_west_2" and d.verdict in ("sendable", "sendable-with-notes")
    from diag.client.connect import connect
    s = connect(simulator=sim)
    s.call({"to": "+13175550161"})
    log = s.log.save(tmp_path / "log.jsonl")
    assert inspect(log).kind == "diag-log"


def test_the_cli_reads_evidence_and_writes_a_sanitised_har(tmp_path, capsys):
    path = tmp_path / "e.har"
    path.write_text(har([entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
                               body={"phoneNumber": "+13175550161", "callerIdName": "Zelda Canaryname"},
                               answer={"code": "bad.request", "status": 400, "message": "m"})]))
    out = tmp_path / "clean.har"
    assert cli.main(["inspect", str(path), "--sanitise", str(out)]) == 1
    text = out.read_text()
    assert TOKEN not in text and "3175550161" not in text and "Canaryname" not in text
    said = capsys.readouterr().out
    assert "sanitised HAR written" in said
    assert "Not recognised: names of people typed into fields diag does not know" in said   # what it cannot know
    assert cli.main(["inspect", str(path), "--sanitise", str(out)]) == 2        # never overwrites
    assert cli.main(["inspect", "--json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["failures"] == 1


@pytest.mark.parametrize("text", ["", "hello", "{not json", '{"log": {}}', "curl -H 'x: y'", "[1, 2]"])
def test_unreadable_evidence_is_a_message(tmp_path, capsys, text):
    with pytest.raises(UnreadableEvidence):
        read_evidence(text)
    path = tmp_path / "bad.txt"
    path.write_text(text)
    assert cli.main(["inspect", str(path)]) == 2
    assert "bad.txt" in capsys.readouterr().err


def test_the_customers_evidence_goes_into_the_ticket(tmp_path, capsys):
    import zipfile

    path = tmp_path / "e.har"
    path.write_text(har([entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
                               body={"to": "+13175550161"}, answer={"code": "bad.request", "status": 400,
                                                                    "message": "m"})]))
    out = tmp_path / "t.zip"
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        summary = z.read("summary.md").decode()
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    assert "REAL ORG" in summary and "eu_west_1" in summary and CID in summary and "bad.request" in summary
    assert TOKEN not in everything and "3175550161" not in everything


def test_charts_of_the_evidence(tmp_path, capsys):
    path = tmp_path / "e.har"
    path.write_text(har([entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 200, answer={"id": "u"}),
                         entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
                               body={"to": "+13175550161"}, answer={"code": "bad.request", "status": 400})]))
    assert cli.main(["inspect", str(path), "--charts", str(tmp_path / "charts")]) == 1
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["evidence_codes.png", "evidence_codes.svg", "evidence_latency.png", "evidence_latency.svg"]
    assert "chart:" in capsys.readouterr().out


@pytest.mark.parametrize("content", [
    json.dumps({"log": {"version": "1.1", "entries": []}}), json.dumps({"log": {"version": "1.2", "entries": []}}),
    har([])[:-40], "curl 'https://api.mypurecloud.com/api/v2/users/me -H x", "\x00\x01binary\x00"])
def test_bad_evidence_is_a_clear_message_and_writes_nothing(tmp_path, capsys, content):
    path = tmp_path / "in.har"
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    out = tmp_path / "clean.har"
    assert cli.main(["inspect", str(path), "--sanitise", str(out)]) == 2
    err = capsys.readouterr().err
    assert "in.har" in err and "Traceback" not in err and not out.exists()


def test_canaries_in_every_har_field_never_come_out(tmp_path, capsys):
    canary = "CANARYtok0a1b2c3d4e5f6a7b8"
    e = entry("POST", f"https://api.mypurecloud.ie/api/v2/conversations/calls?access_token={canary}", 400,
              body={"phoneNumber": "+13175550161", "attributes": {"token": canary}},
              answer={"code": "bad.request", "status": 400, "message": f"echo Bearer {canary}"},
              headers=[("Cookie", f"sid={canary}"), ("X-Auth-Token", canary)],
              answer_headers=[("Set-Cookie", f"session={canary}; Path=/; HttpOnly")])
    e["request"]["cookies"] = [{"name": "sid", "value": canary}]
    e["response"]["cookies"] = [{"name": "session", "value": canary}]
    e["request"]["queryString"] = [{"name": "access_token", "value": canary}]
    e["_initiator"] = {"type": "script", "url": f"https://apps.mypurecloud.ie/app.js?token={canary}"}
    path = tmp_path / "e.har"
    path.write_text(har([e]))
    out, bundle = tmp_path / "clean.har", tmp_path / "t.zip"
    assert cli.main(["inspect", str(path), "--sanitise", str(out)]) == 1
    assert cli.main(["inspect", "--json", str(path)]) == 1
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(bundle)]) == 0
    import zipfile
    with zipfile.ZipFile(bundle) as z:
        texts = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")]
    printed = capsys.readouterr()
    for text in [printed.out, printed.err, out.read_text(), *texts]:
        assert canary not in text
    assert "3175550161" not in out.read_text() and not any("3175550161" in t for t in texts)


def test_the_command_line_and_the_panels_read_evidence_one_way(tmp_path, monkeypatch, capsys):
    from diag.app.widgets.evidence import EvidenceModel
    from diag.app.widgets.export import read_saved_evidence

    monkeypatch.setattr(textfile, "MAX_EVIDENCE_BYTES", 1000)
    big = tmp_path / "big.har"
    big.write_text(" " * 2000)
    assert cli.main(["inspect", str(big)]) == 2 and "larger than" in capsys.readouterr().err
    upload = EvidenceModel()
    with pytest.raises(ValueError, match="larger than"):
        upload.read_upload(b" " * 2000)
    with pytest.raises(ValueError, match="not UTF-8 text"):
        upload.read_upload(b"\xc3\x28{" * 10)
    link = tmp_path / "link.har"
    link.symlink_to(big)
    with pytest.raises(ValueError, match="not a regular file"):
        read_saved_evidence(link)


def test_a_big_captures_dots_are_one_picture_in_the_svg_and_a_small_ones_stay_dots():
    import datetime as dt

    from diag.reports import charts

    def svg_of(n):
        start = dt.datetime(2026, 11, 28, 10, tzinfo=dt.timezone.utc)
        rows = [{"started": start + dt.timedelta(seconds=i), "code": "200" if i % 3 else "400 bad.request",
                 "operation": "POST /api/v2/conversations/calls", "status": 200, "duration_ms": 12.0}
                for i in range(n)]
        return charts.rendered(charts.evidence_codes_over_time(rows, "customer evidence (har)", "x"))["svg"]

    small, big = svg_of(40), svg_of(10_000)
    dots = b'xlink:href="#m'   # each vector dot is a use of a marker (text is a use of a glyph: #DejaVuSans-)
    assert b"<image" not in small and small.count(dots) >= 40         # a few requests: each a vector dot
    assert big.count(b"<image") == 1 and big.count(dots) < 40         # 10,000: one picture of the dots
    assert len(big) < 200_000                                         # was 930 KB, inline in report.html


@pytest.mark.parametrize("body,emergency", [('{"phoneNumber": "+13175550100",}', False),
                                            ('{"phoneNumber": "911",}', True), ('{"phoneNumber": "911" x', True)])
def test_a_body_that_is_not_json_is_judged_as_pasted_text_is(body, emergency, sim):
    """A cURL whose body is not JSON: Genesys refuses it (it failed, "0 failed" before), and a 911 inside is found
    as the gate's backstop finds it (the doctor said nothing of it while the gate refused it)."""
    from diag.client.connect import connect
    from diag.core.doctor import check_text
    from diag.core.errors import SafetyError

    d = inspect(f"curl -X POST https://api.mypurecloud.com/api/v2/conversations/calls -H 'Content-Type: "
                f"application/json' --data '{body}'").diagnoses[0]
    assert d.failed and d.genesys_refuses and "invalid-json" in [f["code"] for f in d.findings]
    assert ("emergency-number" in [f["code"] for f in d.findings]) is emergency
    session = connect(simulator=sim)
    try:
        session.send("POST", "/api/v2/conversations/calls", body)
        refused = False
    except SafetyError:
        refused = True
    assert refused is emergency is check_text(body).blocked   # the doctor and the gate agree


def test_a_request_that_got_no_answer_is_counted_under_no_answer_not_a_dash():
    """Chrome's net::ERR_CONNECTION_RESET: its failure is "(no answer)" by code, as the session's summary says."""
    har_text = json.dumps({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-28T10:00:00Z",
        "request": {"method": "GET", "url": "https://api.mypurecloud.com/api/v2/users/me", "headers": []},
        "response": {"status": 0, "headers": [], "content": {}, "_error": "net::ERR_CONNECTION_RESET"}}]}})
    found = inspect(har_text)
    assert len(found.failures) == 1 and dict(found.by_code()) == {"- (no answer)": 1}
    cancelled = inspect(har_text.replace("net::ERR_CONNECTION_RESET", "net::ERR_ABORTED"))
    assert cancelled.failures == []   # the browser cancelled it (a page left): no answer, no failure


@pytest.mark.parametrize("text", ['{"phoneNumber": "+13175550100", "x": "911",}',
                                  "{'phoneNumber': '+13175550100', 'x': '9\\'1\\'1'}", '[{"phoneNumber":"911"}]',
                                  '"911"', "911", '"tel:911"', '{"phoneNumber": "+13175550100"}', "[1, 2]",
                                  '{\u201cphoneNumber\u201d: \u201c9 1 1\u201d}', '{\u201cphoneNumber\u201d: \u201c9-1-1\u201d}',
                                  '\ufeff{"phoneNumber":"+13175550100","x":"911"}',
                                  '{"phoneNumber": "+13175550100", "x": "911\t"}', '\x00{"phoneNumber":"911"}',
                                  '{"phoneNumber": "911" x', "000", '{"phoneNumber": "+13175550100",}'])
def test_the_doctor_and_the_gate_agree_on_repaired_and_non_object_texts(text, sim):
    """A text the gate reads by its literals (repaired, or not an object) or reads otherwise than the doctor's parser
    (curly quotes, a BOM, a raw tab, UTF-16): the doctor judges it by the gate's own reading (reviews found each
    side refusing texts the other sent)."""
    from diag.client.connect import connect
    from diag.core.doctor import check_text
    from diag.core.errors import SafetyError

    try:
        connect(simulator=sim).send("POST", "/api/v2/conversations/calls", text)
        refused = False
    except SafetyError:
        refused = True
    assert check_text(text).blocked is refused


def test_the_time_span_names_the_first_and_last_recorded_times_in_utc():
    """Times with offsets, out of order, and one that is no time: the span is the earliest to the latest instant,
    in UTC, as the charts' frame has them; evidence with no time says so."""
    stamps = ["2026-11-28T12:00:05.900+02:00", "2026-11-28T09:59:59.000Z", "not a time", "2026-11-28T10:30:00Z"]
    entries = [entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 200, answer={}) for _ in stamps]
    for e, stamp in zip(entries, stamps):
        e["startedDateTime"] = stamp
    found = inspect(har(entries))
    assert found.span() == "2026-11-28 09:59:59 to 2026-11-28 10:30:00 UTC"
    times = found.frame()["started"].dropna()
    assert f"{times.min():%Y-%m-%d %H:%M:%S} to {times.max():%Y-%m-%d %H:%M:%S} UTC" == found.span()
    curl = inspect("curl -X GET https://api.mypurecloud.ie/api/v2/users/me -H 'Authorization: Bearer x'")
    assert curl.span() == "the evidence's time span (no times recorded)"


def test_the_latency_charts_key_stands_clear_of_its_bars():
    """The key sat on the bars, where the pale swatch of "slowest" vanished into the pale bar behind it."""
    from diag.reports import charts

    rows = [{"started": None, "code": "200", "status": 200, "operation": op, "duration_ms": ms}
            for op, ms in (("GET /api/v2/users/me", 900.0), ("GET /api/v2/users/me", 450.0),
                           ("POST /api/v2/conversations/calls", 880.0))]
    fig = charts.evidence_latency_by_operation(rows, "customer evidence (har)", "x")
    charts.rendered(fig, ("png",))
    ax = fig.axes[0]
    key = ax.get_legend().get_window_extent()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["slowest", "median"]
    assert key.y1 <= ax.get_window_extent().y0   # below the plot, not over a bar
    assert [t.get_text() for t in ax.get_yticklabels()] == ["POST /api/v2/conversations/calls (x1)",
                                                            "GET /api/v2/users/me (x2)"]


def test_a_person_in_an_answers_error_code_is_a_pseudonym_in_the_json_and_the_ticket(tmp_path, capsys):
    """A login answer whose `error` names a person and a number: the failures-by-code counts are keyed by that
    code. It was printed as answered by `diag inspect --json`, and a ticket of the evidence was refused whole by
    its last look; now it is a pseudonym in both, and the ticket is written."""
    import zipfile

    login = entry("POST", "https://login.mypurecloud.ie/oauth/token", 400,
                  answer={"error": "zed.person@corp.example (+13175550199) is locked"})
    login["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                                    "text": "grant_type=client_credentials"}
    path = tmp_path / "e.har"
    path.write_text(har([login, entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 404,
                                      answer={"code": "not.found", "status": 404, "message": "m"})]))
    assert cli.main(["inspect", str(path), "--json"]) == 1
    printed = capsys.readouterr().out
    codes = json.loads(printed)["byCode"]
    assert sorted(codes.values()) == [1, 1] and "404 not.found" in codes
    assert "zed.person" not in printed and "3175550199" not in printed
    out = tmp_path / "t.zip"
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        found = json.loads(z.read("evidence/inspection.json"))
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    assert sorted(found["byCode"].values()) == [1, 1] and "404 not.found" in found["byCode"]
    assert "zed.person" not in everything and "3175550199" not in everything


def test_names_the_evidence_gives_its_fields_headers_and_grant_are_cleaned_in_every_count_and_label(tmp_path, capsys):
    """A secret-named field or header whose own name holds an e-mail or a number, and a token request whose
    grant_type is free text: the redaction report's kinds ("key <name>") and the caller labels ("token 1 (<grant>)")
    are keys of what is printed and saved. The ticket was refused whole by its last look; now it is written and
    holds none of them, and the label names no grant it cannot read as one."""
    import zipfile

    from diag.core.evidence import read_evidence
    from diag.core.limits import limits_of

    call = entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
                 body={"token for jane.doe@example.com": "abc", "token +1 317 555 0161": "x",
                       "phoneNumber": "+13175550161"},
                 answer={"code": "bad.request", "status": 400, "message": "m"},
                 headers=[("X-Token-For-Jane.Doe@example.com", "abc12345")])
    path = tmp_path / "e.har"
    path.write_text(har([call]))
    out = tmp_path / "t.zip"
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        report = json.loads(z.read("redaction-report.json"))["redacted"]
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    assert "jane.doe" not in everything.lower() and "3175550161" not in everything and "317 555 0161" not in everything
    assert any(k.startswith("key token for email-") for k in report), report

    token = "tkA7b9C2d4E6f8G0h1J3k5L7"
    login = entry("POST", "https://login.mypurecloud.ie/oauth/token", 200, answer={"access_token": token})
    login["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                                    "text": "grant_type=call+jane+at+%2B1+317+555+0161"}
    login["request"]["headers"] = []   # client credentials go in a form, not a bearer token
    calls = [entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 429 if i == 4 else 200, answer={"id": "x"})
             for i in range(5)]
    for i, e in enumerate(calls):
        e["request"]["headers"] = [{"name": "Authorization", "value": f"Bearer {token}"}]
        e["startedDateTime"] = f"2026-11-28T10:00:0{i + 1}.000Z"
    report = limits_of(read_evidence(har([login, *calls])))
    assert list(report.callers) == ["token 1 (another grant)"]
    for written, label in (("grant_type=client_credentials", "token 1 (client credentials)"),
                           ("grant_type=urn%3A317-555-0161", "token 1 (another grant)"),
                           ("grant_type=jane_doe", "token 1 (another grant)"),
                           ("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
                            "token 1 (urn:ietf:params:oauth:grant-type:jwt-bearer)")):
        login["request"]["postData"]["text"] = written
        assert list(limits_of(read_evidence(har([login, *calls]))).callers) == [label], written
