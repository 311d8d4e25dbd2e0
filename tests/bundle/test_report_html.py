"""report.html in every ticket: one self-contained page (no script, style sheet, font or image from elsewhere), the
case block at the top (what failed, when with the zone, how often, impact, org and region, the ids to quote), the
customer's evidence first, simulator ids never offered for quoting, no raw number; case.txt the same block."""
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from diag.client.connect import connect
from diag.core.evidence import read_evidence
from diag.core.inspect import diagnose
from diag.reports.bundle import build_bundle

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = ROOT / "docs" / "examples" / "customer.har"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def ticket(sim, tmp_path, evidence=True):
    s = connect(simulator=sim)
    s.call({"to": "+13175550100"})                   # refused: 400
    s.call({"phoneNumber": "+13175550100"})          # placed: 200
    found = diagnose(read_evidence(CUSTOMER.read_text())) if evidence else None
    b = build_bundle(tmp_path / "t.zip", list(s.log), evidence=found)
    with zipfile.ZipFile(b.path) as z:
        return z.read("report.html").decode(), z.read("case.txt").decode(), list(s.log), found


def test_the_page_stands_alone_and_leads_with_what_the_case_needs(sim, tmp_path):
    html, case, log, found = ticket(sim, tmp_path)
    parsed = Tags()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert parsed.refs == []                                  # nothing fetched from anywhere, not even a link
    assert "<svg" in html                                     # the charts, inline
    top = html.split("<h2>Timeline", 1)[0]
    for label in ("What failed", "When (UTC)", "How often", "Business impact", "Org and region",
                  "Correlation ids to quote"):
        assert label in top and label in case
    # the headline counts each side beside its name, as the lines under it do (it said "the customer's evidence
    # (simulator: 2 request(s)...)", diag's own count beside the customer's name)
    title = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    theirs = len(found.diagnoses)
    assert title.startswith(f"Genesys Cloud API diagnosis: the customer&#39;s evidence (HAR, {theirs} Genesys request(s), "
                            f"{len(found.failures)} failed); diag&#39;s calls (simulator: 2 request(s), ")
    assert f"of {theirs + 2} request(s) failed" in html
    customer_ids = [d.correlation_id for d in found.failures if d.correlation_id]
    sim_failed = [e.correlation_id for e in log if e.status == 400]
    quote_line = next(line for line in case.splitlines() if line.startswith("Correlation ids to quote"))
    assert customer_ids and all(cid in quote_line for cid in customer_ids)
    assert sim_failed and all(cid not in quote_line for cid in sim_failed)
    assert any(cid in line for line in case.splitlines() if line.startswith("Simulator ids (do not quote)")
               for cid in sim_failed)
    assert "UTC" in re.search(r"When \(UTC\): (.*)", case).group(1)
    assert html.count("<details") == len(found.diagnoses) + len([e for e in log if not e.superseded])
    assert "3175550100" not in html and "3175550100" not in case


def test_a_simulator_only_ticket_is_labelled_and_offers_no_id_to_quote(sim, tmp_path):
    html, case, _, _ = ticket(sim, tmp_path, evidence=False)
    assert "Simulator material." in html and "Correlation ids to quote: none recorded" in case
    assert "Simulator ids (do not quote)" in case
    # said once (it read "simulator (no real calls) (the diag simulator: no real org)")
    assert "Org and region: diag's calls: the diag simulator (no real org)\n" in case, case


@pytest.mark.browser
def test_the_page_opens_in_chromium_as_the_agent_receiving_it_would(sim, tmp_path):
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no chromium installed")
    from playwright.sync_api import sync_playwright

    html, _, _, _ = ticket(sim, tmp_path)
    page_file = tmp_path / "report.html"
    page_file.write_text(html)
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.screenshot(path=str(artifacts / "report-html-top.png"))
        assert page.locator("dl.care").is_visible() and page.locator("details[open]").count() >= 1
        overflow = page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")
        browser.close()
    assert requests == [page_file.as_uri()] and not overflow
