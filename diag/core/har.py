"""HAR 1.2, read and written in one place: the customer's evidence comes in as a HAR, the ticket's session.har,
evidence.har and a sanitised HAR go out as one. `read(data)` gives each entry's fields as `EvidenceRequest` takes
them; `write(records)` makes a HAR of exchange records (`Exchange.to_dict()` shape). What `write` writes, `read`
reads back the same (tests/unit/test_har.py)."""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from diag.core import __version__, jsontext
from diag.core.errors import UnreadableEvidence

__all__ = ["read", "write", "body_of"]


def read(data: dict, unread: list[str] | None = None) -> list[dict[str, Any]]:
    """Every entry of a HAR's `log.entries` as the fields of one request and its answer (method, url, headers,
    body, started, status, response_headers, response_body, duration_ms). UnreadableEvidence says what is wrong
    and where, never quoting a value."""
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict):
        raise UnreadableEvidence("not a HAR file: no log object")
    entries = log.get("entries")
    version = str(log.get("version") or "")
    if version and not version.startswith("1.2"):
        # the version as written only when it reads as one: the field can hold anything, and a message is printed
        what = f"a HAR {version} file" if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){0,2}", version) else \
            "a HAR file of another version"
        raise UnreadableEvidence(f"{what}: diag reads HAR 1.2, what current browsers save; save the "
                                 "capture again from the browser's devtools")
    if not isinstance(entries, list):
        raise UnreadableEvidence("a HAR file whose log.entries is not a list")
    if not entries:
        raise UnreadableEvidence("a HAR file with no entries: record the failing action with devtools open, then "
                                 "save all as HAR")
    out = []
    problems: list[str] = []   # entries that cannot be read: left out, said, unless none can be read at all
    for i, entry in enumerate(entries):
        n = i + 1   # as the panel and the report number requests: from 1
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            problems.append(f"entry {n} has no request object")
            continue
        req, res = entry["request"], entry.get("response") or {}
        if not isinstance(res, dict):
            problems.append(f"entry {n}'s response is not an object")
            continue
        try:
            out.append({
                "method": str(req.get("method") or "GET").upper(), "url": str(req.get("url") or ""),
                "headers": pairs(req.get("headers")), "body": post_data(req.get("postData")),
                "started": utc(entry.get("startedDateTime")), "status": status_of(res.get("status")),
                "response_headers": pairs(res.get("headers")), "response_body": content_of(res.get("content") or {}),
                "duration_ms": float(entry["time"]) if isinstance(entry.get("time"), (int, float)) else None,
                "transport_error": no_answer(res)})
        except (TypeError, ValueError, AttributeError):   # the error's own words may quote a value
            problems.append(f"entry {n} has a field of an unexpected type")
    if problems and (unread is None or not out):
        raise UnreadableEvidence(f"HAR {problems[0]}" + (f" ({len(problems) - 1} more cannot be read either)"
                                                          if len(problems) > 1 else ""))
    if unread is not None:
        unread += problems
    return out


def write(records: list[dict]) -> dict:
    """A HAR 1.2 of exchange records (as cleaned for a ticket): one entry per record, the correlation id and
    diag's notes in the entry's comment, an exchange with no answer as status 0 with the reason."""
    entries = []
    for r in records:
        req_text = None if r["request_body"] is None else (
            r["request_body"] if isinstance(r["request_body"], str) else json.dumps(r["request_body"]))
        res_text = "" if r["response_body"] is None else (
            r["response_body"] if isinstance(r["response_body"], str) else json.dumps(r["response_body"]))
        parts = urlsplit(r["url"])
        request = {"method": r["method"], "url": r["url"], "httpVersion": "HTTP/1.1", "cookies": [],
                   "headers": [{"name": k, "value": v} for k, v in r["request_headers"].items()],
                   "queryString": [{"name": k, "value": v} for k, _, v in
                                   (p.partition("=") for p in parts.query.split("&") if p)],
                   "headersSize": -1, "bodySize": len(req_text.encode()) if req_text else 0}
        if req_text is not None:
            request["postData"] = {"mimeType": _header(r["request_headers"], "Content-Type", "application/json"),
                                   "text": req_text}
        status = r["status"] or 0
        response = {"status": status, "statusText": "" if status else "no answer: " + (r["transport_error"] or ""),
                    "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [{"name": k, "value": v} for k, v in r["response_headers"].items()],
                    "content": {"size": len(res_text.encode()), "mimeType":
                                _header(r["response_headers"], "Content-Type", "application/json"), "text": res_text},
                    "redirectURL": "", "headersSize": -1, "bodySize": len(res_text.encode())}
        wait = float(r["duration_ms"] or 0)
        entries.append({"startedDateTime": r["started"], "time": wait, "request": request, "response": response,
                        "cache": {}, "timings": {"send": 0, "wait": wait, "receive": 0},
                        "comment": "; ".join(filter(None, [f"correlation id {r['correlation_id']}"
                                                           if r["correlation_id"] else "", *r["notes"]]))})
    return {"log": {"version": "1.2", "creator": {"name": "diag", "version": __version__}, "entries": entries}}


