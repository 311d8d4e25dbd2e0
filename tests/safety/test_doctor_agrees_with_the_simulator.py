"""The doctor predicts from the same server model the simulator answers from, for the caller at hand: for generated
call bodies (valid, misnamed, nested, coercible, wrong-typed, several destinations, emergency) and every caller the
simulator offers, the predicted status and code equal the simulator's answer over the in-process transport."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.client.connect import connect
from diag.core.doctor import check
from diag.core.errors import SafetyError
from diag.sim.server import caller_of
from diag.sim import Simulator

CALLS = "/api/v2/conversations/calls"

numbers = st.sampled_from(["+13175550100", "+13175550101", "+442079460958", "3172222222", "+1 (317) 555-0100",
                           "tel:+13175550100", "sip:+13175550100@edge", "ForceDisconnect@localhost", "911", "112",
                           "", 13175550100, 5.0, True, None, ["+13175550100"], {"n": "+13175550100"}])
ids = st.sampled_from(["0a000000-0000-4000-8000-0000000000a1", "q-1", "", 7, None, ["q"]])
scalars = st.one_of(st.text(max_size=6), st.integers(-3, 10**6), st.booleans(), st.none(),
                    st.sampled_from(["5", " 7 ", "high", "1.5"]), st.floats(allow_nan=False, allow_infinity=False))
known = {"phoneNumber": numbers, "callerId": numbers, "callerIdName": scalars, "callFromQueueId": ids,
         "callQueueId": ids, "callUserId": ids, "priority": scalars, "languageId": ids, "uuiData": scalars,
         "label": scalars, "externalContactId": ids, "routingSkillExpression": scalars,
         "attributes": st.dictionaries(st.sampled_from(["a", "b"]), scalars, max_size=2) | scalars,
         "routingSkillsIds": st.lists(ids, max_size=2) | ids,
         "conversationIds": st.lists(ids, max_size=2) | ids,
         "participants": st.lists(st.dictionaries(st.sampled_from(["address", "userId", "queueId", "name", "to",
                                                                   "type"]),
                                                  numbers | ids, max_size=2) | st.none() | numbers,
                                  max_size=2) | numbers}
misnamed = {"to": numbers | st.dictionaries(st.just("phoneNumber"), numbers, max_size=1), "type": scalars,
            "from": numbers, "userId": ids, "queueId": ids, "callType": scalars}
bodies = st.fixed_dictionaries({}, optional={**known, **misnamed}) | st.sampled_from([[], "x", 5, None])

SETTINGS = settings(max_examples=2000, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def targets():
    """(session, Caller) for every token kind: a user who can call, one without a station, one without the
    permission, and a client-credentials token."""
    sim = Simulator(seed=51, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}})
    out = []
    for name in ("avery", "sam", "riley"):
        token = sim.user_token(name)
        out.append((connect(simulator=sim, token=token, environ={}, dotenv=None, save=False),
                    caller_of(sim.app, sim.state.tokens[token])))
    client = sim.client()
    token = sim.state.mint("client", client.id, None)
    out.append((connect(simulator=sim, token=token.value, environ={}, dotenv=None, save=False),
                caller_of(sim.app, token)))
    return sim, out


@SETTINGS
@given(bodies)
def test_the_doctor_predicts_what_the_simulator_answers(targets, body):
    sim, sessions = targets
    first = None
    findings = check(body)   # what the doctor finds does not depend on the caller; what Genesys answers does
    for session, caller in sessions:
        report = findings.for_caller(caller)
        predicted = report.prediction
        try:
            ex = session.send("POST", CALLS, json.dumps(body).encode())   # the very value, as JSON
        except SafetyError:
            assert report.blocked, body      # the gate refused: the doctor says so too
            continue
        assert (ex.status, ex.error_code) == (predicted.status, predicted.code), (body, caller.name)
        if caller.name.startswith("Avery"):
            first = ex.status
            # the doctor's headline: anything but "refused" is a call the simulator places for a user who can call
            if report.verdict != "refused":
                assert first == 200, (body, report.verdict)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(bodies)
def test_a_report_for_another_caller_is_the_report_made_for_that_caller(targets, body):
    _, sessions = targets
    base = check(body)
    for _, caller in sessions:
        direct, moved = check(body, caller=caller), base.for_caller(caller)
        assert (direct.findings, direct.fixed, direct.verdict) == (moved.findings, moved.fixed, moved.verdict)
        assert direct.prediction == moved.prediction and direct.headline == moved.headline
