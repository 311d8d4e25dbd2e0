"""The simulator's data answers: call progress, usage rows, rate-limit and conversation aggregates."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from diag.sim import history
from diag.sim.server_errors import ApiError

UTC = dt.timezone.utc
USAGE_GRANULARITIES = ("Day", "Week", "Month")
USAGE_METRICS = {"Status200": "status200", "Status300": "status300", "Status400": "status400",
                 "Status500": "status500", "Status429": "status429", "Requests": "requests"}
USAGE_GROUP_BY = {"OAuthClientId": "clientId", "OrganizationId": "organizationId", "UserId": "userId",
                  "TemplateUri": "templateUri", "HttpMethod": "httpMethod"}
CONVERSATION_METRICS = ("nOutbound", "nOutboundAttempted", "nOutboundConnected", "nError")
CONVERSATION_DIMENSIONS = ("direction", "disconnectType", "queueId", "mediaType")
RATELIMIT_DIMENSIONS = ("limitName", "namespace", "entityId", "userId")

# How each simulated outcome ends (modelled; Genesys does not document per-outcome disconnect data).
# (participant disconnectType, analytics disconnectType, errorInfo code, connects, end as share of timeline)
OUTCOME_MODEL = {
    "answered": ("peer", "peer", None, True, 0.9),
    "busy": ("peer", "peer", "diag.sim.busy", False, 0.4),
    "no_answer": ("other", "timeout", "diag.sim.no-answer", False, 0.9),
    "invalid_number": ("error", "error", "diag.sim.invalid-number", False, 0.15),
}
# The SIP final response each outcome ends with (RFC 3261 codes; which one Genesys' edge records for an outcome is
# modelled): answered 200 OK, busy 486 Busy Here, no answer 480 Temporarily Unavailable, invalid 404 Not Found.
SIP_FINAL = {"answered": (200, "OK"), "busy": (486, "Busy Here"), "no_answer": (480, "Temporarily Unavailable"),
             "invalid_number": (404, "Not Found")}
ERROR_MESSAGES = {"diag.sim.busy": "The far end was busy.",
                  "diag.sim.no-answer": "Nobody answered before the call timed out.",
                  "diag.sim.invalid-number": "The number is not reachable."}


# ---- intervals ------------------------------------------------------------------------------------

def parse_interval(value) -> tuple[dt.datetime, dt.datetime]:
    from diag.core import intervals

    try:
        return intervals.parse_interval(value if isinstance(value, str) else repr(value))
    except ValueError as exc:
        raise ApiError(400, "bad.request", str(exc)) from None


def parse_duration(value: str) -> dt.timedelta:
    from diag.core import intervals

    try:
        return intervals.parse_duration(value)
    except ValueError as exc:
        raise ApiError(400, "bad.request", str(exc)) from None


def _check_list(query: dict, key: str, allowed, required=False) -> list:
    values = query.get(key)
    if values is None:
        if required:
            raise ApiError(400, "bad.request", f"{key} is required")
        return []
    if not isinstance(values, list):
        raise ApiError(400, "invalid.value", f"{key} must be a list")
    # values outside `allowed` were judged by the server model first (diag.core.model): what it lets through is
    # grouped here as absent (the simulator's lists are not Genesys')
    return values


def _query_dict(query) -> dict:
    if not isinstance(query, dict):
        raise ApiError(400, "bad.request", "The query must be a JSON object.")
    return query


# ---- usage ----------------------------------------------------------------------------------------

def build_usage_history(state, end: dt.date) -> list[dict]:
    org = state.org
    clients = {c.name: c.id for c in org.clients.values()}
    users = [u.id for u in org.users.values() if u.station]
    rows = history.usage_history(state.seed, end, int(org.raw["history_days"]), clients, users)
    built_in = history.usage_history(state.seed + 99, end, int(org.raw["history_days"]),
                                     {"Genesys Cloud UI": BUILT_IN_CLIENT_ID}, users, history.BUILT_IN_TRAFFIC)
    for r in built_in:
        r["builtIn"] = True
    rows += built_in
    for r in rows:
        r["organizationId"] = org.id
        r["day"] = dt.date.fromisoformat(r["date"][:10])
    return rows


BUILT_IN_CLIENT_ID = "00000000-0000-4000-8000-00000000b117"   # the simulator's stand-in for a Genesys built-in client
# The jobs API's groupBy values (facts §6.1: "note different casing"), and the row fields each fills
JOB_GROUP_BY = {"OauthClientName": "clientName", "OauthClientId": "clientId", "UserId": "userId",
                "HttpMethod": "httpMethod", "TemplateUri": "templateUri", "Platform": "platform"}


def job_rows(history_rows: list[dict], query, client_id: str | None = None) -> list[dict]:
    """OrganizationPublicApiUsage rows (ClientPublicApiUsage for one client) for a usage job: the same history the
    older query reads, Genesys' built-in clients included; filters by template, method and client as the request
    model names them."""
    q = _query_dict(query)
    start, end = parse_interval(q.get("interval"))
    by_case = {g.lower(): g for g in USAGE_GRANULARITIES}
    granularity = by_case.get(str(q.get("granularity") or "Day").lower(), "Day")
    groups = {g.lower(): g for g in JOB_GROUP_BY}
    fields = []
    for g in _check_list(q, "groupBy", None):
        name = groups.get(str(g).lower())
        if name and JOB_GROUP_BY[name] not in fields:
            fields.append(JOB_GROUP_BY[name])
    if "clientName" in fields and "clientId" not in fields:
        fields.append("clientId")   # a client is shown by its reference: id and name together
    wanted = {name: {str(v) for v in _check_list(q, key, None)} for name, key in
              (("templateUri", "templateUris"), ("httpMethod", "httpMethods"), ("clientId", "oauthClientIds"),
               ("userId", "userIds"))}
    sums: dict[tuple, dict] = {}
    for r in history_rows:
        if not (start.date() <= r["day"] < end.date() or (start.date() == r["day"] and start.date() == end.date())):
            continue
        if client_id and r["clientId"] != client_id:
            continue
        if any(values and str(r.get(name)) not in values for name, values in wanted.items()):
            continue
        key = (_bucket(r["day"], granularity),) + tuple(r.get(f) for f in fields)
        acc = sums.setdefault(key, {"requestCount": 0, "status200": 0, "status300": 0, "status400": 0,
                                    "status429": 0, "status500": 0})
        acc["requestCount"] += r["requests"]
        for m in ("status200", "status300", "status400", "status429", "status500"):
            acc[m] += r[m]
    names = {r["clientId"]: r["clientName"] for r in history_rows}
    out = []
    for key, acc in sorted(sums.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        values = dict(zip(fields, key[1:]))
        row: dict = {"date": key[0].isoformat()}
        if values.get("httpMethod"):
            row["httpMethod"] = values["httpMethod"]
        if values.get("templateUri"):
            row["templateUri"] = values["templateUri"]
        if "clientId" in values and values["clientId"]:
            row["oauthClient"] = {"id": values["clientId"], "name": names.get(values["clientId"])}
        if values.get("userId"):
            row["user"] = {"id": values["userId"]}
        row.update(acc)
        out.append(row)
    return out


def _bucket(day: dt.date, granularity: str) -> dt.date:
    if granularity == "Week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "Month":
        return day.replace(day=1)
    return day


def usage_rows(history_rows: list[dict], query, client_id: str | None, allow_user: bool = True) -> list[dict]:
    q = _query_dict(query)
    start, end = parse_interval(q.get("interval"))
    # the server model judged the body first: a value in another case is read as the listed one (modelled; what
    # Genesys does is not documented), anything else it let through is left out here
    by_case = {g.lower(): g for g in USAGE_GRANULARITIES}
    granularity = by_case.get(str(q.get("granularity") or "Day").lower(), "Day")
    allowed_groups = {g.lower(): g for g in USAGE_GROUP_BY if allow_user or g != "UserId"}
    group_by = [allowed_groups[str(g).lower()] for g in _check_list(q, "groupBy", None)
                if str(g).lower() in allowed_groups]
    metrics = [m for m in _check_list(q, "metrics", None) if m in USAGE_METRICS] or list(USAGE_METRICS)
    fields = [USAGE_GROUP_BY[g] for g in group_by]
    sums: dict[tuple, dict] = {}
    for r in history_rows:
        if r.get("builtIn"):   # the older query leaves Genesys' own clients out (facts §9.2)
            continue
        if not (start.date() <= r["day"] < end.date() or (start.date() == r["day"] and start.date() == end.date())):
            continue
        if client_id and r["clientId"] != client_id:
            continue
        key = (_bucket(r["day"], granularity),) + tuple(r[f] for f in fields)
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = {USAGE_METRICS[m]: 0 for m in metrics}
            if "clientId" in fields:
                acc["clientName"] = r["clientName"]
        for m in metrics:
            acc[USAGE_METRICS[m]] += r[USAGE_METRICS[m]]
    out = []
    for key, acc in sorted(sums.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        row = {f: v for f, v in zip(fields, key[1:]) if v is not None}
        row.update(acc)
        row["date"] = key[0].isoformat() + "T00:00:00.000Z"
        out.append(row)
    return out


# ---- rate limits ----------------------------------------------------------------------------------

def history_rate_events(usage: list[dict]) -> list[dict]:
    events = []
    for r in usage:
        if r["status429"]:
            kind = "token.rate.per.minute" if r["userId"] else "client.credentials.token.rate.per.minute"
            noon = dt.datetime.combine(r["day"], dt.time(12), UTC).timestamp()
            events.append({"time": noon, "limitName": kind, "namespace": "platform.api", "entityId": r["clientId"],
                           "userId": r["userId"], "count": max(1, r["status429"] // 10)})
    return events


def _buckets(start: dt.datetime, end: dt.datetime, granularity: str | None):
    step = parse_duration(granularity) if isinstance(granularity, str) and granularity else end - start
    if step <= dt.timedelta(0):
        step = end - start
    # the simulator's own bound on its work (modelled, never refused: the model is what refuses)
    return max(step, (end - start) / 20000)


def _aggregate(rows, q: dict, dimensions, metrics_allowed, time_of) -> dict:
    start, end = parse_interval(q.get("interval"))
    group_by = _check_list(q, "groupBy", dimensions)
    metrics = _check_list(q, "metrics", None, required=True)
    if not metrics:
        raise ApiError(400, "bad.request", "metrics must name at least one metric")
    step = _buckets(start, end, q.get("granularity"))
    sums: dict = defaultdict(lambda: defaultdict(int))
    for r in rows:
        t = time_of(r)
        if not start <= t < end:
            continue
        bucket = start + step * int((t - start) / step)
        group = tuple(r.get(d) for d in group_by)
        for m in metrics:
            if m in metrics_allowed and r.get(m):
                sums[group][(bucket, m)] += r[m]
    results = []
    for group, cells in sorted(sums.items(), key=lambda kv: str(kv[0])):
        data = defaultdict(list)
        for (bucket, m), n in sorted(cells.items()):
            data[bucket].append({"metric": m, "stats": {"count": n}})
        results.append({"group": {d: v for d, v in zip(group_by, group) if v is not None},
                        "data": [{"interval": f"{_iso(b)}/{_iso(min(b + step, end))}", "metrics": ms}
                                 for b, ms in sorted(data.items())]})
    return {"results": results}


def _iso(t: dt.datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def ratelimit_aggregates(events: list[dict], query) -> dict:
    rows = [dict(e, oRateLimitRecorded=e["count"]) for e in events]
    return _aggregate(rows, _query_dict(query), RATELIMIT_DIMENSIONS, ("oRateLimitRecorded",),
                      lambda r: dt.datetime.fromtimestamp(r["time"], UTC))


# ---- conversations --------------------------------------------------------------------------------

def build_outbound_history(state, end: dt.date) -> list[dict]:
    queues = [q["id"] for q in state.org.raw["queues"]]
    rows = history.outbound_history(state.seed, end, int(state.org.raw["history_days"]), queues)
    for r in rows:
        r["time"] = dt.datetime.combine(dt.date.fromisoformat(r["date"]), dt.time(12), UTC)
        r["mediaType"] = "voice"
    return rows


def live_outbound_rows(calls) -> list[dict]:
    rows = []
    for c in calls:
        _, analytics_type, error_code, connects, _ = OUTCOME_MODEL[c.outcome]
        rows.append({"time": dt.datetime.fromtimestamp(c.created, UTC), "queueId": c.queue_id,
                     "direction": "outbound", "mediaType": "voice", "disconnectType": analytics_type,
                     "nOutbound": 1, "nOutboundAttempted": 1, "nOutboundConnected": int(connects),
                     "nError": int(c.outcome == "invalid_number")})
    return rows


def conversation_aggregates(rows: list[dict], query) -> dict:
    return _aggregate(rows, _query_dict(query), CONVERSATION_DIMENSIONS, CONVERSATION_METRICS, lambda r: r["time"])


def call_conversation(call, elapsed: float, timeline: float, org) -> dict:
    """A CallConversation whose participants move through dialing, contacting, connected, disconnected."""
    disconnect_type, _, error_code, connects, end_share = OUTCOME_MODEL[call.outcome]
    created = dt.datetime.fromtimestamp(call.created, UTC)
    at = lambda share: _iso(created + dt.timedelta(seconds=timeline * share))  # noqa: E731
    share = elapsed / timeline if timeline > 0 else 1.0
    ended = share >= end_share
    if ended:
        state = "disconnected"
    elif share < 0.15:
        state = "dialing"
    elif connects and share >= 0.4:
        state = "connected"
    else:
        state = "contacting"
    # Purposes by call kind (modelled): a number is `external`; placed for a queue (callFromQueueId) the far end is
    # the `customer` and the caller the `agent`; a call to a queue is answered by an `agent` through `acd`; a call to
    # a user is answered by that `user`.
    body = call.body or {}
    far_purpose, caller_purpose, extra = "external", "user", []
    if body.get("callQueueId"):
        far_purpose = "agent"
        extra = [{"id": call.id[:8] + "-q", "purpose": "acd", "queue": {"id": body["callQueueId"]},
                  "state": "disconnected" if state in ("connected", "disconnected") else state,
                  "startTime": _iso(created)}]
    elif body.get("callUserId"):
        far_purpose = "user"
    elif body.get("callFromQueueId"):
        far_purpose, caller_purpose = "customer", "agent"
    external = {"id": call.id[:8] + "-e", "purpose": far_purpose, "address": call.number or "",
                "state": state, "direction": "outbound", "startTime": _iso(created)}
    if body.get("callUserId"):
        external["user"] = {"id": body["callUserId"]}
    if connects and share >= 0.4:
        external["connectedTime"] = at(0.4)
    if ended:
        external["endTime"] = at(end_share)
        external["disconnectType"] = disconnect_type
        if error_code:
            external["errorInfo"] = {"code": error_code, "message": ERROR_MESSAGES[error_code]}
    user = org.users[call.user_id]
    agent = {"id": call.id[:8] + "-u", "purpose": caller_purpose, "name": user.name, "user": {"id": user.id},
             "address": "", "state": "disconnected" if ended else ("connected" if share >= 0.05 else "dialing"),
             "direction": "outbound", "startTime": _iso(created)}
    if ended:
        agent["endTime"] = at(end_share)
        agent["disconnectType"] = "client" if call.outcome == "answered" else "peer"
    return {"id": call.id, "participants": [agent, *extra, external], "selfUri": f"/api/v2/conversations/calls/{call.id}"}


# ---- Genesys' side of a call (modelled: shaped by the SDK's models, filled from the simulator's call) ------------

def conversation_details(call, elapsed: float, timeline: float, org) -> dict:
    """An AnalyticsConversationWithoutAttributes for one of the simulator's calls: its participants, sessions and
    segments, the far end's disconnect type and SIP response code as the call's outcome ends it (modelled)."""
    _, analytics_type, error_code, connects, end_share = OUTCOME_MODEL[call.outcome]
    created = dt.datetime.fromtimestamp(call.created, UTC)
    at = lambda share: _iso(created + dt.timedelta(seconds=timeline * share))  # noqa: E731
    ended = (elapsed / timeline if timeline > 0 else 1.0) >= end_share
    sip_code, _ = SIP_FINAL[call.outcome]
    segments: list[dict[str, Any]] = [{"segmentType": "dialing", "segmentStart": at(0), "segmentEnd": at(0.15)}]
    if connects:
        segments.append({"segmentType": "interact", "segmentStart": at(0.4), "segmentEnd": at(end_share)})
    else:
        segments.append({"segmentType": "alert", "segmentStart": at(0.15), "segmentEnd": at(end_share)})
    last = segments[-1]
    if ended:
        last["disconnectType"] = analytics_type
        last["sipResponseCodes"] = [sip_code]
        if error_code:
            last["errorCode"] = error_code
    else:
        last.pop("segmentEnd")
    user = org.users[call.user_id]
    caller = {"participantId": call.id[:8] + "-u", "purpose": "user", "userId": user.id,
              "sessions": [{"mediaType": "voice", "direction": "outbound", "sessionId": call.id[:8] + "-su",
                            "segments": [{"segmentType": "dialing", "segmentStart": at(0),
                                          **({"segmentEnd": at(end_share), "disconnectType": "peer"} if ended
                                             else {})}]}]}
    far = {"participantId": call.id[:8] + "-e", "purpose": "external",
           "sessions": [{"mediaType": "voice", "direction": "outbound", "sessionId": call.id[:8] + "-se",
                         "dnis": call.number or "", "protocolCallId": call.id[:8] + "@sim.invalid",
                         "segments": segments}]}
    out = {"conversationId": call.id, "conversationStart": at(0), "originatingDirection": "outbound",
           "participants": [caller, far]}
    if ended:
        out["conversationEnd"] = at(end_share)
    return out


def sip_messages(call, org) -> dict:
    """A Callmessage: the call's SIP ladder as text (INVITE, provisional answers, the final one), modelled."""
    code, reason = SIP_FINAL[call.outcome]
    number = call.number or "unknown"
    call_id = call.id[:8] + "@sim.invalid"
    lines = [f"INVITE sip:{number}@carrier.sim.invalid SIP/2.0", f"Call-ID: {call_id}",
             "SIP/2.0 100 Trying", f"Call-ID: {call_id}", "SIP/2.0 180 Ringing" if code in (200, 480) else "",
             f"SIP/2.0 {code} {reason}", f"Call-ID: {call_id}"]
    if code == 200:
        lines += ["ACK", "BYE", "SIP/2.0 200 OK"]
    return {"id": call.id, "name": "sip messages (modelled by the diag simulator)",
            "message": "\n".join(line for line in lines if line)}


