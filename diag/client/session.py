"""connect() and Session: every request of diag leaves through the session's one transport, behind the safety gate.

    Session.send() -> GatedTransport (diag.gate: the exact bytes, every attempt) -> HTTPTransport | AppTransport

Retry policy (diag decides every resend; nothing below it resends):
  - 429: sent again after Retry-After, at most `max_429_resends` times; waits clamped to [1 s, 180 s]; a missing,
    zero, negative or unreadable Retry-After waits DEFAULT_RETRY_AFTER; over 180 s is not retried (diag's cap, as the Go
    SDK and the CLI cap; the Python SDK's urllib3 Retry() would wait up to 6 hours, 10 times: facts §9.4);
  - a POST (any non-idempotent method) is never sent again for any other answer or failure: it may have placed a
    call. A 401 refreshes a client-credentials token for the next request;
  - idempotent GETs retry 5xx and connection errors with backoff, and once after a refreshed token.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from collections.abc import Callable
from urllib.parse import quote, unquote, urlencode, urlsplit

from diag.client.auth import ClientCredentialsGrant, Credentials, StaticToken, TokenSource
from diag.client.gate import (
    Confirmation,
    GatedTransport,
    GatePolicy,
    Grant,
    Org,
    SafetyGate,
    allowed_ids_from,
    allowed_numbers_from,
    is_loopback,
)
from diag.core import errors
from diag.core.endpoints import check_operation
from diag.core.errors import ConfigError, ConfirmationDeclined, ConfirmationRequired, SafetyError, UnsafeRequest
from diag.core.answer import read_answer
from diag.core.exchange import Exchange, ExchangeLog
from diag.core.headers import header
from diag.core.facts import CALLS_DOCUMENTED_STATUSES, CALLS_PATH, CALLS_ROUTE
from diag.core.redact import REDACTED, Redactor
from diag.core.workspace import new_session_log
from diag.core.regions import REGIONS, Region, find_region
from diag.transport import HTTPTransport, Request, Response, TransportFailure

if TYPE_CHECKING:
    from diag.client.preflight import Preflight

CALL_PATHS = re.compile(rf"^{re.escape(CALLS_PATH)}(/user/[^/]+)?$")
RETRY_AFTER_CAP = 180
RETRY_AFTER_MIN = 1.0
DEFAULT_RETRY_AFTER = 3.0     # diag's own choice when a 429 carries no usable Retry-After
MAX_429_RESENDS = 3
IDEMPOTENT = {"GET", "HEAD", "OPTIONS"}
YES = {"yes", "y", "true"}
_PLATFORM_PATH = re.compile(r"^/api/v2/[A-Za-z0-9._~!$&'()*+,;=:%/-]*(\?[^\s#]*)?$")


@lru_cache(maxsize=4096)
def template_of(method: str, path: str) -> str | None:
    check = check_operation(method, path)
    return check.operation.path if check.operation else None


def _env_list(name: str, environ=None) -> list[str]:
    raw = (environ if environ is not None else os.environ).get(name, "")
    return [n.strip() for n in raw.split(",") if n.strip()]


def allowed_numbers_from_env(environ=None) -> list[str]:
    return _env_list("DIAG_ALLOWED_NUMBERS", environ)


def _needless_escape(hex2: str) -> bool:
    """An escaped letter, digit or path character (%63 for c, %2e for .): nothing needs it, a confused route does."""
    ch = chr(int(hex2, 16))
    return ch.isalnum() or ch in "-._~/\\;@" or ord(ch) < 0x20 or ord(ch) == 0x7F


def platform_path(path: str) -> str:
    """`path` if it is a Platform API path for this session's own host, else UnsafeRequest (no scheme, host,
    user information, backslash, dot segment or whitespace)."""
    route = path.split("?", 1)[0] if isinstance(path, str) else ""
    decoded = unquote(unquote(route))
    if not isinstance(path, str) or not _PLATFORM_PATH.match(path) or "@" in route or ";" in route \
            or any(_needless_escape(m) for m in re.findall(r"%([0-9A-Fa-f]{2})", route)) \
            or "//" in decoded or "\\" in decoded \
            or any(seg in (".", "..") for seg in decoded.split("/")):
        raise UnsafeRequest(f"{str(path)[:80]!r} is not a Platform API path (/api/v2/...) on this session's host: "
                            "refused")
    return path


class Session:
    def __init__(self, api_base: str, token_source: TokenSource, *, region: str = "simulator",
                 simulated: bool = True, org_name: str | None = None, allowed_numbers: list[str] | None = None,
                 allowed_users: list[str] | None = None, allowed_queues: list[str] | None = None,
                 retry_after_cap: float = RETRY_AFTER_CAP, max_429_resends: int = MAX_429_RESENDS,
                 get_retries: int = 3, timeout: float = 30, simulator=None, login_base: str | None = None,
                 transport=None, probe_hosts: frozenset[str] = frozenset(), hint: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, save: bool = True):
        self.api_base = api_base.rstrip("/")
        self.login_base = (login_base or self.api_base.replace("//api.", "//login.", 1)).rstrip("/")
        self.tokens = token_source
        self.region = region
        self.simulated = simulated
        self.simulator = simulator
        self.hint = hint            # one line on how to reach a real org, when credentials were found unused
        self._org: Org | None = Org("simulator", org_name) if simulated and org_name else None
        self._org_name = org_name
        # hard limits: a setting can lower them, never raise them
        self.retry_after_cap = _bounded(retry_after_cap, 0.0, RETRY_AFTER_CAP)
        self.max_429_resends = int(_bounded(max_429_resends, 0, MAX_429_RESENDS))
        self.get_retries = get_retries
        self.timeout = timeout
        self.sleep = sleep
        self.log = ExchangeLog()
        if save:   # the workspace copy; a workspace that cannot be used is said, never raised into a session
            try:
                self.log.autosave = new_session_log("simulator" if simulated else region)
            except OSError as exc:
                self.log.autosave_error = (f"the workspace cannot be used ({exc.strerror or exc}: "
                                           f"{exc.filename or ''}); set DIAG_HOME to a folder, or DIAG_HOME=off")
        self.redactor = Redactor(token_source.secrets())
        self.gate = SafetyGate(GatePolicy(
            self.api_base, self.login_base, region, real=not simulated,
            allowed_numbers=allowed_numbers_from(allowed_numbers), allowed_users=allowed_ids_from(allowed_users),
            allowed_queues=allowed_ids_from(allowed_queues, "DIAG_ALLOWED_QUEUES"), probe_hosts=probe_hosts),
            org=self.org,
            secrets=self.tokens.client_secrets, list_columns=self._contact_list_columns)
        self._columns: dict[str, frozenset[str] | None] = {}
        self.transport = GatedTransport(transport if transport is not None else HTTPTransport(), self.gate)
        self.tokens.bind(self.transport)
        self.last_rate_limit: dict[str, str] = {}
        self.regions: dict[str, Region] = REGIONS
        self._sent: OrderedDict[int, tuple[Exchange, str, str, bytes | None]] = OrderedDict()
        self._sent_lock = threading.Lock()

    def __repr__(self) -> str:
        where = "SIMULATOR" if self.simulated else f"REAL ORG in {self.region}"
        return f"<diag.Session {where} {self.api_base} auth={self.tokens.kind} exchanges={len(self.log)}>"

    @property
    def allowed_numbers(self) -> list[str]:
        return sorted(self.gate.policy.allowed_numbers)

    @property
    def label(self) -> str:
        """How the session is named wherever it shows: never ambiguous about a real org."""
        return "simulator (no real calls)" if self.simulated else f"REAL ORG {self.org_name} in {self.region}"

    def locate_token_region(self) -> str | None:
        """After a 401 on a pasted token: which other region knows it (GET /api/v2/tokens/me there)."""
        if not isinstance(self.tokens, StaticToken):
            return None
        return locate_region(self.tokens.token(), self.regions, skip=self.region, transport=self.transport)

    def org(self) -> Org:
        """The org behind the token (GET /api/v2/tokens/me, asked once)."""
        if self._org is None:
            ex = self.send("GET", "/api/v2/tokens/me")
            if not self.learn_org(ex):
                raise ConfirmationRequired(f"diag could not tell which org this token belongs to (GET "
                                           f"/api/v2/tokens/me answered {ex.status or ex.transport_error}), so "
                                           "nothing that changes it can be confirmed.")
        assert self._org is not None   # learn_org set it
        return self._org

    def learn_org(self, tokens_me: Exchange) -> bool:
        """Keep the org a GET /api/v2/tokens/me names (org(), identity() and preflight() all read it)."""
        body = tokens_me.response_body if isinstance(tokens_me.response_body, dict) else {}
        org = body.get("organization") or {}
        if not tokens_me.ok or not isinstance(org, dict) or not org.get("id"):
            return False
        if self._org is None:
            self._org = Org(org["id"], org.get("name") or "(unnamed org)")
        self._org_name = self._org_name or self._org.name
        return True

    def _contact_list_columns(self, list_id: str) -> frozenset[str] | None:
        """The columns a dialler dials in this contact list (its phone and WhatsApp columns), read once per list
        with GET /api/v2/outbound/contactlists/{contactListId}; None when it cannot be read."""
        if list_id not in self._columns:
            ex = self.send("GET", f"/api/v2/outbound/contactlists/{quote(list_id, safe='')}")
            body = ex.response_body if ex.ok and isinstance(ex.response_body, dict) else None
            columns = None
            if body is not None and isinstance(body.get("phoneColumns"), list):
                columns = frozenset(str(c.get("columnName")) for key in ("phoneColumns", "whatsAppColumns")
                                    for c in body.get(key) or [] if isinstance(c, dict) and c.get("columnName"))
            self._columns[list_id] = columns
        return self._columns[list_id]

    @property
    def org_name(self) -> str:
        """The org's name once it is known (org(), identity(), preflight() ask); never a request by itself."""
        return self._org_name or "(org not asked yet)"

    # ---- the one way out ----
    def send(self, method: str, path: str, body: Any = None, *, params: dict | None = None,
             headers: dict | None = None, confirm: Callable[[str], Any] | str | Confirmation | None = None,
             _findings: list[dict] | None = None) -> Exchange:
        """Send one request through the gate. Writes to a real org need `confirm` (see confirm_for)."""
        attempts: list[Exchange] = []
        try:
            return self._send(method, path, body, params, headers, confirm, _findings, attempts)
        finally:
            self.log.persist(attempts)   # the workspace copy: each attempt once it is final

    def _send(self, method, path, body, params, headers, confirm, _findings, attempts: list) -> Exchange:
        method = method.upper()
        platform_path(path)
        content = _encode(body)
        url = self.api_base + path + ((("&" if "?" in path else "?") + urlencode(params)) if params else "")
        confirmation = self._confirmation(method, url, content, self._headers(content, headers), confirm)
        attempt, resends_429, refreshed = 1, 0, False
        while True:
            ex = self._send_once(method, path, url, body, content, headers, attempt, confirmation, _findings)
            attempts.append(ex)
            if ex.status == 401 and self.tokens.can_refresh and not refreshed:
                refreshed = True
                self.tokens.refresh()
                self._register_secrets()
                if method in IDEMPOTENT:    # a 401 was not processed: a read is safe to send again
                    ex.notes.append("token refused: fetched a new one and sent again")
                    ex.superseded = True
                    attempt += 1
                    continue
                ex.notes.append(f"token refused: diag fetched a new one, but never resends a {method} unless the "
                                "answer was a 429. Send it again.")
            if ex.status == 401 and isinstance(self.tokens, StaticToken):
                ex.notes.append("the pasted token was refused: it may have expired or belong to another region")
            if ex.status == 429:
                wait, why = retry_wait(ex, self.retry_after_cap)
                if wait is None:
                    ex.notes.append(f"429 with Retry-After {why}, over the {self.retry_after_cap:g} s cap: not retried")
                    return ex
                if resends_429 >= self.max_429_resends:
                    ex.notes.append(f"429 again after {resends_429} resend(s): diag stops here (at most "
                                    f"{self.max_429_resends}). Wait for the limit to reset, then send again.")
                    return ex
                resends_429 += 1
                ex.notes.append(f"429: waited {wait:g} s ({why}) and sent again, resend {resends_429} of at most "
                                f"{self.max_429_resends} (safe: a 429 was not processed)")
                self.sleep(wait)
                ex.superseded = True
                attempt += 1
                continue
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

    def confirm_for(self, method: str, path: str, body: Any = None, *, params: dict | None = None):
        """The Intent a write would need confirmed (None when it needs none); raises if it may never be sent."""
        platform_path(path)
        url = self.api_base + path + (("?" + urlencode(params)) if params else "")
        found = self.gate.assess(Request(method.upper(), url, {}, _encode(body)))
        return found.intent if found.needs_confirmation else None

    def _confirmation(self, method, url, content, headers, confirm) -> Grant | None:
        """One use of a yes for this one send (its 429 resends included), or None when none is needed."""
        found = self.gate.assess(Request(method, url, headers, content))   # the very request the gate will see
        intent = found.intent
        if not found.needs_confirmation or intent is None:
            return None
        if isinstance(confirm, Confirmation):
            grant = confirm.take(intent)
            if grant is None:
                raise ConfirmationRequired(intent.prompt(), intent)
            return grant
        prompt = intent.prompt()
        if callable(confirm):
            answer = confirm(prompt)
            if answer is True or (isinstance(answer, str) and answer.strip().lower() in YES):
                return Grant(intent.key)
            raise ConfirmationDeclined(prompt, intent)
        if isinstance(confirm, str) and confirm.strip():
            from diag.core.numbers import e164_key
            typed = e164_key(confirm.strip())
            dialled = [d for d in intent.destinations if d[:1] in "+0123456789"]
            if typed and dialled == [typed] and len(intent.destinations) == 1:
                return Grant(intent.key)
        raise ConfirmationRequired(prompt, intent)

    def _register_secrets(self) -> None:
        for s in self.tokens.secrets():
            self.redactor.add(s)

    def _headers(self, content: bytes | None, extra: dict | None) -> dict[str, str]:
        own = {"authorization", "proxy-authorization", "cookie", "accept", "content-type"}
        taken = [k for k in (extra or {}) if str(k).strip().lower() in own - {"accept", "content-type"}]
        if taken:
            raise UnsafeRequest(f"the header {taken[0]!r} is the session's own: the request goes out with the "
                                "session's token and no other")
        token = self.tokens.token()
        self._register_secrets()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        return headers

    def _send_once(self, method, path, url, body, content, extra_headers, attempt, confirmation,
                   findings=None) -> Exchange:
        headers = self._headers(content, extra_headers)
        red = self.redactor
        started = dt.datetime.now(dt.timezone.utc)
        shown = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
        ex = Exchange(seq=0, started=started.isoformat(timespec="milliseconds"), method=method,
                      url=red.text(url), path=red.text(path), template=template_of(method, path.split("?")[0]),
                      request_headers=red.headers(headers), request_body=red.value(shown),
                      region=self.region, simulated=self.simulated, attempt=attempt,
                      org_id=None if self.simulated or self._org is None else self._org.id)
        if CALL_PATHS.match(path) and method == "POST":
            # after the body: values its secret-named keys held are known to the redactor, so the doctor's
            # messages that quote them lose them too
            ex.findings = [{k: red.text(v) if isinstance(v, str) else v for k, v in f.items()}
                           for f in (findings if findings is not None else self._findings(shown))]
        request = Request(method, url, headers, content, self.timeout, confirmation)
        t0 = time.perf_counter()
        try:
            r = self.transport.send(request)
        except TransportFailure as exc:
            ex.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
            ex.transport_error = exc.reason
            if exc.headers:   # a cut-short answer: what did arrive is kept (its correlation id above all)
                got = {str(k): str(v) for k, v in exc.headers.items()}
                ex.response_headers = self.redactor.headers(got)
                ex.correlation_id = header(got, "ININ-Correlation-Id")
                ex.notes.append(f"the answer began (HTTP {exc.status}, headers received) and was then cut short"
                                if exc.status else "headers arrived, then the answer was cut short")
            ex.explanation = (f"No HTTP answer: {ex.transport_error}." + (
                " The request may have reached Genesys: a call may have been placed." if method == "POST" else ""))
            return self._record(ex, method, path, content)
        ex.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
        self._record_response(ex, r, r.content)
        return self._record(ex, method, path, content)

    def _record(self, ex: Exchange, method: str, path: str, content: bytes | None) -> Exchange:
        self.log.append(ex)
        with self._sent_lock:   # the exact bytes, in memory only, for an in-session re-send
            self._sent[id(ex)] = (ex, method, path, content)
            while len(self._sent) > 10_000:
                self._sent.popitem(last=False)
        return ex
    def _record_response(self, ex: Exchange, r: Response, raw: bytes) -> None:
        red = self.redactor
        ex.status = r.status
        ex.response_headers = red.headers(dict(r.headers))
        operation = f"{ex.method} {ex.template}" if ex.template else None
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
        reading = read_answer(r.status, r.headers, ex.response_body, operation)
        ex.correlation_id, ex.rate_limit = reading.correlation_id, reading.rate_limit
        if ex.rate_limit:
            self.last_rate_limit = ex.rate_limit
        if (f"{ex.method} {ex.template}" == CALLS_ROUTE
                and r.status not in CALLS_DOCUMENTED_STATUSES):
            ex.notes.append(
                f"HTTP {r.status} is not among the answers documented for creating a call "
                f"({', '.join(map(str, CALLS_DOCUMENTED_STATUSES))}); diag does not guess what it means: "
                "the server's answer is shown as sent. Check the user's conversations before sending again.")
        if r.status >= 400:
            ex.error, ex.error_code, ex.explanation = reading.error, reading.error_code, reading.explanation
            if r.status == 400 and ex.findings:
                wrong = [f for f in ex.findings if f["severity"] == "error"]
                if wrong:
                    ex.explanation = (ex.explanation or "") + " The doctor found in the body that was sent: " + "; ".join(
                        f"{f['path']}: {f['message'].rstrip('.')}" for f in wrong[:5])

    @staticmethod
    def _findings(body) -> list[dict]:
        from diag.core.doctor import check, check_text

        report = check_text(body) if isinstance(body, str) else check(body)
        return [f.to_dict() for f in report.findings]

    # ---- placing calls ----
    def call(self, body: Any, *, confirm: Callable[[str], Any] | str | Confirmation | None = None,
             user_id: str | None = None, report=None) -> Exchange:
        """Place a test call. The body is sent exactly as given; only the safety gate stops a send.

        report: the doctor's Report of exactly this body when the caller has one (the composer checks as the
        person types): its findings are recorded instead of checking the body again."""
        path = f"{CALLS_PATH}/user/{user_id}" if user_id else CALLS_PATH
        findings = ([f.to_dict() for f in report.findings] if report is not None else
                    self._findings(body.decode("utf-8", "replace") if isinstance(body, bytes) else body))
        return self.send("POST", path, body, confirm=confirm, _findings=findings)

    def identity(self) -> str:
        """Who the token is, in words ("Avery Agent (user token, OAuth client ...)"); asked once, then cached."""
        if getattr(self, "_identity", None) is None:
            me = self.send("GET", "/api/v2/tokens/me")
            self.learn_org(me)
            body = me.response_body if isinstance(me.response_body, dict) else {}
            found = body.get("OAuthClient")
            oauth: dict = found if isinstance(found, dict) else {}
            if not me.ok or not body:
                what = (f"HTTP {me.status}" if me.status is not None else f"no answer ({me.transport_error})")
                return f"identity unknown: GET /api/v2/tokens/me gave {what}"   # asked again next time
            client = oauth.get("name", "?")
            user = self.send("GET", "/api/v2/users/me")
            u = user.response_body if isinstance(user.response_body, dict) else {}
            if user.ok and u:
                self._identity = f"{u.get('name')} (user token, OAuth client {client})"
            elif user.error_code == "not.a.user":   # only this answer says the token is a client's
                self._identity = (f"OAuth client {client} (client credentials: cannot place calls on "
                                  "/api/v2/conversations/calls)")
            else:   # a 5xx, a reset or a proxy's page says nothing about the token's kind
                what = (f"HTTP {user.status}" if user.status is not None else f"no answer ({user.transport_error})")
                return f"OAuth client {client}; the user could not be read (GET /api/v2/users/me gave {what})"
        return self._identity

    def resend(self, exchange: Exchange, *, confirm: Callable[[str], Any] | str | Confirmation | None = None
               ) -> Exchange:
        """Send an exchange again: this session's own with the exact bytes it sent (held in memory); one from a
        loaded log only when its path is a Platform API path and its body holds no redacted value."""
        with self._sent_lock:
            mine = self._sent.get(id(exchange))
        if mine is not None and mine[0] is exchange:
            _, method, path, content = mine
            return self.send(method, path, content, confirm=confirm)
        path = platform_path(exchange.path)
        holes = (["the URL"] if REDACTED in path or REDACTED.replace("[", "%5B") in path else []) + \
            redacted_paths(exchange.request_body)
        if holes:
            raise UnsafeRequest(f"Not sent: the saved body holds redacted values at {', '.join(holes[:6])}. "
                                "Put the real values back (build the body again in the composer), then send it.")
        return self.send(exchange.method, path, exchange.request_body, confirm=confirm)

    # ---- after the call ----
    def follow_call(self, conversation_id: str, *, timeout: float = 30, interval: float = 0.5) -> CallTrace:
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
            external = far_end(ex.response_body.get("participants", []))
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
    def preflight(self, operation: str = CALLS_ROUTE) -> Preflight:
        """Can this token do `operation` here? (diag.client.preflight)"""
        from diag.client.preflight import preflight

        return preflight(self, operation)

    def caller(self):
        """Who this session's token is, as the server model reads a caller (diag.core.model.Caller): its kind,
        its permissions, its user's station; read once with GET /api/v2/tokens/me and /api/v2/users/me."""
        from diag.client.preflight import caller_of

        if getattr(self, "_caller", None) is None:
            self._caller = caller_of(self)
        return self._caller

    def remember_caller(self, caller) -> None:
        """The caller a preflight just read (it asked the same two questions caller() would)."""
        self._caller = caller


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

    def to_dict(self) -> dict:
        return {"conversationId": self.conversation_id, "ended": self.ended, "connected": self.connected,
                "disconnectType": self.disconnect_type, "errorInfo": self.error_info,
                "explanation": self.explanation, "problem": self.problem,
                "changes": [{"seconds": t, "purpose": p, "state": st} for t, p, st in self.changes]}

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


