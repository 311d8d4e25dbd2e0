"""The connection panel: simulator or a real region; credentials typed into password fields, never kept.

Typed secrets go straight into the session's token source and the fields are cleared, so that no secret stays in
widget state (which a notebook could save).
"""
from __future__ import annotations

import html
from collections.abc import Callable

import traitlets

from diag.app.widgets.common import PanelModel, error_html, run_safely, show
from diag.client.connect import connect
from diag.core.regions import REGIONS

SIMULATOR = "simulator (no credentials)"
# The simulator's people, each showing one error a support engineer meets (the simulator's org, diag/_data/sim).
PERSONAS = {
    SIMULATOR: ("avery", "Avery Agent: places calls"),
    "simulator: user without a station": ("sam", "400 conversation.error.no.user.station"),
    "simulator: user without the call permission": ("riley", "403 missing.any.permissions"),
    "simulator: client credentials": ("client", "400 not.a.user (a client-credentials token cannot call)"),
}


class ConnectModel(PanelModel):
    status = traitlets.Unicode("Not connected.")     # who is connected, where (HTML)
    preflight = traitlets.Unicode("")                # the last preflight checklist (HTML)

    def __init__(self, session=None, connector: Callable = connect, origin: str = ""):
        super().__init__()
        self.origin = origin   # where the sessions it opens are named from (diag.core.workspace.ORIGINS)
        self._connector = connector
        self.listeners: list[Callable] = []
        self.session = session
        self.publish()

    def _publish(self) -> None:
        try:
            self.status = self.status_html()
        except Exception as exc:  # noqa: BLE001 - an unreachable org shows as such
            self.status = f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>"

    def run_preflight(self, operation: str) -> None:
        self.preflight = self.preflight_html(operation)

    def connector(self, *args, **kwargs):
        """A new session, named by where it was opened (the app's reconnections stay the app's)."""
        if self.origin:
            kwargs.setdefault("origin", self.origin)
        return self._connector(*args, **kwargs)

    @staticmethod
    def regions() -> list[tuple[str, str]]:
        """(label, value): the simulator's personas with the error each shows, then every region with its host."""
        return ([(f"{name} ({what})" if name != SIMULATOR else f"{name}: {what}", name)
                 for name, (_, what) in PERSONAS.items()]
                + [(f"{name} ({r.host.removeprefix('api.')})", name) for name, r in REGIONS.items()])

    def connect(self, region: str, client_id: str = "", client_secret: str = "", token: str = "") -> None:
        # Pasting adds spaces and line breaks around a credential; inside it they mean a broken paste. Either way
        # the message names the field and the place, never the text.
        token, client_secret = token.strip(), client_secret.strip()
        if token[:7].lower() == "bearer ":   # copied with its header's scheme (from devtools): the token follows it
            token = token[7:].strip()
        for name, value in (("token", token), ("secret", client_secret)):
            inside = next((i for i, ch in enumerate(value) if ch.isspace() or not ch.isprintable()), None)
            if inside is not None:
                raise ValueError(f"The pasted {name} has a line break or space {inside} characters in: it was cut "
                                 "when copied. Paste it again as one line.")
        if region in PERSONAS:
            session = self._simulated(PERSONAS[region][0], client_id.strip(), client_secret, token)
        else:
            session = self.connector(region, client_id=client_id or None, client_secret=client_secret or None,
                                     token=token or None)
            session.identity()   # ask now: a wrong secret or region shows here, not at the first call
            me = next((e for e in reversed(list(session.log)) if e.path.startswith("/api/v2/tokens/me")), None)
            if me is not None and me.status == 401:   # the org refused the token: the working connection stays
                raise ValueError(f"{session.label} refused this token (HTTP 401 on GET /api/v2/tokens/me"
                                 f"{', ' + me.error_code if me.error_code else ''}): it may have expired or belong "
                                 "to another region. Paste a new one, or choose its region. The connection before "
                                 "it is kept.")
        self.session = session
        self.preflight = ""   # the old connection's checklist is not this one's
        for listener in self.listeners:
            listener(session)

    def _simulated(self, persona: str, client_id: str, client_secret: str, token: str):
        """The simulator as `persona`, or as the credentials typed, when the simulator knows them; typed
        credentials it does not know are refused, never silently ignored."""
        base = self.connector()
        sim = getattr(base, "simulator", None)
        if sim is None:
            return base
        if (client_id or client_secret) and token:
            raise ValueError("Type a client id and secret, or paste a token, not both.")
        if client_id or client_secret:
            client = next((c for c in sim.org.clients.values() if c.id == client_id), None)
            if client is None or client.secret is None or client.secret != client_secret:
                raise ValueError("The simulator has no client with that id and secret (its clients are listed in "
                                 "diag/_data/sim/org.json). For a real org, choose its region.")
            return self.connector(simulator=sim, token=sim.state.mint("client_credentials", client.id, None).value)
        if token:
            if token not in sim.state.tokens:
                raise ValueError("The simulator does not know that token. For a real org's token, choose its "
                                 "region.")
            return self.connector(simulator=sim, token=token)
        if persona == "avery":
            return base
        if persona == "client":
            client = next(c for c in sim.org.clients.values() if c.grant == "client_credentials" and c.secret)
            return self.connector(simulator=sim, token=sim.state.mint("client_credentials", client.id, None).value)
        return self.connector(simulator=sim, token=sim.user_token(persona))

    def preflight_html(self, operation: str) -> str:
        """The preflight checklist for `operation` on the connected session: each check PASS/FAIL with its fix."""
        from diag.client.preflight import Preflight

        if self.session is None:
            return ""
        report: Preflight = self.session.preflight(operation)
        mark = {True: ("PASS", "#1a9850"), False: ("FAIL", "#b2182b"), None: ("----", "#777")}
        rows = "".join(f"<tr><td style='color:{mark[c.ok][1]};font-weight:bold'>{mark[c.ok][0]}</td>"
                       f"<td>{html.escape(c.name)}</td><td>{html.escape(c.detail)}"
                       + (f"<br><i>fix: {html.escape(c.fix)}</i>" if c.fix else "") + "</td></tr>"
                       for c in report.checks)
        verdict = "ready" if report.ok else "NOT ready"
        return (f"<div class='diag-preflight'><b>Preflight</b> for <code>{html.escape(report.operation)}</code>: "
                f"{verdict}<table>{rows}</table></div>")

    def status_html(self) -> str:
        if self.session is None:
            return "Not connected."
        colour = "#1a9850" if self.session.simulated else "#b2182b"
        return (f"<span class='diag-connection' style='color:{colour}'>{html.escape(self.session.label)}</span>: "
                f"{html.escape(self.session.identity())}")


