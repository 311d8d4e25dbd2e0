"""An attack on the send pipeline (round 7), kept as tests: each probe failed before its mend. Nothing lost once a
request is sent; writes never resent but after a 429, within the cap; no token in the log, the autosave or a
message; each send counted once in a ticket."""
import decimal
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from diag.client.auth import ClientCredentialsGrant, StaticToken
from diag.client.session import Session
from diag.core.errors import UnsafeRequest
from diag.reports.bundle import build_bundle
from diag.transport import AppTransport, Response

BASE = "http://127.0.0.1:9"   # never reached: the transport is in-process
CALLS = "/api/v2/conversations/calls"
TOKEN = "tok-3f9a8b7c6d5e4f30a1b2c3d4"
BODY = {"phoneNumber": "+13175550100"}


def answer(status, body=None, headers=None) -> Response:
    return Response.build(status, {"Content-Type": "application/json", **(headers or {})},
                          body if isinstance(body, bytes) else json.dumps(body or {}).encode())


class Scripted:
    """Answers in order (the last one again when they run out); keeps what reached it."""

    def __init__(self, *answers, token_answers=None):
        self.answers, self.seen = list(answers), []
        self.token_answers = list(token_answers or [])

    def __call__(self, request):
        self.seen.append((request.method, request.url))
        if request.url.endswith("/oauth/token"):
            return self.token_answers.pop(0) if len(self.token_answers) > 1 else self.token_answers[0]
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def posts(self):
        return [s for s in self.seen if s[0] == "POST" and not s[1].endswith("/oauth/token")]


def session(app, **kw) -> Session:
    kw.setdefault("sleep", lambda s: None)
    return Session(BASE, StaticToken(TOKEN), transport=AppTransport(app), **kw)


def saved(s) -> str:
    return s.log.autosave.read_text(encoding="utf-8")


def client_session(app, expires_in=3600, good_fetches=1) -> Session:
    app.token_answers = [answer(200, {"access_token": "cc-token-first-0123456789abcdef", "expires_in": expires_in})
                         ] * good_fetches + [answer(503, {"error": "temporarily_unavailable"})]
    return Session(BASE, ClientCredentialsGrant(BASE, "client-id-1", "client-secret-XYZ-123456"),
                   transport=AppTransport(app), sleep=lambda s: None)


def test_a_401_whose_token_cannot_be_fetched_again_is_still_the_answer():
    app = Scripted(answer(401, {"code": "bad.credentials"}, {"ININ-Correlation-Id": "corr-401"}))
    s = client_session(app)
    ex = s.send("POST", CALLS, BODY)
    assert ex.status == 401 and ex.correlation_id == "corr-401" and len(app.posts()) == 1
    assert any("could not fetch a new one" in n for n in ex.notes)
    assert "corr-401" in saved(s)


def test_a_429_whose_resend_has_no_token_is_the_answer_and_says_it_was_not_sent_again():
    app = Scripted(answer(429, {"code": "too.many.requests"}, {"Retry-After": "1", "ININ-Correlation-Id": "c429"}))
    s = client_session(app, expires_in=10, good_fetches=2)   # short-lived: fetched again before each attempt
    ex = s.send("POST", CALLS, BODY)
    assert ex.status == 429 and ex.correlation_id == "c429" and len(app.posts()) == 1
    assert not ex.superseded and "not sent again after all" in ex.notes[-1]
    assert not any("and sent again" in n for n in ex.notes)   # no note says what did not happen


def test_an_interrupted_429_wait_leaves_no_word_of_a_resend():
    def interrupted(_seconds):
        raise KeyboardInterrupt

    app = Scripted(answer(429, {"code": "too.many.requests"}, {"Retry-After": "5"}))
    s = session(app, sleep=interrupted)
    with pytest.raises(KeyboardInterrupt):
        s.send("POST", CALLS, BODY)
    record = json.loads(saved(s).splitlines()[-1])
    assert record["status"] == 429 and not record["superseded"]
    assert not any("sent again" in n for n in record["notes"]) and len(app.posts()) == 1


@pytest.mark.parametrize("value", ["200, 200", "5, 1000"])
def test_retry_after_given_twice_is_read_at_its_longest_and_a_write_is_not_resent_past_the_cap(value):
    app = Scripted(answer(429, {"code": "too.many.requests"}, {"Retry-After": value}))
    waits: list = []
    ex = session(app, sleep=waits.append).send("POST", CALLS, BODY)
    assert len(app.posts()) == 1 and waits == [] and "over the 180 s cap" in ex.notes[-1]


@pytest.mark.parametrize("cap,retry_after,most", [(2, None, 2), (2, "0", 2), (2, "-1", 2), (0.5, "0.2", None),
                                                  (0, None, None)])
