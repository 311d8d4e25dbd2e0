"""API usage queries through a session: the usage query, one client's summary, rate-limit pressure, call outcomes
(the frames they return are built by diag.core.frames).

"Chart the error codes" in Genesys Cloud means the API Usage query: counts of responses by status class
(2xx/3xx/4xx/5xx, with 429 inside 4xx) per endpoint, client and user. There is no
/api/v2/analytics/interactions/summary. Usage data is refreshed once a day and can be up to 24 h old.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from diag.core.errors import JobsRefused, UsageQueryError
from diag.core.facts import USAGE_JOBS_REACH_DAYS, USAGE_JOBS_SPAN_DAYS
from diag.core.frames import OUTBOUND_METRICS, usage_frame

if TYPE_CHECKING:   # pandas loads on first use, not with diag
    import pandas as pd

GRANULARITIES = ("Day", "Week", "Month")
GROUP_BY = ("OAuthClientId", "OrganizationId", "UserId", "TemplateUri", "HttpMethod")
METRICS = ("Status200", "Status300", "Status400", "Status500", "Status429", "Requests")
MAX_SPAN_DAYS = USAGE_JOBS_SPAN_DAYS   # the usage jobs' span (facts §6.1, §9.2); applied to the older query too
HISTORY_START = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)   # "history back to 2018" (facts §6.1, BLOG-USAGE)
FRESHNESS_NOTE = "Usage data is refreshed once a day and can be up to 24 h old."


@dataclass
class UsageQuery:
    start: dt.datetime
    end: dt.datetime
    granularity: str = "Day"
    group_by: list[str] = field(default_factory=lambda: ["TemplateUri", "HttpMethod"])
    metrics: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, *, days: int | None = None, interval: str | None = None, granularity: str = "Day",
              group_by: Iterable[str] | str = ("TemplateUri", "HttpMethod"), metrics: Iterable[str] = (),
              now: dt.datetime | None = None, allow_user: bool = True) -> UsageQuery:
        """Validated before anything is sent; every mistake says which parameter and what is allowed."""
        if (days is None) == (interval is None):
            raise UsageQueryError("Give either days or interval (e.g. 2026-01-01/2026-01-31).", field="interval")
        if interval is not None:
            start, end = parse_interval(interval)
        else:
            if not isinstance(days, int) or days < 1:
                raise UsageQueryError(f"days must be a whole number of at least 1, not {days!r}.", field="days")
            today = (now or dt.datetime.now(dt.timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
            reach = (today - HISTORY_START).days
            if days > reach:
                raise UsageQueryError(f"{days} days reaches before API usage history begins ({HISTORY_START:%Y-%m-%d}"
                                      f"): ask for {reach} days or fewer.", field="days")
            start, end = today - dt.timedelta(days=days), today
        if start < HISTORY_START:
            raise UsageQueryError(f"the interval starts {start:%Y-%m-%d}, before API usage history begins "
                                  f"({HISTORY_START:%Y-%m-%d}); ask for less.", field="days" if days else "interval")
        granularity = next((g for g in GRANULARITIES if g.lower() == str(granularity).strip().lower()), granularity)
        if granularity not in GRANULARITIES:
            raise UsageQueryError(f"granularity {granularity!r} is not one of {', '.join(GRANULARITIES)}.",
                                  field="granularity")
        groups = [g.strip() for g in group_by.split(",")] if isinstance(group_by, str) else list(group_by)
        allowed = [g for g in GROUP_BY if allow_user or g != "UserId"]
        for g in groups:
            if g not in allowed:
                raise UsageQueryError(f"groupBy {g!r} is not one of {', '.join(allowed)}.", field="groupBy")
        for m in metrics:
            if m not in METRICS:
                raise UsageQueryError(f"metric {m!r} is not one of {', '.join(METRICS)}.", field="metrics")
        return cls(start, end, granularity, [g for g in groups if g], list(metrics))

    @property
    def interval(self) -> str:
        return f"{_iso(self.start)}/{_iso(self.end)}"

    @property
    def label(self) -> str:
        """For chart titles: '2026-08-29 to 2026-11-27 (UTC)'."""
        return interval_label(self.start, self.end)

    def windows(self) -> list[UsageQuery]:
        """The query split into spans of at most 90 days."""
        out, cursor = [], self.start
        while cursor < self.end:
            nxt = min(cursor + dt.timedelta(days=MAX_SPAN_DAYS), self.end)
            out.append(UsageQuery(cursor, nxt, self.granularity, self.group_by, self.metrics))
            cursor = nxt
        return out

    def body(self) -> dict:
        body = {"interval": self.interval, "granularity": self.granularity, "groupBy": self.group_by}
        if self.metrics:
            body["metrics"] = self.metrics
        return body


def interval_label(start: dt.datetime, end: dt.datetime) -> str:
    fmt = "%Y-%m-%d" if start.time() == end.time() == dt.time(0) else "%Y-%m-%d %H:%M"
    return f"{start.astimezone(dt.timezone.utc).strftime(fmt)} to {end.astimezone(dt.timezone.utc).strftime(fmt)} (UTC)"


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_interval(text: str) -> tuple[dt.datetime, dt.datetime]:
    from diag.core import intervals

    try:
        return intervals.parse_interval(text)
    except ValueError as exc:
        raise UsageQueryError(f"{exc}.", field="interval") from None


# ---- running queries ----------------------------------------------------------------------------

POLL_INTERVAL = 5.0            # seconds between result polls on a real org (then backing off, up to 4x)
POLL_INTERVAL_SIMULATOR = 0.2  # the simulator's jobs complete on the second poll: no reason to wait


def poll_interval_for(session) -> float:
    """How often to poll a usage or analytics job's results on this session."""
    return POLL_INTERVAL_SIMULATOR if session.simulated else POLL_INTERVAL

