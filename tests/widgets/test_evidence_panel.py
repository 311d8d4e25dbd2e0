"""The evidence panel: paste or upload, read sanitised, open a failing call in the composer, export a ticket."""
import datetime as dt
import json
import re

from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.app.widgets.evidence import EvidenceModel, EvidenceView
from diag.client.connect import connect

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Q0FOQVJZc2lnbmF0dXJl"
CURL = ("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'Authorization: Bearer " + TOKEN + "' "
        "-H 'Content-Type: application/json' --data-raw '{\"to\": {\"phoneNumber\": \"+13175550161\"}}'")


def test_paste_read_open_in_composer_and_export(sim):
    composer = ComposerView(ComposerModel("", session=connect(simulator=sim)))
    view = EvidenceView(EvidenceModel(composer.model))
    view.paste.value = CURL
    view.read_button.click()
    assert view.paste.value == "" and view.error.value == ""
    assert "1 Genesys request(s)" in view.report.value and TOKEN not in view.report.value
    assert view.failing.options and not view.open_button.disabled
    view.open_button.click()
    composer.refresh()
    # the customer's number stays in the kernel: the panel (and so a saved notebook) shows its pseudonym
    assert re.fullmatch(r"\+1-PN[0-9A-F]{8}", json.loads(composer.raw.value)["to"]["phoneNumber"])
    assert "$.to" in composer.findings.value
    composer.fix_button.click()
    composer.send_button.click()
    assert composer.model.last_exchange.status == 200
    assert any(c.number == "+13175550161" for c in sim.state.calls.values())   # the real one is what was sent
    composer_state = json.dumps([w.get_state() for w in (composer.raw, composer.findings, composer.result,
                                                          composer.changes, composer.destination)], default=str)
    assert "3175550161" not in composer_state and "317 555 0161" not in composer_state
    view.export_button.click()
    assert re.search(r"href='data:application/zip;base64,", view.download.value)
    states = json.dumps([c.get_state() for c in view.widget.children], default=str)
    assert TOKEN not in states


def test_an_upload_is_read_and_cleared_from_widget_state():
    view = EvidenceView(EvidenceModel())
    view.upload.value = ({"name": "x.curl", "type": "text/plain", "size": len(CURL), "content": memoryview(
        CURL.encode()), "last_modified": dt.datetime.now(dt.timezone.utc)},)
    assert view.upload.value == () and "1 Genesys request(s)" in view.report.value


def test_unreadable_evidence_is_a_message():
    view = EvidenceView(EvidenceModel())
    view.paste.value = "hello there"
    view.read_button.click()
    assert "not a HAR file" in view.error.value


def test_a_file_that_cannot_be_read_leaves_no_report_of_the_one_before():
    """Read good evidence, then something unreadable: the message, and neither the old report nor its Export (the
    person would hand on the evidence before, believing it the new one)."""
    view = EvidenceView(EvidenceModel())
    view.paste.value = CURL
    view.read_button.click()
    assert "1 Genesys request(s)" in view.report.value and not view.export_button.disabled
    view.paste.value = "hello there"
    view.read_button.click()
    assert "not a HAR file" in view.error.value
    assert "1 Genesys request(s)" not in view.report.value and view.export_button.disabled
    view.upload.value = ({"name": "x.bin", "type": "application/octet-stream", "size": 4,
                          "content": memoryview(b"\x00\x01\x02\x03"), "last_modified": dt.datetime.now(dt.timezone.utc)},)
    assert "binary" in view.error.value and view.export_button.disabled


def _all_state(widget) -> str:
    """Every widget's state under `widget` (what a saved notebook would hold)."""
    from ipywidgets.widgets.widget import _instances

    seen, stack, out = set(), [widget], []
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        state = x.get_state()
        out.append(state)
        for value in state.values():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, str) and item.startswith("IPY_MODEL_"):
                    stack.append(_instances[item[len("IPY_MODEL_"):]])
    return json.dumps(out, default=str)


def test_the_panel_shows_pseudonyms_and_its_charts_and_keeps_no_number(sim):
    view = EvidenceView(EvidenceModel(ComposerModel("", session=connect(simulator=sim))))
    view.paste.value = CURL
    view.read_button.click()
    assert "+1-PN" in view.report.value and "3175550161" not in view.report.value
    assert len(view.charts.outputs) == 2 and all("image/png" in o["data"] for o in view.charts.outputs)
    state = _all_state(view.widget)
    assert TOKEN not in state and "3175550161" not in state


