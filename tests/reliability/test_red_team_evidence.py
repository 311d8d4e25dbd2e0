"""#17's red-team pass on the customer's evidence (a helper's probes, kept here as tests): leaks into the sanitised
HAR, the ticket, the output and the messages; facts the ticket stated that the evidence does not show; bad input."""
import json
import subprocess
import sys
import zipfile

import pytest

from diag.app import cli
from diag.core.evidence import UnreadableEvidence, read_evidence
from diag.core.inspect import inspect
from diag.reports.bundle import build_bundle, sanitised_har
from tests.unit.test_inspect_evidence import entry, har

IE = "https://api.mypurecloud.ie"
US = "https://api.mypurecloud.com"
CALLS = IE + "/api/v2/conversations/calls"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZc2lnbmF0dXJl"   # a fake token (canary)
SIG = "Q0FOQVJZc2lnbmF0dXJl"


def text_entry(body: str, mime: str = "text/plain"):
    e = entry("POST", CALLS, 400, body={}, answer={"code": "bad.request", "status": 400})
    e["request"]["postData"] = {"mimeType": mime, "text": body}
    return e


def everywhere(tmp_path, evidence) -> str:
    """The sanitised HAR and every file of a ticket of the evidence, as one text."""
    out = tmp_path / "t.zip"
    build_bundle(out, [], evidence=evidence)
    with zipfile.ZipFile(out) as z:
        files = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")]
    return sanitised_har(evidence)[0].decode() + "".join(files)


@pytest.mark.parametrize("body", [
    "token was\n" + JWT[:20] + "\n" + JWT[20:],            # broken inside the header part
    "jwt " + JWT.replace(".", ".\n"),                      # broken after each dot
    "jwt " + JWT.replace(".", " \n ."),                    # ... or before it
])
def test_a_jwt_broken_over_lines_goes_whole(tmp_path, body):
    assert SIG not in everywhere(tmp_path, inspect(har([text_entry(body)])))


def test_multipart_parts_named_like_credentials_go(tmp_path):
    body = ('--XX\r\nContent-Disposition: form-data; name="access_token"\r\n\r\ncanaryMultipartTok9Zq\r\n'
            '--XX\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\ncanarySecretPart7\r\n'
            '--XX\r\nContent-Disposition: form-data; name="note"\r\n\r\nkept as sent\r\n--XX--\r\n')
    found = inspect(har([text_entry(body, "multipart/form-data; boundary=XX")]))
    text = everywhere(tmp_path, found)
    assert "canaryMultipartTok9Zq" not in text and "canarySecretPart7" not in text
    assert "kept as sent" in str(found.diagnoses[0].request.body)


def test_a_token_mentioned_before_it_is_learned_goes_too(tmp_path):
    token = "canaryOpaqueLate42xyzABC"
    first = text_entry(f"the token {token} was revoked yesterday")
    second = entry("POST", IE + "/oauth/token", 200, params=[{"name": "grant_type", "value": "x"}],
                   answer={"access_token": token, "token_type": "bearer"})
    second["request"]["url"] = "https://login.mypurecloud.ie/oauth/token"
    assert token not in everywhere(tmp_path, inspect(har([first, second])))


def test_people_in_user_lists_queue_members_and_analytics_go(tmp_path):
    found = inspect(har([
        entry("GET", IE + "/api/v2/routing/queues/q1/members", 200, answer={"entities": [
            {"id": "u2", "name": "Grace Hopper", "user": {"id": "u2", "name": "Grace Hopper"}}]}),
        entry("POST", IE + "/api/v2/analytics/conversations/details/query", 400, body={"interval": "x"},
              answer={"conversations": [{"participants": [{"participantName": "Alan Turing"}]}],
                      "code": "bad.request", "status": 400}),
        entry("GET", IE + "/api/v2/users", 200, answer={"entities": [{"id": "u3", "name": "Barbara Liskov"}]})]))
    text = everywhere(tmp_path, found)
    assert [n for n in ("Hopper", "Turing", "Liskov") if n in text] == []


def test_session_and_csrf_headers_go():
    found = inspect(har([entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401},
                               headers=[("X-Genesys-Session", "canarySess1"), ("ININ-Session", "canarySess2"),
                                        ("X-CSRF", "canarySess3")])]))
    assert "canarySess" not in sanitised_har(found)[0].decode()


