"""Usage queries, rate-limit and conversation aggregates from the simulated org's history."""
import datetime as dt

import pytest

from diag.sim import Simulator
from diag.sim.history import incidents_for

from .test_sim_http import CALLS, assert_error, client_token, get, post


def run_usage(sim, token, query, path="/api/v2/usage/query"):
    r = post(sim, path, query, token)
    # 202 for the organisation's query, as Genesys' usage blog shows it; the client's query: not shown, 200 (modelled)
    assert r.status_code == (202 if path == "/api/v2/usage/query" else 200), r.text
    ex = r.json()
    assert ex["executionId"] and ex["resultsUri"].endswith(ex["executionId"] + ("/results" if path ==
                                                                                 "/api/v2/usage/query" else ""))
    first = get(sim, ex["resultsUri"], token).json()
    assert first["queryStatus"] == "Running"
    done = get(sim, ex["resultsUri"], token).json()
    assert done["queryStatus"] == "Complete"
    return done["results"]


def window(sim, days=90):
    end = sim.app.history_end + dt.timedelta(days=1)
    return f"{(end - dt.timedelta(days=days)).isoformat()}/{end.isoformat()}"


def test_usage_history_is_90_days_and_consistent(sim):
    rows = run_usage(sim, client_token(sim), {"interval": window(sim), "granularity": "Day",
                                              "groupBy": ["OAuthClientId", "TemplateUri", "HttpMethod"]})
    days = {r["date"] for r in rows}
    assert len(days) == 90
    assert {r["clientName"] for r in rows} >= {"CRM click-to-dial", "Wallboard sync", "Nightly reporting"}
    for r in rows:
        assert r["status429"] <= r["status400"]
        assert r["requests"] == r["status200"] + r["status300"] + r["status400"] + r["status500"]


def test_usage_is_deterministic_from_the_seed():
    q = {"interval": None, "granularity": "Week"}
    out = []
    for seed in (5, 5, 6):
        with Simulator(seed=seed) as sim:
            q["interval"] = window(sim, 60)
            out.append(run_usage(sim, client_token(sim), q))
    assert out[0] == out[1] and out[0] != out[2]


def test_incidents_are_in_the_history(sim):
    rows = run_usage(sim, client_token(sim), {"interval": window(sim, 120), "groupBy": ["OAuthClientId"]})
    inc = incidents_for(1, 120)
    end = sim.app.history_end
    burst = (end - dt.timedelta(days=inc.burst_429_day)).isoformat()
    wall = [r for r in rows if r["clientName"] == "Wallboard sync"]
    peak = max(wall, key=lambda r: r["status429"])
    assert peak["date"].startswith(burst) and peak["status429"] > 0.2 * peak["requests"]
    outage = (end - dt.timedelta(days=inc.outage_5xx_day)).isoformat()
    crm = [r for r in rows if r["clientName"] == "CRM click-to-dial"]
    assert max(crm, key=lambda r: r["status500"])["date"].startswith(outage)


@pytest.mark.parametrize("granularity,expected", [("Day", 28), ("Week", 5), ("Month", 2)])
def test_granularity_buckets(sim, granularity, expected):
    end = sim.app.history_end.replace(day=1)
    start = end - dt.timedelta(days=28)
    rows = run_usage(sim, client_token(sim), {"interval": f"{start}/{end}", "granularity": granularity})
    assert expected - 1 <= len({r["date"] for r in rows}) <= expected


def test_metrics_selection_and_group_by_user(sim):
    rows = run_usage(sim, client_token(sim), {"interval": window(sim, 7), "metrics": ["Status429", "Requests"],
                                              "groupBy": ["UserId"]})
    assert set(rows[0]) <= {"date", "userId", "status429", "requests"}
    assert {r.get("userId") for r in rows} > {None}


@pytest.mark.parametrize("query,code", [
    ({}, "bad.request"),
    ({"interval": "last week"}, "bad.request"),
    ({"interval": "2026-02-01/2026-01-01"}, "bad.request"),
    ({"interval": "2026-01-01/2026-02-01", "groupBy": ["Endpoint"]}, "invalid.value"),
    ({"interval": "2026-01-01/2026-02-01", "granularity": "Hour"}, "invalid.value"),
])
def test_invalid_usage_queries(sim, query, code):
    body = assert_error(post(sim, "/api/v2/usage/query", query, client_token(sim)), 400, code)
    assert body["message"]


