"""The body that was meant, for any operation: what the model's reading found, mended where the intent is plain,
each change said in a note. The call endpoints have their own fixer (diag.core.doctor.fixer) on top of this.

  - a key that names a real field but for case, '_' or a near spelling (`Granularity`, `groupings`): renamed;
  - a key the model does not have, which is a field of exactly one nested model of this level: moved there;
  - any other key the model does not have: dropped (the server ignores it; nothing is lost by saying so);
  - an enum value in another case, or close to one allowed value: that value;
  - a scalar the server would coerce (5 for "5", "true" for true): the right type;
  - one value where the model wants a list of them: a list of one.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from diag.core.contract import model
from diag.core.model.body import closest, meant_field

MAX_DEPTH = 20


def repair(body: Any, model_name: str) -> tuple[Any, list[str]]:
    """(the corrected body, what changed); (None, []) when nothing needs changing."""
    notes: list[str] = []
    fixed = _fix(copy.deepcopy(body), model_name, "$", notes, 0)
    return (fixed, notes) if notes else (None, [])


def _fix(value: Any, t: str, path: str, notes: list[str], depth: int) -> Any:
    t = t.strip()
    if depth > MAX_DEPTH or value is None:
        return value
    if t.startswith("list["):
        inner = t[5:-1]
        if not isinstance(value, list):
            if _fits(value, inner):
                notes.append(f"`{path[2:]}` takes a list: sent [{value!r}]")
                return [_fix(value, inner, f"{path}[0]", notes, depth + 1)]
            return value
        return [_fix(v, inner, f"{path}[{i}]", notes, depth + 1) for i, v in enumerate(value)]
    if t.startswith("dict("):
        inner = t[5:-1].split(",", 1)[1].strip()
        if isinstance(value, dict):
            return {k: _fix(v, inner, f"{path}.{k}", notes, depth + 1) for k, v in value.items()}
        return value
    if t in ("str", "int", "float", "bool"):
        return _scalar(value, t, path, notes)
    spec = model(t)
    if spec is None or not isinstance(value, dict):
        return value
    fields = spec["fields"]
    out: dict = {}
    moved: dict[str, dict] = {}
    for key, v in value.items():
        if key in fields:
            out[key] = v
            continue
        real = meant_field(key, fields)
        if real and real in value:
            notes.append(f"dropped `{_at(path, key)}`: `{real}` is already given (the server reads `{real}` and "
                         f"ignores `{key}`: modelled)")
            continue
        if real:
            notes.append(f"renamed `{_at(path, key)}` to `{real}` ({key!r} is not a field of {t})")
            out[real] = v
            continue
        home = [f for f, spec_f in fields.items() if _model_of(spec_f["t"]) and key in (
            model(_model_of(spec_f["t"])) or {"fields": {}})["fields"]]
        if len(home) == 1 and not spec_f_is_list(fields[home[0]]["t"]):
            there = value.get(home[0])
            if isinstance(there, dict) and key in there:   # never over what the right place already holds
                notes.append(f"dropped `{_at(path, key)}`: it is a field of `{home[0]}`, which already has "
                             f"`{key}` (the server ignores it here)")
                continue
            notes.append(f"moved `{_at(path, key)}` into `{home[0]}` (it is a field of "
                         f"{_model_of(fields[home[0]]['t'])}, not of {t})")
            moved.setdefault(home[0], {})[key] = v
            continue
        notes.append(f"dropped `{_at(path, key)}`: not a field of {t} (the server ignores it: modelled)")
    for target, extra in moved.items():
        current = out.get(target)
        out[target] = {**extra, **current} if isinstance(current, dict) else extra
    for key in list(out):
        f = fields[key]
        fixed = _fix(out[key], f["t"], f"{path}.{key}", notes, depth + 1)
        out[key] = _enum(fixed, f, f"{path}.{key}", notes)
    return out


def spec_f_is_list(t: str) -> bool:
    return t.strip().startswith(("list[", "dict("))


def _model_of(t: str) -> str | None:
    t = t.strip()
    return t if model(t) is not None else None


def _at(path: str, key: str) -> str:
    return f"{path[2:]}.{key}" if path != "$" else key


def _fits(value: Any, t: str) -> bool:
    return (t == "str" and isinstance(value, str)) or (t == "int" and isinstance(value, int)
                                                         and not isinstance(value, bool))


def _scalar(value: Any, t: str, path: str, notes: list[str]) -> Any:
    where = path[2:]
    if t == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
        new = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        notes.append(f"`{where}` sent as the string {new!r}")
        return new
    if t == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        notes.append(f"`{where}` sent as the number {int(value)}")
        return int(value)
    if t == "int" and isinstance(value, float) and value.is_integer():
        notes.append(f"`{where}` sent as the whole number {int(value)}")
        return int(value)
    if t == "bool" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        notes.append(f"`{where}` sent as {value.strip().lower()}")
        return value.strip().lower() == "true"
    return value


def _enum(value: Any, f: dict, path: str, notes: list[str]) -> Any:
    allowed = f.get("e")
    if allowed and isinstance(value, str) and value not in allowed:
        return _one(value, allowed, path, notes)
    items = f.get("ie")
    if items and isinstance(value, list) and not f.get("borrowed"):
        return [_one(v, items, f"{path}[{i}]", notes) if isinstance(v, str) and v not in items else v
                for i, v in enumerate(value)]
    return value


def _one(value: str, allowed: list[str], path: str, notes: list[str]) -> str:
    exact = {a.lower(): a for a in allowed}.get(value.lower())
    close = exact or next(iter(closest(value, allowed)), None)
    if close and not exact and re.sub(r"\D", "", close) != re.sub(r"\D", "", value):
        close = None   # Status404 is not Status400: a spelling is mended, a different number is not guessed
    if close:
        notes.append(f"`{path[2:]}` {value!r} written as the allowed value {close!r}")
        return close
    return value