@pytest.mark.parametrize("text", [
    "canaryOpaqueTok4242xyzABCDEF (the token the customer sent)",
    "GET /api/v2/users/me HTTP/1.1\nHost: api.mypurecloud.ie\nAuthorization: Bearer\n canaryOpaqueTok4242xyzABCDEF\n\n",
])
def test_a_message_never_quotes_what_was_pasted(text):
    with pytest.raises(UnreadableEvidence) as caught:
        read_evidence(text)
    assert "canary" not in str(caught.value)


def test_where_the_requests_went_is_said_per_request(tmp_path):
    found = inspect(har([entry("GET", "http://127.0.0.1:8123/api/v2/users/me", 200, answer={"id": "u"}),
                         entry("GET", US + "/api/v2/users/me", 200, answer={"id": "u"}),
                         entry("POST", CALLS, 400, body={"phoneNumber": "+13175550161"},
                               answer={"code": "bad.request", "status": 400})]), sim_hosts=["127.0.0.1:8123"])
    assert [d.region for d in found.diagnoses] == ["simulator", "us_east_1", "eu_west_1"]
    assert any("more than one place" in n for n in found.notes)
    out = tmp_path / "t.zip"
    build_bundle(out, [], evidence=found)
    with zipfile.ZipFile(out) as z:
        section = z.read("summary.md").decode().split("## The customer's evidence")[1]
        records = [json.loads(x) for x in z.read("evidence/requests.jsonl").decode().splitlines()]
    assert "several places: the diag simulator (no real calls); REAL ORG in us_east_1; REAL ORG in eu_west_1" in section
    assert [(r["region"], r["simulated"]) for r in records] == [("simulator", True), ("us_east_1", False),
                                                                 ("eu_west_1", False)]


def test_the_tickets_counts_and_finding_codes_are_as_found(tmp_path):
    found = inspect(har([
        entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401}),
        entry("POST", CALLS, 400, body={"phoneNumber": "317 555 0161"}, answer={"code": "bad.request", "status": 400})]))
    out = tmp_path / "t.zip"
    build_bundle(out, [], evidence=found)
    with zipfile.ZipFile(out) as z:
        summary = z.read("summary.md").decode()
        inspection = json.loads(z.read("evidence/inspection.json"))
    assert inspection["byCode"] == {"401 bad.credentials": 1, "400 bad.request": 1}
    assert "`401 bad.credentials` x1" in summary and "[REDACTED]" not in summary
    assert "phone-not-e164" in summary or "phone-formatting" in summary


def test_a_2xx_is_never_a_failure_and_a_disagreement_is_said():
    found = inspect(har([entry("POST", CALLS, 200, body={"to": "+13175550161"}, answer={"id": "c1"})]))
    d = found.diagnoses[0]
    assert d.verdict == "refused" and found.failures == []
    assert any("Genesys accepted this (200)" in n for n in d.notes)


def test_a_visit_to_the_login_page_is_not_a_token_request():
    found = inspect(har([entry("GET", "https://login.mypurecloud.com/", 200),
                         entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401})]))
    assert found.skipped == 1 and not any("tokens were requested" in n for n in found.notes)


@pytest.mark.parametrize("started", [1732780800, {"t": 1}, None])
def test_odd_start_times_and_statuses_are_read_not_crashed_on(tmp_path, capsys, started):
    e = entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401})
    e["startedDateTime"], e["response"]["status"] = started, "401"   # some exporters write the status as text
    path = tmp_path / "odd.har"
    path.write_text(har([e]))
    assert cli.main(["inspect", str(path)]) == 1
    assert "401 bad.credentials" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["::1:8123", "127.0.0.1:99999", "127.0.0.1:abc", "10.0.0.5:8123",
                                   "api.mypurecloud.ie:443", "user@127.0.0.1:8123"])
def test_sim_host_is_a_loopback_host_and_port_or_a_message(tmp_path, capsys, value):
    path = tmp_path / "e.har"
    path.write_text(har([entry("GET", "http://127.0.0.1:8123/api/v2/users/me", 200, answer={"id": "u"})]))
    assert cli.main(["inspect", str(path), "--sim-host", value]) == 2
    assert "--sim-host" in capsys.readouterr().err


def test_an_unreadable_port_in_the_evidence_is_never_the_simulator():
    found = inspect(har([entry("GET", "http://127.0.0.1:99999/api/v2/users/me", 200, answer={"id": "u"}),
                         entry("GET", "http://127.0.0.1:abc/api/v2/users/me", 200, answer={"id": "u"})]),
                    sim_hosts=["127.0.0.1:8123"])
    assert found.diagnoses == [] and found.skipped == 2


