"""Diagnose every Genesys Platform API request in the customer's evidence (see diag.core.evidence).

`inspect(path_or_text)` -> Inspection: each Genesys request recognised by host (every region's API and login host)
and path, matched to its operation (or the nearest real ones), its body checked (call bodies with the call rules
and verdicts), its answer explained (status, ErrorBody code and message as sent, correlation id, rate-limit
headers), auth problems named, region consistency checked; other requests counted and skipped.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diag.core.bulk import no_gc_pauses
from diag.core.evidence import Evidence, EvidenceRequest, UnreadableEvidence, pseudonymiser_of, read_evidence
from diag.core.har import NO_ANSWER_IN_EVIDENCE, NO_TIME



_DATA_KEYED = ("byCode", "redacted")   # to_dict()'s entries keyed by what the evidence holds
EVIDENCE_COLUMNS = ("started", "operation", "status", "code", "duration_ms")


def evidence_frame(rows: list[dict]):
    """Inspection rows as a pandas frame: one column each (EVIDENCE_COLUMNS), started as UTC datetimes."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
    frame["started"] = pd.to_datetime(frame["started"], utc=True, errors="coerce")
    return frame


@dataclass
class Diagnosis:
    index: int
    request: EvidenceRequest
    region: str
    login: bool                            # a token request to a login host
    operation: str | None                  # "POST /api/v2/..." when it exists
    nearest: list[str] = field(default_factory=list)
    verdict: str | None = None             # the doctor's, for call bodies
    headline: str | None = None            # the verdict in words, saying who refuses (diag or Genesys)
    refused_by: str | None = None          # "diag" | "genesys" | None
    genesys_refuses: bool = False          # the server model's answer to the body is an error (whatever diag says)
    findings: list[dict] = field(default_factory=list)
    error_code: str | None = None
    message: str | None = None
    correlation_id: str | None = None
    rate_limit: dict[str, str] = field(default_factory=dict)
    explanation: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.operation or f"{self.request.method} {self.request.path}"

    @property
    def failed(self) -> bool:
        """Genesys refused it (4xx, 5xx), no answer came (the evidence records why: a reset, a browser's net::ERR_),
        or, with no answer in the evidence, the server model refuses the body or it dials an emergency number (a
        pseudonym in a sanitised copy is diag's own stand-in, not the customer's failure). An answer of 2xx is
        never a failure, whatever the doctor thinks of the body (that disagreement is a note). The one rule: every
        count of failures (the ticket's pages, the summary, the manifest, the CLI) is a count of these."""
        status = self.request.status or 0
        unanswered = not status
        return (status >= 400 or (unanswered and self.request.transport_error is not None)
                or (unanswered and (self.genesys_refuses or self.refused_by == "diag" and any(
                    f.get("code") == "emergency-number" for f in self.findings))))

    def corrected(self) -> Any:
        """The body that was meant, for a call body the doctor refuses (None otherwise), from the body as recorded
        (tokens gone; numbers and people still real: pseudonymise before showing it)."""
        from diag.core.facts import CALLS_ROUTE

        if self.operation == CALLS_ROUTE and self.verdict and isinstance(self.request.body, dict):
            from diag.core.doctor import check

            return check(self.request.body).fixed
        return None

    def to_dict(self) -> dict:
        r = self.request
        return {"index": self.index, "method": r.method, "url": r.url, "started": r.started, "status": r.status,
                "region": self.region, "operation": self.operation, "nearest": self.nearest,
                "verdict": self.verdict, "headline": self.headline, "refusedBy": self.refused_by,
                "findings": self.findings, "errorCode": self.error_code,
                "message": self.message, "correlationId": self.correlation_id, "rateLimit": self.rate_limit,
                "explanation": self.explanation, "notes": self.notes, "durationMs": r.duration_ms,
                "failed": self.failed}


