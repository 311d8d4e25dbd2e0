"""Drive the composer panel from Python as a person would: type, paste, edit the form, Fix it, Send."""
import json
import re

import pytest

from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.client.connect import connect

CLASSIC_WRONG = {
    "to/from": '{"to": {"phoneNumber": "+13175550100"}, "from": {"phoneNumber": "+13175550199"}}',
    "forum curly quotes": '{\u201cto\u201d: \u201c+13175550100\u201d, \u201ctype\u201d: \u201cexternal\u201d}',
    "participants type external": '{"participants": [{"type": "external", "to": "+13175550100"}]}',
    "to as a list with tel:": '{"to": ["tel:+1-317-555-0100"]}',
    "address + addressType": '{"to": {"address": "+13175550100", "addressType": "PHONE"}}',
    "single quotes and trailing comma": "{'to': '+13175550100', 'mediaType': 'voice',}",
    "metadata and queueId": '{"to": "+13175550100", "queueId": "q-1", "metadata": {"case": 7}}',
}


@pytest.fixture
def view(sim):
    return ComposerView(ComposerModel("", session=connect(simulator=sim)))


@pytest.mark.parametrize("text", CLASSIC_WRONG.values(), ids=CLASSIC_WRONG.keys())
def test_paste_each_classic_wrong_body_see_findings_then_fix(view, text):
    view.raw.value = text
    assert "unknown-field" in view.findings.value
    assert not view.fix_button.disabled
    view.fix_button.click()
    body = json.loads(view.raw.value)
    assert body["phoneNumber"] == "+13175550100"
    assert view.model.report.valid
    assert "moved" in view.changes.value
    assert view.mode.value == "phone number" and view.destination.value == "+13175550100"


def test_form_and_raw_json_stay_in_sync(view):
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.fields["callerId"].value = "+13175550199"
    view.fields["priority"].value = "5"
    view.fields["attributes"].value = "case=42\nvip=yes"
    body = json.loads(view.raw.value)
    assert body == {"phoneNumber": "+13175550100", "callerId": "+13175550199", "priority": 5,
                    "attributes": {"case": "42", "vip": "yes"}}
    assert "queue-field-without-queue" in view.findings.value
    view.raw.value = '{"callQueueId": "q-1", "routingSkillsIds": ["a", "b"], "callerIdName": "Acme"}'
    assert view.mode.value == "queue" and view.destination.value == "q-1"
    assert view.fields["routingSkillsIds"].value == "a, b" and view.fields["callerIdName"].value == "Acme"
    assert view.fields["callerId"].value == ""


def test_switching_destination_kind_moves_the_value(view):
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.mode.value = "conference"
    assert json.loads(view.raw.value) == {"participants": [{"address": "+13175550100"}]}
    view.destination.value = "+13175550100\nuser:u-1"
    assert json.loads(view.raw.value)["participants"] == [{"address": "+13175550100"}, {"userId": "u-1"}]


def test_form_value_of_the_wrong_type_is_kept_and_flagged(view):
    view.raw.value = '{"callQueueId": "q"}'
    view.fields["priority"].value = "high"
    assert json.loads(view.raw.value)["priority"] == "high"
    assert "invalid-type" in view.findings.value


def test_invalid_json_keeps_the_text_and_shows_where(view):
    text = '{"phoneNumber": "+13175550100"\n "x": 1}'
    view.raw.value = text
    assert view.raw.value == text
    assert "line 2, column 2" in view.findings.value and view.fix_button.disabled


def test_send_shows_status_correlation_id_and_rate_limit(view, sim):
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.send_button.click()
    ex = view.model.last_exchange
    assert ex.status == 200
    assert "HTTP 200" in view.result.value and ex.correlation_id in view.result.value
    assert re.search(r"Rate limit: <span class='diag-ratelimit'>\d+ of 300 used, resets in \d+ s", view.result.value)
    assert f"#{ex.seq}" in view.result.value and " UTC" in view.result.value
    assert ex.seq in [seq for _, seq in view.history.options]
    assert "simulator" in view.header.value and "Avery Agent" in view.header.value


def test_send_wrong_body_shows_the_server_error_explained(view):
    view.raw.value = '{"to": "+13175550100"}'
    view.send_button.click()
    assert "HTTP 400" in view.result.value and "bad.request" in view.result.value


def test_emergency_number_is_refused_in_the_panel(view, sim):
    view.raw.value = '{"phoneNumber": "911"}'
    view.send_button.click()
    assert "emergency" in view.error.value and sim.calls_placed == 0
    assert view.model.last_error


