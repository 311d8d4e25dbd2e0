"""The ticket workflow: a session's exchanges, its secrets and (optionally) usage charts into the bundle.

Orchestration over the client (usage queries) and the reports (charts, bundle formats); the notebooks' export
panel and `python -m diag bundle` use it.
"""
from __future__ import annotations

from pathlib import Path
from collections.abc import Iterable

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
    """(chart makers, frames) of the last `days` of usage: the bundle draws each chart from its cleaned frames."""
    from diag.client.usage import UsageQuery, outbound_frame, poll_interval_for, query_usage, ratelimit_frame

    q = UsageQuery.build(days=days, group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
    frames = {"usage": query_usage(session, q, poll_interval=poll_interval_for(session), progress=False), "rate_limits": ratelimit_frame(session, q.interval),
              "outbound": outbound_frame(session, q.interval)}
    return usage_chart_makers(session.label, q.label), frames


def usage_chart_makers(source: str, span: str) -> dict:
    """The usage charts (errors first, as the dashboard) as functions of the frames {"usage", "rate_limits",
    "outbound"}."""
    from diag.reports import charts

    return {"errors": lambda f: charts.errors_over_time(f["usage"], source, span),
            "status_classes": lambda f: charts.status_classes_over_time(f["usage"], source, span),
            "top_endpoints": lambda f: charts.top_endpoints(f["usage"], source, span),
            "clients": lambda f: charts.clients_comparison(f["usage"], source, span),
            "rate_limit_pressure": lambda f: charts.ratelimit_pressure(f["rate_limits"], f["usage"], source, span),
            "outbound_outcomes": lambda f: charts.outbound_outcomes(f["outbound"], source, span)}
