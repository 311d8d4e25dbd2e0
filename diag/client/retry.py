"""When diag sends a request again: the retry policy as a value, and the send pipeline's handlers.

Every resend is decided here; nothing below the session resends.

  - 401: a client-credentials token is fetched again; a read (GET, HEAD, OPTIONS) is sent again once, a write never;
  - 429: sent again after Retry-After, at most `max_429_resends` times; waits clamped to [1 s, 180 s]; a missing,
    zero, negative or unreadable Retry-After waits DEFAULT_RETRY_AFTER; over the cap is not retried (diag's cap, as
    the Go SDK and the CLI cap; the Python SDK's urllib3 Retry() would wait up to 6 hours, 10 times: facts §9.4);
  - 5xx and connection failures: a read is retried with backoff, `get_retries` times; a POST (any write) is never
    sent again for any answer but a 429: it may have placed a call.

A handler looks at one attempt's Exchange and answers AGAIN (send another attempt) or DONE (this one is the
answer), or None (not its concern: the next handler decides). `HANDLERS` is the order they are asked in.
"""
from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from diag.core.exchange import Exchange
from diag.core.headers import header

RETRY_AFTER_CAP = 180
RETRY_AFTER_MIN = 1.0
DEFAULT_RETRY_AFTER = 3.0     # diag's own choice when a 429 carries no usable Retry-After
MAX_429_RESENDS = 3
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})

Verdict = Literal["again", "done"]
AGAIN: Verdict = "again"
DONE: Verdict = "done"


def bounded(value, low: float, high: float) -> float:
    """`value` within [low, high]; anything unreadable (NaN, text, None) is `high`'s side of safe: the limit."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return high
    return min(max(number, low), high) if number == number else high


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long diag waits and sends again. Hard limits: a setting can lower them, never raise them
    (`RetryPolicy.of` clamps whatever it is given)."""
    retry_after_cap: float = RETRY_AFTER_CAP
    max_429_resends: int = MAX_429_RESENDS
    get_retries: int = 3
    backoff_s: float = 0.2

    @classmethod
    def of(cls, retry_after_cap=RETRY_AFTER_CAP, max_429_resends=MAX_429_RESENDS, get_retries=3) -> RetryPolicy:
        return cls(bounded(retry_after_cap, 0.0, RETRY_AFTER_CAP), int(bounded(max_429_resends, 0, MAX_429_RESENDS)),
                   int(bounded(get_retries, 0, 10)))

    def backoff(self, attempt: int) -> float:
        return self.backoff_s * 2 ** (attempt - 1)


@dataclass
class Attempts:
    """One send's state across its attempts (a 429's resends, a refreshed token's, a read's retries)."""
    method: str
    policy: RetryPolicy
    sleep: Callable[[float], None]
    refresh: Callable[[], None] | None     # fetches a new token, or None when the token cannot be refreshed
    pasted_token: bool                     # a token the person pasted (it cannot be refreshed)
    attempt: int = 1
    resends_429: int = 0
    refreshed: bool = False
    sent: list[Exchange] = field(default_factory=list)

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT


def refresh_on_401(state: Attempts, ex: Exchange) -> Verdict | None:
    if ex.status != 401:
        return None
    if state.refresh is not None and not state.refreshed:
        state.refreshed = True
        try:
            state.refresh()
        except Exception as exc:   # noqa: BLE001 - the 401 that came is the answer, whatever the login host says
            ex.notes.append(f"token refused, and diag could not fetch a new one ({type(exc).__name__}: "
                            f"{str(exc)[:200]}): not sent again")
            return DONE
        if state.idempotent:    # a 401 was not processed: a read is safe to send again
            ex.notes.append("token refused: fetched a new one and sent again")
            return AGAIN
        ex.notes.append(f"token refused: diag fetched a new one, but never resends a {state.method} unless the "
                        "answer was a 429. Send it again.")
    if state.pasted_token:
        ex.notes.append("the pasted token was refused: it may have expired or belong to another region")
    return DONE


