"""An attack on the code diag writes for people to run (Copy as cURL, Copy as Python, a ticket's repro.sh and
repro.py), kept as tests: each probe failed before its mend. A 127.0.0.1 server records the exact bytes each one
sends."""
import json
import os
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from diag.core.exchange import Exchange
from diag.reports.bundle import build_bundle
from diag.reports.replay import replay_refusal
from diag.sim import IN_PROCESS_BASE

CALLS = "/api/v2/conversations/calls"
WITHOUT_DIAG = ("import runpy, sys; sys.modules['diag.core.numbers'] = None; "
                "runpy.run_path(sys.argv[1], run_name='__main__')")


class Recorder:
    """Answers 200 to anything and keeps (method, path, body) of each request."""

    def __init__(self):
        self.got: list[tuple[str, str, bytes]] = []
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                got.append((self.command, self.path, self.rfile.read(n) if n else b""))
                out = b'{"id": "c1"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture(scope="module")
def server():
    r = Recorder()
    yield r
    r.server.shutdown()


@pytest.fixture
def got(server):
    server.got.clear()
    return server.got


def recorded(base, body, path=CALLS, headers=None) -> Exchange:
    return Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="POST", url=base + path,
                    path=path, template=CALLS, request_headers=headers or {"Content-Type": "application/json"},
                    request_body=body, status=200)


def env(**more) -> dict:
    return {**os.environ, "GENESYS_CLOUD_ACCESS_TOKEN": "tok", **more}


def run_curl(ex, cwd):
    return subprocess.run(["bash", "-c", ex.to_curl()], env=env(), capture_output=True, text=True, timeout=30,
                          cwd=cwd)


def run_python(ex, cwd):
    return subprocess.run([sys.executable, "-c", ex.to_python()], env=env(), capture_output=True, text=True,
                          timeout=30, cwd=cwd)


def ticket(folder, exchanges):
    build_bundle(folder / "t.zip", exchanges)
    zipfile.ZipFile(folder / "t.zip").extractall(folder)
    return folder


def replay(folder, kind, base, **numbers):
    cmd = {"sh": ["bash", str(folder / "repro.sh")], "py": [sys.executable, str(folder / "repro.py")],
           "py without diag": [sys.executable, "-c", WITHOUT_DIAG, str(folder / "repro.py")]}[kind]
    return subprocess.run(cmd, env=env(GENESYS_CLOUD_API=base, **numbers), capture_output=True, text=True,
                          timeout=60, cwd=folder)


def test_a_placeholder_inside_a_recorded_value_is_text_never_code(server, got, tmp_path):
    marker = tmp_path / "ran"
    body = f'+str(__import__("os").system("touch {marker}"))+'
    ex = Exchange.from_dict(recorded(server.base, body, headers={"Content-Type": "application/json",
                                                                 "Accept": "{{BODY}}"}).to_dict())
    r = run_python(ex, tmp_path)
    assert r.returncode == 0, r.stderr
    assert not marker.exists() and got == [("POST", CALLS, body.encode())]


def test_a_body_holding_a_merge_placeholder_makes_its_code_and_its_ticket(server, got, tmp_path):
    body = {"phoneNumber": "+13175550100", "attributes": {"greeting": "Hello {{FIRST_NAME}}"}}
    ex = recorded(server.base, body)
    assert run_python(ex, tmp_path).returncode == 0
    assert json.loads(got[-1][2]) == body
    ticket(tmp_path, [recorded(IN_PROCESS_BASE, body)])
    assert "{{FIRST_NAME}}" in (tmp_path / "repro.sh").read_text()


def test_copy_as_curl_sends_a_body_starting_with_at_and_never_a_file(server, got, tmp_path):
    secret = tmp_path / "local.txt"
    secret.write_text("local file contents")
    ex = recorded(server.base, f"@{secret}")
    assert run_curl(ex, tmp_path).returncode == 0
    assert got == [("POST", CALLS, f"@{secret}".encode())]


def test_brackets_and_braces_in_a_url_are_one_request_never_several(server, got, tmp_path):
    ex = recorded(server.base, {"phoneNumber": "+13175550100"}, path=CALLS + "?note=[1-5]")
    assert run_curl(ex, tmp_path).returncode == 0
    assert [(m, p) for m, p, _ in got] == [("POST", CALLS + "?note=[1-5]")]
    # (a write with [1-5] in its query is left out: the gate reads 15 in it, an emergency number in France)
    read = Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="GET",
                    url=IN_PROCESS_BASE + "/api/v2/users?q={a,b}", path="/api/v2/users?q={a,b}",
                    template="/api/v2/users", request_headers={}, request_body=None, status=200)
    folder = ticket(tmp_path, [read])
    got.clear()
    r = replay(folder, "sh", server.base)
    assert r.returncode == 0, r.stderr
    assert [(m, p) for m, p, _ in got] == [("GET", "/api/v2/users?q={a,b}")]


