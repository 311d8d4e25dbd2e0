"""What Genesys documents per operation, as package data (diag/_data/contract/operation-facts.json, written by
`make contract` from ../shared/reference/): the permissions it requires (the SDK's docs, 257.1.0), the error codes
of its 2018 spec per status, and each code's message templates. An operation a source does not hold is undocumented
there, not free of rules: the model says so."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

# Success statuses, per operation: (status, evidence, source). The facts file documents the analytics aggregates
# job's 202; the two others are answers seen in Genesys' DevCenter blog (the calibration corpus), so the model
# takes them as calibrated, modelled. The rest: 200, or 204 without a response body, modelled.
SUCCESS = {
    "POST /api/v2/analytics/conversations/aggregates/jobs": (202, "documented", "facts §6.2 (202 AsyncQueryResponse)"),
    "POST /api/v2/usage/query": (202, "modelled", "calibrated: a 202 in Genesys' DevCenter blog (API Explorer "
                                                  "screenshot), tests/data/calibration"),
    "POST /api/v2/conversations/messages": (202, "modelled", "calibrated: a 202 in Genesys' DevCenter blog on outbound "
                                                             "SMS, tests/data/calibration"),
}


@dataclass(frozen=True)
class Permissions:
    requires: str                    # any | all | no
    names: tuple[str, ...]


@lru_cache(maxsize=1)
def _facts() -> dict:
    from diag.core.contract import CONTRACT_DIR

    return json.loads((CONTRACT_DIR / "operation-facts.json").read_text())


def sources() -> dict[str, str]:
    return _facts()["sources"]


def permissions(operation: str) -> Permissions | None:
    """The permissions `operation` ("POST /api/v2/conversations/calls") requires; None when undocumented."""
    found = _facts()["operations"].get(operation, {}).get("p")
    return Permissions(found[0], tuple(found[1])) if found else None


def error_codes(operation: str) -> dict[str, list[str]] | None:
    """Status -> the error codes the 2018 spec documents for `operation`; None when it is not in that spec."""
    found = _facts()["operations"].get(operation, {}).get("e")
    if found is None:
        return None
    return _facts()["common"] if found == "common" else found


def documents(operation: str, code: str) -> bool:
    return any(code in codes for codes in (error_codes(operation) or {}).values())


def message(code: str) -> str | None:
    """Genesys' message template for `code` (the first, when there are several), with %s where values go."""
    found = _facts()["messages"].get(code)
    return found[0] if found else None


@lru_cache(maxsize=1)
def every_permission() -> frozenset[str]:
    """Every permission any operation of the contract requires (the simulator's demo user holds them all)."""
    return frozenset(p for o in _facts()["operations"].values() if "p" in o for p in o["p"][1])