def test_add_to_ticket_joins_the_composers_ticket_and_keeps_a_sanitised_copy(sim, tmp_path):
    import os
    import zipfile

    from diag.core.workspace import recent_evidence

    composer = ComposerView(ComposerModel('{"phoneNumber": "+13175550161"}', session=connect(simulator=sim)))
    view = EvidenceView(EvidenceModel(composer.model), on_change=composer.refresh)
    composer.send_button.click()
    view.paste.value = CURL
    view.read_button.click()
    view.add_button.click()
    assert view.error.value == "" and "Added to the ticket" in view.report.value
    assert "the customer's evidence (CURL, 1 Genesys request(s), 1 failed)" in composer.ticket.value
    saved = recent_evidence()[0]
    assert saved.path == view.model.saved and (saved.requests, saved.failed) == (1, 1)
    assert oct(os.stat(saved.path).st_mode & 0o777) == "0o600"
    text = saved.path.read_text()
    assert TOKEN not in text and "3175550161" not in text and "+1-PN" in text
    composer.export_button.click()
    with zipfile.ZipFile(composer.model.bundle.path) as z:
        summary = z.read("summary.md").decode()
        names = z.namelist()
    assert summary.startswith("# Genesys Cloud API diagnosis: the customer's evidence (") and \
        "; diag's calls (simulator" in summary.splitlines()[0] and "## The customer's evidence" in summary
    assert "evidence/evidence.har" in names and "charts/evidence_codes.png" in names
    view.paste.value = CURL.replace("conversations/calls", "users/me")   # other evidence: the ticket still holds
    view.read_button.click()                                             # the first, and the panel says so
    assert "The ticket holds earlier evidence (CURL)" in view.report.value


def test_notebook_03s_export_panel_offers_the_saved_evidence_beside_or_instead_of_calls(sim):
    import zipfile

    from diag.app.widgets.export import NO_CALLS, ExportModel, ExportView

    session = connect(simulator=sim)
    session.call({"phoneNumber": "+13175550161"})
    evidence = EvidenceView(EvidenceModel(ComposerModel("", session=session)))
    evidence.paste.value = CURL
    evidence.read_button.click()
    evidence.add_button.click()
    panel = ExportView(ExportModel(session))
    newest = panel.evidence.options[1]   # after "none": newest first
    assert newest[1] == str(evidence.model.saved) and "customer evidence (CURL, sanitised)" in newest[0]
    panel.evidence.value = newest[1]
    panel.export_button.click()
    assert panel.error.value == ""
    with zipfile.ZipFile(panel.model.last_path) as z:
        both = z.read("summary.md").decode()
    assert "## Requests" in both and "## The customer's evidence" in both
    panel.source.value = NO_CALLS
    panel.export_button.click()
    with zipfile.ZipFile(panel.model.last_path) as z:
        alone = z.read("summary.md").decode()
    assert "Calls made from diag: none" in alone and "## The customer's evidence" in alone
    # the saved copy holds pseudonyms: the doctor says so instead of judging their digits
    from diag.core.inspect import inspect
    from diag.reports.bundle import sanitised_har
    valid = CURL.replace('{"to": {"phoneNumber": "+13175550161"}}', '{"phoneNumber": "317 555 0161"}')
    assert "phone-formatting" in [f["code"] for f in inspect(valid).diagnoses[0].findings]
    stored = inspect(sanitised_har(inspect(valid))[0].decode()).diagnoses[0]
    assert [f["code"] for f in stored.findings] == ["pseudonymised-number"]
    # ... which is diag's refusal of its own pseudonym, not Genesys': no failure the picker did not count
    assert not stored.failed


def test_a_ticket_from_a_saved_copy_says_what_the_picker_and_the_composer_said(sim):
    """A cURL whose body Genesys takes, added to the ticket, then exported from its sanitised copy alone: the
    picker, the composer's ticket line and the ticket name the same kind and count the same failures, with no time
    made up (the ticket said HAR, 1 failed by the pseudonym in the copy, and a request at 1970-01-01)."""
    import zipfile

    from diag.app.widgets.export import NO_CALLS, ExportModel

    for body, failed in (('{"phoneNumber": "+13175550161"}', 0), ('{"to": {"phoneNumber": "+13175550161"}}', 1)):
        curl = CURL.replace('{"to": {"phoneNumber": "+13175550161"}}', body)
        composer = ComposerModel("", session=connect(simulator=sim))
        evidence = EvidenceModel(composer)
        evidence.read(curl)
        evidence.add_to_ticket()
        composer.publish()
        assert f"the customer's evidence (CURL, 1 Genesys request(s), {failed} failed)" in composer.ticket_view
        export = ExportModel(composer.session)
        label, path = export.evidence_sources()[1]
        assert f"customer evidence (CURL, sanitised) · 1 Genesys request(s), {failed} failed" in label
        export.set_evidence(path)
        export.set_source(NO_CALLS)
        with zipfile.ZipFile(export.export()) as z:
            case, summary = z.read("case.txt").decode(), z.read("summary.md").decode()
        assert case.splitlines()[0].endswith(f"the customer's evidence (CURL, 1 Genesys request(s), {failed} failed)")
        assert f"Genesys requests: 1 ({failed} failed)" in summary and "1970" not in case + summary


