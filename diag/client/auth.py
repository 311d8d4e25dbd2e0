"""Where tokens come from: environment, a .env file, a pasted token, client credentials, or a PKCE login.

Secrets live only in private attributes; reprs, messages and logs never show them.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from diag.core.errors import OAUTH_ERRORS, AuthError, ConfigError
from diag.transport import Request, Response, TransportFailure

ENV_REGION, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_TOKEN = (
    "GENESYS_CLOUD_REGION", "GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET", "GENESYS_CLOUD_ACCESS_TOKEN")


def read_dotenv(path: str | Path) -> dict[str, str]:
    """KEY=VALUE lines (quotes and `export` allowed); a missing file is an empty dict."""
    p = Path(path)
    if not p.is_file():
        return {}
    from diag.core.errors import ConfigError
    from diag.core.textfile import text_of

    try:   # UTF-8 with or without a BOM (a BOM read as text would hide the first key), or UTF-16 with one
        text = text_of(p.read_bytes(), limit=1024 * 1024)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{p}: {getattr(exc, 'strerror', None) or exc}; save it as UTF-8 text "
                          "(KEY=VALUE lines)") from None
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        out[key.strip()] = value.strip().strip("'\"")
    return out


@dataclass
class Credentials:
    region: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: dict | None = None, dotenv: str | Path | None = ".env") -> Credentials:
        env = dict(read_dotenv(dotenv)) if dotenv else {}
        env.update({k: v for k, v in (environ if environ is not None else os.environ).items() if v})
        return cls(env.get(ENV_REGION), env.get(ENV_CLIENT_ID), env.get(ENV_CLIENT_SECRET), env.get(ENV_TOKEN))

    @property
    def empty(self) -> bool:
        return not (self.client_id or self.client_secret or self.access_token)

    def __repr__(self) -> str:
        return (f"Credentials(region={self.region!r}, client_id={self.client_id!r}, "
                f"client_secret={'***' if self.client_secret else None}, "
                f"access_token={'***' if self.access_token else None})")


def _own_transport(login_base: str):
    """For a token source used before any session: the network, behind a gate that knows only its login host."""
    from diag.client.gate import GatedTransport, GatePolicy, SafetyGate
    from diag.transport import HTTPTransport

    return GatedTransport(HTTPTransport(), SafetyGate(GatePolicy(login_base, login_base, "login", real=True)))


def _post_form(transport, url: str, form: dict, headers: dict | None = None) -> Response:
    content = urlencode(form).encode()
    try:
        return transport.send(Request("POST", url, {"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/json", **(headers or {})}, content))
    except TransportFailure as exc:
        raise AuthError(f"Could not reach the login host {url.rsplit('/oauth', 1)[0]}: {exc.reason}") from None


def _json(r: Response) -> dict:
    try:
        body = json.loads(r.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TokenSource:
    """Gives the session a bearer token, and a fresh one when it can. Token requests go through the session's
    transport (bind()), so that the gate sees them too."""
    kind = "token"
    can_refresh = False
    _transport = None

    def bind(self, transport) -> None:
        if self._transport is None:
            self._transport = transport

    def token(self) -> str:
        raise NotImplementedError

    def refresh(self) -> str:
        raise AuthError("This token cannot be refreshed: paste a new one.")

    def secrets(self) -> list[str]:
        return []

    def client_secrets(self) -> list[str]:
        """Secrets that may only ever go to the login host (a client secret; never a bearer token)."""
        return []


class StaticToken(TokenSource):
    """A token pasted by the user (a user token, typically). Expiry is detected on the first 401."""
    kind = "pasted token"

    def __init__(self, token: str):
        if not token or not token.strip():
            raise ConfigError("The access token is empty.")
        self._token = token.strip()

    def token(self) -> str:
        return self._token

    def refresh(self) -> str:
        raise AuthError("The pasted access token was refused (expired, revoked or from another region): "
                        "paste a new token.", status=401, code="bad.credentials")

    def secrets(self) -> list[str]:
        return [self._token]

    def __repr__(self) -> str:
        return "<StaticToken ***>"


class ClientCredentialsGrant(TokenSource):
    """POST {login}/oauth/token with HTTP Basic client id and secret; refreshed before it expires."""
    kind = "client credentials"
    can_refresh = True

    def __init__(self, login_base: str, client_id: str, client_secret: str, transport=None,
                 regions_hint: str | None = None):
        if not client_id or not client_secret:
            raise ConfigError(f"Client credentials need both {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}.")
        self.login_base = login_base.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._transport = transport
        self._lock = threading.Lock()
        self.regions_hint = regions_hint   # the regions that exist, named in the message when the client is refused

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() > self._expires - 30:
                self._fetch()
            return self._current()

    def refresh(self) -> str:
        with self._lock:
            self._fetch()
            return self._current()

    def _current(self) -> str:
        if self._token is None:   # _fetch either sets it or raises AuthError
            raise AuthError("No token was issued.")
        return self._token

    def _fetch(self) -> None:
        if self._transport is None:
            self._transport = _own_transport(self.login_base)
        basic = base64.b64encode(f"{self.client_id}:{self._secret}".encode()).decode()
        r = _post_form(self._transport, self.login_base + "/oauth/token", {"grant_type": "client_credentials"},
                       {"Authorization": f"Basic {basic}"})
        if r.status != 200:
            code = _json(r).get("error") or _json(r).get("code")
            message = OAUTH_ERRORS.get(str(code), f"The login host answered HTTP {r.status}.")
            if code == "invalid_client":
                # The secret goes to this region's login host only: never sprayed at the others to find out.
                message += (f" If the client belongs to another region, connect to that one: the OAuth client's page "
                            f"in the Genesys Cloud admin UI (Admin > Integrations > OAuth) is in its region's org. "
                            f"Regions: {self.regions_hint or 'see diag.REGIONS'}.")
            raise AuthError(message, status=r.status, code=code)
        data = _json(r)
        if not data.get("access_token"):
            raise AuthError("The login host answered 200 without an access_token.", status=r.status)
        self._token = data["access_token"]
        self._expires = time.time() + float(data.get("expires_in", 3600))

    def secrets(self) -> list[str]:
        return [s for s in (self._secret, self._token) if s]

    def client_secrets(self) -> list[str]:
        return [self._secret]

    def __repr__(self) -> str:
        return f"<ClientCredentialsGrant client_id={self.client_id!r} secret=***>"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class PkceLogin(TokenSource):
    """Authorization code with PKCE through a loopback redirect (http://127.0.0.1:PORT/callback).

    `opener(url)` shows the authorize URL to the user (a browser by default); tests pass a function that follows
    it with an HTTP client, which against the simulator completes the login.
    """
    kind = "authorization code (PKCE)"

    def __init__(self, login_base: str, client_id: str, opener: Callable[[str], object] | None = None,
                 timeout: float = 300, transport=None):
        self.login_base = login_base.rstrip("/")
        self.client_id = client_id
        self.opener = opener
        self.timeout = timeout
        self._transport = transport
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.login()
        return self._token

    def refresh(self) -> str:
        raise AuthError("The login token was refused (expired?): log in again.", status=401, code="bad.credentials")

    def login(self) -> str:
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        got: dict = {}
        done = threading.Event()

        class Callback(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                got.update({k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()})
                body = b"<html><body>diag: login complete, you can close this tab.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                done.set()

        server = HTTPServer(("127.0.0.1", 0), Callback)
        threading.Thread(target=server.handle_request, daemon=True).start()
        redirect = f"http://127.0.0.1:{server.server_address[1]}/callback"
        url = self.login_base + "/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": state})
        opener = self.opener or _open_browser
        opener(url)
        if not done.wait(self.timeout):
            server.server_close()
            raise AuthError("The login did not come back to diag in time.")
        server.server_close()
        if got.get("state") != state or "code" not in got:
            raise AuthError(f"The login was refused: {got.get('error_description') or got.get('error') or 'no code'}.")
        if self._transport is None:
            self._transport = _own_transport(self.login_base)
        r = _post_form(self._transport, self.login_base + "/oauth/token", {
            "grant_type": "authorization_code", "code": got["code"], "client_id": self.client_id,
            "redirect_uri": redirect, "code_verifier": verifier})
        if r.status != 200:
            code = _json(r).get("error") or _json(r).get("code")
            raise AuthError(OAUTH_ERRORS.get(str(code), f"Token exchange failed with HTTP {r.status}."),
                            status=r.status, code=code)
        return _json(r)["access_token"]

    def secrets(self) -> list[str]:
        return [self._token] if self._token else []

    def __repr__(self) -> str:
        return f"<PkceLogin client_id={self.client_id!r}>"


def _open_browser(url: str) -> None:
    import webbrowser

    print(f"Open this address to log in: {url}")
    webbrowser.open(url)
