"""What diag's safety gate will do with a body, said by the doctor as you type: the same reading (diag.core.dials)
and the same rules, so that the doctor and the gate agree by construction.

  - a value diag never sends, on any org (an emergency number in a dialled position, a pseudonym from a ticket):
    an error that makes the verdict `refused`, said as diag's refusal, never as Genesys';
  - a value diag sends to the simulator but not to a real org (a short number, an unknown key that reads as a dial
    string): a warning, "diag will not send this to a real org: ...", which changes neither the verdict of what
    Genesys would answer nor validate's exit code;
  - an operation that starts dialling without a number in the body: a note saying what starts.
"""
from __future__ import annotations

from typing import Any
from collections.abc import Iterable, Iterator

from diag.core import dials
from diag.core.doctor.findings import ERROR, INFERRED, INFO, WARNING, Finding

_NEVER = {"pseudonymised-number": "pseudonymised-number"}


def safety_findings(operation: str, body: Any, query: Iterable[tuple[str, str]] = ()) -> Iterator[Finding]:
    """Findings for the body of `operation` ("POST /api/v2/conversations/calls/{conversationId}"), read as the gate
    reads it: pass the body with every duplicate key kept (dials.Pairs) when it came as text, and the query."""
    method, _, template = operation.partition(" ")
    try:
        reading = dials.read(method, template, body, query)
    except dials.TooDeep:   # the gate cannot read it value by value, so it refuses it: said here as it will be
        yield Finding(ERROR, "$", "too-deep-to-check", f"The body is nested more than {dials.MAX_DEPTH} levels deep: "
                      "diag cannot read every value of it for a number that would be dialled, so it never sends it, "
                      "to the simulator or to a real org.", INFERRED)
        return
    for position in reading.positions:
        anywhere = _never(position)
        if anywhere is not None:
            yield anywhere
            continue
        real = dials.refusal(position, real=True)
        if real is not None and position.role == dials.COLUMNS:
            yield Finding(WARNING, position.path, "refused-on-real-org",
                          f"diag will not send this to a real org if `{position.field}` is one of the contact list's "
                          f"phone columns (it reads them from the list before sending, and counts every column when "
                          f"it cannot): {real.reason}", INFERRED)
        elif real is not None:
            yield Finding(WARNING, position.path, "refused-on-real-org",
                          f"diag will not send this to a real org: {real.reason}", INFERRED)
    if reading.starts:
        yield Finding(INFO, "$", "starts-dialling",
                      f"This starts {reading.starts}. On a real org diag asks for a yes that names it, and refuses "
                      "it while an allow-list is set (it cannot check whom it will reach).", INFERRED)


def _never(position: dials.Position) -> Finding | None:
    anywhere = dials.refusal(position, real=False)
    if anywhere is None:
        return None
    return Finding(ERROR, position.path, _NEVER.get(anywhere.code, "emergency-number"),
                   f"{anywhere.reason} diag never sends this, to the simulator or to a real org.", INFERRED)


def text_findings(operation: str, text: str) -> list[Finding]:
    """For a body that is not JSON, to an operation that dials: what the gate's backstop refuses in it (each literal
    read as a lenient server might), said as the doctor says it of a readable body."""
    method, _, template = operation.partition(" ")
    if not dials.read(method, template, None).dials:
        return []
    return [f for f in map(_never, dials.text_positions(text)) if f is not None]
