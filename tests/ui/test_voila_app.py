"""`make app`: Voila serves the notebooks as a code-free app (widgets and charts, no code cells)."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


TOKEN = "diag-app-test-token"


@contextlib.contextmanager
def voila_on(folder: Path, notebooks):
    """`make app`'s server (127.0.0.1, a token) on copies of `notebooks` in `folder`: yields its base URL; stopped
    afterwards. Pages are asked for with ?token=TOKEN, as the address `make app` prints carries it."""
    voila = Path(sys.executable).with_name("voila")
    if not voila.exists():
        pytest.fail("voila is in requirements.txt but not installed")
    for nb in notebooks:
        shutil.copy(nb, folder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_CLOUD_")}
    proc = subprocess.Popen([str(voila), str(folder), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                             "--ServerApp.allow_root=True", f"--token={TOKEN}"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_voila_renders_notebook_01_without_code(tmp_path):
    with voila_on(tmp_path, [ROOT / "notebooks" / "01_build_and_test_a_call.ipynb"]) as base:
        url = f"{base}/voila/render/01_build_and_test_a_call.ipynb?token={TOKEN}"
        deadline, page = time.time() + 90, None
        while time.time() < deadline:
            try:
                page = requests.get(url, timeout=60)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200
        assert "Build and test a call" in page.text
        assert "application/vnd.jupyter.widget-view" in page.text
        assert "ComposerView(ComposerModel" not in page.text      # no code cells in the app
        # without the token the app (which reads the workspace's logs and tickets) is not served
        bare = requests.get(f"{base}/voila/render/01_build_and_test_a_call.ipynb", timeout=60, allow_redirects=False)
        assert bare.status_code in (302, 401, 403) and "Build and test a call" not in bare.text
        assert requests.get(f"{base}/voila/render/01_build_and_test_a_call.ipynb?token=wrong", timeout=60,
                            allow_redirects=False).status_code in (302, 401, 403)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WRONG = '{"to": {"phoneNumber": "+13175550100"}, "type": "external"}'


@pytest.mark.browser
def test_the_whole_flow_in_the_app(tmp_path):
    """make app, in Chromium: paste, Fix it, Send, the answer, Follow, Add to ticket, Export, download; and no
    stray text output anywhere in the app."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
        pytest.skip("no chromium installed")

    with voila_on(tmp_path, sorted((ROOT / "notebooks").glob("*.ipynb"))) as base:
        _walk(base, tmp_path)


def _walk(base: str, tmp_path: Path) -> None:
    import hashlib
    import json
    import zipfile

    from playwright.sync_api import expect, sync_playwright

    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"{base}/", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.3)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        try:
            stray = {}
            for name in ("01_build_and_test_a_call", "02_error_codes_dashboard", "03_support_ticket"):
                page.goto(f"{base}/voila/render/{name}.ipynb?token={TOKEN}", timeout=120000)
                page.locator(".jupyter-widgets").first.wait_for(state="visible", timeout=120000)
                stray[name] = page.evaluate("""() => [...document.querySelectorAll(
                    '.jp-OutputArea-output.jp-RenderedText, .jp-OutputArea-output[data-mime-type="text/plain"]')]
                    .map(e => e.innerText.slice(0, 80))""")
            page.goto(f"{base}/voila/render/01_build_and_test_a_call.ipynb?token={TOKEN}", timeout=120000)
            raw = page.locator(".diag-raw textarea")
            raw.wait_for(state="visible", timeout=120000)
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
            page.locator("button:has-text('Add to ticket')").first.click()
            page.locator("button:has-text('Export ticket')").click()
            link = page.locator("a.diag-download-link")
            link.wait_for(state="visible", timeout=30000)
            with page.expect_download(timeout=30000) as download:
                link.click()
            zip_path = tmp_path / "app-ticket.zip"
            download.value.save_as(str(zip_path))
            page.screenshot(path=str(artifacts / "app-flow-4-exported.png"))
        finally:
            browser.close()
    assert stray == {n: [] for n in stray}, stray
    with zipfile.ZipFile(zip_path) as z:
        manifest = json.loads(z.read("manifest.json"))
        for name, meta in manifest["files"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == meta["sha256"], name
        records = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert [r["correlation_id"] for r in records] == [correlation]
