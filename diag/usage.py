"""API usage into tidy pandas frames: the usage query, one client's summary, rate-limit pressure, call outcomes,
and the session's own exact status codes.

"Chart the error codes" in Genesys Cloud means the API Usage query: counts of responses by status class
(2xx/3xx/4xx/5xx, with 429 inside 4xx) per endpoint, client and user. There is no
/api/v2/analytics/interactions/summary. Usage data is refreshed once a day and can be up to 24 h old.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .errors import DiagError

if TYPE_CHECKING:   # pandas loads on first use, not with diag
    import pandas as pd

GRANULARITIES = ("Day", "Week", "Month")
GROUP_BY = ("OAuthClientId", "OrganizationId", "UserId", "TemplateUri", "HttpMethod")
METRICS = ("Status200", "Status300", "Status400", "Status500", "Status429", "Requests")
COUNTS = ("status200", "status300", "status400", "status500", "status429", "requests")
GROUP_COLUMNS = {"OAuthClientId": "clientId", "OrganizationId": "organizationId", "UserId": "userId",
                 "TemplateUri": "templateUri", "HttpMethod": "httpMethod"}
MAX_SPAN_DAYS = 90   # documented for the usage jobs API (facts §6.1); applied to the query too, to be safe
FRESHNESS_NOTE = "Usage data is refreshed once a day and can be up to 24 h old."


class UsageQueryError(DiagError):
    """A usage query that is wrong before it is sent, failed at Genesys, or did not finish in time."""

    def __init__(self, message: str, *, field: str | None = None, execution_id: str | None = None):
        super().__init__(message)
        self.field, self.execution_id = field, execution_id


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
              now: dt.datetime | None = None, allow_user: bool = True) -> "UsageQuery":
        """Validated before anything is sent; every mistake says which parameter and what is allowed."""
        if (days is None) == (interval is None):
            raise UsageQueryError("Give either days or interval (e.g. 2026-01-01/2026-01-31).", field="interval")
        if interval is not None:
            start, end = parse_interval(interval)
        else:
            if not isinstance(days, int) or days < 1:
                raise UsageQueryError(f"days must be a whole number of at least 1, not {days!r}.", field="days")
            today = (now or dt.datetime.now(dt.timezone.utc)).replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = today - dt.timedelta(days=days), today
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

    def windows(self) -> list["UsageQuery"]:
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
    parts = str(text).split("/")
    if len(parts) != 2:
        raise UsageQueryError(f"interval {text!r} must be 'start/end' in ISO-8601, e.g. 2026-01-01/2026-01-31.",
                              field="interval")
    try:
        start, end = (_instant(p) for p in parts)
    except ValueError:
        raise UsageQueryError(f"interval {text!r} is not ISO-8601 (e.g. 2026-01-01/2026-01-31 or "
                              "2026-01-01T00:00:00Z/2026-01-08T00:00:00Z).", field="interval") from None
    if end <= start:
        raise UsageQueryError(f"interval {text!r} ends before it starts.", field="interval")
    return start, end


def _instant(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


# ---- running queries ----------------------------------------------------------------------------

def poll_results(session, results_uri: str, *, poll_interval: float = 5.0, timeout: float = 600.0,
                 progress: bool = True, sleep: Callable[[float], None] | None = None) -> list[dict]:
    """GET the results until Complete; Failed and time-outs are explained. Backs off up to 4x the interval."""
    sleep = sleep or session.sleep
    deadline = time.monotonic() + timeout
    wait = poll_interval
    bar = _bar(progress)
    polls = 0
    try:
        while True:
            ex = session.send("GET", results_uri)
            polls += 1
            if bar is not None:
                bar.update(1)
            if not ex.ok or not isinstance(ex.response_body, dict):
                raise UsageQueryError(f"Polling {results_uri} failed with {ex.status or ex.transport_error}: "
                                      f"{ex.explanation or ''}".strip(), execution_id=results_uri)
            status = ex.response_body.get("queryStatus")
            if status == "Complete":
                return list(ex.response_body.get("results") or [])
            if status == "Failed":
                raise UsageQueryError("Genesys reported the usage query as Failed; try a shorter interval or fewer "
                                      "groupBy dimensions, and quote the correlation id "
                                      f"{ex.correlation_id} to support.", execution_id=results_uri)
            if time.monotonic() + wait > deadline:
                raise UsageQueryError(f"The usage query was still {status} after {polls} polls ({timeout:g} s); "
                                      "results can take minutes for long intervals. Try again later with the same "
                                      f"execution ({results_uri}).", execution_id=results_uri)
            sleep(wait)
            wait = min(wait * 1.5, poll_interval * 4)
    finally:
        if bar is not None:
            bar.close()


def _bar(progress: bool):
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(desc="waiting for usage results", unit="poll")


def query_usage(session, query: UsageQuery, *, client_id: str | None = None, **poll) -> "pd.DataFrame":
    """Run the usage query (org-wide, or one OAuth client's), window by window; one tidy frame."""
    rows: list[dict] = []
    for window in query.windows():
        path = f"/api/v2/oauth/clients/{client_id}/usage/query" if client_id else "/api/v2/usage/query"
        ex = session.send("POST", path, window.body())
        if not ex.ok:
            raise UsageQueryError(f"The usage query was refused ({ex.status} {ex.error_code or ''}): "
                                  f"{ex.explanation}", field=None)
        rows += poll_results(session, ex.response_body["resultsUri"], **poll)
    return usage_frame(rows, group_by=query.group_by)


def client_usage_summary(session, client_id: str, days: int = 7, **poll) -> "pd.DataFrame":
    """GET /api/v2/oauth/clients/{clientId}/usage/summary?days=N: one integration's usage (what exists when
    somebody asks for "the analytics summary")."""
    if not isinstance(days, int) or days < 1:
        raise UsageQueryError(f"days must be a whole number of at least 1, not {days!r}.", field="days")
    ex = session.send("GET", f"/api/v2/oauth/clients/{client_id}/usage/summary", params={"days": days})
    if not ex.ok:
        raise UsageQueryError(f"The usage summary was refused ({ex.status} {ex.error_code or ''}): {ex.explanation}")
    return usage_frame(poll_results(session, ex.response_body["resultsUri"], **poll))


# ---- frames ---------------------------------------------------------------------------------------

def usage_frame(rows: list[dict] | Iterable[dict], group_by: Iterable[str] = ()) -> "pd.DataFrame":
    """ApiUsageRow dicts -> one row per date x group, typed, with derived columns.

    status4xx_other = status400 - status429 (429 is part of the 4xx count: never count it twice);
    error_rate = (status400 + status500) / requests; share_429 = status429 / requests.
    """
    import pandas as pd

    return _typed(pd.DataFrame.from_records(rows if isinstance(rows, list) else list(rows)), group_by)


def usage_frame_from_pages(pages: Iterable, group_by: Iterable[str] = ()) -> "pd.DataFrame":
    """The same frame from result pages (JSON text or parsed dicts), one page at a time: only one page of row
    dicts is alive at once, which keeps a million-row export well under a gigabyte."""
    import pandas as pd

    try:
        from orjson import loads
    except ImportError:  # pragma: no cover - orjson is in requirements.txt; the stdlib is the fallback
        from json import loads

    parts = []
    for page in pages:
        data = loads(page) if isinstance(page, (str, bytes)) else page
        rows = data.get("results", []) if isinstance(data, dict) else data
        if rows:
            parts.append(pd.DataFrame.from_records(rows))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return _typed(frame, group_by)


def _dates(column) -> "pd.Series":
    """Parse each distinct date once: usage rows repeat a handful of dates over many groups."""
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    parsed = pd.DatetimeIndex(pd.to_datetime(pd.Series(uniques, dtype="object"), utc=True, format="ISO8601"))
    return pd.Series(parsed.take(codes, allow_fill=True, fill_value=pd.NaT), index=column.index)


def _typed(frame, group_by: Iterable[str] = ()) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    groups = [GROUP_COLUMNS[g] for g in group_by if g in GROUP_COLUMNS]
    for col in ("date", *COUNTS, *groups):
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object" if col not in COUNTS else "int64")
    frame["date"] = _dates(frame["date"]) if len(frame) else pd.to_datetime(frame["date"], utc=True)
    for col in COUNTS:
        if frame[col].dtype != "int64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype("int64")
    if "clientName" not in frame.columns and "clientId" in frame.columns:
        frame["clientName"] = frame["clientId"]
    frame["status4xx_other"] = frame["status400"] - frame["status429"]
    requests = frame["requests"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["error_rate"] = np.where(requests > 0, (frame["status400"] + frame["status500"]) / requests, 0.0)
        frame["share_429"] = np.where(requests > 0, frame["status429"] / requests, 0.0)
    lead = ["date"] + [c for c in ("clientId", "clientName", "organizationId", "userId", "templateUri",
                                    "httpMethod") if c in frame.columns]
    rest = [c for c in frame.columns if c not in lead]
    return frame[lead + rest].sort_values("date", kind="stable").reset_index(drop=True)


def ratelimit_frame(session, interval: str, granularity: str = "P1D") -> "pd.DataFrame":
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


OUTBOUND_METRICS = ("nOutboundAttempted", "nOutboundConnected", "nError")


def outbound_frame(session, interval: str, granularity: str = "P1D",
                   group_by: Iterable[str] = ("disconnectType",)) -> "pd.DataFrame":
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


def exchange_frame(log, freq: str = "min") -> "pd.DataFrame":
    """The session's own calls with their exact status codes (400/401/403/404/429/5xx), counted per time bucket."""
    import pandas as pd

    frame = log.to_frame() if hasattr(log, "to_frame") else log
    frame = frame[frame["status"].notna()]
    if frame.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns, UTC]"), "template": pd.Series(dtype=object),
                             "method": pd.Series(dtype=object), "status": pd.Series(dtype="int64"),
                             "count": pd.Series(dtype="int64")})
    out = (frame.assign(date=frame["started"].dt.floor(freq), status=frame["status"].astype("int64"))
           .groupby(["date", "template", "method", "status"]).size().reset_index(name="count"))
    out["count"] = out["count"].astype("int64")
    return out


# ---- CSV ------------------------------------------------------------------------------------------

def save_csv(frame, path: str | Path) -> Path:
    path = Path(path)
    frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
    return path


def load_csv(path: str | Path) -> "pd.DataFrame":
    """A saved frame back, typed: dates timezone-aware, counts integers."""
    import pandas as pd

    frame = pd.read_csv(path)
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"], utc=True)
    for col in frame.columns:
        if col in COUNTS or col in OUTBOUND_METRICS or col in ("status4xx_other", "recorded", "count", "status"):
            frame[col] = frame[col].fillna(0).astype("int64")
    for col in ("userId", "clientId", "templateUri", "httpMethod", "clientName"):
        if col in frame.columns:
            frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    return frame
