"""report.html: the ticket as one self-contained page the other side reads in a minute, and case.txt, its top block
as plain text for a case form.

Built from the ticket's own cleaned records (the same pseudonyms as every other file, and checked by the bundle's
last look like them): at the top what Genesys Customer Care asks for (what failed, when with the zone, how often,
the impact as the person states it, org and region, the correlation ids to quote), then a timeline, then each request
as a collapsible section (the server's answer as sent, diag's explanation, the findings, the corrected body), then
the charts as inline SVG. No script, style sheet, font or image from anywhere else: it opens from a case portal that
refuses scripts, offline, as it is.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from typing import Any

from diag.core.contract import DATA_DIR
from diag.reports.replay import failed_record, final_requests

__all__ = ["report_files"]

IMPACT_NOT_STATED = ("not stated: add who is affected, how many, and since when before you file the case")


@functools.lru_cache(maxsize=1)
def _environment():
    """The compiled template (compiling it is most of a small ticket's cost: once per process)."""
    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=False,
                      keep_trailing_newline=True)
    source = (DATA_DIR / "templates" / "report.html.j2").read_text(encoding="utf-8")
    return env.from_string(source)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def _svg(data: bytes) -> str:
    """An SVG file as an inline element: its XML declaration and doctype dropped."""
    text = data.decode("utf-8", "replace")
    return re.sub(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", "", text)


def _time(value: Any) -> str:
    """One spelling of every time on the page: 2026-11-28 10:00:01.412 UTC."""
    from diag.core.intervals import recorded_instant

    when = recorded_instant(value)
    if when is None:
        return "-"
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d} UTC"


def _row(r: dict, source: str, index: int, fixed: str | None = None, simulated: bool = False,
         failed: bool | None = None) -> dict:
    """One request of the ticket. `failed`: the customer's evidence says by the inspection's own rule
    (Diagnosis.failed); a request of diag's failed when it got no answer or a 4xx or 5xx."""
    status = r.get("status")
    if failed is None:
        failed = failed_record(r)
    request = r.get("operation") or f"{r.get('method')} {r.get('template') or r.get('path') or r.get('url')}"
    return {"source": source, "index": index, "time": _time(r.get("started")), "request": request,
            "simulated": simulated,
            "status": status if status is not None else (r.get("transport_error") or "no answer"),
            "code": r.get("error_code") or "", "cid": r.get("correlation_id") or "", "failed": failed,
            "answer": _shown(r.get("response_body")) or "(no body)", "explanation": r.get("explanation") or "",
            "findings": [f for f in r.get("findings") or [] if isinstance(f, dict)],
            "body": _shown(r.get("request_body")), "fixed": fixed or "", "notes": list(r.get("notes") or []),
            "written_as": _shown(r.get("written_as"))}


def report_files(records: list[dict], *, source: str, now: dt.datetime, bundle_id: str, version: str,
                 evidence: dict | None, charts: dict[str, bytes], notes: list[str], simulated: bool,
                 headline: str) -> dict[str, bytes]:
    """{"report.html": ..., "case.txt": ...} from the ticket's cleaned records and parts."""
    session_source = "diag (simulator)" if simulated else "diag"
    rows = [_row(r, session_source, i, simulated=simulated)
            for i, r in enumerate(final_requests(records), 1)]
    if evidence:
        fixed = evidence.get("fixed") or {}
        for i, (r, d) in enumerate(zip(evidence["records"], evidence["inspection"]["requests"]), 1):
            sim = bool(r.get("simulated"))   # evidence captured from the simulator: its ids are never to quote
            row = _row({**r, "template": None, "operation": d.get("operation"),
                        "findings": d.get("findings"), "explanation": d.get("explanation") or r.get("explanation")},
                       "customer (simulator)" if sim else "customer", d.get("index", i), fixed.get(d.get("index")),
                       simulated=sim, failed=bool(d.get("failed")))
            rows.append(row)
    # the customer's evidence first: what the case is about; the simulator's reproduction after it
    rows.sort(key=lambda r: not r["source"].startswith("customer"))
    failures = [r for r in rows if r["failed"]]
    times = sorted(r["time"] for r in rows if r["time"] != "-")
    quote = list(dict.fromkeys(r["cid"] for r in failures if r["cid"] and not r["simulated"]))
    sim_ids = list(dict.fromkeys(r["cid"] for r in failures if r["cid"] and r["simulated"]))
    what = "; ".join(dict.fromkeys(f"{r['request']} -> {r['status']}{' ' + r['code'] if r['code'] else ''}"
                                   + (" (simulator)" if r["simulated"] else "") for r in failures)) or \
        "nothing failed in what the ticket holds"
    places = ([f"the customer's: {evidence['where']}"] if evidence else []) + \
        ([f"diag's calls: {'the diag simulator (no real org)' if simulated else source}"] if records else [])
    care = [("What failed", what),
            ("When (UTC)", f"{times[0]} to {times[-1]}" if times else "no time recorded"),
            ("How often", f"{len(failures)} of {len(rows)} request(s) failed"),
            ("Business impact", IMPACT_NOT_STATED),
            ("Org and region", "; ".join(places) or source),
            ("Correlation ids to quote", ", ".join(quote) if quote else "none recorded")]
    if sim_ids:
        care.append(("Simulator ids (do not quote)", ", ".join(sim_ids) + ": they mean nothing at Genesys"))
    if evidence:   # each count beside what it counts: the customer's requests, then diag's own
        theirs = [r for r in rows if r["source"].startswith("customer")]
        lead = (f"the customer's evidence ({str(evidence['kind']).upper()}, {len(theirs)} Genesys request(s), "
                f"{sum(r['failed'] for r in theirs)} failed)")
        lead += f"; diag's calls ({headline})" if records and headline else ""
    else:
        lead = headline or source
    title = f"Genesys Cloud API diagnosis: {lead}"
    html = _environment().render(
        title=title, bundle_id=bundle_id, made=now.strftime("%Y-%m-%d %H:%M:%S UTC"), version=version,
        simulated=simulated, evidence_simulated=any(r["simulated"] for r in rows if r["source"].startswith("customer")),
        care=care,
        timeline=sorted(rows, key=lambda r: r["time"]), failures=failures,
        requests=failures + [r for r in rows if not r["failed"]],
        charts=[(name, _svg(data)) for name, data in sorted(charts.items())], notes=notes)
    case = "\n".join([title, ""] + [f"{label}: {value}" for label, value in care]) + "\n"
    # text UTF-8 cannot carry (a lone surrogate a body held) shown as "?", never a ticket that fails to write
    return {"report.html": html.encode("utf-8", "replace"), "case.txt": case.encode("utf-8", "replace")}
