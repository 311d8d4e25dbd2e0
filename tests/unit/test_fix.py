"""The fixer turns the forum's shapes into the body that was meant, and says what it did."""
import pytest

from diag.core.doctor import check, fix

TARGET = {"phoneNumber": "+13175550100", "callerId": "+13175550199"}

VARIANTS = {
    "to/from objects": {"to": {"phoneNumber": "+13175550100"}, "from": {"phoneNumber": "+13175550199"}},
    "to/from strings": {"to": "+13175550100", "from": "+13175550199"},
    "to as a list": {"to": [{"phoneNumber": "+13175550100"}], "from": "+13175550199"},
    "address + addressType": {"to": {"address": "+13175550100", "addressType": "PHONE"},
                              "from": {"address": "+13175550199"}},
    "nested address object": {"to": {"address": {"e164": "+13175550100"}}, "from": "+13175550199"},
    "tel: URIs": {"to": "tel:+1-317-555-0100", "from": "tel:+1-317-555-0199"},
    "participants with to/from/type": {"participants": [{"to": "+13175550100", "from": "+13175550199",
                                                         "type": "external"}]},
    "participants with an agent entry": {"participants": [{"type": "agent", "userId": "me"},
                                                          {"type": "external", "address": "+13175550100"}],
                                         "callerId": "+13175550199"},
    "type external + mediaType": {"to": "+13175550100", "from": "+13175550199", "type": "external",
                                  "mediaType": "voice"},
}


@pytest.mark.parametrize("body", VARIANTS.values(), ids=VARIANTS.keys())
def test_forum_variants_become_phone_number_and_caller_id(body):
    fixed, notes = fix(body)
    assert fixed == TARGET
    assert notes
    assert check(fixed).valid


def test_caller_name_and_queue_context():
    fixed, notes = fix({"to": "+13175550100", "from": {"phoneNumber": "+13175550199", "name": "Acme"},
                        "queueId": "q-1", "metadata": {"case": 42, "vip": True}})
    assert fixed == {"phoneNumber": "+13175550100", "callerId": "+13175550199", "callerIdName": "Acme",
                     "callFromQueueId": "q-1", "attributes": {"case": "42", "vip": "true"}}
    assert any("callFromQueueId" in n for n in notes)
    assert any("metadata" in n and "attributes" in n for n in notes)


def test_queue_without_number_means_call_the_queue():
    fixed, _ = fix({"queueId": "q-1", "priority": "5"})
    assert fixed == {"callQueueId": "q-1", "priority": 5}


def test_several_numbers_in_to_become_a_conference():
    fixed, notes = fix({"to": ["+13175550100", "+13175550101"]})
    assert fixed == {"participants": [{"address": "+13175550100"}, {"address": "+13175550101"}]}
    assert any("conference" in n for n in notes)


def test_what_was_dropped_is_said():
    fixed, notes = fix({"phoneNumber": "+13175550100", "provider": "twilio", "wrapUpCode": "x"})
    assert fixed == {"phoneNumber": "+13175550100"}
    assert any("provider" in n for n in notes) and any("wrapUpCode" in n for n in notes)


def test_as_other_user_is_dropped_with_the_route_named():
    fixed, notes = fix({"to": "+13175550100", "agentId": "a-1"})
    assert fixed == {"phoneNumber": "+13175550100"}
    assert any("/api/v2/conversations/calls/user/{userId}" in n for n in notes)


def test_correct_body_is_left_alone():
    assert fix({"phoneNumber": "+13175550100", "callerId": "+13175550199"}) == (None, [])


def test_emergency_number_is_not_made_sendable():
    report = check({"to": "911"})
    assert report.fixed == {"phoneNumber": "911"}
    assert any("still has errors" in n and "emergency-number" in n for n in report.notes)


def test_types_are_coerced():
    fixed, _ = fix({"callQueueId": "q", "priority": "7", "routingSkillsIds": "s1",
                    "attributes": {"n": 1, "obj": {"a": 1}, "gone": None}})
    assert fixed == {"callQueueId": "q", "priority": 7, "routingSkillsIds": ["s1"],
                     "attributes": {"n": "1", "obj": '{"a":1}'}}


def test_fixed_body_follows_the_sdk_field_order():
    fixed, _ = fix({"from": "+13175550199", "to": "+13175550100"})
    assert list(fixed) == ["phoneNumber", "callerId"]
