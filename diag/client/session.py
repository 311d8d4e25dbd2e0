"""Session: every request of diag leaves through the session's one transport, behind the safety gate.

    Session.send() -> the send pipeline -> GatedTransport (diag.client.gate: the exact bytes, every attempt)
                                         -> HTTPTransport | AppTransport

The pipeline, one attempt at a time: confirm (a write to a real org needs a yes bound to it), record the request
as sent (redacted; the doctor's findings for a call), send, read the answer (diag.core.answer), then the retry
handlers decide whether to send again (diag.client.retry: the policy as a value). Each attempt is logged once it is
final, whatever fails after. connect() lives in diag.client.connect, following a call in diag.client.calls.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from collections.abc import Callable
from urllib.parse import quote, unquote, urlencode, urlsplit

from diag.client.auth import StaticToken, TokenSource
from diag.client.calls import CallTrace, follow_call
from diag.client.gate import (
    Confirmation,
    GatedTransport,
    GatePolicy,
    Grant,
    Org,
    SafetyGate,
    allowed_ids_from,
    allowed_numbers_from,
)
from diag.client.retry import (
    DEFAULT_RETRY_AFTER,
    IDEMPOTENT,
    MAX_429_RESENDS,
    RETRY_AFTER_CAP,
    AGAIN,
    Attempts,
    RetryPolicy,
    decide,
    retry_wait,
)
from diag.core.endpoints import check_operation
from diag.core.errors import (AuthError, ConfigError, ConfirmationDeclined, ConfirmationRequired, SafetyError,
                              UnsafeRequest)
from diag.core.answer import read_answer
from diag.core.exchange import Exchange, ExchangeLog, body_bytes
from diag.core.headers import header
from diag.core.facts import CALLS_DOCUMENTED_STATUSES, CALLS_PATH, CALLS_ROUTE
from diag.core.redact import REDACTED, Redactor
from diag.core.workspace import new_session_log
from diag.core.regions import IN_PROCESS_BASE, REGIONS, Region, is_loopback
from diag.transport import HTTPTransport, Request, Response, TransportFailure

if TYPE_CHECKING:
    from diag.client.preflight import Preflight

__all__ = ["Session", "platform_path", "template_of", "redacted_paths", "retry_wait", "RETRY_AFTER_CAP",
           "MAX_429_RESENDS", "DEFAULT_RETRY_AFTER", "IDEMPOTENT"]

CALL_PATHS = re.compile(rf"^{re.escape(CALLS_PATH)}(/user/[^/]+)?$")
YES = {"yes", "y", "true"}
_PLATFORM_PATH = re.compile(r"^/api/v2/[A-Za-z0-9._~!$&'()*+,;=:%/-]*(\?[^\s#]*)?$")


def _simulated(api_base: str, said: bool | None) -> bool:
    """Whether a session is on a simulator: only a host that can be one (loopback, or the in-process simulator's
    name, which never resolves) may be, and it is unless told otherwise; any other host is a real org, whatever
    the caller said (a real host labelled the simulator would skip every confirmation)."""
    host = urlsplit(api_base).hostname
    can_be = is_loopback(host) or host == urlsplit(IN_PROCESS_BASE).hostname
    if said and not can_be:
        raise ConfigError(f"{host or api_base!r} is not a diag simulator (those run on 127.0.0.1, localhost or ::1, "
                          "or in process): a session there is a real org. Use connect(region=...) for a real org.")
    return can_be if said is None else said


@lru_cache(maxsize=4096)
def template_of(method: str, path: str) -> str | None:
    check = check_operation(method, path)
    return check.operation.path if check.operation else None


@lru_cache(maxsize=256)
def _findings_of_text(text: str) -> tuple[dict, ...]:
    from diag.core.doctor import check_text

    return tuple(f.to_dict() for f in check_text(text).findings)


@lru_cache(maxsize=256)
def _findings_of_body(as_json: str) -> tuple[dict, ...]:
    # keyed by the body's JSON (1, 1.0 and true stay apart); read back, it is the very value the caller gave
    from diag.core.doctor import findings_of

    return tuple(f.to_dict() for f in findings_of(json.loads(as_json)))


def _needless_escape(hex2: str) -> bool:
    """An escaped letter, digit or path character (%63 for c, %2e for .): nothing needs it, a confused route does."""
    ch = chr(int(hex2, 16))
    return ch.isalnum() or ch in "-._~/\\;@" or ord(ch) < 0x20 or ord(ch) == 0x7F


_KEPT_CHARS = 20_000   # of an answer kept as text (not JSON, or unreadable as JSON)


_CONTACT_LIST = re.compile(r"(?i)/api/v2/outbound/contactlists(?:/|$|\?)")


def _kept_as_text(red: Redactor, raw: bytes) -> str:
    """An answer kept as text, cut after redaction: a token cut short would no longer read as one (the text redacted
    is bounded too, at ten times what is kept, so a huge page costs little). UTF-16 (a proxy's page) is read as
    such, and an answer that arrived cut short loses the start of a known secret it ends with."""
    from diag.core.textfile import text_of

    head = raw[:_KEPT_CHARS * 40]
    try:
        text = text_of(head, limit=len(head) + 1) if b"\x00" in head[:512] else head.decode("utf-8", "replace")
    except ValueError:
        text = head.decode("utf-8", "replace")
    return red.cut_secret_at_end(red.text(text[:_KEPT_CHARS * 10]))[:_KEPT_CHARS]


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
                 simulated: bool | None = None, org_name: str | None = None, allowed_numbers: list[str] | None = None,
                 allowed_users: list[str] | None = None, allowed_queues: list[str] | None = None,
                 retry_after_cap: float = RETRY_AFTER_CAP, max_429_resends: int = MAX_429_RESENDS,
                 get_retries: int = 3, timeout: float = 30, simulator=None, login_base: str | None = None,
                 transport=None, probe_hosts: frozenset[str] = frozenset(), hint: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, save: bool = True, origin: str = ""):
        self.api_base = api_base.rstrip("/")
        simulated = _simulated(self.api_base, simulated)
        self.login_base = (login_base or self.api_base.replace("//api.", "//login.", 1)).rstrip("/")
        self.tokens = token_source
        self.region = region
        self.simulated = simulated
        self.simulator = simulator
        self.hint = hint            # one line on how to reach a real org, when credentials were found unused
        self._org: Org | None = Org("simulator", org_name) if simulated and org_name else None
        self._org_name = org_name
        self.retry = RetryPolicy.of(retry_after_cap, max_429_resends, get_retries)   # clamped: never raised
        self.timeout = timeout
        self.sleep = sleep
        self.log = ExchangeLog()
        self._purpose = threading.local()   # what diag is sending for itself right now (doing())
        if save:   # the workspace copy; a workspace that cannot be used is said, never raised into a session
            try:
                self.log.autosave = new_session_log("simulator" if simulated else region, origin=origin)
            except OSError as exc:
                self.log.autosave_error = (f"the workspace cannot be used ({exc.strerror or exc}: "
                                           f"{exc.filename or ''}); set DIAG_HOME to a folder, or DIAG_HOME=off")
        self.redactor = Redactor(token_source.secrets())
        self.gate = SafetyGate(GatePolicy(
            self.api_base, self.login_base, region, real=not simulated,
            allowed_numbers=allowed_numbers_from(allowed_numbers), allowed_users=allowed_ids_from(allowed_users),
            allowed_queues=allowed_ids_from(allowed_queues, "DIAG_ALLOWED_QUEUES"), probe_hosts=probe_hosts),
            org=self.org,
            secrets=self.tokens.client_secrets, list_columns=self._contact_list_columns, shown=self.redactor.text)
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
    def retry_after_cap(self) -> float:
        return self.retry.retry_after_cap

    @property
    def max_429_resends(self) -> int:
        return self.retry.max_429_resends

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
            with self.doing("identity"):
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
            with self.doing("contact-list"):
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

    @contextmanager
    def doing(self, purpose: str):
        """Mark what is sent inside as diag's own (identity, usage, follow...): the ticket leaves it out unless
        chosen, and the History shows it only with every request."""
        before = getattr(self._purpose, "value", "")
        self._purpose.value = before or purpose   # the outermost purpose names it
        try:
            yield self
        finally:
            self._purpose.value = before

    # ---- the one way out ----
    def send(self, method: str, path: str, body: Any = None, *, params: dict | None = None,
             headers: dict | None = None, confirm: Callable[[str], Any] | str | Confirmation | None = None,
             reveal: Callable[[Response], None] | None = None,
             _findings: list[dict] | None = None, _story: tuple[Any, list[str]] | None = None) -> Exchange:
        """Send one request through the gate. Writes to a real org need `confirm` (see confirm_for).

        reveal: for an answer that carries a credential its caller must use once (the signed URL of a download),
        called with a 2xx answer as received, before it is redacted and recorded; it may teach the redactor that
        credential (self.redactor.add) so that the log, too, never holds it."""
        attempts: list[Exchange] = []
        try:
            return self._send(method, path, body, params, headers, confirm, _findings, attempts, _story, reveal)
        finally:
            self.log.persist(attempts)   # the workspace copy: each attempt once it is final
            if attempts and str(method).upper() != "GET" and _CONTACT_LIST.match(path):
                self._columns.clear()   # a list's phone columns may have changed: read them again before a contact
                self.gate.forget()      # is judged by them, and judge again what was judged by the old ones

    def _send(self, method, path, body, params, headers, confirm, _findings, attempts: list, story=None,
              reveal=None) -> Exchange:
        if not isinstance(method, str) or not method.isascii():   # "poſt" upper-cases to POST: say what it is
            raise UnsafeRequest(f"the method {str(method)[:12]!r} is not one the Platform API uses: refused")
        method = method.upper()
        self._platform_path(path)
        content = body_bytes(body)
        url = self.api_base + path + ((("&" if "?" in path else "?") + urlencode(params)) if params else "")
        confirmation = self._confirmation(method, url, content, self._headers(content, headers), confirm)
        state = Attempts(method, self.retry, self.sleep, self._refresh if self.tokens.can_refresh else None,
                         pasted_token=isinstance(self.tokens, StaticToken))
        while True:
            try:
                ex = self._send_once(method, path, url, body, content, headers, state.attempt, confirmation,
                                     _findings, story, reveal)
            except AuthError as exc:   # no token for the next attempt (nothing was sent): the last answer stands
                if not attempts:
                    raise
                last = attempts[-1]
                last.superseded = False
                said = f"not sent again after all: diag could not fetch a token for it ({exc})"
                if last.notes and " and sent again, resend " in last.notes[-1]:   # the 429's note, said before
                    last.notes[-1] = last.notes[-1].split(" and sent again, resend ")[0] + f"; {said}"
                else:
                    last.notes.append(said)
                return last
            if attempts:
                ex.first_seq = attempts[0].seq
            attempts.append(ex)
            if decide(state, ex) != AGAIN:
                return ex

    def _platform_path(self, path: str) -> None:
        """platform_path, its refusal redacted: the path quoted in it can hold the session's token."""
        try:
            platform_path(path)
        except UnsafeRequest as exc:
            raise UnsafeRequest(self.redactor.text(str(exc))) from None

    def _refresh(self) -> None:
        self.tokens.refresh()
        self._register_secrets()

    def confirm_for(self, method: str, path: str, body: Any = None, *, params: dict | None = None):
        """The Intent a write would need confirmed (None when it needs none); raises if it may never be sent."""
        self._platform_path(path)
        url = self.api_base + path + (("?" + urlencode(params)) if params else "")
        found = self.gate.assess(Request(method.upper(), url, {}, body_bytes(body)))
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
                   findings=None, story=None, reveal=None) -> Exchange:
        headers = self._headers(content, extra_headers)
        red = self.redactor
        started = dt.datetime.now(dt.timezone.utc)
        shown = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
        ex = Exchange(seq=0, started=started.isoformat(timespec="milliseconds"), method=method,
                      url=red.text(url), path=red.text(path), template=template_of(method, path.split("?")[0]),
                      request_headers=red.headers(headers), request_body=red.value(shown),
                      region=self.region, simulated=self.simulated, attempt=attempt,
                      purpose=getattr(self._purpose, "value", ""),
                      org_id=None if self.simulated or self._org is None else self._org.id)
        if story is not None:   # the body as first written and what Fix it changed: the ticket tells the story
            written, changes = story
            ex.written_as = red.value(written)
            ex.notes += [red.text(f"Fix it changed the body before it was sent: {c}") for c in changes]
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
            if exc.data:   # nothing that arrived is lost: what came of the body, as text, redacted
                ex.response_body = _kept_as_text(self.redactor, exc.data)
                ex.notes.append(f"{len(exc.data):,} bytes of its body arrived before the cut: kept as text")
            ex.explanation = (f"No HTTP answer: {ex.transport_error}." + (
                " The request may have reached Genesys: a call may have been placed." if method == "POST" else ""))
            return self._record(ex, method, path, content)
        ex.duration_ms = round((time.perf_counter() - t0) * 1000, 2)
        if reveal is not None and 200 <= r.status < 300:
            try:
                reveal(r)
            except Exception as exc:   # the answer is recorded whatever its reader made of it
                ex.notes.append(f"diag could not read what it needed from this answer ({type(exc).__name__})")
        try:
            self._record_response(ex, r, r.content)
        except Exception as exc:   # whatever diag fails to make of the answer, the answer itself is kept and shown
            ex.status = r.status
            ex.response_body = _kept_as_text(self.redactor, r.content)
            ex.notes.append(f"diag could not read this answer ({type(exc).__name__}): it is kept as text, as sent")
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
                parsed = json.loads(raw)
            except ValueError:
                ex.response_body = red.text(raw.decode("utf-8", "replace"))
                ex.notes.append("the answer said JSON but could not be read as JSON")
            except RecursionError:
                ex.response_body = _kept_as_text(red, raw)
                ex.notes.append("the answer said JSON but is nested too deeply to read: kept as text")
            else:   # read apart from the reading: a failure of redaction is never taken for a body that is not JSON
                ex.response_body = red.value(parsed)
        else:
            ex.response_body = _kept_as_text(red, raw)
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
        """The doctor's findings on a call body about to be sent (a batch sends one body many times: read once)."""
        if isinstance(body, str):
            return [dict(f) for f in _findings_of_text(body)]
        try:
            key = json.dumps(body, ensure_ascii=False, allow_nan=True)
        except (TypeError, ValueError):
            key = None
        if key is None:
            from diag.core.doctor import findings_of

            return [f.to_dict() for f in findings_of(body)]
        return [dict(f) for f in _findings_of_body(key)]

    # ---- placing calls ----
    def call(self, body: Any, *, confirm: Callable[[str], Any] | str | Confirmation | None = None,
             user_id: str | None = None, report=None, written_as: Any = None,
             fixed: list[str] | tuple[str, ...] = ()) -> Exchange:
        """Place a test call. The body is sent exactly as given; only the safety gate stops a send.

        report: the doctor's Report of exactly this body when the caller has one (the composer checks as the
        person types): its findings are recorded instead of checking the body again. written_as and fixed: the body
        as the person first wrote it and what Fix it changed, recorded with the exchange for the ticket."""
        path = f"{CALLS_PATH}/user/{user_id}" if user_id else CALLS_PATH
        findings = ([f.to_dict() for f in report.findings] if report is not None else
                    self._findings(body.decode("utf-8", "replace") if isinstance(body, bytes) else body))
        story = (written_as, list(fixed)) if written_as is not None else None
        return self.send("POST", path, body, confirm=confirm, _findings=findings, _story=story)

    def identity(self) -> str:
        """Who the token is, in words ("Avery Agent (user token, OAuth client ...)"); asked once, then cached."""
        if getattr(self, "_identity", None) is None:
            with self.doing("identity"):
                return self._ask_identity()
        return self._identity

    def _ask_identity(self) -> str:
        """The questions identity() asks: who the token is, or why that is not known yet."""
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
        """A 200 only means created: watch the conversation until it ends or `timeout` passes
        (diag.client.calls.follow_call)."""
        with self.doing("follow"):
            return follow_call(self, conversation_id, timeout=timeout, interval=interval)

    # ---- before the call ----
    def preflight(self, operation: str = CALLS_ROUTE) -> Preflight:
        """Can this token do `operation` here? (diag.client.preflight)"""
        from diag.client.preflight import preflight

        with self.doing("preflight"):
            return preflight(self, operation)

    def caller(self):
        """Who this session's token is, as the server model reads a caller (diag.core.model.Caller): its kind,
        its permissions, its user's station; read once with GET /api/v2/tokens/me and /api/v2/users/me."""
        from diag.client.preflight import caller_of

        if getattr(self, "_caller", None) is None:
            with self.doing("identity"):
                self._caller = caller_of(self)
        return self._caller

    def remember_caller(self, caller) -> None:
        """The caller a preflight just read (it asked the same two questions caller() would)."""
        self._caller = caller




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


def doing(session, purpose: str):
    """session.doing(purpose) for a Session; nothing for a stand-in that sends without one."""
    own = getattr(session, "doing", None)
    return own(purpose) if callable(own) else nullcontext()
