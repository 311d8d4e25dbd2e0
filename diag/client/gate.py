"""The safety gate: the one place every request passes on its way out, reading the exact bytes about to be sent.

`GatedTransport(inner, gate)` is the only transport a Session holds; `SafetyGate.check(request)` runs before every
attempt (a 429 resend included) and raises a SafetyError instead of sending. In order:

1. Where: the URL's host is the session's API or login host (no userinfo, no other host); the one exception is
   `GET /api/v2/tokens/me` on another region's API host (the wrong-region probe, a bearer token only). Client
   credentials (Basic auth in any header, `client_secret`/`client_assertion`, the session's client secret anywhere)
   only ever go to the session's login host. Method override headers are refused.
2. Reads (GET, HEAD, OPTIONS), the token request, and writes that only query (usage and analytics queries)
   pass. Every other write is read as a Java/Jackson server would read it (UTF-8/16/32 with or without a BOM,
   comments, the first JSON value of trailing data, every duplicate key, numbers where strings are expected).
   On a real org bytes that are not exactly one JSON value are refused.
3. What each value is to a phone system comes from diag.core.dials, the one reading of every write operation's
   fields (the doctor asks it too): dialled fields get the dialled reading of diag.core.numbers (no emergency
   number, in any spelling, on any org) and on a real org the strict one (short and service numbers, access
   prefixes, extensions, feature codes); unknown keys of a write that dials are read as dialled on a real org when
   their value reads as a dial string; stored phone numbers never hold an emergency number; data is data.
4. Allow-lists (numbers, users, queues; exact after normalisation) when configured: every dialled value of every
   operation, every user and queue a write routes to; an operation that starts dialling without naming whom (a
   campaign turned on) is refused while one is set.
5. On a real org, a one-shot Grant from a Confirmation bound to (org, region, host, method, path and query,
   destinations, body digest).
A request is classified by the route a lenient server could resolve (normal_path), never by its spelling.
"""
from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

from diag.core import dials, numbers
from diag.core.redact import Redactor
from diag.core.regions import is_loopback
from diag.core.errors import (
    BlockedNumber,
    ConfigError,
    ConfirmationRequired,
    NumberNotAllowed,
    UnreadableBody,
    UnsafeRequest,
)
from diag.transport.base import Request, Response
from diag.core.facts import CALLS_PATH

READS = frozenset({"GET", "HEAD", "OPTIONS"})
CALL_CREATE = re.compile(rf"^{re.escape(CALLS_PATH)}(?:/user/([^/]+))?$")
HEADERS_OF_THE_SESSION = frozenset({"host", "content-length", "transfer-encoding", "connection", "upgrade", "te",
                                    "trailer", "expect", "keep-alive", "proxy-connection"})
# Writes that dial nothing and change nothing: they run a query (facts §6).
QUERY_WRITES = tuple(re.compile(p) for p in (
    r"^/api/v2/usage/query$", r"^/api/v2/oauth/clients/[^/]+/usage/query$",
    r"^/api/v2/usage/aggregates/query/jobs$", r"^/api/v2/usage/client/[^/]+/aggregates/query/jobs$",   # §9.2
    r"^/api/v2/usage/events/query$", r"^/api/v2/usage/events/aggregates/query$", r"^/api/v2/audits/query$",  # §9.3
    r"^/api/v2/telephony/siptraces/download$",   # §9.3: prepares a capture to download; dials and changes nothing
    r"^/api/v2/analytics/(?:conversations|ratelimits)/aggregates/query$"))
TOKEN_PATH = "/oauth/token"
PROBE_PATH = "/api/v2/tokens/me"
METHOD_OVERRIDES = ("x-http-method-override", "x-http-method", "x-method-override")
URL_OVERRIDES = ("x-original-url", "x-rewrite-url", "x-forwarded-uri", "x-original-uri")


@dataclass(frozen=True)
class Org:
    id: str
    name: str


