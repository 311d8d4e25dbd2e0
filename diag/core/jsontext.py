"""Reading JSON text fast, with the standard library's answer wherever the two could differ.

orjson (a dependency) reads the common case several times faster than `json`; what it refuses (NaN and
Infinity, integers beyond 64 bits, lone surrogate escapes, nesting past its limit) goes to `json`, so every text
reads exactly as it did, and what neither reads raises ValueError (or RecursionError) as json.loads does.
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from diag.core.errors import DiagError


class NotANumber(DiagError, ValueError):
    """NaN, Infinity or -Infinity in a text: Python's json reads them, JSON (and a Jackson server by default) does
    not."""


def refuse_constant(name: str) -> Any:
    """json.loads' parse_constant for a strict reading: NaN and Infinity are no JSON numbers."""
    raise NotANumber(name)


@cache
def _orjson() -> Any:
    # imported on the first text read, not with the doctor: orjson brings uuid, datetime and platform (~6 ms of a
    # cold check of a body given as a value, which never reads text)
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is in requirements.txt; the stdlib alone still reads everything
        return None
    return orjson


def loads(text: str | bytes) -> Any:
    return loads_whole(text)[0]


def loads_whole(text: str | bytes) -> tuple[Any, bool]:
    """(value, whole): `whole` when every string of the value is known to be whole Unicode, with no need to look
    for a lone surrogate escape (orjson read it, and orjson refuses one)."""
    fast = _orjson()
    if fast is not None:
        try:
            return fast.loads(text), True
        except fast.JSONDecodeError:
            pass
    return json.loads(text), False


def utf8(value: Any, *, indent: int | None = None, default: Any = None) -> bytes:
    """JSON as UTF-8 bytes, non-ASCII text as written; text UTF-8 cannot carry (a lone surrogate from a body: legal
    JSON) makes the whole document \\u-escaped instead of failing. `default` as json.dumps takes it."""
    text = json.dumps(value, indent=indent, ensure_ascii=False, default=default)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, indent=indent, ensure_ascii=True, default=default).encode("ascii")
