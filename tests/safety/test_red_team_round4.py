"""Fourth red-team pass (the gate read by every operation's model): each probe as the attacker wrote it, and what
must happen instead. A session treated as a real org, on the in-process simulator: nothing can ring."""
from __future__ import annotations

import pytest

from diag.core import doctor
from diag.core.errors import BlockedNumber, NumberNotAllowed, SafetyError, UnsafeRequest
from diag.sim import Simulator

from .conftest import sessions, yes

C = "/api/v2/conversations/calls"
A = "+13175550100"
LIST = "c0000000-0000-4000-8000-0000000000d1"     # the simulator's contact list (org.json): phone columns Cell, Home


@pytest.fixture
def sim():
    return Simulator(seed=41, overrides={"rate_limit": {"requests": 10 ** 9, "window_seconds": 60}})


def outcome(session, method, path, body) -> str:
    try:
        session.confirm_for(method, path, body)
        return "sent"
    except SafetyError as exc:
        return type(exc).__name__


# F1: every URI of a dialled value is read, and a second destination is no allow-listed one
@pytest.mark.parametrize("value", ["sip:+13175550100@host <sip:911@x>", "sip:+13175550100@h\nsip:911@h",
                                   "+13175550100@h 911", "tel:+13175550100@x <tel:911>",
                                   "<sip:+13175550100@h>, <sip:911@h>", "sip:+13175550100@h <tel:112>",
                                   '"911" <sip:+13175550100@x>'])
def test_every_address_in_a_dialled_value_is_read(sim, value):
    for s in sessions(sim, allowed_numbers=[A]):
        for path, body in [(C, {"phoneNumber": value}), ("/api/v2/conversations/c-1/participants/p-1/replace",
                                                         {"address": value}),
                           ("/api/v2/users/u-1/callforwarding", {"calls": [{"targets": [{"type": "PHONENUMBER",
                                                                                           "value": value}]}]})]:
            with pytest.raises(BlockedNumber):
                s.send("POST" if path != "/api/v2/users/u-1/callforwarding" else "PUT", path, body, confirm=yes)
    assert sim.calls_placed == 0


def test_a_sip_uri_is_its_own_allow_list_entry(sim):
    """The host decides where a SIP call rings: a listed number at another host is another destination."""
    plain, real = sessions(sim, allowed_numbers=[A, "sip:+13175550104@edge.example"])
    for s in (plain, real):
        with pytest.raises(NumberNotAllowed):
            s.confirm_for("POST", C, {"phoneNumber": "sip:+13175550100@elsewhere.example"})
        s.confirm_for("POST", C, {"phoneNumber": "sip:+13175550104@EDGE.example"})
    with pytest.raises(BlockedNumber):   # two addresses in one value: one destination per value, on a real org
        real.confirm_for("POST", C, {"phoneNumber": "<sip:+13175550104@edge.example>, <sip:+13175550100@h>"})


# F2, F3: emergency services by URN or SOS user; letters glued in front of an emergency number
@pytest.mark.parametrize("value", ["urn:service:sos", "urn:service:sos.police", "sip:sos@carrier.example", "tel:sos",
                                   "Call911", "dial911", "Help112", "Fire999", "Police110"])
def test_sos_addresses_and_words_glued_to_an_emergency_number(sim, value):
    for s in sessions(sim):
        assert outcome(s, "POST", C, {"phoneNumber": value}) == "BlockedNumber"
    assert doctor.check({"phoneNumber": value}).blocked


# F4: a key a lenient binder takes for a dialled field is read as that field
@pytest.mark.parametrize("body", [{"PhoneNumber": "Call 911 now"}, {"PHONENUMBER": "911 (fire)"},
                                  {"phone_number": "911"}, {"participants": [{"Address": "Call 911"}]}])
def test_near_miss_keys_are_read_as_the_field(sim, body):
    for s in sessions(sim):
        assert outcome(s, "POST", C, body) == "BlockedNumber"
    assert doctor.check(body).blocked


def test_a_campaign_status_in_another_spelling_still_starts_it(sim):
    _, listed = sessions(sim, allowed_numbers=[A])
    with pytest.raises(NumberNotAllowed):
        listed.confirm_for("PUT", "/api/v2/outbound/campaigns/c1", {"campaignStatus": "off", "CampaignStatus": "on"})


# F5: users and queues named by name, in a path, or as routing preferences
@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v2/conversations/c1/participants/p1/replace", {"userName": "Jane Other"}),
    ("POST", "/api/v2/conversations/c1/participants/p1/replace/agent", {"userDisplayName": "Jane Other"}),
    ("POST", "/api/v2/conversations/c1/participants/p1/replace/queue", {"queueName": "Other Queue"}),
    ("POST", f"{C}/c1/participants/p1/consult/queue", {"queueName": "Other Queue"}),
    ("POST", f"{C}/c1/participants/p1/consult", {"destination": {"name": "Jane Other"}}),
    ("POST", "/api/v2/conversations/callbacks", {"callbackNumbers": [A], "routingData": {
        "queueId": "q-allowed", "preferredAgentIds": ["u-other"]}}),
    ("POST", "/api/v2/conversations/callbacks", {"callbackNumbers": [A], "routingData": {
        "queueId": "q-allowed", "scoredAgents": [{"agent": {"id": "u-other"}, "score": 100}]}}),
    ("POST", f"{C}/user/u-other", {"phoneNumber": A}),
    ("POST", f"{C}/c1/participants/user/u-other", {"participants": [{"address": A}]}),
    ("PATCH", "/api/v2/users/u-allowed/callforwarding", {"enabled": True}),
])
def test_allow_lists_hold_for_names_paths_and_routing(sim, method, path, body):
    for s in sessions(sim, allowed_numbers=[A], allowed_users=["u-allowed"], allowed_queues=["q-allowed"]):
        assert outcome(s, method, path, body) == "NumberNotAllowed"


