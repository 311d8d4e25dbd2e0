"""Where tokens come from: environment, a .env file, a pasted token, client credentials, or a PKCE login.

Secrets live only in private attributes; reprs, messages and logs never show them.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from .errors import OAUTH_ERRORS, AuthError, ConfigError

ENV_REGION, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_TOKEN = (
    "GENESYS_CLOUD_REGION", "GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET", "GENESYS_CLOUD_ACCESS_TOKEN")


def read_dotenv(path: str | Path) -> dict[str, str]:
    """KEY=VALUE lines (quotes and `export` allowed); a missing file is an empty dict."""
    p = Path(path)
    if not p.is_file():
        return {}
    out = {}
    for line in p.read_text(encoding="utf-8").splitlines():
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
    def from_env(cls, environ: dict | None = None, dotenv: str | Path | None = ".env") -> "Credentials":
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


class TokenSource:
    """Gives the session a bearer token, and a fresh one when it can."""
    kind = "token"
    can_refresh = False

    def token(self) -> str:
        raise NotImplementedError

    def refresh(self) -> str:
        raise AuthError("This token cannot be refreshed: paste a new one.")

    def secrets(self) -> list[str]:
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

    def __init__(self, login_base: str, client_id: str, client_secret: str, http: requests.Session | None = None,
                 on_refused: Callable[[], str | None] | None = None):
        if not client_id or not client_secret:
            raise ConfigError(f"Client credentials need both {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}.")
        self.login_base = login_base.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._token: str | None = None
        self._expires = 0.0
        self._http = http or requests.Session()
        self._lock = threading.Lock()
        self.on_refused = on_refused   # asks other regions who knows this client; returns a region name

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.time() > self._expires - 30:
                self._fetch()
            return self._token

    def refresh(self) -> str:
        with self._lock:
            self._fetch()
            return self._token

    def _fetch(self) -> None:
        try:
            r = self._http.post(self.login_base + "/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(self.client_id, self._secret), timeout=30)
        except requests.RequestException as exc:
            raise AuthError(f"Could not reach the login host {self.login_base}: {type(exc).__name__}") from None
        if r.status_code != 200:
            code = _oauth_code(r)
            message = OAUTH_ERRORS.get(code, f"The login host answered HTTP {r.status_code}.")
            region = self.on_refused() if self.on_refused and code == "invalid_client" else None
            if region:
                message += f" This client id is known in region {region}: connect to that region."
            raise AuthError(message, status=r.status_code, code=code, region=region)
        data = r.json()
        self._token = data["access_token"]
        self._expires = time.time() + float(data.get("expires_in", 3600))

    def secrets(self) -> list[str]:
        return [s for s in (self._secret, self._token) if s]

    def __repr__(self) -> str:
        return f"<ClientCredentialsGrant client_id={self.client_id!r} secret=***>"


def _oauth_code(r: requests.Response) -> str | None:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("error") or body.get("code")


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
                 timeout: float = 300, http: requests.Session | None = None):
        self.login_base = login_base.rstrip("/")
        self.client_id = client_id
        self.opener = opener
        self.timeout = timeout
        self._http = http or requests.Session()
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
        r = self._http.post(self.login_base + "/oauth/token", data={
            "grant_type": "authorization_code", "code": got["code"], "client_id": self.client_id,
            "redirect_uri": redirect, "code_verifier": verifier}, timeout=30)
        if r.status_code != 200:
            code = _oauth_code(r)
            raise AuthError(OAUTH_ERRORS.get(code, f"Token exchange failed with HTTP {r.status_code}."),
                            status=r.status_code, code=code)
        return r.json()["access_token"]

    def secrets(self) -> list[str]:
        return [self._token] if self._token else []

    def __repr__(self) -> str:
        return f"<PkceLogin client_id={self.client_id!r}>"


def _open_browser(url: str) -> None:
    import webbrowser

    print(f"Open this address to log in: {url}")
    webbrowser.open(url)