def test_resend_selected(view, sim):
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.send_button.click()
    view.history.value = (view.model.last_exchange.seq,)
    view.resend_button.click()
    calls = [label for label, _ in view.history.options if "POST /api/v2/conversations/calls" in label]
    assert sim.calls_placed == 2 and len(calls) == 2


def test_real_org_asks_with_org_region_and_number_then_sends_once(real_org_session, sim):
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=real_org_session))
    assert "REAL ORG" in view.header.value and view.confirm.layout.display == "none"
    view.send_button.click()
    assert sim.calls_placed == 0 and view.confirm.layout.display == "flex"
    prompt = view.confirm_text.value
    assert "+13175550100" in prompt and "us_east_1" in prompt and "Simulated Org" in prompt
    view.confirm_yes.click()
    assert "HTTP 200" in view.result.value and sim.calls_placed == 1
    assert view.confirm.layout.display == "none"


def test_a_yes_is_never_sticky(real_org_session, sim):
    """The old checkbox stayed ticked: later numbers, re-sends and other orgs went out unconfirmed."""
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=real_org_session))
    view.send_button.click()
    view.confirm_yes.click()
    assert sim.calls_placed == 1
    view.raw.value = '{"phoneNumber": "+13175550104"}'      # another number: asks again
    view.send_button.click()
    assert sim.calls_placed == 1 and "+13175550104" in view.confirm_text.value
    view.confirm_no.click()
    assert sim.calls_placed == 1 and view.model.pending is None
    view.history.value = (view.history.options[0][1],)    # a re-send asks again too
    view.resend_button.click()
    assert sim.calls_placed == 1 and view.model.pending is not None


def test_a_body_changed_after_the_prompt_is_asked_again(real_org_session, sim):
    model = ComposerModel('{"phoneNumber": "+13175550100"}', session=real_org_session)
    model.send()
    intent = model.pending
    model.text = '{"phoneNumber": "+13175550104"}'          # changed behind the prompt's back
    model.report = model.set_text(model.text)
    model.pending, model.pending_action = intent, ("send",)
    model.confirm_pending()
    assert sim.calls_placed == 0 and model.pending is not None and "+13175550104" in model.pending.prompt()


def test_callback_errors_are_shown_not_silent(view):
    view.model.session = None
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.send_button.click()
    assert "Not connected" in view.error.value and view.model.last_error


def test_the_doctor_runs_once_per_body_not_once_per_send(sim, monkeypatch):
    """The composer's report, computed as the person types, is carried with the send (it used to run again in
    Session.call, and a third time after a confirmation)."""
    import diag.client.session as session_module
    from diag.app.widgets.composer import ComposerModel
    from diag.client.connect import connect

    s = connect(simulator=sim)
    model = ComposerModel('{"phoneNumber": "+13175550100"}', session=s)
    ran = []
    monkeypatch.setattr(session_module.Session, "_findings", staticmethod(lambda body: ran.append(body) or []))
    ex = model.send()
    assert ex.status == 200 and ran == []
    assert ex.findings == [f.to_dict() for f in model.report.findings]


def test_fix_it_on_a_masked_body_sends_the_corrected_spelling_and_shows_only_its_pseudonym(sim):
    from diag.app.widgets.common import Masked
    from diag.app.widgets.composer import ComposerModel
    from diag.client.connect import connect

    real = '{"phoneNumber": "+1 317 555 0187", "priority": "high"}'
    masked = Masked({"+1-PN0000BEEF": "+1 317 555 0187"})
    model = ComposerModel("", session=connect(simulator=sim))
    model.open_masked(masked.mask(real), masked)
    assert "317" not in model.text and "317" not in model.findings_html()
    assert model.apply_fix()
    assert "317" not in model.text and "+1-PN0000BEEF" in model.text
    assert model._to_send()["phoneNumber"] == "+13175550187"   # the corrected spelling is what is sent


