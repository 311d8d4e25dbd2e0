"""Genesys' side of one conversation: what Genesys recorded of a call diag placed, or of a conversation id found in
a customer's evidence, joined into one timeline with diag's own requests.

    analytics details   GET  /api/v2/analytics/conversations/{conversationId}/details
    SIP messages        GET  /api/v2/telephony/sipmessages/conversations/{conversationId}   (and /headers)
    SIP trace metadata  GET  /api/v2/telephony/siptraces?conversationId=...&dateStart=...&dateEnd=...
    operational events  POST /api/v2/usage/events/query   {"interval": the window}
    audits              POST /api/v2/audits/query         {"interval": the window}, then its results

(facts §9.3.) Every request leaves through the session (the gate, the log, redaction as it is read); a part Genesys
refuses is named with the permissions the operation documents. The PCAP is downloaded only when asked
(`pcap_to`, diag.client.pcap): saved as a file beside the ticket, never opened, never inside it.
What is printed or saved goes through one Pseudonymiser: numbers and people as pseudonyms.
"""
from __future__ import annotations

import datetime as dt
import secrets as _secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diag.client.parts import Part, refusal_of
from diag.core.intervals import recorded_instant as _when

__all__ = ["Part", "GenesysSide", "genesys_side", "conversations_of", "refusal_of"]

DETAILS = "GET /api/v2/analytics/conversations/{conversationId}/details"
SIP_MESSAGES = "GET /api/v2/telephony/sipmessages/conversations/{conversationId}"
SIP_HEADERS = "GET /api/v2/telephony/sipmessages/conversations/{conversationId}/headers"
SIP_TRACES = "GET /api/v2/telephony/siptraces"
EVENTS = "POST /api/v2/usage/events/query"
AUDITS = "POST /api/v2/audits/query"
AUDIT_RESULTS = "GET /api/v2/audits/query/{transactionId}/results"


@dataclass
class GenesysSide:
    conversation_id: str
    window: tuple[str, str]
    parts: list[Part]
    timeline: list[tuple[str, str, str]] = field(default_factory=list)   # (time, source, what), in time order
    simulated: bool = True
    pcap: Any = None          # diag.client.pcap.Pcap when the PCAP was asked for
    _pseudo: Any = field(default=None, repr=False, compare=False)

    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)

    @property
    def pseudonymiser(self):
        if self._pseudo is None:
            from diag.core.redact import Pseudonymiser

            self._pseudo = Pseudonymiser(_secrets.token_bytes(32))
            for p in self.parts:
                self._pseudo.learn_people(p.answer, p.operation)
        return self._pseudo

    def shown(self, text: str) -> str:
        return self.pseudonymiser.text(text)

    def text(self) -> str:
        where = "the diag simulator (modelled answers: they mean nothing at Genesys)" if self.simulated else \
            "Genesys"
        lines = [f"Genesys' side of conversation {self.conversation_id}, from {where}; window "
                 f"{self.window[0]} to {self.window[1]}"]
        for p in self.parts:
            state = (f"HTTP {p.status}" if p.ok else f"not available: {p.refusal}")
            lines.append(f"  {p.name:<20} {p.operation}: {state}"
                         + (f" (correlation id {p.correlation_id})" if p.correlation_id else ""))
        if self.pcap is not None:
            lines.append(f"  {'PCAP':<20} {self.pcap.line()}")
        if self.timeline:
            lines.append("Timeline (UTC):")
            lines += [f"  {t}  {src:<10} {what}" for t, src, what in self.timeline]
        return self.shown("\n".join(lines))

    def raw_dict(self) -> dict:
        """Everything, as read (secrets already redacted; numbers and people not yet): what a ticket cleans with its
        own pseudonyms, the same as its other files'."""
        return {"conversationId": self.conversation_id, "window": list(self.window), "simulated": self.simulated,
                "parts": [{"name": p.name, "operation": p.operation, "status": p.status, "refusal": p.refusal,
                           "correlationId": p.correlation_id, "answer": p.answer} for p in self.parts],
                "timeline": [{"time": t, "source": s, "what": w} for t, s, w in self.timeline],
                "pcap": self.pcap.to_dict() if self.pcap is not None else None}

    def to_dict(self) -> dict:
        """raw_dict() as it may be shown or saved: numbers and people pseudonymised, in the customer's own keys too
        (participant attributes, SIP header names: CUSTOMER_KEYED)."""
        from diag.core.redact import CUSTOMER_KEYED, map_strings

        return map_strings(self.raw_dict(), self.shown, keys_under=CUSTOMER_KEYED)