def _poll(session, uri: str, finished: Callable[[dict, object], list[dict] | None], *, what: str,
          poll_interval: float = POLL_INTERVAL, timeout: float = 600.0,
          progress: bool | Callable[[int, str | None], None] = True,
          sleep: Callable[[float], None] | None = None) -> list[dict]:
    """GET `uri` until `finished(body, exchange)` gives the rows (or raises); an answer that is not a JSON object and
    time-outs are explained. Backs off up to 4x the interval. One loop for the older query and the usage jobs."""
    sleep = sleep or session.sleep
    deadline = time.monotonic() + timeout
    wait, polls, bar = poll_interval, 0, _bar(progress)
    try:
        while True:
            ex = session.send("GET", uri)
            polls += 1
            body = ex.response_body if isinstance(ex.response_body, dict) else None
            if bar is not None:
                bar.update(1)
            if callable(progress):   # a panel's own progress line
                progress(polls, body.get("queryStatus") if body else None)
            if not ex.ok or body is None:
                raise UsageQueryError(f"Polling {uri} failed with {ex.status or ex.transport_error}: "
                                      f"{ex.explanation or ''}".strip(), execution_id=uri)
            rows = finished(body, ex)
            if rows is not None:
                return rows
            if time.monotonic() + wait > deadline:
                raise UsageQueryError(f"The usage {what} was still {body.get('queryStatus')} after {polls} polls "
                                      f"({timeout:g} s); results can take minutes for long intervals. Try again "
                                      f"later with the same {what} ({uri}).", execution_id=uri)
            sleep(wait)
            wait = min(wait * 1.5, poll_interval * 4)
    finally:
        if bar is not None:
            bar.close()


def poll_results(session, results_uri: str, **poll) -> list[dict]:
    """GET the older query's results until Complete; Failed is explained (the rest: _poll)."""
    def finished(body: dict, ex) -> list[dict] | None:
        if body.get("queryStatus") == "Complete":
            return list(body.get("results") or [])
        if body.get("queryStatus") == "Failed":
            raise UsageQueryError("Genesys reported the usage query as Failed; try a shorter interval or fewer "
                                  "groupBy dimensions, and quote the correlation id "
                                  f"{ex.correlation_id} to support.", execution_id=results_uri)
        return None

    return _poll(session, results_uri, finished, what="query", **poll)


def _bar(progress):
    if not progress or callable(progress):
        return None
    from tqdm.auto import tqdm
    return tqdm(desc="waiting for usage results", unit="poll")


USAGE_JOBS = "/api/v2/usage/aggregates/query/jobs"
# The older query's groupBy names -> the jobs API's (facts §6.1: "note different casing"); a client is asked for by
# id and name together. OrganizationId has no jobs counterpart (it is the org's own usage anyway).
JOB_GROUP_BY = {"OAuthClientId": ("OauthClientId", "OauthClientName"), "UserId": ("UserId",),
                "TemplateUri": ("TemplateUri",), "HttpMethod": ("HttpMethod",), "OrganizationId": ()}
BUILT_IN = " (Genesys built-in)"


