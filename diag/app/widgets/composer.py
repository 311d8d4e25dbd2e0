"""The call composer: a form for every CreateCallRequest field and the raw JSON, kept in sync; the doctor's
findings as you type; Fix it; Send (with a confirmation on real orgs); the result and the session's history.

`ComposerModel` holds the state and logic and is what tests drive; `ComposerView` only binds ipywidgets to it.
The text the user typed is never replaced unless they ask (Fix it, or an edit in the form).
"""
from __future__ import annotations

import html
import json
import operator
from typing import Any

import traitlets

from diag.app.widgets.common import (SHOWN_FINDINGS, PanelModel, error_html, findings_html, form_base, inline_markdown, run_safely,
                                     show)
from diag.client.gate import Confirmation
from diag.core.doctor import Report, check_text
from diag.core.errors import ConfirmationRequired, DiagError
from diag.core.facts import CALLS_PATH

EXAMPLE = ('{\n  "to": {"phoneNumber": "+1 317 555 0100"},\n  "from": {"phoneNumber": "+13175550199"},\n'
           '  "type": "external"\n}')

DESTINATIONS = {"phone number": "phoneNumber", "user": "callUserId", "queue": "callQueueId",
                "conference": "participants", "merge conversations": "conversationIds"}
# (group, wire name, label, kind); kinds: text, int, list (comma-separated), map (key=value lines)
FORM = [
    ("Caller", "callerId", "Caller id (E.164)", "text"),
    ("Caller", "callerIdName", "Caller id name", "text"),
    ("Caller", "callFromQueueId", "On behalf of queue", "text"),
    ("Queue routing (when calling a queue)", "priority", "Priority", "int"),
    ("Queue routing (when calling a queue)", "languageId", "Language skill id", "text"),
    ("Queue routing (when calling a queue)", "routingSkillsIds", "Skill ids (comma-separated)", "list"),
    ("Queue routing (when calling a queue)", "routingSkillExpression", "Skill expression", "text"),
    ("Extras", "attributes", "Attributes (key=value per line)", "map"),
    ("Extras", "uuiData", "UUI data", "text"),
    ("Extras", "externalContactId", "External contact id", "text"),
    ("Extras", "label", "Label", "text"),
]
KINDS = {name: kind for _, name, _, kind in FORM}


