"""The error-code dashboard: date range, granularity, group-by and filters; the usage query with a progress bar;
the charts and the top-offenders table; a second tab for outbound call outcomes."""
from __future__ import annotations

import datetime as dt
import html

from diag.app.widgets.common import error_html, run_safely
from diag.client.usage import GRANULARITIES, GROUP_BY, UsageQuery, outbound_frame, query_usage, ratelimit_frame

ALL = "(all)"


class DashboardModel:
    def __init__(self, session, days: int = 30, today: dt.date | None = None):
        self.session = session
        today = today or dt.datetime.now(dt.timezone.utc).date()
        self.start, self.end = today - dt.timedelta(days=days), today
        self.granularity = "Day"
        self.group_by = ["OAuthClientId", "TemplateUri", "HttpMethod"]
        self.endpoint_filter = ""
        self.client_filter = ALL
        self.usage = self.rate_limits = self.outbound = None
        self.query: UsageQuery | None = None
        self.figures: dict = {}
        self.outbound_figure = None
        self.last_error: str | None = None
        self.poll_interval = 0.2 if session.simulated else 5.0
        self.progress = True

    def run(self) -> None:
        self.query = UsageQuery.build(interval=f"{self.start.isoformat()}/{self.end.isoformat()}",
                                      granularity=self.granularity, group_by=self.group_by)
        self.usage = query_usage(self.session, self.query, poll_interval=self.poll_interval, progress=self.progress)
        self.rate_limits = ratelimit_frame(self.session, self.query.interval)
        self.outbound = outbound_frame(self.session, self.query.interval)
        self.build_figures()

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

    def build_figures(self) -> None:
        from diag.core.frames import exchange_frame
        from diag.reports import charts

        f, label, src = self.filtered(), self.query.label, self.session.label
        self.figures = {"status_classes": charts.status_classes_over_time(f, src, label),
                        "top_endpoints": charts.top_endpoints(f, src, label),
                        "clients": charts.clients_comparison(f, src, label),
                        "rate_limit_pressure": charts.ratelimit_pressure(self.rate_limits, f, src, label),
                        "exact_status_codes": charts.exact_status_codes(exchange_frame(self.session.log), src,
                                                                        "this session")}
        self.outbound_figure = charts.outbound_outcomes(self.outbound, src, label)

    def top_offenders(self, n: int = 10):
        import pandas as pd

        f = self.filtered()
        if f is None or f.empty or "templateUri" not in f.columns:
            return pd.DataFrame(columns=["endpoint", "requests", "4xx", "429", "5xx", "error rate"])
        keys = ["templateUri"] + (["httpMethod"] if "httpMethod" in f.columns else [])
        g = f.groupby(keys)[["requests", "status400", "status429", "status500"]].sum().reset_index()
        g["endpoint"] = (g["httpMethod"] + " " if "httpMethod" in g else "") + g["templateUri"]
        g["errors"] = g["status400"] + g["status500"]
        g["error rate"] = (g["errors"] / g["requests"].where(g["requests"] > 0)).fillna(0).round(4)
        g = g.rename(columns={"status400": "4xx", "status429": "429", "status500": "5xx"})
        return g.sort_values("errors", ascending=False).head(n)[["endpoint", "requests", "4xx", "429", "5xx",
                                                                  "error rate"]].reset_index(drop=True)


class DashboardView:
    def __init__(self, model: DashboardModel):
        import ipywidgets as w

        self.model = m = model
        self.start = w.DatePicker(description="From", value=m.start)
        self.end = w.DatePicker(description="To", value=m.end)
        self.granularity = w.Dropdown(description="Granularity", options=list(GRANULARITIES), value=m.granularity)
        self.group_by = w.SelectMultiple(description="Group by", options=list(GROUP_BY), value=tuple(m.group_by),
                                         rows=5)
        self.endpoint = w.Text(description="Endpoint has", placeholder="e.g. conversations/calls")
        self.client = w.Dropdown(description="Client", options=m.clients, value=ALL)
        self.run_button = w.Button(description="Run usage query", button_style="primary", icon="play")
        self.error = w.HTML()
        self.summary = w.HTML()
        self.table = w.HTML()
        self.charts = w.Output()
        self.outbound = w.Output()
        self.run_button.on_click(self._on_run)
        for widget, attr in ((self.start, "start"), (self.end, "end"), (self.granularity, "granularity")):
            widget.observe(lambda c, a=attr: setattr(self.model, a, c["new"]), names="value")
        self.group_by.observe(lambda c: setattr(self.model, "group_by", list(c["new"])), names="value")
        self.endpoint.observe(self._on_filter, names="value")
        self.client.observe(self._on_filter, names="value")
        tabs = w.Tab(children=[w.VBox([self.summary, self.table, self.charts]), self.outbound],
                     titles=("API usage", "Outbound outcomes"))
        self.widget = w.VBox([w.HTML(f"<b>Source:</b> {html.escape(m.session.label)}. Usage data is refreshed once a "
                                     "day and can be up to 24 h old."),
                              w.HBox([self.start, self.end, self.granularity]),
                              w.HBox([self.group_by, w.VBox([self.endpoint, self.client])]),
                              self.run_button, self.error, tabs])
        self.widget.add_class("diag-dashboard")

    def run(self) -> None:
        """Run the query now (what the button does)."""
        self._on_run()

    def _on_run(self, _button=None) -> None:
        self.run_button.disabled = True
        try:
            if run_safely(self.model, self.model.run):
                self.client.options = self.model.clients
        finally:
            self.run_button.disabled = False
        self.refresh()

    def _on_filter(self, _change=None) -> None:
        self.model.endpoint_filter = self.endpoint.value
        self.model.client_filter = self.client.value or ALL
        if self.model.usage is not None and run_safely(self.model, self.model.build_figures):
            pass
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.error.value = error_html(m.last_error)
        if m.usage is None:
            return
        f = m.filtered()
        self.summary.value = (f"<b>{int(f['requests'].sum()):,}</b> requests, <b>{int(f['status400'].sum()):,}</b> "
                              f"4xx (of which <b>{int(f['status429'].sum()):,}</b> 429), "
                              f"<b>{int(f['status500'].sum()):,}</b> 5xx, {m.query.label}")
        self.table.value = "<b>Top offenders</b>" + m.top_offenders().to_html(index=False, border=0)
        # Replace the outputs as data (no clear_output message): works the same with or without a front end.
        self.charts.outputs = ()
        for fig in m.figures.values():
            self.charts.append_display_data(_png(fig))
        self.outbound.outputs = ()
        self.outbound.append_display_data(_png(m.outbound_figure))


def _png(fig):
    """The figure as a PNG image (the same in every kernel, whatever matplotlib backend it has)."""
    import io

    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return Image(data=buf.getvalue(), format="png")
