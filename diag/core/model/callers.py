"""Who sends a request, as the model needs to know it: the token's kind, the permissions it holds, whether its user
has a station. Anything not known is None, and the rules that need it say "unknown" instead of guessing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    kind: str = "user"                          # user | client (client credentials) | unknown
    permissions: frozenset[str] | None = None   # None: not known (or, with all_permissions, every one)
    station: bool | None = None                 # the user has a phone; None: not known
    name: str = "a caller"                      # how it is named in output ("Sam NoStation (simulator)")
    all_permissions: bool = False               # holds every permission of the contract (the simulator's demo user)
    target_station: bool | None = None          # the station of the user a call is placed for (the on-behalf
                                                # route's path), when known: the simulator knows its users

    def holds(self, needed: str) -> bool | None:
        """Whether the caller holds `needed` (None: not known)."""
        if self.all_permissions:
            return True
        if self.permissions is None:
            return None
        return any(grants(held, needed) for held in self.permissions)

    def granted_by(self, needed: str) -> str | None:
        """The held permission that covers `needed` (itself, or a wildcard), when known."""
        if self.all_permissions:
            return needed
        return next((held for held in sorted(self.permissions or ()) if grants(held, needed)), None)

    def describe(self) -> str:
        token = {"user": "a user token", "client": "a client-credentials token"}.get(self.kind, "an unknown token")
        return f"{self.name}, {token}"


# The simulator's default caller, and the doctor's when it is told nobody: a user with a station holding every
# permission of the contract, so that a body of any operation can be tried.
DEMO = Caller("user", None, True, "the simulator's demo user", all_permissions=True)
# The caller behind a customer's evidence: nothing about it is known.
UNKNOWN_CALLER = Caller("unknown", None, None, "the caller in the evidence (unknown)")


def grants(held: str, needed: str) -> bool:
    """Whether a held permission covers the needed one: domain:entity:action, with `*` in any part (modelled:
    Genesys roles carry such wildcards; how the server matches them is not in the facts file)."""
    have, want = held.split(":"), needed.split(":")
    return len(have) == len(want) and all(h in ("*", w) for h, w in zip(have, want))
