"""The PCAP of one conversation, only when a person asks: saved as a file beside the ticket, never opened by diag,
never inside the ticket (facts §9.3: PCAPs exist for calls over external trunks, best effort, kept 21 days).

    POST /api/v2/telephony/siptraces/download   {"conversationId", "dateStart", "dateEnd"}  -> {"downloadId"}
    GET  /api/v2/telephony/siptraces/download/{downloadId}                                 -> {"url": ...}
    GET  that URL                                                                          -> the file

The SDK calls the URL "a signed S3 URL". Its query (the signature) lets whoever holds it download the file until it
expires: it is a credential. So it is read from the answer's bytes in memory (Session.send's `reveal`), taught to
the session's redactor before the answer is recorded (the log keeps `https://host/path?[REDACTED]`), used once and
dropped. The file is fetched with no Authorization header and no cookie (the session's token never goes to a
storage host), only over https from an Amazon S3 host (on the simulator: from the simulator itself), no redirect
followed, at most MAX_BYTES, and written to a new file (never over one that exists) readable by its owner only.
What a storage host answers besides the file is never shown: an S3 error names the signature it was given.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlsplit

from diag.core.errors import DiagError
from diag.transport import HTTPTransport, Request, TransportFailure

__all__ = ["Pcap", "download_pcap", "storage_refusal", "MAX_BYTES", "PCAP_NOTE"]

DOWNLOAD = "POST /api/v2/telephony/siptraces/download"
DOWNLOAD_URL = "GET /api/v2/telephony/siptraces/download/{downloadId}"
MAX_BYTES = 200 * 1024 * 1024
POLLS = 10                        # asks for the URL at most this often (Genesys documents no wait: modelled)
# Amazon S3's host names: bucket.s3.amazonaws.com, s3.us-east-1.amazonaws.com, bucket.s3-us-west-2.amazonaws.com,
# bucket.s3.dualstack.eu-west-1.amazonaws.com
S3_HOST = re.compile(r"^(?:[a-z0-9][a-z0-9.-]*\.)?s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$")
PCAP_NOTE = ("a raw packet capture: SIP headers hold phone numbers, names and addresses unredacted; diag never "
             "opens it and never puts it in a ticket: share it only where the customer agrees")


@dataclass
class Pcap:
    """What became of a PCAP download: the file written, or why there is none."""
    file: Path | None = None
    size: int = 0
    sha256: str | None = None
    refusal: str | None = None
    parts: list = field(default_factory=list)       # the Platform API requests (genesys_side.Part)

    @property
    def ok(self) -> bool:
        return self.file is not None

    def line(self) -> str:
        if self.file is None:
            return f"not available: {self.refusal}"
        return f"saved beside the ticket as {self.file.name} ({self.size:,} bytes, sha256 {self.sha256}): {PCAP_NOTE}"

    def to_dict(self) -> dict:
        return {"file": self.file.name if self.file else None, "bytes": self.size, "sha256": self.sha256,
                "refusal": self.refusal, "note": PCAP_NOTE if self.file else None}


def storage_refusal(url: str, session) -> str | None:
    """Why diag will not fetch `url` for this session (None: it will). Never quotes the URL's query."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:   # a port out of range, a bracketed name that is no IPv6 address...
        return "the download URL cannot be read as a URL: not fetched"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "the download URL carries user information: not fetched"
    if session.simulated:
        own = urlsplit(session.api_base)
        if (parts.scheme, parts.netloc.lower()) == (own.scheme, own.netloc.lower()):
            return None
        return (f"the simulator's download URL points to {host or '(no host)'}, not to the simulator itself: "
                "not fetched")
    if parts.scheme != "https":
        return (f"the download URL is {parts.scheme + ', not https' if parts.scheme else 'not https'} "
                f"({host or 'no host'}): not fetched")
    if not S3_HOST.match(host) or port not in (None, 443):
        return (f"the download URL points to {host or '(no host)'}{':' + str(port) if port else ''}, "
                "which is not an Amazon S3 host over https (the SDK names it a signed S3 URL): not fetched")
    return None