def to_form_value(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "participants" and isinstance(value, list):
        lines = []
        for p in value:
            if isinstance(p, dict):
                address = p.get("address")   # any JSON type: the form shows what was pasted, the doctor says why
                lines.append((address if isinstance(address, str) else json.dumps(address)) if address else (
                    f"user:{p['userId']}" if p.get("userId") else
                    f"queue:{p['queueId']}" if p.get("queueId") else json.dumps(p)))
            else:
                lines.append(str(p))
        return "\n".join(lines)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _participant_key(p: dict) -> tuple:
    """What a conference participant's line in the Destination box says: its address, user or queue."""
    name = next((k for k in ("address", "userId", "queueId") if p.get(k)), "")   # as to_form_value writes the line
    return name, str(p.get(name, ""))


def from_form_value(field: str, text: str) -> Any:
    """Form text -> JSON value; a value that does not fit is kept as typed so the doctor can say why."""
    text = text.strip()
    if not text:
        return None
    if field == "participants":
        out = []
        for line in filter(None, (part.strip() for part in text.splitlines())):
            if line.startswith("user:"):
                out.append({"userId": line[5:].strip()})
            elif line.startswith("queue:"):
                out.append({"queueId": line[6:].strip()})
            else:
                out.append({"address": line})
        return out
    kind = "list" if field == "conversationIds" else KINDS.get(field, "text")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "list":
        return [v.strip() for v in text.split(",") if v.strip()]
    if kind == "map":
        pairs = (line.split("=", 1) for line in text.splitlines() if line.strip())
        return {k.strip(): (v[0].strip() if v else "") for k, *v in pairs}
    return text


class ComposerModel(PanelModel):
    # what the panel shows, set by publish() (the view links its widgets to these)
    shown_text = traitlets.Unicode("")          # the raw JSON as shown (pseudonyms for the evidence's values)
    shown_form: traitlets.Dict = traitlets.Dict()   # the form: field -> value, "mode", "destination"
    header = traitlets.Unicode("")
    findings_view = traitlets.Unicode("")
    changes = traitlets.Unicode("")
    result = traitlets.Unicode("")
    ticket_view = traitlets.Unicode("")
    previous_view = traitlets.Unicode("")
    selected_view = traitlets.Unicode("")
    confirm_text = traitlets.Unicode("")
    confirming = traitlets.Bool(False)
    history_options: traitlets.List = traitlets.List()
    can_fix_now = traitlets.Bool(False)
    can_follow_now = traitlets.Bool(False)
    can_ask_genesys_now = traitlets.Bool(False)
    can_add = traitlets.Bool(False)
    can_export = traitlets.Bool(False)
    can_clear = traitlets.Bool(False)
    show_plumbing = traitlets.Bool(False)        # History: token, identity, preflight and follow-up requests too

    def __init__(self, text: str = EXAMPLE, region: str | None = None, session=None):
        super().__init__()
        self.region = region
        self.session = session
        self.text = ""
        self.report: Report | None = None
        self.form: dict[str, str] = {name: "" for _, name, _, _ in FORM}
        self.mode = "phone number"
        self.destination = ""
        self.last_error: str | None = None
        self.applied_notes: list[str] = []
        self.written_as: Any = None     # the body before the first Fix it since the person last typed
        self.fixed: list[str] = []      # what every Fix it since then changed
        self.last_exchange: Any = None  # the Exchange of the last send
        self.pending = None            # the Intent awaiting a yes (org, region, destinations, body digest)
        self.pending_action: tuple = ()
        self.selected: list[int] = []
        self.stale = False             # the body changed since the answer shown
        self.trace = None              # how the last call ended (Follow)
        self.genesys: Any = None       # Genesys' side of it (diag.client.genesys_side.GenesysSide), when asked
        self.ticket: list[int] = []    # exchange numbers chosen for the ticket, in ticket_session's log
        self.ticket_session: Any = None   # the session those calls went through (kept across a new connection)
        self.previous: list[tuple[str, int, Any]] = []   # earlier connections: (label, calls, saved log or None)
        self.evidence = None           # the customer's evidence (an Inspection) added from the evidence panel
        self.bundle: Any = None        # the last exported ticket
        self.masked = None             # a Masked: the evidence's values kept in the kernel, pseudonyms on screen
        self.set_text(text)
        self.publish()

    @traitlets.observe("show_plumbing")
    def _plumbing(self, _change) -> None:
        self.publish()

    def _publish(self) -> None:
        """The display traits from the state: what the view shows, in one place."""
        from diag.app.widgets.response import response_html

        form = dict(self.form)
        form.update(mode=self.mode, destination=self.destination)
        self.shown_text = self.text
        if isinstance(self.body, dict):
            self.shown_form = form
        self.history_options = self.history_rows()
        where = html.escape(self.target_label)
        style = "color:#b2182b;font-weight:bold" if self.session is not None and not self.session.simulated else ""
        who = ""
        if self.session is not None:
            try:
                who = f" · {html.escape(self.identity)}"
            except Exception as exc:  # noqa: BLE001 - an unreachable org shows as such, never silently
                who = f" · identity unknown ({html.escape(str(exc))})"
        self.header = f"<div class='diag-target' style='{style}'>Target: {where}{who}</div>"
        self.findings_view = self.findings_html()
        self.can_fix_now = self.can_fix
        every = self.applied_notes or (self.report.notes if self.report else [])
        notes = [n if self.applied_notes else self._shown(n) for n in every[:SHOWN_FINDINGS]]   # as the findings are
        more = (f"<li>and {len(every) - SHOWN_FINDINGS:,} more changes like these</li>"
                if len(every) > SHOWN_FINDINGS else "")
        title = ("<b>Fix it changed:</b>" if self.applied_notes else
                 "<b>Fix it will change:</b>" if self.can_fix else "<b>Read as:</b>")
        self.changes = (f"<div class='diag-changes'>{title}<ul>" + "".join(
            f"<li>{inline_markdown(n)}</li>" for n in notes) + more + "</ul></div>") if notes else ""
        self.result = self.result_html()
        self.can_follow_now = self.can_follow
        self.can_ask_genesys_now = self.can_ask_genesys
        self.can_add = self.last_exchange is not None
        self.can_export = self.session is not None and bool(self.ticket or self.last_exchange is not None
                                                            or self.evidence is not None)
        self.ticket_view = self.ticket_html()
        self.can_clear = bool(self.ticket)
        self.previous_view = self.previous_html()
        self.selected_view = self._shown(response_html(self.selected_exchange()))
        self.confirm_text = self.pending_html()
        self.confirming = self.pending is not None

    # ---- the raw side ----
    def set_text(self, text: str) -> Report:
        if text != self.text and self.last_exchange is not None:
            self.stale = True    # the answer shown is for the earlier body
        self.text = text
        self.pending = None      # a changed body is a new question
        self.applied_notes = []
        self.report = check_text(self.masked.reveal(text) if self.masked else text, region=self.region,
                                 caller=self.caller)
        body = self.body
        if isinstance(body, dict):
            self._form_from(body)
        return self.report

    @property
    def caller(self):
        """Who is connected, as the server model reads a caller (None: the simulator's demo user)."""
        if self.session is None:
            return None
        try:
            return self.session.caller()
        except DiagError:
            return None

    def open_masked(self, text: str, masked) -> None:
        """A body from the customer's evidence: shown (and kept in widget state) with pseudonyms, checked and sent
        with the real values, which stay in the kernel."""
        self.masked = masked.merged(self.masked) if masked else self.masked   # what is on screen keeps its own
        self.set_text(text)

    def _shown(self, html_text: str) -> str:
        return self.masked.mask(html_text) if self.masked else html_text

    @property
    def body(self) -> Any:
        """The body as shown (the form's values): with pseudonyms when it came from the evidence."""
        if self.masked:
            from diag.core.doctor import parse_body

            parsed = parse_body(self.text)
            return parsed.value if parsed.ok else None
        parsed = self.report.parsed if self.report else None
        return parsed.value if parsed is not None and parsed.ok else None

    def _to_send(self) -> Any:
        """What Send sends: the real body (the evidence's values revealed in the kernel); a text that is not JSON as
        written is sent as written, as the verdict judges it (Fix it writes the repaired body)."""
        parsed = self.report.parsed if self.report else None
        if parsed is not None and parsed.ok and not parsed.repairs and isinstance(parsed.value, (dict, list)):
            return parsed.value   # (a JSON string's inside is another body than the one checked: the text goes)
        return self.masked.reveal(self.text) if self.masked else self.text

    def _form_from(self, body: dict) -> None:
        for name in self.form:
            self.form[name] = to_form_value(name, body.get(name))
        present = [m for m, f in DESTINATIONS.items() if body.get(f) not in (None, "", [], {})]
        if present:
            self.mode = present[0]
        self.destination = to_form_value(DESTINATIONS[self.mode], body.get(DESTINATIONS[self.mode]))

    # ---- the form side ----
    def _base(self) -> dict:
        return form_base(self.body, self.text)

    def _write(self, body: dict) -> None:
        self.set_text(json.dumps(body, indent=2, ensure_ascii=False))

    def _put(self, field: str, value: str) -> None:
        """One form value into the body (an empty value removes the field), then the text follows."""
        body = self._base()
        parsed = from_form_value(field, value)
        if field == "participants" and isinstance(parsed, list) and isinstance(body.get(field), list):
            # the box shows one destination a line; a participant's other fields (its name...) stay with its line
            before = {_participant_key(p): p for p in body[field] if isinstance(p, dict)}
            parsed = [{**before.get(_participant_key(p), {}), **p} for p in parsed]
        if parsed is None:
            body.pop(field, None)
        else:
            body[field] = parsed
        self._write(body)

    def set_field(self, name: str, value: str) -> None:
        if name not in self.form:
            raise KeyError(f"no form field {name!r}")
        self._put(name, value)
        self.form[name] = value

    def set_destination(self, value: str) -> None:
        self._put(DESTINATIONS[self.mode], value)
        self.destination = value

    def set_mode(self, mode: str) -> None:
        """Switch the destination kind; the value moves to the new field when it still makes sense."""
        if mode not in DESTINATIONS:
            raise KeyError(f"no destination kind {mode!r}; one of {', '.join(DESTINATIONS)}")
        body = self._base()
        old_field, new_field = DESTINATIONS[self.mode], DESTINATIONS[mode]
        old_value = body.pop(old_field, None)
        self.mode = mode
        # moved over only into an empty field: a value typed for the new kind is the person's, and stays
        if old_value not in (None, "", [], {}) and body.get(new_field) in (None, "", [], {}):
            body[new_field] = from_form_value(new_field, to_form_value(old_field, old_value))
        self._write(body)
        self.mode = mode

    # ---- findings and the fix ----
    @property
    def findings(self):
        return self.report.findings if self.report else []

    @property
    def can_fix(self) -> bool:
        return bool(self.report and self.report.fixed is not None)

    @property
    def fixed_text(self) -> str:
        report = self.report
        return self._shown(json.dumps(report.fixed, indent=2, ensure_ascii=False)) if report and self.can_fix else ""

    def apply_fix(self) -> bool:
        if not self.can_fix:
            return False
        notes = [self._shown(n) for n in self.report.notes] if self.report else []
        first, before = (self.written_as, self.fixed) if self.applied_notes else (self._to_send(), [])
        if self.masked and self.report is not None:
            self.masked.adopt(self.report.fixed)   # Send sends the corrected spelling, shown as its pseudonym
        self.set_text(self.fixed_text)
        self.applied_notes = notes
        # the story, until the person types again (the notes as shown: the answer view shows them too)
        self.written_as, self.fixed = first, before + notes
        return True

    def _story(self) -> dict:
        """The body as first written and what Fix it changed, when the body about to be sent is Fix it's."""
        return {"written_as": self.written_as, "fixed": self.fixed} if self.applied_notes else {}

    def findings_html(self) -> str:
        return self._shown(findings_html(self.report))

    # ---- sending ----
    @property
    def target_label(self) -> str:
        return self.session.label if self.session is not None else "not connected"

    @property
    def identity(self) -> str:
        return self.session.identity() if self.session is not None else ""

    def send(self):
        """Fire the call as the text says. On a real org this first asks (see `pending`): nothing is sticky."""
        if self.session is None:
            raise DiagError("Not connected: run the connection cell first.")
        parsed = self.report.parsed if self.report else None
        if not self.session.simulated and parsed is not None and (not parsed.ok or parsed.repairs):
            # the gate would refuse it too (a real org gets only bodies that read as one JSON value): said here
            # with what to do, in the words of the finding above
            raise DiagError("Not sent to a real org: the text is not JSON as written, and Genesys would refuse it "
                            "(400 bad.request). " + ("Press Fix it: it writes the repaired body." if self.can_fix else
                                                     "Correct it where the findings say, then Send."))
        body, report = self._to_send(), self.report   # the doctor ran as the person typed: not again per send
        story = self._story()
        return self._attempt(("send",), lambda confirm: self.session.call(body, confirm=confirm, report=report,
                                                                          **story))

    def resend(self, seq: int):
        ex = next(e for e in self.session.log if e.seq == seq)
        return self._attempt(("resend", seq), lambda confirm: self.session.resend(ex, confirm=confirm))

    def _attempt(self, action: tuple, run, confirmation=None):
        self.pending = None
        self.last_exchange, self.stale, self.trace = None, False, None   # never an old answer above a new question
        self.genesys = None
        try:
            self.last_exchange = run(confirmation)
        except ConfirmationRequired as exc:
            if exc.intent is None:
                raise
            self.pending, self.pending_action = exc.intent, action   # shown with Yes / Cancel; nothing sent
            return None
        return self.last_exchange

    def confirm_pending(self):
        """The person said yes to exactly the pending prompt: that org, region, destinations and body. If any of
        them changed since, the gate asks again instead of sending."""
        if self.pending is None:
            raise DiagError("Nothing is waiting for confirmation.")
        intent, action = self.pending, self.pending_action
        if action[0] == "send":
            body, report, story = self._to_send(), self.report, self._story()
            return self._attempt(action, lambda c: self.session.call(body, confirm=c, report=report, **story),
                                 Confirmation.of(intent))
        ex = next(e for e in self.session.log if e.seq == action[1])
        return self._attempt(action, lambda c: self.session.resend(ex, confirm=c), Confirmation.of(intent))

    def cancel_pending(self) -> None:
        self.pending, self.pending_action = None, ()

    def pending_html(self) -> str:
        if self.pending is None:
            return ""
        extra = (" (values from the customer's evidence are shown as pseudonyms; the real ones are sent)"
                 if self.masked else "")
        return self._shown(f"<div class='diag-confirm' style='border:2px solid #b2182b;padding:6px'><b "
                           f"style='color:#b2182b'>Confirm</b>: {html.escape(self.pending.prompt())}{extra}</div>")

    def result_html(self) -> str:
        from diag.app.widgets.response import response_html

        out = self._shown(response_html(self.last_exchange, self.target_label, stale=self.stale))
        if self.trace is not None:
            dim = "opacity:0.55;" if self.stale else ""
            out += (f"<pre class='diag-trace' style='{dim}white-space:pre-wrap;line-height:1.3;margin:4px 0'>"
                    f"{html.escape(self.trace.text())}</pre>")
        if self.genesys is not None:   # already pseudonymised by its own text()
            out += ("<details class='diag-genesys' open><summary><b>Genesys' side</b> (added to the ticket)</summary>"
                    "<pre style='white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.3;margin:4px 0'>"
                    f"{html.escape(self._shown(self.genesys.text()))}</pre></details>")
        problem = self.session.log.autosave_error if self.session is not None else None
        if problem:
            out += f"<p class='diag-save-error' style='color:#b35806'>Not saved to the workspace: {html.escape(problem)}</p>"
        return out

    # ---- following the call, and the ticket ----
    @property
    def can_follow(self) -> bool:
        ex = self.last_exchange
        return (ex is not None and not self.stale and ex.ok and ex.method == "POST"
                and isinstance(ex.response_body, dict)
                and bool(ex.response_body.get("id")) and self.session is not None)

    def follow(self, timeout: float = 60):
        """Watch the call just created until it ends: its states as they change and how it ended."""
        if not self.can_follow:
            raise DiagError("Nothing to follow: send a call that Genesys created (HTTP 200) first.")
        trace = self.trace = self.session.follow_call(self.last_exchange.response_body["id"], timeout=timeout)
        # with the call's exchange, for a ticket made in this session (the saved log has the polls themselves)
        self.last_exchange.notes.append(f"How the call ended (Follow): {trace.ending()}")
        return trace

    @property
    def can_ask_genesys(self) -> bool:
        return self.trace is not None and self.can_follow

    def ask_genesys(self, pcap: bool = False):
        """Genesys' side of the call just followed (analytics details, SIP, events, audits); it joins the ticket.
        pcap: also download the call's PCAP, as a file in the workspace's tickets folder beside the tickets (never
        in one: it is raw)."""
        from diag.client.genesys_side import genesys_side
        from diag.core.workspace import new_ticket_path

        if not self.can_ask_genesys:
            raise DiagError("Follow the call first: Genesys' side is asked for a call that was created and followed.")
        cid = self.last_exchange.response_body["id"]
        self.genesys = genesys_side(self.session, cid, pcap_to=new_ticket_path(panel=True).parent if pcap else None,
                                    pcap_name=f"genesys-sip-trace-{str(cid)[:8]}.pcap")
        return self.genesys

    def add_to_ticket(self, seqs: list[int] | None = None) -> list[int]:
        chosen = list(seqs) if seqs else ([self.last_exchange.seq] if self.last_exchange is not None else [])
        if not chosen:
            raise DiagError("Nothing to add: send a call, or select rows in History.")
        if self.ticket and self.ticket_session is not self.session:
            raise DiagError(f"The ticket holds {len(self.ticket)} exchange(s) from the previous connection "
                            f"({self.ticket_session.label}), and a ticket shows one source: Export ticket first, "
                            "or Clear ticket to start one for this connection.")
        self.ticket_session = self.session
        for seq in chosen:
            if seq not in self.ticket:
                self.ticket.append(seq)
        return self.ticket

    def clear_ticket(self) -> None:
        """Start the ticket again (its calls stay in History and in the workspace's session log)."""
        self.ticket, self.ticket_session, self.bundle = [], None, None

    def connected(self, session) -> None:
        """Another connection: the answers on screen were the old one's and go; the ticket being built stays (it
        exports from the session its calls went through), and the old History is named with where it is saved."""
        old = self.session
        if old is not None and old is not session and len(old.log):
            calls = sum(1 for e in old.log if e.method == "POST" and (e.template or "").startswith(CALLS_PATH))
            self.previous.append((old.label, calls, old.log.autosave))
        self.session = session
        self.cancel_pending()     # another org is a new question
        self.last_exchange, self.trace, self.genesys, self.stale, self.selected = None, None, None, False, []
        if not self.ticket:
            self.ticket_session, self.bundle = None, None
        self.set_text(self.text)  # the prediction is for the new caller

    def previous_html(self) -> str:
        """Where the earlier connections' History went (the Ticket tab, notebook 03 and diag bundle read it)."""
        rows = [f"{html.escape(label)}: {calls} call(s)" + (f", saved as <code>{html.escape(str(path))}</code>"
                                                             if path else " (not saved: saving is off)")
                for label, calls, path in self.previous]
        return ("<div class='diag-previous' style='color:#555'>Earlier connections' History: " + "; ".join(rows)
                + "</div>") if rows else ""

    def export_ticket(self, out=None):
        """The ticket's exchanges (or, when none were added, the last answer) into a zip in the workspace."""
        from diag.app.ticket import bundle_from_session
        from diag.core.workspace import new_ticket_path

        if self.session is None:
            raise DiagError("Not connected.")
        seqs = self.ticket or ([self.last_exchange.seq] if self.last_exchange is not None else [])
        if not seqs and self.evidence is None:
            raise DiagError("Nothing to export yet: send a call, then Add to ticket.")
        source = self.ticket_session if self.ticket and self.ticket_session is not None else self.session
        chosen = [e for e in source.log if e.seq in set(seqs)]
        self.bundle = bundle_from_session(out or new_ticket_path(panel=True), source, exchanges=chosen,
                                          evidence=self.evidence, genesys=[self.genesys] if self.genesys else [])
        return self.bundle

    def ticket_html(self) -> str:
        from diag.app.widgets.common import download_html

        parts = []
        if self.ticket:
            earlier = (f", from the previous connection: {html.escape(self.ticket_session.label)}"
                       if self.ticket_session is not None and self.ticket_session is not self.session else "")
            parts.append(f"<span class='diag-ticket'>Ticket: {len(self.ticket)} exchange(s) "
                         f"({', '.join(f'#{n}' for n in self.ticket)}){earlier}</span>")
        elif self.last_exchange is not None and self.session is not None:   # what Export takes when none was added
            parts.append(f"<span class='diag-ticket'>Ticket: the last answer (#{self.last_exchange.seq}), as no "
                         "exchange was added</span>")
        if self.evidence is not None:
            e = self.evidence
            parts.append(f"<span class='diag-ticket'>Ticket: the customer's evidence ({html.escape(e.kind.upper())}, "
                         f"{len(e.diagnoses)} Genesys request(s), {len(e.failures)} failed)</span>")
        if self.bundle is not None:
            parts.append(download_html(self.bundle.path) + f"<span style='color:#555'>"
                         f"{html.escape(self.bundle.headline)}</span>")
        return "<br>".join(parts)

    def history_rows(self) -> list[tuple[str, int]]:
        """Calls first: newest first, with date, time and zone; re-sends and retries marked. Plumbing (tokens,
        identity, follow-up polls) only when asked."""
        from diag.app.widgets.response import when

        if self.session is None:
            return []
        rows = []
        for e in reversed(list(self.session.log)):
            is_call = e.method == "POST" and (e.template or "").startswith(CALLS_PATH)
            if not is_call and not self.show_plumbing:
                continue
            mark = " (retried)" if e.superseded else (f" (attempt {e.attempt})" if e.attempt > 1 else "")
            ticket = " [ticket]" if e.seq in self.ticket and self.ticket_session is self.session else ""
            rows.append((f"#{e.seq} {when(e)} {e.method} {e.template or e.path} -> {e.status or 'no answer'} "
                         f"{e.error_code or ''}{mark}{ticket}".strip(), e.seq))
        return rows

    def selected_exchange(self):
        if not self.selected or self.session is None:
            return None
        return next((e for e in self.session.log if e.seq == self.selected[0]), None)


class ComposerView:
    """ipywidgets bound to a ComposerModel. Display `ComposerView(model).widget` in a notebook."""

    def __init__(self, model: ComposerModel | None = None):
        import ipywidgets as w

        self.model = model or ComposerModel()
        self._syncing = False
        m = self.model
        self.header = w.HTML()
        self.raw = w.Textarea(value=m.text, placeholder="Paste a body here (any JSON, even from a forum)",
                              layout=w.Layout(width="100%", height="260px"))
        self.raw.add_class("diag-raw")
        self.mode = w.ToggleButtons(options=list(DESTINATIONS), value=m.mode, description="Call",
                                    style={"button_width": "auto"})
        self.destination = w.Textarea(description="Destination", placeholder="+13175550100 (conference: one per "
                                      "line; user:ID, queue:ID)", layout=w.Layout(width="95%", height="60px"))
        self.fields = {}
        groups: dict[str, list] = {}
        for group, name, label, kind in FORM:
            cls = w.Textarea if kind == "map" else w.Text
            widget = cls(description=label, style={"description_width": "190px"}, layout=w.Layout(width="95%"))
            widget.observe(lambda change, n=name: self._on_field(n, change["new"]), names="value")
            self.fields[name] = widget
            groups.setdefault(group, []).append(widget)
        form = w.Accordion(children=[w.VBox(ws) for ws in groups.values()], titles=tuple(groups))
        self.findings = w.HTML()
        self.fix_button = w.Button(description="Fix it", button_style="warning", icon="wrench")
        self.changes = w.HTML()
        self.confirm_text = w.HTML()
        self.confirm_yes = w.Button(description="Yes, send it", button_style="danger", icon="check")
        self.confirm_no = w.Button(description="Cancel", icon="times")
        self.confirm = w.VBox([self.confirm_text, w.HBox([self.confirm_yes, self.confirm_no])])
        self.confirm.add_class("diag-confirm-box")
        self.send_button = w.Button(description="Send", button_style="primary", icon="phone")
        self.result = w.HTML()
        self.error = w.HTML()
        self.follow_button = w.Button(description="Follow the call", icon="eye", layout=w.Layout(width="auto"))
        self.genesys_button = w.Button(description="Genesys' side", icon="search", layout=w.Layout(width="auto"),
                                       tooltip="analytics details, SIP messages, events and audits of this call")
        self.pcap = w.Checkbox(description="and its PCAP", indent=False, layout=w.Layout(width="auto"),
                               tooltip="download the call's packet capture beside the tickets (raw: never in one)")
        self.add_button = w.Button(description="Add to ticket", icon="plus", layout=w.Layout(width="auto"))
        self.export_button = w.Button(description="Export ticket", icon="download", button_style="success",
                                      layout=w.Layout(width="auto"))
        self.ticket = w.HTML()
        self.history = w.SelectMultiple(options=[], rows=6, layout=w.Layout(width="98%"))
        self.plumbing = w.Checkbox(description="every request (tokens, identity, polls)", indent=False,
                                   layout=w.Layout(width="auto"))
        self.selected_view = w.HTML()
        self.resend_button = w.Button(description="Re-send selected", icon="repeat", layout=w.Layout(width="auto"))
        self.add_selected_button = w.Button(description="Add selected to ticket", icon="plus",
                                            layout=w.Layout(width="auto"))
        self.raw.observe(self._on_text, names="value")
        self.mode.observe(self._on_mode, names="value")
        self.destination.observe(self._on_destination, names="value")
        self.fix_button.on_click(self._on_fix)
        self.send_button.on_click(self._on_send)
        self.resend_button.on_click(self._on_resend)
        self.confirm_yes.on_click(lambda _b: self._guarded(self.model.confirm_pending))
        self.confirm_no.on_click(lambda _b: self._guarded(self.model.cancel_pending))
        self.history.observe(self._on_select, names="value")
        traitlets.link((self.model, "show_plumbing"), (self.plumbing, "value"))
        self.follow_button.on_click(lambda _b: self._guarded(self.model.follow))
        self.genesys_button.on_click(lambda _b: self._guarded(lambda: self.model.ask_genesys(pcap=self.pcap.value)))
        self.add_button.on_click(lambda _b: self._guarded(self.model.add_to_ticket))
        self.add_selected_button.on_click(lambda _b: self._guarded(self.model.add_to_ticket, self.model.selected))
        self.export_button.on_click(lambda _b: self._guarded(self.model.export_ticket))
        self.clear_button = w.Button(description="Clear ticket", icon="eraser", layout=w.Layout(width="auto"),
                                     tooltip="start the ticket again (the calls stay in History)")
        self.clear_button.on_click(lambda _b: self._guarded(self.model.clear_ticket))
        self.previous = w.HTML()
        left = w.VBox([self.mode, self.destination, form], layout=w.Layout(width="50%", min_width="0"))
        right = w.VBox([w.HTML("<b>Raw JSON</b> (kept in sync with the form)"), self.raw],
                       layout=w.Layout(width="50%", min_width="0"))
        actions = w.HBox([self.fix_button, self.send_button, self.follow_button, self.genesys_button, self.pcap,
                          self.add_button, self.export_button, self.clear_button],
                         layout=w.Layout(flex_flow="row wrap"))
        history = w.VBox([w.HTML("<b>History</b> (newest first; click a row to see its answer)"), self.plumbing,
                          self.history, w.HBox([self.resend_button, self.add_selected_button],
                                               layout=w.Layout(flex_flow="row wrap")), self.selected_view,
                          self.previous])
        self.widget = w.VBox([self.header, w.HBox([left, right], layout=w.Layout(width="100%")), self.findings,
                              self.changes, actions, self.confirm, self.error, self.result, self.ticket, history],
                             layout=w.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("diag-composer")
        for trait, widget in (("header", self.header), ("findings_view", self.findings), ("changes", self.changes),
                              ("result", self.result), ("ticket_view", self.ticket), ("previous_view", self.previous),
                              ("selected_view", self.selected_view), ("confirm_text", self.confirm_text)):
            show(m, trait, widget)
        show(m, "last_error", self.error, transform=error_html)
        m.observe(self._show_history, names="history_options")
        self._show_history()
        show(m, "confirming", self.confirm.layout, "display", lambda on: "flex" if on else "none")
        for trait, widgets in (("can_fix_now", [self.fix_button]), ("can_follow_now", [self.follow_button]),
                               ("can_ask_genesys_now", [self.genesys_button, self.pcap]),
                               ("can_add", [self.add_button]), ("can_export", [self.export_button]),
                               ("can_clear", [self.clear_button])):
            for widget in widgets:
                show(m, trait, widget, "disabled", operator.not_)
        m.observe(self._show_body, names=["shown_text", "shown_form"])
        self._show_body()

    def set_session(self, session) -> None:
        """Point the composer at another session (after the connection panel connects): the old answers go, the
        ticket being built stays (see ComposerModel.connected)."""
        run_safely(self.model, self.model.connected, session)

    # ---- callbacks ----
    def _guarded(self, fn, *args) -> None:
        if self._syncing:
            return   # the panel is showing the model's own body: not a person's edit
        run_safely(self.model, fn, *args)

    def _on_text(self, change) -> None:
        self._guarded(self.model.set_text, change["new"])

    def _on_field(self, name: str, value: str) -> None:
        self._guarded(self.model.set_field, name, value)

    def _on_mode(self, change) -> None:
        self._guarded(self.model.set_mode, change["new"])

    def _on_destination(self, change) -> None:
        self._guarded(self.model.set_destination, change["new"])

    def _on_fix(self, _button=None) -> None:
        self._guarded(self.model.apply_fix)

    def _on_send(self, _button=None) -> None:
        self._guarded(self.model.send)

    def _on_select(self, change) -> None:
        self._guarded(setattr, self.model, "selected", list(change["new"]))

    def _on_resend(self, _button=None) -> None:
        for seq in list(self.model.selected):
            self._guarded(self.model.resend, seq)

    # ---- model -> widgets ----
    def _show_history(self, _change=None) -> None:
        """The History rows, and the rows chosen that are still there (a new row never loses the selection)."""
        m = self.model
        rows = [tuple(r) for r in m.history_options]
        there = {seq for _, seq in rows}
        kept = tuple(seq for seq in m.selected if seq in there)
        m.selected = list(kept)
        self._syncing = True
        try:
            with self.history.hold_sync():
                self.history.options = rows
                self.history.value = kept
        finally:
            self._syncing = False

    def _show_body(self, _change=None) -> None:
        """The raw JSON and the form as the model shows them (their own edits go back through the model)."""
        m = self.model
        self._syncing = True
        try:
            if self.raw.value != m.shown_text:
                self.raw.value = m.shown_text
            form = m.shown_form
            for name, widget in self.fields.items():
                if name in form and widget.value != form[name]:
                    widget.value = form[name]
            if "mode" in form and self.mode.value != form["mode"]:
                self.mode.value = form["mode"]
            if "destination" in form and self.destination.value != form["destination"]:
                self.destination.value = form["destination"]
        finally:
            self._syncing = False

    def refresh(self) -> None:
        """The widgets follow the model by themselves; this asks it to publish again (a change made outside)."""
        self.model.publish()
