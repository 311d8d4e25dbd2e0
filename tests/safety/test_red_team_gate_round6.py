"""A sixth attack on the gate (a helper's, each probe kept; each was sent before its mend): one object where the
model wants a list, tones with pauses or A-D between the digits, an emergency number behind an access prefix after a
pause or an extension, digits after a whole number that begin with an emergency number, and keypad letters after a
number read as pauses."""
import json

import pytest

from diag.client.gate import refusal_for
from diag.core.errors import BlockedNumber, NumberNotAllowed
from diag.sim import Simulator
from tests.safety.conftest import sessions

CALLS = "/api/v2/conversations/calls"
DIGITS = "/api/v2/conversations/c0000000-0000-4000-8000-000000000001/participants/p-1/digits"


@pytest.fixture(scope="module")
def both():
    return sessions(Simulator(seed=61, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}),
                    save=False)


@pytest.mark.parametrize("path,body", [
    (CALLS, {"participants": {"address": "911"}}),
    ("/api/v2/conversations/calls/c1/participants", {"participants": {"address": "112"}}),
    ("/api/v2/users/u1/callforwarding", {"enabled": True, "calls": {"targets": [{"type": "PHONENUMBER",
                                                                                  "value": "999"}]}}),
    ("/api/v2/conversations/callbacks/bulk/update", {"patchCallbackRequests": {"conversationId": "c1",
                                                                               "callbackNumbers": ["911"]}}),
    ("/api/v2/outbound/contactlists/unknown-list/contacts", {"data": {"Cell": "911"}}),
])
def test_one_object_where_a_list_is_due_is_read_as_a_list_of_one(both, path, body):
    method = "PUT" if path.endswith("callforwarding") else "POST"
    with pytest.raises(BlockedNumber, match="emergency"):
        both[1].send(method, path, body)


def test_one_object_where_a_list_is_due_is_held_to_the_allow_list():
    sim, real = sessions(Simulator(seed=62), save=False, allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed):
        real.send("POST", CALLS, {"participants": {"address": "+442079460958"}})


@pytest.mark.parametrize("tones", [",911", "w911", "p911", ",,112", "911A", "A911", "9A1A1", "112D"])
def test_tones_with_pauses_or_letters_between_the_digits_are_read_as_the_digits(both, tones):
    for session in both:
        with pytest.raises(BlockedNumber, match="emergency"):
            session.send("POST", DIGITS, {"digits": tones})


@pytest.mark.parametrize("value", ["+13175550100,,9911", "+13175550100;ext=9911", "tel:+13175550100;ext=9911",
                                   "+13175550100 x 1911", "+4420794609580,,0011 61 000", "+1 317 555 0100 (9911)"])
def test_an_emergency_number_behind_an_access_prefix_after_the_number_is_never_sent(both, value):
    with pytest.raises(BlockedNumber, match="emergency"):
        both[1].send("POST", CALLS, {"phoneNumber": value})


@pytest.mark.parametrize("value", ["+1 317 555 0100 (911),", "+1 317 555 0100 911;", "+13175550100911p",
                                   "+1 317 555 0100 911 911", "+1 317 555 0100 (911) 0", "+1 317 555 0100 911 1234",
                                   "+44 20 7946 0958 999 999", "+61 2 9876 5432 000 0"])
def test_digits_after_a_whole_number_that_begin_with_an_emergency_number_are_never_sent(both, value):
    with pytest.raises(BlockedNumber, match="emergency|after a whole number"):
        both[1].send("POST", CALLS, {"phoneNumber": value})


@pytest.mark.parametrize("value", ["+44 20 7946 0958 WXY", "+44 20 7946 0958 WWW", "+44 20 7946 0958 XXX"])
def test_keypad_letters_after_a_number_are_read_as_digits_not_pauses(both, value):
    with pytest.raises(BlockedNumber, match="after a whole number"):
        both[1].send("POST", CALLS, {"phoneNumber": value})


@pytest.mark.parametrize("value", ["+13175550100", "+1 317 555 0100", "+13175550100,,1234", "+13175550100 x 2000",
                                   "+44 20 7946 0958", "+61 2 9876 5432", "+13175550100 ext. 42",
                                   "+44 20 7946 0958,,9000"])
def test_real_numbers_and_their_extensions_still_go_to_a_real_org(value):
    assert refusal_for("POST", CALLS, json.dumps({"phoneNumber": value}).encode()) is None


class _ListServer:
    """A real org's contact list whose phone columns a PUT changes; every other read goes to the simulator."""

    def __init__(self, sim):
        self.reads, self.columns, self.writes = sim.transport(), ["Cell"], []

    def send(self, request):
        from diag.transport import Response

        if "/outbound/contactlists/l1" in request.url and "/contacts" not in request.url:
            if request.method == "PUT":
                self.columns = [c["columnName"] for c in json.loads(request.content)["phoneColumns"]]
            body = {"id": "l1", "phoneColumns": [{"columnName": c, "type": "cell"} for c in self.columns]}
            return Response.build(200, {"Content-Type": "application/json"}, json.dumps(body).encode())
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.reads.send(request)
        self.writes.append(request)
        return Response.build(200, {"Content-Type": "application/json"}, b'{"id": "x"}')

    def close(self):
        pass


