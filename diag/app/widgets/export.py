"""The ticket export panel: choose exchanges and charts, preview summary.md and the redaction report, export the
zip, and show the summary ready to copy."""
from __future__ import annotations

import html
import tempfile
from pathlib import Path

from diag.app.widgets.common import error_html, run_safely
from diag.app.ticket import usage_chart_makers
from diag.reports.bundle import build_bundle


class ExportModel:
    def __init__(self, session, dashboard=None, out_dir: str | Path = "."):
        self.session = session
        self.dashboard = dashboard
        self.out_dir = Path(out_dir)
        self.selected_seqs: list[int] = [e.seq for e in session.log]
        self.selected_charts: list[str] = list(self.available_charts())
        self.keep_numbers = False
        self.newrelic = False
        self.summary = ""
        self.redaction_report: dict = {}
        self.last_path: Path | None = None
        self.last_error: str | None = None

    def exchange_options(self) -> list[tuple[str, int]]:
        return [(f"#{e.seq} {e.method} {e.template or e.path} -> {e.status or 'no answer'} {e.error_code or ''}"
                 .strip(), e.seq) for e in self.session.log]

    def available_charts(self) -> list[str]:
        return list(self.dashboard.figures) if self.dashboard is not None and self.dashboard.figures else []

    def _build(self, path: Path):
        figures, frames = {}, {}
        if self.dashboard is not None and self.dashboard.usage is not None:
            # the bundle redraws the dashboard's charts from the cleaned frames (pseudonyms in every label)
            frames = {"usage": self.dashboard.filtered(), "rate_limits": self.dashboard.rate_limits,
                      "outbound": self.dashboard.outbound}
            makers = usage_chart_makers(self.session.label, self.dashboard.query.label)
            figures = {n: makers.get(n, self.dashboard.figures.get(n)) for n in self.selected_charts
                       if n in makers or n in self.dashboard.figures}
        chosen = [e for e in self.session.log if e.seq in set(self.selected_seqs)]
        if not chosen and not figures:
            raise ValueError("Choose at least one exchange or chart to export.")
        bundle = build_bundle(path, chosen, source=self.session.label, figures=figures, frames=frames,
                              keep_numbers=self.keep_numbers, newrelic=self.newrelic,
                              secrets=self.session.tokens.secrets())
        self.summary, self.redaction_report = bundle.summary, bundle.redaction_report
        return bundle

    def preview(self) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            self._build(Path(tmp) / "preview.zip")
        return self.summary

    def export(self, name: str = "diag-ticket.zip") -> Path:
        bundle = self._build(self.out_dir / name)
        self.last_path = bundle.path
        return bundle.path


class ExportView:
    def __init__(self, model: ExportModel):
        import ipywidgets as w

        self.model = m = model
        self.exchanges = w.SelectMultiple(description="Exchanges", options=m.exchange_options(),
                                          value=tuple(m.selected_seqs), rows=8, layout=w.Layout(width="100%"))
        self.charts = w.SelectMultiple(description="Charts", options=m.available_charts(),
                                       value=tuple(m.selected_charts), rows=5)
        self.keep = w.Checkbox(description="Keep phone numbers (no pseudonyms)", value=False, indent=False)
        self.newrelic = w.Checkbox(description="Add New Relic events", value=False, indent=False)
        self.name = w.Text(description="File", value="diag-ticket.zip")
        self.refresh_button = w.Button(description="Refresh lists", icon="refresh")
        self.preview_button = w.Button(description="Preview", icon="eye")
        self.export_button = w.Button(description="Export zip", button_style="primary", icon="download")
        self.error = w.HTML()
        self.report = w.HTML()
        self.summary = w.Textarea(layout=w.Layout(width="100%", height="320px"), placeholder="summary.md appears here")
        self.exchanges.observe(lambda c: setattr(m, "selected_seqs", list(c["new"])), names="value")
        self.charts.observe(lambda c: setattr(m, "selected_charts", list(c["new"])), names="value")
        self.keep.observe(lambda c: setattr(m, "keep_numbers", bool(c["new"])), names="value")
        self.newrelic.observe(lambda c: setattr(m, "newrelic", bool(c["new"])), names="value")
        self.refresh_button.on_click(self._on_refresh)
        self.preview_button.on_click(lambda _b: self._do(m.preview))
        self.export_button.on_click(lambda _b: self._do(m.export, self.name.value))
        self.widget = w.VBox([w.HBox([self.refresh_button]), self.exchanges, self.charts,
                              w.HBox([self.keep, self.newrelic]), w.HBox([self.name, self.preview_button,
                                                                          self.export_button]),
                              self.error, self.report, self.summary])
        self.widget.add_class("diag-export")

    def _on_refresh(self, _button=None) -> None:
        m = self.model
        self.exchanges.options = m.exchange_options()
        self.exchanges.value = tuple(s for _, s in m.exchange_options())
        self.charts.options = m.available_charts()
        self.charts.value = tuple(m.available_charts())

    def _do(self, fn, *args) -> None:
        run_safely(self.model, fn, *args)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        self.error.value = error_html(m.last_error)
        if m.redaction_report:
            counts = m.redaction_report.get("redacted", {})
            where = f"Wrote <code>{html.escape(str(m.last_path))}</code>. " if m.last_path else ""
            self.report.value = (where + "Redacted: " + (", ".join(f"{html.escape(k)} x{v}" for k, v in counts.items())
                                                        or "nothing") +
                                 f"; {m.redaction_report.get('phone_numbers_pseudonymised', 0)} phone number(s) "
                                 "pseudonymised.")
        self.summary.value = m.summary
