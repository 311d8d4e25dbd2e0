"""Every fault the simulator can inject, for calls and for usage queries: a clear outcome, no duplicated POST,
polling that ends within its bound."""
import time

import pytest

from diag.client.connect import connect
from diag.client.usage import UsageQuery, query_usage
from diag.core.errors import UsageQueryError
from diag.sim import Simulator

CALLS = "/api/v2/conversations/calls"
FAULTS = [("latency", {"delay_ms": 300}), ("status", {"status": 500}), ("status", {"status": 503}),
          ("status", {"status": 504}), ("reset", {}), ("truncated", {}), ("not_json", {}), ("html", {})]


@pytest.mark.parametrize("kind,params", FAULTS, ids=[f"{k}{p.get('status', '')}" for k, p in FAULTS])
def test_call_under_fault(sim, kind, params):
    sim.faults.add(CALLS + "$", kind, method="POST", **params)
    s = connect(simulator=sim, sleep=lambda t: None)
    ex = s.call({"phoneNumber": "+13175550100"})
    assert sim.requests_received("POST", CALLS) == 1        # never duplicated
    assert len(s.log) == 1
    if kind == "latency":
        assert ex.status == 200 and ex.duration_ms >= 300
    elif kind == "not_json":
        assert ex.status == 200 and isinstance(ex.response_body, str)
    else:
        assert ex.explanation                                  # a clear outcome in words
        assert ex.status != 200 or ex.transport_error
        if kind in ("status", "reset", "truncated", "html"):
            assert any("not retried" in n for n in ex.notes)


@pytest.mark.parametrize("kind,params", FAULTS, ids=[f"{k}{p.get('status', '')}" for k, p in FAULTS])
def test_usage_query_under_fault_on_polling(sim, kind, params):
    sim.faults.add("/api/v2/usage/query/.*/results", kind, times=2, **params)
    s = connect(simulator=sim, sleep=lambda t: None)
    t0 = time.monotonic()
    if kind == "not_json":    # a 200 that is not JSON is no answer to retry: said so, with the URL
        with pytest.raises(UsageQueryError, match="Polling /api/v2/usage/query/.*/results failed with 200"):
            query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, timeout=5, progress=False, api="query")
    else:                     # GET polls are retried: two faults, then the rows
        frame = query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, timeout=5, progress=False,
                            api="query")
        assert frame["requests"].sum() > 0
        assert sum(e.superseded for e in s.log) == (0 if kind == "latency" else 2)
    assert time.monotonic() - t0 < 10


def test_usage_query_post_fault_is_not_retried(sim):
    sim.faults.add("/api/v2/usage/query$", "status", status=503, method="POST")
    s = connect(simulator=sim, sleep=lambda t: None)
    with pytest.raises(UsageQueryError, match="503"):
        query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, progress=False, api="query")
    assert sim.requests_received("POST", "/api/v2/usage/query") == 1


@pytest.mark.parametrize("kind,params", FAULTS, ids=[f"{k}{p.get('status', '')}" for k, p in FAULTS])
def test_usage_job_under_fault_on_polling(sim, kind, params):
    sim.faults.add("/api/v2/usage/aggregates/query/jobs/.+", kind, times=2, method="GET", **params)
    s = connect(simulator=sim, sleep=lambda t: None)
    if kind == "not_json":    # a 200 that is not JSON is no answer to retry: said so, with the URL
        with pytest.raises(UsageQueryError, match="Polling /api/v2/usage/aggregates/query/jobs/.* failed with 200"):
            query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, timeout=5, progress=False)
    else:                     # GET polls are retried: two faults, then the rows
        frame = query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, timeout=5, progress=False)
        assert frame["requests"].sum() > 0 and frame.attrs["usage_api"].endswith("/aggregates/query/jobs")
        assert sum(e.superseded for e in s.log) == (0 if kind == "latency" else 2)


def test_a_usage_job_that_fails_to_start_is_not_resent_and_the_older_query_answers_labelled(sim):
    sim.faults.add("/api/v2/usage/aggregates/query/jobs$", "status", status=503, method="POST")
    s = connect(simulator=sim, sleep=lambda t: None)
    frame = query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, progress=False)
    assert sim.requests_received("POST", "/api/v2/usage/aggregates/query/jobs") == 1
    assert frame.attrs["usage_api"].startswith("POST /api/v2/usage/query (fallback: POST "
                                               "/api/v2/usage/aggregates/query/jobs answered 503")


def test_429_storm_with_long_retry_after_is_reported_not_waited():
    with Simulator(overrides={"rate_limit": {"requests": 1, "window_seconds": 3600}}) as sim:
        waited = []
        s = connect(simulator=sim, sleep=waited.append)
        assert s.call({"phoneNumber": "+13175550100"}).status == 200
        for _ in range(5):
            ex = s.call({"phoneNumber": "+13175550100"})
            assert ex.status == 429 and any("cap" in n for n in ex.notes)
        assert waited == [] and sim.calls_placed == 1


def test_usage_polling_gives_up_on_a_429_storm():
    with Simulator(overrides={"rate_limit": {"requests": 2, "window_seconds": 3600}}) as sim:
        s = connect(simulator=sim, sleep=lambda t: None)
        t0 = time.monotonic()
        with pytest.raises(UsageQueryError):
            query_usage(s, UsageQuery.build(days=5), poll_interval=0.01, timeout=2, progress=False)
        assert time.monotonic() - t0 < 5