def sip_capture(call, org) -> bytes:
    """The call's PCAP as the simulator models it: a pcap file (LINKTYPE_USER0, 147) whose records are the modelled
    SIP ladder's lines, one per record. Not Genesys' capture: a file to prove the download path, labelled inside."""
    import struct

    created = int(call.created)
    lines = ["diag simulator: a modelled capture, not Genesys'", *sip_messages(call, org)["message"].splitlines()]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 147)]
    for i, line in enumerate(lines):
        data = line.encode("utf-8")
        out.append(struct.pack("<IIII", created, i * 1000, len(data), len(data)) + data)
    return b"".join(out)


def sip_headers(call, org) -> dict:
    """A Callheader: the INVITE's headers, by name (modelled)."""
    number = call.number or "unknown"
    return {"id": call.id, "name": "sip headers (modelled by the diag simulator)",
            "headers": {"Call-ID": [call.id[:8] + "@sim.invalid"], "To": [f"<sip:{number}@carrier.sim.invalid>"],
                        "User-Agent": ["diag-sim"]}}


def operational_events(calls, interval: str | None) -> dict:
    """An EventQueryResponse for the window: one event for each of the simulator's calls in it that ended in error
    (modelled: the event definition is the simulator's own, not one of Genesys' Event Catalog). Without an interval
    (the SDK model does not require one), every such call the simulator holds (modelled)."""
    window = parse_interval(interval) if interval is not None else None
    events = []
    for call in calls:
        created = dt.datetime.fromtimestamp(call.created, UTC)
        _, _, error_code, _, _ = OUTCOME_MODEL[call.outcome]
        if error_code and (window is None or window[0] <= created <= window[1]):
            events.append({"eventDefinition": {"id": "diag-sim.call.ended-in-error"}, "errorCode": error_code,
                           "entityName": ERROR_MESSAGES[error_code], "conversation": {"id": call.id},
                           "dateCreated": _iso(created)})
    return {"entities": events}