def retry_wait(ex: Exchange, cap: float = RETRY_AFTER_CAP) -> tuple[float | None, str]:
    """How long to wait before resending after a 429, and why; (None, value) when it is over `cap`.

    Retry-After in seconds or as an HTTP date; missing, zero, negative or unreadable: DEFAULT_RETRY_AFTER.
    Never under RETRY_AFTER_MIN, so that no answer can make diag loop tightly."""
    raw = ex.rate_limit.get("retry-after")
    if raw is None:
        raw = header(ex.response_headers, "Retry-After")
    seconds = None
    if raw is not None:
        text = str(raw).strip()[:64]
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(text)
                seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
            except (TypeError, ValueError, IndexError, OverflowError):
                seconds = None
    if seconds is not None and seconds != seconds:   # NaN
        seconds = None
    if seconds is None or seconds <= 0:
        shown = "missing" if raw is None else f"{str(raw)[:20]!r} unusable"
        return DEFAULT_RETRY_AFTER, f"Retry-After {shown}: diag's default {DEFAULT_RETRY_AFTER:g} s"
    if seconds > cap:
        return None, f"{seconds:g} s"
    wait = max(RETRY_AFTER_MIN, seconds)
    return wait, f"Retry-After {seconds:g} s" + (" (raised to the 1 s floor)" if wait != seconds else "")


