"""The ticket export panel: choose exchanges and charts, preview summary.md and the redaction report, export the
zip, and show the summary ready to copy."""
from __future__ import annotations

import html
import operator
from pathlib import Path
from typing import Any

import traitlets

from diag.app.widgets.common import PanelModel, error_html, run_safely, show
from diag.app.ticket import usage_chart_makers
from diag.client.usage import poll_interval_for
from diag.reports.bundle import build_bundle


THIS_SESSION = "this session"
NO_CALLS = "no calls"     # a ticket of the customer's evidence alone
NO_EVIDENCE = ""


def read_saved_evidence(path: Path) -> str:
    """A saved evidence file's text: a regular file within the cap (no pipe to hang on, no link to a raw
    capture); ValueError says why not."""
    from diag.core.textfile import read_text

    try:
        return read_text(path, regular_only=True)
    except ValueError as exc:
        raise ValueError(f"{path}: not read ({exc}): choose another saved evidence file, or none") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None


class ExportModel(PanelModel):
    """What goes into the ticket: the exchanges of this session or of a saved session log (the workspace's, newest
    first), the dashboard's charts, and the options; the zip goes to the workspace's tickets folder."""

    keep_numbers = traitlets.Bool(False)
    keep_people = traitlets.Bool(False)
    newrelic = traitlets.Bool(False)
    scripts = traitlets.Bool(True)   # False: no repro.sh / repro.py, for a case portal that refuses script attachments
    summary = traitlets.Unicode("")  # summary.md of the last preview or export
    report = traitlets.Unicode("")   # where it was written and what was redacted (HTML)
    download = traitlets.Unicode("")  # the last export's download link (HTML)

    def __init__(self, session, dashboard=None, out_dir: str | Path | None = None, *, newest_saved: bool = True):
        super().__init__()
        self.session = session
        self.dashboard = dashboard
        self.out_dir = Path(out_dir) if out_dir else None   # None: the workspace's tickets (or, saving off, a
                                                             # private temporary folder made at export time)
        self.source = THIS_SESSION
        self.evidence = NO_EVIDENCE      # a sanitised evidence file in the workspace (the evidence panel's "Add")
        self.redaction_report: dict = {}
        self.last_path: Path | None = None
        self.bundle: Any = None
        if newest_saved and not len(session.log):   # a fresh kernel: the newest saved session is what is meant
            logs = self.sources()
            if len(logs) > 1:
                self.source = logs[1][1]
        # None: every exchange of the source as it stands at export time (calls made after the list was shown
        # included); a list once the person chooses
        self.selected_seqs: list[int] | None = None
        try:
            self.exchanges()
        except ValueError as exc:   # a log that cannot be loaded: said in the panel, this session offered
            self.last_error, self.source = str(exc), THIS_SESSION
        # usage charts only when asked: the simulator's are made up, and a real org's say nothing of one call
        self.selected_charts: list[str] = []

    def sources(self) -> list[tuple[str, str]]:
        """(label, value): this session, then the workspace's session logs newest first, with source and calls."""
        from diag.core.workspace import recent_logs

        own = self.session.log.autosave
        log = list(self.session.log)
        yours = sum(1 for e in log if not getattr(e, "purpose", ""))   # what the ticket takes unless chosen otherwise
        label = (f"{THIS_SESSION} ({self.session.label}, {len(log)} exchange(s), {yours} of them yours: diag's own "
                 "join when ticked)" if yours != len(log) else
                 f"{THIS_SESSION} ({self.session.label}, {len(log)} exchange(s))")
        return [(label, THIS_SESSION)] + [
            (info.label, str(info.path)) for info in recent_logs(exclude=own)] + [
            ("no calls (the customer's evidence alone)", NO_CALLS)]

    def evidence_sources(self) -> list[tuple[str, str]]:
        """(label, value): none, then the customer's evidence kept in the workspace, newest first."""
        from diag.core.workspace import recent_evidence

        return [("none", NO_EVIDENCE)] + [(info.label, str(info.path)) for info in recent_evidence()]

    def set_evidence(self, value: str) -> None:
        self.evidence = value or NO_EVIDENCE
        if self.evidence:
            self._inspection()   # unreadable: said now, not at export time

    def _inspection(self):
        from diag.core.evidence import read_evidence
        from diag.core.inspect import diagnose

        if not self.evidence:
            return None
        path = Path(self.evidence)
        found = diagnose(read_evidence(read_saved_evidence(path)))
        from diag.core.workspace import saved_kind

        found.kind = saved_kind(path) or found.kind   # a sanitised copy is a HAR: the ticket names what was given
        return found

    def set_source(self, value: str) -> None:
        self.source = value
        self.selected_seqs = None
        self.exchanges()   # unreadable: said now

    def is_chosen(self, exchange) -> bool:
        """In the ticket: what the person chose, else every request of theirs (diag's own identity reads, usage
        queries, call polls and Genesys' side are listed, and join only when ticked: the story, not the plumbing)."""
        if self.selected_seqs is None:
            return not getattr(exchange, "purpose", "")
        return exchange.seq in self.selected_seqs

    def choose(self, seqs) -> None:
        """The person's choice of exchanges (by seq); from then on only these go in the ticket."""
        self.selected_seqs = list(seqs)

    def exchanges(self) -> list:
        if self.source == NO_CALLS:
            return []
        if self.source == THIS_SESSION:
            return list(self.session.log)
        from diag.core.exchange import ExchangeLog
        return list(ExchangeLog.load(self.source))

    def exchange_options(self) -> list[tuple[str, int]]:
        from diag.app.widgets.response import when

        return [(f"#{e.seq} {when(e)} {e.method} {e.template or e.path} -> {e.status or 'no answer'} "
                 f"{e.error_code or ''}".strip(), e.seq) for e in self.exchanges()]

    def available_charts(self) -> list[str]:
        return list(self.dashboard.figures) if self.dashboard is not None and self.dashboard.figures else []

    def _build(self, path: Path | None, overwrite: bool = False):
        from diag.core.exchange import LogSource

        chosen = [e for e in self.exchanges() if self.is_chosen(e)]
        figures, frames = {}, {}
        found = LogSource.of(chosen)
        org = getattr(self.session, "_org", None)
        same_source = found is None or found.matches(self.session.simulated, self.session.region,
                                                     org.id if org else None)
        charts = [c for c in self.selected_charts if c in self.available_charts()]
        if self.dashboard is not None and self.dashboard.usage is not None and charts:
            if not same_source and found is not None:
                raise ValueError(f"the exchanges are from {found.label}; the charts are {self.session.label}'s: a "
                                 "ticket shows one source (clear the charts, or connect there)")
            # the bundle redraws the dashboard's charts from the cleaned frames (pseudonyms in every label)
            frames = {"usage": self.dashboard.filtered(), "rate_limits": self.dashboard.rate_limits,
                      "outbound": self.dashboard.outbound}
            makers = usage_chart_makers(self.session.label, self.dashboard.query.label)
            figures = {n: makers.get(n, self.dashboard.figures.get(n)) for n in charts
                       if n in makers or n in self.dashboard.figures}
        evidence = self._inspection()
        if not chosen and not figures and evidence is None:
            raise ValueError("Choose at least one exchange, chart or customer evidence to export.")
        secrets = self.session.tokens.secrets() if same_source else []
        bundle = build_bundle(path, chosen, source=found.label if found else self.session.label, figures=figures,
                              frames=frames, keep_numbers=self.keep_numbers, keep_people=self.keep_people,
                              newrelic=self.newrelic, secrets=secrets, overwrite=overwrite, scripts=self.scripts,
                              inputs=[p for p in (self.source, self.evidence) if p not in (THIS_SESSION, NO_CALLS, "")],
                              evidence=evidence)
        self.summary, self.redaction_report, self.bundle = bundle.summary, bundle.redaction_report, bundle
        return bundle

    def preview(self) -> str:
        """What Export would write, assembled and checked in memory: nothing is written anywhere."""
        self._build(None)
        return self.summary

    def export(self, name: str = "") -> Path:
        from diag.core.workspace import new_ticket_path

        if name and (Path(name).name != name or name in (".", "..")):
            raise ValueError(f"{name!r}: give a file name only; the ticket goes to the tickets folder")
        if name and (not name.isprintable() or len(name.encode("utf-8", "surrogatepass")) > 200):
            raise ValueError("Give a file name of printable characters, at most 200 bytes long.")
        path = new_ticket_path(folder=self.out_dir, panel=True)
        if name:
            path = path.with_name(name)
            if path.exists() or path.is_symlink():   # the panel never replaces a file: another name is the way
                raise ValueError(f"{path} exists: choose another file name (a ticket never replaces a file).")
        bundle = self._build(path)
        assert bundle.path is not None   # given a path, the bundle is written there
        self.last_path = bundle.path
        return bundle.path

    def download_html(self) -> str:
        from diag.app.widgets.common import download_html
        return download_html(self.last_path) if self.last_path and self.last_path.exists() else ""

    def _publish(self) -> None:
        if self.redaction_report:
            counts = self.redaction_report.get("redacted", {})
            where = f"Wrote <code>{html.escape(str(self.last_path))}</code>. " if self.last_path else ""
            self.report = (where + "Redacted: " + (", ".join(f"{html.escape(k)} x{v}" for k, v in counts.items())
                                                   or "nothing")
                           + f"; {self.redaction_report.get('phone_numbers_pseudonymised', 0)} phone number(s) "
                           "pseudonymised.")
        self.download = self.download_html()


