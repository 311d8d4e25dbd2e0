"""The simulated Genesys Cloud region: SimApp (the application, called in-process) and SimServer (its HTTP wrapper
on 127.0.0.1, API and login host on one port).

Documented behaviour (codes, headers, bodies) follows ../shared/reference/genesys-api-facts.md; what Genesys
does not document is modelled and listed in the README's simulator section.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import socket
import struct
import time
import uuid
from functools import cached_property
from collections.abc import Sequence
from typing import Any
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from urllib3 import HTTPHeaderDict

from diag.core import jsontext, model
from diag.core.intervals import recorded_instant
from diag.core.model import Caller, grants
from diag.sim import analytics
from diag.sim.faults import FaultTable
from diag.sim.server_errors import ApiError
from diag.sim.state import Call, Execution, SimState, Token
from diag.transport import Request as TransportRequest
from diag.transport import Response, TransportFailure

USAGE_PERMISSIONS = ("oauth:client:view", "usage:organization:view")
CLIENT_USAGE_PERMISSIONS = ("oauth:client:view", "usage:client:view")
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           411: "Length Required", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
MAX_BODY = 64 * 1024 * 1024   # bytes of one request body the simulator will read
FAULT_CODES = {500: "internal.server.error", 503: "service.unavailable", 504: "request.timeout"}


class Request:
    """A request as the simulated server reads it (from a socket or from the in-process transport)."""

    def __init__(self, method: str, target: str, headers, raw: bytes, origin: str | None = None):
        parts = urlsplit(target)
        self.origin = origin or "http://" + str(headers.get("Host") or "127.0.0.1")   # scheme://host[:port] asked
        self.method = method
        self.path = parts.path
        # every pair as sent, for the server model; for the handlers, the value the model reads (model.query_values)
        self.query_pairs = tuple(parse_qsl(parts.query, keep_blank_values=True))
        self.query = model.query_values(self.query_pairs)
        self.headers = headers          # case-insensitive .get()
        self.raw = raw
        self.correlation_id = str(uuid.uuid4())
        self._token: Token | None = None   # set once authenticated

    @property
    def token(self) -> Token:
        """The authenticated token; a route reached without one is a 401 (routes are authenticated first)."""
        if self._token is None:
            raise ApiError(401, "authentication.required", "No authentication bearer token specified in authorization "
                           "header.")
        return self._token

    @token.setter
    def token(self, value: Token | None) -> None:
        self._token = value

    def json(self):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(415, "unsupported.media.type", model.facts.message("unsupported.media.type") or
                           f"Content-Type '{ctype or '(none)'}' is not supported; send application/json.")
        try:   # NaN and Infinity are no JSON: a Jackson server refuses them by default (modelled)
            return json.loads(self.raw or b"null", parse_constant=jsontext.refuse_constant)
        except (ValueError, RecursionError):
            raise ApiError(400, "bad.request", "The request could not be understood by the server due to malformed "
                                               "syntax.") from None


def not_found() -> ApiError:
    """404 not.found with Genesys' documented message (its 2018 spec): the simulator says what Genesys says, whatever
    is missing."""
    return ApiError(404, "not.found", model.facts.message("not.found") or "The requested resource was not found.")


def error_body(status: int, code: str | None, message: str, correlation_id: str, params: dict | None = None) -> dict:
    return {"message": message, "code": code, "status": status, "messageParams": params or {},
            "contextId": correlation_id, "details": [], "errors": []}


class SimulatedFault(TransportFailure):
    """A reset or a cut-short answer: the in-process transport passes it up as the failure it is; the HTTP
    wrapper acts it out on the socket (`partial` is what is written before the cut)."""

    def __init__(self, reason: str, kind: str, partial: bytes = b"", *, status: int | None = None,
                 headers: dict | None = None):
        super().__init__(reason, kind, status=status, headers=headers)
        self.partial = partial


def _payload(body) -> bytes:
    if isinstance(body, (dict, list)):
        return json.dumps(body, separators=(",", ":")).encode()
    if isinstance(body, str):
        return body.encode()
    return body or b""


class SimApp:
    """The simulated region as an application: `app(Request) -> Response`, no socket involved."""

    def __init__(self, state: SimState, region: str):
        self.state = state
        self.org = state.org
        self.region = region
        self.router = router
        self.faults = FaultTable()
        self.history_end = dt.datetime.fromtimestamp(state.clock(), dt.timezone.utc).date() - dt.timedelta(days=1)

    # The seeded history is built when first asked for: most simulators (a test, a quick check) never chart it.
    @cached_property
    def usage_history(self) -> list[dict]:
        return analytics.build_usage_history(self.state, self.history_end)

    @cached_property
    def outbound_history(self) -> list[dict]:
        return analytics.build_outbound_history(self.state, self.history_end)

    @cached_property
    def _history_rate_events(self) -> list:
        return analytics.history_rate_events(self.usage_history)

    def __call__(self, request: TransportRequest) -> Response:
        parts = urlsplit(request.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = HTTPHeaderDict(dict(request.headers))
        return self.handle(Request(request.method.upper(), target, headers, request.content or b"",
                                   f"{parts.scheme}://{parts.netloc}"))

    def __repr__(self) -> str:
        return f"<SimApp {self.region}>"

    def handle(self, req: Request) -> Response:
        method = req.method
        fault = None if req.path.startswith("/__sim/") else self.faults.take(method, req.path)
        if fault and fault.kind == "latency":
            time.sleep(fault.delay_ms / 1000)
            fault = None
        headers = {"ININ-Correlation-Id": req.correlation_id}
        template = req.path
        try:
            if fault:
                self.state.requests[(method, req.path, f"fault:{fault.kind}")] += 1
                return self.fault_response(fault, req, headers)
            route, params, operation = self.route(method, req.path)
            if route is None and operation is None:
                raise not_found()
            template = route.template if route is not None else operation.path
            if route is None or route.auth:
                req.token = self.authenticate(req)
                headers.update(self.rate_headers_or_raise(req))
            if route is None:
                status, body, extra = any_operation(self, req, operation)
            else:
                if route.auth and route.modelled:
                    refuse_as_the_model_does(self, req)   # the same rules as every other operation, first
                status, body, extra = route.fn(self, req, **params)
            headers.update(extra or {})
        except ApiError as exc:
            status = exc.status
            headers.update(exc.headers)
            body = error_body(exc.status, exc.code, exc.message, req.correlation_id, exc.params)
            if exc.status == 429:
                self.record_429(req)
        self.state.requests[(method, template, status)] += 1
        return Response.build(status, {"Content-Type": "application/json", **headers}, _payload(body))

    def route(self, method: str, path: str):
        """(route, params, operation): a Platform API path resolves to its operation as the contract reads it (any
        case, a trailing slash: what the doctor and the gate read too), then to the simulator's own route for that
        operation when it has one; anything else to the simulator's own routes (login host, /__sim/)."""
        if path.lower().startswith("/api/v2/"):
            from diag.core.endpoints import check_operation

            found = check_operation(method, path)
            if found.operation is None:
                return None, {}, None
            own = next((r for r in self.router.routes if r.method == method and r.template == found.operation.path),
                       None)
            return own, dict(found.params), found.operation
        route, params = self.router.match(method, path)
        return route, params, None

    def fault_response(self, fault, req: Request, headers: dict) -> Response:
        if fault.kind == "status":
            if fault.status < 300:      # an injected success carries no body diag could read meaning into
                return Response.build(fault.status, {"Content-Type": "application/json", **headers}, b"{}")
            # A status without a Genesys code on record gets the simulator's own (diag.sim.*), never a made-up one.
            code = FAULT_CODES.get(fault.status, "diag.sim.injected-status")
            body = error_body(fault.status, code, "The simulator injected this failure.", req.correlation_id)
            return Response.build(fault.status, {"Content-Type": "application/json", **headers}, _payload(body))
        if fault.kind == "reset":
            raise SimulatedFault("the connection was reset or refused", "reset")
        if fault.kind == "truncated":
            raise SimulatedFault("the answer was cut short (truncated body)", "truncated",
                                 b'{"id":"' + req.correlation_id.encode(), status=200,
                                 headers={"Content-Type": "application/json", **headers})
        if fault.kind == "not_json":
            return Response.build(200, {"Content-Type": "text/plain", **headers}, b"OK but not JSON")
        return Response.build(502, {"Content-Type": "text/html"},
                              b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
                              b"</body></html>")


    # ---- the server's own machinery ----
    def authenticate(self, req: Request):
        header = req.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise ApiError(401, "authentication.required",
                           "No authentication bearer token specified in authorization header.")
        tok = self.state.tokens.get(header[7:].strip())
        if tok is None or tok.expires_at <= self.state.clock():
            raise ApiError(401, "bad.credentials", "Invalid login credentials.")   # expired or unknown alike
        return tok

    def rate_headers_or_raise(self, req: Request) -> dict:
        ok, count, limit, reset = self.state.take_slot(req.token.value)
        headers = {"inin-ratelimit-count": str(count), "inin-ratelimit-allowed": str(limit),
                   "inin-ratelimit-reset": str(reset)}
        if not ok:
            headers["Retry-After"] = str(reset)
            raise ApiError(429, "too.many.requests.retry.after",
                           f"Rate limit exceeded the maximum. Retry the request in [{reset}] seconds",
                           {"retryAfter": str(reset)}, headers)
        return headers

    def record_429(self, req: Request) -> None:
        tok = req.token
        if tok is None:
            return
        limit_name = "client.credentials.token.rate.per.minute" if tok.kind == "client" else "token.rate.per.minute"
        with self.state.lock:
            self.state.rate_events.append({"time": self.state.clock(), "limitName": limit_name,
                                           "namespace": "platform.api", "entityId": tok.client_id,
                                           "userId": tok.user_id, "count": 1})

    def ratelimit_events(self) -> list[dict]:
        with self.state.lock:
            return self._history_rate_events + list(self.state.rate_events)

    def advance(self, execution_id: str, what: str = "Execution") -> tuple[Execution, bool]:
        """One more poll of a query's results (the older query's executions and the usage jobs alike): the
        execution, and whether it is still running (it is, for the org's usage_running_polls first polls)."""
        ex = self.state.executions.get(execution_id)
        if ex is None:
            raise not_found()
        with self.state.lock:
            ex.polls += 1
            running = ex.polls <= int(self.org.raw.get("usage_running_polls", 1))
        return ex, running

    def poll(self, execution_id: str) -> dict:
        ex, running = self.advance(execution_id)
        if running:
            return {"queryStatus": "Running", "results": []}
        return {"queryStatus": "Complete", "results": ex.rows}