class ConnectView:
    def __init__(self, model: ConnectModel | None = None):
        import ipywidgets as w

        self.model = m = model or ConnectModel()
        self.region = w.Dropdown(description="Connect to", options=m.regions(), value=SIMULATOR,
                                 layout=w.Layout(width="auto", max_width="95%"))
        self.client_id = w.Text(description="Client id", placeholder="OAuth client id (client credentials)")
        self.client_secret = w.Password(description="Secret", placeholder="never stored")
        self.token = w.Password(description="Token", placeholder="or paste a user access token")
        self.button = w.Button(description="Connect", button_style="info", icon="plug")
        self.status = w.HTML()
        self.error = w.HTML()
        from diag.core.endpoints import all_operations
        from diag.core.facts import CALLS_ROUTE

        self.preflight_op = w.Combobox(description="Preflight", value=CALLS_ROUTE, ensure_option=False,
                                       options=sorted(str(op) for op in all_operations()),
                                       layout=w.Layout(width="70%"))
        self.preflight_button = w.Button(description="Check", icon="check-square", layout=w.Layout(width="auto"))
        self.preflight = w.HTML()
        self.button.on_click(self._on_connect)
        self.preflight_button.on_click(self._on_preflight)
        show(m, "last_error", self.error, transform=error_html)
        show(m, "status", self.status)
        show(m, "preflight", self.preflight)
        self.widget = w.VBox([w.HBox([self.region, self.button]), w.HBox([self.client_id, self.client_secret]),
                              self.token, self.error, self.status, w.HBox([self.preflight_op,
                                                                          self.preflight_button]), self.preflight])
        self.widget.add_class("diag-connect")

    def _on_connect(self, _button=None) -> None:
        secret, token = self.client_secret.value, self.token.value
        self.client_secret.value = self.token.value = ""   # gone from widget state before anything else happens
        run_safely(self.model, self.model.connect, self.region.value, self.client_id.value.strip(), secret, token)

    def _on_preflight(self, _button=None) -> None:
        run_safely(self.model, self.model.run_preflight, self.preflight_op.value)

    def refresh(self) -> None:
        """The widgets follow the model by themselves; this asks it to publish again (a session changed outside)."""
        self.model.publish()
