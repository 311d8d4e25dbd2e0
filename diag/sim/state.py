"""What the simulator remembers: tokens, PKCE codes, calls, usage executions, rate-limit windows."""
from __future__ import annotations

import collections
import hashlib
import random
import threading
import time
import uuid
from dataclasses import dataclass

from diag.sim.org import SimOrg


@dataclass
class Token:
    value: str
    kind: str                 # "user" | "client"
    client_id: str
    user_id: str | None
    expires_at: float


@dataclass
class Call:
    id: str
    created: float
    number: str | None
    outcome: str
    user_id: str
    queue_id: str | None
    body: dict


@dataclass
class Execution:
    id: str
    rows: list[dict]
    polls: int = 0


class SimState:
    def __init__(self, org: SimOrg, seed: int, clock=time.time):
        self.org = org
        self.seed = seed
        self.clock = clock
        self.lock = threading.Lock()
        self.tokens: dict[str, Token] = {}
        self.codes: dict[str, dict] = {}
        self.calls: dict[str, Call] = {}
        self.executions: dict[str, Execution] = {}
        self.downloads: dict[str, tuple[str, str]] = {}   # PCAP downloadId -> (conversation id, URL signature)
        self.storage_requests: list[dict] = []             # what reached the modelled storage host (tests read it)
        self.windows: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.rate_events: list[dict] = []   # 429s given, for the rate-limit aggregates
        self.requests: collections.Counter = collections.Counter()  # (method, path-template, status)
        self.calls_placed = 0
        self.call_attempts = 0              # every POST that reached a call endpoint
        self._rng = random.Random(seed)

    def reseed_ids(self, nonce: int) -> None:
        """Conversation ids from their own sequence (tokens stay the seed's: demo tokens are stable)."""
        with self.lock:
            self._conversation_rng = random.Random(f"{id(self)}:{nonce}")

    def new_conversation_id(self) -> str:
        rng = getattr(self, "_conversation_rng", None)
        if rng is None:
            return self.new_id()
        with self.lock:
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def new_id(self) -> str:
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def mint(self, kind: str, client_id: str, user_id: str | None, lifetime: float | None = None) -> Token:
        lifetime = lifetime if lifetime is not None else self.org.raw["token_lifetime_seconds"]
        value = "sim-" + hashlib.sha256(f"{self.new_id()}".encode()).hexdigest()[:40]
        tok = Token(value, kind, client_id, user_id, self.clock() + lifetime)
        with self.lock:
            self.tokens[value] = tok
        return tok

    def demo_user_token(self, user_id: str) -> str:
        """A stable token per user for demos and tests (the same for the same seed and user)."""
        value = "sim-user-" + hashlib.sha256(f"{self.seed}:{user_id}".encode()).hexdigest()[:32]
        with self.lock:
            if value not in self.tokens:
                pkce = next(c.id for c in self.org.clients.values() if c.grant == "authorization_code")
                self.tokens[value] = Token(value, "user", pkce, user_id, self.clock() + 10 * 365 * 86400)
        return value

    def take_slot(self, key: str) -> tuple[bool, int, int, int]:
        """Count a request in the token's window: (allowed, count, limit, seconds until the window frees)."""
        limit, window = self.org.rate_limit
        now = self.clock()
        with self.lock:
            q = self.windows[key]
            while q and q[0] <= now - window:
                q.popleft()
            reset = int(window - (now - q[0])) + 1 if q else int(window)
            if len(q) >= limit:
                return False, len(q), limit, max(1, reset)
            q.append(now)
            return True, len(q), limit, reset
