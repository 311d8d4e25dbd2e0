"""The send pipeline's retry handlers as plain values and functions (diag.client.retry), with no network: what
each answer leads to, and the rule a person relies on: a write is sent again only after a 429, and boundedly."""
from hypothesis import given, settings
from hypothesis import strategies as st

from diag.client.retry import (
    AGAIN,
    DONE,
    MAX_429_RESENDS,
    RETRY_AFTER_CAP,
    Attempts,
    RetryPolicy,
    decide,
)
from diag.core.exchange import Exchange


def exchange(status=None, *, retry_after=None, transport_error=None, method="GET") -> Exchange:
    ex = Exchange(seq=0, started="2026-12-06T10:00:00.000+00:00", method=method, url="https://x/api/v2/x",
                  path="/api/v2/x", template="/api/v2/x", request_headers={}, request_body=None)
    ex.status, ex.transport_error = status, transport_error
    if retry_after is not None:
        ex.response_headers = {"Retry-After": str(retry_after)}
    return ex


def attempts(method="GET", *, refresh=None, pasted=False, policy=RetryPolicy()):
    slept: list[float] = []
    return Attempts(method, policy, slept.append, refresh, pasted_token=pasted), slept


def test_a_429_waits_retry_after_then_stops_after_the_bounded_resends():
    state, slept = attempts("POST")
    verdicts = [decide(state, ex) for ex in (exchange(429, retry_after=2, method="POST") for _ in range(5))]
    assert verdicts == [AGAIN] * MAX_429_RESENDS + [DONE, DONE]
    assert slept == [2.0] * MAX_429_RESENDS
    assert state.attempt == MAX_429_RESENDS + 1


def test_a_429_over_the_cap_is_not_retried_and_says_so():
    state, slept = attempts()
    ex = exchange(429, retry_after=RETRY_AFTER_CAP + 1)
    assert decide(state, ex) == DONE and slept == [] and "over the 180 s cap" in ex.notes[-1]


def test_a_failed_post_is_never_sent_again():
    for ex in (exchange(503, method="POST"), exchange(transport_error="reset", method="POST"),
               exchange(500, method="POST")):
        state, slept = attempts("POST")
        assert decide(state, ex) == DONE and slept == [] and not ex.superseded
        assert "may already have taken effect" in ex.notes[-1]


def test_a_failed_read_is_retried_with_backoff_a_bounded_number_of_times():
    state, slept = attempts("GET", policy=RetryPolicy(get_retries=3))
    verdicts = [decide(state, exchange(503)) for _ in range(4)]
    assert verdicts == [AGAIN, AGAIN, AGAIN, DONE]
    assert slept == [0.2, 0.4, 0.8]


def test_a_refused_token_is_refreshed_once_and_only_a_read_is_sent_again():
    refreshed = []
    state, _ = attempts("GET", refresh=lambda: refreshed.append(1))
    assert decide(state, exchange(401)) == AGAIN
    assert decide(state, exchange(401)) == DONE and refreshed == [1]
    state, _ = attempts("POST", refresh=lambda: refreshed.append(2))
    ex = exchange(401, method="POST")
    assert decide(state, ex) == DONE and refreshed == [1, 2] and "never resends a POST" in ex.notes[-1]
    state, _ = attempts("GET", pasted=True)
    ex = exchange(401)
    assert decide(state, ex) == DONE and "pasted token was refused" in ex.notes[-1]


def test_settings_lower_the_limits_and_never_raise_them():
    for cap, resends in ((10_000, 50), (float("nan"), "lots"), (None, None), (-5, -5), (1e300, 1e300)):
        policy = RetryPolicy.of(cap, resends)
        assert 0 <= policy.retry_after_cap <= RETRY_AFTER_CAP and 0 <= policy.max_429_resends <= MAX_429_RESENDS
    assert RetryPolicy.of(30, 1) == RetryPolicy(30.0, 1, 3)


ANSWERS = st.sampled_from([200, 201, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, None])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET"]), st.lists(ANSWERS, min_size=1, max_size=12),
       st.booleans())
def test_a_write_is_sent_again_only_after_a_429_and_boundedly(method, answers, can_refresh):
    state, slept = attempts(method, refresh=(lambda: None) if can_refresh else None)
    sent = 0
    for status in answers:
        ex = exchange(status, retry_after=1, transport_error=None if status else "reset", method=method)
        sent += 1
        if decide(state, ex) == DONE:
            break
        if method != "GET":
            assert status == 429, (method, answers)
    assert sent <= 1 + (MAX_429_RESENDS if method != "GET" else MAX_429_RESENDS + 3 + 1)
    assert all(0 < s <= RETRY_AFTER_CAP for s in slept)
