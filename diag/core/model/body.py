"""A body read as the server reads it, by its SDK model: every observation on the way, and what Genesys answers
for each (the first refusal becomes the answer; the doctor shows them all).

How a Jackson server reads JSON by default (modelled: Genesys documents none of it): a scalar is read into a string
field; a whole number written as a float or a string into an integer field; "true"/"false" into a boolean; no
scalar into a list or an object. What it cannot read is 400 `bad.request` with Genesys' documented message
("The request could not be understood by the server due to malformed syntax.", seen on a real answer to a nested
object where a string map was expected: the calibration corpus); an enum value outside its list is 400
`invalid.value` with its documented template; a date that is not ISO-8601, 400 `invalid.date`. Unknown keys are
ignored (modelled: Genesys does not document it); one that names a real field but for case or '_' is not what was
meant. Enum values that differ from the list only in case: nobody documents the answer.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from collections.abc import Iterator

from diag.core.contract import model

DOCUMENTED, SDK_MODEL, MODELLED, UNKNOWN = "documented", "sdk-model", "modelled", "unknown"
ERROR, WARNING, INFO = "error", "warning", "info"
MAX_DEPTH = 40
BAD_REQUEST = "The request could not be understood by the server due to malformed syntax."
_NAMES = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
          "datetime": "an ISO-8601 date-time string", "date": "an ISO-8601 date string", "object": "any value"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass(frozen=True)
class Observation:
    """One thing the server would notice in a body."""
    rule: str                     # unknown-field | not-what-you-meant | invalid-type | coerced | enum | enum-case |
                                  # borrowed-enum | invalid-date | missing-required
    severity: str
    path: str
    message: str
    evidence: str
    status: int | None = None     # what Genesys answers for it (None: it is read, with or without a change)
    code: str | None = None
    answer: str | None = None     # Genesys' message for it, template filled
    meant: str | None = None      # the real field, or the value, that was meant
    params: dict = dataclass_field(default_factory=dict)


def read(body: Any, model_name: str) -> list[Observation]:
    """Every observation on `body` read as `model_name` (an SDK type: a model, list[...], dict(...), a scalar)."""
    try:   # the same body is read several times per send (the doctor, the simulator's checks, a batch's calls)
        key = (model_name, json.dumps(body, ensure_ascii=False, allow_nan=True))
    except (TypeError, ValueError):
        return list(_walk(body, model_name, "$", 0))
    found = _READ.get(key)
    if found is None:
        found = _READ[key] = tuple(_walk(body, model_name, "$", 0))
        if len(_READ) > 2048:
            try:
                _READ.pop(next(iter(_READ)))
            except (KeyError, RuntimeError, StopIteration):   # another thread trimmed it first
                pass
    return list(found)


# JSON text (which tells 1 from 1.0, true and "1") -> observations; Observation is frozen, so shared safely
_READ: dict[tuple[str, str], tuple[Observation, ...]] = {}


def first_refusal(observations: list[Observation]) -> Observation | None:
    """What Genesys answers first: a value it cannot read (in the order it reads them), then a missing field."""
    refusing = [o for o in observations if o.status is not None]
    reading = [o for o in refusing if o.rule != "missing-required"]
    return (reading or refusing or [None])[0]  # type: ignore[list-item]


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _describe(t: str) -> str:
    if t.startswith("list["):
        return "a list"
    if t.startswith("dict("):
        return "an object (map)"
    return _NAMES.get(t, f"a {t} object")


_WHOLE = re.compile(r"\s*[-+]?[0-9]+\s*")
_INT64 = 2 ** 63


def is_whole(text: str) -> bool:
    """A whole number written in ASCII digits ('²' and '--5' are not: str.isdigit() says they are)."""
    return _WHOLE.fullmatch(text) is not None


def _short(value: Any) -> str:
    import reprlib

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 2, 36, 36
    try:
        text = short.repr(value)
    except ValueError:   # an integer of more than 4,300 digits (from Python: JSON text cannot carry one here)
        return "(a number of more than 4,300 digits)"
    return text if len(text) <= 40 else text[:37] + "..."


def _name(path: str) -> str:
    return path[2:] or "body"


def _unreadable(path: str, t: str, value: Any) -> Observation:
    return Observation("invalid-type", ERROR, path, f"`{_name(path)}` must be {_describe(t)}, not {_json_type(value)} "
                       f"({_short(value)}): the server cannot read it and answers 400 bad.request (its message is "
                       "documented; that it answers so for a value of the wrong type is modelled).", MODELLED,
                       400, "bad.request", BAD_REQUEST)


def _coerced(path: str, t: str, value: Any) -> Observation:
    return Observation("coerced", WARNING, path, f"`{_name(path)}` should be {_describe(t)}, not {_json_type(value)} "
                       f"({_short(value)}). A Jackson server reads it as the right type by default (modelled: Genesys "
                       "does not document it); send the right type to be sure.", MODELLED)


def _as_text(value: Any, t: str) -> Any:
    """A JSON number or boolean in a string field (or a list of them) as the server reads it: its text."""
    if t == "str" and isinstance(value, (bool, int, float)):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if t == "list[str]" and isinstance(value, list):
        return [_as_text(v, "str") for v in value]
    return value


def _scalar(value: Any, t: str, path: str) -> Iterator[Observation]:
    is_bool = isinstance(value, bool)
    if t == "str":
        if isinstance(value, str):
            return
        if isinstance(value, (int, float)):   # booleans too: Jackson writes them as text
            yield _coerced(path, t, value)
        else:
            yield _unreadable(path, t, value)
    elif t == "int":
        if isinstance(value, int) and not is_bool:
            if not -_INT64 <= value < _INT64:
                yield _unreadable(path, t, value)
            return
        if (isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and is_whole(value)):
            yield _coerced(path, t, value)
        else:
            yield _unreadable(path, t, value)
    elif t == "float":
        if isinstance(value, (int, float)) and not is_bool:
            return
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*", value):
            yield _coerced(path, t, value)
        else:
            yield _unreadable(path, t, value)
    elif t == "bool":
        if is_bool:
            return
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            yield _coerced(path, t, value)
        else:
            yield _unreadable(path, t, value)
    elif t in ("datetime", "date"):
        if isinstance(value, str):
            if not _ISO_DATE.match(value.strip()) or not _real_date(value.strip()):
                from diag.core.model.facts import message

                yield Observation("invalid-date", ERROR, path, f"`{_name(path)}` {_short(value)} is not an ISO-8601 "
                                  "date: Genesys answers 400 invalid.date (documented code and message; that this "
                                  "value gets it, modelled).", MODELLED, 400, "invalid.date", message("invalid.date"))
        elif isinstance(value, int) and not is_bool:
            yield _coerced(path, t, value)
        else:
            yield _unreadable(path, t, value)


def _real_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
        return True
    except ValueError:
        return False


def _walk(value: Any, t: str, path: str, depth: int) -> Iterator[Observation]:
    if value is None:
        return
    if depth > MAX_DEPTH:
        yield Observation("too-deep", WARNING, path, f"the body is nested deeper than diag reads ({MAX_DEPTH} levels) "
                          "here: what Genesys answers to it is not known.", UNKNOWN)
        return
    t = t.strip()
    if t in _NAMES:
        if t != "object":
            yield from _scalar(value, t, path)
        return
    if t.startswith("list["):
        if not isinstance(value, list):
            yield _unreadable(path, t, value)
            return
        for i, item in enumerate(value):
            yield from _walk(item, t[5:-1], f"{path}[{i}]", depth + 1)
        return
    if t.startswith("dict("):
        if not isinstance(value, dict):
            yield _unreadable(path, t, value)
            return
        inner = t[5:-1].split(",", 1)[1].strip()
        for k, v in value.items():
            yield from _walk(v, inner, f"{path}.{k}", depth + 1)
        return
    spec = model(t)
    if spec is None:
        return
    if not isinstance(value, dict):
        yield _unreadable(path, t, value)
        return
    fields = spec["fields"]
    unknown = 0
    for key, v in value.items():
        key = key if isinstance(key, str) else str(key)
        if key not in fields:
            unknown += 1
            yield _unknown_key_of(key, t, f"{path}.{key}", unknown <= 50)
            continue
        f = fields[key]
        yield from _walk(v, f["t"], f"{path}.{key}", depth + 1)
        read = _as_text(v, f["t"])   # what a string field holds once the server has read a number or a boolean
        yield from _enum(read, f, f"{path}.{key}", key)
        yield from _iso_text(read, f, f"{path}.{key}", key)
    for name, f in fields.items():
        if f.get("r") and value.get(name) in (None, "", []):
            yield Observation("missing-required", ERROR, f"{path}.{name}", f"`{name}` is required in {t} (the SDK "
                              "model says so); without it Genesys answers 400 (modelled: the code and message it "
                              "gives are not documented).", MODELLED, 400, "bad.request", BAD_REQUEST, name)


def _is_period(text: str) -> bool:
    from diag.core import intervals

    try:
        intervals.parse_duration(text)
        return True
    except ValueError:
        return False


def _iso_text(value: Any, f: dict, path: str, key: str) -> Iterator[Observation]:
    """Text fields the SDK describes as ISO-8601 intervals ("interval") and periods ("granularity" without an
    enum): text the server cannot read as one is 400 bad.request (modelled: Genesys documents the form, not the
    answer to a wrong one)."""
    if f["t"] != "str" or f.get("e") or not isinstance(value, str):
        return
    if key == "interval":
        from diag.core import intervals

        try:
            intervals.parse_interval(value)
        except ValueError as exc:
            yield Observation("invalid-interval", ERROR, path, f"{exc}: the server cannot read it and answers 400 "
                              "(modelled).", MODELLED, 400, "bad.request", BAD_REQUEST)
    elif key == "granularity" and not _is_period(value):
        yield Observation("invalid-period", ERROR, path, f"granularity {value!r} is not an ISO-8601 period such as "
                          "PT1H or P1D: the server cannot read it and answers 400 (modelled).", MODELLED, 400,
                          "bad.request", BAD_REQUEST)


def near_miss(key: str, fields) -> str | None:
    """The field `key` names but for case, '_' or '-' (`PhoneNumber`, `phone_number`)."""
    squashed = re.sub(r"[-_\s]", "", key).lower()
    return next((f for f in fields if f.lower() == squashed), None)


def meant_field(key: str, fields) -> str | None:
    """The real field an unknown key most likely means: the same but for case or '_', or a close spelling."""
    return _meant(key, tuple(fields))


@functools.lru_cache(maxsize=4096)
def _meant(key: str, fields: tuple[str, ...]) -> str | None:
    # difflib is the doctor's dearest step; people repeat the same few wrong keys, so remember the answers
    import difflib   # here: a cold check of a body with no unknown key never loads it

    return near_miss(key, fields) or next(iter(difflib.get_close_matches(key, fields, n=1, cutoff=0.6)), None)


def nested_home(key: str, fields) -> str | None:
    """The one field of this model whose own model has `key` (a filter's `predicates` given at the top)."""
    return _homes(tuple((name, f["t"]) for name, f in fields.items())).get(key)


@functools.lru_cache(maxsize=1024)
def _homes(fields: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Each key found one level down in exactly one field's own model, with that field: made once per model, so
    that a body of many unknown keys is not a walk of every field's model per key."""
    homes: dict[str, list[str]] = {}
    for name, t in fields:
        t = t.strip()
        inner = model(t) if not t.startswith(("list[", "dict(")) else None
        for key in inner["fields"] if inner is not None else ():
            homes.setdefault(key, []).append(name)
    return {key: names[0] for key, names in homes.items() if len(names) == 1}


@functools.lru_cache(maxsize=4096)
def _unknown_key_of(key: str, model_name: str, path: str, suggest: bool) -> Observation:
    """unknown_key() for a field of a contract model: the same few wrong keys come again and again (Observation is
    frozen, so one is shared)."""
    spec = model(model_name)
    return unknown_key(key, model_name, spec["fields"] if spec else {}, path, suggest)


def unknown_key(key: str, model_name: str, fields, path: str, suggest: bool = True) -> Observation:
    """A key the model lacks: ignored by the server (modelled); "not what you meant" when it names a real field but
    for case or '_', reads close to one (`groupings` for `groupBy`), or belongs one level down (`predicates` of a
    `filter`)."""
    real = meant_field(key, fields) if suggest and len(key) <= 64 else near_miss(key, fields) if len(key) <= 64 \
        else None
    shown = key if len(key) <= 64 else key[:61] + "..."
    if real:
        return Observation("not-what-you-meant", ERROR, path, f"`{shown}` is not a field of {model_name}: did you "
                           f"mean `{real}`? The server ignores the key (modelled: Genesys does not document what it "
                           f"does with unknown keys), so `{real}` is not set: not what you meant.", MODELLED,
                           meant=real)
    home = nested_home(key, fields) if len(key) <= 64 else None
    if home:
        return Observation("not-what-you-meant", ERROR, path, f"`{shown}` is not a field of {model_name}: it is a "
                           f"field of `{home}`, one level down. The server ignores it here (modelled), so it is not "
                           "applied: not what you meant.", MODELLED, meant=f"{home}.{key}")
    listed = ", ".join(f"`{f}`" for f in list(fields)[:12]) + ("..." if len(fields) > 12 else "")
    return Observation("unknown-field", INFO, path, f"`{shown}` is not a field of {model_name}: the server ignores "
                       f"it (modelled: Genesys does not document what it does with unknown keys). Its fields: "
                       f"{listed}.", MODELLED)


def _enum(value: Any, f: dict, path: str, key: str) -> Iterator[Observation]:
    allowed, items = f.get("e"), f.get("ie")
    if allowed and isinstance(value, str):
        yield from _one_enum(value, allowed, path, key, borrowed=False, source=None)
    if items and isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                yield from _one_enum(v, items, f"{path}[{i}]", key, borrowed=bool(f.get("borrowed")),
                                     source=f.get("src"))


def closest(value: str, allowed: list[str], n: int = 1) -> list[str]:
    """The allowed values that read most like `value`, without regard to case ("days" -> "Day")."""
    if len(value) > 64:
        return []
    return list(_closest(value, tuple(allowed), n))


@functools.lru_cache(maxsize=4096)
def _closest(value: str, allowed: tuple[str, ...], n: int) -> tuple[str, ...]:
    by_lower = {a.lower(): a for a in allowed}
    import difflib

    return tuple(by_lower[c] for c in difflib.get_close_matches(value.lower(), list(by_lower), n=n, cutoff=0.6))


def enum_message(value: str, key: str, allowed: list[str]) -> str:
    """invalid.value's documented template, filled as a real answer fills it ("Value [] is not valid for field type
    [Mode]. Allowable values are: AgentFirst, CustomerFirst"): the type's name is modelled from the field's."""
    from diag.core.model.facts import message

    template = message("invalid.value") or "Value [%s] is not valid for field type [%s]. Allowable values are: %s"
    return template.replace("%s", value, 1).replace("%s", key[:1].upper() + key[1:], 1) \
        .replace("%s", ", ".join(allowed), 1)


def _one_enum(value: str, allowed: list[str], path: str, key: str, *, borrowed: bool, source: str | None
              ) -> Iterator[Observation]:
    if value in allowed:
        return
    shown = value if len(value) <= 64 else value[:61] + "..."
    exact = {a.lower(): a for a in allowed}.get(value.lower())
    if exact:
        yield Observation("enum-case", WARNING, path, f"{value!r} differs from the documented value {exact!r} only "
                          "in case. The SDK's setters compare without case, but what the server does is not "
                          f"documented: send {exact!r}.", UNKNOWN, meant=exact)
        return
    close = closest(value, allowed, n=3)
    hint = f" Closest: {', '.join(repr(c) for c in close)}." if close else (
        f" Allowed: {', '.join(repr(a) for a in allowed[:15])}" + ("..." if len(allowed) > 15 else "."))
    if borrowed:   # Genesys refuses what it does not support (a real answer: the calibration corpus), but this
        # list is another model's and may be incomplete: nobody documents the answer for this value
        yield Observation("borrowed-enum", WARNING, path, f"{value!r} is not among the values {source} lists (that "
                          f"list may be incomplete for this field, so whether Genesys refuses it is not "
                          f"documented).{hint}", UNKNOWN, meant=close[0] if close else None)
        return
    yield Observation("enum", ERROR, path, f"{shown!r} is not an allowed value: Genesys answers 400 invalid.value "
                      f"(documented code and template).{hint}", DOCUMENTED, 400, "invalid.value",
                      enum_message(value, key, allowed), close[0] if close else None,
                      {"value": value, "allowed": ", ".join(allowed)})


# ---- a body as the server holds it after reading (the simulator places calls with it) ----

_COERCED = object()   # marker: a value that cannot be read as its field's type


def coerce(value: Any, sdk_type: str) -> Any:
    """`value` read as `sdk_type` the way Jackson's defaults do, or _COERCED when it cannot be (modelled)."""
    t = sdk_type.strip()
    if value is None:
        return None
    if t == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return _COERCED
    if t == "int":
        if isinstance(value, bool):
            return _COERCED
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and is_whole(value):
            return int(value.strip())
        return _COERCED
    if t.startswith("list["):
        if not isinstance(value, list):
            return _COERCED
        items = [coerce(v, t[5:-1]) for v in value]
        return _COERCED if any(i is _COERCED for i in items) else items
    if t.startswith("dict("):
        if not isinstance(value, dict):
            return _COERCED
        inner = t[5:-1].split(",", 1)[1]
        out = {k: coerce(v, inner) for k, v in value.items()}
        return _COERCED if any(v is _COERCED for v in out.values()) else out
    spec = model(t)
    if spec is not None:
        if not isinstance(value, dict):
            return _COERCED
        out = {}
        for k, v in value.items():
            if k in spec["fields"]:
                c = coerce(v, spec["fields"][k]["t"])
                if c is _COERCED:
                    return _COERCED
                out[k] = c
        return out
    return value


def coercible(value: Any, sdk_type: str) -> bool:
    return coerce(value, sdk_type) is not _COERCED
