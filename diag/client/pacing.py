"""The paced batch runner: N test calls at a pace that stays under the rate limit.

The pace is the configured limit, else the one the server states in inin-ratelimit-allowed, else 300 requests a
minute: the default a community answer quotes from Genesys' limits page for client-credentials tokens (facts §4).
For user tokens the sources disagree (community answers name org.app.user.rate.per.minute and org.user.rate.per.minute
with 300 and 3,000; a Genesys staff answer quotes 3,000 per minute for org.app.user.rate.per.minute, facts §9.4):
diag paces at the lower figure. Calls are spread evenly at 98 % of it so that no sliding window overflows.
A 429 that still happens is handled by Session.send (wait Retry-After, send again), never shown unhandled.

Before the first call every body passes the safety gate: one refused body stops the batch before anything is
sent, and on a real org one prompt lists every distinct destination; the yes covers exactly those bodies.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable

from diag.client.gate import Confirmation
from diag.core.errors import ConfirmationDeclined, ConfirmationRequired
from diag.core.exchange import Exchange, header_count

DEFAULT_LIMIT_PER_MINUTE = 300
HEADROOM = 0.98


@dataclass
class BatchResult:
    exchanges: list[Exchange] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stopped: bool = False
    elapsed_s: float = 0.0
    limit: tuple[float, float] | None = None   # (requests, window seconds) the pace was set for

    @property
    def rate_per_minute(self) -> float:
        return 60 * len(self.exchanges) / self.elapsed_s if self.elapsed_s else 0.0

    def summary(self):
        """Outcomes: one row per (status, error code) with counts."""
        import pandas as pd

        rows = [{"status": e.status if e.status is not None else "no answer", "error_code": e.error_code or ""}
                for e in self.final_exchanges()]
        frame = pd.DataFrame(rows, columns=["status", "error_code"])
        if frame.empty:
            return pd.DataFrame(columns=["status", "error_code", "calls"])
        return frame.groupby(["status", "error_code"], dropna=False).size().reset_index(name="calls")

    def final_exchanges(self) -> list[Exchange]:
        """The last attempt of each call (a 429 followed by success counts once, as the success)."""
        return [e for e in self.exchanges if not e.superseded]

def run_batch(session, bodies: dict | Iterable[dict], *, count: int | None = None,
              limit: int | None = None, window_seconds: float = 60.0, confirm: Callable[[str], bool] | str | None = None,
              stop: threading.Event | None = None, progress: bool = True,
              on_result: Callable[[Exchange], Any] | None = None) -> BatchResult:
    items = [bodies] * (count or 1) if isinstance(bodies, dict) else list(bodies)
    stop = stop or threading.Event()
    result = BatchResult()
    confirmed = confirm_batch(session, items, confirm)
    bar = _progress(len(items), session.label) if progress else None
    start = time.monotonic()
    next_at = start
    limit_pair: tuple[float, float] | None = (limit, window_seconds) if limit else None
    try:
        for body in items:
            if stop.is_set():
                result.stopped = True
                break
            if not limit or limit_pair is None:   # follow what the server says, call by call
                limit_pair = _learned(session, window_seconds)
            interval = limit_pair[1] / (limit_pair[0] * HEADROOM)
            now = time.monotonic()
            if next_at > now:
                if stop.wait(next_at - now):
                    result.stopped = True
                    break
            next_at = max(next_at, time.monotonic()) + interval
            before = len(session.log)
            session.call(body, confirm=confirmed)
            new = session.log[before:]
            result.exchanges.extend(new)
            if on_result and new:
                on_result(new[-1])
            if bar:
                bar.update(1)
                bar.set_postfix_str(f"last {new[-1].status if new else '-'}")
    finally:
        if bar:
            bar.close()
    result.elapsed_s = time.monotonic() - start
    result.limit = limit_pair
    return result


def _learned(session, window_seconds: float) -> tuple[float, float]:
    allowed = header_count(session.last_rate_limit.get("inin-ratelimit-allowed"))
    if allowed:   # 0 or unreadable says nothing usable about the pace
        return allowed, window_seconds
    return DEFAULT_LIMIT_PER_MINUTE * window_seconds / 60, window_seconds


def confirm_batch(session, items: list, confirm) -> Confirmation | None:
    """Every body through the gate first (a refusal raises before anything is sent); on a real org, one prompt
    naming every distinct destination, and a Confirmation that covers exactly these bodies."""
    from diag.core.facts import CALLS_PATH

    intents, by_body = [], {}
    for body in items:
        key = body if isinstance(body, (str, bytes)) else repr(body)
        if key not in by_body:
            by_body[key] = session.confirm_for("POST", CALLS_PATH, body)
        if by_body[key] is not None:
            intents.append(by_body[key])     # once per call: a yes for 3 identical calls covers 3 sends
    if not intents:
        return None
    if isinstance(confirm, Confirmation):
        return confirm
    first = intents[0]
    destinations = sorted({d for i in intents for d in i.destinations})
    prompt = (f"Place {len(items)} REAL call(s) from org {first.org.name!r} (id {first.org.id}) in region "
              f"{first.region} ({first.host}) to {len(destinations)} destination(s): {', '.join(destinations)}? "
              "Real phones will ring.")
    if callable(confirm):
        answer = confirm(prompt)
        if answer is True or (isinstance(answer, str) and answer.strip().lower() in ("yes", "y", "true")):
            return Confirmation.of(*intents)
        raise ConfirmationDeclined(prompt)
    raise ConfirmationRequired(prompt)


def _progress(total: int, label: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=f"calls on {label}", unit="call")
