"""Before a send: who the token is, and whether it can do the operation at hand, each check PASS, FAIL or unknown with
the fix. The same reading gives the session's caller (diag.core.model.Caller), which every prediction uses."""
from __future__ import annotations

from dataclasses import dataclass

from diag.core import errors
from diag.core.exchange import Exchange, header_count
from diag.core.facts import CALLS_ROUTE
from diag.core.model import Caller, facts
from diag.core.facts import CALL_ROUTES


@dataclass
class Check:
    name: str
    ok: bool | None        # None: skipped or unknown
    detail: str
    fix: str

    def to_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass
class Preflight:
    target: str
    checks: list[Check]
    operation: str = CALLS_ROUTE

    @property
    def ok(self) -> bool:
        if any(c.ok is False for c in self.checks):
            return False
        return self.operation not in CALL_ROUTES or any(c.name == "station" and c.ok for c in self.checks)

    def text(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: "----"}
        what = "this token can place a call" if self.operation in CALL_ROUTES else f"ready for {self.operation}"
        lines = [f"Preflight on {self.target}: " + (what if self.ok else "NOT ready") +
                 ("" if self.operation in CALL_ROUTES else f" ({self.operation})")]
        for c in self.checks:
            lines.append(f"  {mark[c.ok]}  {c.name:<11} {c.detail}" + (f"\n        fix: {c.fix}" if c.fix else ""))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"target": self.target, "operation": self.operation, "ok": self.ok,
                "checks": [c.to_dict() for c in self.checks]}


@dataclass
class _Identity:
    me: Exchange               # the GET /api/v2/tokens/me exchange
    user: Exchange | None      # the GET /api/v2/users/me exchange (None when tokens/me failed)


def _identity(session) -> _Identity:
    me = session.send("GET", "/api/v2/tokens/me")
    if me.status is None or me.status >= 400:
        return _Identity(me, None)
    session.learn_org(me)
    return _Identity(me, session.send("GET", "/api/v2/users/me", params={"expand": "authorization,station"}))


def _station(user: dict) -> dict | None:
    station = user.get("station") or {}
    return station.get("effectiveStation") or station.get("associatedStation")


def caller_of(session, found: _Identity | None = None) -> Caller:
    """The session's caller: a user (its permissions and station read from users/me), a client-credentials token
    (not.a.user: its roles cannot be read with its own token, so its permissions are unknown), or unknown."""
    found = found or _identity(session)
    if found.user is None:
        return Caller("unknown", None, None, "a token that could not be read")
    me = found.me.response_body if isinstance(found.me.response_body, dict) else {}
    client = (me.get("OAuthClient") or {}).get("name", "?") if isinstance(me.get("OAuthClient"), dict) else "?"
    if found.user.status == 200 and isinstance(found.user.response_body, dict):
        u = found.user.response_body
        perms = (u.get("authorization") or {}).get("permissions")
        return Caller("user", frozenset(perms) if isinstance(perms, list) else None, _station(u) is not None,
                      f"{u.get('name') or 'the user'} (OAuth client {client})")
    if found.user.error_code == "not.a.user":
        return Caller("client", None, None, f"OAuth client {client}")
    return Caller("unknown", None, None, f"a token of OAuth client {client}")


