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