@dataclass
class Inspection:
    kind: str
    diagnoses: list[Diagnosis]
    skipped: int                           # requests to other hosts
    redaction: dict[str, int]
    notes: list[str] = field(default_factory=list)
    evidence: Evidence | None = field(default=None, repr=False)
    _pseudo: Any = field(default=None, repr=False, compare=False)

    @property
    def failures(self) -> list[Diagnosis]:
        return [d for d in self.diagnoses if d.failed]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "genesysRequests": len(self.diagnoses), "otherRequests": self.skipped,
                "failures": len(self.failures), "byCode": dict(self.by_code()), "notes": self.notes,
                "redacted": self.redaction, "requests": [d.to_dict() for d in self.diagnoses]}

    def rows(self) -> list[dict]:
        """One row per Genesys request: started (UTC datetime, None when no time was recorded), operation, status,
        code, duration (ms). What the charts are drawn from and frame() is made of."""
        from diag.core.intervals import recorded_instant

        return [{"started": recorded_instant(d.request.started), "operation": d.label, "status": d.request.status,
                 "code": f"{d.request.status or '-'} {d.error_code or ''}".strip(),
                 "duration_ms": d.request.duration_ms} for d in self.diagnoses]

    def frame(self):
        """rows() as a pandas frame (started as UTC datetimes, NaT when none)."""
        return evidence_frame(self.rows())

    def span(self) -> str:
        """The evidence's time span in words (UTC), for chart subtitles and the summary."""
        times = [r["started"] for r in self.rows() if r["started"] is not None]
        if not times:
            return "the evidence's time span (no times recorded)"
        first, last = min(times), max(times)
        try:
            return f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC"
        except (ValueError, NotImplementedError):   # a recorded time past what a calendar library spells
            return f"{str(first)[:19]} to {str(last)[:19]} UTC"

    @property
    def regions(self) -> list[str]:
        """Every region the API requests went to, in order of first use (token requests only when there are no
        API requests)."""
        api = [d.region for d in self.diagnoses if not d.login] or [d.region for d in self.diagnoses]
        return list(dict.fromkeys(api))

    @property
    def where(self) -> str:
        """Where the requests went, in words: the simulator, or the customer's org in a region (several when the
        capture holds several)."""
        def one(region: str) -> str:
            return "the diag simulator (no real calls)" if region == SIMULATOR else f"REAL ORG in {region}"
        places = self.regions
        if not places:
            return "nowhere (no Genesys request)"
        return one(places[0]) if len(places) == 1 else "several places: " + "; ".join(one(p) for p in places)

    # ---- what is shown: numbers and people as pseudonyms (tokens went on read) ----

    @property
    def pseudonymiser(self):
        """One per inspection, so a number or a person has the same pseudonym in the text, the JSON and the
        charts; it learns the people in the evidence first."""
        if self._pseudo is None:
            self._pseudo = pseudonymiser_of(d.request for d in self.diagnoses)
        return self._pseudo

    def shown(self, text: str) -> str:
        return self.pseudonymiser.text(text)

    def public_text(self) -> str:
        """text(), as it may be shown, printed or pasted: numbers and people pseudonymised."""
        return self.shown(self.text())

    def public_dict(self) -> dict:
        """to_dict(), as it may be shown or saved: numbers and people pseudonymised."""
        return self.cleaned_dict(self.shown)

    def cleaned_dict(self, clean, leave_out: tuple[str, ...] = ()) -> dict:
        """to_dict() with `clean` applied to every text it holds: each string value, and the keys that are the
        evidence's own words (byCode's codes as answered, where a server may write a person; redacted's field and
        header names). Counts under keys that clean to the same text are added together. `leave_out`: entries
        not wanted (not cleaned either)."""
        from diag.core.redact import cleaned_counts, map_strings

        found = {k: v for k, v in self.to_dict().items() if k not in leave_out}
        found = map_strings(found, clean)   # values; the other keys are diag's own structure
        for key in _DATA_KEYED:
            if key in found:
                found[key] = cleaned_counts(found[key], clean)
        return found

    def public_rows(self) -> list[dict]:
        """rows() with their text pseudonymised (what the charts are drawn from)."""
        return self.cleaned_rows(self.shown)

    def cleaned_rows(self, clean) -> list[dict]:
        """rows() with `clean` applied to every text cell; times, statuses and durations are data."""
        return [{k: clean(v) if isinstance(v, str) else v for k, v in row.items()} for row in self.rows()]

    def by_code(self) -> Counter:
        return Counter(f"{d.request.status or '-'} {d.error_code or _no_code(d)}".strip() for d in self.failures)

    def text(self) -> str:
        lines = [f"{self.kind.upper()} evidence: {len(self.diagnoses)} Genesys request(s), {self.skipped} other "
                 f"request(s) skipped, {len(self.failures)} failed."]
        lines += [f"  note: {n}" for n in self.notes]
        first = self.failures[0] if self.failures else None
        if first:
            r = first.request
            lines += ["", f"First failure: #{first.index} {first.label} -> "
                          f"{r.status or r.transport_error or 'not sent / no answer'} {first.error_code or ''}".rstrip()]
            if first.message:   # the simulator's answers are modelled: never said as Genesys' own words
                lines.append(f"  {'The diag simulator (modelled)' if first.region == SIMULATOR else 'Genesys'} said: "
                             f"{first.message}")
            if first.explanation:
                lines.append(f"  Why: {first.explanation}")
            lines.append(f"  Correlation id: {first.correlation_id or '-'}")
            lines += [f"  - {f['severity']} {f['path']} {f['code']}: {f['message']}" for f in first.findings[:5]]
            lines += [f"  note: {n}" for n in first.notes]
            lines += ["", "Failures by exact code:"] + [f"  {k}  x{v}" for k, v in self.by_code().most_common()]
            ops = Counter(d.label for d in self.failures)
            lines += ["", "Failures by operation:"] + [f"  {k}  x{v}" for k, v in ops.most_common()]
        lines += ["", "Timeline:"]
        for d in self.diagnoses:
            r = d.request
            lines.append(f"  #{d.index:<3} {(r.started or '')[:23]:<23} {d.label}"
                         f" -> {r.status or '-'} {d.error_code or ''} {d.correlation_id or ''}".rstrip())
        return "\n".join(lines)