def query_usage(session, query: UsageQuery, *, client_id: str | None = None, api: str = "auto",
                **poll) -> pd.DataFrame:
    """The usage of the org (or one OAuth client), as one tidy frame; frame.attrs["usage_api"] says which API
    answered. api="auto": the usage jobs API (Genesys' newer one, which also counts its built-in clients), and the
    older POST /api/v2/usage/query only when the jobs API refuses or cannot reach the interval, labelled as the
    fallback; "jobs" or "query" to ask one of them only."""
    reason = None
    if api in ("auto", "jobs"):
        now = dt.datetime.now(dt.timezone.utc)
        if query.start < now - dt.timedelta(days=USAGE_JOBS_REACH_DAYS):
            reason = "the jobs API reaches back one year"
        else:
            try:
                frame = _query_jobs(session, query, client_id, **poll)
            except JobsRefused as exc:
                reason = str(exc)
            else:
                return frame
        if api == "jobs":
            raise JobsRefused(f"The usage jobs API cannot answer this: {reason}.", field=None)
    frame = _query_older(session, query, client_id=client_id, **poll)
    path = "/api/v2/oauth/clients/{clientId}/usage/query" if client_id else "/api/v2/usage/query"
    frame.attrs["usage_api"] = (f"POST {path}" + (f" (fallback: {reason}; it leaves Genesys' built-in clients "
                                                  "out)" if reason else ""))
    return frame


def _query_jobs(session, query: UsageQuery, client_id: str | None, **poll) -> pd.DataFrame:
    start = f"/api/v2/usage/client/{client_id}/aggregates/query/jobs" if client_id else USAGE_JOBS
    groups = [g for name in query.group_by for g in JOB_GROUP_BY.get(name, ())]
    if client_id:
        groups = [g for g in groups if g not in ("OauthClientId", "OauthClientName", "UserId")]
    rows: list[dict] = []
    for window in query.windows():
        body = {"interval": window.interval, "granularity": window.granularity, "groupBy": groups}
        ex = session.send("POST", start, body)
        if not ex.ok or not isinstance(ex.response_body, dict) or not ex.response_body.get("id"):
            raise JobsRefused(f"POST {start} answered {ex.status or ex.transport_error}"
                              + (f" {ex.error_code}" if ex.error_code else ""), field=None)
        rows += poll_job(session, f"{start}/{ex.response_body['id']}", **poll)
    by_client = any("oauthClient" in r for r in rows)
    own = _own_client_ids(session) if by_client else None
    frame = usage_frame([_job_row(r, own) for r in rows], group_by=query.group_by)
    frame.attrs["usage_api"] = f"POST {start}" + (" (built-in clients not told apart: GET /api/v2/oauth/clients "
                                                  "was refused)" if by_client and own is None else "")
    return frame


def poll_job(session, job_uri: str, **poll) -> list[dict]:
    """GET the job until Succeeded, then every page (nextUri); Failed and Cancelled are explained (the rest: _poll)."""
    def finished(body: dict, ex) -> list[dict] | None:
        status = body.get("queryStatus")
        if status in ("Failed", "Cancelled"):
            error = body.get("errorBody")
            said = error.get("message") if isinstance(error, dict) else None
            raise UsageQueryError(f"Genesys reported the usage job as {status}" + (f": {said}" if said else "")
                                  + f"; quote the correlation id {ex.correlation_id} to support.",
                                  execution_id=job_uri)
        if status != "Succeeded":
            return None
        rows = list(body.get("entities") or [])
        while body.get("nextUri"):   # the pages of a finished job: no waiting between them
            nxt = str(body["nextUri"])
            page = session.send("GET", nxt if nxt.startswith("/api/v2/") else
                                urlsplit(nxt)._replace(scheme="", netloc="").geturl())
            if not page.ok or not isinstance(page.response_body, dict):
                raise UsageQueryError(f"Reading {nxt} failed with {page.status or page.transport_error}: "
                                      f"{page.explanation or ''}".strip(), execution_id=job_uri)
            body = page.response_body
            rows += list(body.get("entities") or [])
        return rows

    return _poll(session, f"{job_uri}?pageSize=1000", finished, what="job", **poll)


def _own_client_ids(session) -> set[str] | None:
    """The org's own OAuth clients (GET /api/v2/oauth/clients): a client in the usage that is not among them is one
    of Genesys' built-in clients (modelled: the usage row itself does not say). None when it cannot be read."""
    ex = session.send("GET", "/api/v2/oauth/clients")   # the SDK names no query parameter for it
    body = ex.response_body if ex.ok and isinstance(ex.response_body, dict) else None
    if body is None or not isinstance(body.get("entities"), list):
        return None
    total = body.get("total")
    if body.get("nextUri") or isinstance(total, int) and total > len(body["entities"]):
        return None   # a partial list would call an org's own client built-in: say it cannot be told instead
    return {str(e.get("id")) for e in body["entities"] if isinstance(e, dict)}


def _job_row(r: dict, own: set[str] | None) -> dict:
    """An OrganizationPublicApiUsage row in the shape the frames and charts read (ApiUsageRow's field names)."""
    found_client, found_user = r.get("oauthClient"), r.get("user")
    client: dict = found_client if isinstance(found_client, dict) else {}
    user: dict = found_user if isinstance(found_user, dict) else {}
    row = {"date": f"{str(r.get('date'))[:10]}T00:00:00Z", "requests": r.get("requestCount", 0),
           **{k: r.get(k, 0) for k in ("status200", "status300", "status400", "status500", "status429")}}
    for key in ("templateUri", "httpMethod", "platform"):
        if r.get(key) is not None:
            row[key] = r[key]
    if client.get("id"):
        name = str(client.get("name") or client["id"])
        row["clientId"] = client["id"]
        row["clientName"] = name + BUILT_IN if own is not None and str(client["id"]) not in own else name
    if user.get("id"):
        row["userId"] = user["id"]
    return row


