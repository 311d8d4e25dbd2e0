"""Fault injection, switchable per path: what a flaky network, an overloaded region or a proxy does.

kinds: latency (delay_ms, then the normal answer), status (500/503/504 with a full ErrorBody), reset (the
connection is cut with no answer), truncated (a JSON body cut short), not_json (a 200 text body),
html (a 502 HTML page such as a proxy returns). `times` limits how often a fault fires (None: always).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

KINDS = ("latency", "status", "reset", "truncated", "not_json", "html")


@dataclass
class Fault:
    path: str                  # a regular expression matched against the request path
    kind: str
    status: int = 500
    delay_ms: int = 0
    times: int | None = None
    method: str | None = None  # only this method, e.g. POST
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and re.search(self.path, path) is not None


class FaultTable:
    def __init__(self):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, path: str, kind: str, **params) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        fault = Fault(path, kind, **params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault for this request, counting it as fired."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and (fault.times is None or fault.fired < fault.times):
                    fault.fired += 1
                    return fault
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [vars(f).copy() for f in self._faults]
