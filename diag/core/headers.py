"""HTTP headers, read case-insensitively in one place (urllib3's HTTPHeaderDict): a HAR, a cURL paste, a log and
the transport each spell names their own way (`ININ-Correlation-Id`, `inin-correlation-id`).

urllib3 is imported when a HTTPHeaderDict is first built, not with this module: reading a customer's HAR asks
header() of plain dicts only, and importing urllib3 (ssl, http.client, email) costs a fresh process about 0.1 s."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urllib3 import HTTPHeaderDict

__all__ = ["HTTPHeaderDict", "headers_of", "header"]


def __getattr__(name: str) -> Any:   # `from diag.core.headers import HTTPHeaderDict` still works
    if name == "HTTPHeaderDict":
        from urllib3 import HTTPHeaderDict

        return HTTPHeaderDict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _header_dict_type() -> type | None:
    """HTTPHeaderDict when urllib3 is loaded; None when it is not (then no value can be one)."""
    loaded = sys.modules.get("urllib3")
    return getattr(loaded, "HTTPHeaderDict", None)


def headers_of(headers: Mapping[str, str] | None) -> HTTPHeaderDict:
    """`headers` as a case-insensitive mapping (the same object when it is one already)."""
    from urllib3 import HTTPHeaderDict

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
    kind = _header_dict_type()
    if kind is not None and isinstance(headers, kind):
        return headers.get(name)
    # what HTTPHeaderDict would answer, without building one per look-up (a HAR asks once per entry)
    low = name.lower()
    found = [str(v) for k, v in headers.items() if str(k).lower() == low]
    return ", ".join(found) if found else None