SIMULATOR = "simulator"
SIMULATOR_NOTE = ("captured from the diag simulator: its answers are modelled and its correlation ids mean nothing at "
                  "Genesys (do not quote them)")


def _no_code(d: Diagnosis) -> str:
    if not d.request.status and d.request.transport_error:
        return "(no answer)"
    if d.verdict == "refused" and (d.request.status or 0) < 400:
        return "(body refused)"
    if d.request.response_body in (None, "") and d.request.status:
        return "(no body recorded)"   # browsers leave out bodies the page never read
    return ""


def inspect(path_or_text: str | Path, sim_hosts: tuple[str, ...] | list[str] = ()) -> Inspection:
    """Read a HAR file, a cURL command, a raw HTTP request or a diag log (a path, or the text itself). `sim_hosts`
    ("127.0.0.1:8123") are diag simulators whose requests count as Genesys requests (a capture of `diag sim`)."""
    text = _text_of(path_or_text)
    evidence = read_evidence(text)
    return diagnose(evidence, sim_hosts=sim_hosts)


def _is_file(text: str) -> bool:
    try:
        return "\n" not in text and len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):   # one line of pasted text too long for a file name, or with a NUL in it
        return False


def _text_of(given: str | Path) -> str:
    if isinstance(given, Path) or (isinstance(given, str) and _is_file(given)):
        try:
            return Path(given).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableEvidence(f"{given}: not UTF-8 text (byte {exc.start})") from None
    return str(given)


def diagnose(evidence: Evidence, sim_hosts: tuple[str, ...] | list[str] = ()) -> Inspection:
    """Every Genesys request of the evidence checked, and what holds across them. Without the cycle collector's
    pauses: each request adds objects that live as long as the inspection (see diag.core.bulk)."""
    with no_gc_pauses():
        return _diagnose(evidence, sim_hosts)


def _diagnose(evidence: Evidence, sim_hosts: tuple[str, ...] | list[str]) -> Inspection:
    place = genesys_places(sim_hosts)
    out, skipped, n = [], 0, 0
    for r in evidence.requests:
        found = place(r)
        if found is None:
            skipped += 1
            continue
        n += 1
        out.append(_diagnose_one(n, r, *found))
    inspection = Inspection(evidence.kind, out, skipped, evidence.redaction, list(evidence.notes),
                            evidence=evidence)
    _across(inspection)
    return inspection


def genesys_places(sim_hosts=()):
    """The one rule for which requests of the evidence are Genesys': a function of a request giving (region, is a
    token request) for a region's API or login host (its /oauth/ paths), the in-process simulator, or a --sim-host;
    None for anything else (a CDN, the page itself)."""
    from diag.core.regions import IN_PROCESS_HOST, REGIONS

    api_hosts = {r.host: name for name, r in REGIONS.items()}
    login_hosts = {r.login_base.split("//", 1)[-1]: name for name, r in REGIONS.items()}
    sims = {_host_key(h) for h in checked_sim_hosts(sim_hosts)} - {""}   # an unreadable host names nothing

    def place(r: EvidenceRequest) -> tuple[str, bool] | None:
        host = r.host
        token_request = host in login_hosts and r.path.startswith("/oauth/")   # not the login page itself
        if host in api_hosts or token_request:
            return api_hosts.get(host) or login_hosts[host], token_request
        if host == IN_PROCESS_HOST or sims and (key := _host_key(r.url)) and key in sims:
            # the simulator (a diag log of the in-process one, or --sim-host) serves its token endpoint beside the API
            return SIMULATOR, r.path.startswith("/oauth/")
        return None

    return place


