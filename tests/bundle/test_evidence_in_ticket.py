"""#17: the customer's evidence in the ticket, in its own section, beside diag's own calls (from any source) or
instead of them; its charts inside; the same pseudonym for the same number in both parts."""
import json
import re
import zipfile

import pytest

from diag.app import cli
from diag.core.inspect import inspect
from diag.reports.bundle import build_bundle, sanitised_har
from tests.unit.test_inspect_evidence import CID, TOKEN, entry, har

NUMBER = "+13175550161"


def evidence_har(tmp_path):
    path = tmp_path / "customer.har"
    path.write_text(har([
        entry("GET", "https://cdn.example.net/app.js", 200),
        entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400,
              body={"to": {"phoneNumber": NUMBER}, "type": "external"},
              answer={"message": "The request could not be understood", "code": "bad.request", "status": 400}),
        entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 200, answer={"id": "u1", "name": "Zelda Quill",
                                                                              "email": "zelda.quill@example.com"}),
    ]))
    return path


def read_zip(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_evidence_alone_makes_a_ticket_with_its_section_and_charts(tmp_path, capsys):
    out = tmp_path / "t.zip"
    assert cli.main(["bundle", "--evidence", str(evidence_har(tmp_path)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "customer evidence (har): 2 Genesys request(s), 1 failed" in printed
    files = read_zip(out)
    for name in ("evidence/evidence.har", "evidence/requests.jsonl", "evidence/inspection.json", "data/evidence.csv",
                 "charts/evidence_codes.png", "charts/evidence_latency.svg"):
        assert name in files, name
    summary = files["summary.md"].decode()
    assert "## The customer's evidence" in summary and "Calls made from diag: none" in summary
    failing = summary.split("### Failing requests", 1)[1]
    assert f"| 400 | bad.request | `{CID}` |" in failing and "/users/me" not in failing.split("####")[0]
    assert "Corrected body:" in failing and '"phoneNumber"' in failing.split("Corrected body:")[1]
    assert "charts/evidence_codes.png" in summary
    manifest = json.loads(files["manifest.json"])
    assert manifest["evidence"] == {"kind": "har", "genesys_requests": 2, "failed": 1, "other_requests_skipped": 1}
    everything = b"".join(v for k, v in files.items() if not k.endswith(".png")).decode("utf-8", "replace")
    assert TOKEN not in everything and "3175550161" not in everything and "Quill" not in everything


def test_evidence_beside_a_simulator_session_is_not_refused_as_mixed_sources(tmp_path, sim, capsys):
    from diag.client.connect import connect

    session = connect(simulator=sim)
    session.call({"phoneNumber": NUMBER})
    log = session.log.save(tmp_path / "sim.jsonl")
    out = tmp_path / "both.zip"
    assert cli.main(["bundle", "--log", str(log), "--evidence", str(evidence_har(tmp_path)), "--out", str(out)]) == 0
    files = read_zip(out)
    summary = files["summary.md"].decode()
    # each side's count beside its name (the title named diag's side alone above the customer's section)
    assert summary.splitlines()[0] == ("# Genesys Cloud API diagnosis: the customer's evidence (HAR, 2 Genesys "
                                       "request(s), 1 failed); diag's calls (simulator (no real calls))")
    assert "## The customer's evidence" in summary and "Genesys requests: 2 (1 failed)" in summary
    assert "eu_west_1" in summary.split("## The customer's evidence")[1]
    # one number, one pseudonym, in diag's calls and in the customer's evidence alike
    ours = json.loads(files["exchanges.jsonl"].decode().splitlines()[-1])["request_body"]["phoneNumber"]
    theirs = json.loads(files["evidence/requests.jsonl"].decode().splitlines()[0])["request_body"]["to"]["phoneNumber"]
    assert ours == theirs and re.fullmatch(r"\+1-PN\w+", ours)


def test_the_sanitised_har_is_checked_before_it_is_returned(tmp_path):
    data, replaced = sanitised_har(inspect(evidence_har(tmp_path)))
    text = data.decode()
    assert TOKEN not in text and "3175550161" not in text and "Quill" not in text
    assert replaced["header authorization"] == 2   # the two Genesys requests' (the CDN's is not in the HAR)
    assert replaced["phone number"] >= 1
    assert json.loads(text)["log"]["version"] == "1.2"


def test_an_evidence_without_genesys_requests_is_said(tmp_path, capsys):
    path = tmp_path / "other.har"
    path.write_text(har([entry("GET", "https://cdn.example.net/app.js", 200)]))
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(tmp_path / "t.zip")]) == 2
    assert "no Genesys request in it (1 other request(s))" in capsys.readouterr().err
    assert not (tmp_path / "t.zip").exists()
    with pytest.raises(ValueError, match="no Genesys request"):
        build_bundle(tmp_path / "t.zip", [], evidence=inspect(path))


def test_the_bundle_never_overwrites_the_evidence_it_is_made_from(tmp_path, capsys):
    path = evidence_har(tmp_path)
    before = path.read_bytes()
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(path), "--force"]) == 2
    assert path.read_bytes() == before