@dataclass(frozen=True)
class Intent:
    """What a write would do, as a person confirms it."""
    method: str
    path: str = field(repr=False)     # exact, with its query: what a yes is bound to (never shown: it may hold a token)
    org: Org
    region: str
    host: str
    destinations: tuple[str, ...]     # "+13175550100", "user 5f3…", "queue 9a1…", "merge 77c…"
    digest: str                       # sha256 of the exact bytes
    real: bool
    kind: str = dials.DIALS           # the operation's class (diag.core.dials)
    effect: str = ""                  # what happens, in words ("a real phone will ring")
    starts: str = ""                  # what starts without a number in the body (a campaign turned on)
    shown_path: str = ""              # the path as prompts and reprs show it: redacted

    @property
    def key(self) -> str:
        parts = [self.method, self.path, self.org.id, self.region, self.host, "|".join(self.destinations), self.digest]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    @property
    def is_call(self) -> bool:
        return CALL_CREATE.match(normal_path(self.path.split("?", 1)[0])) is not None

    def prompt(self) -> str:
        shown = self.shown_path or self.path
        where = f"org {self.org.name!r} (id {self.org.id}) in region {self.region} ({self.host})"
        digest = f"(body sha256 {self.digest[:12]})"
        to = ", ".join(self.destinations)
        if self.is_call:
            return (f"Place a REAL call from {where} to {to or '(no destination found in the body)'}? A real phone "
                    f"will ring. {digest}")
        if self.starts:
            return (f"Send {self.method} {shown} to {where}? This starts {self.starts}. diag cannot see whom it will "
                    f"reach (ring, message or mail){f'; it names {to}' if to else ''}. {digest}")
        if self.kind == dials.DIALS:
            return (f"Send {self.method} {shown} to {where}: {self.effect}, to "
                    f"{to or '(no destination found in the body)'}? {digest}")
        if self.kind == dials.NOT_IN_CONTRACT:
            return (f"Send {self.method} {shown} to {where}? It is not an operation diag knows, so diag cannot "
                    f"tell whether anything rings{f': it may dial {to}' if to else ''}. It changes the real org. "
                    f"{digest}")
        return (f"Send {self.method} {shown} to {where}? It changes the real org; nothing in it rings, texts or "
                f"faxes (as diag reads the SDK model){f'; it names {to}' if to else ''}. {digest}")


class Confirmation:
    """A person's yes for exactly these intents, each as many times as it was confirmed (a batch of 3 identical
    calls: 3). A new number, body, query, org or region is not covered; a used-up yes covers nothing."""

    def __init__(self, counts: dict[str, int]):
        self._counts = dict(counts)
        self._lock = threading.Lock()

    @classmethod
    def of(cls, *intents: Intent) -> Confirmation:
        counts: dict[str, int] = {}
        for i in intents:
            counts[i.key] = counts.get(i.key, 0) + 1
        return cls(counts)

    def take(self, intent: Intent) -> Grant | None:
        """Use one yes for one send (its 429 resends included); None when none is left for this intent."""
        with self._lock:
            left = self._counts.get(intent.key, 0)
            if left <= 0:
                return None
            self._counts[intent.key] = left - 1
        return Grant(intent.key)

    def __repr__(self) -> str:
        return f"<Confirmation of {sum(self._counts.values())} send(s) left>"


@dataclass(frozen=True)
class Grant:
    """What a Request carries to the gate: one use of a Confirmation, for one intent."""
    key: str


# ---- the gate ----

@dataclass
class GatePolicy:
    api_base: str
    login_base: str
    region: str
    real: bool                                         # a real org: confirmations, strict reading
    allowed_numbers: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    allowed_queues: frozenset[str] = frozenset()
    probe_hosts: frozenset[str] = frozenset()          # other regions' API hosts, for GET /api/v2/tokens/me

    @property
    def api_host(self) -> str:
        return (urlsplit(self.api_base).netloc or "").lower()

    @property
    def login_host(self) -> str:
        return (urlsplit(self.login_base).netloc or "").lower()

    @property
    def allow_list_on(self) -> bool:
        return bool(self.allowed_numbers or self.allowed_users or self.allowed_queues)


@dataclass
class Assessment:
    kind: str                                # read | token | query | write
    intent: Intent | None = None

    @property
    def needs_confirmation(self) -> bool:
        return self.intent is not None and self.intent.real