def checked_sim_hosts(given) -> tuple[str, ...]:
    """--sim-host values: HOST:PORT on this machine's loopback (the simulator never runs elsewhere); ValueError
    saying which and why."""
    import ipaddress
    from urllib.parse import urlsplit

    out = []
    for value in given or ():
        parts = urlsplit("//" + value.strip())
        try:
            port = parts.port
        except ValueError:
            port = None
        host = parts.hostname or ""
        if not port or parts.path or parts.username or parts.password:
            raise ValueError(f"--sim-host {value!r}: give HOST:PORT, e.g. 127.0.0.1:8123 (what `diag sim` prints)")
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"--sim-host {value!r}: the simulator runs on this machine (127.0.0.1, ::1 or "
                             "localhost); another host is not read as the simulator")
        out.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return tuple(out)


def _host_key(given: str) -> str:
    """host:port, lower case, from a URL or a host ("127.0.0.1:8123", "http://localhost:8123/api")."""
    from urllib.parse import urlsplit

    parts = urlsplit(given if "//" in given else "//" + given)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:   # a port out of range in the evidence: not the simulator, whatever it is
        return ""
    if not parts.hostname:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


def _diagnose_one(index: int, r: EvidenceRequest, region: str, login: bool) -> Diagnosis:
    from diag.core.answer import read_answer
    from diag.core.endpoints import check_operation

    d = Diagnosis(index, r, region, login, None)
    if not login:
        check = check_operation(r.method, r.path)
        if check.operation is not None:
            d.operation = f"{r.method} {check.operation.path}"
        else:
            d.nearest = [str(op) for op in check.suggestions[:3]]
            d.notes.append(f"{r.method} {r.path} is not a Platform API operation"
                           + (f"; nearest: {', '.join(d.nearest)}" if d.nearest else ""))
        _check_body(d)
    if r.status == 400 and d.verdict and d.refused_by is None:
        d.notes.append("Genesys refused what diag's model accepts for this body: the org's state decided (a "
                       "conversation that ended, a version), or the model is wrong here; please report it with the "
                       "correlation id")
    if d.refused_by == "genesys" and 200 <= (r.status or 0) < 400:
        d.notes.append(f"Genesys accepted this ({r.status}) although diag's model says it would refuse the body: "
                       "the model is wrong here or the body was changed on the way; please report it with the "
                       "correlation id")
    reading = read_answer(r.status, r.response_headers, r.response_body, d.operation)
    d.correlation_id, d.rate_limit = reading.correlation_id, reading.rate_limit
    if (r.status or 0) >= 400:
        d.error_code, d.message, d.explanation = reading.error_code, reading.message, reading.explanation
        params = reading.params
        if r.status == 401 and d.error_code == "authentication.required":
            d.notes.append("no bearer token reached Genesys: the request had no usable Authorization header")
        elif r.status == 401:
            d.notes.append(f"the token was refused by {region}: it may have expired or been revoked, or come from "
                           "another region's login host (which of these, the answer does not say)")
        if r.status == 403 and params:
            d.notes.append("missing permission(s) named by Genesys: " + ", ".join(f"{v}" for v in params.values()))
        if d.error_code == "not.a.user":
            d.notes.append("a client-credentials token: this operation needs a user's token (authorization code)")
        if r.status == 429:
            wait = reading.retry_after
            d.notes.append(f"rate limited; Retry-After {wait} s" if wait else "rate limited; no Retry-After sent")
    return d


def _check_body(d: Diagnosis) -> None:
    body = d.request.body
    if body is None or d.operation is None or d.request.method not in ("POST", "PUT", "PATCH"):
        return
    from urllib.parse import urlsplit

    query = urlsplit(d.request.url).query
    operation = d.operation + (f"?{query}" if query else "")   # the model reads the query too
    if isinstance(body, str):   # not JSON as recorded: read as the doctor reads pasted text (and the gate, 911s)
        judged = _judge(operation, body, text=True)
    else:
        try:
            key = json.dumps(body, ensure_ascii=False)
        except (TypeError, ValueError):
            key = None
        judged = _judged(operation, key) if key is not None else _judge(operation, body)
    if judged is None:
        return
    d.verdict, d.headline, d.refused_by, d.genesys_refuses, findings = judged
    d.findings = [dict(f) for f in findings]