class Handler(BaseHTTPRequestHandler):
    """The socket side of `python -m diag sim`: read the request, ask the app, write its answer."""
    protocol_version = "HTTP/1.1"
    server_version = "diag-sim"
    sys_version = ""
    app: SimApp

    def setup(self):
        super().setup()
        # One write per response plus no Nagle delay: keep-alive stays fast on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method: str) -> None:
        raw = self.read_body()
        if raw is None:
            return
        try:
            origin = "http://" + str(self.headers.get("Host") or "127.0.0.1")
            r = self.app.handle(Request(method, self.path, self.headers, raw, origin))
        except SimulatedFault as fault:
            return self.act_out(fault)
        head = [f"HTTP/1.1 {r.status} {REASONS.get(r.status, 'Status')}", f"Content-Length: {len(r.content)}"]
        head += [f"{k}: {v}" for k, v in r.headers.items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + r.content)

    def read_body(self) -> bytes | None:
        """The request's body, or None after answering a framing the simulator will not read.

        A missing length means no body; a chunked body, a length that is not one whole number,
        or one beyond MAX_BODY is answered 411 or 400 and the connection closed, instead of a
        traceback or a read that waits for bytes that never come."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.refuse(411, "The simulator reads bodies framed by Content-Length only; chunked bodies are not read.")
            return None
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return b""
        text = values[0].strip()
        if len(set(v.strip() for v in values)) > 1 or not text.isascii() or not text.isdigit():
            self.refuse(400, "Content-Length must be one whole number of bytes.")
            return None
        length = int(text)
        if length > MAX_BODY:
            self.refuse(413, f"The simulator reads bodies up to {MAX_BODY} bytes.")
            return None
        return self.rfile.read(length) if length else b""

    def refuse(self, status: int, message: str) -> None:
        # Framing is the simulator's own answer, not a Genesys error: no Genesys code is claimed.
        body = json.dumps({"message": message, "status": status, "source": "diag simulator"}).encode()
        self.wfile.write((f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("latin-1") + body)
        self.close_connection = True

    def act_out(self, fault: SimulatedFault) -> None:
        if fault.kind == "reset":
            # Cut the connection with an RST and no answer, as a dropped proxy does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        head = "".join(f"{k}: {v}\r\n" for k, v in fault.headers.items() if k.lower() != "content-length")
        self.wfile.write(f"HTTP/1.1 {fault.status or 200} OK\r\n{head}Content-Length: 200\r\n"
                         "Connection: close\r\n\r\n".encode("latin-1") + fault.partial)
        self.close_connection = True


class Route:
    def __init__(self, method, template, fn, auth=True):
        self.method, self.template, self.fn, self.auth = method, template, fn, auth
        self.modelled = template.startswith("/api/v2/")   # a Platform API operation: the model answers it first
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.regex = re.compile(f"^{pattern}$")


class Router:
    def __init__(self):
        self.routes: list[Route] = []

    def add(self, method, template, auth=True):
        def deco(fn):
            self.routes.append(Route(method, template, fn, auth))
            return fn
        return deco

    def match(self, method: str, path: str):
        for r in self.routes:
            if r.method == method:
                m = r.regex.match(path)
                if m:
                    return r, m.groupdict()
        return None, {}


router = Router()


# ---- OAuth (login host) ------------------------------------------------------------------------

def oauth_error(status: int, error: str, description: str) -> tuple:
    # Modelled on RFC 6749 section 5.2; Genesys' own token error body is not documented in our sources.
    return status, {"error": error, "error_description": description}, {}


@router.add("POST", "/oauth/token", auth=False)
def token(sim: SimApp, req: Request):
    form = {k: v[-1] for k, v in parse_qs(req.raw.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type")
    if grant == "client_credentials":
        auth = req.headers.get("Authorization") or ""
        try:
            client_id, secret = base64.b64decode(auth.split(" ", 1)[1]).decode().split(":", 1)
        except Exception:
            return oauth_error(401, "invalid_client", "HTTP Basic authentication with client id and secret is required")
        client = sim.org.clients.get(client_id)
        if not client or client.grant != "client_credentials" or client.secret != secret:
            return oauth_error(401, "invalid_client", "client not found or wrong secret")
        tok = sim.state.mint("client", client.id, None)
    elif grant == "authorization_code":
        code = sim.state.codes.pop(form.get("code", ""), None)
        if not code or code["client_id"] != form.get("client_id") or code["redirect_uri"] != form.get("redirect_uri"):
            return oauth_error(400, "invalid_grant", "authorization code is invalid, expired or already used")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != code["challenge"]:
            return oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
        client = sim.org.clients[code["client_id"]]
        tok = sim.state.mint("user", client.id, client.user)
    else:
        return oauth_error(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
    return 200, {"access_token": tok.value, "token_type": "bearer",
                 "expires_in": int(tok.expires_at - sim.state.clock())}, {}


@router.add("GET", "/oauth/authorize", auth=False)
def authorize(sim: SimApp, req: Request):
    q = req.query
    client = sim.org.clients.get(q.get("client_id", ""))
    if not client or client.grant != "authorization_code":
        return oauth_error(400, "invalid_client", "unknown client for the authorization code grant")
    redirect = q.get("redirect_uri", "")
    base = re.sub(r":\d+(?=/)", "", redirect.split("?", 1)[0])  # loopback redirects may use any port
    if base not in client.redirect_uris:
        return oauth_error(400, "invalid_request", "redirect_uri is not registered for this client")
    if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
        return oauth_error(400, "invalid_request", "response_type=code with an S256 code_challenge is required")
    code = sim.state.new_id()
    sim.state.codes[code] = {"client_id": client.id, "redirect_uri": redirect, "challenge": q["code_challenge"]}
    params = {"code": code}
    if "state" in q:
        params["state"] = q["state"]
    sep = "&" if "?" in redirect else "?"
    return 302, b"", {"Location": f"{redirect}{sep}{urlencode(params)}"}


# ---- identity -------------------------------------------------------------------------------------

@router.add("GET", "/api/v2/tokens/me")
def tokens_me(sim: SimApp, req: Request):
    tok = req.token
    client = sim.org.clients[tok.client_id]
    body = {"organization": {"id": sim.org.id, "name": sim.org.name},
            "homeOrganization": {"id": sim.org.id, "name": sim.org.name},
            # Scopes apply to user grants; a client-credentials token's rights come from roles (facts §2).
            "authorizedScope": list(client.scopes) if tok.kind == "user" else [],
            "OAuthClient": {"id": client.id, "name": client.name,
                            "organization": {"id": sim.org.id}}}
    return 200, body, {}


@router.add("GET", "/api/v2/users/me")
def users_me(sim: SimApp, req: Request):
    tok = req.token
    if tok.kind != "user":
        raise ApiError(400, "not.a.user", "This request requires a user context. Client credentials cannot be used "
                                          "for requests to this resource.")
    user = sim.org.users[str(tok.user_id)]
    # expand is a list (list[str] in the SDK): every value given, repeated or comma-separated
    expand = {item for name, value in req.query_pairs if name == "expand" for item in value.split(",")}
    body: dict[str, Any] = {"id": user.id, "name": user.name, "email": user.email, "state": "active",
                            "username": user.email, "selfUri": f"/api/v2/users/{user.id}"}
    if "authorization" in expand:
        body["authorization"] = {"roles": [{"id": "r-1", "name": "simulated role"}],
                                 "permissions": list(user.permissions)}
    if "station" in expand:
        station = ({"id": hashlib.md5(user.station.encode()).hexdigest()[:8] + "-0000-4000-8000-000000000000",
                    "name": user.station} if user.station else None)
        body["station"] = {"associatedStation": station, "effectiveStation": station}
    return 200, body, {}


# ---- calls ----------------------------------------------------------------------------------------

def _require_any(permissions: Sequence[str], needed: tuple[str, ...]) -> None:
    if not any(grants(held, p) for held in permissions for p in needed):
        listed = ", ".join(needed)
        raise ApiError(403, "missing.any.permissions",
                       f"Unable to perform the requested action. You must have at least one of the following "
                       f"permissions assigned: [{listed}]", {"permissions": listed})


def caller_of(sim: SimApp, tok, station_of=None) -> Caller:
    """The token's caller as the model reads it: its kind, its permissions (the demo user holds every one of the
    contract), the station of its user, and that of `station_of` (the user a call is placed for) as its
    target_station."""
    if tok.kind == "user":
        user = sim.org.users[tok.user_id]
        return Caller("user", user.held(), bool(user.station), user.name, all_permissions=user.all_permissions,
                      target_station=None if station_of is None else bool(station_of.station))
    client = sim.org.clients[tok.client_id]
    return Caller("client", frozenset(client.permissions), None, client.name,
                  target_station=None if station_of is None else bool(station_of.station))


def _answer(sim: SimApp, req: Request, body, caller: Caller, user) -> tuple:
    """The server model's answer (diag.core.model, shared with the doctor); a 200 places the call."""
    answer = model.answer(model.Request(req.method, req.path, body, req.query_pairs), caller)
    if not answer.ok:
        raise ApiError(answer.status, answer.code, answer.message, answer.params)
    return _place(sim, req, answer.body, user)


