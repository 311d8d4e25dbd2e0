"""The evidence panel: paste or upload, read sanitised, open a failing call in the composer, export a ticket."""
import datetime as dt
import json
import re

from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.app.widgets.evidence import EvidenceModel, EvidenceView
from diag.client.session import connect

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
    assert json.loads(composer.raw.value) == {"to": {"phoneNumber": "+13175550161"}}
    assert "$.to" in composer.findings.value
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
