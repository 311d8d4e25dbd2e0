"""Seeded API-usage and call history for the simulated org: 90+ days of a small org's traffic.

Shape: weekday/weekend rhythm, slow growth, per-client endpoints, and incidents that a support engineer
should be able to find on the charts:
  - a burst of 429s from "Wallboard sync" (it polls too fast) on one day;
  - a day of 5xx on the call endpoint;
  - a misconfigured integration ("CRM click-to-dial") sending 400s for a week.
Rows are consistent: status429 <= status400 and requests == status200 + status300 + status400 + status500.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

# (client name, template uri, method, base requests per weekday, base 4xx share)
TRAFFIC = [
    ("CRM click-to-dial", "api/v2/conversations/calls", "POST", 180, 0.02),
    ("CRM click-to-dial", "api/v2/users/me", "GET", 220, 0.005),
    ("CRM click-to-dial", "api/v2/conversations/calls/{conversationId}", "GET", 400, 0.01),
    ("Agent desktop (PKCE)", "api/v2/conversations/calls", "POST", 90, 0.01),
    ("Agent desktop (PKCE)", "api/v2/tokens/me", "GET", 60, 0.0),
    ("Wallboard sync", "api/v2/analytics/conversations/aggregates/query", "POST", 1400, 0.003),
    ("Nightly reporting", "api/v2/usage/query", "POST", 4, 0.0),
    ("Nightly reporting", "api/v2/usage/query/{executionId}/results", "GET", 24, 0.0),
]


@dataclass(frozen=True)
class Incidents:
    burst_429_day: int       # days before the end
    outage_5xx_day: int
    bad_400_first_day: int
    bad_400_days: int


def incidents_for(seed: int, days: int) -> Incidents:
    rng = random.Random(seed * 7919 + 1)
    return Incidents(burst_429_day=rng.randrange(5, min(30, days)), outage_5xx_day=rng.randrange(31, min(60, days)),
                     bad_400_first_day=rng.randrange(61, max(62, days - 10)), bad_400_days=7)


# Genesys' own clients (the Genesys Cloud UI): the usage jobs API returns their traffic, the older usage query leaves
# it out (facts §9.2). Their names and volumes here are the simulator's own (modelled).
BUILT_IN_TRAFFIC = [
    ("Genesys Cloud UI", "api/v2/users/me", "GET", 900, 0.002),
    ("Genesys Cloud UI", "api/v2/conversations/calls/{conversationId}", "GET", 500, 0.004),
    ("Genesys Cloud UI", "api/v2/analytics/conversations/details/query", "POST", 250, 0.01),
]


def usage_history(seed: int, end: dt.date, days: int, clients: dict[str, str], users: list[str],
                  traffic: list[tuple] | None = None) -> list[dict]:
    """Daily ApiUsageRow-like dicts (one per day x client x user x endpoint x method), oldest first.

    `clients` maps client name -> client id; user tokens (the PKCE client) are spread over `users`.
    """
    rng = random.Random(seed)
    inc = incidents_for(seed, days)
    rows = []
    for back in range(days - 1, -1, -1):
        day = end - dt.timedelta(days=back)
        weekday = day.weekday() < 5
        growth = 1 + 0.3 * (days - back) / days
        for client, uri, method, base, share_4xx in (TRAFFIC if traffic is None else traffic):
            client_id = clients.get(client)
            if client_id is None:   # an org configured without this integration has no such traffic
                continue
            owners = users if client in ("Agent desktop (PKCE)", "Genesys Cloud UI") else [None]
            for user in owners:
                volume = base * growth * (1.0 if weekday else 0.25) / len(owners)
                requests = max(0, int(rng.gauss(volume, volume * 0.12)))
                s400 = int(requests * share_4xx * rng.uniform(0.5, 1.5))
                s429 = int(s400 * 0.1)
                s500 = int(requests * 0.001 * rng.random())
                if client == "Wallboard sync" and back == inc.burst_429_day:
                    s429 = int(requests * 0.35)
                    s400 = max(s400, s429 + int(requests * 0.01))
                if uri == "api/v2/conversations/calls" and back == inc.outage_5xx_day:
                    s500 = int(requests * 0.4)
                if (client == "CRM click-to-dial" and uri == "api/v2/conversations/calls"
                        and inc.bad_400_first_day - inc.bad_400_days < back <= inc.bad_400_first_day):
                    s400 = max(s400, int(requests * 0.6))
                s400, s500 = min(s400, requests), min(s500, requests - min(s400, requests))
                s300 = int((requests - s400 - s500) * 0.002)
                s200 = requests - s400 - s500 - s300
                rows.append({"date": day.isoformat() + "T00:00:00Z", "clientId": client_id, "clientName": client,
                             "userId": user, "templateUri": uri, "httpMethod": method,
                             "status200": s200, "status300": s300, "status400": s400, "status500": s500,
                             "status429": min(s429, s400), "requests": requests})
    return rows


def outbound_history(seed: int, end: dt.date, days: int, queues: list[str]) -> list[dict]:
    """Daily outbound call outcomes: attempted, connected, error, by disconnect type and queue."""
    rng = random.Random(seed + 17)
    inc = incidents_for(seed, days)
    rows = []
    for back in range(days - 1, -1, -1):
        day = end - dt.timedelta(days=back)
        weekday = day.weekday() < 5
        for queue in queues:
            attempted = max(0, int(rng.gauss(120 if weekday else 20, 10)))
            errors = int(attempted * (0.35 if back == inc.outage_5xx_day else 0.02))
            connected = int((attempted - errors) * rng.uniform(0.55, 0.7))
            not_connected = attempted - errors - connected
            for dtype, n in (("peer", connected), ("timeout", not_connected), ("error", errors)):
                rows.append({"date": day.isoformat(), "queueId": queue, "direction": "outbound",
                             "disconnectType": dtype, "nOutboundAttempted": n,
                             "nOutboundConnected": n if dtype == "peer" else 0,
                             "nError": n if dtype == "error" else 0, "nOutbound": n})
    return rows