def _place(sim: SimApp, req: Request, body: dict, user) -> tuple:
    call_id = sim.state.new_conversation_id()
    number = body.get("phoneNumber")
    if not number and body.get("participants"):
        number = next((p.get("address") for p in body["participants"] if p.get("address")), None)
    call = Call(call_id, sim.state.clock(), number, sim.org.outcome_for(number or ""), user.id,
                body.get("callFromQueueId") or body.get("callQueueId"), body)
    with sim.state.lock:
        sim.state.calls[call_id] = call
        sim.state.calls_placed += 1
    return 200, {"id": call_id, "selfUri": f"/api/v2/conversations/calls/{call_id}"}, {}


@router.add("POST", "/api/v2/conversations/calls")
def create_call(sim: SimApp, req: Request):
    with sim.state.lock:
        sim.state.call_attempts += 1
    body = req.json()
    tok = req.token
    user = sim.org.users[str(tok.user_id)] if tok.kind == "user" else None
    return _answer(sim, req, body, caller_of(sim, tok), user)


@router.add("POST", "/api/v2/conversations/calls/user/{userId}")
def create_call_for_user(sim: SimApp, req: Request, userId: str):
    with sim.state.lock:
        sim.state.call_attempts += 1
    body = req.json()
    tok = req.token
    caller = caller_of(sim, tok)
    denied = model.answer(model.Request("POST", req.path, body, req.query_pairs), caller)
    if denied.status == 403:   # the permission is checked before the user is looked up
        raise ApiError(denied.status, denied.code, denied.message, denied.params)
    user = sim.org.users.get(userId)
    if not user:
        raise not_found()
    return _answer(sim, req, body, caller_of(sim, tok, station_of=user), user)


