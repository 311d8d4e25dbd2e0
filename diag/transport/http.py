"""The network transport: urllib3 directly, as the official SDK does, with retries and redirects switched off.

urllib3 must never resend a request on its own, since a resent POST may place a second call. One pool serves the
API and login hosts alike. Proxies (the rules requests applies; never for loopback) and the CA bundle come from the environment.
"""
from __future__ import annotations

import os
import zlib
from typing import Any
from urllib.parse import urlsplit

import urllib3

from diag.core.regions import is_loopback
from diag.transport.base import Request, Response, TransportFailure


def _ca_bundle() -> str | None:
    found = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if found:
        return found
    try:
        import certifi
        return certifi.where()
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None


_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _decoded(raw: bytes, r: Any, limit: int | None) -> bytes:
    """The body as its Content-Encoding says (gzip, deflate: diag asks for neither, a proxy may send one), at most
    `limit` bytes of it; the bytes as they came when they do not decode (plain JSON a proxy labelled gzip): nothing
    that arrived is thrown away."""
    encoding = str(r.headers.get("Content-Encoding") or "").strip().lower()
    wbits = _WBITS.get(encoding)
    if not raw or wbits is None:
        return raw
    for bits in (wbits, -zlib.MAX_WBITS) if encoding == "deflate" else (wbits,):   # deflate with or without zlib's
        try:                                                                     # header, as servers send both
            out = zlib.decompressobj(bits).decompress(raw, 0 if limit is None else limit + 1)
        except zlib.error:
            continue
        if limit is not None and len(out) > limit:
            raise TransportFailure(f"the answer is larger than {limit:,} bytes: not read further", "too-large",
                                   status=r.status, headers=r.headers)
        return out
    return raw


class HTTPTransport:
    def __init__(self, maxsize: int = 8):
        self._options: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED", "ca_certs": _ca_bundle(), "retries": False, "maxsize": maxsize}
        self._pools: dict[str | None, urllib3.PoolManager] = {}

    def _pool(self, url: str) -> urllib3.PoolManager:
        import requests.utils  # only for its reading of *_proxy / no_proxy

        scheme_host = url.split("/", 3)[:3]
        key = "/".join(scheme_host)
        if key not in self._pools:
            # never for this machine: a simulator's traffic (its token, bodies, numbers) must not leave it through a
            # proxy that no_proxy happens not to name
            local = is_loopback(urlsplit(url).hostname)
            proxy = None if local else requests.utils.get_environ_proxies(url).get(url.split(":", 1)[0])
            self._pools[key] = (urllib3.ProxyManager(proxy, **self._options) if proxy
                                else urllib3.PoolManager(**self._options))
        return self._pools[key]

    def send(self, request: Request) -> Response:
        try:
            r = self._pool(request.url).request(
                request.method, request.url, body=request.content, headers=request.headers,
                timeout=urllib3.Timeout(request.timeout), retries=False, redirect=False, preload_content=False,
                enforce_content_length=False)   # checked below, once what came of the body is in hand
        except urllib3.exceptions.TimeoutError:
            raise TransportFailure("timed out waiting for the answer", "timeout") from None
        except urllib3.exceptions.ProtocolError as exc:
            cut = "IncompleteRead" in str(exc) or "incomplete" in str(exc).lower()
            raise TransportFailure("the answer was cut short (truncated body)" if cut else
                                   "the connection was reset or refused", "truncated" if cut else "reset") from None
        except urllib3.exceptions.HTTPError:
            raise TransportFailure("the connection was reset or refused", "refused") from None
        # The body read apart from the head and in pieces, so that a cut-short answer keeps its status, its
        # headers and the part of its body that came.
        pieces: list[bytes] = []
        try:
            got = 0
            for piece in r.stream(65536, decode_content=False):   # decoded below: an undecodable body is kept
                pieces.append(piece)
                got += len(piece)
                if request.max_bytes is not None and got > request.max_bytes:
                    raise TransportFailure(f"the answer is larger than {request.max_bytes:,} bytes: not read "
                                           "further", "too-large", status=r.status, headers=r.headers)
            if r.length_remaining:   # fewer bytes than its Content-Length said: cut short
                raise TransportFailure("the answer was cut short (truncated body)", "truncated", status=r.status,
                                       headers=r.headers, data=b"".join(pieces))
        except urllib3.exceptions.TimeoutError:
            raise TransportFailure("timed out while the answer was arriving", "timeout", status=r.status,
                                   headers=r.headers, data=b"".join(pieces)) from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise TransportFailure("the answer was cut short (truncated body)", "truncated", status=r.status,
                                   headers=r.headers, data=b"".join(pieces)) from None
        finally:
            r.release_conn()
        return Response(r.status, r.headers, _decoded(b"".join(pieces), r, request.max_bytes))

    def close(self) -> None:
        for pool in self._pools.values():
            pool.clear()

    def __repr__(self) -> str:
        return f"<HTTPTransport hosts={len(self._pools)}>"
