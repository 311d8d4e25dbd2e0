"""An application called in-process: no socket, the same answers (diag's simulator runs this way by default)."""
from __future__ import annotations

from collections.abc import Callable

from diag.transport.base import Request, Response


class AppTransport:
    """`app(request) -> Response`; the app may raise TransportFailure to act out a reset or a cut-short answer."""

    def __init__(self, app: Callable[[Request], Response]):
        self.app = app

    def send(self, request: Request) -> Response:
        return self.app(request)

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<AppTransport {self.app!r}>"