def preflight(session, operation: str = CALLS_ROUTE) -> Preflight:
    """Identity, the permissions of `operation` (documented, ANY or ALL), a station for a call, a user context where
    Genesys documents not.a.user, rate-limit headroom."""
    from diag.core.doctor import UnknownOperation
    from diag.core.endpoints import check_operation

    if not str(operation).strip():
        raise ValueError("Type the operation to check, as METHOD /path (POST /api/v2/conversations/calls).")
    found_op = check_operation(operation)
    if not found_op.known:   # nothing is "ready" for what Genesys does not have: say the nearest real ones
        raise UnknownOperation(found_op)
    key = str(found_op.operation) if found_op.operation else operation
    checks: list[Check] = []
    found = _identity(session)
    if found.user is None:
        me = found.me
        checks.append(Check("region", False, f"{session.api_base} answered {me.status or me.transport_error}: "
                            + (me.explanation or ""), "check the region and the token"))
        return Preflight(session.label, checks, key)
    checks.append(Check("region", True, f"{session.region}: the token is valid here (org {session.org_name})", ""))
    caller = caller_of(session, found)
    session.remember_caller(caller)
    user = found.user
    if caller.kind == "user":
        checks.append(Check("identity", True, f"a user token: {caller.name}", ""))
    elif caller.kind == "client":
        needs_user = key == CALL_ROUTES[0] or facts.documents(key, "not.a.user")
        checks.append(Check("identity", False if needs_user else True, f"not a user token ({caller.name}): "
                            "client credentials" + (" (this operation answers not.a.user)" if needs_user else ""),
                            errors.CATALOGUE["not.a.user"].fix if needs_user else ""))
    else:   # a 5xx, a refusal or no answer says nothing about the token's kind
        what = (f"HTTP {user.status} {user.error_code or ''}".strip() if user.status is not None
                else f"no answer ({user.transport_error})")
        checks.append(Check("identity", None, f"could not be checked: GET /api/v2/users/me gave {what}",
                            "try again; if it persists, see the correlation id "
                            f"{user.correlation_id or '(none)'} in the exchange log"))
    checks.append(_permission_check(key, caller))
    if key in CALL_ROUTES:
        if caller.kind != "user":
            checks.append(Check("station", None, "skipped: needs a user token", ""))
        else:
            station = _station(user.response_body)
            checks.append(Check("station", bool(station), f"station {station.get('name')!r}" if station
                                else "the user has no station", "" if station
                                else "associate a station with the user (a call needs a phone)"))
    checks.append(_rate_check(session.last_rate_limit))
    return Preflight(session.label, checks, key)


def _permission_check(key: str, caller: Caller) -> Check:
    needed = facts.permissions(key)
    if needed is None:
        return Check("permission", None, f"the permissions of {key} are not in diag's sources (newer than SDK "
                     "257.1.0's docs)", "")
    if needed.requires == "no" or not needed.names:
        return Check("permission", True, f"{key} requires no permission", "")
    held = {p: caller.holds(p) for p in needed.names}
    listed = ", ".join(needed.names)
    if None in held.values():
        why = ("a client's roles cannot be read with its own token" if caller.kind == "client"
               else "the caller's permissions could not be read")
        return Check("permission", None, f"requires {needed.requires.upper()} of {listed}: unknown ({why})",
                     "check the OAuth client's roles in the admin UI" if caller.kind == "client" else "")
    if needed.requires == "any":
        granted = [p for p, ok in held.items() if ok]
        by = [f"{p} (by {caller.granted_by(p)})" if caller.granted_by(p) != p else p for p in granted]
        return Check("permission", bool(granted), f"requires ANY of {listed}: " + (
            f"granted {', '.join(by)}" if granted else "none held"),
            "" if granted else f"grant a role with one of {listed}")
    missing = [p for p, ok in held.items() if not ok]
    return Check("permission", not missing, f"requires ALL of {listed}: " + (
        "all held" if not missing else f"missing {', '.join(missing)}"),
        f"grant a role with {', '.join(missing)}" if missing else "")


def _rate_check(rl: dict) -> Check:
    allowed = header_count(rl.get("inin-ratelimit-allowed"))
    count = header_count(rl.get("inin-ratelimit-count")) or 0
    reset = header_count(rl.get("inin-ratelimit-reset"))
    if allowed:
        left = max(0, allowed - count)
        ok = left > max(1, allowed // 10)
        return Check("rate limit", ok, f"{left} of {allowed} requests left in this window (resets in "
                     f"{reset if reset is not None else '?'} s)", "" if ok else "wait for the window to reset "
                     "before a batch")
    if rl.get("inin-ratelimit-allowed") is not None:
        return Check("rate limit", None, "the inin-ratelimit-allowed header could not be read as a count: headroom "
                     "unknown", "")
    return Check("rate limit", None, "no inin-ratelimit-* headers (optional, last documented in 2021): headroom "
                 "unknown", "")
