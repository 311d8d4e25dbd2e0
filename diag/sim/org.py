"""The simulated org: users, OAuth clients, queues, caller ids, limits and call outcomes.

Read from the package data diag/_data/sim/org.json; `load_org(overrides)` lets tests change any top-level setting.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diag.core.contract import DATA_DIR

ORG_FILE = DATA_DIR / "sim" / "org.json"
OUTCOMES = ("answered", "busy", "no_answer", "invalid_number")


@dataclass
class SimUser:
    id: str
    name: str
    email: str
    station: str | None
    permissions: tuple[str, ...]
    all_permissions: bool = False    # "permissions": "all" in org.json: every permission of the contract
    _held: tuple = field(default=((), frozenset()), init=False, repr=False, compare=False)

    def held(self) -> frozenset[str]:
        """The permissions as a set, made once (every request asks; the demo user holds thousands). Made again
        when the tuple is replaced (a tuple cannot change in place)."""
        source, made = self._held
        if source is not self.permissions:
            made = frozenset(self.permissions)
            self._held = (self.permissions, made)
        return made


@dataclass
class SimClient:
    id: str
    secret: str | None
    name: str
    grant: str
    permissions: list[str] = field(default_factory=list)
    redirect_uris: list[str] = field(default_factory=list)
    user: str | None = None
    scopes: list[str] = field(default_factory=list)


@dataclass
class SimOrg:
    raw: dict[str, Any]
    users: dict[str, SimUser]
    clients: dict[str, SimClient]

    @property
    def id(self) -> str:
        return self.raw["org"]["id"]

    @property
    def name(self) -> str:
        return self.raw["org"]["name"]

    @property
    def rate_limit(self) -> tuple[int, float]:
        rl = self.raw["rate_limit"]
        return int(rl["requests"]), float(rl["window_seconds"])

    def outcome_for(self, number: str) -> str:
        return self.raw.get("outcomes", {}).get(number, "answered")

    def queue_ids(self) -> set[str]:
        return {q["id"] for q in self.raw["queues"]}


def _user(u: dict) -> SimUser:
    if u["permissions"] == "all":
        from diag.core.model.facts import every_permission

        return SimUser(u["id"], u["name"], u["email"], u.get("station"), tuple(sorted(every_permission())), True)
    return SimUser(u["id"], u["name"], u["email"], u.get("station"), tuple(u["permissions"]))


def load_org(overrides: dict[str, Any] | None = None, path: Path = ORG_FILE) -> SimOrg:
    raw = json.loads(path.read_text())
    raw = copy.deepcopy(raw)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    users = {u["id"]: _user(u) for u in raw["users"]}
    clients = {c["id"]: SimClient(c["id"], c.get("secret"), c["name"], c["grant"], list(c.get("permissions", [])),
                                  list(c.get("redirect_uris", [])), c.get("user"), list(c.get("scopes", [])))
               for c in raw["clients"]}
    raw["outcomes"] = {k: v for k, v in raw.get("outcomes", {}).items() if not k.startswith("$")}
    for number, outcome in raw["outcomes"].items():
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown call outcome {outcome!r} for {number}; use one of {', '.join(OUTCOMES)}")
    return SimOrg(raw, users, clients)