def test_a_name_beside_an_allowed_id_is_a_label(sim):
    _, real = sessions(sim, allowed_numbers=[A], allowed_users=["u-allowed"])
    intent = real.confirm_for("POST", f"{C}/c1/participants/p1/consult",
                              {"destination": {"userId": "u-allowed", "name": "Jane"}, "speakTo": "BOTH"})
    assert "user u-allowed" in intent.prompt()
    intent = sessions(sim)[1].confirm_for("POST", "/api/v2/conversations/c1/participants/p1/replace",
                                          {"userName": "Jane Other"})
    assert "user named 'Jane Other'" in intent.prompt()


# F6: what can dial anyone (a data action, a flow) and what writes a dialler's columns
@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v2/integrations/actions/a1/execute", {"toAddress": "911", "textBody": "x"}),
    ("POST", "/api/v2/flows/executions", {"flowId": "f1", "inputData": {"Flow.PhoneNumber": "911"}}),
    ("POST", "/api/v2/outbound/rulesets", {"name": "r", "rules": [{"name": "x", "category": "DIALER_PRECALL",
                                                                    "actions": [{"actionTypeName":
                                                                                 "MODIFY_CONTACT_ATTRIBUTE",
                                                                                 "properties": {"phone": "911"}}]}]}),
    ("POST", "/api/v2/outbound/digitalrulesets", {"name": "r", "rules": [{"name": "x", "actions": [
        {"updateContactColumnActionSettings": {"properties": {"phone": "911"}}}]}]}),
])
def test_actions_flows_and_rules_that_can_dial(sim, method, path, body):
    _, real = sessions(sim)
    assert outcome(real, method, path, body) == "BlockedNumber"
    if "rulesets" not in path:
        _, listed = sessions(sim, allowed_numbers=[A])
        assert outcome(listed, method, path, {"flowId": "f1"}) == "NumberNotAllowed"
        prompt = real.confirm_for(method, path, {"flowId": "f1"}).prompt()
        assert "cannot read what it will do" in prompt and "nothing in it rings" not in prompt


# F7: a stored number is checked where Genesys writes it
@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v2/externalcontacts/contacts", {"firstName": "a", "workPhone": {"display": "911"}}),
    ("PATCH", "/api/v2/users/u1", {"version": 1, "addresses": [{"extension": "911", "mediaType": "PHONE"}]}),
])
def test_stored_numbers_where_they_are_typed(sim, method, path, body):
    for s in sessions(sim):
        assert outcome(s, method, path, body) == "BlockedNumber"


# F8: what must go through
@pytest.mark.parametrize("column", [{"zip": "46204"}, {"age": 39}, {"dob": "9/11/1985"}, {"score": 100},
                                    {"account": "1120045"}])
def test_contact_columns_are_read_as_the_list_says(sim, column):
    _, real = sessions(sim)
    body = [{"data": {"Cell": A, **column}}]
    intent = real.confirm_for("POST", f"/api/v2/outbound/contactlists/{LIST}/contacts", body)
    assert A in intent.prompt()
    with pytest.raises(BlockedNumber):   # its phone columns are dialled
        real.confirm_for("POST", f"/api/v2/outbound/contactlists/{LIST}/contacts", [{"data": {"Home": "9911"}}])
    with pytest.raises(BlockedNumber):   # a list diag cannot read: every value that reads as a number counts
        real.confirm_for("POST", "/api/v2/outbound/contactlists/unknown-list/contacts",
                         [{"data": {"Cell": A, "zip": "911"}}])


@pytest.mark.parametrize("value", ["+13175550100 x555", "+13175550100 x101", "+13175550100 ext. 123",
                                   "+442079460958 x100"])
def test_an_extension_is_judged_in_its_numbers_country(sim, value):
    plain, _ = sessions(sim)
    assert outcome(plain, "POST", C, {"phoneNumber": value}) == "sent"
    assert outcome(plain, "POST", C, {"phoneNumber": "+13175550100 x911"}) == "BlockedNumber"


@pytest.mark.parametrize("digits", ["1", "12", "0", "1234#"])
def test_dtmf_menus_are_sent_and_emergency_tones_are_not(sim, digits):
    for s in sessions(sim):
        assert outcome(s, "POST", "/api/v2/conversations/c1/participants/p1/digits", {"digits": digits}) == "sent"
        assert outcome(s, "POST", "/api/v2/conversations/c1/participants/p1/digits", {"digits": "911"}) \
            == "BlockedNumber"


# F10: the doctor reads what the gate reads
def test_the_doctor_reads_duplicate_keys_the_query_and_any_case(sim):
    plain, real = sessions(sim)
    text = '{"phoneNumber":"911","phoneNumber":"+13175550100"}'
    assert outcome(plain, "POST", C, text.encode()) == "BlockedNumber"
    assert doctor.check_text(text).headline == "diag never sends this"
    assert outcome(real, "POST", C + "?x=911", {"phoneNumber": A}) == "BlockedNumber"
    report = doctor.check_for_operation("POST " + C + "?x=911", {"phoneNumber": A})
    assert any(f.code == "refused-on-real-org" for f in report.findings)
    assert doctor.check_for_operation("POST /API/V2/CONVERSATIONS/CALLS", {"phoneNumber": "911"}).blocked


def test_url_override_headers_are_refused(sim):
    _, real = sessions(sim)
    for header in ("X-Original-URL", "x-rewrite-url"):
        with pytest.raises(UnsafeRequest):
            real.send("GET", "/api/v2/users/me", headers={header: "/api/v2/conversations/calls"})