class SafetyGate:
    def __init__(self, policy: GatePolicy, org: Callable[[], Org] | None = None,
                 secrets: Callable[[], list[str]] | None = None,
                 list_columns: Callable[[str], frozenset[str] | None] | None = None,
                 shown: Callable[[str], str] | None = None):
        self.policy = policy
        # how a path is shown in a prompt: the session's redactor (which knows its token), else by name and shape
        self._shown = shown if shown is not None else Redactor([]).text
        self._secrets = secrets     # the client secrets the session holds: they go to the login host only
        self._org_source = org
        # a contact list's phone columns (None: unknown): which columns of a contact a dialler dials
        self._list_columns = list_columns
        self._org: Org | None = None
        self._seen: OrderedDict[tuple, Assessment] = OrderedDict()   # the same bytes are read once per send
        self._seen_lock = threading.Lock()

    def __repr__(self) -> str:
        p = self.policy
        return (f"<SafetyGate {'REAL' if p.real else 'simulator'} {p.region} allow-list "
                f"{'on' if p.allow_list_on else 'off'}>")

    def _carries_client_secret(self, request: Request) -> bool:
        """Basic credentials, a secret-named field, or any secret the session knows, anywhere in the request, in
        any encoding a server would undo (percent-escapes, JSON escapes, UTF-16/32, base64 in a header)."""
        for k, v in request.headers.items():
            if k.strip().lower() in ("authorization", "proxy-authorization") and v.strip().lower().startswith("basic"):
                return True
        views = _decoded_views(request.url)
        for k, v in request.headers.items():
            views.append(f"{k}: {v}")
            if str(k).lower() in ("authorization", "accept", "content-type"):   # the session's own, set by it
                continue
            for token in re.findall(r"[A-Za-z0-9+/=_-]{12,}", str(v)):
                try:
                    views.append(base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_"
                                                  if "-" in token or "_" in token else None).decode("utf-8", "replace"))
                except ValueError:
                    pass
        content = request.content or b""
        if content:
            try:
                decoded = dials.decode_body(content)
            except UnicodeDecodeError:
                decoded = content.decode("utf-8", "replace")
            views += _decoded_views(decoded)
        text = "\n".join(views)
        text += "\n" + re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        low = text.lower()
        if any(word in low for word in _SECRET_WORDS):
            return True
        squeezed = "".join(low.split())
        for secret in (self._secrets() if self._secrets else ()):
            # any case, broken across lines, or inside base64 without a Basic prefix
            if secret and (secret.lower() in low or len(secret) >= 8 and secret.lower() in squeezed
                           or any(core in text for core in _base64_cores(secret))):
                return True
        return False

    def org(self) -> Org:
        if self._org is None:
            self._org = self._org_source() if self._org_source else Org("?", "(unknown org)")
        return self._org

    def check(self, request: Request) -> Assessment:
        """Raise a SafetyError unless `request` may be sent exactly as it is."""
        found = self.assess(request)
        intent = found.intent
        if found.needs_confirmation and intent is not None:
            grant = request.confirmation
            if not (isinstance(grant, Grant) and grant.key == intent.key):
                raise ConfirmationRequired(intent.prompt(), intent)
        return found

    def forget(self) -> None:
        """Read every request afresh from now on (what a verdict depended on, a contact list's columns, changed)."""
        with self._seen_lock:
            self._seen.clear()

    def assess(self, request: Request) -> Assessment:
        """What `request` is and what it would do; raises for anything that may never be sent."""
        # The same request is assessed when the session asks for its confirmation and again at the transport
        # (and before each 429 resend): everything the verdict depends on is in the key.
        key = (request.method, request.url, request.content, tuple(request.headers.items()))
        with self._seen_lock:
            found = self._seen.get(key)
        if found is None:
            found = self._assess(request)      # a refusal raises and is never remembered
            with self._seen_lock:
                self._seen[key] = found
                if len(self._seen) > 64:
                    self._seen.popitem(last=False)
        return found

    def _assess(self, request: Request) -> Assessment:
        p = self.policy
        method = request.method.upper()
        if not request.method.isascii() or method not in READS and method not in dials.WRITES:
            # a method no operation has ("POST ", "MERGE"): nothing says what it does, so nothing is read of it
            raise UnsafeRequest(f"the method {request.method[:12]!r} is not one the Platform API uses "
                                f"({', '.join(sorted(READS | set(dials.WRITES)))}): refused")
        override = next((v for k, v in request.headers.items() if k.lower() in METHOD_OVERRIDES), None)
        if override is not None:
            raise UnsafeRequest(f"a method override header ({override.strip()[:10]!r}) would hide what the request "
                                "does: refused")
        rewrite = next((k for k in request.headers if str(k).strip().lower() in URL_OVERRIDES), None)
        if rewrite is not None:
            raise UnsafeRequest(f"a URL override header ({rewrite!r}) would hide where the request goes: refused")
        parts = urlsplit(request.url)
        host = (parts.netloc or "").lower()
        _check_headers(request, host)
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UnsafeRequest(f"the URL carries user information ({parts.scheme}://…@…): refused")
        if parts.scheme not in ("https", "http") or (parts.scheme == "http" and p.real and not is_loopback(parts.hostname)):
            raise UnsafeRequest(f"the URL scheme {parts.scheme!r} is not allowed here")
        sends_secret = self._carries_client_secret(request)
        if sends_secret and not (host == p.login_host and parts.path == TOKEN_PATH):
            raise UnsafeRequest(f"client credentials are only ever sent to {p.login_host}{TOKEN_PATH}; "
                                f"refused to send them to {host}{parts.path}")
        if host not in (p.api_host, p.login_host):
            if method == "GET" and parts.path == PROBE_PATH and host in p.probe_hosts and not sends_secret:
                return Assessment("read")
            raise UnsafeRequest(f"{host or '(no host)'} is not this session's API or login host "
                                f"({p.api_host}): refused")
        if method in READS:
            return Assessment("read")
        if host == p.login_host and parts.path == TOKEN_PATH and method == "POST":
            return Assessment("token")
        route = normal_path(parts.path)
        if any(q.match(route) for q in QUERY_WRITES) and route == parts.path.lower():
            return Assessment("query")
        return Assessment("write", self._intent(method, parts, route, request.content))

    def _intent(self, method: str, parts, route: str, content: bytes | None) -> Intent:
        p = self.policy
        body = dials.read_body(content) if content else dials.ReadBody()
        query = parse_qsl(parts.query, keep_blank_values=True)
        try:
            reading = dials.read(method, route, body.value, query)
        except dials.TooDeep as exc:
            raise UnreadableBody(f"Not sent: {exc}.") from None
        problem = body.problem
        if problem == "the body is not a JSON object" and isinstance(body.value, list) \
                and reading.body_type.startswith("list["):
            problem = None     # bulk writes take arrays; a call body is one object
        if p.real and content and problem:
            raise UnreadableBody(f"Not sent: {problem}. A server may still read it, so diag sends only bodies "
                                 "that read as exactly one JSON value of the operation's shape.")
        positions = self._known_columns(reading, list(reading.positions))
        if body.text is not None and problem and reading.dials:   # the backstop: what a lenient reader finds
            positions += dials.text_positions(body.text)
            from diag.core.doctor.jsonrepair import parse_body

            repaired = parse_body(body.text)   # ... and what a reader that mends pasted text finds (curly quotes)
            if repaired.ok and repaired.repairs:
                try:
                    positions += list(dials.read(method, route, repaired.value, query).positions)
                except dials.TooDeep:
                    pass
        destinations: list[str] = []
        for position in positions:
            found = dials.refusal(position, real=p.real)
            if found is not None:
                raise BlockedNumber(found.shown, f"{found.reason} (at {position.path}; rule {found.code})",
                                    found.code, position.path)
            for dest in dials.destinations(position, real=p.real):
                if dest not in destinations:
                    destinations.append(dest)
        call = CALL_CREATE.match(route)
        if call and call.group(1):
            destinations.append(f"as user {call.group(1)}")
        if p.allow_list_on:
            if reading.starts:
                raise NumberNotAllowed(f"{method} {parts.path}", 0, None, kind="operation",
                                       why=f"it starts {reading.starts}, and diag cannot check whom it will reach "
                                           "against the allow-list: refused while an allow-list is set")
            self._check_allowed(positions)
        digest = hashlib.sha256(content or b"").hexdigest()
        target = parts.path + (f"?{parts.query}" if parts.query else "")   # the query is part of what is confirmed
        return Intent(method, target, self.org() if p.real else Org("simulator", "simulator"), p.region,
                      p.api_host, tuple(destinations), digest, p.real, reading.kind, reading.effect, reading.starts,
                      self._shown(target))

    def _known_columns(self, reading: dials.Reading, positions: list) -> list:
        """Contact columns read as the contact list says: its phone columns dialled, the others data. Without the
        list (no lookup, or it could not be read) every value that reads as a number counts as dialled."""
        list_id = reading.params.get("contactListId")
        if not (list_id and self._list_columns and any(pos.role == dials.COLUMNS for pos in positions)):
            return positions
        columns = self._list_columns(list_id)
        if columns is None:
            return positions
        # a column named but for case, padding or width (cell, "Cell ", Ｃｅｌｌ) is read as that phone column: whether
        # Genesys matches column names exactly is not documented, so the reading that dials wins
        phone = {_column_key(c) for c in columns}
        return [replace(pos, role=dials.DIAL if _column_key(pos.field) in phone else dials.DATA)
                if pos.role == dials.COLUMNS else pos for pos in positions]

    def _check_allowed(self, positions) -> None:
        p = self.policy
        by_id = {pos.path.rsplit(".", 1)[0] for pos in positions if pos.role in (dials.USER, dials.QUEUE)}
        for position in positions:
            if position.role in (dials.USER_NAME, dials.QUEUE_NAME) and isinstance(position.value, str) \
                    and position.value.strip() and position.path.rsplit(".", 1)[0] not in by_id:
                kind = position.role.split("-")[0]
                raise NumberNotAllowed(position.value.strip()[:60], 0, position.path, kind=kind,
                                       why=f"a {kind} named by name cannot be checked against the allow-list of "
                                           f"{kind} ids: give the {kind}'s id")
            value, path = position.value, position.path
            if dials.counts_as_dialled(position, real=p.real) and str(value).strip():
                key = numbers.e164_key(value)   # anything in a dialled position must be on the list
                if key is None or key not in p.allowed_numbers:
                    raise NumberNotAllowed(numbers.masked(str(value)), len(p.allowed_numbers), path)
            elif position.role == dials.USER and isinstance(value, str) and value.strip() not in p.allowed_users:
                raise NumberNotAllowed(value, len(p.allowed_users), path, kind="user")
            elif position.role == dials.QUEUE and isinstance(value, str) and value.strip() not in p.allowed_queues:
                raise NumberNotAllowed(value, len(p.allowed_queues), path, kind="queue")