def test_the_command_line_shows_pseudonyms_and_charts_never_overwrite(tmp_path, capsys):
    path = tmp_path / "e.har"
    path.write_text(har([entry("GET", IE + "/api/v2/users/+13175550161/nothing", 404,
                               answer={"code": "not.found", "status": 404, "message": "no +13175550161 here"}),
                         entry("GET", IE + "/api/v2/users/me", 200,
                               answer={"id": "u", "name": "Zelda Quill", "email": "zelda@example.com"})]))
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "evidence_codes.png").write_text("my own chart")
    assert cli.main(["inspect", str(path), "--charts", str(charts)]) == 2
    assert (charts / "evidence_codes.png").read_text() == "my own chart"
    assert "evidence_codes.png exists" in capsys.readouterr().err
    assert cli.main(["inspect", str(path), "--charts", str(tmp_path / "fresh")]) == 1
    assert cli.main(["inspect", str(path), "--json"]) == 1
    printed = capsys.readouterr().out
    svg = "".join(p.read_text() for p in (tmp_path / "fresh").glob("*.svg"))
    for shown in (printed, svg):
        assert "3175550161" not in shown and "Quill" not in shown and "zelda@" not in shown
    assert "PN" in printed


def test_the_bundle_names_the_evidence_it_will_not_overwrite(tmp_path, capsys):
    path = tmp_path / "e.har"
    path.write_text(har([entry("GET", IE + "/api/v2/users/me", 200, answer={"id": "u"})]))
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(path), "--force"]) == 2
    err = capsys.readouterr().err
    assert "e.har" in err and "an input of the bundle" in err


def test_with_saving_off_a_panel_ticket_never_lands_in_the_current_folder(tmp_path):
    code = ("from diag.app.widgets.evidence import EvidenceModel\n"
            "m = EvidenceModel()\n"
            "m.read(\"curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' --data-raw '{\\\"to\\\": 1}'\")\n"
            "print(m.export().path)\n")
    import os
    env = dict(os.environ, DIAG_HOME="off")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-400:]
    assert not list(tmp_path.iterdir()) and "diag-ticket-" in done.stdout


def test_a_pseudonym_never_hides_an_emergency_number():
    """A value shaped like diag's pseudonyms with an emergency number where the country code goes is refused,
    as any spelling of 911 or 112 is; a real pseudonym is a note."""
    from diag.core.doctor import check

    for value in ("+911-PN00000000", "+112-PN0A1B2C3D", "+999-PNFFFFFFFF"):
        report = check({"phoneNumber": value})
        assert report.verdict == "refused" and "emergency-number" in [f.code for f in report.findings], value
    assert [f.code for f in check({"phoneNumber": "+44-PN0A1B2C3D"}).findings] == ["pseudonymised-number"]


def test_what_is_not_a_person_keeps_its_name(tmp_path):
    """Only the user list's own entities (and users under person keys) are people: their division, station,
    organization and language keep their names, and a name like a key of diag's report breaks nothing."""
    me = {"id": "u1", "name": "Zelda Quill", "email": "zq@example.com",
          "division": {"id": "d1", "name": "Requests"}, "station": {"id": "s1", "name": "WebRTC Phone"},
          "languages": [{"id": "l1", "name": "English"}]}
    found = inspect(har([entry("GET", IE + "/api/v2/users/me", 200, answer=me),
                         entry("GET", IE + "/api/v2/users", 200, answer={"entities": [
                             {"id": "u2", "name": "Barbara Liskov", "division": {"id": "d1", "name": "Home"}}]}),
                         entry("POST", CALLS, 400, body={"phoneNumber": "+13175550161"},
                               answer={"code": "bad.request", "status": 400,
                                       "message": "The queue Home is not in English"})]))
    text = everywhere(tmp_path, found)
    assert "Quill" not in text and "Liskov" not in text
    assert "The queue Home is not in English" in text and "WebRTC Phone" in text and '"Requests"' in text
    assert json.loads(json.dumps(found.public_dict()))["requests"][0]["failed"] is False


