"""A fifth attack on the gate (a helper's, each probe kept): an emergency number split by pauses (9,1,1 9p1p1), one
written after a whole number (+1 317 555 0100 (911)), JSON numbers too large to read or not numbers, fractional
numbers in contact columns, a verdict that depended on what was checked before (91100000000000000 == 9.11e16), and
writes that send a test e-mail or start a bot."""
import pytest

from diag.core import numbers
from diag.core.doctor import check
from diag.core.errors import BlockedNumber, ConfirmationRequired, NumberNotAllowed, UnsafeRequest
from diag.sim import Simulator
from tests.safety.conftest import sessions

CALLS = "/api/v2/conversations/calls"
DIGITS = "/api/v2/conversations/c0000000-0000-4000-8000-000000000001/participants/p-1/digits"


@pytest.fixture
def both():
    return sessions(Simulator(seed=41, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}),
                    save=False)


@pytest.mark.parametrize("value", ["9,1,1", "9,11", "99,9", "1,1,2", "9p1p1", "9w11", "9;1;1", "9,9,1,1"])
def test_an_emergency_number_split_by_pauses_is_never_sent(both, value):
    for session in both:
        with pytest.raises(BlockedNumber, match="emergency"):
            session.send("POST", CALLS, {"phoneNumber": value})
        with pytest.raises(BlockedNumber, match="emergency"):
            session.send("POST", DIGITS, {"digits": value})
    assert check({"phoneNumber": value}).blocked


@pytest.mark.parametrize("value", ["+1 317 555 0100 (911)", "+1 317 555 0100 / 911", "+44 20 7946 0405 999",
                                   "+61 2 9876 5432 000"])
def test_an_emergency_number_after_a_whole_number_is_never_sent(both, value):
    for session in both:
        with pytest.raises(BlockedNumber, match="after a whole number it sends"):
            session.send("POST", CALLS, {"phoneNumber": value})
    assert check({"phoneNumber": value}).blocked


@pytest.mark.parametrize("value", ["+13175550100", "+442079460958", "+4930123456112", "+61298765432"])
def test_a_valid_number_is_no_overdial(value):
    assert numbers.refusal(value, strict=True, dialled=True) is None


@pytest.mark.parametrize("body", [b'{"phoneNumber": 9.11e400}', b'{"phoneNumber": -1e999}',
                                  b'{"phoneNumber": NaN}', b'{"phoneNumber": Infinity}'])
def test_a_json_number_too_large_to_read_or_not_a_number_never_reaches_a_real_org(both, body):
    _, real = both
    with pytest.raises((BlockedNumber, UnsafeRequest)) as refused:
        real.confirm_for("POST", CALLS, body)
    assert "inf" not in str(refused.value).lower().replace("information", "")


def test_fractional_numbers_in_contact_columns_are_read_as_dial_strings(both):
    _, real = both   # a real org, no allow-list: the list's columns unknown, every column counts
    with pytest.raises(BlockedNumber, match="emergency"):
        real.confirm_for("POST", "/api/v2/outbound/contactlists/unknown-list/contacts", b'[{"data": {"Cell": 911.5}}]')
    assert numbers.reads_as_dial_string(3175550100.5) and numbers.reads_as_dial_string(float("inf"))


def test_a_fractional_number_in_an_unreadable_list_is_refused_under_an_allow_list():
    _, real = sessions(Simulator(seed=42), save=False, allowed_numbers=["+13175550100"])
    with pytest.raises((BlockedNumber, NumberNotAllowed)):
        real.confirm_for("POST", "/api/v2/outbound/contactlists/unknown-list/contacts",
                         b'[{"data": {"Cell": 3175550100.5}}]')


def test_the_verdict_does_not_depend_on_what_was_checked_before():
    numbers.refusal.cache_clear()
    first = numbers.refusal(9.11e16, strict=False, dialled=True)
    then = numbers.refusal(91100000000000000, strict=False, dialled=True)
    numbers.refusal.cache_clear()
    alone = numbers.refusal(91100000000000000, strict=False, dialled=True)
    assert first is not None and first.code == "emergency-number"
    assert then == alone


@pytest.mark.parametrize("path", ["/api/v2/routing/email/outbound/domains/d1/testconnection",
                                  "/api/v2/routing/email/domains/d1/testconnection"])
def test_a_test_e_mail_is_confirmed_as_mail_and_refused_under_an_allow_list(both, path):
    _, real = both
    body = {"to": [{"email": "someone@example.com"}], "subject": "x", "textBody": "y"}
    intent = real.confirm_for("POST", path, body)
    assert intent is not None and "test e-mail" in intent.prompt()
    _, listed = sessions(Simulator(seed=43), save=False, allowed_numbers=["+13175550100"])
    with pytest.raises(NumberNotAllowed):
        listed.confirm_for("POST", path, body)
    assert listed.confirm_for("POST", path) is None or "test e-mail" not in listed.confirm_for("POST", path).prompt()


def test_a_bot_started_by_execute_starts_what_names_nobody(both):
    _, real = both
    with pytest.raises(BlockedNumber):   # on a real org, what it does not model is read as what could be dialled
        real.confirm_for("POST", "/api/v2/textbots/bots/execute", {"botId": "b", "phoneNumber": "911"})
    intent = real.confirm_for("POST", "/api/v2/textbots/bots/execute", {"botId": "b", "intent": {"name": "x"}})
    assert intent is not None and "bot" in intent.prompt()
    with pytest.raises(ConfirmationRequired):
        real.send("POST", "/api/v2/textbots/bots/execute", {"botId": "b", "intent": {"name": "x"}})