def wait_on_429(state: Attempts, ex: Exchange) -> Verdict | None:
    if ex.status != 429:
        return None
    policy = state.policy
    wait, why = retry_wait(ex, policy.retry_after_cap)
    if wait is None:
        ex.notes.append(f"429 with Retry-After {why}, over the {policy.retry_after_cap:g} s cap: not retried")
        return DONE
    if state.resends_429 >= policy.max_429_resends:
        ex.notes.append(f"429 again after {state.resends_429} resend(s): diag stops here (at most "
                        f"{policy.max_429_resends}). Wait for the limit to reset, then send again.")
        return DONE
    state.sleep(wait)   # interrupted here (Ctrl-C), this 429 stays the answer, with no word of a resend
    state.resends_429 += 1
    ex.notes.append(f"429: waited {wait:g} s ({why}) and sent again, resend {state.resends_429} of at most "
                    f"{policy.max_429_resends} (safe: a 429 was not processed)")
    return AGAIN


def _failed(ex: Exchange) -> bool:
    return ex.transport_error is not None or (ex.status or 0) >= 500


def retry_failed_read(state: Attempts, ex: Exchange) -> Verdict | None:
    if not (_failed(ex) and state.idempotent and state.attempt <= state.policy.get_retries):
        return None
    wait = state.policy.backoff(state.attempt)
    ex.notes.append(f"{state.method} is idempotent: retrying after {wait:.1f} s")
    state.sleep(wait)
    return AGAIN


def never_resend_a_write(state: Attempts, ex: Exchange) -> Verdict | None:
    if _failed(ex) and not state.idempotent:
        ex.notes.append(f"not retried: a {state.method} that failed this way may already have taken effect "
                        f"(a call may have been placed). Check before sending again"
                        + (f"; correlation id {ex.correlation_id}" if ex.correlation_id else "") + ".")
    return DONE


Handler = Callable[[Attempts, Exchange], "Verdict | None"]
HANDLERS: tuple[Handler, ...] = (refresh_on_401, wait_on_429, retry_failed_read, never_resend_a_write)


def decide(state: Attempts, ex: Exchange, handlers: tuple[Handler, ...] = HANDLERS) -> Verdict:
    """Ask each handler in turn; the first that answers decides. An attempt that is sent again is superseded."""
    for handle in handlers:
        verdict = handle(state, ex)
        if verdict is None:
            continue
        if verdict == AGAIN:
            ex.superseded = True
            state.attempt += 1
        return verdict
    return DONE


def retry_wait(ex: Exchange, cap: float = RETRY_AFTER_CAP) -> tuple[float | None, str]:
    """How long to wait before resending after a 429, and why; (None, value) when it is over `cap`.

    Retry-After in seconds or as an HTTP date; given more than once (joined by a comma), the longest; missing, zero,
    negative or unreadable: DEFAULT_RETRY_AFTER. Never under RETRY_AFTER_MIN, so that no answer can make diag loop
    tightly; never over `cap`, the policy's (a lowered cap lowers the default and the floor with it)."""
    raw = ex.rate_limit.get("retry-after")
    if raw is None:
        raw = header(ex.response_headers, "Retry-After")
    seconds = None
    if raw is not None:
        text = str(raw).strip()[:256]
        readings = [_seconds(text)]
        if readings[0] is None and "," in text and not _looks_like_a_date(text):   # several headers, joined
            readings = [_seconds(part) for part in text.split(",")]
        seconds = None if any(r is None for r in readings) else max(readings)   # type: ignore[type-var]
    if seconds is None or seconds <= 0:
        shown = "missing" if raw is None else f"{str(raw)[:20]!r} unusable"
        if cap < RETRY_AFTER_MIN:   # a cap under the floor: no wait is allowed, so no resend either
            return None, f"{shown} (diag would wait at least {RETRY_AFTER_MIN:g} s)"
        default = min(DEFAULT_RETRY_AFTER, cap)
        return default, f"Retry-After {shown}: diag's default {default:g} s"
    if seconds > cap or cap < RETRY_AFTER_MIN:
        return None, f"{seconds:g} s"
    wait = min(max(RETRY_AFTER_MIN, seconds), cap)
    return wait, f"Retry-After {seconds:g} s" + (" (raised to the 1 s floor)" if wait > seconds else "")


def _seconds(text: str) -> float | None:
    """Seconds from now in one Retry-After value (delta-seconds or an HTTP date); None when unreadable."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
            seconds = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return None if seconds != seconds else seconds   # NaN


def _looks_like_a_date(text: str) -> bool:
    """An HTTP date has a comma of its own (Wed, 21 Oct 2026 07:28:00 GMT)."""
    return any(day in text for day in ("Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"))