def _real_org(transport, sim, **kw):
    from diag.client.connect import connect
    from diag.core.regions import Region
    from diag.sim import IN_PROCESS_BASE

    table = {"us_east_1": Region("us_east_1", IN_PROCESS_BASE, IN_PROCESS_BASE)}
    return connect("us_east_1", token=sim.user_token(), regions=table, environ={}, dotenv=None, transport=transport,
                   sleep=lambda s: None, save=False, **kw)


def test_a_contact_is_judged_by_the_columns_its_list_has_after_a_change_to_them():
    sim = Simulator(seed=63)
    wire = _ListServer(sim)
    s = _real_org(wire, sim)
    yes = {"confirm": lambda prompt: True}
    contacts = "/api/v2/outbound/contactlists/l1/contacts"
    s.send("POST", contacts, [{"data": {"Name": "A", "zip": "911"}}], **yes)   # zip is data while Cell dials
    s.send("PUT", "/api/v2/outbound/contactlists/l1", {"name": "L", "columnNames": ["Name", "Cell", "zip"],
                                                       "phoneColumns": [{"columnName": "zip", "type": "cell"}]}, **yes)
    with pytest.raises(BlockedNumber, match="emergency"):
        s.send("POST", contacts, [{"data": {"Name": "B", "zip": "112"}}], **yes)
    with pytest.raises(BlockedNumber, match="emergency"):   # and the same bytes judged before are judged again
        s.send("POST", contacts, [{"data": {"Name": "A", "zip": "911"}}], **yes)
    assert len(wire.writes) == 1 and wire.columns == ["zip"]   # the first contact; the PUT changed the list


def test_assigning_a_conversation_names_the_user_and_keeps_to_the_user_allow_list():
    sim = Simulator(seed=64)
    allowed, other = "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000bb"
    s = _real_org(sim.transport(), sim, allowed_users=[allowed])
    with pytest.raises(NumberNotAllowed, match="user"):
        s.send("POST", "/api/v2/conversations/c1/assign", {"id": other}, confirm=lambda p: True)
    intent = s.confirm_for("POST", "/api/v2/conversations/c1/assign", {"id": allowed})
    assert intent is not None and f"user {allowed}" in intent.prompt()


@pytest.mark.parametrize("path,method", [("/api/v2/scim/v2/users/u1", "PUT"), ("/api/v2/scim/users/u1", "PUT"),
                                         ("/api/v2/scim/v2/users", "POST")])
@pytest.mark.parametrize("number", ["911", "tel:112"])
def test_scim_never_stores_an_emergency_number_on_a_user(both, path, method, number):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@example.com",
            "phoneNumbers": [{"value": number, "type": "work"}]}
    for session in both:
        with pytest.raises(BlockedNumber, match="emergency"):
            session.send(method, path, body, confirm=lambda p: True)


@pytest.mark.parametrize("messenger,refused", [("open", False), ("webmessaging", False), ("apple", True),
                                               ("sms", True), ("whatsapp", True), (None, True), ("facebook", True)])
def test_a_message_to_another_messengers_id_is_not_read_as_a_phone_number(messenger, refused):
    body = {"fromAddress": "+13175550100", "toAddress": "user-911", "textBody": "hi"}
    if messenger is not None:
        body["toAddressMessengerType"] = messenger
    found = refusal_for("POST", "/api/v2/conversations/messages/agentless", json.dumps(body).encode())
    assert (found is not None and "emergency" in found) is refused


@pytest.mark.parametrize("value", ["911 (mobile)", "112a", "+1 911 (cell)", "Mobile: 911"])
def test_a_number_with_a_label_or_a_note_in_a_free_form_column_is_read_as_a_number(value):
    for path, body in (("/api/v2/outbound/contactlists/unknown-list/contacts", [{"data": {"Cell": value}}]),
                       ("/api/v2/flows/executions", {"flowId": "f1", "inputData": {"Flow.Phone": value}}),
                       ("/api/v2/integrations/actions/a1/execute", {"phoneNumber": value})):
        assert refusal_for("POST", path, json.dumps(body).encode()) is not None, (path, value)


@pytest.mark.parametrize("value", ["Room 101 (east)", "Order: ABC", "2026-11-28", "note (see ticket)"])
def test_words_and_dates_in_a_free_form_column_are_not_read_as_a_labelled_number(value):
    from diag.core import numbers

    assert not numbers.reads_as_labelled_dial_string(value)


@pytest.mark.parametrize("extension,refused", [("9000", False), ("9100", False), ("1112", False), ("0000", False),
                                               ("911", True), ("112", True)])
def test_a_users_stored_extension_is_refused_only_when_it_is_an_emergency_number(extension, refused):
    body = {"version": 1, "addresses": [{"address": "+13175550100", "extension": extension, "mediaType": "PHONE",
                                         "type": "WORK"}]}
    found = refusal_for("PATCH", "/api/v2/users/u1", json.dumps(body).encode())
    assert (found is not None) is refused, found
