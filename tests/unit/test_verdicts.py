"""Every case of issue 14's "Why", with the verdict a support engineer should see."""
import pytest

from diag.client.connect import connect
from diag.core.doctor import check, check_text
from diag.sim import Simulator


@pytest.fixture(scope="module")
def sim_session():
    sim = Simulator(seed=81, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}})
    return connect(simulator=sim, environ={}, dotenv=None)


@pytest.mark.parametrize("body,verdict,status", [
    ({"phoneNumber": "+13175550100", "callType": "outbound"}, "sendable-with-notes", 200),   # was NOT SENDABLE
    ({"callQueueId": "q-1", "priority": "5"}, "sendable-with-notes", 200),                    # Jackson coerces
    ({"phoneNumber": "+13175550100", "attributes": {"case": 42, "vip": True}}, "sendable-with-notes", 200),
    ({"callQueueId": "q-1", "priority": "high"}, "refused", 400),
    ({"to": {"phoneNumber": "+13175550100"}, "type": "external"}, "refused", 400),
    ({"phoneNumber": "+13175550100", "userId": "u-2", "queueId": "q-1"}, "not-what-you-meant", 200),
    ({"phoneNumber": "3172222222"}, "sendable-with-notes", 200),                              # Genesys' own example
    ({"phoneNumber": "tel:+13175550100"}, "sendable-with-notes", 200),
    ({"phoneNumber": "+13175550100"}, "sendable", 200),
])
def test_the_verdict_and_the_simulators_answer(sim_session, body, verdict, status):
    report = check(body)
    assert report.verdict == verdict, [f.to_dict() for f in report.findings]
    assert report.prediction.status == status
    assert sim_session.call(body).status == status           # the simulator answers from the same model


def test_user_and_queue_ids_beside_a_number_are_no_second_destination():
    report = check({"queueId": "q-1", "userId": "u-2", "phoneNumber": "+13175550100"})
    user = next(f for f in report.findings if f.path == "$.userId" and f.code == "unknown-field")
    assert user.field is None and "already the destination" in user.message
    assert "call-as-other-user" in report.codes()
    assert "callUserId" not in (report.fixed or {})


def test_a_name_in_caller_id_moves_to_caller_id_name():
    report = check({"PhoneNumber": "+13175550100", "CallFrom": "+13175550199", "CallerId": "Rick"})
    assert report.fixed == {"phoneNumber": "+13175550100", "callerId": "+13175550199", "callerIdName": "Rick"}
    alone = check({"phoneNumber": "+13175550100", "callerId": "Rick"})
    assert "caller-id-is-a-name" in alone.codes() and alone.verdict == "not-what-you-meant"
    assert alone.fixed == {"phoneNumber": "+13175550100", "callerIdName": "Rick"}


@pytest.mark.parametrize("number", ["3172222222", "15555555555"])
def test_genesys_own_national_examples_are_notes(number):
    hit = next(f for f in check({"phoneNumber": number}).findings if f.code == "phone-not-e164")
    assert hit.severity == "info" and "number plan" in hit.message and "no country could be inferred" not in hit.message


def test_duplicate_keys_are_flagged_with_the_value_kept():
    report = check_text('{"phoneNumber": "+13175550100", "phoneNumber": "+13175550104"}')
    hit = next(f for f in report.findings if f.code == "duplicate-key")
    assert hit.severity == "warning" and "keeps the last" in hit.message
    assert report.body == {"phoneNumber": "+13175550104"}


@pytest.mark.parametrize("body", [{"phoneNumber": 13175550100}, {"phoneNumber": "+13175550100", "priority": "5"},
                                  {"phoneNumber": "+13175550100", "callerIdName": 7},
                                  {"callQueueId": "q-1", "priority": 5.0}])
def test_an_answer_is_no_surer_than_the_readings_it_rests_on(body):
    """A value of another type that a Jackson server reads as the right one is modelled: the answer that rests on
    it says so too (it said "Genesys would answer 200 (sdk-model)" above a finding saying "modelled")."""
    report = check(body)
    rests_on = [f for f in report.findings if f.evidence == "modelled" and f.code == "invalid-type"]
    assert rests_on and report.prediction.ok
    assert report.prediction.evidence in ("modelled", "unknown"), report.prediction