class ExportView:
    def __init__(self, model: ExportModel):
        import ipywidgets as w

        self.model = m = model
        self.source = w.Dropdown(description="Calls from", options=m.sources(), value=m.source,
                                 layout=w.Layout(width="98%"))
        self.evidence = w.Dropdown(description="Evidence", options=m.evidence_sources(), value=m.evidence,
                                   layout=w.Layout(width="98%"),
                                   tooltip="The customer's evidence, added in notebook 01's evidence panel")
        self.exchanges = w.SelectMultiple(description="Exchanges", options=m.exchange_options(),
                                          value=tuple(e.seq for e in m.exchanges() if m.is_chosen(e)), rows=8,
                                          layout=w.Layout(width="98%"))
        self.charts = w.SelectMultiple(description="Charts", options=m.available_charts(),
                                       value=tuple(m.selected_charts), rows=5, layout=w.Layout(width="98%"),
                                       tooltip="usage charts join the ticket only when chosen here")
        self.keep = w.Checkbox(description="Keep phone numbers (no pseudonyms)", value=False, indent=False,
                               layout=w.Layout(width="auto"))
        self.keep_people = w.Checkbox(description="Keep names and e-mails", value=False, indent=False,
                                      layout=w.Layout(width="auto"))
        self.newrelic = w.Checkbox(description="Add New Relic events", value=False, indent=False,
                                   layout=w.Layout(width="auto"))
        self.no_scripts = w.Checkbox(description="No scripts (a portal that refuses .sh/.py)", value=False,
                                     indent=False, layout=w.Layout(width="auto"))
        self.name = w.Text(description="File", value="", placeholder="(a new ticket-<time>.zip)",
                           layout=w.Layout(width="auto"))
        self.refresh_button = w.Button(description="Refresh lists", icon="refresh", layout=w.Layout(width="auto"))
        self.preview_button = w.Button(description="Preview", icon="eye", layout=w.Layout(width="auto"))
        self.export_button = w.Button(description="Export zip", button_style="primary", icon="download",
                                      layout=w.Layout(width="auto"))
        self.error = w.HTML()
        self.report = w.HTML()
        self.download = w.HTML()
        self.summary = w.Textarea(layout=w.Layout(width="98%", height="320px"), placeholder="summary.md appears here")
        self._showing = False   # True while the panel sets the lists itself: only a person's change is a choice
        self.source.observe(self._on_source, names="value")
        self.evidence.observe(lambda c: None if self._showing else self._do(m.set_evidence, c["new"]), names="value")
        self.exchanges.observe(lambda c: None if self._showing else m.choose(c["new"]), names="value")
        self.charts.observe(lambda c: None if self._showing else setattr(m, "selected_charts", list(c["new"])),
                            names="value")
        traitlets.link((m, "keep_numbers"), (self.keep, "value"))
        traitlets.link((m, "keep_people"), (self.keep_people, "value"))
        traitlets.link((m, "newrelic"), (self.newrelic, "value"))
        traitlets.link((m, "scripts"), (self.no_scripts, "value"), transform=(operator.not_, operator.not_))
        show(m, "last_error", self.error, transform=error_html)
        show(m, "report", self.report)
        show(m, "download", self.download)
        show(m, "summary", self.summary)
        self.refresh_button.on_click(self._on_refresh)
        self.preview_button.on_click(lambda _b: self._do(m.preview))
        self.export_button.on_click(lambda _b: self._do(m.export, self.name.value.strip()))
        wrap = w.Layout(flex_flow="row wrap")
        self.widget = w.VBox([w.HBox([self.source, self.refresh_button], layout=wrap), self.exchanges, self.charts,
                              self.evidence,
                              w.HBox([self.keep, self.keep_people, self.newrelic, self.no_scripts], layout=wrap),
                              w.HBox([self.name, self.preview_button, self.export_button], layout=wrap),
                              self.error, self.download, self.report, self.summary],
                             layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-export")

    def set_session(self, session, *, charts_moved: bool = False) -> None:
        """Export for another session (after the connection panel connects). Its charts follow (one ticket, one
        source): the dashboard's query runs for the new org, unless the caller moved the dashboard already."""
        m = self.model
        m.session, m.source, m.last_error = session, THIS_SESSION, None
        # the old org's ticket goes from view: its link, where it was written, its summary (the file stays on disk)
        m.last_path, m.redaction_report, m.summary, m.report, m.bundle = None, {}, "", "", None
        m.set_source(THIS_SESSION)
        if m.dashboard is not None and not charts_moved:
            d = m.dashboard
            d.session, d.usage, d.figures = session, None, {}
            d.poll_interval = poll_interval_for(session)
            run_safely(m, d.run)
        m.selected_charts = []
        self._on_refresh()

    def _on_source(self, change) -> None:
        if self._showing:
            return
        run_safely(self.model, self.model.set_source, change["new"])
        self._on_refresh()

    def _on_refresh(self, _button=None) -> None:
        """The lists from the workspace as it is now, each with its choice kept (setting a list's options alone
        would choose its first entry for the person)."""
        m = self.model
        self._showing = True
        try:
            sources = m.sources()
            if m.source not in [v for _, v in sources]:   # a saved log that is gone
                m.set_source(THIS_SESSION)
            with self.source.hold_sync():
                self.source.options = sources
                self.source.value = m.source
            evidence = m.evidence_sources()
            if m.evidence not in [v for _, v in evidence]:
                m.evidence = NO_EVIDENCE
            with self.evidence.hold_sync():
                self.evidence.options = evidence
                self.evidence.value = m.evidence
        finally:
            self._showing = False
        options = m.exchange_options() if m.last_error is None else []
        ticked = {e.seq for e in m.exchanges() if m.is_chosen(e)} if m.last_error is None else set()
        self._showing = True
        try:
            with self.exchanges.hold_sync():
                self.exchanges.options = options
                self.exchanges.value = tuple(s for _, s in options if s in ticked)
            with self.charts.hold_sync():   # the charts the person left ticked stay ticked
                available = m.available_charts()
                self.charts.options = available
                self.charts.value = tuple(c for c in available if c in m.selected_charts)
        finally:
            self._showing = False
        self.refresh()

    def _do(self, fn, *args) -> None:
        run_safely(self.model, fn, *args)

    def refresh(self) -> None:
        """The widgets follow the model by themselves; this asks it to publish again (a change made outside)."""
        self.model.publish()