def _query_older(session, query: UsageQuery, *, client_id: str | None = None, **poll) -> pd.DataFrame:
    """POST /api/v2/usage/query (or the client's), window by window; one tidy frame."""
    rows: list[dict] = []
    for window in query.windows():
        path = f"/api/v2/oauth/clients/{client_id}/usage/query" if client_id else "/api/v2/usage/query"
        ex = session.send("POST", path, window.body())
        if not ex.ok:
            raise UsageQueryError(f"The usage query was refused ({ex.status} {ex.error_code or ''}): "
                                  f"{ex.explanation}", field=None)
        rows += poll_results(session, ex.response_body["resultsUri"], **poll)
    return usage_frame(rows, group_by=query.group_by)


def client_usage_summary(session, client_id: str, days: int = 7, **poll) -> pd.DataFrame:
    """GET /api/v2/oauth/clients/{clientId}/usage/summary?days=N: one integration's usage (what exists when
    somebody asks for "the analytics summary")."""
    if not isinstance(days, int) or days < 1:
        raise UsageQueryError(f"days must be a whole number of at least 1, not {days!r}.", field="days")
    ex = session.send("GET", f"/api/v2/oauth/clients/{client_id}/usage/summary", params={"days": days})
    if not ex.ok:
        raise UsageQueryError(f"The usage summary was refused ({ex.status} {ex.error_code or ''}): {ex.explanation}")
    return usage_frame(poll_results(session, ex.response_body["resultsUri"], **poll))


def ratelimit_frame(session, interval: str, granularity: str = "P1D") -> pd.DataFrame:
    """Which limits came near their maximum (oRateLimitRecorded: 90 % reached, a best-effort estimate), when."""
    import pandas as pd

    start, end = parse_interval(interval)
    body = {"interval": f"{_iso(start)}/{_iso(end)}", "granularity": granularity, "metrics": ["oRateLimitRecorded"],
            "groupBy": ["limitName", "namespace", "entityId"]}
    rows = [{"date": date, **group, "recorded": counts.get("oRateLimitRecorded", 0)} for date, group, counts in
            _aggregate_points(session, "/api/v2/analytics/ratelimits/aggregates/query", body, "rate-limit query")]
    frame = pd.DataFrame(rows, columns=["date", "limitName", "namespace", "entityId", "recorded"])
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    frame["recorded"] = frame["recorded"].astype("int64")
    return frame.sort_values("date").reset_index(drop=True)


def _aggregate_points(session, path: str, body: dict, what: str):
    """POST an analytics aggregates query; yield (interval start, group, {metric: count}) per data point."""
    ex = session.send("POST", path, body)
    if not ex.ok:
        raise UsageQueryError(f"The {what} was refused ({ex.status} {ex.error_code or ''}): {ex.explanation}")
    for group in ex.response_body.get("results") or []:
        for point in group.get("data") or []:
            counts = {m["metric"]: (m.get("stats") or {}).get("count", 0) for m in point.get("metrics") or []}
            yield point["interval"].split("/")[0], group.get("group", {}), counts




def outbound_frame(session, interval: str, granularity: str = "P1D",
                   group_by: Iterable[str] = ("disconnectType",)) -> pd.DataFrame:
    """Outbound call outcomes from the conversation aggregates: attempted vs connected vs error."""
    import pandas as pd

    start, end = parse_interval(interval)
    groups = list(group_by)
    body = {"interval": f"{_iso(start)}/{_iso(end)}", "granularity": granularity, "groupBy": groups,
            "metrics": list(OUTBOUND_METRICS),
            "filter": {"type": "and", "predicates": [{"type": "dimension", "dimension": "direction",
                                                       "operator": "matches", "value": "outbound"}]}}
    rows = [{"date": date, **{g: group.get(g) for g in groups}, **counts} for date, group, counts in
            _aggregate_points(session, "/api/v2/analytics/conversations/aggregates/query", body,
                              "conversation aggregates query")]
    frame = pd.DataFrame(rows, columns=["date", *groups, *OUTBOUND_METRICS])
    frame["date"] = pd.to_datetime(frame["date"], utc=True)
    for m in OUTBOUND_METRICS:
        frame[m] = pd.to_numeric(frame[m], errors="coerce").fillna(0).astype("int64")
    return frame.sort_values("date").reset_index(drop=True)


