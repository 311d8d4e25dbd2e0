"""The support-ticket bundle: one zip with everything support needs and nothing that must not leave.

    summary.md              paste-ready: what was tried, when, where, statuses, error codes, correlation ids,
                            the doctor's findings and corrected body, explanations, charts by name
    exchanges.jsonl         the selected exchanges, redacted
    session.har             the same as HAR 1.2
    repro.sh / repro.py     replay with $GENESYS_CLOUD_ACCESS_TOKEN and each pseudonymised number as a variable
    charts/*.png, *.svg     figures;  data/*.csv  the frames behind them
    evidence/               (when given) the customer's evidence: its Genesys requests as a sanitised HAR and JSON
                            lines, the inspection's findings; its charts are charts/evidence_*.png
    newrelic-events.json    (when asked) one New Relic custom event per exchange
    manifest.json           versions, creation time, contract version, files with checksums, the policy applied
    redaction-report.json   what was redacted, by kind and count (never the values)

Every file is built in memory, redacted, then checked for leaks; only then is the zip written (atomically). A
redaction failure stops the export and writes nothing.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import secrets as _secrets
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable
from urllib.parse import urlsplit

from diag.core import __version__, har
from diag.core.doctor.findings import VERDICTS
from diag.core.errors import RedactionError
from diag.core.exchange import Exchange, LogSource, jsonl_line, settle
from diag.core.jsontext import utf8
from diag.core.numbers import PHONE_MIN_DIGITS, phone_spans
from diag.core.redact import (BASIC, BEARER, CUSTOMER_KEYED, EMAIL, JWT, Names, Pseudonymiser, Redactor, as_read,
                               cleaned_counts, loose_jwts, map_strings, shaped_credential, worth_seeking)
from diag.reports import charts
from diag.reports.replay import failed_record, final_requests, replay_refusal, repro_py, repro_sh, script_json

NR_EVENT_TYPE = "DiagApiExchange"
NOT_COVERED = ("Not recognised: names of people typed into fields diag does not know as names (free-text "
               "`attributes` values, `uuiData`, labels), and numbers of fewer than 7 digits. Read them before you "
               "hand the file on.")
POLICY = {
    "always_removed": ["credential headers (Authorization, cookies, *token*, *secret*, api keys)",
                       "OAuth/OIDC values by name: access_token, refresh_token, id_token, code, code_verifier, "
                       "client_secret, client_assertion, assertion, password (headers, query, form, JSON, text)",
                       "the token endpoint's form body", "bearer tokens, Basic-auth values and JWTs anywhere",
                       "every secret the session registered (also split across lines or percent-encoded)"],
    "phone_numbers": "every dialable number (7-15 digits, any script or separator, national/00/SIP/tel forms, JSON "
                     "integers) replaced by a keyed-hash pseudonym per bundle (same number -> same pseudonym, "
                     "country code kept) unless keep_numbers",
    "people": "user names and e-mails, participant and caller id names, every e-mail address -> stable pseudonyms "
              "(user-1, agent-2, email-3) unless keep_people",
    "not_covered": NOT_COVERED,
}


@dataclass
class Bundle:
    path: Path | None                     # None: assembled in memory only (a preview), nothing written
    files: dict[str, int]                 # name -> size
    manifest: dict
    redaction_report: dict
    summary: str
    pseudonyms: dict[str, str] = field(default_factory=dict, repr=False)   # never written to the bundle
    headline: str = ""                    # one line: source, requests, statuses, first error code


def build_bundle(out: str | Path | None, exchanges: Iterable[Exchange], *, source: str = "simulator",
                 figures: dict[str, Any] | None = None, frames: dict[str, Any] | None = None,
                 keep_numbers: bool = False, keep_people: bool = False, newrelic: bool = False,
                 secrets: Iterable[str] = (), notes: Iterable[str] = (), now: dt.datetime | None = None,
                 overwrite: bool = False, inputs: Iterable[str | Path] = (), evidence=None,
                 genesys: Iterable[Any] = (), scripts: bool = True) -> Bundle:
    """Build the zip at `out`. `evidence` is an Inspection of the customer's evidence (diag.core.inspect): its
    section sits beside the exchanges (diag's own calls, which may be none) under its own heading, so a ticket
    can hold the customer's failing requests and their reproduction on the simulator without mixing the two. `frames` are DataFrames by name; `figures` are, by name, functions that draw a
    matplotlib figure from the cleaned frames (preferred: their labels hold pseudonyms), or figures already drawn
    (their titles and legends are cleaned; they must not draw personal data on their axes).

    An existing `out` is replaced only with overwrite=True, and never when it is one of `inputs` (a log the
    bundle is made from). With `out=None` the bundle is assembled and checked in memory and nothing is written
    (a preview). With scripts=False the replay scripts (repro.sh, repro.py) are left out, for a case portal that
    refuses script attachments; the ticket holds no other script (report.html has none)."""
    out = Path(out) if out is not None else None
    if out is not None:
        check_target(out, overwrite=overwrite, inputs=inputs)
    now = now or dt.datetime.now(dt.timezone.utc)
    bundle_id = "dg" + _secrets.token_hex(5)   # letters first: an all-digit id would read as a phone number
    exchanges = list(exchanges)
    LogSource.of(exchanges)   # one ticket, one source: mixed exchanges are refused (ValueError)
    if evidence is not None and not evidence.diagnoses:
        raise ValueError("the evidence holds no Genesys request: nothing of it to add to the ticket")
    from diag.core.inspect import as_exchanges
    evidence_exchanges = as_exchanges(evidence) if evidence is not None else []
    if not exchanges and evidence is None and not figures and not frames:
        raise ValueError("nothing to put in the ticket: no exchanges, no evidence, no charts")
    secrets = [s for s in secrets if s and worth_seeking(s)] + _learned_on_read(evidence)   # as the redactor seeks
    usage_api = getattr((frames or {}).get("usage"), "attrs", {}).get("usage_api")
    if usage_api:   # which usage API answered (the jobs API, or the older query as a labelled fallback)
        notes = [*notes, f"API usage from {usage_api}."]
    genesys = list(genesys)
    redactor, pseudo, raw_numbers, clean_text = _cleaners(exchanges + evidence_exchanges, secrets, keep_numbers,
                                                          keep_people, genesys)

    counted, known = (Counter(redactor.counts), Counter(pseudo.counts)), redactor.known
    records = [_clean_exchange(e, redactor, pseudo, clean_text) for e in exchanges]
    if redactor.known != known:   # a secret learned from a later exchange (a client_secret sent after an answer
        redactor.counts, pseudo.counts = Counter(counted[0]), Counter(counted[1])   # quoted it): out of all of them
        records = [_clean_exchange(e, redactor, pseudo, clean_text) for e in exchanges]
    notes = [clean_text(str(n)) for n in notes]   # the caller's words, once the exchanges taught their secrets
    files: dict[str, bytes] = {}
    files["exchanges.jsonl"] = b"".join(jsonl_line(r) for r in records)
    files["session.har"] = utf8(har.write(records), indent=1)
    variables = _number_variables(records, raw_numbers, pseudo.mapping, keep_numbers)
    # why a request is not replayed quotes the value the gate refused: cleaned like every other text
    replayable = [dict(r, refused=(lambda why: clean_text(why) if why else why)(replay_refusal(e)))
                  for r, e in zip(records, exchanges)]
    if scripts:
        files["repro.sh"] = repro_sh(replayable, variables).encode()
        files["repro.py"] = repro_py(replayable, variables).encode()
    else:
        notes = [*notes, "Replay scripts (repro.sh, repro.py) left out: this ticket was made for a case portal "
                         "that refuses script attachments."]
    cleaned = {name: _clean_frame(frame, clean_text) for name, frame in (frames or {}).items()}
    for name, frame in cleaned.items():   # text columns cleaned; counts and measurements are data
        files[f"data/{name}.csv"] = frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S%z").encode(errors="replace")
    for name, fig in (figures or {}).items():
        if callable(fig):   # a chart drawn here, from the cleaned frames: its labels hold pseudonyms only
            fig = fig(cleaned)
        with _cleaned_labels(fig, clean_text):   # titles, ticks and legends: client names, templates, numbers
            for fmt, data in charts.rendered(fig).items():
                files[f"charts/{name}.{fmt}"] = data
    evidence_part = None
    if evidence is not None:
        evidence_part = _evidence_files(evidence, evidence_exchanges, redactor, pseudo, clean_text, files)
    sides = [map_strings(side.raw_dict(), clean_text, CUSTOMER_KEYED) for side in genesys]   # as GenesysSide.to_dict
    for i, side in enumerate(sides, 1):
        files[f"genesys/{i:02d}-{side['conversationId']}.json"] = utf8(side, indent=1)
    if sides:
        notes = [*notes, *_genesys_summary(sides)]
    if newrelic:
        files["newrelic-events.json"] = json.dumps(newrelic_events(records, bundle_id), indent=1).encode()
    summary = clean_text(summary_md(records, exchanges, source=source, now=now, figures=list(figures or {}),
                                    frames=list(frames or {}), newrelic=newrelic, bundle_id=bundle_id,
                                    keep_numbers=keep_numbers, keep_people=keep_people, notes=list(notes),
                                    clean=clean_text, evidence=evidence_part, scripts=scripts))
    files["summary.md"] = summary.encode(errors="replace")
    from diag.reports.report import report_files

    svgs = {n[len("charts/"):-len(".svg")]: b for n, b in files.items() if n.startswith("charts/") and n.endswith(".svg")}
    files.update(report_files(records, source=source, now=now, bundle_id=bundle_id, version=__version__,
                              evidence=evidence_part, charts=svgs, notes=list(notes),
                              simulated=any(r.get("simulated") for r in records),
                              headline=_headline(records, source) if records else
                              "the customer's evidence" if evidence_part else
                              f"API usage of {source} (charts and data; no request in this ticket)"))
    replaced = Counter(redactor.counts) + Counter(pseudo.counts)   # "key <name>": a field's name can name someone
    report = {"bundle": bundle_id, "redacted": cleaned_counts(replaced, clean_text),
              "phone_numbers_pseudonymised": len(pseudo.mapping), "people_pseudonymised": len(pseudo.people_mapping),
              "numbers_kept": keep_numbers, "people_kept": keep_people, "not_covered": NOT_COVERED}
    files["redaction-report.json"] = json.dumps(report, indent=1).encode()
    if not keep_numbers:   # the records' own text (not their counts and sizes) holds no number left
        for text in _strings_of([records, evidence_part["records"] if evidence_part else []]):
            if phone_spans(text):
                raise RedactionError("A phone number survived pseudonymisation in exchanges.jsonl; nothing was "
                                     "written.", file="exchanges.jsonl", kind="phone number")
    _last_look(files, pseudo, raw_numbers, [*secrets, *redactor.learned_secrets()], keep_numbers, keep_people)
    manifest = _manifest(files, bundle_id, now, keep_numbers, len(records))
    if evidence_part:
        manifest["evidence"] = {"kind": evidence.kind, "genesys_requests": len(evidence.diagnoses),
                                "failed": len(evidence.failures), "other_requests_skipped": evidence.skipped}
    files["manifest.json"] = json.dumps(manifest, indent=1).encode()
    path = _write_zip(out, files, replace=overwrite) if out is not None else None
    headline = _headline(records, source) if records or not evidence_part else ""
    if evidence_part:
        headline += (f"{'; ' if headline else ''}customer evidence ({evidence.kind}): {len(evidence.diagnoses)} Genesys request(s), "
                     f"{len(evidence.failures)} failed")
    return Bundle(path, {k: len(v) for k, v in files.items()}, manifest, report, summary, dict(pseudo.mapping),
                  headline)


def _cleaners(exchanges: list[Exchange], secrets: list[str], keep_numbers: bool, keep_people: bool,
              genesys: Iterable[Any] = ()):
    """(redactor, pseudonymiser, the raw numbers, clean_text) for a set of exchanges and Genesys' sides of calls:
    the people are learned first, so that their names are replaced wherever they appear; every bundle and
    sanitised HAR starts here."""
    redactor = Redactor(secrets)
    pseudo = Pseudonymiser(_secrets.token_bytes(32), numbers=not keep_numbers, people=not keep_people)
    for e in exchanges:
        for body in (e.request_body, e.written_as, e.response_body):   # the body as first written is a body too
            pseudo.learn_people(body, str(e.path))
        pseudo.learn_searches(e.url, e.request_body)
    for side in genesys:   # a side comes without the exchanges that fetched it (diag bundle --genesys, the composer)
        for part in side.parts:
            pseudo.learn_people(part.answer, part.operation.partition(" ")[2])

    raw_numbers = _numbers_in(exchanges)
    if not keep_numbers:   # known before any text is read: an id holding one (CUST13175550161) met first is replaced
        for number in raw_numbers:
            if len(re.sub(r"\D", "", number)) >= PHONE_MIN_DIGITS:
                pseudo.pseudonym(number)

    def clean_text(text: str) -> str:
        return pseudo.text(redactor.text(text))
    return redactor, pseudo, raw_numbers, clean_text


def _learned_on_read(inspection) -> list[str]:
    """The secrets the evidence's reading learned (tokens in answers, cookies, Basic credentials): removed again
    from every copy, and sought by the last look (with those the ticket's own cleaning learned)."""
    evidence = getattr(inspection, "evidence", None)
    redactor = getattr(evidence, "redactor", None)
    return redactor.learned_secrets() if redactor is not None else []


def _last_look(files: dict[str, bytes], pseudo: Pseudonymiser, raw_numbers: list[str], secrets: list[str],
               keep_numbers: bool, keep_people: bool) -> None:
    _verify(files, [] if keep_numbers else raw_numbers + list(pseudo.mapping),
            [] if keep_people else pseudo.people_index(), secrets)


def sanitised_har(inspection, *, keep_numbers: bool = False, keep_people: bool = False) -> tuple[bytes, dict]:
    """The evidence's Genesys requests as a HAR 1.2 that can be handed on: redacted (on read, and again here) and
    pseudonymised, then given the bundle's last look (RedactionError: nothing is returned). Returns (bytes, counts
    by kind of what these requests had replaced, on read or here)."""
    from diag.core.inspect import as_exchanges

    exchanges = as_exchanges(inspection)
    secrets = _learned_on_read(inspection)
    redactor, pseudo, raw_numbers, clean_text = _cleaners(exchanges, secrets, keep_numbers, keep_people)
    records = [_clean_exchange(e, redactor, pseudo, clean_text) for e in exchanges]
    data = utf8(har.write(records), indent=1)
    _last_look({"evidence.har": data}, pseudo, raw_numbers, [*secrets, *redactor.learned_secrets()], keep_numbers,
               keep_people)
    return data, dict(sorted((Counter(redactor.counts) + Counter(pseudo.counts)).items()))


def _evidence_files(evidence, evidence_exchanges: list[Exchange], redactor: Redactor, pseudo: Pseudonymiser,
                    clean_text, files: dict[str, bytes]) -> dict:
    """The evidence's part of the bundle, cleaned like the exchanges (the same pseudonyms for the same numbers and
    people in both): requests (JSONL and HAR), the inspection's findings, its frame and its two charts."""

    records = [_clean_exchange(e, redactor, pseudo, clean_text) for e in evidence_exchanges]
    files["evidence/requests.jsonl"] = b"".join(jsonl_line(r) for r in records)
    files["evidence/evidence.har"] = utf8(har.write(records), indent=1)
    # redacted on read already: only numbers and people here (a by-name pass would take "401 bad.credentials"'s
    # count and the doctor's finding codes for credentials)
    found = evidence.cleaned_dict(clean_text, leave_out=("redacted",))   # redaction-report.json counts them
    files["evidence/inspection.json"] = utf8(found, indent=1)
    from diag.core.inspect import evidence_frame

    rows = evidence.cleaned_rows(clean_text)
    files["data/evidence.csv"] = evidence_frame(rows).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S%z").encode(
        errors="replace")
    span = evidence.span()
    names = []
    try:
        for name, fig in charts.evidence_figures(rows, evidence.kind, span).items():
            for fmt, data in charts.rendered(fig).items():
                files[f"charts/{name}.{fmt}"] = data
            names.append(name)
    except (ValueError, OverflowError, NotImplementedError):   # times no chart can place (year 1, year 9999)
        for stale in [n for n in files if n.startswith("charts/evidence_")]:
            del files[stale]
        names = []
    limits = None
    read = getattr(evidence, "evidence", None)
    if read is not None and read.kind in ("har", "diag-log"):
        from diag.core.limits import limits_of

        report = limits_of(read)
        if report.hits:   # which rate limit the 429s most likely hit, with its chart
            limits = map_strings(report.to_dict(), clean_text)
            files["evidence/limits.json"] = utf8(limits, indent=1)
            fig = charts.requests_per_minute(report, f"customer evidence ({evidence.kind})")
            with _cleaned_labels(fig, clean_text):
                for fmt, data in charts.rendered(fig).items():
                    files[f"charts/evidence_limits.{fmt}"] = data
            names.append("evidence_limits")
    fixed = {}   # a corrected body for each call body the doctor refuses, computed on the body as sent, then cleaned
    for d in evidence.diagnoses:
        body = d.corrected()
        if body is not None:
            fixed[d.index] = clean_text(json.dumps(pseudo.value(redactor.value(body)), indent=2, ensure_ascii=False))
    return {"records": records, "inspection": found, "charts": names, "span": span, "kind": evidence.kind,
            "fixed": fixed, "limits": limits,
            "where": evidence.where, "skipped": evidence.skipped}


def _genesys_summary(sides: list[dict]) -> list[str]:
    """One note per conversation: what Genesys' side holds (or why not), and its timeline's Genesys rows."""
    out = []
    for i, side in enumerate(sides, 1):
        held = [p["name"] for p in side["parts"] if not p["refusal"]]
        refused = [f"{p['name']} ({p['refusal']})" for p in side["parts"] if p["refusal"]]
        where = " (modelled by the diag simulator: these answers mean nothing at Genesys)" if side["simulated"] else ""
        rows = [f"{r['time']} {r['what']}" for r in side["timeline"]
                if r["source"] != "diag" and "another conversation" not in r["what"]][:8]
        out.append(f"Genesys' side of conversation {side['conversationId']}{where}: genesys/{i:02d}-"
                   f"{side['conversationId']}.json holds " + (", ".join(held) or "nothing")
                   + (f"; not available: {'; '.join(refused)}" if refused else "")
                   + _pcap_note(side.get("pcap"))
                   + (f". Genesys recorded: {'; '.join(rows)}" if rows else "") + ".")
    return out


def _pcap_note(pcap: dict | None) -> str:
    if not pcap:
        return ""
    if pcap.get("file"):
        return (f"; its PCAP was saved beside this ticket as {pcap['file']} (sha256 {pcap['sha256']}), not in it: "
                "raw and unredacted, it goes only where the customer agrees")
    return f"; PCAP not available: {pcap.get('refusal')}"


def _headline(records: list[dict], source: str) -> str:
    final = final_requests(records)
    statuses = Counter(str(r["status"] or "no answer") for r in final)
    codes = Counter(r["error_code"] for r in final if isinstance(r.get("error_code"), str))
    return (f"{source}: {len(final)} request(s), " + (", ".join(f"{k} x{v}" for k, v in sorted(statuses.items()))
                                                     or "none")
            + (f"; errors {', '.join(f'{k} x{v}' for k, v in codes.most_common(3))}" if codes else ""))


def _clean_frame(frame, clean_text):
    """Every text cell cleaned (whatever pandas calls a text column); counts, measurements and times kept."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series) \
                or pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.map(lambda v: clean_text(v) if isinstance(v, str) else v)
    out.columns = [clean_text(str(c)) for c in out.columns]
    return out


def _cleaned_ticks(inner, clean_text):
    """`inner` (a matplotlib tick formatter) with every label it makes cleaned; it still lays the ticks out itself
    (dates, offsets), as it would alone."""
    from matplotlib.ticker import Formatter

    class CleanedTicks(Formatter):
        def __call__(self, x, pos=None):
            return clean_text(str(inner(x, pos)))

        def format_ticks(self, values):
            return [clean_text(str(v)) for v in inner.format_ticks(values)]

        def set_locs(self, locs):
            inner.set_locs(locs)

        def get_offset(self):
            return clean_text(str(inner.get_offset()))

        def format_data(self, value):
            return clean_text(str(inner.format_data(value)))

        def format_data_short(self, value):
            return clean_text(str(inner.format_data_short(value)))

    return CleanedTicks()


class _cleaned_labels:
    """Every text a figure draws, cleaned for the export and put back afterwards (the panel keeps its view)."""

    def __init__(self, fig, clean_text):
        from matplotlib.text import Text

        self.texts = [(t, t.get_text()) for t in fig.findobj(Text)]
        self.clean_text = clean_text
        # tick labels are made again from the data at each draw (a categorical axis names its categories): their
        # formatters are wrapped, not their texts
        self.axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
        self.formatters = [(axis.get_major_formatter(), axis.get_minor_formatter()) for axis in self.axes]

    def __enter__(self):
        for t, original in self.texts:
            if original:
                t.set_text(self.clean_text(original))
        for axis, (major, minor) in zip(self.axes, self.formatters):
            axis.set_major_formatter(_cleaned_ticks(major, self.clean_text))
            axis.set_minor_formatter(_cleaned_ticks(minor, self.clean_text))
        return self

    def __exit__(self, *exc):
        for t, original in self.texts:
            t.set_text(original)
        for axis, (major, minor) in zip(self.axes, self.formatters):
            axis.set_major_formatter(major)
            axis.set_minor_formatter(minor)


def check_target(out: Path, *, overwrite: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse to write over a file unless asked, and over an input always (FileExistsError / ValueError)."""
    out = Path(out)
    for given in inputs:
        try:
            same = out.exists() and Path(given).exists() and out.resolve().samefile(Path(given).resolve())
        except OSError:
            same = False
        if same:
            raise FileExistsError(f"{out} is an input of the bundle (the log or the evidence it is made from): "
                                  "choose another --out")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists: choose another name, or replace it on purpose (--force, "
                              "overwrite=True)")
    if out.is_dir():
        raise FileExistsError(f"{out} is a folder: give a file name for the zip")


# ---- redaction ------------------------------------------------------------------------------------

def _numbers_in(exchanges: list[Exchange]) -> list[str]:
    """Every number that the requests dialled or that answers echoed, as written and as E.164."""
    from diag.core import numbers as phones
    from diag.core.doctor import rules

    found: set[str] = set()
    for e in exchanges:
        bodies = [e.request_body, e.written_as, e.response_body]
        for body in bodies:
            if isinstance(body, dict):
                for _, value, _ in rules.number_fields(body):
                    found.add(value)
                for p in body.get("participants") or []:
                    if isinstance(p, dict) and isinstance(p.get("address"), str):
                        found.add(p["address"])
    out = set()
    for n in found:
        if phones.is_address(n) or not re.search(r"\d{5,}", re.sub(r"\D", "", n) or ""):
            continue
        out.add(n)
        out.add(phones.normalise(n))
    return sorted(out, key=len, reverse=True)


def _clean_exchange(e: Exchange, redactor: Redactor, pseudo: Pseudonymiser, clean_text) -> dict:
    data = e.to_dict()
    for side in ("request_headers", "response_headers"):   # names too: X-Caller-+13175550504, X-Agent-a@b.com
        data[side] = {clean_text(str(k)): v for k, v in redactor.headers(data[side]).items()}
    if "/oauth/token" in str(data["url"]):
        data["request_body"] = redactor.form_body(data["request_body"])
    known = redactor.known
    bodies = ("request_body", "response_body", "error", "written_as")
    for key in bodies:
        data[key] = pseudo.value(redactor.value(data[key]))
    # The bodies had the whole pipeline already; they are read again only if a secret was learned meanwhile
    # (a token in the answer that the request quoted)
    again = redactor.known != known
    return {k: v if k in bodies and not again else map_strings(v, clean_text) for k, v in data.items()}


def _verify(files: dict[str, bytes], numbers: list[str], people: list[str] | Names | None, secrets: list[str]) -> None:
    """The last look before anything is written: no registered secret, no token shape, none of the numbers and
    people that were pseudonymised, and no number or e-mail the pseudonymiser would still recognise."""
    from diag.core.numbers import (ESCAPES, PERCENT_ESCAPE, canonical_text, phone_spans, spans_stand_together,
                                   without_separators)

    digits = {re.sub(r"\D", "", canonical_text(n)) for n in numbers}
    digits = {d for d in digits if len(d) >= 7}
    lengths = sorted({len(d) for d in digits})
    runs = re.compile(rf"\d{{{lengths[0] if lengths else 1},}}")   # a shorter run is none of the numbers
    people_re = (people if isinstance(people, Names) else Names(people)) if people else None
    split_sought = [s for s in secrets if len(s) >= 8]   # broken by blanks: as the redactor seeks them (8 or more)
    for name, data in files.items():
        if name.endswith(".png"):
            continue
        text = data.decode("utf-8", "replace")
        if secrets and (_any_secret_in(text, secrets) or _any_secret_in("".join(text.split()), split_sought)):
            raise RedactionError(f"A registered secret survived redaction in {name}; nothing was written.",
                                 file=name, kind="secret")
        low = text.lower()
        for pattern, kind, needed in ((JWT, "JWT", "eyj"), (BEARER, "bearer token", "bearer"),
                                      (BASIC, "basic credentials", "basic")):
            # each shape has a word it cannot do without (as Redactor reads them): only then is it sought
            if needed in low and pattern.search(text) and not _placeholder_only(pattern, text):
                raise RedactionError(f"A {kind} survived redaction in {name}; nothing was written.", file=name,
                                     kind=kind)
        if loose_jwts(text):
            raise RedactionError(f"A JWT survived redaction in {name}; nothing was written.", file=name, kind="JWT")
        if name.endswith(".svg"):   # a chart: what it says, not how it is drawn (digits all the way down)
            text = _said_in_svg(text)
        elif name.endswith(".html"):   # the same charts, inline in the page: read as their files are
            text = _SVG_ELEMENT.sub(lambda svg: _said_in_svg(svg.group(0)), text)
        elif name.startswith("charts/"):   # a chart picture (PNG was left out above)
            continue
        found = phone_spans(text) if numbers and name in _FREE_TEXT_FILES else []
        if digits:
            # the digits of a pseudonymised number, standing on their own once separators are gone, or inside
            # anything the pseudonymiser reads as a number (not inside a longer id: c1000000-0000-4000-...).
            # Set look-ups, not one alternation of every number: linear in the text however many numbers.
            # percent-escapes go as phone_spans reads them: separators (+44%2020%207946 is +44 20 7946)
            bare = PERCENT_ESCAPE.sub("", text) if "%" in text else text
            flat = without_separators(canonical_text(ESCAPES.sub("", bare)))
            flat_runs = runs.findall(flat)
            if any(run in digits for run in flat_runs):
                raise RedactionError(f"A phone number survived pseudonymisation in {name}; nothing was "
                                     "written.", file=name, kind="phone number")
            # a span's digits stand in one of those runs: the spans are read only when a run holds a number's
            # digits (or the text has a separator that breaks that rule), not for every file of every ticket
            if not spans_stand_together(text) or any(_holds_a_number(run, digits, lengths) for run in flat_runs):
                found = found or phone_spans(text)
                spans = [_NOT_DIGIT.sub("", canonical_text(ESCAPES.sub("", PERCENT_ESCAPE.sub("", text[a:b]))))
                         for a, b in found]
                if any(_holds_a_number(sd, digits, lengths) for sd in spans):
                    raise RedactionError(f"A phone number survived pseudonymisation in {name}; nothing was "
                                         "written.", file=name, kind="phone number")
        if numbers and name in _FREE_TEXT_FILES and found:
            raise RedactionError(f"A phone number survived pseudonymisation in {name}; nothing was written.",
                                 file=name, kind="phone number")
        if people_re and (people_re.search(text) or EMAIL.search(text) or _read_differs_and_holds(text, people_re)):
                raise RedactionError(f"A person's name or e-mail survived pseudonymisation in {name}; nothing "
                                     "was written.", file=name, kind="personal data")


_FREE_TEXT_FILES = ("summary.md",)


def _read_differs_and_holds(text: str, people_re: Names) -> bool:
    """Whether the text as a reader sees it (as_read: escapes of letters undone, normalised) names a person or an
    e-mail address that its written form hides."""
    read = as_read(text)
    return read != text and bool(people_re.search(read) or EMAIL.search(read))


def _holds_a_number(run: str, digits: set[str], lengths: list[int]) -> bool:
    """Whether a run of digits holds one of `digits` (each of one of `lengths`) anywhere inside it."""
    return any(run[i:i + n] in digits for n in lengths for i in range(len(run) - n + 1))
# An SVG's drawing: path data, coordinates, sizes, transforms and styles, and PNG pictures embedded in base64. What
# is left is what the chart says: its texts (matplotlib keeps each as a comment), links (a data: URL of any other
# kind too: it can carry text), element ids and names.
_SVG_DRAWING = re.compile(r'\s(?:d|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|viewBox|transform|style|points)="[^"]*"'
                          r'|(?<=href=")data:image/png;base64,[A-Za-z0-9+/=\s]*(?=")')
_SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def _said_in_svg(svg: str) -> str:
    return _SVG_DRAWING.sub("", svg)


def _any_secret_in(text: str, secrets: list[str]) -> bool:
    """Whether any of `secrets` occurs in `text`, in time linear in both however many secrets there are: an
    occurrence of a secret of 7 or more characters covers one of the text's 4-character blocks at offsets that are
    multiples of 4, and that block is one of the secret's first four 4-grams; only secrets passing that are sought."""
    if len(secrets) <= 32:   # few: each sought directly (a C-speed search) beats building the index
        return any(secret in text for secret in secrets)
    blocks = {text[i:i + 4] for i in range(0, len(text) - 3, 4)}
    for secret in secrets:
        if len(secret) < 7:
            if secret in text:
                return True
        elif any(secret[i:i + 4] in blocks for i in range(4)) and secret in text:
            return True
    return False


def _strings_of(value: Any):
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield k
            yield from _strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings_of(v)
    elif isinstance(value, str):
        yield value
_NOT_DIGIT = re.compile(r"\D")


def _placeholder_only(pattern, text: str) -> bool:
    """No match of `pattern` that is a credential: the script's token variable, what redaction left, and for
    Bearer and Basic the prose and placeholders the redactor leaves too (shaped_credential)."""
    return all("GENESYS_CLOUD_ACCESS_TOKEN" in m.group(0) or "REDACTED" in m.group(0)
               or pattern is not JWT and not shaped_credential(m.group(0)) for m in pattern.finditer(text))


# ---- formats --------------------------------------------------------------------------------------

def newrelic_events(records: list[dict], bundle_id: str) -> list[dict]:
    """New Relic Event API format: a JSON array of flat objects, each with eventType."""
    out = []
    for r in records:
        started = dt.datetime.fromisoformat(r["started"])
        out.append({"eventType": NR_EVENT_TYPE, "timestamp": int(started.timestamp()), "bundleId": bundle_id,
                    "correlationId": r["correlation_id"] or "", "endpoint": r["template"] or r["path"],
                    "method": r["method"], "status": r["status"] or 0, "errorCode": r["error_code"] or "",
                    "durationMs": r["duration_ms"] or 0, "region": r["region"], "simulated": r["simulated"]})
    return out


def nrql(bundle_id: str) -> str:
    return (f"SELECT count(*), average(durationMs) FROM {NR_EVENT_TYPE} WHERE bundleId = '{bundle_id}' "
            "FACET endpoint, status, errorCode SINCE 30 days ago")


def _number_variables(records: list[dict], raw_numbers: list[str], mapping: dict[str, str],
                      keep: bool) -> list[tuple[str, str, str]]:
    """(variable, pseudonym or number as it appears in the records' request bodies, default value) for the repro
    scripts: each pseudonymised number a replayed request holds becomes NUMBER_n."""
    from diag.core import numbers as phones

    # the bodies as the scripts send them
    bodies = "\n".join(filter(None, (script_json(r["request_body"]) for r in final_requests(records))))
    out: list[tuple[str, str, str]] = []
    if not keep:
        for alias in sorted(set(mapping.values()), key=len, reverse=True):
            if alias in bodies:
                out.append((f"NUMBER_{len(out) + 1}", alias, ""))
        return out
    seen: set[str] = set()
    for raw in raw_numbers:
        e164 = phones.normalise(raw)
        if e164 in seen or raw not in bodies:
            continue
        seen.add(e164)
        # A default only when it is a plain E.164 number: a recorded value can hold anything, and it is written
        # into the scripts.
        plain = re.fullmatch(r"\+[1-9][0-9]{7,14}", e164, re.ASCII) is not None
        out.append((f"NUMBER_{len(out) + 1}", raw, e164 if plain else ""))
    return out


def _md(value) -> str:
    """Text from a log or an answer, safe in one Markdown line or table cell: no line breaks, no table or code
    delimiters, no HTML (a crafted log cannot break out of summary.md)."""
    text = " ".join(str(value).split())
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _c(value) -> str:
    """Text safe inside a Markdown code span: one line, no backticks."""
    return " ".join(str(value).split()).replace("`", "'")


def summary_md(records: list[dict], exchanges: list[Exchange], *, source: str, now: dt.datetime,
               figures: list[str], frames: list[str], newrelic: bool, bundle_id: str, keep_numbers: bool,
               notes: list[str], clean, keep_people: bool = False, evidence: dict | None = None,
               scripts: bool = True) -> str:
    final = final_requests(records)
    if not records and evidence:   # the customer's evidence alone: no calls of diag's to describe
        lines = [f"# Genesys Cloud API diagnosis (customer evidence, {evidence['kind']})", "",
                 f"- Bundle `{bundle_id}`, made {now.strftime('%Y-%m-%d %H:%M:%S')} UTC by diag {__version__}",
                 "- Calls made from diag: none (this ticket holds the customer's evidence)", ""]
    else:
        lines = _session_summary(records, exchanges, final, source=source, now=now, bundle_id=bundle_id,
                                 clean=clean)
        if evidence:   # both sides in the title, each count beside its name, as report.html's
            found = evidence["inspection"]
            lines[0] = (f"# Genesys Cloud API diagnosis: the customer's evidence ({evidence['kind'].upper()}, "
                        f"{found['genesysRequests']} Genesys request(s), {found['failures']} failed); diag's calls "
                        f"({_md(source)})")
    if evidence:
        lines += _evidence_summary(evidence)
    if figures or frames or evidence:
        lines += ["## Charts and data", ""]
        lines += [f"- `charts/{n}.png` (and `.svg`)" for n in figures + (evidence["charts"] if evidence else [])]
        lines += [f"- `data/{n}.csv`" for n in frames + (["evidence"] if evidence else [])]
        if figures or frames:
            lines += ["- Usage data is refreshed once a day and can be up to 24 h old."]
        lines.append("")
    lines += _summary_tail(bundle_id, newrelic, notes, keep_numbers, keep_people, scripts)
    return "\n".join(lines)


def _evidence_summary(evidence: dict) -> list[str]:
    """The customer's failing requests with their correlation ids (each answer's ININ-Correlation-Id)."""
    found = evidence["inspection"]
    failing = [r for r in found["requests"] if r["failed"]]
    lines = ["## The customer's evidence", "",
             f"- Read from: {evidence['kind'].upper()}, sanitised on read (`evidence/evidence.har`, "
             "`evidence/requests.jsonl`, `evidence/inspection.json`)",
             f"- Where: {_md(evidence['where'])} (as the request hosts name it)",
             f"- When: {_md(evidence['span'])}",
             f"- Genesys requests: {found['genesysRequests']} ({found['failures']} failed); other requests skipped: "
             f"{evidence['skipped']}",
             "- Failures by exact code: " + (", ".join(f"`{_c(k)}` x{v}" for k, v in found["byCode"].items()) or "none")]
    lines += [f"- Note: {_md(n)}" for n in found["notes"]]
    lines.append("")
    limits = evidence.get("limits")
    if limits:
        lines += ["### Which rate limit", "",
                  f"- Most likely: `{_c(limits['most_likely'])}` ({len(limits['hits'])} x 429; "
                  "`evidence/limits.json`, `charts/evidence_limits.png`)"]
        lines += [f"- 429 at {_md(h['at'])} for {_md(h['caller'])}, `{_c(h['operation'])}`: "
                  f"{h['caller_last_minute']} of its requests in the 60 s up to it (itself included); {_md(h['evidence'])}: "
                  f"{_md(h['why'])}; correlation id `{_c(h['correlation_id'] or '-')}`" for h in limits["hits"][:10]]
        lines += [f"- What to do: {_md(a)}" for a in limits["advice"]]
        lines.append("")
    if failing:
        lines += ["### Failing requests", "", "| # | time (UTC) | request | status | error code | correlation id |",
                  "|---|---|---|---|---|---|"]
        for r in failing:
            label = r["operation"] or f"{r['method']} {urlsplit(r['url']).path}"
            lines.append(f"| {r['index']} | {_md(r['started'] or '-')} | `{_c(label)}` | {_md(r['status'] or '-')} | "
                         f"{_md(r['errorCode'] or ('(body refused)' if r['verdict'] == 'refused' else ''))} | "
                         f"`{_c(r['correlationId'] or '-')}` |")
        lines.append("")
        for r in failing:
            who = "The diag simulator (modelled)" if r.get("region") == "simulator" else "Genesys"
            said = [f"{who} said: {_md(r['message'])}"] if r["message"] else []
            why = [f"Explanation: {_md(r['explanation'])}"] if r["explanation"] else []
            verdict = ([f"Doctor's verdict on its body: **{r.get('headline') or VERDICTS[r['verdict']]}**"]
                       if r["verdict"] else [])
            if not (said or why or verdict or r["findings"] or r["notes"]):
                continue
            lines.append(f"#### #{r['index']} `{_c(r['operation'] or r['method'] + ' ' + urlsplit(r['url']).path)}`")
            lines += [f"{x}  " for x in said + why + verdict]
            lines += [f"- **{_md(f['severity'])}** `{_c(f['path'])}` `{_c(f['code'])}`: {_md(f['message'])}"
                      for f in r["findings"]]
            lines += [f"- note: {_md(n)}" for n in r["notes"]]
            if r["index"] in evidence["fixed"]:
                lines += ["", "Corrected body:", "```json", evidence["fixed"][r["index"]], "```"]
            lines.append("")
    return lines


def _session_summary(records: list[dict], exchanges: list[Exchange], final: list[dict], *, source: str,
                     now: dt.datetime, bundle_id: str, clean) -> list[str]:
    from diag.core.doctor import check

    times = [r["started"] for r in records]
    statuses = Counter(str(r["status"] or "no answer") for r in final)
    codes = Counter(key[1] or f"{key[0]} (no code)" for key in map(_failure_key, final) if key)   # the table's rows
    endpoints = Counter(f"{r['method']} {r['template'] or r['path']}" for r in final)
    retried = len(records) - len(final)
    lines = [f"# Genesys Cloud API diagnosis ({_md(source)})", "",
             f"- Bundle `{bundle_id}`, made {now.strftime('%Y-%m-%d %H:%M:%S')} UTC by diag {__version__}",
             f"- Where: {_md(source)}",
             f"- When: {_md(min(times))} to {_md(max(times))} (UTC)" if times else "- When: no requests recorded",
             f"- Requests: {len(final)} (plus {retried} attempt{'' if retried == 1 else 's'} that "
             f"{'was' if retried == 1 else 'were'} retried)",
             "- Endpoints: " + (", ".join(f"`{_c(k)}` x{v}" for k, v in endpoints.most_common()) or "none"),
             "- Status codes: " + (", ".join(f"{_md(k)} x{v}" for k, v in sorted(statuses.items())) or "none"),
             "- Error codes: " + (", ".join(f"`{_c(k)}` x{v}" for k, v in codes.most_common()) or "none"), ""]
    lines += _codes_table(final)
    lines += ["## Requests", "", "| # | time (UTC) | request | status | error code | correlation id |",
              "|---|---|---|---|---|---|"]
    for i, r in enumerate(final, 1):
        lines.append(f"| {i} | {_md(r['started'])} | `{_c(r['method'] + ' ' + (r['template'] or r['path']))}` | "
                     f"{_md(r['status'] or '-')} | {_md(r['error_code'] or '')} | `{_c(r['correlation_id'] or '-')}` |")
    lines.append("")
    chosen = {id(r) for r in final}   # the very records; `in final` alone compares dicts, N x N for N requests
    failures = [(r, e) for r, e in zip(records, exchanges) if (id(r) in chosen or r in final) and failed_record(r)]
    if failures:
        lines += ["## What went wrong", ""]
        for r, e in failures:
            lines.append(f"### `{_c(r['method'] + ' ' + (r['template'] or r['path']))}` -> "
                         f"{_md(r['status'] or 'no answer')} {_md(r['error_code'] or '')}")
            lines.append(f"Correlation id: `{_c(r['correlation_id'] or '-')}`  ")
            if r["explanation"]:
                lines.append(f"Explanation: {_md(r['explanation'])}")
            if r["findings"]:
                lines.append("")
                lines.append("Doctor's findings for the body that was sent:")
                lines += [f"- **{_md(f['severity'])}** `{_c(f['path'])}` `{_c(f['code'])}`: {_md(f['message'])}"
                          for f in r["findings"]]
            if isinstance(e.request_body, dict) and r["findings"]:
                from diag.core import model
                from diag.core.facts import CALL_ROUTES, CALLS_ROUTE

                route = f"{r['method']} {r['template']}"
                report = check(e.request_body, operation=route if route in CALL_ROUTES else CALLS_ROUTE)
                p = report.prediction
                # the model's answer is for a caller who may place calls: never said as if it were the answer above
                differs = (f" The server answered {r['status']}: that is what happened, for the caller who sent it "
                           "(permissions and a station decide as much as the body)."
                           if r["status"] and r["status"] != p.status else "")
                lines.insert(len(lines) - len(r["findings"]) - 1,
                             f"Doctor's verdict on the body, for {model.DEMO.describe()}: **{report.headline}** (the "
                             f"server model answers {p.status}{' ' + p.code if p.code else ''}, {p.evidence}).{differs}"
                             "  ")
                fixed = report.fixed
                if fixed is not None:
                    lines += ["", "Corrected body:", "```json", clean(json.dumps(fixed, indent=2)), "```"]
            lines.append("")
    return lines


def _summary_tail(bundle_id: str, newrelic: bool, notes: list[str], keep_numbers: bool,
                  keep_people: bool, scripts: bool = True) -> list[str]:
    lines: list[str] = []
    if newrelic:
        lines += ["## New Relic", "", f"`newrelic-events.json` holds one `{NR_EVENT_TYPE}` event per request (Event API "
                  "format). After sending them to your account's Event API, this NRQL finds them:", "",
                  "```", nrql(bundle_id), "```", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {_md(n)}" for n in notes] + [""]
    lines += ["## About this bundle", "",
              "- Removed before anything was written: Authorization, cookie and other credential headers; tokens, "
              "codes, client secrets and passwords by name (headers, query strings, form fields, JSON keys, text "
              "bodies); every secret the session knew; bearer tokens, Basic-auth values and JWTs anywhere.",
              "- Phone numbers: " + ("kept as they were (the bundle was made with keep numbers)." if keep_numbers else
                                     "every number a phone system would dial (any form: national, `00`, SIP/tel "
                                     "user parts, JSON integers, in free text too) replaced by a pseudonym "
                                     "(`+<country>-PN<hash>` or `PN<hash>`), the same for the same number in every "
                                     "file" + ("; `repro.sh`/`repro.py` take the real numbers as variables."
                                               if scripts else ".")),
              "- People: " + ("names and e-mail addresses kept as they were (the bundle was made with keep people)."
                              if keep_people else "user names and e-mails (`users/me`), participant and caller id "
                              "names, and every e-mail address replaced by stable pseudonyms (`user-1`, `agent-2`, "
                              "`email-3`)."),
              "- `redaction-report.json` counts what was replaced, by kind (never the values).",
              f"- {NOT_COVERED}", ""]
    return lines


def _failure_key(r: dict) -> tuple[Any, str] | None:
    """(status, exact code) of a failed request, None for one that did not fail: the summary's Error codes line and
    its table count the same things."""
    if not failed_record(r):
        return None
    no_answer = r["transport_error"] or r["status"] is None
    return r["status"] or "-", r["error_code"] or ("no answer" if no_answer else "")


def _codes_table(final: list[dict]) -> list[str]:
    """Exact error codes: count, first and last seen, an example correlation id."""
    rows: dict = {}
    for r in final:
        key = _failure_key(r)
        if key is None:
            continue
        row = rows.setdefault(key, {"count": 0, "first": r["started"], "last": r["started"],
                                    "cid": r["correlation_id"] or "-"})
        row["count"] += 1
        row["last"] = r["started"]
    if not rows:
        return []
    out = ["## Error codes", "", "| status | code | count | first seen (UTC) | last seen (UTC) | example correlation id |",
           "|---|---|---|---|---|---|"]
    for (status, code), row in sorted(rows.items(), key=lambda kv: -kv[1]["count"]):
        out.append(f"| {status} | `{code}` | {row['count']} | {str(row['first'])[:19].replace('T', ' ')} | "
                   f"{str(row['last'])[:19].replace('T', ' ')} | `{row['cid']}` |")
    return out + [""]


@functools.lru_cache(maxsize=1)
def _library_versions() -> tuple[tuple[str, str | None], ...]:
    """The installed versions the manifest names (reading package metadata is slow: once per process)."""
    from importlib.metadata import PackageNotFoundError, version

    libs: list[tuple[str, str | None]] = []
    for lib in ("requests", "urllib3", "pandas", "matplotlib", "phonenumbers", "ipywidgets"):
        try:
            libs.append((lib, version(lib)))
        except PackageNotFoundError:
            libs.append((lib, None))
    return tuple(libs)


def _manifest(files: dict[str, bytes], bundle_id: str, now: dt.datetime, keep_numbers: bool, n: int) -> dict:
    from diag.core.contract import sdk_version

    return {"bundle": bundle_id, "tool": {"name": "diag", "version": __version__}, "python": platform.python_version(),
            "libraries": dict(_library_versions()), "created": now.isoformat(timespec="seconds"),
            "contract": {"sdk": "PureCloudPlatformClientV2", "version": sdk_version()},
            "exchanges": n, "redaction_policy": POLICY, "numbers_kept": keep_numbers,
            "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                      for name, data in sorted(files.items())}}


def _write_zip(out: Path, files: dict[str, bytes], *, replace: bool = False) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        settle(tmp, out, replace=replace)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def bundle_from_log(out: str | Path, exchanges: Iterable[Exchange], *, source: str | None = None,
                    figures: dict | None = None, frames: dict | None = None, **kwargs) -> Bundle:
    """A bundle from recorded exchanges (a saved log): adds the exchanges' frame (the exact error codes are a
    table in summary.md, as in the dashboard)."""
    from diag.core.exchange import ExchangeLog

    chosen = list(exchanges)
    figures, frames = dict(figures or {}), dict(frames or {})
    source = source or source_of(chosen)
    if chosen:
        frames.setdefault("exchanges", ExchangeLog(chosen).to_frame())
    return build_bundle(out, chosen, source=source, figures=figures, frames=frames, **kwargs)


def source_of(exchanges: list[Exchange]) -> str:
    """The ticket's source as its exchanges recorded it; ValueError when they mix sources."""
    from diag.core.exchange import LogSource

    found = LogSource.of(exchanges)
    return found.label if found else "no requests"