def _bounded(value, low: float, high: float) -> float:
    """`value` within [low, high]; anything unreadable (NaN, text, None) is `high`'s side of safe: the limit."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return high
    return min(max(number, low), high) if number == number else high


def _encode(body: Any) -> bytes | None:
    """The exact bytes to send: bytes as they are, text as UTF-8, anything else as JSON."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return json.dumps(body).encode()


def redacted_paths(value: Any, path: str = "$") -> list[str]:
    """JSON paths of values that redaction or pseudonymisation replaced (they cannot be sent again)."""
    from diag.core.pseudonyms import PSEUDONYM

    if isinstance(value, dict):
        return [p for k, v in value.items() for p in redacted_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in redacted_paths(v, f"{path}[{i}]")]
    if isinstance(value, str) and (REDACTED in value or PSEUDONYM.search(value)):
        return [path]
    return []


# ---- connect ----

_shared_sim = None
_shared_lock = threading.Lock()


def shared_simulator():
    """One in-process simulator per process, made on first use (what connect() uses by default)."""
    global _shared_sim
    with _shared_lock:
        if _shared_sim is None:
            from diag.sim import Simulator
            _shared_sim = Simulator(seed=1, fresh_ids=True)   # each run its own conversation ids
        return _shared_sim


def locate_region(token: str, regions: dict[str, Region] | None = None, skip: str | None = None,
                  transport=None) -> str | None:
    """Which region knows this user token: GET /api/v2/tokens/me on each region's API host (a token is what those
    hosts would see anyway). Client secrets are never sent anywhere but the chosen login host."""
    table = regions if regions is not None else REGIONS
    if transport is None:
        first = next(iter(table.values()))
        transport = GatedTransport(HTTPTransport(), SafetyGate(GatePolicy(
            first.api_base, first.login_base, first.name, real=True,
            probe_hosts=frozenset(urlsplit(r.api_base).netloc.lower() for r in table.values()))))
    for region in table.values():
        if region.name == skip:
            continue
        try:
            r = transport.send(Request("GET", region.api_base + "/api/v2/tokens/me",
                                       {"Authorization": f"Bearer {token}", "Accept": "application/json"},
                                       timeout=5))
        except (TransportFailure, SafetyError):
            continue
        if r.status == 200:
            return region.name
    return None