def test_a_saved_evidence_that_went_bad_is_a_message_and_strangers_are_not_offered(sim, tmp_path):
    import os

    from diag.app.widgets.export import ExportModel, ExportView
    from diag.core.workspace import home, save_evidence
    from diag.reports.bundle import sanitised_har
    from diag.core.inspect import inspect

    good = save_evidence(sanitised_har(inspect(CURL))[0], "curl", 1, 1)
    folder = home() / "evidence"
    raw = tmp_path / "customer.har"
    raw.write_text('{"log": {"version": "1.2", "creator": {"name": "Chrome"}, "entries": []}}')
    (folder / "2026-01-01T00-00-00Z_har_999-requests_0-failed.har").write_bytes(raw.read_bytes())   # renamed raw
    (folder / "2026-01-01T00-00-01Z_har_5-requests_0-failed.har").symlink_to(raw)                  # a link to it
    (folder / "2026-01-01T00-00-02Z_har_1-requests_1-failed.har").symlink_to(tmp_path / "gone")    # dangling
    os.mkfifo(folder / "2026-01-01T00-00-03Z_har_1-requests_1-failed.har")                          # a pipe
    panel = ExportView(ExportModel(connect(simulator=sim)))
    offered = [v for _, v in panel.evidence.options if v]
    assert str(good) in offered and not any("2026-01-01" in v for v in offered)
    panel.evidence.value = str(good)
    assert panel.error.value == ""
    good.write_bytes(b"{not json")   # changed after it was listed
    panel.export_button.click()
    assert panel.model.last_path is None and "JSON" in panel.error.value and "not json" not in panel.error.value


def test_an_emergency_number_from_the_evidence_is_never_dialled(sim):
    """The path an attacker tries first: a customer's HAR holding 911, opened in the composer, then Send. The
    composer's gate refuses it as it refuses a typed one; the simulator places no call."""
    composer = ComposerView(ComposerModel("", session=connect(simulator=sim)))
    view = EvidenceView(EvidenceModel(composer.model), on_change=composer.refresh)
    view.paste.value = CURL.replace('{"to": {"phoneNumber": "+13175550161"}}', '{"phoneNumber": "9-1-1"}')
    view.read_button.click()
    assert view.failing.options   # the doctor refuses it: it is offered as a failing call
    view.open_button.click()
    composer.send_button.click()
    assert "emergency" in composer.error.value and sim.calls_placed == 0


def test_the_evidence_is_a_table_failures_first_each_explained_with_its_corrected_body():
    """One row per Genesys request, failures first, the correlation id whole (never wrapped mid-id), a one-line why
    that expands to the explanation and the corrected body, a timing bar; a cURL command is 'not answered'."""
    from pathlib import Path

    from bs4 import BeautifulSoup

    har = (Path(__file__).resolve().parents[2] / "docs" / "examples" / "customer.har").read_text()
    view = EvidenceView(EvidenceModel())
    view.paste.value = har
    view.read_button.click()
    table = BeautifulSoup(view.report.value, "html.parser").select_one("table.diag-evidence-table")
    rows = table.select("tr.diag-evidence-row")
    inspection = view.model.inspection
    assert len(rows) == len(inspection.diagnoses)
    failed = [("diag-failed" in r["class"]) for r in rows]
    assert failed == sorted(failed, reverse=True) and any(failed)          # failures first
    for row, d in zip(rows, sorted(inspection.diagnoses, key=lambda d: (not d.failed, d.index))):
        cid = row.select_one("code.diag-cid")
        assert cid.get_text() == (d.correlation_id or "-") and "nowrap" in cid["style"]
    whys = table.select("tr.diag-evidence-why")
    assert [w.find_previous_sibling("tr") for w in whys] == rows           # each request's why right under it
    assert whys[0].select_one("details summary").get_text().strip()        # a one-line why
    assert all(w.select_one("td[colspan]") for w in whys)                  # the table's whole width
    fixes = [d for d in inspection.diagnoses if d.corrected() is not None]
    if fixes:
        assert "Corrected body" in view.report.value
    assert all(r.select("td")[-1].select("div") for r in rows)              # every row has its timing bar
    assert len(view.charts.outputs) == 2
    view.paste.value = har                                                  # the same evidence again
    view.read_button.click()
    assert len(view.charts.outputs) == 2                                    # the charts are replaced, not lost
    view.paste.value = CURL
    view.read_button.click()
    assert "not answered (command only)" in view.report.value
    assert "3175550161" not in view.report.value and TOKEN not in view.report.value


