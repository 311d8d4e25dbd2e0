"""A fourth attack on the gate (a helper's, each probe kept): a Session made by hand on a real host, methods no
operation has, operations that start what names nobody (a callback conversation's call, webhooks, bot flows),
contact columns in another spelling, letters a keypad dials, and the wording of what is not an emergency number."""
import pytest

import diag
from diag.client.auth import StaticToken
from diag.client.connect import connect
from diag.core import numbers
from diag.core.errors import BlockedNumber, ConfigError, ConfirmationRequired, NumberNotAllowed, UnsafeRequest
from diag.core.regions import Region
from diag.sim import IN_PROCESS_BASE, Simulator
from diag.transport import Response

CALLS = "/api/v2/conversations/calls"
CONTACTS = "/api/v2/outbound/contactlists/c0000000-0000-4000-8000-0000000000d1/contacts"   # phone columns Cell, Home


class Recorder:
    """A real org's transport that records every write instead of sending it (reads go to the simulator)."""

    def __init__(self, sim=None):
        self.reads = sim.transport() if sim is not None else None
        self.writes: list = []

    def send(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS") and self.reads is not None:
            return self.reads.send(request)
        self.writes.append(request)
        return Response.build(200, {"Content-Type": "application/json"}, b'{"id": "x"}')

    def close(self):
        pass


def real_org(**kw):
    sim = Simulator(seed=41, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}})
    table = {"us_east_1": Region("us_east_1", IN_PROCESS_BASE, IN_PROCESS_BASE)}
    wire = Recorder(sim)
    session = connect("us_east_1", token=sim.user_token(), regions=table, environ={}, dotenv=None, transport=wire,
                      sleep=lambda s: None, save=False, **kw)
    return session, wire


def yes(prompt):
    return True


def test_a_session_made_by_hand_on_a_real_host_is_a_real_org():
    wire = Recorder()
    s = diag.Session("https://api.mypurecloud.com", StaticToken("t0ken-by-hand"), region="us_east_1",
                     transport=wire, save=False)
    assert not s.simulated and s.label.startswith("REAL ORG")
    with pytest.raises(BlockedNumber):   # read strictly, as a real org's body is: `to` could dial 1234
        s.send("POST", CALLS, {"phoneNumber": "+13175550100", "to": "1234"})
    with pytest.raises(ConfirmationRequired):   # and a call to a real org is confirmed first
        s.send("POST", CALLS, {"phoneNumber": "+13175550100"})
    assert [r.method for r in wire.writes if r.method != "GET"] == []
    with pytest.raises(ConfigError, match="not a diag simulator"):
        diag.Session("https://api.mypurecloud.com", StaticToken("t"), region="us_east_1", simulated=True,
                     transport=wire, save=False)
    assert diag.Session("http://127.0.0.1:9", StaticToken("t"), transport=wire, save=False).simulated


@pytest.mark.parametrize("method", ["POST ", "POST\t", "PO ST", "MERGE", "PROPFIND"])
def test_a_method_no_operation_has_is_refused(method):
    s, wire = real_org()
    with pytest.raises(UnsafeRequest, match="not one the Platform API uses"):
        s.send(method, CALLS, {"phoneNumber": "911"}, confirm=yes)
    assert wire.writes == []


@pytest.mark.parametrize("body", [{}, {"phoneColumn": "Cell"}, {"callNumber": " "}])
def test_a_call_on_a_callback_conversation_that_names_no_number_is_refused_under_an_allow_list(body):
    s, wire = real_org(allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed, match="callback's own number"):
        s.send("POST", f"{CALLS}/c1", body, confirm=yes)
    assert wire.writes == []
    s.send("POST", f"{CALLS}/c1", {"callNumber": "+13175550100"}, confirm=yes)   # a listed number goes
    assert len(wire.writes) == 1


@pytest.mark.parametrize("path, body", [
    ("/api/v2/integrations/webhooks/tok1/events", {"phoneNumber": "911", "to": "112"}),
    ("/api/v2/textbots/botflows/sessions", {"flow": {"id": "f1"}, "inputData": {"variables": {"Flow.Phone": "911"}}}),
    ("/api/v2/flows/executions", {"flowId": "f1", "inputData": {"Flow.PhoneNumber": "911"}}),
])
def test_what_starts_a_workflow_or_a_bot_is_read_as_able_to_dial_anyone(path, body):
    s, wire = real_org()
    with pytest.raises(BlockedNumber) as info:
        s.send("POST", path, body, confirm=yes)
    said = str(info.value)
    assert "not a field of any operation diag knows" not in said and ".inputData` is not a field" not in said
    assert "variables` is not a field" not in said
    listed, listed_wire = real_org(allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed, match="cannot check whom it will reach"):
        listed.send("POST", path, {"note": "+442079460958"}, confirm=yes)
    assert wire.writes == [] and listed_wire.writes == []