def _sim_session(base: str, transport, token: str | None, region: str, org_name: str, simulator, allowed,
                 hint, **options) -> Session:
    source = StaticToken(token) if token else None
    if source is None:
        try:
            r = transport.send(Request("GET", base + "/__sim/token", {"Accept": "application/json"}, timeout=10))
        except TransportFailure as exc:
            raise ConfigError(f"No diag simulator answers at {base} ({exc.reason}): start one with "
                              "`python -m diag sim`.") from None
        if r.status != 200:
            raise ConfigError(f"{base} did not answer as a diag simulator (GET /__sim/token: HTTP {r.status}).")
        source = StaticToken(json.loads(r.content)["access_token"])
    return Session(base, source, region=region, simulated=True, org_name=org_name, simulator=simulator,
                   transport=transport, login_base=base, hint=hint, **allowed, **options)


def connect(region: str | None = None, *, client_id: str | None = None, client_secret: str | None = None,
            token: str | None = None, environ: dict | None = None, dotenv: str | None = ".env",
            regions: dict[str, Region] | None = None, simulator=None, sim_url: str | None = None,
            allowed_numbers: list[str] | None = None, allowed_users: list[str] | None = None,
            allowed_queues: list[str] | None = None, **session_options) -> Session:
    """A session on the built-in simulator, or on a real region only when `region` names one.

    region=None or "simulator": the in-process simulator (or `simulator=`); sim_url: a running `diag sim` on
    loopback; a region name or host: that real region, with credentials passed here or from GENESYS_CLOUD_*
    variables / .env. Credentials alone never select a real org."""
    env_creds = Credentials.from_env(environ, dotenv)
    allowed: dict[str, Any] = {"allowed_numbers": allowed_numbers if allowed_numbers is not None else allowed_numbers_from_env(environ),
               "allowed_users": allowed_users if allowed_users is not None else _env_list("DIAG_ALLOWED_USERS", environ),
               "allowed_queues": allowed_queues if allowed_queues is not None else
               _env_list("DIAG_ALLOWED_QUEUES", environ)}
    if sim_url is not None:
        if not is_loopback(urlsplit(sim_url).hostname):
            raise ConfigError(f"--sim must be a diag simulator on this machine (127.0.0.1, localhost or ::1), not "
                              f"{urlsplit(sim_url).hostname!r}: a real region is reached only with --region.")
        base = sim_url.rstrip("/")
        return _sim_session(base, HTTPTransport(), token, "simulator", "diag simulator (HTTP)", None, allowed, None,
                            **session_options)
    if simulator is not None or region is None or region == "simulator":
        if region is None and simulator is None and not (env_creds.empty and not (client_id or client_secret or token)):
            hint = ("Credentials were found but no region was given, so this is the simulator. To use the real org, "
                    "pass region=... (command line: --region REGION).")
        else:
            hint = None
        sim = simulator or shared_simulator()
        from diag.sim import IN_PROCESS_BASE
        return _sim_session(IN_PROCESS_BASE, sim.transport(), token or sim.user_token(), sim.region, sim.org.name,
                            sim, allowed, hint, **session_options)
    table = regions if regions is not None else REGIONS
    reg = find_region(region, table)
    creds = Credentials(reg.name, client_id or env_creds.client_id, client_secret or env_creds.client_secret,
                        token or env_creds.access_token)
    probe = frozenset(urlsplit(r.api_base).netloc.lower() for r in table.values())
    if creds.access_token:
        source: TokenSource = StaticToken(creds.access_token)
    elif creds.client_id and creds.client_secret:
        source = ClientCredentialsGrant(reg.login_base, creds.client_id, creds.client_secret,
                                        regions_hint=", ".join(f"{r.name} ({r.host})" for r in table.values()))
    else:
        raise ConfigError("No credentials: set GENESYS_CLOUD_ACCESS_TOKEN (a user token), or "
                          "GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET, or pass them to connect().")
    session = Session(reg.api_base, source, region=reg.name, simulated=False, login_base=reg.login_base,
                      probe_hosts=probe, **allowed, **session_options)
    session.regions = table
    return session
