"""The ticket workflow: a session's exchanges, its secrets and (optionally) usage charts into the bundle.

Orchestration over the client (usage queries) and the reports (charts, bundle formats); the notebooks' export
panel and `python -m diag bundle` use it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from diag.core.exchange import Exchange, LogSource
from diag.reports.bundle import Bundle, bundle_from_log


def bundle_from_session(out: str | Path, session, *, exchanges: Iterable[Exchange] | None = None,
                        usage_days: int | None = None, **kwargs) -> Bundle:
    """The usual call: the session's exchanges (or a selection), its secrets, and optionally usage charts."""
    figures, frames = dict(kwargs.pop("figures", {}) or {}), dict(kwargs.pop("frames", {}) or {})
    chosen = list(exchanges if exchanges is not None else session.log)
    found = LogSource.of(chosen)
    org = getattr(session, "_org", None)
    if found and not found.matches(session.simulated, session.region, org.id if org else None):
        raise ValueError(f"the exchanges are from {found.label} but this session is {session.label}: a ticket "
                         "shows one source; connect to where the exchanges were sent"
                         + (f" (--region {found.region})" if not found.simulated else ""))
    if usage_days:
        f, d = usage_charts(session, usage_days)
        figures.update(f)
        frames.update(d)
    secrets = list(session.tokens.secrets()) + list(kwargs.pop("secrets", []) or [])
    return bundle_from_log(out, chosen, source=session.label,
                           figures=figures, frames=frames, secrets=secrets, **kwargs)


def usage_charts(session, days: int) -> tuple[dict, dict]:
    from diag.client.usage import UsageQuery, outbound_frame, query_usage, ratelimit_frame
    from diag.reports import charts

    q = UsageQuery.build(days=days, group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
    poll = {"poll_interval": 0.2 if session.simulated else 5.0, "progress": False}
    usage = query_usage(session, q, **poll)
    rl = ratelimit_frame(session, q.interval)
    ob = outbound_frame(session, q.interval)
    figures = {"status_classes": charts.status_classes_over_time(usage, session.label, q.label),
               "top_endpoints": charts.top_endpoints(usage, session.label, q.label),
               "clients": charts.clients_comparison(usage, session.label, q.label),
               "rate_limit_pressure": charts.ratelimit_pressure(rl, usage, session.label, q.label),
               "outbound_outcomes": charts.outbound_outcomes(ob, session.label, q.label)}
    return figures, {"usage": usage, "rate_limits": rl, "outbound": ob}