@pytest.mark.parametrize("column", ["cell", "CELL", "Cell ", "\uff23\uff45\uff4c\uff4c"])
def test_a_phone_column_in_another_case_width_or_padding_is_read_as_that_column(column):
    s, wire = real_org()
    with pytest.raises(BlockedNumber):
        s.send("POST", CONTACTS, [{"data": {column: "911"}}], confirm=yes)
    with pytest.raises(BlockedNumber):
        s.send("PUT", CONTACTS + "/k1", {"data": {column: "112"}}, confirm=yes)
    assert wire.writes == []


def test_letters_a_keypad_dials_are_named_and_a_typed_number_confirms_only_a_call_to_it_alone():
    s, wire = real_org()
    body = {"participants": [{"address": "+13175550100"}, {"address": "JENNIFER"}]}
    with pytest.raises(ConfirmationRequired) as info:
        s.send("POST", CALLS, body, confirm="+13175550100")
    assert "letters a keypad dials as 8 digits" in str(info.value)
    prompts = []
    s.send("POST", CALLS, {"phoneNumber": "FLOWERSX"}, confirm=lambda p: prompts.append(p) or True)
    assert "(no destination found" not in prompts[0] and "letters a keypad dials" in prompts[0]
    assert len(wire.writes) == 1


@pytest.mark.parametrize("value", ["0112345678", "0121 234 5678", "030 123456", "01 23 45 67 89",
                                   "+251911234567 (mobile)"])
def test_an_account_number_or_a_national_landline_is_never_called_an_emergency_number(value):
    found = numbers.refusal(value, strict=True, dialled=True)
    assert found is not None and found.code == "emergency-prefix"   # still refused on a real org: unknown dialling
    assert "cannot tell what it dials" in found.reason
    assert "would dial the emergency number" not in found.reason and "begins with an emergency" not in found.reason
    assert numbers.refusal("911", strict=True, dialled=True).code == "emergency-number"


@pytest.mark.parametrize("value", ["urn:service:%73os", "urn:service:%2573os", "URN:SERVICE:%53OS"])
def test_an_sos_service_urn_with_escapes_is_blocked(value):
    s, wire = real_org()
    with pytest.raises(BlockedNumber):
        s.send("POST", CALLS, {"phoneNumber": value}, confirm=yes)
    assert wire.writes == []


@pytest.mark.parametrize("path, starts", [
    ("/api/v2/conversations/messages/c1/communications/m1/messages", "a message to the conversation's customer"),
    ("/api/v2/conversations/messages/c1/communications/m1/socialmedia/messages", "a message to the conversation's"),
    ("/api/v2/conversations/emails/c1/messages", "an e-mail reply to the conversation's customer"),
])
def test_sending_into_a_conversation_is_never_said_to_send_nothing(path, starts):
    s, wire = real_org()
    prompts = []
    s.send("POST", path, {"textBody": "hello"}, confirm=lambda p: prompts.append(p) or True)
    assert starts in prompts[0] and "nothing in it rings, texts or faxes" not in prompts[0]
    listed, listed_wire = real_org(allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed):
        listed.send("POST", path, {"textBody": "hello"}, confirm=yes)
    assert len(wire.writes) == 1 and listed_wire.writes == []



def test_an_invisible_call_number_names_nobody():
    s, wire = real_org()
    prompts = []
    s.send("POST", f"{CALLS}/c1", {"callNumber": "\u200b"}, confirm=lambda p: prompts.append(p) or True)
    assert "callback's own number" in prompts[0]


@pytest.mark.parametrize("path", ["/api/v2/conversations/emails/agentless", "/api/v2/conversations/emails"])
def test_an_outbound_email_is_never_said_to_send_nothing(path):
    s, wire = real_org()
    prompts = []
    s.send("POST", path, {"toAddresses": [{"email": "x@example.com"}]}, confirm=lambda p: prompts.append(p) or True)
    assert "an e-mail to the addresses in the body" in prompts[0]
    listed, listed_wire = real_org(allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed):
        listed.send("POST", path, {"toAddresses": [{"email": "x@example.com"}]}, confirm=yes)
    assert listed_wire.writes == []


def test_a_method_with_a_letter_that_upper_cases_to_ascii_is_refused():
    s, wire = real_org()
    with pytest.raises(UnsafeRequest):
        s.send("po\u017ft", CALLS, {"phoneNumber": "+13175550100"}, confirm=yes)
    assert wire.writes == []
