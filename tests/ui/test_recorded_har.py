"""#17 with a HAR a real browser recorded: Debian chromium, driven by Playwright, loads a page that calls diag's
simulator with fetch (a valid call, a body with forum-invented fields, a 401, the user without the call permission,
a burst into 429s, and requests to another host) while Playwright records the HAR. `diag inspect` then reports each
planted failure with its exact code, correlation id and explanation, and nothing for the valid requests.

The page is served from a second loopback port, so its fetches to the simulator are cross-origin; the simulator does
not model CORS, so this browser runs with web security off (a test browser on loopback only).
"""
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from diag.app import cli
from diag.sim import Simulator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NUMBER = "+13175550161"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    pytest.skip("no chromium installed (apt-get install chromium)", allow_module_level=True)

PAGE = """<!doctype html><title>customer app</title><body><pre id=log></pre><script>
async function call(path, token, body, method) {
  const headers = {"Authorization": "Bearer " + token};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(SIM + path, {method: method || (body === undefined ? "GET" : "POST"), headers,
                                     body: body === undefined ? undefined : JSON.stringify(body)});
  await r.text();   // the app reads each answer (a body never read is not in the HAR)
  return r.status;
}
async function run() {
  const out = [];
  out.push(await (await fetch("/app-config.json")).status);                                 // not Genesys
  out.push(await call("/api/v2/conversations/calls", AVERY, {phoneNumber: NUMBER}));         // valid: 200
  out.push(await call("/api/v2/users/me", AVERY));                                           // valid: 200
  out.push(await call("/api/v2/conversations/calls", AVERY, {to: {phoneNumber: NUMBER}, type: "external"}));
  out.push(await call("/api/v2/users/me", "not-a-token-at-all"));                            // 401
  out.push(await call("/api/v2/conversations/calls", RILEY, {phoneNumber: NUMBER}));         // 403
  for (let i = 0; i < 7; i++) out.push(await call("/api/v2/users/me", SAM));                  // 5 then 429s
  document.getElementById("log").textContent = JSON.stringify(out);
  return out;
}
</script>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """The simulator (a rate limit of 5 requests a minute per token) and the customer's page on another port."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "app-config.json").write_text('{"theme": "dark"}')
    with Simulator(seed=3, overrides={"rate_limit": {"requests": 5, "window_seconds": 60}}) as sim:
        handler = lambda *a, **k: _Quiet(*a, directory=str(site), **k)   # noqa: E731
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        tokens = {name: sim.user_token(name) for name in ("avery", "riley", "sam")}
        avery, riley, sam = (json.dumps(tokens[n]) for n in ("avery", "riley", "sam"))
        page = PAGE.replace("<script>", f"<script>const SIM = {json.dumps(sim.base_url)}, NUMBER = "
                            f"{json.dumps(NUMBER)}, AVERY = {avery}, RILEY = {riley}, SAM = {sam};\n")
        (site / "index.html").write_text(page)
        try:
            yield sim, f"http://127.0.0.1:{server.server_address[1]}", tokens
        finally:
            server.shutdown()
            server.server_close()


def test_a_har_recorded_by_chromium_is_diagnosed(served, tmp_path, capsys):
    from playwright.sync_api import sync_playwright

    sim, site, tokens = served
    har = tmp_path / "recorded.har"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-web-security"])
        context = browser.new_context(record_har_path=str(har), record_har_content="embed")
        page = context.new_page()
        page.goto(site + "/index.html")
        statuses = page.evaluate("run()")
        context.close()   # the HAR is written now
        browser.close()
    assert statuses == [200, 200, 200, 400, 401, 403, 200, 200, 200, 200, 200, 429, 429], statuses
    recorded = json.loads(har.read_text())
    assert recorded["log"]["version"] == "1.2" and recorded["log"]["creator"]["name"] == "Playwright"

    sim_host = sim.base_url.split("//")[1]
    assert cli.main(["inspect", str(har), "--sim-host", sim_host, "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["kind"] == "har" and found["genesysRequests"] == 12 and found["otherRequests"] == 2   # page + config
    failures = [r for r in found["requests"] if r["status"] >= 400 or r["verdict"] == "refused"]
    by = {(r["method"], r["status"]): r for r in failures}
    assert sorted(by) == [("GET", 401), ("GET", 429), ("POST", 400), ("POST", 403)]
    assert found["byCode"] == {"400 bad.request": 1, "401 bad.credentials": 1, "403 missing.any.permissions": 1,
                               "429 too.many.requests.retry.after": 2}, found["byCode"]
    for r in failures:   # each with the correlation id the simulator sent, and an explanation
        assert r["correlationId"] and r["explanation"], r
    bad = by[("POST", 400)]
    assert bad["verdict"] == "refused" and {f["path"] for f in bad["findings"]} >= {"$.to", "$.type"}
    assert any("missing permission" in n for n in by[("POST", 403)]["notes"])
    assert any("Retry-After" in n for n in by[("GET", 429)]["notes"])
    valid = [r for r in found["requests"] if r["status"] == 200]
    assert len(valid) == 7 and all(not r["findings"] or r["verdict"] != "refused" for r in valid)
    assert all(r["errorCode"] is None and r["notes"] == [] for r in valid)

    text_out = tmp_path / "report.txt"
    assert cli.main(["inspect", str(har), "--sim-host", sim_host, "--sanitise", str(tmp_path / "clean.har")]) == 1
    text_out.write_text(capsys.readouterr().out)
    report = text_out.read_text()
    assert "First failure: #3 POST /api/v2/conversations/calls -> 400 bad.request" in report
    everything = report + json.dumps(found) + (tmp_path / "clean.har").read_text()
    for token in tokens.values():
        assert token not in everything
    assert NUMBER[1:] not in (tmp_path / "clean.har").read_text()

    # without --sim-host the loopback host is not Genesys: nothing is diagnosed, and the exit says no failure
    assert cli.main(["inspect", str(har)]) == 0
    assert "0 Genesys request(s), 14 other request(s) skipped" in capsys.readouterr().out