@router.add("GET", "/api/v2/conversations/calls/{conversationId}")
def get_call(sim: SimApp, req: Request, conversationId: str):
    call = sim.state.calls.get(conversationId)
    if not call:
        raise not_found()
    timeline = float(sim.org.raw["call_timeline_seconds"])
    return 200, analytics.call_conversation(call, sim.state.clock() - call.created, timeline, sim.org), {}


@router.add("GET", "/api/v2/outbound/contactlists/{contactListId}")
def get_contact_list(sim: SimApp, req: Request, contactListId: str):
    """The org's contact lists (org.json), with the fields of ContactList diag reads: its columns and phone columns.
    Modelled: the simulator has no dialler, and its lists hold no contacts."""
    found = next((c for c in sim.org.raw.get("contact_lists", []) if c["id"] == contactListId), None)
    if found is None:
        raise not_found()
    return 200, {**found, "selfUri": f"/api/v2/outbound/contactlists/{contactListId}"}, {}


# ---- usage ----------------------------------------------------------------------------------------

def _start_execution(sim: SimApp, rows: list[dict], results_uri: str, status: int = 200) -> tuple:
    exec_id = sim.state.new_id()
    with sim.state.lock:
        sim.state.executions[exec_id] = Execution(exec_id, rows)
    return status, {"executionId": exec_id, "resultsUri": results_uri.format(executionId=exec_id)}, {}


