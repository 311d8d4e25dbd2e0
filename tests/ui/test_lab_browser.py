"""One real-browser test: JupyterLab on 127.0.0.1, Debian chromium driven by Playwright.

Opens notebook 01 at 1,280 x 800 with the file browser open, runs it, pastes a wrong body, sees the finding for
`to`, clicks Fix it and Send, sees status 200 and a correlation id, follows the call to its end, adds it to the
ticket, exports, downloads the zip and checks its manifest and that it holds that call; then uploads a customer's
HAR into the evidence panel, sees its report and charts, adds it to the ticket and downloads the ticket with it (no
token or cookie of the HAR on the page or in the zip); no widget area scrolls sideways. Keeps a screenshot per step and the timings under tests/artifacts/. Skips only outside CI when no browser is installed.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from diag.app.serve import lab_command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
WRONG = '{"to": {"phoneNumber": "+13175550100"}, "type": "external"}'
CUSTOMER_HAR = ROOT / "tests" / "data" / "evidence" / "firefox-121.har"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser test: install Debian's chromium (.ci/run does)")
    pytest.skip("no chromium installed (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab server on copies of all three notebooks for this module's tests (a server and its first
    kernel are the walk's dearest part); each test opens its notebooks in a workspace of its own."""
    yield from _lab_on(tmp_path_factory.mktemp("lab"), sorted((ROOT / "notebooks").glob("*.ipynb")))


