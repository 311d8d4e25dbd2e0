"""Which rate limit did these requests hit? Requests per minute per caller, against each layer of Genesys' limits.

A 429 says that a limit was reached, rarely which. Genesys' limits are layered (per client-credentials token, per
user and OAuth client, per resource); what each layer allows is known from secondary sources that do not always
agree (facts §4, §9.4). This module counts what the evidence holds (a HAR, a diag log: read and redacted by
diag.core.evidence), places every 429 in the 60 s up to it (itself included), and names the layer most likely hit, with how sure
it is: the answer's own words when it names its limit, else an inference from the capture's counts (modelled).
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from diag.core.evidence import Evidence, EvidenceRequest, pseudonymiser_of
from diag.core.intervals import recorded_instant as _when

__all__ = ["LAYERS", "Layer", "Hit", "LimitsReport", "limits_of", "limits_of_exchanges"]

WINDOW_S = 60.0


@dataclass(frozen=True)
class Layer:
    name: str                               # as Genesys names the limit
    applies_to: str
    figures: tuple[tuple[int | None, str], ...]   # (requests per minute, where that figure comes from)
    evidence: str                           # documented | disputed | unknown
    note: str = ""

    @property
    def per_minute(self) -> int | None:
        """The one figure when the sources agree on one; None when they disagree or none is known."""
        values = {v for v, _ in self.figures}
        return next(iter(values)) if len(values) == 1 else None


COMMUNITY_LIMITS = "community.genesys.com, 'api-limits' (quoting developer.genesys.cloud/organization/organization/limits)"
LAYERS = (
    Layer("client.credentials.token.rate.per.minute", "each client-credentials token",
          ((300, COMMUNITY_LIMITS),), "documented",
          "raisable through a support case with a justification"),
    Layer("org.app.user.rate.per.minute", "each user, per OAuth client (app)",
          ((3000, "a Genesys staff answer on community.genesys.com"),
           (300, "other community.genesys.com answers")), "disputed",
          "the sources disagree on the figure"),
    Layer("org.user.rate.per.minute", "each user, across every app (the Genesys UI's own calls included)",
          ((300, "community.genesys.com answers"), (3000, "community.genesys.com answers")), "disputed",
          "the sources disagree on the figure; this capture may not hold the user's other apps"),
    Layer("token.rate.per.minute", "each token", ((None, "community.genesys.com, 'rate-limits-for-data-actions"
                                                         "-within-the-architect-flows'"),), "unknown",
          "it exists; its figure is not confirmed in any source diag holds"),
    Layer("(a resource's own limit)", "one operation, whoever calls it",
          ((100, "community.genesys.com, 'i-am-getting-error-429-rate-limit-exceeded-even-after-3-requests' "
                 "(PUT /api/v2/architect/ivrs/{ivrId})"),), "unknown",
          "some operations have their own limit; the one figure quoted publicly is one resource's, reported by a "
          "user: no source diag holds gives the others"),
)
_BY_NAME = {layer.name: layer for layer in LAYERS}
# Genesys' 2018 wording of a 429 that names its limit (facts §3): "Rate limit exceeded the maximum [N] requests
# within [S] seconds"
_NAMED = re.compile(r"maximum \[?(\d+)\]? requests within \[?(\d+)\]? seconds", re.I)

ADVICE = {
    "client.credentials.token.rate.per.minute": (
        "spread the integration's requests over time (pace under 300 a minute, waiting Retry-After after a 429)",
        "split the load over a separate OAuth client where the work allows it",
        "ask Genesys for a higher limit through a support case, with this report and the 429s' correlation ids"),
    "user": (
        "the user's limit counts every app of the user, the Genesys UI's own calls included: look for other "
        "clients of the same user at that time (the org's usage by OAuth client and user shows them)",
        "pace the integration's requests and wait Retry-After after a 429",
        "ask Genesys which limit the 429s' correlation ids hit"),
    "(a resource's own limit)": (
        "pace requests to this operation (it may have its own limit, lower than the token's)",
        "ask Genesys for this operation's limit, quoting the 429s' correlation ids"),
    "named": (
        "stay under the limit the answer names, waiting Retry-After after a 429",
        "ask Genesys for a higher limit with this report if the workload needs it"),
}


@dataclass
class Hit:
    """One 429 and the 60 s up to it (itself included)."""
    at: str                                  # the request's start, as the evidence gave it
    caller: str
    operation: str
    correlation_id: str | None
    retry_after: str | None
    named_limit: str | None                  # "300 requests within 60 seconds", when the answer names it
    caller_last_minute: int                  # the caller's requests in the 60 s before (this one included)
    all_last_minute: int                     # everyone's
    operation_last_minute: int               # this operation's, by anyone
    layer: str                               # the layer most likely hit
    why: str
    evidence: str                            # documented (the answer says) | modelled (inferred) | unknown


@dataclass
class LimitsReport:
    kind: str
    requests: int                            # Genesys API requests counted
    timed: int                               # of which with a time
    callers: dict[str, dict[str, Any]]       # caller -> {"requests", "peak_per_minute", "peak_at"}
    per_minute: dict[str, dict[str, int]]    # caller -> {minute (UTC, ISO) -> requests}
    hits: list[Hit]
    # caller -> [(epoch seconds, its requests in the 60 s up to then)], one point per request: what the chart draws
    rolling: dict[str, list[tuple[float, int]]] = field(default_factory=dict, repr=False)
    layers: tuple[Layer, ...] = LAYERS
    notes: list[str] = field(default_factory=list)
    _pseudo: Any = field(default=None, repr=False, compare=False)
    _people_from: Any = field(default=(), repr=False, compare=False)   # the evidence's requests: who is in them

    @property
    def most_likely(self) -> str | None:
        counts = Counter(h.layer for h in self.hits)
        return counts.most_common(1)[0][0] if counts else None

    def advice(self) -> tuple[str, ...]:
        layer = self.most_likely
        if layer is None:
            return ()
        if layer.startswith("the answer's own"):
            return ADVICE["named"]
        if layer in ("org.app.user.rate.per.minute", "org.user.rate.per.minute") or layer.startswith("a user"):
            return ADVICE["user"]
        return ADVICE.get(layer, ADVICE["user"])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "requests": self.requests, "timed": self.timed, "callers": self.callers,
                "per_minute": self.per_minute, "most_likely": self.most_likely, "advice": list(self.advice()),
                "hits": [vars(h) for h in self.hits], "notes": self.notes,
                "layers": [{"name": layer.name, "applies_to": layer.applies_to, "evidence": layer.evidence,
                            "figures": [{"per_minute": v, "source": s} for v, s in layer.figures],
                            "note": layer.note} for layer in self.layers]}

    @property
    def pseudonymiser(self):
        """One per report: a path of an unknown operation may carry a number or a person (known from the
        evidence's answers when limits_of made it); what is printed never does."""
        if self._pseudo is None:
            self._pseudo = pseudonymiser_of(self._people_from)
        return self._pseudo

    def public_text(self) -> str:
        """text(), as it may be printed or shown: numbers and people pseudonymised."""
        return self.pseudonymiser.text(self.text())

    def public_dict(self) -> dict[str, Any]:
        from diag.core.redact import map_strings

        return map_strings(self.to_dict(), self.pseudonymiser.text)

    def text(self) -> str:
        lines = [f"{self.requests} Genesys API request(s) in this {self.kind}; {len(self.hits)} answered 429."]
        for caller, c in sorted(self.callers.items(), key=lambda kv: -kv[1]["requests"]):
            lines.append(f"  {caller}: {c['requests']} request(s), at most {c['peak_per_minute']} in a minute"
                         + (f" (the minute from {c['peak_at']})" if c.get("peak_at") else ""))
        for h in self.hits:
            lines.append(f"429 at {h.at} for {h.caller}, {h.operation}: {h.caller_last_minute} of its requests in "
                         f"the 60 s up to it, itself included ({h.all_last_minute} by everyone, {h.operation_last_minute} to this "
                         f"operation); Retry-After {h.retry_after or 'not sent'}; correlation id "
                         f"{h.correlation_id or 'not recorded'}")
            lines.append(f"    most likely: {h.layer} ({h.evidence}): {h.why}")
        if self.most_likely:
            lines.append(f"Most likely hit: {self.most_likely}. What to do:")
            lines += [f"  - {a}" for a in self.advice()]
        elif self.requests:
            lines.append("No 429 in this evidence: no limit was hit here.")
        lines.append("The layers (figures per minute, each with its source):")
        for layer in self.layers:
            figures = "; ".join(f"{v if v is not None else 'figure unknown'} ({s})" for v, s in layer.figures)
            lines.append(f"  {layer.name} [{layer.evidence}], {layer.applies_to}: {figures}"
                         + (f". {layer.note}" if layer.note else ""))
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _api_requests(evidence: Evidence, sim_hosts=()) -> tuple[list[tuple[EvidenceRequest, str]], bool]:
    """The Genesys API requests (by diag.core.inspect's one rule; token requests are not API traffic), each with
    its operation's template; and whether any went to the diag simulator."""
    from diag.core.endpoints import check_operation
    from diag.core.inspect import SIMULATOR, genesys_places

    place = genesys_places(sim_hosts)
    out = []
    simulated = False
    templates: dict[tuple[str, str], str] = {}
    for r in evidence.requests:
        found = place(r)
        if found is None or found[1]:
            continue
        simulated = simulated or found[0] == SIMULATOR
        key = (r.method, r.path)
        if key not in templates:
            found_op = check_operation(r.method, r.path)
            templates[key] = f"{r.method} {found_op.operation.path}" if found_op.operation else f"{r.method} {r.path}"
        out.append((r, templates[key]))
    return out, simulated


def limits_of(evidence: Evidence, sim_hosts=()) -> LimitsReport:
    """Count, place every 429, and name the layer most likely hit. `sim_hosts`: a diag simulator in the capture
    (HOST:PORT), read as Genesys, as `diag inspect --sim-host` reads it."""
    from diag.core.answer import read_answer

    api, simulated = _api_requests(evidence, sim_hosts)
    timed: list[tuple[float, EvidenceRequest, str]] = []   # (seconds since the epoch, request, operation)
    untimed: list[EvidenceRequest] = []
    for r, op in api:
        w = _when(r.started)
        if w is None:
            untimed.append(r)
        else:
            timed.append((w.timestamp(), r, op))
    timed.sort(key=lambda t: t[0])
    times = [t[0] for t in timed]
    by_caller: dict[str, list[float]] = defaultdict(list)
    by_operation: dict[str, list[float]] = defaultdict(list)
    per_minute: dict[str, Counter] = defaultdict(Counter)
    minutes: dict[int, str] = {}   # a minute's label, written once (a capture has few minutes, many requests)
    for t, r, op in timed:
        caller = r.caller or "unknown caller"
        by_caller[caller].append(t)
        by_operation[op].append(t)
        minute = int(t // 60)
        label = minutes.get(minute)
        if label is None:
            label = minutes[minute] = dt.datetime.fromtimestamp(minute * 60, dt.timezone.utc).isoformat().replace(
                "+00:00", "Z")
        per_minute[caller][label] += 1

    def in_window(stamps: list[float], end: float) -> int:
        return bisect.bisect_right(stamps, end) - bisect.bisect_left(stamps, end - WINDOW_S)

    callers: dict[str, dict[str, Any]] = {}
    rolling: dict[str, list[tuple[float, int]]] = {}
    for caller, stamps in by_caller.items():
        peak, peak_at, lo = 0, None, 0
        series = rolling[caller] = []
        for hi, t in enumerate(stamps):   # the most requests in any 60 s, by a sliding window
            while stamps[lo] < t - WINDOW_S:
                lo += 1
            series.append((t, hi - lo + 1))
            if hi - lo + 1 > peak:
                peak, peak_at = hi - lo + 1, stamps[lo]
        callers[caller] = {"requests": len(stamps), "peak_per_minute": peak,
                           "peak_at": dt.datetime.fromtimestamp(peak_at, dt.timezone.utc).isoformat(
                               timespec="seconds").replace("+00:00", "Z") if peak_at is not None else None}
    for r in untimed:
        caller = r.caller or "unknown caller"
        callers.setdefault(caller, {"requests": 0, "peak_per_minute": 0, "peak_at": None})["requests"] += 1

    hits = []
    for t, r, op in timed:
        if r.status != 429:
            continue
        caller = r.caller or "unknown caller"
        reading = read_answer(r.status, r.response_headers, r.response_body, op)
        named = _NAMED.search(reading.message or "")
        allowed = reading.rate_limit.get("inin-ratelimit-allowed")
        hit = Hit(r.started or "", caller, op, reading.correlation_id, reading.retry_after,
                  f"{named.group(1)} requests within {named.group(2)} seconds" if named else
                  (f"{allowed} requests (inin-ratelimit-allowed)" if allowed else None),
                  in_window(by_caller[caller], t), in_window(times, t), in_window(by_operation[op], t), "", "", "")
        hit.layer, hit.why, hit.evidence = _likely(hit, caller)
        hits.append(hit)
    notes = []
    if simulated:
        notes.append("captured from the diag simulator: its 429s follow the simulator's own settings (modelled), "
                     "not a Genesys limit")
    if len(timed) < len(api):
        notes.append(f"{len(api) - len(timed)} request(s) carry no time and are counted, not placed in a minute")
    if hits and all((h.caller or "").startswith("token") and "(" not in h.caller for h in hits):
        notes.append("the evidence does not say which grant issued the tokens (a capture from a browser is "
                     "usually a user's token); a client-credentials token request in the same capture would")
    return LimitsReport(evidence.kind, len(api), len(timed), callers,
                        {c: dict(sorted(m.items())) for c, m in per_minute.items()}, hits, rolling, notes=notes,
                        _people_from=evidence.requests)


def _likely(hit: Hit, caller: str) -> tuple[str, str, str]:
    """(layer, why, evidence) for one 429."""
    if hit.named_limit:
        return ("the answer's own: " + hit.named_limit,
                "the 429 names the limit it applied", "documented")
    cc = "client credentials" in caller
    cc_limit = _BY_NAME["client.credentials.token.rate.per.minute"].per_minute or 300
    if cc and hit.caller_last_minute >= 0.9 * cc_limit:
        return ("client.credentials.token.rate.per.minute",
                f"a client-credentials token sent {hit.caller_last_minute} requests in the 60 s up to it; its limit "
                f"is {cc_limit} a minute", "modelled")
    if hit.operation_last_minute >= 0.8 * max(hit.all_last_minute, 1) and hit.caller_last_minute < 0.9 * cc_limit:
        return ("(a resource's own limit)",
                f"{hit.operation_last_minute} of the {hit.all_last_minute} requests of those 60 s went to "
                f"{hit.operation}, and the caller was well under any token limit: an operation with a limit of "
                "its own fits best", "modelled")
    if cc:
        return ("token.rate.per.minute",
                f"a client-credentials token under 300 a minute ({hit.caller_last_minute}); another layer of the "
                "token applied (its figure is not confirmed)", "unknown")
    return ("a user's limit (org.user.rate.per.minute or org.app.user.rate.per.minute)",
            f"{hit.caller_last_minute} request(s) in the 60 s up to it from this capture: the user's limit counts "
            "the user's other apps too (the Genesys UI included), which a capture does not show; the sources "
            "disagree on its figure (300 or 3,000 a minute)", "modelled")


def limits_of_exchanges(exchanges, kind: str = "session") -> LimitsReport:
    """The same report for a session's own exchanges (already redacted as they were recorded): one caller, the
    session's token; each request counted once (a 429's resends are requests too)."""
    requests = [EvidenceRequest(method=e.method, url=e.url, headers=dict(e.request_headers or {}),
                                body=e.request_body, started=e.started, status=e.status,
                                response_headers=dict(e.response_headers or {}), response_body=e.response_body,
                                duration_ms=e.duration_ms, caller="this session's token") for e in exchanges]
    return limits_of(Evidence(kind, requests))