def _token_permissions(sim: SimApp, tok) -> Sequence[str]:
    return sim.org.users[tok.user_id].permissions if tok.kind == "user" else sim.org.clients[tok.client_id].permissions


def _model_request(req: Request):
    body = model.NOT_GIVEN
    if req.raw.strip():
        try:
            body = req.json()
        except ApiError as exc:
            if exc.status != 400:
                raise
            body = model.Unreadable(req.raw.decode("utf-8", "replace"))
    return model.Request(req.method, req.path, body, req.query_pairs)


def refuse_as_the_model_does(sim: SimApp, req: Request) -> model.Answer:
    """The server model's answer for the token's caller; its refusal is the simulator's (ApiError)."""
    answer = model.answer(_model_request(req), caller_of(sim, req.token))
    if not answer.ok:
        raise ApiError(answer.status, answer.code, answer.message, answer.params)
    return answer


def any_operation(sim: SimApp, req: Request, operation) -> tuple:
    """Every operation of the contract the simulator has no route of its own for: the server model's answer for the
    token's caller, and on success the operation's documented (or modelled) status with a deterministic body shaped
    by its response model (diag.sim.responses). Modelled throughout: the simulator keeps no state for them."""
    from diag.sim.responses import example

    answer = refuse_as_the_model_does(sim, req)
    if answer.status == 204 or not operation.response:
        return answer.status, None, {}
    return answer.status, example(operation.response, req.path, sim.state.seed), {}


