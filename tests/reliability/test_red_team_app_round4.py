"""A fourth attack on the command line and the session's promises (a helper's, each probe kept): the simulator's
traffic never goes through a proxy; --sim is a loopback URL every parser reads alike; an answer diag cannot read,
or a call it cannot follow, still reaches the person and the log; a save cut short leaves the log readable; and
.env files, odd answers and a closed pipe are messages, never tracebacks."""
import os
import subprocess
import sys

import pytest

from diag.app import cli
from diag.client.auth import read_dotenv
from diag.client.calls import follow_call
from diag.client.connect import connect
from diag.core.errors import ConfigError
from diag.core.exchange import Exchange, ExchangeLog
from diag.sim import Simulator
from diag.transport import Response

CALLS = "/api/v2/conversations/calls"


class Answers:
    """A transport that answers every request with one canned response."""

    def __init__(self, status, body: bytes, ctype="application/json"):
        self.answer = Response.build(status, {"Content-Type": ctype}, body)
        self.sent: list = []

    def send(self, request):
        self.sent.append(request)
        return self.answer

    def close(self):
        pass


def test_the_simulators_traffic_never_goes_through_a_proxy(monkeypatch):
    with Simulator(seed=3) as sim:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")   # nothing listens there: a proxied request fails
        monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        s = connect(sim_url=sim.base_url, environ={}, dotenv=None, save=False)
        assert s.call({"phoneNumber": "+13175550100"}).status == 200


@pytest.mark.parametrize("url", ["http://attacker.example\\@127.0.0.1:18765", "http://127.0.0.1:80@evil.example",
                                 "http://127.0.0.1:8765/path", "http://0x7f.1:8765", "http://127.0.0.1.nip.io:1"])
def test_sim_must_be_a_loopback_url_every_parser_reads_alike(url):
    with pytest.raises(ConfigError, match="must be a diag simulator on this machine"):
        connect(sim_url=url, environ={}, dotenv=None, save=False)


def test_sim_without_its_scheme_and_simulator_in_capitals_are_understood():
    with Simulator(seed=3) as sim:
        bare = sim.base_url.split("://", 1)[1]
        assert connect(sim_url=bare, environ={}, dotenv=None, save=False).simulated
    assert connect(" SIMULATOR ", environ={}, dotenv=None, save=False).simulated


def test_a_loopback_service_that_is_no_simulator_is_a_message(monkeypatch):
    from diag.client import connect as connecting

    monkeypatch.setattr(connecting, "HTTPTransport", lambda: Answers(200, b'{"hello": "world"}'))
    with pytest.raises(ConfigError, match="did not answer as a diag simulator"):
        connect(sim_url="http://127.0.0.1:9", environ={}, dotenv=None, save=False)


def test_an_answer_nested_too_deeply_is_kept_and_the_call_is_in_the_log():
    deep = b"[" * 3000 + b"]" * 3000
    s = connect(simulator=Simulator(seed=3), environ={}, dotenv=None, save=False)
    s.transport.inner = Answers(200, deep)
    ex = s.send("POST", CALLS, {"phoneNumber": "+13175550100"})
    assert ex.status == 200 and any("nested too deeply" in n for n in ex.notes)
    assert list(s.log) == [ex]


def test_an_answer_diag_fails_to_read_in_any_way_is_still_kept(monkeypatch):
    s = connect(simulator=Simulator(seed=3), environ={}, dotenv=None, save=False)

    def broken(*a, **k):
        raise TypeError("a reader diag did not expect to fail")
    monkeypatch.setattr(type(s), "_record_response", broken)
    ex = s.send("POST", CALLS, {"phoneNumber": "+13175550100"})
    assert ex.status == 200 and any("could not read this answer (TypeError)" in n for n in ex.notes)
    assert list(s.log) == [ex]


@pytest.mark.parametrize("conversation", [
    {"participants": None}, {"participants": [1]}, {"participants": {"a": 1}},
    {"participants": [{"id": [1], "purpose": "external", "state": "disconnected", "errorInfo": "boom"}]},
    {"participants": [{"purpose": ["x"], "state": {"s": 1}}]},
])
def test_following_a_call_with_an_answer_of_another_shape_never_raises(conversation):
    class Session:
        sleep = staticmethod(lambda s: None)

        def send(self, method, path, body=None):
            return Exchange(seq=1, started="2026-12-06T00:00:00.000+00:00", method=method, url=path, path=path,
                            template=None, request_headers={}, request_body=None, status=200,
                            response_body=conversation)
    trace = follow_call(Session(), "c1", timeout=0)
    assert trace.ending()   # says how far it got


def test_a_save_cut_short_leaves_the_log_readable(tmp_path, monkeypatch):
    log = ExchangeLog()
    log.autosave = tmp_path / "session.jsonl"
    ex = Exchange(seq=1, started="2026-12-06T00:00:00.000+00:00", method="GET", url="https://api.mypurecloud.ie"
                  "/api/v2/users/me", path="/api/v2/users/me", template=None, request_headers={}, request_body=None,
                  status=200)
    log.persist([ex])
    real_write = os.write
    calls = []

    def half_then_full(fd, data):
        calls.append(1)
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(27, "File too large")
    monkeypatch.setattr(os, "write", half_then_full)
    log.persist([ex])
    assert log.autosave_error and "File too large" in log.autosave_error
    monkeypatch.setattr(os, "write", real_write)
    log.persist([ex])
    assert log.autosave_error is None
    assert len(ExchangeLog.load(log.autosave)) == 2   # the first and the last save, whole; nothing half-written


def test_a_dotenv_that_is_not_utf8_is_a_message_and_a_bom_hides_no_key(tmp_path):
    latin = tmp_path / "latin.env"
    latin.write_bytes("GENESYS_CLOUD_CLIENT_ID=caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="latin.env: the input is not UTF-8"):
        read_dotenv(latin)
    bom = tmp_path / "bom.env"
    bom.write_bytes("GENESYS_CLOUD_REGION=eu_west_1\nX=1\n".encode("utf-8-sig"))
    assert read_dotenv(bom)["GENESYS_CLOUD_REGION"] == "eu_west_1"
    wide = tmp_path / "wide.env"
    wide.write_bytes("GENESYS_CLOUD_REGION=eu_west_1\n".encode("utf-16"))
    assert read_dotenv(wide)["GENESYS_CLOUD_REGION"] == "eu_west_1"


def test_output_piped_to_a_reader_that_stops_is_no_traceback(tmp_path):
    proc = subprocess.run(f"{sys.executable} -m diag endpoint 'POST /api/v2/conversations/calls' --json | head -c 5",
                          shell=True, capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "DIAG_HOME": str(tmp_path / "home")})
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_main_says_nothing_more_when_its_reader_is_gone(monkeypatch):
    def gone(args):
        raise BrokenPipeError(32, "Broken pipe")
    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(parser, "parse_args", lambda argv: type("A", (), {"func": staticmethod(gone), "json": False}))
    monkeypatch.setattr(os, "dup2", lambda a, b: None)
    assert cli.main(["endpoint", "x"]) == 141
