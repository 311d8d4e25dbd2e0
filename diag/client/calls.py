"""After a call is created: a 200 only means created. Follow the conversation until its far end hangs up."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any, Protocol

from diag.core import errors
from diag.core.exchange import Exchange
from diag.core.facts import CALLS_PATH


class Sends(Protocol):
    """What following a call needs of a session: its one way out, and its clock."""
    sleep: Callable[[float], None]

    def send(self, method: str, path: str, body: Any = None) -> Exchange: ...


@dataclass
class CallTrace:
    conversation_id: str
    changes: list[tuple[float, str | None, str | None]] = field(default_factory=list)   # (seconds, purpose, state)
    ended: bool = False
    connected: bool = False
    disconnect_type: str | None = None
    error_info: dict | None = None
    explanation: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict:
        return {"conversationId": self.conversation_id, "ended": self.ended, "connected": self.connected,
                "disconnectType": self.disconnect_type, "errorInfo": self.error_info,
                "explanation": self.explanation, "problem": self.problem,
                "changes": [{"seconds": t, "purpose": p, "state": st} for t, p, st in self.changes]}

    def ending(self) -> str:
        """How the call ended, in one line (or why that is not known)."""
        if self.ended:
            return f"{self.explanation} (disconnectType {self.disconnect_type})"
        return self.problem or "not known: the call was not followed to its end"

    def text(self) -> str:
        lines = [f"Call {self.conversation_id}:"]
        lines += [f"  +{t:5.2f}s  {purpose:<9} {state}" for t, purpose, state in self.changes]
        if self.ended:
            lines.append(f"  ended: {self.explanation} (disconnectType {self.disconnect_type})")
        if self.problem:
            lines.append(f"  {self.problem}")
        return "\n".join(lines)




def far_end(participants: list[dict]) -> list[dict]:
    """The participants at the other end of a call, whatever kind it is: `external` (a number) or `customer` (a call
    placed for a queue), else the `agent` who answered a call to a queue, else the other `user` of a user-to-user
    call (the first `user` is the caller). Purposes per call kind are modelled (facts §1 names none)."""
    parts = [p for p in participants if isinstance(p, dict)]
    for wanted in (("external", "customer"), ("agent",)):
        found = [p for p in parts if p.get("purpose") in wanted]
        if found:
            return found
    users = [p for p in parts if p.get("purpose") == "user"]
    return users[1:]


def _word(value: Any) -> str | None:
    """A participant's field as text when it is text (an answer can hold anything there)."""
    return value if isinstance(value, str) else None


def follow_call(session: Sends, conversation_id: str, *, timeout: float = 30, interval: float = 0.5) -> CallTrace:
    """Watch GET /api/v2/conversations/calls/{conversationId} until the far end is disconnected or `timeout`
    passes; each change of a participant's state is kept with its time."""
    trace = CallTrace(conversation_id)
    deadline = time.monotonic() + timeout
    last: dict[str | None, str | None] = {}
    t0 = time.monotonic()
    while True:
        ex = session.send("GET", f"{CALLS_PATH}/{conversation_id}")
        if not ex.ok or not isinstance(ex.response_body, dict):
            trace.problem = ex.explanation or f"HTTP {ex.status}"
            return trace
        listed = ex.response_body.get("participants")
        # an answer of another shape (participants not a list of objects, odd values) is read as far as it goes
        participants = [p for p in listed if isinstance(p, dict)] if isinstance(listed, list) else []
        for p in participants:
            key = _word(p.get("id")) or _word(p.get("purpose"))
            state = _word(p.get("state"))
            if last.get(key) != state:
                last[key] = state
                trace.changes.append((round(time.monotonic() - t0, 2), _word(p.get("purpose")), state))
        external = far_end(participants)
        if external and all(_word(p.get("state")) in ("disconnected", "terminated") for p in external):
            p = external[0]
            found = p.get("errorInfo")
            info: dict = found if isinstance(found, dict) else {}
            trace.ended = True
            trace.disconnect_type = _word(p.get("disconnectType"))
            trace.error_info = info or None
            trace.connected = bool(p.get("connectedTime"))
            trace.explanation = errors.explain_disconnect(trace.disconnect_type, _word(info.get("code")),
                                                          _word(info.get("message")))
            return trace
        if time.monotonic() >= deadline:
            trace.problem = f"the call had not ended after {timeout:g} s"
            return trace
        session.sleep(interval)