def _known_client(sim: SimApp, req: Request, client_id: str) -> None:
    _require_any(_token_permissions(sim, req.token), CLIENT_USAGE_PERMISSIONS)
    if client_id not in sim.org.clients:
        raise not_found()


@router.add("POST", "/api/v2/usage/query")
def usage_query(sim: SimApp, req: Request):
    _require_any(_token_permissions(sim, req.token), USAGE_PERMISSIONS)
    rows = analytics.usage_rows(sim.usage_history, req.json(), client_id=None)
    return _start_execution(sim, rows, "/api/v2/usage/query/{executionId}/results", 202)   # the documented status


@router.add("GET", "/api/v2/usage/query/{executionId}/results")
def usage_results(sim: SimApp, req: Request, executionId: str):
    _require_any(_token_permissions(sim, req.token), USAGE_PERMISSIONS)
    return 200, sim.poll(executionId), {}


@router.add("POST", "/api/v2/oauth/clients/{clientId}/usage/query")
def client_usage_query(sim: SimApp, req: Request, clientId: str):
    _known_client(sim, req, clientId)
    rows = analytics.usage_rows(sim.usage_history, req.json(), client_id=clientId, allow_user=False)
    return _start_execution(sim, rows, f"/api/v2/oauth/clients/{clientId}/usage/query/results/{{executionId}}")


@router.add("GET", "/api/v2/oauth/clients/{clientId}/usage/query/results/{executionId}")
def client_usage_results(sim: SimApp, req: Request, clientId: str, executionId: str):
    _require_any(_token_permissions(sim, req.token), CLIENT_USAGE_PERMISSIONS)
    return 200, sim.poll(executionId), {}


@router.add("GET", "/api/v2/oauth/clients/{clientId}/usage/summary")
def client_usage_summary(sim: SimApp, req: Request, clientId: str):
    _known_client(sim, req, clientId)
    # the server model judged the query first (days is text in the SDK): what it let through is read here, the
    # simulator's history bounding it (modelled)
    text = str(req.query.get("days", "7")).strip()
    days = min(max(int(text), 1), 365) if _digits(text) else 7
    end = sim.history_end + dt.timedelta(days=1)
    query = {"interval": f"{(end - dt.timedelta(days=days)).isoformat()}/{end.isoformat()}", "granularity": "Day",
             "groupBy": ["TemplateUri", "HttpMethod"]}
    rows = analytics.usage_rows(sim.usage_history, query, client_id=clientId, allow_user=False)
    return _start_execution(sim, rows, f"/api/v2/oauth/clients/{clientId}/usage/query/results/{{executionId}}")


# ---- Genesys' side of the simulator's calls (modelled) --------------------------------------------

def _sim_call(sim: SimApp, req: Request, conversation_id: str):
    refuse_as_the_model_does(sim, req)
    call = sim.state.calls.get(conversation_id)
    if call is None:
        raise not_found()
    return call


@router.add("GET", "/api/v2/analytics/conversations/{conversationId}/details")
def conversation_details(sim: SimApp, req: Request, conversationId: str):
    call = _sim_call(sim, req, conversationId)
    elapsed = sim.state.clock() - call.created
    return 200, analytics.conversation_details(call, elapsed, float(sim.org.raw["call_timeline_seconds"]), sim.org), {}


@router.add("GET", "/api/v2/telephony/sipmessages/conversations/{conversationId}")
def sip_messages(sim: SimApp, req: Request, conversationId: str):
    return 200, analytics.sip_messages(_sim_call(sim, req, conversationId), sim.org), {}


@router.add("GET", "/api/v2/telephony/sipmessages/conversations/{conversationId}/headers")
def sip_headers(sim: SimApp, req: Request, conversationId: str):
    return 200, analytics.sip_headers(_sim_call(sim, req, conversationId), sim.org), {}


