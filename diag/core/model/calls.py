"""The call rules, on top of the rules every operation gets: POST /api/v2/conversations/calls and its on-behalf
route. Each carries its evidence (facts file sections named beside it)."""
from __future__ import annotations

from typing import Any

from diag.core.facts import DESTINATION_FIELDS



def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip() or (
        isinstance(value, list) and bool(value) and all(v is None or _blank(v) for v in value))


def blank_destinations(read: dict) -> list[str]:
    """The destination fields given but blank (" ", [null], [""]): present to the server, naming nobody. What
    Genesys answers to one is not documented."""
    return [f for f in DESTINATION_FIELDS if f in read and read[f] not in ("", None, []) and _blank(read[f])]


def call_refusal(read: dict, caller, station_known: bool = True) -> tuple | None:
    """(status, code, message, rule, evidence) for a create-call body the server has read, or None. The evidence is
    the weakest of the answer's parts: a documented code given for a reason diag infers is modelled."""
    given = [f for f in DESTINATION_FIELDS if _present(read.get(f))]
    if len(given) > 1:                                    # code and message documented (facts §1.2); fields: [GUESS]
        return (400, "too.many.create.conversation.parameters", "Only a single destination can be supplied in a "
                "create conversation request.", "too-many-destinations", "modelled")
    if not given:
        return (400, "bad.request", "A destination is required: phoneNumber, callUserId, callQueueId, participants "
                "or conversationIds.", "no-destination", "modelled")
    for p in read.get("participants") or []:
        if not isinstance(p, dict) or not any(_present(p.get(k)) for k in ("address", "userId", "queueId")):
            return (400, "bad.request", "Each participant needs an address, userId or queueId.",
                    "participant-without-target", "modelled")
    if station_known and caller.kind == "user" and caller.station is False:
        return (400, "conversation.error.no.user.station", "A station is required to place a call.", "no-station",
                "documented")                                                                 # facts §1.2
    return None
