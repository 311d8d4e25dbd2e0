"""HTTP headers, read case-insensitively in one place (urllib3's HTTPHeaderDict): a HAR, a cURL paste, a log and
the transport each spell names their own way (`ININ-Correlation-Id`, `inin-correlation-id`)."""
from __future__ import annotations

from collections.abc import Mapping

from urllib3 import HTTPHeaderDict

__all__ = ["HTTPHeaderDict", "headers_of", "header"]


def headers_of(headers: Mapping[str, str] | None) -> HTTPHeaderDict:
    """`headers` as a case-insensitive mapping (the same object when it is one already)."""
    if isinstance(headers, HTTPHeaderDict):
        return headers
    out = HTTPHeaderDict()
    for k, v in (headers or {}).items():
        out.add(str(k), str(v))
    return out


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """The value of header `name`, whatever its case; None when absent (several values: joined by ', ')."""
    if not headers:
        return None
    if isinstance(headers, HTTPHeaderDict):
        return headers.get(name)
    # what HTTPHeaderDict would answer, without building one per look-up (a HAR asks once per entry)
    low = name.lower()
    found = [str(v) for k, v in headers.items() if str(k).lower() == low]
    return ", ".join(found) if found else None
