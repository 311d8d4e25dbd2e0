"""An eighth look at the gate: pauses written as letters. `p` waits and `w` waits for a tone in a dial string, as
`,` and `;` do; '+1 317 555 0100 9,11' was refused (what is sent after the number is 911 to a system that does not
wait) while '+1 317 555 0100 9p11' was sent, and 'Cell 9,1,1' in a phone field was refused while 'Cell 9p1p1' was
stored."""
import json

import pytest

from diag.client.gate import refusal_for
from tests.safety.test_red_team_gate_round7 import stored_as_a_users_phone
from tests.linear import in_linear_time

CALLS = "/api/v2/conversations/calls"


def refused(body, path=CALLS) -> str | None:
    return refusal_for("POST", path, json.dumps(body).encode(), real=True)


@pytest.mark.parametrize("value", ["+13175550100 9p11", "+13175550100 9w11", "+13175550100 9P1W1",
                                   "+1 317 555 0100 w 112", "+442079460958 9p9p9", "+13175550100 or 9p1p1",
                                   # a helper's review: the letter beside any mark, as a comma would stand
                                   "+13175550100 9,p11", "+13175550100 9p,11", "+13175550100 9-p-11",
                                   "+13175550100 9.p.11", "+13175550100 9_p_11", "+13175550100 9/p/11",
                                   "+13175550100 9 p, 11", "+13175550100 9 -p- 11", "+13175550100 9 p.11",
                                   # a pause then a wait, as one run
                                   "+13175550100 9pw11", "+13175550100 9wp11", "+13175550100 9PW11",
                                   "+442079460958 9pw9pw9", "+13175550100 9 pw 11"])
def test_a_digit_after_a_whole_number_and_a_letter_pause_that_makes_an_emergency_number_is_refused(value):
    why = refused({"phoneNumber": value})
    assert why and "emergency" in why, (value, why)


@pytest.mark.parametrize("value", ["+13175550100 p1122", "+13175550100 pp1122", "+13175550100w4567",
                                   "+13175550100 4p56", "+13175550100p1122", "+13175550100P1122", "tel:+13175550100p1122",
                                   "+442079460958p1120", "+61293744000p0001"])
def test_a_whole_number_then_a_letter_pause_and_an_ordinary_extension_is_still_sent(value):
    """A number glued to its letter pause (+13175550100p1122) was read without its whole number, and 105 of the
    10,000 four-digit extensions were refused that the same value with a comma sends."""
    assert refused({"phoneNumber": value}) is None, value


def test_every_extension_after_a_letter_pause_is_judged_as_after_a_comma():
    for ext in range(0, 10000, 7):
        for mark in ("p", "w"):
            assert (refused({"phoneNumber": f"+13175550100{mark}{ext:04d}"}) is None) == (
                refused({"phoneNumber": f"+13175550100,{ext:04d}"}) is None), (mark, ext)


@pytest.mark.parametrize("value", ["Cell 9p1p1", "Mobile: 9w9w9", "home 1p1p2", "Cell 9,p1,p1", "Cell 9-p-1-p-1",
                                   "Cell 9.p.1.p.1", "Mobile: 9p9-9", "Cell 9 p11", "Cell p911", "Cell w911",
                                   "Cell 911p", "Cell 9pw1pw1", "Cell 9wp11", "Cell 9PW1",
                                   # and before letter pauses: a phone field's digits are dialled together
                                   "Cell 9-1-1", "Cell 9.1.1", "Cell 9 1 1"])
def test_a_phone_field_never_stores_an_emergency_number_split_by_letter_pauses(value):
    why = stored_as_a_users_phone(value)
    assert why and "emergency" in why, (value, why)


def test_letters_between_digits_in_a_note_about_no_phone_stay_data():
    assert refusal_for("POST", "/api/v2/flows/executions",
                       json.dumps({"flowId": "f1", "inputData": {"x": "order 9p1p1 shipped"}}).encode()) is None


def test_a_long_value_of_letter_pauses_is_read_in_linear_time():
    with in_linear_time():
        refused({"phoneNumber": "1" + " " * 100_000 + "x"})
        refused({"phoneNumber": "1" + "p" * 100_000 + " x"})
        refused({"phoneNumber": "1p" * 50_000})
        refused({"phoneNumber": "1 " * 50_000 + "p"})


def contact_column(value, real=True):
    return refusal_for("POST", "/api/v2/outbound/contactlists/unknown-list/contacts",
                       json.dumps([{"data": {"Cell": value, "Name": "x"}}]).encode(), real=real)


@pytest.mark.parametrize("value", [",911", "p911", ";;112", "w999", ",,911,"])
def test_a_contact_column_never_holds_an_emergency_number_after_a_pause(value):
    """A column of a contact list diag cannot read: '911' was refused, ',911' and 'p911' (911 dialled after a
    wait) were sent to a real org (a helper's review)."""
    why = contact_column(value)
    assert why and "emergency" in why, (value, why)


@pytest.mark.parametrize("value", ["p1", "w12", "p1234", ",4567", "priority p2"])
def test_a_contact_column_of_codes_after_a_letter_is_still_data(value):
    assert contact_column(value) is None, value
