"""The server's answer as sent, first: status line, time, duration, the ErrorBody's fields, headers (rate limit in
words), the raw body, copy-as-cURL/Python; diag's explanation after it, as a short Why / Fix block."""
from __future__ import annotations

import datetime as dt
import html
import json
from http import HTTPStatus

from diag.core.exchange import Exchange, header_count
from diag.core.headers import headers_of

ERROR_FIELDS = ("message", "code", "status", "contextId", "messageParams", "details", "errors")


def when(ex: Exchange) -> str:
    """'2026-11-28 03:41:12 UTC' from the exchange's ISO time (zone always said)."""
    try:
        t = dt.datetime.fromisoformat(ex.started).astimezone(dt.timezone.utc)
        return t.strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError):
        return str(ex.started)


def rate_limit_words(headers: dict[str, str]) -> str | None:
    """'5 of 300 used, resets in 39 s' from inin-ratelimit-* headers (None when they are absent or unreadable)."""
    h = headers_of(headers)
    allowed = header_count(h.get("inin-ratelimit-allowed"))
    used = header_count(h.get("inin-ratelimit-count"))
    reset = header_count(h.get("inin-ratelimit-reset"))
    if allowed is None or used is None:
        return None
    return f"{used} of {allowed} used" + (f", resets in {reset} s" if reset is not None else "")


def status_line(ex: Exchange) -> str:
    if ex.status is None:
        return f"no answer: {ex.transport_error or 'unknown'}"
    try:
        reason = HTTPStatus(ex.status).phrase
    except ValueError:
        reason = ""
    return f"HTTP {ex.status} {reason}".strip()


def response_html(ex: Exchange | None, target: str = "", stale: bool = False) -> str:
    if ex is None:
        return ""
    colour = "#1a9850" if ex.ok else "#b2182b"
    head = (f"<div class='diag-response' style='{'opacity:0.55;' if stale else ''}border-left:4px solid {colour};"
            f"padding:4px 8px;overflow-wrap:anywhere'>")
    if stale:
        head += ("<div class='diag-stale' style='color:#555'><i>The answer to an earlier body (#"
                 f"{ex.seq}); send again to check this one.</i></div>")
    parts = [head,
             f"<b class='diag-status' style='color:{colour}'>{html.escape(status_line(ex))}</b> "
             f"<span class='diag-seq'>#{ex.seq}</span> · {html.escape(ex.method)} {html.escape(ex.path)} · "
             f"{html.escape(when(ex))} · {ex.duration_ms if ex.duration_ms is not None else '-'} ms"
             + (f" · {html.escape(target)}" if target else ""),
             f"<br>Correlation id: <code class='diag-correlation' style='user-select:all'>"
             f"{html.escape(ex.correlation_id or '-')}</code>"
             + (" <i class='diag-modelled' style='color:#555'>(the simulator's answer: modelled by diag, not Genesys; "
                "its ids mean nothing at Genesys)</i>" if ex.simulated else "")]
    words = rate_limit_words(ex.response_headers)
    if words:
        parts.append(f"<br>Rate limit: <span class='diag-ratelimit'>{html.escape(words)}</span>")
    if isinstance(ex.response_body, dict) and not ex.ok:
        rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(_short(ex.response_body[k]))}"
                       "</td></tr>" for k in ERROR_FIELDS if k in ex.response_body)
        if rows:
            parts.append(f"<table class='diag-errorbody' style='margin-top:4px'>{rows}</table>")
    elif ex.ok and isinstance(ex.response_body, dict) and ex.response_body.get("id"):
        parts.append(f"<br>Conversation <code class='diag-conversation' style='user-select:all'>"
                     f"{html.escape(str(ex.response_body['id']))}</code> created (a 200 means created, not "
                     "answered: Follow the call to see how it ends).")
    if ex.explanation or ex.notes:
        why = f"<b>{html.escape(ex.error_code or 'Why')}</b>: {html.escape(ex.explanation or '')}"
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in ex.notes)
        parts.append(f"<div class='diag-why' style='margin-top:4px;background:#f6f6f6;padding:4px'>{why}"
                     + (f"<ul>{notes}</ul>" if notes else "") + "</div>")
    raw = ex.response_body if isinstance(ex.response_body, str) else json.dumps(ex.response_body, indent=1)
    headers = "\n".join(f"{k}: {v}" for k, v in ex.response_headers.items())
    parts.append(_details("Response headers", headers) + _details("Raw body, as sent", raw or "")
                 + _details("Copy as cURL", ex.to_curl()) + _details("Copy as Python", ex.to_python()))
    return "".join(parts) + "</div>"


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 400 else text[:400] + "…"


def _details(title: str, text: str) -> str:
    return (f"<details><summary>{html.escape(title)}</summary><pre style='white-space:pre-wrap;"
            f"overflow-wrap:anywhere;user-select:all;max-height:240px;overflow:auto'>{html.escape(text)}</pre>"
            "</details>")