def _lab_on(tmp_path, notebooks):
    work = tmp_path / "work"
    work.mkdir()
    for nb in notebooks:
        shutil.copy(nb, work)
    port, token = free_port(), "diag-ui-test"   # make lab's own command: its flags keep the news pop-up away
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    for var in ("GENESYS_CLOUD_REGION", "GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET",
                "GENESYS_CLOUD_ACCESS_TOKEN"):
        env.pop(var, None)
    proc = subprocess.Popen([*lab_command(work, port, token), "--ServerApp.port_retries=0"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/api/status?token={token}", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise RuntimeError("JupyterLab exited: " + proc.stderr.read().decode()[-2000:])
        time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("JupyterLab did not start in 60 s")
    yield base, token
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_composer_in_jupyterlab(lab):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)

        def shot(step: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"lab-flow-{step}.png"), full_page=False)

        try:
            t0 = time.perf_counter()
            page.goto(f"{base}/lab/tree/01_build_and_test_a_call.ipynb?token={token}")
            page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=60000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=60000)
            # make lab asks nothing of the internet: no news pop-up over the panels' buttons
            expect(page.get_by_text("official Jupyter news")).to_have_count(0)
            page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
            page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
            raw = page.locator(".diag-raw textarea")
            raw.wait_for(state="visible", timeout=60000)
            expect(page.locator(".diag-composer")).to_contain_text("unknown-field", timeout=30000)
            interactive_s = time.perf_counter() - t0

            raw.fill(WRONG)
            findings = page.locator(".diag-composer .diag-findings")
            expect(findings).to_contain_text("$.to", timeout=15000)
            expect(findings).to_contain_text("phoneNumber", timeout=15000)
            page.locator(".diag-composer button.jupyter-button:has-text('Fix it')").click()
            shot("1-findings")
            expect(raw).to_have_value('{\n  "phoneNumber": "+13175550100"\n}', timeout=15000)
            page.locator(".diag-composer button.jupyter-button[title='Send']").click()
            expect(page.locator(".diag-status")).to_contain_text("HTTP 200", timeout=20000)
            correlation = page.locator(".diag-result .diag-correlation, .diag-response .diag-correlation").first \
                .inner_text()
            assert len(correlation) == 36 and correlation.count("-") == 4
            expect(page.locator(".diag-target").first).to_contain_text("simulator")
            shot("2-sent")
            page.locator("button.jupyter-button:has-text('Follow the call')").click()
            expect(page.locator(".diag-trace")).to_contain_text("ended:", timeout=30000)
            shot("3-followed")
            page.locator("button.jupyter-button:has-text('Add to ticket')").first.click()
            expect(page.locator(".diag-ticket")).to_contain_text("1 exchange", timeout=15000)
            t1 = time.perf_counter()
            page.locator("button.jupyter-button:has-text('Export ticket')").click()
            link = page.locator("a.diag-download-link")
            link.wait_for(state="visible", timeout=30000)
            export_s = time.perf_counter() - t1
            with page.expect_download(timeout=30000) as download:
                link.click()
            zip_path = ARTIFACTS / "lab-ticket.zip"
            download.value.save_as(str(zip_path))
            shot("4-exported")
            # a session of 100 calls, all in the ticket: Export -> download link, timed as a person sees it
            send = page.locator(".diag-composer button.jupyter-button[title='Send']")
            for _ in range(99):
                send.click()
            history = page.locator(".diag-composer select[multiple]")
            expect(history.locator("option")).to_have_count(100, timeout=120000)
            history.evaluate("""e => { for (const o of e.options) o.selected = true;
                                        e.dispatchEvent(new Event('change', {bubbles: true})); }""")
            page.locator("button.jupyter-button:has-text('Add selected to ticket')").click()
            expect(page.locator(".diag-ticket")).to_contain_text("100 exchange", timeout=30000)
            old_link = link.get_attribute("href")
            t2 = time.perf_counter()
            page.locator("button.jupyter-button:has-text('Export ticket')").click()
            page.wait_for_function("h => { const a = document.querySelector('a.diag-download-link');"
                                   " return a && a.getAttribute('href') !== h; }", arg=old_link, timeout=60000)
            export_100_s = time.perf_counter() - t2
            shot("5-exported-100-calls")
            # the customer's HAR: uploaded, read (report and charts), added to the ticket, exported with it
            panel = page.locator(".diag-evidence-panel")
            with page.expect_file_chooser(timeout=15000) as chooser:   # as a person does: the button, then the file
                panel.locator("button.jupyter-button:has-text('Upload HAR')").click()
            chooser.value.set_files(str(CUSTOMER_HAR))
            expect(panel.locator(".diag-evidence")).to_contain_text("First failure:", timeout=30000)
            expect(panel.locator("img")).to_have_count(2, timeout=30000)
            panel.locator("button.jupyter-button:has-text('Add to ticket')").click()
            expect(page.locator(".diag-composer .diag-ticket").last).to_contain_text("customer's evidence (HAR",
                                                                                     timeout=15000)
            old_link = link.get_attribute("href")
            page.locator("button.jupyter-button:has-text('Export ticket')").click()
            page.wait_for_function("h => { const a = document.querySelector('a.diag-download-link');"
                                   " return a && a.getAttribute('href') !== h; }", arg=old_link, timeout=60000)
            with page.expect_download(timeout=30000) as download:
                link.click()
            evidence_zip = ARTIFACTS / "lab-ticket-evidence.zip"
            download.value.save_as(str(evidence_zip))
            panel.scroll_into_view_if_needed()
            # JupyterLab draws the cells of a notebook scrolled to lazily: the picture waits for the table on screen
            expect(panel.locator("table.diag-evidence-table")).to_be_in_viewport(timeout=15000)
            shot("6-evidence")
            shown = panel.inner_text()
            overflow = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
                .filter(e => e.scrollWidth > e.clientWidth + 1).length""")
        finally:
            page.screenshot(path=str(ARTIFACTS / "lab-composer.png"), full_page=False)
            browser.close()
    import hashlib
    import zipfile
    with zipfile.ZipFile(zip_path) as z:
        manifest = json.loads(z.read("manifest.json"))
        for name, meta in manifest["files"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == meta["sha256"], name
        records = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert [r["correlation_id"] for r in records] == [correlation]
    with zipfile.ZipFile(evidence_zip) as z:
        summary = z.read("summary.md").decode()
        assert "evidence/evidence.har" in z.namelist() and "charts/evidence_codes.png" in z.namelist()
        everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".png")).decode("utf-8", "replace")
    assert "## The customer's evidence" in summary and "bad.request" in summary
    for secret in ("fake-canary", "CANARY"):   # the fixture's tokens and cookies
        assert secret not in everything and secret not in shown
    evidence_zip.unlink()
    assert overflow == 0, "a widget area scrolls sideways at 1280 px with the file browser open"
    zip_path.unlink()
    (ARTIFACTS / "lab-timing.json").write_text(json.dumps({"open_to_interactive_s": round(interactive_s, 2),
                                                          "export_to_download_s": round(export_s, 2),
                                                          "export_100_calls_to_download_s": round(export_100_s, 2)}))
    print(f"\nnotebook 01: open -> composer interactive in {interactive_s:.1f} s")


def test_every_panel_fits_1280_with_the_file_browser_open(lab):
    from playwright.sync_api import expect, sync_playwright

    base, token = lab
    overflow = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            for name in ("02_error_codes_dashboard", "03_support_ticket"):
                # a workspace of its own: the status bar's "Idle" is this notebook's kernel, not the last one's
                page.goto(f"{base}/lab/workspaces/w{name[:2]}/tree/{name}.ipynb?reset&token={token}")
                page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="visible",
                                                                                       timeout=60000)
                expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=60000)
                panel = page.locator(".diag-dashboard" if name.startswith("02") else ".diag-export")
                for attempt in range(3):   # a second notebook's kernel may still be starting: Run All again
                    page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
                    page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
                    try:
                        panel.first.wait_for(state="visible", timeout=30000)
                        break
                    except Exception:
                        if attempt == 2:
                            page.screenshot(path=str(ARTIFACTS / f"lab-{name}-failed.png"), full_page=False)
                            raise
                expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=90000)
                page.wait_for_timeout(500)
                assert page.locator("#filebrowser").is_visible()
                panel.first.scroll_into_view_if_needed()   # the panel itself in the picture, not the prose above it
                page.screenshot(path=str(ARTIFACTS / f"lab-{name}.png"), full_page=False)
                overflow[name] = page.evaluate("""() => [...document.querySelectorAll(
                    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className)""")
        finally:
            browser.close()
    assert overflow == {n: [] for n in overflow}, overflow