def test_a_new_connection_keeps_the_ticket_being_built_and_names_where_the_history_went(sim, tmp_path):
    """Nothing lost: a connection change once wiped the History and the ticket silently. The ticket stays (and
    exports from the session its calls went through), adding another org's call to it is refused with what to do,
    and the old History is named with the file it is saved in."""
    import zipfile

    from diag.sim import Simulator

    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}', session=connect(simulator=sim)))
    view.send_button.click()
    first = view.model.last_exchange
    view.add_button.click()
    old_log = view.model.session.log.autosave
    other = connect(simulator=Simulator(seed=9))
    view.set_session(other)
    m = view.model
    assert m.last_exchange is None and "HTTP 200" not in view.result.value          # the old answer went
    assert m.ticket == [first.seq] and "from the previous connection" in view.ticket.value
    assert "1 call(s)" in view.previous.value and str(old_log) in view.previous.value
    view.send_button.click()                                                        # a call on the new connection
    assert m.last_exchange.seq == first.seq and "[ticket]" not in str(view.history.options)   # same number, not it
    view.add_button.click()
    assert "previous connection" in view.error.value and "Clear ticket" in view.error.value
    assert m.ticket == [first.seq]
    m.export_ticket(tmp_path / "kept.zip")
    with zipfile.ZipFile(tmp_path / "kept.zip") as z:
        jsonl = z.read("exchanges.jsonl").decode()
    assert first.correlation_id in jsonl and m.last_exchange.correlation_id not in jsonl
    view.clear_button.click()
    assert m.ticket == [] and view.clear_button.disabled
    view.add_button.click()
    assert m.ticket == [m.last_exchange.seq] and view.error.value == ""


def test_a_paste_that_is_not_json_as_written_is_sent_as_the_verdict_judges_it(view):
    """The verdict is about the text as written (Genesys refuses it): Send sends that text, and the simulator
    answers 400 as the verdict said; Fix it writes the repaired body, which is placed (Send sent the repaired body
    under "Genesys refuses this", and Fix it was offered nothing)."""
    view.raw.value = '{"phoneNumber": "+13175550100",}'
    assert view.model.report.verdict == "refused" and "invalid-json" in view.findings.value
    view.send_button.click()
    assert view.model.last_exchange.status == 400
    assert not view.fix_button.disabled
    view.fix_button.click()
    assert json.loads(view.raw.value) == {"phoneNumber": "+13175550100"} and view.model.report.valid
    view.send_button.click()
    assert view.model.last_exchange.status == 200


def test_the_ticket_line_names_the_last_answer_export_takes_when_none_was_added(view):
    """Export takes the last answer when no exchange was added: the ticket line says so (it named only the
    customer's evidence while the zip held the last call too)."""
    view.raw.value = '{"phoneNumber": "+13175550100"}'
    view.send_button.click()
    seq = view.model.last_exchange.seq
    view.model.publish()
    assert f"Ticket: the last answer (#{seq}), as no exchange was added" in view.model.ticket_view
    bundle = view.model.export_ticket()
    assert bundle.manifest["exchanges"] == 1


def test_the_models_refusal_is_never_worded_as_genesys_own_unless_documented(view):
    """A refusal the model infers is "the model's message (modelled)", never "Genesys' message"."""
    from diag.core.doctor import check
    from diag.app.widgets.common import findings_html

    modelled = check({"to": "+13175550100"})
    assert modelled.prediction.evidence != "documented" and not modelled.prediction.ok
    assert "The model's message (modelled)" in findings_html(modelled)
    assert "Genesys' message" not in findings_html(modelled)
    from diag.core.doctor import check_text

    documented = check_text('{"phoneNumber": "+13175550100",}')   # unreadable JSON: a documented 400
    assert documented.prediction.evidence == "documented" and not documented.prediction.ok
    assert "Genesys' message" in findings_html(documented)


def test_a_text_that_is_not_json_is_never_sent_to_a_real_org_and_says_press_fix_it(real_org_session, sim):
    """To a real org diag sends no body that is not JSON (the gate would refuse it): the composer says so in the
    finding's words and points to Fix it, asks no confirmation, and nothing leaves (a review found the gate's
    "the body is not JSON" under a finding saying Genesys refuses it, and no way forward named)."""
    view = ComposerView(ComposerModel("", session=real_org_session))
    view.raw.value = '{"phoneNumber": "+13175550100",}'
    view.send_button.click()
    assert sim.calls_placed == 0 and view.confirm.layout.display == "none"
    assert "Not sent to a real org: the text is not JSON as written" in view.error.value
    assert "Press Fix it" in view.error.value
    view.fix_button.click()
    view.send_button.click()
    assert view.confirm.layout.display == "flex"   # the repaired body: asked for as any call is


def test_a_json_string_holding_a_body_is_sent_as_the_text_that_was_checked(view, sim):
    """'"{\\"phoneNumber\\": ...}"' is a JSON string, which the doctor refuses (not an object): Send sends that very
    text, never the body inside the string (a review found the call placed, 200, under "refused")."""
    view.raw.value = '"{\\"phoneNumber\\": \\"+13175550100\\"}"'
    assert view.model.report.verdict == "refused" and "body-not-object" in view.model.report.codes()
    view.send_button.click()
    assert sim.calls_placed == 0 and view.model.last_exchange.status == 400