def test_a_lowered_cap_is_never_exceeded(cap, retry_after, most):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    app = Scripted(answer(429, {"code": "too.many.requests"}, headers), answer(200, {"id": "c"}))
    waits: list = []
    session(app, sleep=waits.append, retry_after_cap=cap).send("POST", CALLS, BODY)
    assert all(w <= cap for w in waits) and (waits == [] if most is None else waits == [most])


def test_a_value_json_cannot_write_never_turns_a_placed_call_into_an_exception():
    app = Scripted(answer(200, {"id": "conv-1"}))
    s = session(app)
    ex = s.call(BODY, written_as={"phoneNumber": "+1 317 555 0100", "priority": decimal.Decimal("1")},
                fixed=["phoneNumber written in E.164"])
    assert ex.status == 200 and len(app.posts()) == 1
    assert json.loads(saved(s).splitlines()[-1])["written_as"]["priority"] == "1"


def test_an_error_body_whose_secret_holds_a_lone_surrogate_is_read_as_the_error_it_is():
    raw = b'{"code": "bad.request", "status": 400, "message": "no", "password": "ab\\ud83dcdefgh"}'
    ex = session(Scripted(answer(400, raw))).send("GET", "/api/v2/users/me")
    assert ex.error_code == "bad.request" and not any("could not be read as JSON" in n for n in ex.notes)


def test_the_token_in_a_key_or_a_header_name_never_reaches_the_log():
    body = {"code": "bad.request", "messageParams": {TOKEN: "not found", "tok2" + TOKEN: "also"}}
    s = session(Scripted(answer(400, body, {"X-Debug-" + TOKEN: "seen"})))
    ex = s.send("GET", "/api/v2/users/me")
    for text in (saved(s), repr(list(s.log)), json.dumps(ex.to_dict())):
        assert TOKEN not in text and TOKEN[:20] not in text
    assert len(ex.response_body["messageParams"]) == 2   # two keys that redact alike keep both values


def test_a_refused_path_holding_the_token_is_refused_without_it():
    with pytest.raises(UnsafeRequest) as refused:
        session(Scripted(answer(200))).send("GET", f"/api/v2/users/me?access_token={TOKEN} ")
    assert TOKEN not in str(refused.value) and "not a Platform API path" in str(refused.value)


class _Server:
    def __init__(self, respond):
        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                respond(self)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def _over_http(respond, method="GET", path="/api/v2/users/me", body=None):
    with _Server(respond) as server:
        s = Session(server.base, StaticToken(TOKEN), sleep=lambda s: None)
        return s, s.send(method, path, body)


def test_an_answer_cut_short_inside_the_token_keeps_none_of_it():
    def respond(h):
        part = ('{"error": "upstream closed", "echo": "' + TOKEN[:22]).encode()
        h.send_response(502)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(len(part) + 50))
        h.end_headers()
        h.wfile.write(part)

    s, ex = _over_http(respond)
    assert TOKEN[:12] not in saved(s) and "upstream closed" in saved(s)


def test_a_utf16_page_echoing_the_token_is_read_as_text_and_redacted():
    page = f"<html>proxy error for Bearer {TOKEN}</html>".encode("utf-16-le")

    def respond(h):
        h.send_response(502)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(page)))
        h.end_headers()
        h.wfile.write(page)

    s, ex = _over_http(respond)
    assert "proxy error" in ex.response_body and TOKEN[:12] not in saved(s).replace("\\u0000", "")


@pytest.mark.parametrize("label", ["gzip", "deflate"])
def test_plain_json_labelled_compressed_keeps_its_status_and_body(label):
    sent = json.dumps({"id": "conv-0001"}).encode()

    def respond(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Encoding", label)
        h.send_header("Content-Length", str(len(sent)))
        h.end_headers()
        h.wfile.write(sent)

    s, ex = _over_http(respond)
    assert ex.status == 200 and ex.response_body == {"id": "conv-0001"} and ex.transport_error is None


def test_a_gzipped_answer_is_still_read():
    sent = gzip.compress(json.dumps({"id": "conv-0002"}).encode())

    def respond(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(sent)))
        h.end_headers()
        h.wfile.write(sent)

    s, ex = _over_http(respond)
    assert ex.response_body == {"id": "conv-0002"}


def test_interleaved_sends_each_count_once_in_the_ticket(tmp_path):
    app = Scripted(answer(429, {"code": "too.many.requests"}, {"Retry-After": "1"}),
                   answer(429, {"code": "too.many.requests"}, {"Retry-After": "1"}), answer(201, {"id": "c"}))
    nested: list = []

    def sleep(_seconds):   # while the first send waits, a second one goes (as another thread's would)
        if not nested:
            nested.append("going")
            s.send("POST", CALLS, {"phoneNumber": "+13175550111"})

    s = session(app, sleep=sleep)
    s.send("POST", CALLS, BODY)
    assert [e.status for e in s.log] == [429, 429, 201, 201]   # first, second, second again, first again
    bundle = build_bundle(tmp_path / "t.zip", list(s.log))
    assert bundle.headline == "simulator: 2 request(s), 201 x2"
