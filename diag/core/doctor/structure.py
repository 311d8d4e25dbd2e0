"""Structural checks of any Platform API body against its SDK model: unknown fields (with the nearest real name),
wrong types, values outside an enum, missing required fields, nested models and lists of them.

Types are the SDK's own notation (`str`, `int`, `list[X]`, `dict(str, X)`, a model name); enums come from the
SDK's setters, list-item enums and required fields from the reference subset, and a few list-item enums are
borrowed from a sibling model (those findings are warnings, since the list may be incomplete).
"""
from __future__ import annotations

import difflib
from typing import Any, Iterator

from diag.core.contract import model
from diag.core.doctor.findings import ERROR, INFERRED, SCHEMA, WARNING, Finding

_SCALARS = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "datetime": (str,), "date": (str,)}
_NAMES = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
          "datetime": "an ISO-8601 date-time string", "date": "an ISO-8601 date string", "object": "any value"}
MAX_DEPTH = 40


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _describe(t: str) -> str:
    if t.startswith("list["):
        return "a list"
    if t.startswith("dict("):
        return "an object (map)"
    return _NAMES.get(t, f"a {t} object")


def _path(base: str, key: Any) -> str:
    return f"{base}[{key}]" if isinstance(key, int) else f"{base}.{key}"


def check_model(body: Any, model_name: str) -> list[Finding]:
    return list(_walk(body, model_name, "$", 0))


def _walk(value: Any, t: str, path: str, depth: int) -> Iterator[Finding]:
    if depth > MAX_DEPTH or value is None:
        return
    if t in _SCALARS:
        ok = isinstance(value, _SCALARS[t]) and not (isinstance(value, bool) and t in ("int", "float"))
        if not ok:
            yield Finding(ERROR, path, "invalid-type", f"`{path[2:] or 'body'}` must be {_describe(t)}, not "
                          f"{_json_type(value)} ({_short(value)}).", SCHEMA)
        return
    if t == "object":
        return
    if t.startswith("list["):
        if not isinstance(value, list):
            yield Finding(ERROR, path, "invalid-type", f"`{path[2:]}` must be a list, not {_json_type(value)}.", SCHEMA)
            return
        for i, item in enumerate(value):
            yield from _walk(item, t[5:-1], _path(path, i), depth + 1)
        return
    if t.startswith("dict("):
        if not isinstance(value, dict):
            yield Finding(ERROR, path, "invalid-type", f"`{path[2:]}` must be an object, not {_json_type(value)}.",
                          SCHEMA)
            return
        inner = t[5:-1].split(",", 1)[1].strip()
        for k, v in value.items():
            yield from _walk(v, inner, _path(path, k), depth + 1)
        return
    spec = model(t)
    if spec is None:
        return
    if not isinstance(value, dict):
        yield Finding(ERROR, path, "invalid-type", f"`{path[2:] or 'body'}` must be a {t} object, not "
                      f"{_json_type(value)}.", SCHEMA)
        return
    fields = spec["fields"]
    for key, v in value.items():
        if key not in fields:
            yield _unknown(key, t, fields, _path(path, key))
            continue
        f = fields[key]
        yield from _walk(v, f["t"], _path(path, key), depth + 1)
        yield from _enum(v, f, _path(path, key))
    for name, f in fields.items():
        if f.get("r") and value.get(name) in (None, "", []):
            yield Finding(ERROR, _path(path, name), "missing-required",
                          f"`{name}` is required in {t}.", SCHEMA, name)


def _unknown(key: str, model_name: str, fields: dict, path: str) -> Finding:
    lower = {f.lower(): f for f in fields}
    real = lower.get(key.lower().replace("_", ""))
    if real is None:
        close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
        real = close[0] if close else None
    hint = f" Did you mean `{real}`?" if real else f" Its fields: {', '.join(f'`{f}`' for f in list(fields)[:12])}" \
        + ("..." if len(fields) > 12 else ".")
    return Finding(ERROR, path, "unknown-field", f"`{key}` is not a field of {model_name}.{hint}", SCHEMA, real)


def _enum(value: Any, f: dict, path: str) -> Iterator[Finding]:
    allowed, items = f.get("e"), f.get("ie")
    if allowed and isinstance(value, str):
        yield from _one_enum(value, allowed, path, borrowed=False, source=None)
    if items and isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                yield from _one_enum(v, items, _path(path, i), borrowed=bool(f.get("borrowed")), source=f.get("src"))


def _one_enum(value: str, allowed: list[str], path: str, *, borrowed: bool, source: str | None) -> Iterator[Finding]:
    if value in allowed:
        return
    exact = {a.lower(): a for a in allowed}.get(value.lower())
    if exact:
        yield Finding(WARNING, path, "enum-case", f"{value!r} differs from the documented value {exact!r} only in "
                      f"case; whether the server accepts it is not documented: send {exact!r}.", INFERRED, exact)
        return
    close = difflib.get_close_matches(value, allowed, n=3, cutoff=0.6)
    hint = f" Closest: {', '.join(repr(c) for c in close)}." if close else (
        f" Allowed: {', '.join(repr(a) for a in allowed[:15])}" + ("..." if len(allowed) > 15 else "."))
    where = f" (list taken from {source}, which may be incomplete)" if borrowed else ""
    yield Finding(WARNING if borrowed else ERROR, path, "value-not-allowed",
                  f"{value!r} is not an allowed value{where}.{hint}", INFERRED if borrowed else SCHEMA,
                  close[0] if close else None)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