def test_a_number_in_the_query_is_gated_and_left_out_of_the_scripts(server, got, tmp_path):
    ex = recorded(IN_PROCESS_BASE, {"phoneNumber": "+13175550100"}, path=CALLS + "?phoneNumber=911")
    assert replay_refusal(ex) and "emergency" in replay_refusal(ex)
    folder = ticket(tmp_path, [ex])
    for kind in ("sh", "py", "py without diag"):
        replay(folder, kind, server.base, NUMBER_1="+13175550100")
    assert got == []


@pytest.mark.parametrize("kind", ["sh", "py", "py without diag"])
def test_digits_written_after_a_whole_number_are_refused_by_every_script(server, got, tmp_path, kind):
    folder = ticket(tmp_path, [recorded(IN_PROCESS_BASE, {"phoneNumber": "+13175550100"})])
    for number in ("+1 317 555 0100 (911)", "+13175550100 911", "+44 20 7946 0018 999", "+1 317 555 0100/112",
                   "+13175550100 9,11", "+13175550100 9p11"):   # split by a pause: 911 to a system that does not wait
        r = replay(folder, kind, server.base, NUMBER_1=number)
        assert r.returncode == 3 and "refused" in r.stderr, (number, r.stdout, r.stderr)
    assert got == []
    r = replay(folder, kind, server.base, NUMBER_1="+1 317 555 0100")   # a real number, spaced, is sent as E.164
    assert r.returncode == 0, r.stderr
    assert got == [("POST", CALLS, b'{"phoneNumber": "+13175550100"}')]


def test_a_body_recorded_as_text_is_replayed_when_it_is_json_and_left_out_when_not(server, got, tmp_path):
    # what `diag call -` and `diag send` record: the bytes as written
    as_text = recorded(IN_PROCESS_BASE, '{"phoneNumber": "+13175550100"}\n')
    not_json = recorded(IN_PROCESS_BASE, '{"phoneNumber": "+13175550100",}')
    folder = ticket(tmp_path, [as_text, not_json])
    script = (folder / "repro.sh").read_text()
    assert "NUMBER_1" in script and "kept as text that is not JSON" in script
    for kind in ("sh", "py"):
        got.clear()
        r = replay(folder, kind, server.base, NUMBER_1="+13175550100")
        assert r.returncode == 0, r.stderr
        assert got == [("POST", CALLS, b'{"phoneNumber": "+13175550100"}')]


def test_a_non_finite_number_goes_as_the_session_sent_it(server, got, tmp_path):
    body = {"phoneNumber": "+13175550100", "priority": float("1e400")}
    assert run_python(recorded(server.base, body), tmp_path).returncode == 0
    assert run_curl(recorded(server.base, body), tmp_path).returncode == 0
    sent = json.dumps(body).encode()
    assert got == [("POST", CALLS, sent)] * 2
    folder = ticket(tmp_path, [recorded(IN_PROCESS_BASE, body)])
    got.clear()
    r = replay(folder, "py", server.base, NUMBER_1="+13175550100")
    assert r.returncode == 0, r.stderr
    assert got == [("POST", CALLS, sent)]


def test_text_that_looks_like_a_script_variable_is_sent_as_recorded(server, got, tmp_path):
    body = {"phoneNumber": "+13175550100", "attributes": {"template": "call ${NUMBER_1} back"}}
    folder = ticket(tmp_path, [recorded(IN_PROCESS_BASE, body)])
    for kind in ("sh", "py"):
        got.clear()
        assert replay(folder, kind, server.base, NUMBER_1="+13175550100").returncode == 0
        assert json.loads(got[0][2])["attributes"]["template"] == "call ${NUMBER_1} back"


def test_a_lone_surrogate_makes_its_code_and_its_ticket(server, got, tmp_path):
    body = {"phoneNumber": "+13175550100", "attributes": {"note": "\ud800"}}
    assert "--data-raw" in recorded(server.base, body).to_curl()
    assert run_python(recorded(server.base, body), tmp_path).returncode == 0
    assert got == [("POST", CALLS, json.dumps(body).encode())]
    ticket(tmp_path, [recorded(IN_PROCESS_BASE, body)])
    assert (tmp_path / "exchanges.jsonl").read_bytes().count(b"\\ud800") == 1