def _column_key(name: str) -> str:
    return numbers.canonical_text(str(name)).strip().casefold()


def _check_headers(request: Request, host: str) -> None:
    """Headers decide what the server reads: framing, host and connection headers are the transport's, never a
    caller's (a Content-Length shorter than the body smuggles a second request past the gate)."""
    names = [str(k).strip().lower() for k in request.headers]
    if len(set(names)) != len(names):
        raise UnsafeRequest("a header is given twice (in different spellings): refused")
    for (k, v), name in zip(request.headers.items(), names):
        if any(ch in f"{k}{v}" for ch in "\r\n\0"):
            raise UnsafeRequest(f"the header {name!r} holds a line break or NUL: refused")
        try:
            f"{k}: {v}".encode("latin-1")
        except UnicodeEncodeError:   # never a traceback from the HTTP library, and never the value in a message
            raise UnsafeRequest(f"the header {name!r} holds a character an HTTP header cannot carry (a token or value "
                                "pasted from a document?): refused") from None
        if name == "content-length" and str(v).strip() == str(len(request.content or b"")):
            continue
        if name == "host" and str(v).strip().lower() == host:
            continue
        if name in HEADERS_OF_THE_SESSION:
            raise UnsafeRequest(f"the header {name!r} is set by the transport, never by a caller: refused")


