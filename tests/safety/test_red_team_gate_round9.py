"""A ninth look at the gate: digits with pauses written after a blank. '+49 30 12345678,1,1,2' was refused, while
'+49 30 12345678 1,1,2' was sent: a German number has no fixed length, so the reading took the first 1 as the
number's own and saw only 1,2 after it. A system that ends the number at the blank sends 112 after it."""
import json

import pytest

from diag.client.gate import refusal_for

CALLS = "/api/v2/conversations/calls"


def refused(value, *, real: bool = True) -> str | None:
    return refusal_for("POST", CALLS, json.dumps({"phoneNumber": value}).encode(), real=real)


@pytest.mark.parametrize("value", ["+493012345678 1,1,2", "+49 30 12345678 1,1,2", "+493012345678 1p1p2",
                                   "+493012345678 1;1;2", "+4930123456 1,1,2", "+49301234567 1,,1,,2",
                                   "+33 1 23 45 67 89 1;1;2", "+493012345678 0,0,0", "+493012345678\t1,1,2",
                                   "+493012345678 1,1,2 thanks",
                                   # pasted from a spreadsheet: a tab or a line break between two cells
                                   "+493012345678\t\t1,1,2", "+493012345678\r\n1,1,2", "+493012345678\x0b1p1p2",
                                   # a helper's review: blanks beside the pauses, and a mark in place of the blank
                                   "+49 30 12345678 1, 1, 2", "+49 30 12345678 1 ,1,2", "+49 30 12345678 1 , 1 , 2",
                                   "+49 30 12345678-1,1,2", "+49 30 12345678/1,1,2", "+49 30 12345678.1,1,2",
                                   "+49 30 12345678_1,1,2", "+49 30 12345678\u31641,1,2", "+49 30 12345678\u3000 1,1,2",
                                   "+81 3 1234 5678 1 , 1 , 0",
                                   # a second review: marks inside the group, as a digit run joins them
                                   "+49 30 12345678 1-1,2", "+49 30 12345678 1.1,2", "+49 30 12345678 1/1,2",
                                   "+49 30 12345678 1,1-2", "+44 20 7946 0958 9-1,1", "+44 20 7946 0958 ,,9,1,1",
                                   "+44 20 7946 0958 ,,1,1,0"])
def test_an_emergency_number_written_with_pauses_after_a_blank_is_refused_on_a_real_org_and_the_simulator(value):
    for real in (True, False):
        why = refused(value, real=real)
        assert why and "emergency" in why, (value, real, why)


@pytest.mark.parametrize("value", ["+493012345678 ,,1234", "+493012345678 p1122", "+49 30 12345678,,2,3",
                                   "+493012345678 2,3,4", "+44 20 7946 0958 ,,1234", "+13175550100 ,1122",
                                   "+1 317-555-0100,,1122", "+49 30 12345678-22,1", "+44 20 7946 0958 , 1234",
                                   "+33 1 23 45 67 89 ,,4,5,6"])
def test_a_number_then_a_blank_and_an_ordinary_extension_is_still_sent(value):
    assert refused(value) is None, value


def test_every_extension_after_a_blank_or_a_mark_and_a_pause_is_judged_as_after_a_pause_alone():
    for ext in range(0, 10000, 7):
        alone = refused(f"+493012345678,{ext:04d}") is None
        for mark in (" ,", "-,", " , ", "/,"):
            assert (refused(f"+493012345678{mark}{ext:04d}") is None) == alone, (mark, ext)
