"""diag's built-in Genesys Cloud simulator: one application, reachable in-process or over HTTP on 127.0.0.1.

    sim = Simulator(seed=1)
    sim.transport()                         # in-process, no socket: what diag.connect() uses
    with sim:                               # or start() / stop(): the HTTP wrapper, as `python -m diag sim` runs it
        requests.get(sim.base_url + "/api/v2/users/me", headers={"Authorization": "Bearer " + sim.user_token()})

Any HTTP client, the official SDK included, talks to the HTTP wrapper as to a region: only the base URL differs.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from diag.core.regions import IN_PROCESS_BASE   # the in-process simulator's base URL (no DNS resolves it)
from diag.sim.org import SimOrg, load_org
from diag.sim.server import SimApp, SimServer
from diag.sim.state import SimState

__all__ = ["Simulator", "load_org", "IN_PROCESS_BASE"]


class Simulator:
    def __init__(self, seed: int = 1, port: int = 0, host: str = "127.0.0.1", region: str = "simulator",
                 overrides: dict[str, Any] | None = None, clock=time.time, fresh_ids: bool = False):
        self.org: SimOrg = load_org(overrides)
        self.state = SimState(self.org, seed, clock)
        if fresh_ids:   # the org and its history stay the seed's; conversation ids differ per process
            import secrets
            self.state.reseed_ids(secrets.randbits(64))
        self.region = region
        self.app = SimApp(self.state, region)
        self._address = (host, port)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    # -- the HTTP wrapper's lifecycle --
    def start(self) -> Simulator:
        if self._server is None:
            self._server = SimServer(self._address, self.app)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="diag-sim", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.base_url if self._server else "in-process"
        return f"<Simulator {self.region} {state}>"

    # -- what callers need --
    def transport(self):
        """The in-process transport: the same application, no socket."""
        from diag.transport import AppTransport
        return AppTransport(self.app)

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        """The HTTP wrapper's URL (start() first)."""
        if self._server is None:
            raise RuntimeError("the simulator's HTTP wrapper is not running; call start() first "
                               "(or use transport() in-process)")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def faults(self):
        return self.app.faults

    def user_token(self, user: str = "avery") -> str:
        """A ready user token: 'avery' (can call), 'sam' (no station), 'riley' (no call permission), or an id."""
        return self.state.demo_user_token(self.user_id(user))

    def user_id(self, user: str) -> str:
        for u in self.org.users.values():
            if user in (u.id, u.name.split()[0].lower()):
                return u.id
        raise KeyError(f"no simulated user {user!r}; users: {', '.join(u.name for u in self.org.users.values())}")

    def client(self, name: str = "CRM click-to-dial"):
        return next(c for c in self.org.clients.values() if name in (c.id, c.name))

    PERSONAS = ("avery", "sam", "riley", "client-credentials")

    def caller(self, who: str = "avery"):
        """A persona as the server model reads its caller (diag.core.model.Caller): a user by first name in lower
        case ('avery' holds every permission of the contract; 'sam' has no station; 'riley' lacks the call
        permission), or 'client-credentials' (the click-to-dial OAuth client)."""
        from diag.sim.server import caller_of

        if who == "client-credentials":
            return caller_of(self.app, self.state.mint("client", self.client().id, None))
        return caller_of(self.app, self.state.tokens[self.user_token(who)])

    @property
    def calls_placed(self) -> int:
        return self.state.calls_placed

    def requests_received(self, method: str, path: str) -> int:
        """How many requests reached the server for this method and path (answered or faulted)."""
        route = self.app.router.match(method, path)[0]
        return sum(n for (m, p, _), n in list(self.state.requests.items())
                   if m == method and (p == path or (route is not None and p == route.template)))