def normal_path(path: str) -> str:
    """The route a lenient server may resolve: percent-escapes decoded, path parameters (;x) and dot segments
    removed, slashes collapsed, lower case. Used to classify a request, never to send it."""
    decoded = unquote(unquote(path))
    segments: list[str] = []
    for seg in decoded.replace("\\", "/").split("/"):
        seg = seg.split(";", 1)[0]
        if seg in ("", "."):
            continue
        if seg == "..":
            if segments:
                segments.pop()
            continue
        segments.append(seg)
    return ("/" + "/".join(segments)).lower()


_SECRET_WORDS = ("client_secret", "client_assertion")


def _decoded_views(text: str) -> list[str]:
    """`text` and its percent-decodings, repeated while they change (a secret escaped twice is still sent)."""
    views = [text]
    for _ in range(4):
        nxt = unquote_plus(views[-1])
        if nxt == views[-1]:
            break
        views.append(nxt)
    return views


def _base64_cores(secret: str) -> list[str]:
    """The middle of the secret's base64 encoding at each alignment: the same whatever surrounds it."""
    cores = []
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + secret.encode()).decode()
        core = enc[(shift * 4 + 2) // 3 + 1:-3]
        if len(core) >= 8:
            cores += [core, core.replace("+", "-").replace("/", "_")]
    return cores


class GatedTransport:
    """The transport a Session holds: the gate, then the transport behind it."""

    def __init__(self, inner, gate: SafetyGate):
        self.inner = inner
        self.gate = gate

    def send(self, request: Request) -> Response:
        self.gate.check(request)
        return self.inner.send(request)

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"<GatedTransport {self.gate!r} -> {self.inner!r}>"


def refusal_for(method: str, path: str, content: bytes | None, *, real: bool = True) -> str | None:
    """Why the gate would refuse this write on a real org (None: it would not). For recorded requests, such as
    a bundle's repro scripts, which replay them outside diag."""
    from diag.core.errors import SafetyError

    base = "https://replay.invalid"
    gate = SafetyGate(GatePolicy(base, base, "replay", real=real), org=lambda: Org("replay", "replay"))
    try:
        gate.assess(Request(method.upper(), base + path, {}, content))
    except SafetyError as exc:
        return str(exc)
    return None


def allowed_numbers_from(values, source: str = "DIAG_ALLOWED_NUMBERS") -> frozenset[str]:
    """Allow-listed numbers in their exact comparison form: '+' and digits, or a lower-case SIP/flow address. An
    entry that does not read as exactly one number (a typo, a note beside it) is a ConfigError naming it: a list
    that silently lost an entry would let through what it was meant to hold back, or hold back what it names."""
    out = set()
    entries = list(values or ())
    for i, v in enumerate(entries, 1):
        key = numbers.e164_key(v) if isinstance(v, str) and v.strip() else None
        shown = numbers.masked(str(v)[:40], keep=4)
        if key is None:
            raise ConfigError(f"{source}: entry {i} of {len(entries)} ({shown!r}) is not one number diag can read "
                              "(digits with an optional +, or a SIP/flow address; no notes, letters or feature "
                              "codes). Fix or remove it: diag does not run with a list it cannot read.")
        if numbers.refusal(v, strict=False, dialled=True) is not None:
            raise ConfigError(f"{source}: entry {i} of {len(entries)} ({shown!r}) is an emergency number, which diag "
                              "never dials: remove it.")
        out.add(key)
    return frozenset(out)


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]*")


def allowed_ids_from(values, source: str = "DIAG_ALLOWED_USERS") -> frozenset[str]:
    """Allow-listed user or queue ids, exact. An entry that is not one id (spaces, a note) is a ConfigError."""
    out = set()
    entries = list(values or ())
    for i, v in enumerate(entries, 1):
        text = v.strip() if isinstance(v, str) else ""
        if not _ID.fullmatch(text):
            raise ConfigError(f"{source}: entry {i} of {len(entries)} ({str(v)[:40]!r}) is not one id (letters, "
                              "digits, '-', '.', '_'; no spaces or notes). Fix or remove it: diag does not run with "
                              "a list it cannot read.")
        out.add(text)
    return frozenset(out)
