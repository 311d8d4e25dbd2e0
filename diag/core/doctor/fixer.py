"""From a wrong body to the body its author meant, saying what moved and what was dropped.

The fixer only rewrites what it can infer; what cannot be expressed (calling as another user) is
dropped with a note, and the rules still report it.
"""
from __future__ import annotations

import json
import math
from typing import Any

from diag.core.contract import model_fields
from diag.core import numbers
from diag.core.doctor import names
from diag.core.facts import CALLS_USER_ROUTE

ADDRESS_KEYS = ("phoneNumber", "phone_number", "number", "address", "e164", "phone", "uri", "value", "to")
NAME_KEYS = ("name", "displayName", "callerIdName", "callerName")
CALLER_TYPES = {"agent", "user", "internal", "caller", "from", "self", "originator"}


class _Fixer:
    def __init__(self, body: dict):
        self.body = body
        self.out: dict[str, Any] = {}
        self.notes: list[str] = []
        self.addresses: list[str] = []       # destinations found under invented names
        self.queue: tuple[str, str | None] | None = None   # (source key, queue id) to place once the shape is known

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- entry --
    def run(self) -> dict:
        known = model_fields("CreateCallRequest")
        # The fields as written first: the server reads them, whatever stands beside them (phone_number beside
        # phoneNumber is ignored, so phoneNumber's value is the one that is dialled).
        ordered = sorted(self.body.items(), key=lambda kv: kv[0] not in known)
        for key, value in ordered:
            real = names.canonical(key, "CreateCallRequest")
            if real:
                if real != key and real in self.out:
                    self.put(real, value, key)   # says what was dropped
                    continue
                if real != key:
                    self.note(f"renamed `{key}` to `{real}`")
                if real == "participants":
                    self.participants(value)
                else:
                    self.put(real, self.coerce(real, value, key), key)
                continue
            self.unknown(key, value, known)
        self.place_addresses()
        self.place_queue()
        self.simplify_participants()
        self.normalise_numbers()
        order = {f: i for i, f in enumerate(known)}
        return dict(sorted(self.out.items(), key=lambda kv: order.get(kv[0], len(order))))

    def put(self, field: str, value: Any, key: str | None = None) -> bool:
        """Place `value` in `field`; a field already given keeps its value (said, when `key` names the source)."""
        if value is None:
            return False
        if field == "attributes" and isinstance(self.out.get("attributes"), dict) and isinstance(value, dict):
            self.out["attributes"].update(value)
        elif field not in self.out:
            self.out[field] = value
        else:
            if key is not None and key != field:
                self.note(f"dropped `{key}`: `{field}` is already given (the server reads `{field}` and ignores "
                          f"`{key}`: modelled)")
            return False
        return True

    # -- unknown keys --
    def unknown(self, key: str, value: Any, known: dict) -> None:
        sq = names.squash(key)
        target = names.nearest(key, "CreateCallRequest")
        if sq in names.NO_FIELD:
            self.note(f"dropped `{key}`: {names.NO_FIELD[sq]}")
        elif sq in names.AS_OTHER_USER:
            self.note(f"dropped `{key}`: the call is placed as the token's user; to call for another user use "
                      f"{CALLS_USER_ROUTE} or that user's token")
        elif sq == "userid" and (self.has_other_destination(key)):
            self.note(f"dropped `{key}`: the call is placed as the token's user; to call for another user use "
                      f"{CALLS_USER_ROUTE} or that user's token")
        elif sq in ("from", "caller", "origin") or target in ("callerId", "callerIdName") and isinstance(value, dict):
            self.caller(key, value)
        elif target == "phoneNumber":
            found = extract_addresses(value)
            self.absorb_targets(key, value)
            if found:
                self.addresses.extend(found)
                self.note(f"moved `{key}` to `phoneNumber`" if len(found) == 1 else
                          f"moved the {len(found)} numbers of `{key}` into `participants` (a conference)")
            elif not isinstance(value, dict):
                self.note(f"dropped `{key}`: no number found in it")
        elif target in ("callFromQueueId", "callQueueId"):
            self.queue = (key, _id_of(value))
        elif target is not None:
            self.note(f"moved `{key}` to `{target}`")
            if target == "participants":
                self.participants(value)
            else:
                self.put(target, self.coerce(target, value, key))
        else:
            self.note(f"dropped `{key}`: CreateCallRequest has no such field")

    def has_other_destination(self, skip: str) -> bool:
        return any(k != skip and (names.canonical(k, "CreateCallRequest") in
                                  ("phoneNumber", "callQueueId", "participants", "conversationIds")
                                  or names.nearest(k, "CreateCallRequest") == "phoneNumber")
                   for k in self.body)

    def absorb_targets(self, key: str, value: Any) -> None:
        """`to: {userId: X}` / `to: {queueId: Q}` name a user or queue to call."""
        if isinstance(value, dict):
            if value.get("userId"):
                self.put("callUserId", str(value["userId"]))
                self.note(f"moved `{key}.userId` to `callUserId`")
            if value.get("queueId"):
                self.put("callQueueId", str(value["queueId"]))
                self.note(f"moved `{key}.queueId` to `callQueueId`")

    def caller(self, key: str, value: Any) -> None:
        if isinstance(value, (str, int)):
            self.put("callerId", str(value))
            self.note(f"moved `{key}` to `callerId`")
            return
        if isinstance(value, list) and len(value) == 1:
            return self.caller(key, value[0])
        if not isinstance(value, dict):
            self.note(f"dropped `{key}`: not a caller id")
            return
        number = extract_addresses({k: v for k, v in value.items() if k not in NAME_KEYS})
        if number:
            self.put("callerId", number[0])
            self.note(f"moved `{key}` number to `callerId`")
        name = next((value[k] for k in NAME_KEYS if isinstance(value.get(k), str)), None)
        if name:
            self.put("callerIdName", name)
            self.note(f"moved `{key}` name to `callerIdName`")
        if value.get("queueId"):
            self.put("callFromQueueId", str(value["queueId"]))
            self.note(f"moved `{key}.queueId` to `callFromQueueId`")
        if any(names.squash(k) in ("userid", "id", "agentid", "user") for k in value):
            self.note(f"dropped the user in `{key}`: the call is placed as the token's user; to call for "
                      f"another user use {CALLS_USER_ROUTE} or that user's token")

    # -- participants --
    def participants(self, value: Any) -> None:
        items = value if isinstance(value, list) else [value]
        fixed = []
        for i, item in enumerate(items):
            d = self.participant(i, item)
            if d is not None:
                fixed.append(d)
        if fixed or not items:
            self.out["participants"] = fixed
        else:
            self.note("dropped `participants`: nothing in it is a destination")

    def participant(self, i: int, item: Any) -> dict | None:
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            if isinstance(item, str) and not _addressable(item):
                # a name or a note is never made a destination: wrapped, it would be dialled
                self.note(f"dropped participants[{i}]: text that is neither a number nor an address")
                return None
            self.note(f"participants[{i}]: wrapped the number as {{\"address\": ...}}")
            return {"address": str(item)}
        if not isinstance(item, dict):
            self.note(f"dropped participants[{i}]: not an object")
            return None
        d: dict[str, Any] = {}
        kind = None
        for k, v in item.items():
            real = names.canonical(k, "Destination")
            sq = names.squash(k)
            if real:
                d[real] = str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                if real != k:
                    self.note(f"participants[{i}]: renamed `{k}` to `{real}`")
            elif sq in ("type", "purpose", "mediatype", "addresstype", "role"):
                kind = str(v).lower()
                self.note(f"participants[{i}]: dropped `{k}` (a Destination has no such field)")
            elif sq in ("from", "caller"):
                self.caller(f"participants[{i}].{k}", v)
            elif names.nearest(k, "Destination") == "address":
                found = extract_addresses(v)
                if found:
                    d.setdefault("address", found[0])
                    self.note(f"participants[{i}]: moved `{k}` to `address`")
            elif (near := names.nearest(k, "Destination")) in ("userId", "queueId"):
                d.setdefault(str(near), _id_of(v))
                self.note(f"participants[{i}]: moved `{k}` to `{near}`")
            else:
                self.note(f"participants[{i}]: dropped `{k}` (a Destination has no such field)")
        if kind in CALLER_TYPES and not d.get("address"):
            self.note(f"dropped participants[{i}] ({kind}): the caller is the token's user, not a participant")
            return None
        return d

    def simplify_participants(self) -> None:
        """One participant and no other destination: the author meant a plain call."""
        items = self.out.get("participants")
        if not isinstance(items, list):
            return
        others = [f for f in ("phoneNumber", "callUserId", "callQueueId", "conversationIds") if self.out.get(f)]
        if len(items) == 1 and not others and isinstance(items[0], dict):
            only = items[0]
            for src, dst in (("address", "phoneNumber"), ("userId", "callUserId"), ("queueId", "callQueueId")):
                if only.get(src) and len([v for v in only.values() if v]) <= 1 + bool(only.get("name")):
                    del self.out["participants"]
                    self.out[dst] = only[src]
                    self.note(f"a single participant is a plain call: moved participants[0].{src} to `{dst}`")
                    return
        if not items:
            del self.out["participants"]

    # -- placement --
    def place_addresses(self) -> None:
        found = [a for a in self.addresses if a]
        if not found:
            return
        if len(found) == 1 and "phoneNumber" not in self.out:
            self.out["phoneNumber"] = found[0]
        elif len(found) > 1 and "participants" not in self.out:
            self.out["participants"] = [{"address": a} for a in found]
        else:
            self.notes = [n for n in self.notes if not n.startswith("moved `") or "phoneNumber" not in n
                          and "participants" not in n]
            self.note("dropped the number(s) found under unknown keys: the body already names its destination, "
                      "which is what the server dials")

    def place_queue(self) -> None:
        if not self.queue or not self.queue[1]:
            return
        key, queue_id = self.queue
        dialling = any(self.out.get(f) for f in ("phoneNumber", "participants", "callUserId"))
        target = "callFromQueueId" if dialling else "callQueueId"
        self.put(target, queue_id)
        why = "calling a number on behalf of the queue" if dialling else "calling the queue itself"
        self.note(f"moved `{key}` to `{target}` ({why})")

    def normalise_numbers(self) -> None:
        caller = self.out.get("callerId")
        hint = numbers.caller_region(caller) if isinstance(caller, str) else None
        for key in ("phoneNumber", "callerId"):
            if isinstance(self.out.get(key), str):
                self.out[key] = self.normalised(key, self.out[key], hint)
        for i, item in enumerate(self.out.get("participants") or []):
            if isinstance(item, dict) and isinstance(item.get("address"), str):
                item["address"] = self.normalised(f"participants[{i}].address", item["address"], hint)

    def normalised(self, where: str, value: str, hint: str | None) -> str:
        check = numbers.analyse(value, hint)
        if check.blocked:
            return value
        new = numbers.normalise(value, hint)
        if new != value and value.strip().lower().startswith("tel:"):
            self.note(f"wrote `{where}` {value!r} as {new!r}: the form of Genesys' examples (nothing says it refuses "
                      "tel:, so this is a tidy-up, not a fix)")
        elif new != value:
            self.note(f"normalised `{where}` {value!r} to {new!r}")
        return new

    # -- values --
    def coerce(self, field: str, value: Any, key: str) -> Any:
        schema = model_fields("CreateCallRequest")[field]
        kind = schema.get("type")
        if isinstance(value, float) and not math.isfinite(value):   # NaN, Infinity: no value to send, in any form
            self.note(f"dropped `{key}`: {value} is no JSON number")
            return None
        if kind == "string":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.note(f"`{key}` sent as a string")
                return str(value)
            if isinstance(value, dict) and field in ("phoneNumber", "callerId"):
                found = extract_addresses(value)
                self.note(f"`{key}`: took the number out of the object" if found else
                          f"dropped `{key}`: an object with no number in it")
                return found[0] if found else None
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
                self.note(f"`{key}`: took the single value out of the list")
                return value[0]
            return value
        if kind == "integer":
            from diag.core.model.body import is_whole

            if isinstance(value, str) and is_whole(value):
                self.note(f"`{key}` sent as an integer")
                return int(value)
            if isinstance(value, float) and value.is_integer():
                self.note(f"`{key}` sent as the whole number {int(value)}")
                return int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                self.note(f"dropped `{key}`: {value!r} is not a whole number")
                return None
            return value
        if kind == "array":
            if isinstance(value, str):
                self.note(f"`{key}` wrapped in a list")
                return [value]
            if isinstance(value, list):
                items = []
                for i, v in enumerate(value):
                    if isinstance(v, str):
                        items.append(v)
                    elif isinstance(v, (int, float)) and not isinstance(v, bool):
                        items.append(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                        self.note(f"`{key}[{i}]` sent as the string {items[-1]!r}")
                    else:
                        self.note(f"dropped `{key}[{i}]`: {_as_text(v)[:40]} is not an id")
                return items
            return value
        if field == "attributes":
            return self.attributes(key, value)
        return value

    def attributes(self, key: str, value: Any) -> dict | None:
        if not isinstance(value, dict):
            self.note(f"dropped `{key}`: attributes must be an object of strings")
            return None
        out = {}
        for k, v in value.items():
            if isinstance(v, str):
                out[str(k)] = v
            elif v is None:
                self.note(f"dropped attribute `{k}` (null)")
            else:
                out[str(k)] = _as_text(v)
                self.note(f"attribute `{k}` sent as the string {out[str(k)]!r}")
        return out


def _as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _id_of(value: Any) -> str | None:
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, dict):
        for k in ("id", "queueId", "userId"):
            if value.get(k):
                return str(value[k])
    return None