def test_a_multipart_secret_over_several_lines_goes_to_its_boundary():
    body = ('--XX\r\nContent-Disposition: form-data; name="private_key"\r\n\r\n-----BEGIN KEY-----\r\n'
            'canaryKeyLine1\r\ncanaryKeyLine2\r\n-----END KEY-----\r\n--XX\r\nContent-Disposition: form-data; '
            'name="note"\r\n\r\nkept\r\n--XX--\r\n')
    kept = str(inspect(har([text_entry(body, "multipart/form-data; boundary=XX")])).diagnoses[0].request.body)
    assert "canaryKeyLine" not in kept and "END KEY" not in kept and "kept" in kept


def test_a_time_pushed_past_the_calendar_is_kept_as_written():
    for stamp in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):
        e = entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401})
        e["startedDateTime"] = stamp
        assert inspect(har([e])).diagnoses[0].request.started == stamp


def test_the_failing_table_agrees_with_the_count(tmp_path):
    found = inspect(har([entry("POST", CALLS, 200, body={"to": "+13175550161"}, answer={"id": "c1"}),
                         entry("GET", IE + "/api/v2/users/me", 401, answer={"code": "bad.credentials", "status": 401})]))
    out = tmp_path / "t.zip"
    build_bundle(out, [], evidence=found)
    with zipfile.ZipFile(out) as z:
        summary = z.read("summary.md").decode()
    assert "Genesys requests: 2 (1 failed)" in summary
    section = summary.split("### Failing requests")[1].split("####")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert len(rows) == 1 and "| 401 |" in rows[0]


@pytest.mark.parametrize("secrets", [3, 40])   # few: every secret is looked for; many: only those anchored
def test_a_known_secret_goes_in_every_spelling_however_many_are_known(secrets):
    """With many known secrets, a text is searched only for those whose first four characters it holds; every
    spelling diag knows must still go: as is, percent-encoded, broken over lines, inside base64, in capitals."""
    import base64
    from urllib.parse import quote

    from diag.core.redact import REDACTED, Redactor

    known = [f"canary{i:03d}Tok/+={i * 7919:06d}xyz" for i in range(secrets)]
    red = Redactor(known)
    target = known[secrets // 2]
    spellings = [f"token {target} here", "q=" + quote(target, safe=""), f"a {target[:9]}\n{target[9:]} b",
                 "blob " + base64.b64encode(b"id:" + target.encode()).decode() + " end", target.upper()]
    for text in spellings:
        out = red.text(text)
        assert REDACTED in out and target not in out and target[9:] not in out, (text, out)


@pytest.mark.parametrize("text,needle", [
    ("user zelda%2540example.com", "zelda"),          # an @ escaped twice, as a query string inside a URL holds it
    ("mail ivan@example.xn--p1ai", "ivan"),           # an internationalised top-level domain
    ("tel %252B13175550161", "3175550161"),           # a + escaped twice
])
def test_escaped_and_international_spellings_are_pseudonymised(text, needle):
    found = inspect(har([entry("GET", IE + "/api/v2/users/me", 400,
                               answer={"code": "bad.request", "status": 400, "message": text})]))
    assert needle not in sanitised_har(found)[0].decode() and needle not in found.public_text()


def test_a_token_in_a_browsers_no_answer_reason_never_reaches_the_ticket(tmp_path):
    """Chrome's _error for a request that got no answer, padded so that a cut at 200 characters would fall inside
    the JWT: the reason is redacted whole, then shortened (a review found a cut token in case.txt and the HAR)."""
    import base64
    import json
    import zipfile

    from diag.core.inspect import inspect
    from diag.reports.bundle import build_bundle

    def b(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    jwt = b({"alg": "HS256"}) + "." + b({"sub": "jane.doe@example.com"}) + "." + "S" * 43
    for pad in range(150, 200, 7):
        err = "net::ERR_FAILED " + "x" * pad + " " + jwt
        har = {"log": {"version": "1.2", "entries": [{
            "startedDateTime": "2026-11-28T10:00:00Z",
            "request": {"method": "GET", "url": "https://api.mypurecloud.com/api/v2/users/me", "headers": []},
            "response": {"status": 0, "headers": [], "content": {}, "_error": err}}]}}
        found = inspect(json.dumps(har))
        assert found.diagnoses[0].failed
        with zipfile.ZipFile(build_bundle(tmp_path / f"t{pad}.zip", [], evidence=found).path) as z:
            everything = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
        for piece in (jwt[:24], jwt.split(".")[1][:16], "jane.doe"):
            assert piece not in everything, (pad, piece)