NO_TIME = "1970-01-01T00:00:00.000+00:00"   # a HAR needs a startedDateTime: this one stands for none, read back so
NO_ANSWER_IN_EVIDENCE = "no answer in the evidence"   # the request is known, its outcome is not (a cURL command)


def no_answer(response: dict) -> str | None:
    """Why a HAR entry got no answer, where the HAR says: status 0 with the browser's error (Chrome and Edge write
    `_error`, net::ERR_...) or with diag's own "no answer: <reason>"; None for an answer, or an outcome unknown."""
    if status_of(response.get("status")) not in (0, None):
        return None
    error = response.get("_error")   # whole: the evidence reader redacts it, and only then is it shortened
    if isinstance(error, str) and error.strip():
        # net::ERR_ABORTED is the browser cancelling (a page left, a poll replaced): no answer, and no failure
        return None if error.strip() == "net::ERR_ABORTED" else error.strip()
    text = response.get("statusText")
    return recorded_reason(text[len("no answer: "):] if isinstance(text, str) and text.startswith("no answer: ")
                           else None)


def recorded_reason(value: Any) -> str | None:
    """A reason recorded for no answer (a transport error, diag's "no answer: <reason>"), or None where there is none:
    diag's own stand-in for evidence that held no answer is none (a ticket read back counts what it first counted)."""
    reason = value.strip() if isinstance(value, str) else ""
    return reason if reason and reason != NO_ANSWER_IN_EVIDENCE else None


def _header(headers: dict, name: str, default: str) -> str:
    from diag.core.headers import header

    found = header(headers, name)
    return default if found is None else found


def status_of(value: Any) -> int | None:
    """An HTTP status as a HAR holds it: a number, or a number written as text by some exporters."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 999 else None


_TIME_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME_CHARS = re.compile(r"[0-9T:.+\- Z]+")


def utc(stamp: Any) -> Any:
    """startedDateTime in UTC, as `started` is read everywhere (the timeline, the ticket): Firefox writes local time
    with its offset (2026-11-28T11:00:03.907+01:00), Chrome and Safari write UTC (...Z), kept as written."""
    if not isinstance(stamp, str):   # a number or an object where a time belongs: no time, not a crash later
        return None
    if stamp.startswith(NO_TIME[:19]):   # what diag writes for a request with no time (a cURL's): none
        return None
    if not _TIME_SHAPE.match(stamp):   # not a time (anything can be written there, a token too): none
        return None
    if stamp.endswith("Z"):   # UTC as written: no need to parse it
        return stamp
    try:
        t = datetime.fromisoformat(stamp)
        if t.utcoffset() in (None, timedelta(0)):
            return stamp
        return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (ValueError, OverflowError):   # a time with more after it, or one the offset pushes past year 1 or 9999
        return stamp if len(stamp) <= 40 and _TIME_CHARS.fullmatch(stamp) else None


def pairs(items) -> dict[str, str]:
    if not isinstance(items, list):
        return {}
    out: dict[str, str] = {}
    first: dict[str, str] = {}   # lower-case name -> the name as first written
    for h in items:
        if isinstance(h, dict) and isinstance(h.get("name"), str):
            name = h["name"]
            if name.startswith(":"):   # HTTP/2 pseudo-headers as Chrome records them
                continue
            value = str(h.get("value", ""))
            low = name.lower()
            same = first.get(low)
            if same is None:
                out[name] = value
                first[low] = name
            else:   # a header given twice (two Set-Cookie lines): both kept, as one value
                out[same] += ("\n" if low == "set-cookie" else ", ") + value
    return out


def post_data(post) -> Any:
    if not isinstance(post, dict):
        return None
    if isinstance(post.get("text"), str):
        return body_of(post["text"], str(post.get("mimeType") or ""))
    if isinstance(post.get("params"), list):   # form bodies as Firefox and Chrome may record them
        return {str(p.get("name")): str(p.get("value", "")) for p in post["params"] if isinstance(p, dict)}
    return None


def content_of(content: dict) -> Any:
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if content.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8", "replace")
        except ValueError:
            return None
    return body_of(text, str(content.get("mimeType") or ""))


def body_of(text: str, mime: str = "") -> Any:
    if "x-www-form-urlencoded" in mime:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        value, whole = jsontext.loads_whole(text)
    except (ValueError, RecursionError):
        return text
    if not whole and "\\u" in text and SURROGATE_ESCAPE.search(text):   # a lone surrogate (legal JSON): as U+FFFD
        from diag.core.exchange import whole_unicode

        value = whole_unicode(value)[0]
    return value


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")   # high (D800-DBFF) or low (DC00-DFFF): either may stand alone


