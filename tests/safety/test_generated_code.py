"""Code diag writes for people to run (Copy as cURL, Copy as Python, the ticket's repro.sh and repro.py) is run here
against `diag sim` over HTTP: it must work for every body people send, and a value from a log is never code."""
import os
import subprocess
import sys
import zipfile

import pytest

from diag.client.connect import connect
from diag.core.exchange import Exchange
from diag.reports.bundle import build_bundle
from diag.sim import Simulator

CALLS = "/api/v2/conversations/calls"
BODIES = [{"phoneNumber": "+13175550100", "callerIdName": None, "attributes": {"vip": "true"}},
          {"phoneNumber": "+13175550100", "callFromQueueId": None, "priority": 5, "attributes": {}},
          {"phoneNumber": "+13175550100", "attributes": {"note": "it's \"quoted\" $HOME `date` \u00e9"}},
          '{"phoneNumber": "+13175550100",}']   # a paste kept as text: sent as written


@pytest.fixture(scope="module")
def running():
    with Simulator(seed=71) as sim:
        yield sim


def exchange(sim, body, headers=None) -> Exchange:
    return Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="POST", url=sim.base_url + CALLS,
                    path=CALLS, template=CALLS, request_headers=headers or {"Content-Type": "application/json"},
                    request_body=body, status=200)


def env_for(sim) -> dict:
    return {**os.environ, "GENESYS_CLOUD_ACCESS_TOKEN": sim.user_token()}


@pytest.mark.parametrize("body", BODIES, ids=["null", "null-and-number", "quotes-and-shell", "text"])
def test_copy_as_curl_runs_and_sends_the_body(running, body, tmp_path):
    before = running.calls_placed
    r = subprocess.run(["bash", "-c", exchange(running, body).to_curl()], env=env_for(running),
                       capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    status = int(r.stdout.split()[1])
    # valid JSON places the call; the text paste (a trailing comma) is what the server refuses, as sent
    assert status == (400 if isinstance(body, str) else 200), r.stdout[:300]
    assert running.calls_placed == before + (0 if isinstance(body, str) else 1)


@pytest.mark.parametrize("body", BODIES, ids=["null", "null-and-number", "quotes-and-shell", "text"])
def test_copy_as_python_runs_and_sends_the_body(running, body, tmp_path):
    code = exchange(running, body).to_python()
    r = subprocess.run([sys.executable, "-c", code], env=env_for(running), capture_output=True, text=True,
                       timeout=30, cwd=tmp_path)
    assert r.returncode == 0, r.stderr        # null, true and false were a NameError once
    assert r.stdout.split()[0] == ("400" if isinstance(body, str) else "200")


def test_a_header_value_from_a_log_is_never_shell_code(running, tmp_path):
    marker = tmp_path / "ran"
    crafted = exchange(running, BODIES[0], {"Content-Type": f"application/json\"; touch {marker}; echo \"",
                                            "Accept": f"$(touch {marker})"})
    subprocess.run(["bash", "-c", crafted.to_curl()], env=env_for(running), capture_output=True, timeout=30,
                   cwd=tmp_path)
    subprocess.run([sys.executable, "-c", crafted.to_python()], env=env_for(running), capture_output=True,
                   timeout=30, cwd=tmp_path)
    assert not marker.exists()


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ticket")
    s = connect(simulator=Simulator(seed=72), environ={}, dotenv=None)
    s.call({"phoneNumber": "+13175550100", "callerIdName": None, "attributes": {"ok": "true"}})
    s.send("GET", "/api/v2/users/me")
    build_bundle(folder / "t.zip", list(s.log))
    zipfile.ZipFile(folder / "t.zip").extractall(folder)
    return folder


def replay(folder, sim, *cmd):
    env = {**env_for(sim), "GENESYS_CLOUD_API": sim.base_url, "NUMBER_1": "+13175550100"}
    return subprocess.run(list(cmd), env=env, capture_output=True, text=True, timeout=60, cwd=folder)


def test_repro_py_uses_diags_own_rules_when_diag_is_installed(bundle_dir, running):
    before = running.calls_placed
    r = replay(bundle_dir, running, sys.executable, str(bundle_dir / "repro.py"))
    assert r.returncode == 0, r.stderr
    assert "numbers checked with diag's own rules" in r.stderr
    assert [line.split()[2] for line in r.stdout.splitlines() if line.startswith("STATUS")] == ["200", "200"]
    assert running.calls_placed == before + 1


def test_repro_py_without_diag_uses_its_own_table(bundle_dir, running):
    without = ("import runpy, sys; sys.modules['diag.core.numbers'] = None; "
               "runpy.run_path(sys.argv[1], run_name='__main__')")
    r = replay(bundle_dir, running, sys.executable, "-c", without, str(bundle_dir / "repro.py"))
    assert r.returncode == 0, r.stderr
    assert "numbers checked with this script's emergency table" in r.stderr


def test_repro_sh_runs_against_the_simulator(bundle_dir, running):
    r = replay(bundle_dir, running, "bash", str(bundle_dir / "repro.sh"))
    assert r.returncode == 0, r.stderr
    assert [line.split()[2] for line in r.stdout.splitlines() if line.startswith("STATUS")] == ["200", "200"]


def test_every_template_is_filled_completely():
    from diag.core.templates import render

    with pytest.raises(KeyError):
        render("snippet.py.tmpl", HEADERS="{}")            # parts missing
    with pytest.raises(KeyError):
        render("snippet.py.tmpl", HEADERS="{}", METHOD="'GET'", URL="'u'", BODY="", NOPE="x")


@pytest.mark.parametrize("shell", ["bash", "sh"])
@pytest.mark.parametrize("sent", [
    pytest.param(b'{"phoneNumber": "+13175550100", "note": "caf\xe9 \xff"}', id="bytes that are not UTF-8"),
    pytest.param('{"phoneNumber": "+13175550100", "note": "\ud800"}', id="a lone surrogate"),
    pytest.param(b'{"note": "a\x00b", "q": "\'%s\\\\n 100% \\u00e9"}', id="NUL, quotes, printf's own escapes"),
])
def test_copy_as_curl_sends_the_bodys_very_bytes(sent, shell, tmp_path):
    """A body a shell word cannot carry goes byte for byte all the same (before, Copy as cURL sent U+FFFD in place
    of each such byte: not the request the session made)."""
    import http.server
    import threading

    got: list[bytes] = []

    class Keep(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Keep)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ex = Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="POST",
                      url=f"http://127.0.0.1:{server.server_port}{CALLS}", path=CALLS, template=CALLS,
                      request_headers={"Content-Type": "application/json"}, request_body=sent, status=200)
        r = subprocess.run([shell, "-c", ex.to_curl()], env={**os.environ, "GENESYS_CLOUD_ACCESS_TOKEN": "t"},
                           capture_output=True, text=True, timeout=30, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert got == [ex.sent_body()] and got[0] == (sent if isinstance(sent, bytes) else
                                                  sent.encode("utf-8", "surrogatepass"))