@functools.lru_cache(maxsize=1024)
def _judged(operation: str, body_json: str) -> tuple | None:
    # a capture repeats the same request (polls, retries, a click-to-dial button): each body is judged once
    return _judge(operation, json.loads(body_json))


def _judge(operation: str, body: Any, text: bool = False) -> tuple | None:
    from diag.core.doctor import UnknownOperation, check_for_operation, check_text
    from diag.core.model import Caller

    # The body is judged as if its caller may send it: the evidence does not say who it was, and its answer says
    # the rest (a 403 is explained by its own code).
    caller = Caller("user", None, True, "the caller in the evidence (assumed to hold the operation's permissions)",
                    all_permissions=True)
    try:
        report = (check_text(body, operation=operation, caller=caller) if text else
                  check_for_operation(operation, body, caller=caller))
    except UnknownOperation:
        return None
    return (report.verdict, report.headline, report.refused_by, not report.prediction.ok,
            tuple({"severity": f.severity, "path": f.path, "code": f.code, "message": f.message}
                  for f in report.findings))


def _across(inspection: Inspection) -> None:
    """What only shows across requests: a token from one region's login host used on another's API host; 429
    bursts."""
    logins = {d.region for d in inspection.diagnoses if d.login}
    apis = {d.region for d in inspection.diagnoses if not d.login}
    if len(apis) > 1:
        inspection.notes.append(f"the requests went to more than one place ({', '.join(inspection.regions)}); "
                                "each request is labelled with its own")
    if logins and apis and not apis <= logins:
        inspection.notes.append(f"tokens were requested from {', '.join(sorted(logins))} but used on "
                                f"{', '.join(sorted(apis - logins))}: a token works only in the region that issued it "
                                "(modelled: each region has its own login host; the facts diag holds say no more)")
    if SIMULATOR in inspection.regions:   # every output of the inspection carries it: its notes
        inspection.notes.append(SIMULATOR_NOTE)
    bursts = sum(1 for d in inspection.diagnoses if d.request.status == 429)
    if bursts >= 3:
        inspection.notes.append(f"{bursts} answers were 429: pace requests under the limit and wait Retry-After")


def as_records(inspection: Inspection) -> list[dict[str, Any]]:
    """The Genesys requests as exchange-like records (what the bundle's HAR writer reads)."""
    out = []
    for d in inspection.diagnoses:
        r = d.request
        out.append({"method": r.method, "url": r.url, "request_headers": r.headers, "request_body": r.body,
                    "status": r.status, "response_headers": r.response_headers, "response_body": r.response_body,
                    "started": r.started or NO_TIME, "duration_ms": r.duration_ms,
                    "transport_error": None if r.status else (r.transport_error or NO_ANSWER_IN_EVIDENCE),
                    "correlation_id": d.correlation_id, "notes": d.notes})
    return out


__all__ = ["Diagnosis", "Inspection", "UnreadableEvidence", "as_exchanges", "as_records", "diagnose", "inspect"]


def as_exchanges(inspection: Inspection):
    """The Genesys requests as Exchanges (the ticket's evidence section), each labelled with its own region (the
    simulator's are marked simulated): the section says where they went, and a mix is a note, not a relabel."""
    from diag.core.exchange import Exchange
    out = []
    for d in inspection.diagnoses:
        r = d.request
        template = d.operation.split(" ", 1)[1] if d.operation else None
        out.append(Exchange(
            seq=d.index, started=r.started or NO_TIME, method=r.method, url=r.url,
            path=r.path, template=template, request_headers=dict(r.headers), request_body=r.body, status=r.status,
            response_headers=dict(r.response_headers), response_body=r.response_body, duration_ms=r.duration_ms,
            correlation_id=d.correlation_id, rate_limit=dict(d.rate_limit),
            error=r.response_body if isinstance(r.response_body, dict) and (r.status or 0) >= 400 else None,
            error_code=d.error_code, explanation=d.explanation, findings=list(d.findings),
            notes=[f"from the customer's evidence ({inspection.kind})", *d.notes],
            transport_error=None if r.status else (r.transport_error or NO_ANSWER_IN_EVIDENCE), region=d.region,
            simulated=d.region == SIMULATOR))
    return out