def _har_of(*entries):
    from tests.unit.test_inspect_evidence import har
    return har(list(entries))


def test_the_table_shows_every_cell_as_a_pseudonym_and_odd_times_are_a_message():
    """A helper's probes: the correlation id and code cells skipped the pseudonyms, and a start time outside
    what a chart can draw raised out of the panel (no message, no ticket)."""
    from tests.unit.test_inspect_evidence import entry

    calls = "https://api.mypurecloud.ie/api/v2/conversations/calls"
    e = entry("POST", calls, 400, body={"phoneNumber": "+13175550161"},
              answer={"code": "bad.request", "status": 400, "message": "m"})
    e["response"]["headers"] = [{"name": "ININ-Correlation-Id", "value": "call +1 317 555 0161 grace.hopper@example.com"}]
    view = EvidenceView(EvidenceModel())
    view.paste.value = _har_of(e)
    view.read_button.click()
    assert "555 0161" not in view.report.value and "grace.hopper" not in view.report.value
    for when in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"):
        odd = entry("GET", "https://api.mypurecloud.ie/api/v2/users/me", 200, answer={"id": "x"})
        odd["startedDateTime"] = when
        view = EvidenceView(EvidenceModel())
        view.paste.value = _har_of(odd)
        view.read_button.click()                       # no exception out of the button
        assert "1 Genesys request(s)" in view.report.value and view.error.value == ""
        view.export_button.click()                     # a ticket can still be made of it
        assert view.error.value == "" and view.model.bundle is not None


def test_a_name_under_a_misnamed_key_is_a_person_in_the_panel_and_the_ticket():
    from tests.unit.test_inspect_evidence import entry

    calls = "https://api.mypurecloud.ie/api/v2/conversations/calls"
    view = EvidenceView(EvidenceModel())
    view.paste.value = _har_of(entry("POST", calls, 400, body={"to": "+1 (317) 555-0161", "from": "Grace Hopper"},
                                     answer={"code": "bad.request", "status": 400}))
    view.read_button.click()
    assert "Hopper" not in view.report.value
    view.export_button.click()
    import zipfile
    with zipfile.ZipFile(view.model.bundle.path) as z:
        assert not [n for n in z.namelist() if b"Hopper" in z.read(n)]


def test_an_accepted_request_never_reads_as_refused_under_its_green_status():
    """A 200 whose body diag's model would refuse: its why says Genesys accepted it and the model disagreed (it
    read "Genesys refuses this (modelled)" under a green 200)."""
    from tests.unit.test_inspect_evidence import entry, har

    m = EvidenceModel()
    m.read(har([entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 200,
                      body={"to": "+13175550161"}, answer={"id": "c1"})]))
    m.publish()
    why = re.search(r"<tr class='diag-evidence-why'.*?</tr>", m.report, re.S).group(0)
    assert "Genesys accepted this (200)" in why and "refuses" not in why


def test_a_tel_uri_pseudonym_in_a_saved_copy_is_known_as_one():
    """A sanitised copy writes tel:+13175550161 as tel:+1-PN...: the doctor knows it for diag's pseudonym (never
    dialled) instead of calling it an invalid number (a review)."""
    from diag.core.inspect import inspect
    from diag.reports.bundle import sanitised_har

    tel = CURL.replace('{"to": {"phoneNumber": "+13175550161"}}', '{"phoneNumber": "tel:+13175550161"}')
    stored = inspect(sanitised_har(inspect(tel))[0].decode()).diagnoses[0]
    codes = [f["code"] for f in stored.findings]
    assert "pseudonymised-number" in codes and "phone-invalid" not in codes and not stored.failed