@router.add("POST", "/api/v2/telephony/siptraces/download")
def siptraces_download(sim: SimApp, req: Request):
    """A PCAP is prepared for a call that left over a trunk (to a phone number) inside the asked window; a call to a
    user or queue is station to station and has none (facts §9.3). What Genesys answers when there is none is not
    documented: the simulator's 404 is modelled."""
    status = refuse_as_the_model_does(sim, req).status   # its success status is the model's (modelled)
    body = req.json()
    call = sim.state.calls.get(str(body.get("conversationId"))) if isinstance(body, dict) else None
    start, end = (recorded_instant(body.get(k)) if isinstance(body, dict) else None
                  for k in ("dateStart", "dateEnd"))
    if call is None or not call.number:
        placed = None
    else:
        placed = dt.datetime.fromtimestamp(call.created, dt.timezone.utc)
    if call is None or placed is None or (start and placed < start) or (end and placed > end):
        raise ApiError(404, "not.found", "No SIP trace for this conversation in the interval (modelled by the diag "
                                         "simulator: calls to a user or a queue have none).")
    download_id = sim.state.new_id()
    with sim.state.lock:
        sim.state.downloads[download_id] = (call.id, secrets.token_urlsafe(32))
    return status, {"downloadId": download_id}, {}


@router.add("GET", "/api/v2/telephony/siptraces/download/{downloadId}")
def siptraces_download_url(sim: SimApp, req: Request, downloadId: str):
    found = sim.state.downloads.get(downloadId)
    if found is None:
        raise not_found()
    query = urlencode({"X-Amz-Expires": "600", "X-Amz-Signature": found[1]})
    return 200, {"id": downloadId, "url": f"{req.origin}/__sim/storage/{downloadId}.pcap?{query}"}, {}


@router.add("POST", "/api/v2/usage/events/query")
def events_query(sim: SimApp, req: Request):
    refuse_as_the_model_does(sim, req)
    body = req.json()   # read by the server model above: an interval, when given, is one
    interval = body.get("interval") if isinstance(body, dict) else None
    return 200, analytics.operational_events(list(sim.state.calls.values()),
                                             interval if isinstance(interval, str) else None), {}


@router.add("POST", "/api/v2/audits/query")
def audits_query(sim: SimApp, req: Request):
    """The simulator changes nothing of its org's configuration: an audit query finds nothing (modelled)."""
    refuse_as_the_model_does(sim, req)
    body = req.json()
    return 200, {"id": sim.state.new_id(), "state": "Succeeded",
                 "interval": body.get("interval") if isinstance(body, dict) else None}, {}


@router.add("GET", "/api/v2/audits/query/{transactionId}/results")
def audits_results(sim: SimApp, req: Request, transactionId: str):
    refuse_as_the_model_does(sim, req)
    return 200, {"id": transactionId, "pageSize": 0, "entities": []}, {}


# ---- usage jobs (the newer usage API, facts §9.2) -------------------------------------------------

JOB_PAGE_SIZE, JOB_PAGE_MAX = 100, 1000   # pageSize: default 100, at most 1000 (facts §6.1)


def _start_job(sim: SimApp, req: Request, results: str, client_id: str | None) -> tuple:
    refuse_as_the_model_does(sim, req)   # permissions and the body (its interval's year and 90 days) as modelled
    rows = analytics.job_rows(sim.usage_history, req.json(), client_id=client_id)
    job_id = sim.state.new_id()
    with sim.state.lock:
        sim.state.executions[job_id] = Execution(job_id, rows)
    return 200, {"id": job_id, "resultsUri": results.format(jobId=job_id)}, {}


