"""The error-code dashboard: date range, granularity, group-by and filters; the usage query with a progress bar;
the charts and the top-offenders table; a second tab for outbound call outcomes."""
from __future__ import annotations

import datetime as dt
import html

import traitlets

from diag.app.widgets.common import PanelModel, error_html, png_image, run_safely, show
from diag.client.session import doing
from diag.client.usage import (GRANULARITIES, GROUP_BY, UsageQuery, outbound_frame, poll_interval_for, query_usage,
                               ratelimit_frame)

ALL = "(all)"


class DashboardModel(PanelModel):
    # what the person chooses (the view's widgets are linked to these)
    start = traitlets.Any()
    end = traitlets.Any()
    granularity = traitlets.Unicode("Day")
    group_by: traitlets.List = traitlets.List(["OAuthClientId", "TemplateUri", "HttpMethod"])
    endpoint_filter = traitlets.Unicode("")
    client_filter = traitlets.Unicode(ALL)
    # what the panel shows
    figures: traitlets.Dict = traitlets.Dict()      # name -> matplotlib figure of the usage charts
    outbound_figure = traitlets.Any(None, allow_none=True)
    client_options: traitlets.List = traitlets.List([ALL])
    client_note = traitlets.Unicode("")       # why the client filter offers nothing, when it does not
    source = traitlets.Unicode("")            # where the data comes from (HTML)
    codes = traitlets.Unicode("")             # the workspace's error codes of this org (HTML)
    summary = traitlets.Unicode("")
    table = traitlets.Unicode("")

    def __init__(self, session, days: int = 30, today: dt.date | None = None):
        super().__init__()
        self.session = session
        today = today or dt.datetime.now(dt.timezone.utc).date()
        self.start, self.end = today - dt.timedelta(days=days), today
        self.usage = self.rate_limits = self.outbound = None
        self.query: UsageQuery | None = None
        self.poll_interval = poll_interval_for(session)
        self.progress = True
        self.publish()

    @traitlets.observe("group_by")
    def _grouped(self, _change) -> None:   # the client filter needs OAuthClientId among the groups
        self.client_note = self.client_filter_note

    @traitlets.observe("endpoint_filter", "client_filter")
    def _filtered(self, _change) -> None:
        if self.usage is not None:   # each filter redraws the charts
            run_safely(self, self.build_figures, False)

    def _publish(self) -> None:
        api = self.usage.attrs.get("usage_api") if self.usage is not None else None
        self.source = (f"<b>Source:</b> <span class='diag-source'>{html.escape(self.session.label)}</span>. Usage "
                       "data is refreshed once a day and can be up to 24 h old."
                       + (f" <span class='diag-usage-api'>Usage from <code>{html.escape(api)}</code>.</span>"
                          if api else ""))
        self.client_options = self.clients
        self.client_note = self.client_filter_note
        codes = self.exact_codes()
        self.codes = ("<p>No error answers in this org's sessions in the workspace yet.</p>" if codes.empty else
                      "<p>Error answers of this org's sessions in the workspace (this one included):</p>"
                      + codes.to_html(index=False, border=0, classes="diag-codes"))
        if self.usage is None:
            self.summary = self.table = ""
            return
        f = self.filtered()
        self.summary = (f"<b>{int(f['requests'].sum()):,}</b> requests, <b>{int(f['status400'].sum()):,}</b> "
                        f"4xx (of which <b>{int(f['status429'].sum()):,}</b> 429), "
                        f"<b>{int(f['status500'].sum()):,}</b> 5xx, {html.escape(self.span_label)}")
        self.table = "<b>Top offenders</b>" + self.top_offenders().to_html(index=False, border=0)

    @traitlets.validate("start", "end")
    def _a_date(self, proposal):
        """A day: a date, a datetime's day, or its ISO text (2026-11-01), as code sets it; None when a picker is
        cleared (run() says so)."""
        value = proposal["value"]
        if value is None or type(value) is dt.date:
            return value
        if isinstance(value, dt.datetime):
            return value.date()
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            name = "From" if proposal["trait"].name == "start" else "To"
            raise traitlets.TraitError(f"{name} must be a date (such as 2026-11-01), not {str(value)[:40]!r}") \
                from None

    def run(self, on_progress=None) -> None:
        """Query [From, To] with To included (the API's interval end is exclusive: To + 1 day is sent)."""
        if self.start is None or self.end is None:
            raise ValueError("choose both From and To (a date each) before running the query")
        if self.end > dt.date.today() + dt.timedelta(days=366):
            raise ValueError(f"To ({self.end}) is more than a year ahead: usage data goes up to today, choose an "
                             "earlier To")
        if self.start > self.end:
            raise ValueError(f"From ({self.start}) is after To ({self.end}): To is the last day included")
        end = self.end + dt.timedelta(days=1)
        self.query = UsageQuery.build(interval=f"{self.start.isoformat()}/{end.isoformat()}",
                                      granularity=self.granularity, group_by=self.group_by)
        with doing(self.session, "usage"):   # diag's own questions: a ticket leaves them out unless chosen
            self.usage = query_usage(self.session, self.query, poll_interval=self.poll_interval,
                                     progress=on_progress or self.progress)
            self.rate_limits = ratelimit_frame(self.session, self.query.interval)
            self.outbound = outbound_frame(self.session, self.query.interval)
        self._ran = (self.start, self.end, self.granularity)   # what the data is of, whatever the pickers say next
        self.build_figures()

    @property
    def _span(self) -> tuple:
        """(From, To, granularity) of the data shown: the query that made it, not the pickers (changed since, or
        cleared, or a query that failed)."""
        return self.__dict__.get("_ran") or (self.start, self.end, self.granularity)

    @property
    def span_label(self) -> str:
        start, end, granularity = self._span
        if start is None or end is None:
            return "no dates chosen"
        return f"{start.isoformat()} to {end.isoformat()} (inclusive), by {granularity.lower()}"

    @property
    def client_filter_note(self) -> str:
        """Why the client filter offers nothing, when it does not."""
        if "OAuthClientId" not in self.group_by:
            return "To filter by client, add OAuthClientId to Group by and run the query again."
        return ""

    def partial_periods(self) -> tuple:
        """Periods the data does not wholly cover: today's (usage is up to 24 h old), and a first or last week or
        month cut by the dates chosen."""
        import pandas as pd

        if self.usage is None or self.usage.empty:
            return ()
        start, end, granularity = self._span
        if start is None or end is None:
            return ()
        dates = sorted(pd.to_datetime(self.usage["date"].unique(), utc=True))
        out = []
        today = pd.Timestamp(dt.datetime.now(dt.timezone.utc).date(), tz="UTC")
        step = {"Day": pd.Timedelta(days=1), "Week": pd.Timedelta(days=7)}.get(granularity)
        first, last = dates[0], dates[-1]
        if granularity != "Day" and first.date() > start:
            out.append(first)
        if granularity == "Week" and start.weekday() != 0:
            out.append(first)
        if granularity == "Month" and start.day != 1:
            out.append(first)
        end_of_last = last + step if step is not None else last + pd.offsets.MonthBegin(1)
        if end_of_last > today or end_of_last.date() > end + dt.timedelta(days=1):
            out.append(last)
        return tuple(sorted(set(out)))

    def workspace_exchanges(self) -> list:
        """This session's exchanges and those of the workspace's 20 newest other sessions with the same source (the
        simulator, or this region and org): the error codes are the org's, not one panel's."""
        from diag.core import workspace
        from diag.core.exchange import ExchangeLog, LogSource

        out = list(self.session.log)
        own = getattr(self.session.log, "autosave", None)
        org = getattr(self.session, "_org", None)
        cache = self.__dict__.setdefault("_other_logs", {})   # path -> (modified, exchanges, source)
        root = workspace.home()
        folder = root / "sessions" if root is not None else None
        listed = folder.stat().st_mtime_ns if folder is not None and folder.is_dir() else None
        if self.__dict__.get("_listed") != listed or "_infos" not in self.__dict__:
            # the folder's listing is read again only when a session log was added or removed (refresh runs on
            # every filter change)
            self._listed, self._infos = listed, workspace.recent_logs(limit=20, exclude=own, calls_only=False)
        for info in self._infos:
            stamp = info.modified.timestamp()
            if cache.get(info.path, (None,))[0] != stamp:   # read each log once, and again only when it changes
                try:
                    exchanges = list(ExchangeLog.load(info.path))
                    cache[info.path] = (stamp, exchanges, LogSource.of(exchanges))
                except (OSError, ValueError):
                    cache[info.path] = (stamp, [], None)   # unreadable or mixed: said where it is opened, not here
            _, exchanges, found = cache[info.path]
            if found is not None and found.matches(self.session.simulated, self.session.region,
                                                   org.id if org else None):
                out += exchanges
        return out

    def exact_codes(self):
        """The calls of this org's sessions in the workspace (this one included) by exact error code: count, first
        and last seen (UTC), an example correlation id: what support asks for."""
        import pandas as pd

        rows = {}
        for e in sorted(self.workspace_exchanges(), key=lambda e: str(e.started)):
            if e.superseded or (e.status or 0) < 400 and not e.transport_error:
                continue
            key = (e.status, e.error_code or (e.transport_error and "no answer") or "")
            r = rows.setdefault(key, {"status": e.status or "-", "code": key[1], "count": 0, "first seen": e.started,
                                      "last seen": e.started, "example correlation id": e.correlation_id or "-"})
            r["count"] += 1
            r["last seen"] = e.started
        frame = pd.DataFrame(list(rows.values()), columns=["status", "code", "count", "first seen", "last seen",
                                                          "example correlation id"])
        for col in ("first seen", "last seen"):
            frame[col] = frame[col].str.slice(0, 19).str.replace("T", " ") + " UTC"
        return frame.sort_values("count", ascending=False)

    def limits(self):
        """Which rate limit this session's requests reached (its own exchange log; the org's other traffic is in
        the usage charts)."""
        from diag.core.limits import limits_of_exchanges

        return limits_of_exchanges(list(self.session.log))

    def busiest_client_html(self, days: int = 7) -> str:
        """The usage summary of the OAuth client with the most requests, as a compact table (what one integration
        did, day by day), or why there is none."""
        from diag.client.usage import client_usage_summary

        if self.usage is None or self.usage.empty or "clientId" not in self.usage.columns:
            return ("<p>Run the usage query grouped by OAuthClientId to see one integration's usage summary.</p>")
        from diag.client.usage import BUILT_IN

        own = self.usage
        if "clientName" in own.columns:   # Genesys' built-in clients have no usage summary of the org's to show
            own = own[~own["clientName"].astype(str).str.endswith(BUILT_IN)]
        if own.empty:
            return "<p>Only Genesys' built-in clients used the API in this interval.</p>"
        totals = own.groupby("clientId")["requests"].sum()
        client_id = totals.idxmax()
        names = self.usage.loc[self.usage["clientId"] == client_id, "clientName"] if "clientName" in \
            self.usage.columns else []
        name = str(names.iloc[0]) if len(names) else client_id
        with doing(self.session, "usage"):
            f = client_usage_summary(self.session, client_id, days=days, poll_interval=self.poll_interval,
                                     progress=False)
        if f.empty:
            return f"<p>No usage for {html.escape(name)} in the last {days} days.</p>"
        g = f.groupby(f["date"].dt.strftime("%Y-%m-%d"))[["requests", "status400", "status429", "status500"]].sum()
        g["error rate"] = ((g["status400"] + g["status500"]) / g["requests"].where(g["requests"] > 0) * 100) \
            .fillna(0).map(lambda r: f"{r:.1f} %")
        g = g.rename(columns={"status400": "4xx", "status429": "429", "status500": "5xx"}).reset_index() \
            .rename(columns={"date": "day (UTC)"})
        return (f"<b>{html.escape(name)}</b>, the integration with the most requests: the last {days} days "
                f"(GET /api/v2/oauth/clients/{{clientId}}/usage/summary)" + g.to_html(index=False, border=0))

    @property
    def clients(self) -> list[str]:
        if self.usage is None or "clientName" not in self.usage.columns:
            return [ALL]
        return [ALL] + sorted(str(c) for c in self.usage["clientName"].dropna().unique())

    def filtered(self):
        frame = self.usage
        if frame is None:
            return None
        if self.endpoint_filter and "templateUri" in frame.columns:
            frame = frame[frame["templateUri"].str.contains(self.endpoint_filter, case=False, regex=False)]
        if self.client_filter != ALL and "clientName" in frame.columns:
            frame = frame[frame["clientName"] == self.client_filter]
        return frame

    def build_figures(self, outbound: bool = True) -> None:
        """The usage charts of the filtered rows; the outbound chart too unless told (the filters leave it)."""
        from diag.reports import charts

        f, label, src = self.filtered(), self.span_label, self.session.label
        self.figures = {"errors": charts.errors_over_time(f, src, label, self.partial_periods()),
                        "status_classes": charts.status_classes_over_time(f, src, label),
                        "top_endpoints": charts.top_endpoints(f, src, label),
                        "clients": charts.clients_comparison(f, src, label),
                        "rate_limit_pressure": charts.ratelimit_pressure(self.rate_limits, f, src, label)}
        if outbound:
            self.outbound_figure = charts.outbound_outcomes(self.outbound, src, label)

    def top_offenders(self, n: int = 10):
        import pandas as pd

        f = self.filtered()
        if f is None or f.empty or "templateUri" not in f.columns:
            return pd.DataFrame(columns=["endpoint", "requests", "4xx", "429", "5xx", "error rate"])
        keys = ["templateUri"] + (["httpMethod"] if "httpMethod" in f.columns else [])
        g = f.groupby(keys)[["requests", "status400", "status429", "status500"]].sum().reset_index()
        path = g["templateUri"].map(lambda u: u if str(u).startswith("/") else "/" + str(u))
        g["endpoint"] = (g["httpMethod"] + " " if "httpMethod" in g else "") + path
        g["errors"] = g["status400"] + g["status500"]
        rate = (g["errors"] / g["requests"].where(g["requests"] > 0)).fillna(0) * 100
        g["error rate"] = rate.map(lambda r: f"{r:.1f} %")
        g = g.rename(columns={"status400": "4xx", "status429": "429", "status500": "5xx"})
        return g.sort_values("errors", ascending=False).head(n)[["endpoint", "requests", "4xx", "429", "5xx",
                                                                  "error rate"]].reset_index(drop=True)


