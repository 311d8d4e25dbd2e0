"""The app's front door (`make app`, notebooks/00_diag_app.ipynb): one connection and the tools as tabs that share
it. Build and test a call, any endpoint, the customer's evidence, usage and error codes, and the ticket all work on
the one session the connection panel holds; connecting elsewhere moves every tab to that org."""
from __future__ import annotations

import html

from diag.app.widgets.any_endpoint import AnyEndpointModel, AnyEndpointView
from diag.app.widgets.common import run_safely
from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.app.widgets.connect import ConnectModel, ConnectView
from diag.app.widgets.dashboard import DashboardModel, DashboardView
from diag.app.widgets.evidence import EvidenceModel, EvidenceView
from diag.app.widgets.export import ExportModel, ExportView

TABS = ("Test a call", "Any endpoint", "Evidence", "Usage", "Ticket")   # short: a tab shows about 18 characters
CALL, ENDPOINT, EVIDENCE, USAGE, TICKET = range(len(TABS))


class Workbench:
    """The tabs over one session. The usage query runs when its tab is first opened (not at start: on a real org it
    is a request the person did not ask for yet); the ticket tab lists this session's calls each time it opens."""

    def __init__(self, session=None, *, days: int = 30):
        import ipywidgets as w

        import diag

        self.session = session if session is not None else diag.connect(origin="app")
        self.connection = ConnectView(ConnectModel(self.session, origin="app"))
        self.composer = ComposerView(ComposerModel(session=self.session))
        self.endpoint = AnyEndpointView(AnyEndpointModel(session=self.session))
        self.evidence = EvidenceView(EvidenceModel(self.composer.model, self.endpoint.model),
                                     on_change=self._evidence_changed)
        self.usage = DashboardModel(self.session, days=days)
        self.dashboard = DashboardView(self.usage)
        self.ticket = ExportView(ExportModel(self.session, self.usage, newest_saved=False))   # this app's calls
        self._usage_ran = False
        self.connection.model.listeners.append(self._connected)
        self.tabs = w.Tab(children=[self.composer.widget, self.endpoint.widget, self.evidence.widget,
                                    self.dashboard.widget, self.ticket.widget], titles=TABS)
        self.tabs.add_class("diag-workbench-tabs")
        self.tabs.observe(lambda change: self.opened(change["new"]), names="selected_index")
        self.header = w.HTML()
        self.widget = w.VBox([self.header, self.connection.widget, self.tabs],
                             layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-workbench")
        self._show_source()

    def opened(self, index: int | None) -> None:
        """What a tab does when it is opened (the Tab widget calls this; a test may too)."""
        if index == USAGE and not self._usage_ran:
            self._usage_ran = True
            self.dashboard.run()
        elif index == TICKET:
            self.ticket._on_refresh()   # the calls made since it was last open

    def _connected(self, session) -> None:
        """Every tab moves to the new connection's org (the dashboard's query runs again once its tab is open)."""
        self.session = session
        self.composer.set_session(session)
        self.endpoint.set_session(session)
        self.dashboard.set_session(session, run=self._usage_ran)   # the old org's charts go at once
        self.ticket.set_session(session, charts_moved=True)
        self._show_source()

    def _evidence_changed(self) -> None:
        saved = self.evidence.model.saved   # added to the ticket: the Ticket tab takes it too (one workbench)
        # only when newly added: a person who then chose other evidence (or none) in the Ticket tab keeps that choice
        if saved is not None and saved != self.__dict__.get("_handed_on"):
            self._handed_on = saved
            if str(saved) != self.ticket.model.evidence:
                run_safely(self.ticket.model, self.ticket.model.set_evidence, str(saved))

    def _show_source(self) -> None:
        label = html.escape(self.session.label)
        where = ("diag's built-in simulator: no real phone rings" if self.session.simulated else
                 "a real org: a call rings a real phone, and each one asks you first")
        self.header.value = (f"<div class='diag-workbench-source'><b>Connected to</b> {label} ({where}). "
                             "Every tab below works on this connection.</div>")
