"""The one protocol every request of diag leaves through: `Transport.send(Request) -> Response`.

Three transports stand behind it: `HTTPTransport` (urllib3, the network), `AppTransport` (an application called
in-process, as the built-in simulator is), and `GatedTransport` (diag.gate: the safety gate in front of another
transport). A transport never resends: retries are the Session's decision, made per answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from collections.abc import Mapping
from urllib.parse import urlsplit

from urllib3 import HTTPHeaderDict


class TransportFailure(Exception):
    """No usable HTTP answer. `reason` says what happened in plain words; `kind` is one of
    timeout | reset | truncated | refused | too-large."""

    def __init__(self, reason: str, kind: str = "reset", *, status: int | None = None,
                 headers: Mapping[str, str] | None = None, data: bytes = b""):
        super().__init__(reason)
        self.reason, self.kind = reason, kind
        # What arrived before the failure (a cut-short answer has its status line and headers: the correlation
        # id support asks for is among them; and the part of its body that came).
        self.status = status
        self.headers = dict(headers or {})
        self.data = data


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)   # may hold a token: never shown
    content: bytes | None = field(default=None, repr=False)            # the exact bytes sent
    timeout: float = 30.0
    # What a person approved for this request (diag.gate.Confirmation); checked by the gate, never sent.
    confirmation: Any = field(default=None, repr=False)
    max_bytes: int | None = None    # read no more of the answer than this (a download): TransportFailure "too-large"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class Response:
    status: int
    headers: HTTPHeaderDict          # case-insensitive
    content: bytes

    @classmethod
    def build(cls, status: int, headers: Mapping[str, str] | None = None, content: bytes = b"") -> Response:
        return cls(status, HTTPHeaderDict(dict(headers or {})), content)


class Transport(Protocol):
    def send(self, request: Request) -> Response: ...

    def close(self) -> None: ...
