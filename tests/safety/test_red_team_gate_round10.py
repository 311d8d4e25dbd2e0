"""A tenth look at the gate: an invisible character where a blank was. '+49 30 12345678 1,1,2' is refused (a
system that ends the number at the blank sends 112 after it), while '+49 30 12345678\\u200b1,1,2', pasted from a web
page or a chat that put a zero-width space there, was sent: the character was dropped and the value read as one
longer German number. A system that ends the number at that character, as at a blank, sends 112 after it."""
import json

import pytest

from diag.client.gate import refusal_for
from diag.core import numbers

CALLS = "/api/v2/conversations/calls"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2063", "\ufeff", "\u00ad", "\u180e",
             "\u202a", "\u202c", "\u2066", "\u2069",
             # a helper's review: every other character the reading drops (a list of some was not enough)
             "\u061c", "\ufe0f", "\u034f", "\u206a", "\U000e0020", "\u0301", "\u2065", "\ue000", "\x00", "\x7f",
             # a fourth review: blank letters (Hangul fillers) draw nothing either
             "\u3164", "\u115f", "\u1160", "\uffa0"]


def refused(value, *, real: bool = True) -> str | None:
    return refusal_for("POST", CALLS, json.dumps({"phoneNumber": value}).encode(), real=real)


@pytest.mark.parametrize("mark", INVISIBLE)
@pytest.mark.parametrize("value", ["+49 30 12345678{}1,1,2", "+493012345678{}1p1p2", "+44 20 7946 0958{},,9,1,1",
                                   "+49 30 12345678{}{}1,1,2", "+81 3 1234 5678{}1,1,0"])
def test_an_emergency_number_after_an_invisible_character_and_pauses_is_refused(value, mark):
    for real in (True, False):
        why = refused(value.format(mark, mark), real=real)
        assert why and "emergency" in why, (value, mark, real, why)


@pytest.mark.parametrize("mark", INVISIBLE)
@pytest.mark.parametrize("value", ["+1 317 555{}0100", "+13175550100{},1234", "+49 30 12345678{}2,3,4",
                                   "+44 20 7946{}0958", "{}+13175550100"])
def test_an_invisible_character_in_an_ordinary_number_or_extension_still_sends_it(value, mark):
    assert refused(value.format(mark)) is None, (value, mark)


def test_the_doctor_says_what_the_gate_does():
    from diag.core.doctor import findings_of

    value = "+49 30 12345678\u200b1,1,2"
    codes = {f.code for f in findings_of({"phoneNumber": value})}
    assert any("emergency" in code for code in codes), codes
    for strict in (True, False):   # a real org, and the simulator (which dials nothing but emergency is refused)
        assert numbers.refusal(value, strict=strict, dialled=True).code == "emergency-number"


def test_every_extension_after_an_invisible_character_is_judged_as_after_a_blank_or_glued():
    """Refused only where the same value with a blank there, or with nothing there, is refused: no ordinary
    extension is newly stopped."""
    for number in ("+493012345678", "+13175550100"):
        for ext in range(0, 10000, 37):
            for spelling in ("{},{:04d}", "{}{:04d}", "{},,{}"):
                verdict = [refused(number + spelling.format(mark, ext)) is not None for mark in ("\u200b", " ", "")]
                assert verdict[0] == (verdict[1] or verdict[2]), (number, spelling, ext)


@pytest.mark.parametrize("value", ["+1 317 555 0100 p\u0301911", "+1 317 555 0100 w\u030a911", "+13175550100w\u0301911",
                                   "+1 317 555 0100 p\u0301 9 p 1 p 1", "+1 317 555 0100 p\u0307911",
                                   "+49 30 12345678\u20e31,1,2", "+49 30 12345678\x1b1,1,2",
                                   "+1 317 555 0100 \u3164911", "9\u31641\u31641",
                                   "sip:+13175550100@h.example 9p\u030111"])
def test_a_combining_mark_on_a_pause_letter_or_a_number_still_leaves_the_emergency_number_read(value):
    """A helper's review: with the marked reading in place of the glued one, 'p' with an accent (read as one letter
    by NFKC) hid the pause; both readings are made now, and every rule of the marked one for emergency numbers."""
    for real in (True, False):
        why = refused(value, real=real)
        assert why and "emergency" in why, (value, real, why)
