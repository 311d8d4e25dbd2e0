"""`make app`: Voila serves the app (notebooks/00_diag_app.ipynb: every tool a tab over one connection) as a
code-free page, on 127.0.0.1, with a token, refusing foreign Host headers; walked in Chromium from its landing page."""
import contextlib
import importlib.util
import os
import shutil
import socket
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from diag.app.serve import APP_NOTEBOOK, token_env, voila_command

ROOT = Path(__file__).resolve().parents[2]


TOKEN = "diag-app-test-token"


@contextlib.contextmanager
def app_on(folder: Path):
    """`make app`'s server (diag.app.serve's very command line) on a copy of the app notebook in `folder`: yields
    its base URL once it answers; stopped afterwards."""
    if importlib.util.find_spec("voila") is None:
        pytest.fail("voila is in requirements.txt but not installed")
    notebook = Path(shutil.copy(APP_NOTEBOOK, folder))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_CLOUD_")} | token_env(TOKEN)
    proc = subprocess.Popen(voila_command(notebook, port), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                requests.get(f"{base}/voila/static/", timeout=5)   # the server is up (no kernel started)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        # the token is not on the command line, where any local user reads it
        assert TOKEN not in Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode("utf-8", "replace")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One `make app` server for this file's tests (each page load runs its own kernel)."""
    with app_on(tmp_path_factory.mktemp("app")) as base:
        yield base


def test_the_app_needs_its_token_and_a_local_host_name(app):
    """Refused without the token or through a foreign host name (no kernel is started for either); what it serves
    with the token is the browser walk's first check."""
    base = app
    # without the token the app (which reads the workspace's logs and tickets) is not served
    for url in (f"{base}/", f"{base}/?token=wrong"):
        bare = requests.get(url, timeout=60, allow_redirects=False)
        assert bare.status_code in (302, 401, 403) and "Why a Genesys" not in bare.text, url
    # a page elsewhere reaching it through a name that resolves to 127.0.0.1 (DNS rebinding) is refused
    port = base.rsplit(":", 1)[1]
    for host in ("evil.example.com", f"evil.example.com:{port}", f"127.0.0.1.nip.io:{port}"):
        foreign = requests.get(f"{base}/?token={TOKEN}", headers={"Host": host}, timeout=60,
                               allow_redirects=False)
        assert foreign.status_code == 403 and "Why a Genesys" not in foreign.text, host
    assert requests.get(f"{base}/voila/static/", headers={"Host": f"localhost:{port}"},
                        timeout=60).status_code != 403


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WRONG = '{"to": {"phoneNumber": "+13175550100"}, "type": "external"}'


@pytest.mark.browser
def test_the_whole_flow_in_the_app(app, tmp_path):
    """make app, in Chromium, from its landing page: paste, Fix it, Send, the answer, Follow, Add to ticket; the
    usage tab's charts; the Ticket tab's export and download; the ticket's report.html opened as the agent
    receiving it would; and no stray text output anywhere in the app."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
        pytest.skip("no chromium installed")

    _walk(app, tmp_path)


def _walk(base: str, tmp_path: Path) -> None:
    import hashlib
    import json
    import zipfile

    from playwright.sync_api import expect, sync_playwright

    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        try:
            page.goto(f"{base}/?token={TOKEN}", timeout=120000)
            page.locator(".diag-workbench").wait_for(state="visible", timeout=120000)
            served = page.content()   # with the token, the landing page is the app: its widgets, no code cells
            assert "Why a Genesys Cloud API request fails" in served and "Workbench()" not in served
            stray = page.evaluate("""() => [...document.querySelectorAll(
                '.jp-OutputArea-output.jp-RenderedText, .jp-OutputArea-output[data-mime-type="text/plain"]')]
                .map(e => e.innerText.slice(0, 80))""")
            tab = page.locator(".diag-workbench-tabs > .lm-TabBar .lm-TabBar-tabLabel")   # not the dashboard's own
            expect(tab).to_have_text(["Test a call", "Any endpoint", "Evidence", "Usage", "Ticket"])
            raw = page.locator(".diag-raw textarea")
            raw.wait_for(state="visible", timeout=60000)
            raw.fill(WRONG)
            expect(page.locator(".diag-composer .diag-findings")).to_contain_text("$.to", timeout=15000)
            page.screenshot(path=str(artifacts / "app-flow-1-findings.png"))
            page.locator(".diag-composer button:has-text('Fix it')").click()
            expect(raw).to_have_value('{\n  "phoneNumber": "+13175550100"\n}', timeout=15000)
            page.locator(".diag-composer button[title='Send']").click()
            expect(page.locator(".diag-status").first).to_contain_text("HTTP 200", timeout=20000)
            correlation = page.locator(".diag-response .diag-correlation").first.inner_text()
            page.screenshot(path=str(artifacts / "app-flow-2-sent.png"))
            page.locator("button:has-text('Follow the call')").click()
            expect(page.locator(".diag-trace")).to_contain_text("ended:", timeout=30000)
            page.screenshot(path=str(artifacts / "app-flow-3-followed.png"))
            tab.filter(has_text="Usage").click()
            expect(page.locator(".diag-dashboard img").first).to_be_visible(timeout=60000)
            page.screenshot(path=str(artifacts / "app-flow-4-usage.png"))
            tab.filter(has_text="Ticket").click()
            export = page.locator(".diag-export")
            expect(export.locator("select").first).to_contain_text("this session", timeout=15000)
            export.locator("button:has-text('Export zip')").click()
            link = export.locator("a.diag-download-link")
            link.wait_for(state="visible", timeout=60000)
            with page.expect_download(timeout=30000) as download:
                link.click()
            zip_path = tmp_path / "app-ticket.zip"
            download.value.save_as(str(zip_path))
            page.screenshot(path=str(artifacts / "app-flow-5-ticket.png"))
            with zipfile.ZipFile(zip_path) as z:
                manifest = json.loads(z.read("manifest.json"))
                for name, meta in manifest["files"].items():
                    assert hashlib.sha256(z.read(name)).hexdigest() == meta["sha256"], name
                records = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
                report = tmp_path / "report.html"
                report.write_bytes(z.read("report.html"))
            received = browser.new_page(viewport={"width": 1280, "height": 800})   # the agent receiving it
            received.goto(report.as_uri())
            expect(received.locator("body")).to_contain_text(correlation)
            expect(received.locator("body")).to_contain_text("simulator")
            received.screenshot(path=str(artifacts / "app-flow-6-report.png"))
        finally:
            browser.close()
    assert stray == [], stray
    assert correlation in [r["correlation_id"] for r in records]