def test_usage_needs_permission(sim):
    assert_error(post(sim, "/api/v2/usage/query", {"interval": window(sim)}, client_token(sim, "Wallboard sync")),
                 403, "missing.any.permissions")


def test_client_usage_query_and_summary(sim):
    tok = client_token(sim)
    crm = sim.client().id
    rows = run_usage(sim, tok, {"interval": window(sim, 14), "groupBy": ["TemplateUri"]},
                     path=f"/api/v2/oauth/clients/{crm}/usage/query")
    assert rows and all("userId" not in r for r in rows)
    r = get(sim, f"/api/v2/oauth/clients/{crm}/usage/summary?days=7", tok)
    ex = r.json()
    assert ex["resultsUri"] == f"/api/v2/oauth/clients/{crm}/usage/query/results/{ex['executionId']}"
    get(sim, ex["resultsUri"], tok)
    summary = get(sim, ex["resultsUri"], tok).json()
    assert summary["queryStatus"] == "Complete" and len({x["date"] for x in summary["results"]}) == 7
    bad = post(sim, f"/api/v2/oauth/clients/{crm}/usage/query", {"interval": window(sim), "groupBy": ["UserId"]}, tok)
    assert_error(bad, 400, "invalid.value")


def test_ratelimit_aggregates_match_history_and_live_429s():
    with Simulator(seed=1, overrides={"rate_limit": {"requests": 2, "window_seconds": 30}}) as sim:
        tok = client_token(sim)
        assert [get(sim, "/api/v2/tokens/me", tok).status_code for _ in range(3)] == [200, 200, 429]
        end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        q = {"interval": f"{(end - dt.timedelta(days=120)).isoformat()}/{end.isoformat()}",
             "metrics": ["oRateLimitRecorded"], "groupBy": ["limitName", "entityId"], "granularity": "P1D"}
        other = client_token(sim, "CRM click-to-dial")
        body = post(sim, "/api/v2/analytics/ratelimits/aggregates/query", q, other).json()
        groups = {(g["group"]["limitName"], g["group"]["entityId"]): g for g in body["results"]}
        wall = sim.client("Wallboard sync").id
        crm = sim.client().id
        assert ("client.credentials.token.rate.per.minute", wall) in groups
        live = groups[("client.credentials.token.rate.per.minute", crm)]["data"][-1]
        a, b = (dt.datetime.fromisoformat(x.replace("Z", "+00:00")) for x in live["interval"].split("/"))
        assert a <= dt.datetime.now(dt.timezone.utc) < b
        assert live["metrics"][0] == {"metric": "oRateLimitRecorded", "stats": {"count": 1}}


def test_conversation_aggregates_include_history_and_live_calls(sim):
    tok = sim.user_token()
    for number in ("+13175550100", "+13175550103"):
        assert post(sim, CALLS, {"phoneNumber": number, "callFromQueueId": "9e000000-0000-4000-8000-0000000000f1"},
                    tok).status_code == 200
    now = dt.datetime.now(dt.timezone.utc)
    q = {"interval": f"{(now - dt.timedelta(hours=1)).isoformat()}/{(now + dt.timedelta(hours=1)).isoformat()}",
         "metrics": ["nOutboundAttempted", "nOutboundConnected", "nError"], "groupBy": ["disconnectType"]}
    body = post(sim, "/api/v2/analytics/conversations/aggregates/query", q, tok).json()
    counts = {g["group"]["disconnectType"]: {m["metric"]: m["stats"]["count"] for m in g["data"][0]["metrics"]}
              for g in body["results"]}
    assert counts == {"peer": {"nOutboundAttempted": 1, "nOutboundConnected": 1},
                      "error": {"nOutboundAttempted": 1, "nError": 1}}
    end = sim.app.history_end
    hist = {"interval": f"{end - dt.timedelta(days=30)}/{end}", "metrics": ["nOutboundAttempted"],
            "groupBy": ["queueId"], "granularity": "P7D"}
    body = post(sim, "/api/v2/analytics/conversations/aggregates/query", hist, tok).json()
    assert len(body["results"]) == 2 and all(len(g["data"]) >= 4 for g in body["results"])
    assert_error(post(sim, "/api/v2/analytics/conversations/aggregates/query", {"interval": hist["interval"]}, tok),
                 400, "bad.request")