def _counts(b):
    """Every count of failures a ticket states: its headline, case.txt's, summary.md's and the manifest's."""
    files = read_zip(b.path)
    case, summary = files["case.txt"].decode(), files["summary.md"].decode()
    return {"headline": re.search(r"(\d+) failed", b.headline).group(1),
            "case title": re.search(r"request\(s\), (\d+) failed\)", case.splitlines()[0]).group(1),
            "how often": re.search(r"How often: (\d+) of", case).group(1),
            "summary": re.search(r"Genesys requests: \d+ \((\d+) failed\)", summary).group(1),
            "manifest": str(json.loads(files["manifest.json"])["evidence"]["failed"])}


def test_every_count_of_the_evidences_failures_is_one_rule(tmp_path, sim):
    """A cURL holds no answer: nothing says it failed (its body is one Genesys takes), and every part of the ticket
    says 0 failed; a diag log whose request was reset got no answer: every part says 1 failed (report.html and
    case.txt counted the first as failed while the rest did not, and the CLI said 0 of the second)."""
    from diag.client.connect import connect

    curl = inspect("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'authorization: Bearer "
                   "a.b.c' --data-raw '{\"phoneNumber\":\"" + NUMBER + "\"}'")
    assert set(_counts(build_bundle(tmp_path / "curl.zip", [], evidence=curl)).values()) == {"0"}
    s = connect(simulator=sim)
    sim.faults.add("/api/v2/conversations/calls$", "reset", times=1, method="POST")
    ex = s.call({"phoneNumber": "+13175550100"})
    assert ex.status is None and ex.transport_error
    log = s.log.save(tmp_path / "reset.jsonl")
    reset = inspect(log)
    assert len(reset.failures) == 1 and "1 failed" in reset.text()
    assert set(_counts(build_bundle(tmp_path / "reset.zip", [], evidence=reset)).values()) == {"1"}


def test_evidence_captured_from_the_simulator_offers_no_id_to_quote(tmp_path, sim):
    """A diag log of a simulator session read as the customer's evidence: its correlation ids are the simulator's,
    listed as not to quote, under the simulator banner (case.txt offered them to quote to Genesys)."""
    from diag.client.connect import connect

    s = connect(simulator=sim)
    ex = s.call({"to": "+13175550100"})   # refused: 400, with the simulator's correlation id
    found = inspect(s.log.save(tmp_path / "sim.jsonl"))
    files = read_zip(build_bundle(tmp_path / "t.zip", [], evidence=found).path)
    case, html = files["case.txt"].decode(), files["report.html"].decode()
    assert "Correlation ids to quote: none recorded" in case
    assert re.search(r"Simulator ids \(do not quote\): .*" + ex.correlation_id, case)
    assert "Simulator material." in html and "the requests of the customer's evidence" in html
    summary = files["summary.md"].decode()   # the summary says whose words and ids they are too
    assert "Genesys said" not in summary and "The diag simulator (modelled) said:" in summary
    assert "Note: captured from the diag simulator" in summary and "do not quote them" in summary


def test_diag_inspect_of_a_simulator_log_never_speaks_for_genesys(tmp_path, sim):
    from diag.client.connect import connect

    s = connect(simulator=sim)
    s.call({"to": "+13175550100"})
    text = inspect(s.log.save(tmp_path / "sim.jsonl")).text()
    assert "captured from the diag simulator" in text and "Genesys said" not in text
    assert "The diag simulator (modelled) said:" in text


def test_a_usage_only_ticket_is_not_titled_as_the_customers_evidence(tmp_path, sim):
    """Charts and usage data alone: the title says so (it read "the customer's evidence", with no evidence in it)."""
    from diag.app import ticket
    from diag.client.connect import connect

    s = connect(simulator=sim)
    makers, frames = ticket.usage_charts(s, 3)
    b = build_bundle(tmp_path / "u.zip", [], source=s.label, figures=dict(list(makers.items())[:1]), frames=frames)
    case = read_zip(b.path)["case.txt"].decode()
    assert case.splitlines()[0] == ("Genesys Cloud API diagnosis: API usage of simulator (no real calls) (charts and "
                                    "data; no request in this ticket)")
    assert "customer" not in case.splitlines()[0]


def test_a_tickets_evidence_read_back_counts_what_its_first_reading_counted(tmp_path):
    """A cURL holds no answer (0 failed): the ticket's evidence/requests.jsonl, read as a diag log, counts 0 too (it
    took diag's "no answer in the evidence" for a recorded transport error: 1 failed)."""
    found = inspect("curl https://api.mypurecloud.com/api/v2/users/me")
    assert found.failures == []
    b = build_bundle(tmp_path / "t.zip", [], evidence=found)
    again = inspect(read_zip(b.path)["evidence/requests.jsonl"].decode())
    assert again.failures == [] and dict(again.by_code()) == {}