def _get(session, name: str, operation: str, path: str, **kwargs) -> Part:
    from diag.client.session import doing

    method = operation.split(" ", 1)[0]
    with doing(session, "genesys"):   # kept as Genesys' side (genesys/ in a ticket), not as one of the person's
        ex = session.send(method, path, **kwargs)
    if ex.ok:
        return Part(name, operation, ex.status, ex.response_body, None, ex.correlation_id)
    return Part(name, operation, ex.status, ex.response_body, refusal_of(operation, ex), ex.correlation_id)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def genesys_side(session, conversation_id: str, *, window_minutes: float = 30,
                 pcap_to: str | Path | None = None, pcap_name: str = "genesys-sip-trace.pcap") -> GenesysSide:
    """Ask Genesys (or the simulator) for its side of `conversation_id`; the window for events, audits and SIP
    traces is the conversation's own (from its analytics details) widened by `window_minutes` on each side, else the
    last `window_minutes` up to now. pcap_to: a folder to save the conversation's PCAP in (only when asked)."""
    from urllib.parse import quote

    cid = quote(conversation_id, safe="")
    parts = [_get(session, "analytics details", DETAILS, f"/api/v2/analytics/conversations/{cid}/details")]
    details = parts[0].answer if parts[0].ok and isinstance(parts[0].answer, dict) else {}
    start, end = _span(details, window_minutes)
    window = (_iso(start), _iso(end))
    parts.append(_get(session, "SIP messages", SIP_MESSAGES, f"/api/v2/telephony/sipmessages/conversations/{cid}"))
    parts.append(_get(session, "SIP headers", SIP_HEADERS,
                      f"/api/v2/telephony/sipmessages/conversations/{cid}/headers"))
    parts.append(_get(session, "SIP trace metadata", SIP_TRACES, "/api/v2/telephony/siptraces",
                      params={"conversationId": conversation_id, "dateStart": window[0], "dateEnd": window[1]}))
    parts.append(_get(session, "operational events", EVENTS, "/api/v2/usage/events/query",
                      body={"interval": f"{window[0]}/{window[1]}"}))
    audits = _get(session, "audits", AUDITS, "/api/v2/audits/query", body={"interval": f"{window[0]}/{window[1]}"})
    parts.append(audits)
    if audits.ok and isinstance(audits.answer, dict) and audits.answer.get("id"):
        tid = quote(str(audits.answer["id"]), safe="")
        parts.append(_get(session, "audit results", AUDIT_RESULTS, f"/api/v2/audits/query/{tid}/results"))
    side = GenesysSide(conversation_id, window, parts, simulated=session.simulated)
    if pcap_to is not None:
        from diag.client.pcap import download_pcap

        side.pcap = download_pcap(session, conversation_id, pcap_to, window, name=pcap_name)
        side.parts += side.pcap.parts
    side.timeline = _timeline(side, session)
    return side


def _span(details: dict, minutes: float) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    first, last = _when(details.get("conversationStart")), _when(details.get("conversationEnd"))
    pad = dt.timedelta(minutes=minutes)
    if first is None:
        return now - pad, now
    return first - pad, min((last or first) + pad, now + dt.timedelta(minutes=1))


def _timeline(side: GenesysSide, session) -> list[tuple[str, str, str]]:
    """Diag's own requests for this conversation and what Genesys recorded of it, in time order."""
    rows: list[tuple[str, str, str]] = []
    for ex in session.log:
        body = ex.response_body if isinstance(ex.response_body, dict) else {}
        if side.conversation_id in (ex.path or "") or body.get("id") == side.conversation_id:
            rows.append((str(ex.started), "diag", f"{ex.method} {ex.template or ex.path} -> "
                                                   f"{ex.status or ex.transport_error}"))
    details = side.part("analytics details")
    answer = details.answer if details is not None and details.ok and isinstance(details.answer, dict) else {}
    for p in answer.get("participants") or []:
        if not isinstance(p, dict):
            continue
        for s in p.get("sessions") or []:
            for seg in (s.get("segments") or []) if isinstance(s, dict) else []:
                if not isinstance(seg, dict) or not seg.get("segmentStart"):
                    continue
                what = f"{p.get('purpose')} {seg.get('segmentType')}"
                if seg.get("disconnectType"):
                    what += f", disconnectType {seg['disconnectType']}"
                if seg.get("sipResponseCodes"):
                    what += f", SIP {', '.join(str(c) for c in seg['sipResponseCodes'])}"
                if seg.get("errorCode"):
                    what += f", errorCode {seg['errorCode']}"
                rows.append((str(seg["segmentStart"]), "analytics", what))
    for a in _entities(side.part("audit results")):
        if a.get("eventDate"):
            rows.append((str(a["eventDate"]), "audit", f"{a.get('action')} {a.get('entityType')}"))
    for e in _entities(side.part("operational events")):
        if e.get("dateCreated"):
            found = e.get("eventDefinition")
            definition: dict = found if isinstance(found, dict) else {}
            what = " ".join(str(v) for v in (definition.get("id"), e.get("errorCode"), e.get("entityName")) if v)
            named = e.get("conversation")
            about: dict = named if isinstance(named, dict) else {}
            if about.get("id") and about["id"] != side.conversation_id:   # the org's events of the window
                what += f" (another conversation: {about['id']})"
            rows.append((str(e["dateCreated"]), "event", what or "an operational event"))
    start, end = (_when(t) for t in side.window)
    placed = []
    for t, source, what in rows:
        when = _when(t)
        if when is None or (start and end and source != "diag" and not start <= when <= end):
            continue   # Genesys' records outside the window are not this conversation's
        placed.append((when, source, what))
    placed.sort(key=lambda r: r[0])
    return [(w.strftime("%Y-%m-%dT%H:%M:%S.") + f"{w.microsecond // 1000:03d}Z", s, what) for w, s, what in placed]


def _entities(part: Part | None) -> list[dict]:
    """The `entities` of a part Genesys answered (events, audit results); none otherwise."""
    answer = part.answer if part is not None and part.ok and isinstance(part.answer, dict) else {}
    return [e for e in answer.get("entities") or [] if isinstance(e, dict)]


def conversations_of(exchanges) -> list[str]:
    """The conversation ids of the calls a log placed (each answered 200 to a create-call request), in order."""
    from diag.core.facts import CALL_ROUTES

    out: list[str] = []
    for ex in exchanges:
        body = ex.response_body if isinstance(ex.response_body, dict) else {}
        if f"{ex.method} {ex.template}" in CALL_ROUTES and ex.status == 200 and isinstance(body.get("id"), str) \
                and body["id"] not in out and not ex.superseded:
            out.append(body["id"])
    return out

