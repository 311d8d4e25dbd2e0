"""The body the simulator answers a valid request of any operation with: deterministic, shaped by the operation's
response model from the SDK (modelled: the values are the simulator's, never an org's). The same request gets the
same body; ids are derived from the path and the seed."""
from __future__ import annotations

import hashlib
import uuid
from typing import Any

from diag.core.contract import model

MAX_DEPTH = 3
_DATE = "2026-01-01T00:00:00.000Z"


def example(response_type: str, path: str, seed: int = 1) -> Any:
    """A body of `response_type` (an SDK type) for a request to `path`."""
    return _value(response_type, "", path, seed, 0)


def _id(path: str, seed: int, name: str) -> str:
    return str(uuid.UUID(hashlib.sha256(f"{seed}|{path}|{name}".encode()).hexdigest()[:32], version=4))


def _value(t: str, name: str, path: str, seed: int, depth: int) -> Any:
    t = t.strip()
    if t.startswith("list["):
        inner = t[5:-1]
        if depth >= MAX_DEPTH or (model(inner) is not None and depth >= MAX_DEPTH - 1):
            return []
        return [_value(inner, name, path, seed, depth + 1)]
    if t.startswith("dict("):
        return {}
    if t == "str":
        lower = name.lower()
        if lower == "id" or lower.endswith("id"):
            return _id(path, seed, f"{depth}.{name}")
        if lower in ("selfuri", "uri"):
            return path
        return f"simulated {name}" if name else "simulated"
    if t == "int":
        return 0
    if t == "float":
        return 0.0
    if t == "bool":
        return False
    if t in ("datetime", "date"):
        return _DATE if t == "datetime" else _DATE[:10]
    if t == "object":
        return {}
    spec = model(t)
    if spec is None or depth >= MAX_DEPTH:
        return {} if spec is not None else None
    out = {}
    for wire, f in spec["fields"].items():
        if f.get("e"):
            out[wire] = f["e"][0]
            continue
        value = _value(f["t"], wire, path, seed, depth + 1)
        if value not in (None, {}, []):
            out[wire] = value
    return out
