"""The HTTP transport under a Session: urllib3 directly, as the official SDK does, with retries switched off.

diag decides every retry itself (see session.py): urllib3 must never resend a request on its own, since a resent
POST may place a second call. Proxies and the CA bundle come from the environment, read once.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode

import urllib3


class TransportFailure(Exception):
    """No usable HTTP answer; `reason` says what happened in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Response:
    status: int
    headers: urllib3.HTTPHeaderDict   # case-insensitive
    content: bytes


def _ca_bundle() -> str | None:
    found = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if found:
        return found
    try:
        import certifi
        return certifi.where()
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None


class Transport:
    def __init__(self, base_url: str):
        import requests.utils   # only for its reading of *_proxy / no_proxy, the same rules requests applies

        proxies = requests.utils.get_environ_proxies(base_url)
        proxy = proxies.get(base_url.split(":", 1)[0])
        options = {"cert_reqs": "CERT_REQUIRED", "ca_certs": _ca_bundle(), "retries": False, "maxsize": 8}
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)

    def request(self, method: str, url: str, *, params: dict | None = None, body: bytes | str | None = None,
                headers: dict | None = None, timeout: float = 30) -> Response:
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        try:
            r = self.pool.request(method, url, body=body, headers=headers, timeout=urllib3.Timeout(timeout),
                                  retries=False, redirect=False, preload_content=True)
        except urllib3.exceptions.TimeoutError:
            raise TransportFailure("timed out waiting for the answer") from None
        except urllib3.exceptions.ProtocolError as exc:
            cut = "IncompleteRead" in str(exc) or "incomplete" in str(exc).lower()
            raise TransportFailure("the answer was cut short (truncated body)" if cut else
                                   "the connection was reset or refused") from None
        except urllib3.exceptions.HTTPError:
            raise TransportFailure("the connection was reset or refused") from None
        return Response(r.status, r.headers, r.data)

    def close(self) -> None:
        self.pool.clear()