def download_pcap(session, conversation_id: str, folder: str | Path, window: tuple[str, str], *,
                  name: str = "genesys-sip-trace.pcap", polls: int = POLLS) -> Pcap:
    """Ask Genesys for the PCAP of `conversation_id` in `window` (ISO-8601 start, end) and save it in `folder`."""
    from diag.client.parts import Part, refusal_of
    from diag.client.session import doing
    from diag.client.usage import poll_interval_for

    result = Pcap()
    body = {"conversationId": conversation_id, "dateStart": window[0], "dateEnd": window[1]}
    with doing(session, "genesys"):
        asked = session.send("POST", "/api/v2/telephony/siptraces/download", body)
    answer = asked.response_body if isinstance(asked.response_body, dict) else {}
    result.parts.append(Part("PCAP request", DOWNLOAD, asked.status, asked.response_body,
                             None if asked.ok else refusal_of(DOWNLOAD, asked), asked.correlation_id))
    if not asked.ok:
        result.refusal = f"{DOWNLOAD} answered {refusal_of(DOWNLOAD, asked)}"
        return result
    download_id = answer.get("downloadId")
    if not isinstance(download_id, str) or not download_id:
        result.refusal = f"{DOWNLOAD} answered without a downloadId"
        return result

    signed: dict[str, str] = {}

    def reveal(response) -> None:   # the signed URL, before the answer is redacted and recorded
        try:
            found = json.loads(response.content)
        except ValueError:
            signed["unreadable"] = "an answer that is not JSON"
            return
        url = found.get("url") if isinstance(found, dict) else None
        if url is None:
            return   # no URL yet: the capture may still be in preparation
        if not isinstance(url, str) or not url.strip():
            signed["unreadable"] = "a url that is not a text"
            return
        # taught before anything can fail: whatever the URL holds after its '?' is the credential
        query = url.split("?", 1)[1] if "?" in url else ""
        session.redactor.add(query.split("#", 1)[0])
        for piece in re.split(r"[&;#]", query):
            value = piece.split("=", 1)[-1]
            if len(value) >= 8:
                session.redactor.add(value)
                session.redactor.add(unquote_plus(value))
        signed["url"] = url

    path = f"/api/v2/telephony/siptraces/download/{quote(download_id, safe='')}"
    got = None
    for attempt in range(max(1, polls)):
        with doing(session, "genesys"):
            got = session.send("GET", path, reveal=reveal)
        if not got.ok or signed:   # the URL, or an answer that is not what the SDK models: no point asking again
            break
        if attempt + 1 < polls:
            session.sleep(poll_interval_for(session))
    assert got is not None
    result.parts.append(Part("PCAP download URL", DOWNLOAD_URL, got.status, got.response_body,
                             None if got.ok else refusal_of(DOWNLOAD_URL, got), got.correlation_id))
    if not got.ok:
        result.refusal = f"{DOWNLOAD_URL} answered {refusal_of(DOWNLOAD_URL, got)}"
        return result
    if "unreadable" in signed:
        result.refusal = f"{DOWNLOAD_URL} answered {signed['unreadable']}, not a URL to fetch: nothing downloaded"
        return result
    url = signed.pop("url", None)
    if url is None:
        result.refusal = f"{DOWNLOAD_URL} gave no URL after {polls} asks (the capture may still be in preparation)"
        return result
    refused = storage_refusal(url, session)
    if refused:
        result.refusal = refused
        return result
    try:
        result.file, result.size, result.sha256 = _fetch(session, url, Path(folder), name)
    except _NotSaved as exc:
        result.refusal = str(exc)
    return result


class _NotSaved(DiagError):
    """Why the file was not saved (becomes Pcap.refusal)."""


def _fetch(session, url: str, folder: Path, name: str) -> tuple[Path, int, str]:
    # no Authorization, no cookie: the signature in the URL is the only credential a storage host gets
    request = Request("GET", url, {"Accept": "*/*"}, None, timeout=120.0, max_bytes=MAX_BYTES)
    transport = session.transport.inner if session.simulated else HTTPTransport(maxsize=1)
    try:
        r = transport.send(request)
    except TransportFailure as exc:
        raise _NotSaved(f"the download did not arrive: {exc.reason}") from None
    finally:
        if not session.simulated:
            transport.close()
    if r.status != 200:   # its body is not shown: an S3 error repeats the signature it was given
        what = "a redirect, not followed" if 300 <= r.status < 400 else "not the file"
        raise _NotSaved(f"the storage host answered HTTP {r.status} ({what})")
    if len(r.content) > MAX_BYTES:
        raise _NotSaved(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: not saved")
    return (*_write_new(folder, name, r.content), hashlib.sha256(r.content).hexdigest())


def _write_new(folder: Path, name: str, data: bytes) -> tuple[Path, int]:
    """`data` in a new private file in `folder` (name, then name-2, name-3...), by the one private writer
    (diag.core.exchange.write_private: 0600, whole or not at all, never over a name that is taken)."""
    from diag.core.exchange import write_private

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _NotSaved(f"cannot make the folder {folder.name or folder}: {exc.strerror or exc}") from None
    stem, suffix = os.path.splitext(name)
    for n in range(1, 1000):
        target = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            write_private(target, data, replace=False)
        except FileExistsError:   # a file, a folder or a link of that name: the next name
            continue
        except OSError as exc:    # a full disk, a quota: nothing is left behind
            raise _NotSaved(f"cannot write {target.name}: {exc.strerror or exc}") from None
        return target, len(data)
    raise _NotSaved(f"{folder.name}: 999 files named {name} already")