class DashboardView:
    def __init__(self, model: DashboardModel):
        import ipywidgets as w

        self.model = m = model
        self.start = w.DatePicker(description="From", value=m.start)
        self.end = w.DatePicker(description="To (incl.)", value=m.end)
        self.progress = w.HTML()
        self.client_note = w.HTML()
        self.codes = w.HTML()
        self.granularity = w.Dropdown(description="Granularity", options=list(GRANULARITIES), value=m.granularity)
        self.group_by = w.SelectMultiple(description="Group by", options=list(GROUP_BY), value=tuple(m.group_by),
                                         rows=5)
        # filtered on Enter or leaving the box: each filter redraws six charts, too slow to do on every key
        self.endpoint = w.Text(description="Endpoint has", placeholder="e.g. conversations/calls, then Enter",
                               continuous_update=False)
        self.client = w.Dropdown(description="Client", options=m.clients, value=ALL)
        self.run_button = w.Button(description="Run usage query", button_style="primary", icon="play")
        self.error = w.HTML()
        self.summary = w.HTML()
        self.table = w.HTML()
        self.charts = w.Output()
        self.outbound = w.Output()
        self.source = w.HTML()
        self.run_button.on_click(self._on_run)
        for attr in ("start", "end", "granularity"):
            traitlets.link((m, attr), (getattr(self, attr), "value"))
        traitlets.link((m, "group_by"), (self.group_by, "value"), transform=(tuple, list))
        traitlets.link((m, "endpoint_filter"), (self.endpoint, "value"))
        show(m, "client_options", self.client, "options")
        traitlets.link((m, "client_filter"), (self.client, "value"), transform=(str, lambda v: v or ALL))
        show(m, "client_note", self.client, "disabled", bool)
        show(m, "client_note", self.client_note,
             transform=lambda n: f"<span style='color:#555'>{html.escape(n)}</span>" if n else "")
        for trait in ("source", "codes", "summary", "table"):
            show(m, trait, getattr(self, trait))
        show(m, "last_error", self.error, transform=error_html)
        m.observe(self._draw_usage, names="figures")
        m.observe(self._draw_outbound, names="outbound_figure")
        self.limits = w.HTML()
        self.limits_chart = w.Output()
        self.limits_button = w.Button(description="Which limit?", icon="tachometer", layout=w.Layout(width="auto"),
                                      tooltip="requests per minute of this session against each rate-limit layer")
        self.limits_button.on_click(lambda _b: self._on_limits())
        tabs = w.Tab(children=[w.VBox([self.summary, self.table, self.charts]), self.outbound, self.codes,
                               w.VBox([self.limits_button, self.limits, self.limits_chart])],
                     titles=("API usage", "Outbound outcomes", "Error codes (workspace)", "Which rate limit"))
        self.widget = w.VBox([self.source,
                              w.HBox([self.start, self.end, self.granularity], layout=w.Layout(flex_flow="row wrap")),
                              w.HBox([self.group_by, w.VBox([self.endpoint, self.client, self.client_note])],
                                     layout=w.Layout(flex_flow="row wrap")),
                              self.run_button, self.progress, self.error, tabs],
                             layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-dashboard")
        self._draw_usage()
        self._draw_outbound()

    # Replace the outputs as data (no clear_output message): works the same with or without a front end.
    def _draw_usage(self, _change=None) -> None:
        self.charts.outputs = ()
        for fig in self.model.figures.values():
            self.charts.append_display_data(png_image(fig))

    def _draw_outbound(self, _change=None) -> None:
        self.outbound.outputs = ()
        if self.model.outbound_figure is not None:
            self.outbound.append_display_data(png_image(self.model.outbound_figure))

    def run(self) -> None:
        """Run the query now (what the button does)."""
        self._on_run()

    def set_session(self, session, *, run: bool = True) -> None:
        """Chart another session's org (after the connection panel connects): the old charts go at once, and the
        query runs for the new org (with run=False, when the person next asks)."""
        m = self.model
        m.session, m.usage, m.rate_limits, m.outbound, m.figures, m.outbound_figure = session, None, None, None, {}, None
        m.poll_interval = poll_interval_for(session)
        m.client_filter = ALL   # the old org's clients, its limits report and its chart go too
        self.limits_chart.outputs, self.limits.value = (), ""
        m.publish()
        if run:
            self.run()

    def _on_run(self, _button=None) -> None:
        self.run_button.disabled = True
        self.progress.value = "<i>Asking Genesys for the usage query…</i>"

        def progress(polls: int, status) -> None:   # shown here, not in JupyterLab's log console
            self.progress.value = f"<i>Waiting for the usage results: poll {polls} ({html.escape(str(status))})</i>"
        try:
            run_safely(self.model, self.model.run, progress)
        finally:
            self.run_button.disabled = False
            self.progress.value = ""

    def _on_limits(self) -> None:
        """This session's requests per minute against each rate-limit layer, its 429s placed (diag.core.limits)."""
        found: dict = {}
        if run_safely(self.model, lambda: found.update(report=self.model.limits())):
            report = found["report"]
            from diag.reports import charts

            self.limits.value = (f"<pre class='diag-limits' style='white-space:pre-wrap;overflow-wrap:anywhere'>"
                                 f"{html.escape(report.public_text())}</pre>")
            self.limits_chart.outputs = ()
            if report.hits:
                self.limits_chart.append_display_data(png_image(charts.requests_per_minute(report,
                                                                                           self.model.session.label)))

    def refresh(self) -> None:
        """The widgets follow the model by themselves; this asks it to publish again (a change made outside)."""
        self.model.publish()