def _digits(text: str) -> bool:
    """ASCII digits a handler can take as a count (at most 18 of them: more is no count, and past 4,300 Python
    cannot even read them)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _job_page(sim: SimApp, req: Request, job_id: str, uri: str) -> tuple:
    refuse_as_the_model_does(sim, req)
    job, running = sim.advance(job_id, "Job")
    if running:
        return 200, {"queryStatus": "Running", "entities": []}, {}
    size_text = str(req.query.get("pageSize", JOB_PAGE_SIZE))
    size = min(max(int(size_text), 1), JOB_PAGE_MAX) if _digits(size_text) else JOB_PAGE_SIZE
    after_text = str(req.query.get("after", "0"))
    after = int(after_text) if _digits(after_text) else 0
    page = job.rows[after:after + size]
    body: dict = {"queryStatus": "Succeeded", "entities": page}
    if after + size < len(job.rows):
        body["nextUri"] = f"{uri}?pageSize={size}&after={after + size}"
    return 200, body, {}


@router.add("POST", "/api/v2/usage/aggregates/query/jobs")
def usage_job(sim: SimApp, req: Request):
    return _start_job(sim, req, "/api/v2/usage/aggregates/query/jobs/{jobId}", None)


@router.add("GET", "/api/v2/usage/aggregates/query/jobs/{jobId}")
def usage_job_results(sim: SimApp, req: Request, jobId: str):
    return _job_page(sim, req, jobId, f"/api/v2/usage/aggregates/query/jobs/{jobId}")


@router.add("POST", "/api/v2/usage/client/{clientId}/aggregates/query/jobs")
def client_usage_job(sim: SimApp, req: Request, clientId: str):
    if clientId not in sim.org.clients:
        refuse_as_the_model_does(sim, req)
        raise not_found()
    return _start_job(sim, req, f"/api/v2/usage/client/{clientId}/aggregates/query/jobs/{{jobId}}", clientId)


@router.add("GET", "/api/v2/usage/client/{clientId}/aggregates/query/jobs/{jobId}")
def client_usage_job_results(sim: SimApp, req: Request, clientId: str, jobId: str):
    return _job_page(sim, req, jobId, f"/api/v2/usage/client/{clientId}/aggregates/query/jobs/{jobId}")


@router.add("GET", "/api/v2/oauth/clients")
def oauth_clients(sim: SimApp, req: Request):
    """The org's own OAuth clients (Genesys' built-in ones are not among them)."""
    refuse_as_the_model_does(sim, req)
    entities = [{"id": c.id, "name": c.name} for c in sim.org.clients.values()]
    return 200, {"entities": entities, "pageSize": len(entities), "pageNumber": 1, "total": len(entities)}, {}


# ---- analytics ------------------------------------------------------------------------------------

@router.add("POST", "/api/v2/analytics/ratelimits/aggregates/query")
def ratelimit_aggregates(sim: SimApp, req: Request):
    _require_any(_token_permissions(sim, req.token), ("analytics:rateLimitAggregate:view",))
    return 200, analytics.ratelimit_aggregates(sim.ratelimit_events(), req.json()), {}


@router.add("POST", "/api/v2/analytics/conversations/aggregates/query")
def conversation_aggregates(sim: SimApp, req: Request):
    _require_any(_token_permissions(sim, req.token), ("analytics:conversationAggregate:view",))
    live = analytics.live_outbound_rows(list(sim.state.calls.values()))
    return 200, analytics.conversation_aggregates(sim.outbound_history + live, req.json()), {}


# ---- simulator control (not Genesys: diag's own, for tests and demos) ------------------------------

@router.add("GET", "/__sim/state", auth=False)
def sim_state(sim: SimApp, req: Request):
    s = sim.state
    return 200, {"region": sim.region, "callsPlaced": s.calls_placed, "callAttempts": s.call_attempts,
                 "requests": [{"method": m, "path": p, "status": st, "count": n}
                              for (m, p, st), n in sorted(s.requests.items(), key=str)],
                 "faults": sim.faults.list()}, {}


@router.add("GET", "/__sim/storage/{name}", auth=False)
def sim_storage(sim: SimApp, req: Request, name: str):
    """The modelled storage host of a PCAP download (Amazon S3 at Genesys): the signature in the URL is its only
    credential. As S3 does, it refuses a request that also carries an Authorization header, and its refusal
    repeats the signature it was given (so diag must never show a storage host's answer)."""
    download_id = name.removesuffix(".pcap")
    found = sim.state.downloads.get(download_id)
    given = req.query.get("X-Amz-Signature", "")
    with sim.state.lock:
        sim.state.storage_requests.append({"download": download_id, "authorization": "Authorization" in req.headers,
                                           "cookie": "Cookie" in req.headers})
    xml = {"Content-Type": "application/xml"}
    if "Authorization" in req.headers:
        return 400, (f"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message>"
                     f"<SignatureProvided>{given}</SignatureProvided></Error>"), xml
    if found is None or not hmac.compare_digest(given, found[1]):
        return 403, (f"<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>{given}</SignatureProvided>"
                     "</Error>"), xml
    call = sim.state.calls[found[0]]
    return 200, analytics.sip_capture(call, sim.org), {"Content-Type": "application/vnd.tcpdump.pcap"}


@router.add("GET", "/__sim/token", auth=False)
def sim_token(sim: SimApp, req: Request):
    """The default user's demo token (what `diag --sim URL` uses when no --token is given)."""
    user = req.query.get("user") or next(iter(sim.org.users))
    if user not in sim.org.users:
        raise ApiError(404, "not.found", f"No simulated user {user}.")
    return 200, {"access_token": sim.state.demo_user_token(user), "token_type": "bearer"}, {}


@router.add("POST", "/__sim/faults", auth=False)
def sim_add_fault(sim: SimApp, req: Request):
    spec = req.json()
    try:
        sim.faults.add(**spec)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "bad.request", str(exc)) from None
    return 200, {"faults": sim.faults.list()}, {}


@router.add("DELETE", "/__sim/faults", auth=False)
def sim_clear_faults(sim: SimApp, req: Request):
    sim.faults.clear()
    return 200, {"faults": []}, {}


class SimServer(ThreadingHTTPServer):
    """The HTTP wrapper: a real socket on 127.0.0.1 in front of a SimApp."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app: SimApp):
        handler = type("BoundHandler", (Handler,), {"app": app})
        super().__init__(address, handler)
        self.app = app
