"""One HAR module (what it writes it reads back the same), one reader of a Genesys answer, one case-insensitive
header look-up: the session's calls and the customer's evidence are read by the same code."""
import json

from hypothesis import given, settings, strategies as st

from diag import connect
from diag.core import har
from diag.core.answer import read_answer
from diag.core.evidence import read_evidence
from diag.core.headers import header
from diag.core.inspect import inspect
from tests.sizes import examples


def record(**over):
    r = {"method": "POST", "url": "https://api.mypurecloud.ie/api/v2/conversations/calls?x=1",
         "request_headers": {"content-type": "application/json", "Accept": "application/json"},
         "request_body": {"phoneNumber": "+1-PN1A2B3C4D"}, "status": 400,
         "response_headers": {"ININ-Correlation-Id": "cid-1", "Content-Type": "application/json"},
         "response_body": {"message": "m", "code": "bad.request", "status": 400},
         "started": "2026-11-28T10:00:03.907Z", "duration_ms": 41.5, "correlation_id": "cid-1", "notes": [],
         "transport_error": None}
    r.update(over)
    return r


def test_what_is_written_reads_back_the_same():
    records = [record(), record(method="GET", url="https://api.mypurecloud.ie/api/v2/users/me", request_body=None,
                                status=200, response_body={"id": "u1"}),
               record(request_body="{not json", response_body="<html>bad gateway</html>", status=502)]
    back = har.read(json.loads(json.dumps(har.write(records))))
    assert len(back) == 3
    for r, b in zip(records, back):
        assert (b["method"], b["url"], b["status"], b["started"], b["duration_ms"]) == (
            r["method"], r["url"], r["status"], r["started"], r["duration_ms"])
        assert b["headers"] == r["request_headers"] and b["response_headers"] == r["response_headers"]
        assert b["body"] == r["request_body"] and b["response_body"] == r["response_body"]


def test_a_lower_case_content_type_is_the_body_type_written():
    written = har.write([record(request_body="a=1&b=2", request_headers={"content-type":
                                                                        "application/x-www-form-urlencoded"})])
    post = written["log"]["entries"][0]["request"]["postData"]
    assert post["mimeType"] == "application/x-www-form-urlencoded"
    assert har.read(written)[0]["body"] == {"a": "1", "b": "2"}


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids,
                                                                                        max_size=3), max_leaves=8)


@settings(max_examples=examples(150), deadline=None)
@given(body=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4),
       answer=st.dictionaries(st.text(min_size=1, max_size=8), json_values, max_size=4),
       status=st.sampled_from([200, 201, 202, 400, 401, 403, 404, 429, 500, 503]))
def test_any_json_bodies_survive_the_round_trip(body, answer, status):
    back = har.read(har.write([record(request_body=body, response_body=answer, status=status)]))[0]
    assert back["body"] == body and back["response_body"] == answer and back["status"] == status


def test_the_session_har_of_a_ticket_is_evidence_diag_reads(sim, tmp_path):
    from diag.reports.bundle import build_bundle
    import zipfile

    s = connect(simulator=sim)
    s.send("POST", "/api/v2/conversations/calls", {"phoneNumber": "+13175550100"})
    s.send("POST", "/api/v2/conversations/calls", {"to": "x"})
    bundle = build_bundle(tmp_path / "t.zip", s.log)
    with zipfile.ZipFile(bundle.path) as z:
        text = z.read("session.har").decode()
    evidence = read_evidence(text)
    assert [r.status for r in evidence.requests] == [e.status for e in s.log]
    assert [header(r.response_headers, "ININ-Correlation-Id") for r in evidence.requests] == [
        e.correlation_id for e in s.log]
    assert [r.response_body for r in evidence.requests] == [e.response_body for e in s.log]


# ---- one answer reader ----

def test_an_error_body_is_read_with_its_correlation_id_and_rate_limit():
    reading = read_answer(429, {"inin-correlation-id": "c-9", "Retry-After": "7", "ININ-RateLimit-Count": "301",
                                "inin-ratelimit-allowed": "300"},
                          {"message": "Rate limit exceeded", "code": "too.many.requests", "status": 429,
                           "messageParams": {"limit": "300"}}, "POST /api/v2/conversations/calls")
    assert reading.correlation_id == "c-9" and reading.retry_after == "7"
    assert reading.rate_limit == {"inin-ratelimit-count": "301", "inin-ratelimit-allowed": "300", "retry-after": "7"}
    assert reading.error_code == "too.many.requests" and reading.params == {"limit": "300"}
    assert reading.explanation


def test_an_oauth_error_and_a_proxy_page_are_read_without_inventing_a_code():
    oauth = read_answer(400, {}, {"error": "invalid_grant", "error_description": "bad code"})
    assert (oauth.error_code, oauth.message) == ("invalid_grant", "bad code")
    page = read_answer(502, {"Content-Type": "text/html"}, "<html>Bad Gateway</html>")
    assert page.error is None and page.error_code is None and page.correlation_id is None
    odd = read_answer(400, {}, {"code": 5, "message": ["x"]})
    assert odd.error_code == "5" and odd.message == "['x']"


def test_the_session_and_the_evidence_reader_agree_on_one_answer(sim):

    s = connect(simulator=sim)
    ex = s.send("POST", "/api/v2/conversations/calls", {"to": "x"})
    entry = {"startedDateTime": ex.started, "time": 1, "request": {
        "method": "POST", "url": "https://api.mypurecloud.ie/api/v2/conversations/calls", "headers": [],
        "postData": {"mimeType": "application/json", "text": json.dumps({"to": "x"})}},
        "response": {"status": ex.status, "headers": [{"name": k.upper(), "value": v}
                                                     for k, v in ex.response_headers.items()],
                     "content": {"mimeType": "application/json", "text": json.dumps(ex.response_body)}}}
    d = inspect(json.dumps({"log": {"version": "1.2", "entries": [entry]}})).diagnoses[0]
    assert (d.error_code, d.correlation_id) == (ex.error_code, ex.correlation_id)
    # the session adds the doctor's findings on the body it sent to the same explanation
    assert d.explanation and ex.explanation.startswith(d.explanation)


def test_headers_are_found_whatever_their_case():
    h = {"ININ-Correlation-Id": "a", "content-type": "application/json"}
    assert header(h, "inin-correlation-id") == "a" and header(h, "Content-Type") == "application/json"
    assert header(h, "Retry-After") is None and header(None, "x") is None