def extract_addresses(value: Any, depth: int = 0) -> list[str]:
    """Numbers or addresses inside forum-shaped values: "x", {"phoneNumber": x}, {"address": {"e164": x}}, [..]."""
    if depth > 5 or value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list):
        return [a for v in value for a in extract_addresses(v, depth + 1)]
    if isinstance(value, dict):
        lowered = {names.squash(k): v for k, v in value.items()}
        for k in ADDRESS_KEYS:
            if names.squash(k) in lowered:
                found = extract_addresses(lowered[names.squash(k)], depth + 1)
                if found:
                    return found[:1]
    return []


_CALLER_NUMBER_KEYS = ("callfrom", "callfromnumber", "from", "fromnumber", "callerid", "calleridnumber", "ani",
                       "callernumber")


def _caller_name(body: dict, out: dict, fixer) -> None:
    """A name given as the caller id (`CallerId = "Rick"` beside `CallFrom`): the name goes to callerIdName and
    callerId takes the number given beside it, instead of a name where a number belongs."""
    given = [v for k, v in body.items() if names.squash(k) in _CALLER_NUMBER_KEYS and isinstance(v, str)]
    names_given = [v for v in given if "@" not in v and not any(ch.isdigit() for ch in v)]
    numbers_given = [v for v in given if any(ch.isdigit() for ch in v)]
    if not names_given:
        return
    if not out.get("callerIdName"):
        out["callerIdName"] = names_given[0]
        fixer.note(f"the name {names_given[0]!r} goes to `callerIdName` (a caller id is a number)")
    if numbers_given:
        out["callerId"] = numbers.normalise(numbers_given[0])
        fixer.note(f"`callerId` is the number given beside it, {out['callerId']!r}")
    elif out.get("callerId") in names_given:
        del out["callerId"]
        fixer.note("`callerId` needs a number (the one shown to the person called): add it")


def fix(body: Any) -> tuple[dict | None, list[str]]:
    """The corrected body and what changed; (None, []) when nothing needs changing or it is not an object."""
    if not isinstance(body, dict):
        return None, []
    fixer = _Fixer(body)
    out = fixer.run()
    _caller_name(body, out, fixer)
    if out == body:
        return None, []
    return out, fixer.notes


def _addressable(text: str) -> bool:
    """Whether a bare string in `participants` can be a destination: a number as a phone system reads one, or an
    address (a SIP/tel URI, name@host) with no spaces in it."""
    from diag.core.numbers import reads_as_dial_string

    t = text.strip()
    return reads_as_dial_string(t) or (bool(t) and not any(c.isspace() for c in t) and ("@" in t or ":" in t))
