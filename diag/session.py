"""connect() and Session: one seam (the base URL) between diag and a region or the built-in simulator.

Every request goes through Session.send(), which records a redacted Exchange. Retry policy:
  - 429: retried after Retry-After (capped at 180 s, as the official SDKs cap it), for any method;
  - any other failure of a POST (5xx, timeout, reset) is never retried: it may have placed a call;
  - idempotent GETs retry 5xx and connection errors with backoff.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import urlencode

import requests

from . import errors
from .auth import ClientCredentialsGrant, Credentials, StaticToken, TokenSource
from .endpoints import check_operation
from .errors import BlockedNumber, ConfigError, ConfirmationRequired, NumberNotAllowed
from .exchange import RATE_HEADERS, Exchange, ExchangeLog
from .redact import Redactor
from .regions import REGIONS, Region, find_region
from .transport import Response, Transport, TransportFailure

CALLS_PATH = "/api/v2/conversations/calls"
CALL_PATHS = re.compile(r"^/api/v2/conversations/calls(/user/[^/]+)?$")
RETRY_AFTER_CAP = 180
IDEMPOTENT = {"GET", "HEAD", "OPTIONS"}


@lru_cache(maxsize=4096)
def template_of(method: str, path: str) -> str | None:
    check = check_operation(method, path)
    return check.operation.path if check.operation else None


def allowed_numbers_from_env(environ=None) -> list[str]:
    raw = (environ if environ is not None else os.environ).get("DIAG_ALLOWED_NUMBERS", "")
    return [n.strip() for n in raw.split(",") if n.strip()]


class Session:
    def __init__(self, api_base: str, token_source: TokenSource, *, region: str = "simulator",
                 simulated: bool = True, org_name: str | None = None, allowed_numbers: list[str] | None = None,
                 retry_after_cap: float = RETRY_AFTER_CAP, get_retries: int = 3, timeout: float = 30,
                 simulator=None, sleep: Callable[[float], None] = time.sleep):
        self.api_base = api_base.rstrip("/")
        self.tokens = token_source
        self.region = region
        self.simulated = simulated
        self._org_name = org_name
        self.allowed_numbers = [self._e164(n) for n in (allowed_numbers or [])]
        self.retry_after_cap = retry_after_cap
        self.get_retries = get_retries
        self.timeout = timeout
        self.simulator = simulator
        self.sleep = sleep
        self.log = ExchangeLog()
        self.redactor = Redactor(token_source.secrets())
        self.http = Transport(self.api_base)
        self.last_rate_limit: dict[str, str] = {}

    def __repr__(self) -> str:
        where = "SIMULATOR" if self.simulated else f"REAL ORG in {self.region}"
        return f"<diag.Session {where} {self.api_base} auth={self.tokens.kind} exchanges={len(self.log)}>"

    @property
    def label(self) -> str:
        """How the session is named wherever it shows: never ambiguous about a real org."""
        return "simulator (no real calls)" if self.simulated else f"REAL ORG {self.org_name} in {self.region}"

    @property
    def org_name(self) -> str:
        if self._org_name is None:
            ex = self.send("GET", "/api/v2/tokens/me")
            org = (ex.response_body or {}).get("organization") if isinstance(ex.response_body, dict) else None
            self._org_name = (org or {}).get("name") or "(unknown org)"
        return self._org_name

    # ---- the one way out ----
    def send(self, method: str, path: str, body: Any = None, *, params: dict | None = None,
             headers: dict | None = None, _findings: list[dict] | None = None) -> Exchange:
        method = method.upper()
        attempt = 1
        refreshed = False
        while True:
            ex = self._send_once(method, path, body, params, headers, attempt, _findings)
            if ex.status == 401 and self.tokens.can_refresh and not refreshed:
                refreshed = True        # a 401 was not processed: safe to resend with a fresh token
                ex.notes.append("token refused: fetched a new one and sent again")
                self.tokens.refresh()
                self._register_secrets()
                ex.superseded = True
                attempt += 1
                continue
            if ex.status == 401 and not self.tokens.can_refresh and isinstance(self.tokens, StaticToken):
                ex.notes.append("the pasted token was refused: it may have expired or belong to another region")
            if ex.status == 429:
                wait = _retry_after(ex)
                if wait is not None and wait <= self.retry_after_cap:
                    ex.notes.append(f"429: waited Retry-After {wait:g} s and sent again (safe: a 429 was not "
                                    "processed)")
                    self.sleep(wait)
                    ex.superseded = True
                    attempt += 1
                    continue
                ex.notes.append(f"429 with Retry-After {wait} s, over the {self.retry_after_cap:g} s cap: not retried")
                return ex
            failed = ex.transport_error is not None or (ex.status or 0) >= 500
            if failed and method in IDEMPOTENT and attempt <= self.get_retries:
                ex.notes.append(f"{method} is idempotent: retrying after {0.2 * 2 ** (attempt - 1):.1f} s")
                self.sleep(0.2 * 2 ** (attempt - 1))
                ex.superseded = True
                attempt += 1
                continue
            if failed and method not in IDEMPOTENT:
                ex.notes.append(f"not retried: a {method} that failed this way may already have taken effect "
                                f"(a call may have been placed). Check before sending again"
                                + (f"; correlation id {ex.correlation_id}" if ex.correlation_id else "") + ".")
            return ex

    def _register_secrets(self) -> None:
        for s in self.tokens.secrets():
            self.redactor.add(s)

    def _send_once(self, method, path, body, params, extra_headers, attempt, findings=None) -> Exchange:
        url = self.api_base + path
        token = self.tokens.token()
        self._register_secrets()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        headers.update(extra_headers or {})
        red = self.redactor
        started = dt.datetime.now(dt.timezone.utc)
        req_body = body if not isinstance(body, bytes) else body.decode("utf-8", "replace")
        ex = Exchange(seq=self.log.next_seq(), started=started.isoformat(timespec="milliseconds"), method=method,
                      url=red.text(url + (("?" + urlencode(params)) if params else "")),
                      path=red.text(path), template=template_of(method, path.split("?")[0]),
                      request_headers=red.headers(headers), request_body=red.value(req_body),
                      region=self.region, simulated=self.simulated, attempt=attempt)
        if CALL_PATHS.match(path) and method == "POST":
            ex.findings = findings if findings is not None else self._findings(body)
        t0 = time.perf_counter()
        try:
            r = self.http.request(method, url, params=params, body=data, headers=headers, timeout=self.timeout)
            raw = r.content
        except TransportFailure as exc:
            ex.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
            ex.transport_error = exc.reason
            ex.explanation = (f"No HTTP answer: {ex.transport_error}." + (
                " The request may have reached Genesys: a call may have been placed." if method == "POST" else ""))
            return self.log.append(ex)
        ex.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
        self._record_response(ex, r, raw)
        return self.log.append(ex)

    def _record_response(self, ex: Exchange, r: Response, raw: bytes) -> None:
        red = self.redactor
        ex.status = r.status
        ex.response_headers = red.headers(dict(r.headers))
        ex.correlation_id = r.headers.get("ININ-Correlation-Id")
        ex.rate_limit = {h: r.headers[h] for h in RATE_HEADERS if h in r.headers}
        if ex.rate_limit:
            self.last_rate_limit = ex.rate_limit
        ctype = r.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                ex.response_body = red.value(json.loads(raw))
            except ValueError:
                ex.response_body = red.text(raw.decode("utf-8", "replace"))
                ex.notes.append("the answer said JSON but could not be read as JSON")
        else:
            ex.response_body = red.text(raw.decode("utf-8", "replace")[:20000])
            if raw and r.status >= 400:
                ex.notes.append(f"the answer was {ctype or 'not JSON'}, not a Genesys error body: a proxy or load "
                                "balancer may have answered")
        if r.status >= 400:
            body = ex.response_body if isinstance(ex.response_body, dict) else {}
            ex.error = body or None
            ex.error_code = body.get("code") or body.get("error")
            ex.explanation = errors.explain(ex.error_code, body.get("message") or body.get("error_description"),
                                            r.status)
            if r.status == 400 and ex.findings:
                wrong = [f for f in ex.findings if f["severity"] == "error"]
                if wrong:
                    ex.explanation += " The doctor found in the body that was sent: " + "; ".join(
                        f"{f['path']}: {f['message'].rstrip('.')}" for f in wrong[:5])

    @staticmethod
    def _findings(body) -> list[dict]:
        from .doctor import check, check_text

        report = check_text(body) if isinstance(body, str) else check(body)
        return [f.to_dict() for f in report.findings]

    # ---- placing calls safely ----
    @staticmethod
    def _e164(number: str) -> str:
        from .doctor import phones
        return phones.normalise(number)

    def call(self, body: Any, *, confirm: Callable[[str], bool] | str | None = None,
             user_id: str | None = None) -> Exchange:
        """Place a test call. The body is sent as given; only the safety rules stop a send."""
        from .doctor import check, check_text, rules

        report = check_text(body) if isinstance(body, str) else check(body)
        parsed = report.body if isinstance(report.body, dict) else {}
        if report.blocked:
            hit = next(f for f in report.findings if f.code in ("emergency-number", "short-service-number"))
            raise BlockedNumber(_value_at(parsed, hit.path) or "?", hit.message)
        numbers = [v for p, v, role in rules.number_fields(parsed) if role != "caller"]
        if self.allowed_numbers:
            for n in numbers:
                if self._e164(n) not in self.allowed_numbers:
                    raise NumberNotAllowed(n, self.allowed_numbers)
        if not self.simulated:
            target = ", ".join(numbers) or (parsed.get("callUserId") or parsed.get("callQueueId") or "(no number)")
            prompt = (f"Place a REAL call to {target} from org {self.org_name!r} in region {self.region}? "
                      "A real phone will ring.")
            if callable(confirm):
                ok = bool(confirm(prompt))
            else:
                ok = isinstance(confirm, str) and bool(numbers) and self._e164(confirm) in map(self._e164, numbers)
            if not ok:
                raise ConfirmationRequired(prompt)
        path = f"{CALLS_PATH}/user/{user_id}" if user_id else CALLS_PATH
        return self.send("POST", path, body, _findings=[f.to_dict() for f in report.findings])

    def identity(self) -> str:
        """Who the token is, in words ("Avery Agent (user token, OAuth client ...)"); asked once, then cached."""
        if getattr(self, "_identity", None) is None:
            me = self.send("GET", "/api/v2/tokens/me")
            client = ((me.response_body or {}).get("OAuthClient") or {}).get("name", "?") if me.ok else None
            if client is None:
                self._identity = f"token refused ({me.status or me.transport_error})"
            else:
                user = self.send("GET", "/api/v2/users/me")
                self._identity = (f"{user.response_body.get('name')} (user token, OAuth client {client})" if user.ok
                                  else f"OAuth client {client} (client credentials: cannot place calls on "
                                       "/api/v2/conversations/calls)")
        return self._identity

    def resend(self, exchange: Exchange, *, confirm: Callable[[str], bool] | str | None = None) -> Exchange:
        """Send a recorded exchange again (a call goes through the same safety rules as call())."""
        if exchange.method == "POST" and CALL_PATHS.match(exchange.path):
            user = exchange.path.rsplit("/", 1)[1] if "/user/" in exchange.path else None
            return self.call(exchange.request_body, confirm=confirm, user_id=user)
        return self.send(exchange.method, exchange.path, exchange.request_body)

    # ---- after the call ----
    def follow_call(self, conversation_id: str, *, timeout: float = 30, interval: float = 0.5) -> "CallTrace":
        """A 200 only means created: watch the conversation until it ends or `timeout` passes."""
        trace = CallTrace(conversation_id)
        deadline = time.monotonic() + timeout
        last: dict[str, str] = {}
        t0 = time.monotonic()
        while True:
            ex = self.send("GET", f"{CALLS_PATH}/{conversation_id}")
            if not ex.ok or not isinstance(ex.response_body, dict):
                trace.problem = ex.explanation or f"HTTP {ex.status}"
                return trace
            for p in ex.response_body.get("participants", []):
                key = p.get("id") or p.get("purpose")
                if last.get(key) != p.get("state"):
                    last[key] = p.get("state")
                    trace.changes.append((round(time.monotonic() - t0, 2), p.get("purpose"), p.get("state")))
            external = [p for p in ex.response_body.get("participants", []) if p.get("purpose") == "external"]
            if external and all(p.get("state") in ("disconnected", "terminated") for p in external):
                p = external[0]
                info = p.get("errorInfo") or {}
                trace.ended = True
                trace.disconnect_type = p.get("disconnectType")
                trace.error_info = info or None
                trace.connected = bool(p.get("connectedTime"))
                trace.explanation = errors.explain_disconnect(trace.disconnect_type, info.get("code"),
                                                              info.get("message"))
                return trace
            if time.monotonic() >= deadline:
                trace.problem = f"the call had not ended after {timeout:g} s"
                return trace
            self.sleep(interval)

    # ---- before the call ----
    def preflight(self) -> "Preflight":
        checks = []
        me = self.send("GET", "/api/v2/tokens/me")
        if me.status is None or me.status >= 400:
            checks.append(Check("region", False, f"{self.api_base} answered {me.status or me.transport_error}: "
                                + (me.explanation or ""), "check the region and the token"))
            return Preflight(self.label, checks)
        org = (me.response_body.get("organization") or {}).get("name", "?")
        self._org_name = self._org_name or org
        checks.append(Check("region", True, f"{self.region}: the token is valid here (org {org})", ""))
        user = self.send("GET", "/api/v2/users/me", params={"expand": "authorization,station"})
        client = (me.response_body.get("OAuthClient") or {}).get("name", "?")
        if user.status == 200:
            u = user.response_body
            checks.append(Check("identity", True, f"a user token: {u.get('name')} (OAuth client {client})", ""))
            perms = (u.get("authorization") or {}).get("permissions") or []
            has = errors.CALL_PERMISSION in perms
            checks.append(Check("permission", has, f"{errors.CALL_PERMISSION} is " + ("granted" if has else "missing"),
                                "" if has else f"grant the user a role with {errors.CALL_PERMISSION}"))
            station = (u.get("station") or {}).get("effectiveStation") or (u.get("station") or {}).get(
                "associatedStation")
            checks.append(Check("station", bool(station),
                                f"station {station.get('name')!r}" if station else "the user has no station",
                                "" if station else "associate a station with the user (a call needs a phone)"))
        else:
            checks.append(Check("identity", False,
                                f"not a user token (OAuth client {client}): {user.error_code or user.status}",
                                errors.CATALOGUE["not.a.user"].fix))
            checks.append(Check("permission", None, "skipped: needs a user token", ""))
            checks.append(Check("station", None, "skipped: needs a user token", ""))
        rl = self.last_rate_limit
        if rl.get("inin-ratelimit-allowed"):
            left = int(rl["inin-ratelimit-allowed"]) - int(rl.get("inin-ratelimit-count", 0))
            ok = left > max(1, int(rl["inin-ratelimit-allowed"]) // 10)
            checks.append(Check("rate limit", ok, f"{left} of {rl['inin-ratelimit-allowed']} requests left in this "
                                f"window (resets in {rl.get('inin-ratelimit-reset', '?')} s)",
                                "" if ok else "wait for the window to reset before a batch"))
        else:
            checks.append(Check("rate limit", None, "no inin-ratelimit-* headers (optional, last documented in "
                                "2021): headroom unknown", ""))
        return Preflight(self.label, checks)


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

    @property
    def ok(self) -> bool:
        return all(c.ok is not False for c in self.checks) and any(c.name == "station" and c.ok for c in self.checks)

    def text(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: "----"}
        lines = [f"Preflight on {self.target}: " + ("this token can place a call" if self.ok else "NOT ready")]
        for c in self.checks:
            lines.append(f"  {mark[c.ok]}  {c.name:<11} {c.detail}" + (f"\n        fix: {c.fix}" if c.fix else ""))
        return "\n".join(lines)


@dataclass
class CallTrace:
    conversation_id: str
    changes: list[tuple[float, str, str]] = field(default_factory=list)   # (seconds, purpose, state)
    ended: bool = False
    connected: bool = False
    disconnect_type: str | None = None
    error_info: dict | None = None
    explanation: str | None = None
    problem: str | None = None

    def text(self) -> str:
        lines = [f"Call {self.conversation_id}:"]
        lines += [f"  +{t:5.2f}s  {purpose:<9} {state}" for t, purpose, state in self.changes]
        if self.ended:
            lines.append(f"  ended: {self.explanation} (disconnectType {self.disconnect_type})")
        if self.problem:
            lines.append(f"  {self.problem}")
        return "\n".join(lines)


def _retry_after(ex: Exchange) -> float | None:
    value = ex.rate_limit.get("retry-after") or ex.response_headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _value_at(body: dict, path: str):
    cur: Any = body
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        key = part[0] or int(part[1])
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return None
    return cur if isinstance(cur, str) else None


# ---- connect ----

_shared_sim = None
_shared_lock = threading.Lock()


def shared_simulator():
    """One simulator per process, started on first use (what connect() uses with no credentials)."""
    global _shared_sim
    with _shared_lock:
        if _shared_sim is None:
            from .sim import Simulator
            _shared_sim = Simulator(seed=1).start()
        return _shared_sim


def locate_region(credentials: Credentials, regions: dict[str, Region] | None = None,
                  skip: str | None = None) -> str | None:
    """Ask each region which one knows this token or client (only used after a refusal)."""
    table = regions if regions is not None else REGIONS
    http = requests.Session()
    for region in table.values():
        if region.name == skip:
            continue
        try:
            if credentials.access_token:
                r = http.get(region.api_base + "/api/v2/tokens/me", timeout=5,
                             headers={"Authorization": f"Bearer {credentials.access_token}"})
            else:
                r = http.post(region.login_base + "/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(credentials.client_id or "", credentials.client_secret or ""), timeout=5)
        except requests.RequestException:
            continue
        if r.status_code == 200:
            return region.name
    return None


def connect(region: str | None = None, *, client_id: str | None = None, client_secret: str | None = None,
            token: str | None = None, environ: dict | None = None, dotenv: str | None = ".env",
            regions: dict[str, Region] | None = None, simulator=None, allowed_numbers: list[str] | None = None,
            **session_options) -> Session:
    """A session on the simulator (the default when nothing is configured) or on a real region."""
    env_creds = Credentials.from_env(environ, dotenv)
    creds = Credentials(region or env_creds.region, client_id or env_creds.client_id,
                        client_secret or env_creds.client_secret, token or env_creds.access_token)
    allowed = allowed_numbers if allowed_numbers is not None else allowed_numbers_from_env(environ)
    if simulator is not None or (creds.region is None and creds.empty):
        sim = simulator or shared_simulator()
        source = StaticToken(token) if token else StaticToken(sim.user_token())
        return Session(sim.base_url, source, region=sim.region, simulated=True, org_name=sim.org.name,
                       allowed_numbers=allowed, simulator=sim, **session_options)
    if creds.region is None:
        raise ConfigError("Credentials are set but no region: set GENESYS_CLOUD_REGION (e.g. us_east_1) or pass "
                          "region=...")
    table = regions if regions is not None else REGIONS
    reg = find_region(creds.region, table)
    if creds.access_token:
        source: TokenSource = StaticToken(creds.access_token)
    elif creds.client_id and creds.client_secret:
        source = ClientCredentialsGrant(reg.login_base, creds.client_id, creds.client_secret,
                                        on_refused=lambda: locate_region(creds, table, skip=reg.name))
    else:
        raise ConfigError("No credentials: set GENESYS_CLOUD_ACCESS_TOKEN (a user token), or "
                          "GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET, or pass them to connect().")
    session = Session(reg.api_base, source, region=reg.name, simulated=False, allowed_numbers=allowed,
                      **session_options)
    session.credentials_hint = lambda: locate_region(creds, table, skip=reg.name)
    return session
