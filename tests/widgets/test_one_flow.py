"""Issue #16's walk in notebook 01 alone, driven through the composer's widgets: a wrong body, Fix it, Send, the
server's answer first, Follow, Add to ticket, Export, and a download that holds that call."""
import base64
import io
import json
import re
import zipfile

from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.client.connect import connect

WRONG = '{"to": {"phoneNumber": "+1 317 555 0100"}, "type": "external"}'


def test_wrong_body_to_downloaded_ticket_in_the_composer(sim):
    view = ComposerView(ComposerModel(WRONG, session=connect(simulator=sim)))
    view.send_button.click()                                     # sent as it stands: the server's own answer
    refused = view.model.last_exchange
    assert refused.status == 400 and "HTTP 400 Bad Request" in view.result.value
    assert refused.correlation_id in view.result.value
    assert "diag-errorbody" in view.result.value and refused.response_body["message"][:20] in view.result.value
    assert view.follow_button.disabled
    view.fix_button.click()
    assert "diag-stale" in view.result.value                     # the old answer is marked, not passed off
    view.send_button.click()
    created = view.model.last_exchange
    assert created.status == 200 and "diag-stale" not in view.result.value
    assert f"#{created.seq}" in view.result.value and " UTC" in view.result.value
    assert not view.follow_button.disabled
    view.follow_button.click()
    assert view.model.trace is not None and view.model.trace.ended and "ended:" in view.result.value
    view.add_button.click()
    assert f"#{created.seq}" in view.ticket.value
    view.export_button.click()
    assert view.error.value == ""
    link = re.search(r"href='data:application/zip;base64,([^']+)'", view.ticket.value)
    assert link and "Saved at" in view.ticket.value
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(link.group(1)))) as z:
        manifest = json.loads(z.read("manifest.json"))
        records = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert [r["correlation_id"] for r in records] == [created.correlation_id]
    assert manifest["exchanges"] == 1 and "+13175550100" not in json.dumps(records)


def test_history_shows_calls_first_and_plumbing_on_request(sim):
    s = connect(simulator=sim)
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=s))
    s.send("GET", "/api/v2/users/me")
    view.send_button.click()
    rows = [label for label, _ in view.history.options]
    assert len(rows) == 1 and "POST /api/v2/conversations/calls" in rows[0] and " UTC " in rows[0]
    view.plumbing.value = True
    assert any("GET /api/v2/users/me" in label for label, _ in view.history.options)
    view.history.value = (view.history.options[-1][1],)      # a click shows that row's answer
    assert "diag-response" in view.selected_view.value


def test_a_new_connection_clears_the_old_answer_and_keeps_the_ticket(sim):
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=connect(simulator=sim)))
    view.send_button.click()
    view.add_button.click()
    assert "HTTP 200" in view.result.value and view.ticket.value
    view.set_session(connect(simulator=sim))
    assert view.result.value == "" and view.history.options == ()      # the old answer is not the new org's
    assert "1 exchange(s)" in view.ticket.value and "previous connection" in view.ticket.value   # nothing lost


def test_genesys_side_after_follow_is_shown_pseudonymised_and_joins_the_ticket(sim):
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550101"}', session=connect(simulator=sim)))
    assert view.genesys_button.disabled
    view.send_button.click()
    assert view.genesys_button.disabled                         # Follow first: the call must have ended
    view.follow_button.click()
    assert not view.genesys_button.disabled
    view.genesys_button.click()
    assert view.error.value == "" and "Genesys' side" in view.result.value
    side = view.result.value.split("<details class='diag-genesys'", 1)[1].split("</details>", 1)[0]
    assert "SIP 486" in side and "errorCode diag.sim.busy" in side
    assert "3175550101" not in side                             # Genesys' records of the number: pseudonymised
    view.add_button.click()
    view.export_button.click()
    link = re.search(r"href='data:application/zip;base64,([^']+)'", view.ticket.value)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(link.group(1)))) as z:
        names = z.namelist()
        summary = z.read("summary.md").decode()
    assert any(n.startswith("genesys/01-") for n in names) and "Genesys' side of conversation" in summary


def test_the_pcap_checkbox_saves_the_capture_beside_the_tickets_and_never_in_one(sim):
    import os
    from pathlib import Path

    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550104"}', session=connect(simulator=sim)))
    assert view.pcap.disabled and not view.pcap.value          # never by default
    view.send_button.click()
    view.follow_button.click()
    view.pcap.value = True
    view.genesys_button.click()
    assert view.error.value == ""
    pcap = view.model.genesys.pcap
    assert pcap.ok and pcap.file.parent == Path(os.environ["DIAG_HOME"]) / "tickets"
    assert pcap.file.name in view.result.value and "never puts it in a ticket" in view.result.value
    view.add_button.click()
    view.export_button.click()
    link = re.search(r"href='data:application/zip;base64,([^']+)'", view.ticket.value)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(link.group(1)))) as z:
        assert not any(n.endswith(".pcap") for n in z.namelist())
        assert f"its PCAP was saved beside this ticket as {pcap.file.name}" in z.read("summary.md").decode()


def test_the_ticket_tells_the_story_of_the_call(sim):
    """The ticket holds the story, not only the last request: the body as the person wrote it, what Fix it changed,
    the answer, and how the call ended; numbers as pseudonyms in every part of it."""
    view = ComposerView(ComposerModel('{"to": {"phoneNumber": "+1 317 555 0177"}, "type": "external"}',
                                      session=connect(simulator=sim)))
    view.fix_button.click()
    view.send_button.click()
    sent = view.model.last_exchange
    assert sent.status == 200 and sent.written_as == {"to": {"phoneNumber": "+1 317 555 0177"}, "type": "external"}
    assert any(n.startswith("Fix it changed the body before it was sent") for n in sent.notes)
    view.follow_button.click()
    view.add_button.click()
    view.export_button.click()
    link = re.search(r"href='data:application/zip;base64,([^']+)'", view.ticket.value)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(link.group(1)))) as z:
        page = z.read("report.html").decode()
        (record,) = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert "The body as first written" in page and "Fix it changed the body" in page
    assert "How the call ended (Follow)" in page and "disconnectType" in page
    assert "3175550177" not in page and "555 0177" not in page and "555 0177" not in json.dumps(record)
    assert record["written_as"]["type"] == "external" and "PN" in json.dumps(record["written_as"])
    view.model.set_text('{"phoneNumber": "+13175550178"}')   # typed by hand: no Fix it story any more
    view.send_button.click()
    assert view.model.last_exchange.written_as is None
