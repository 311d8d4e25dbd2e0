"""What a write can make ring, text or fax: every write operation of the contract, read field by field.

One reading serves the safety gate and the doctor, so that they agree by construction:

    reading = dials.read("POST", "/api/v2/conversations/calls", body)
    for position in reading.positions:
        dials.refusal(position, real=True)      # why diag will not send it to a real org (None: nothing against it)

The role of each value comes from its field's class and its operation's class:

  dial          Genesys rings, texts or faxes it, now or later: the number of a call, consult and transfer targets,
                SMS and fax recipients, callback numbers, call-forwarding targets, DTMF digits
  columns       a dialler contact's column values: which columns dial is the contact list's own setting, which
                diag does not read, so every value that reads as a dial string counts as dialled
  unknown       a key that is not a field of the model, in a write that dials: diag cannot know whether Genesys
                reads it, so on a real org a value that reads as a dial string counts as dialled
  stored        a phone number kept for people to dial later (a user's, an external contact's, a site's): writing it
                rings nothing, but an emergency number is never stored
  user, queue   an identifier that routes the interaction to a user or a queue (the allow-lists apply)
  conversation  a call merged into this one
  data          cannot ring: names, notes, attributes, ids, dates, caller ids, e-mail addresses

Field classes are derived by rule from the SDK models, and operation classes from the path, in diag.core.dial_rules:
`make contract` writes them into diag/_data/contract/dialling.json and the readable listing
docs/reference/what-dials.md, which this module reads; a test fails when the SDK brings a write field or an operation
the listing does not hold.

What each role must pass (`refusal`):
  simulator  dial, columns, stored: no emergency number in any reading (the dialled reading of diag.core.numbers)
  real org   dial, columns, unknown: the strict reading (emergency numbers in every spelling and position, short and
             service numbers, access prefixes, extensions and pauses, feature codes, numbers of any JSON type and
             size); stored: the dialled reading
  both       a pseudonym from a ticket (`+1-PN1A2B3C4D`) in a dialled position: "put the real number back"
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from collections.abc import Iterable, Iterator

from diag.core.errors import DiagError

# diag.core.numbers is imported where a value is judged: checking a body that dials nothing never loads it (about a
# sixth of a cold check's time, bench_contract).

DIAL, COLUMNS, UNKNOWN, STORED, USER, QUEUE, CONVERSATION, DATA = (
    "dial", "columns", "unknown", "stored", "user", "queue", "conversation", "data")
TEXT = "text"   # a token of a body that is not JSON, in a write that dials (the gate's backstop)
DTMF = "dtmf"   # tones sent into a live call: never an emergency number; not a destination
USER_NAME, QUEUE_NAME = "user-name", "queue-name"   # a transfer target named by name: no allow-list can check it
OPAQUE = "opaque"   # free-form input of what can dial anyone (a data action, a flow): read as an unknown key
FIELD_CLASSES = (DIAL, COLUMNS, STORED, DTMF, USER, QUEUE, CONVERSATION, USER_NAME, QUEUE_NAME, OPAQUE, DATA)
# Operation classes
DIALS, DIALS_UNNAMED, STORES, NONE, NOT_IN_CONTRACT = "dials", "dials-unnamed", "stores", "none", "not-in-contract"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
MAX_DEPTH = 64

# What a person confirms: what happens when a write of each medium goes out.
EFFECTS = {
    "call": "a real phone will ring",
    "transfer": "the interaction is handed over: for a call, a real phone will ring",
    "callback": "a callback is scheduled: a real phone will ring when it is placed",
    "message": "a real message will be sent",
    "fax": "a real fax will be sent",
    "forward": "calls to the user will be forwarded: a real phone will ring there",
    "dtmf": "tones are sent into a live call",
    "action": "it runs a data action or a flow, which can call or message anyone",
    "campaign": "a dialler may call or message these contacts",
}


# ---- reading a request (the gate and the doctor) ----

class Pairs(list):
    """A JSON object with every key kept, duplicates included (a server reads the last; a check reads all)."""


class TooDeep(DiagError, ValueError):
    """A body nested deeper than anything diag reads (MAX_DEPTH): never sent."""


@dataclass(frozen=True)
class Position:
    path: str            # $.participants[1].address, or "query to"
    value: Any           # a string or a JSON number
    role: str
    field: str           # "Destination.address", or the key as written (unknown keys, contact columns)
    model: str = ""      # the model the key was read in (for the wording of unknown keys)


@dataclass(frozen=True)
class Reading:
    operation: str | None       # "POST /api/v2/conversations/calls" (the SDK's template); None: not in the contract
    kind: str                   # dials | dials-unnamed | stores | none | not-in-contract
    medium: str | None
    starts: str                 # dials-unnamed: what will start, in words ("" when nothing starts)
    positions: tuple[Position, ...]
    params: dict = field(default_factory=dict)    # the path's parameters
    body_type: str = ""                           # the SDK type of the body ("CreateCallRequest", "list[X]")

    @property
    def dials(self) -> bool:
        return self.kind in (DIALS, DIALS_UNNAMED, NOT_IN_CONTRACT)

    @property
    def effect(self) -> str:
        return EFFECTS.get(self.medium or "", "it changes the real org")


@lru_cache(maxsize=1)
def _table() -> dict:
    from diag.core.contract import CONTRACT_DIR

    return json.loads((CONTRACT_DIR / "dialling.json").read_text())


def class_of(model: str, wire: str) -> str:
    return _table()["fields"].get(model, {}).get(wire, DATA)


def operation_of(method: str, template: str) -> dict | None:
    return _table()["operations"].get(f"{method} {template}")


@lru_cache(maxsize=4096)
def _match(method: str, route: str) -> tuple[str | None, tuple, str | None]:
    """(template, path parameters, body model) of the operation a route resolves to; (None, (), None) if none."""
    from diag.core.endpoints import check_operation

    found = check_operation(method, route)
    if found.operation is None:
        return None, (), None
    return found.operation.path, tuple(found.params.items()), found.operation.body


def _items(obj) -> Iterable[tuple[str, Any]]:
    return obj.items() if isinstance(obj, dict) else obj


_DIALLING = (DIALS, DIALS_UNNAMED, NOT_IN_CONTRACT)


def _role(cls: str, kind: str) -> str:
    if kind in (DIALS, DIALS_UNNAMED):
        return UNKNOWN if cls == OPAQUE else cls
    if cls in (DIAL, COLUMNS, STORED):
        return STORED
    return DATA


def _squash(name: str) -> str:
    return re.sub(r"[-_\s]", "", str(name)).lower()


@lru_cache(maxsize=4096)
def _near_miss(model: str, key: str) -> str | None:
    """The field of `model` that `key` names but for case, '_' and '-' (`PhoneNumber`, `phone_number`): a lenient
    binder may take it for the field, so it is read as that field."""
    return _squashed_fields(model).get(_squash(key))


@lru_cache(maxsize=1024)
def _squashed_fields(model: str) -> dict[str, str]:
    """A model's fields by their squashed names, the first listed where two squash alike: each key of a body is
    looked up once, not compared with every field (a form of 30,000 keys compared each with all of them)."""
    out: dict[str, str] = {}
    for f in (_model(model) or {"fields": {}})["fields"]:
        out.setdefault(_squash(f), f)
    return out


def read(method: str, route: str, body: Any, query: Iterable[tuple[str, str]] = ()) -> Reading:
    """How diag reads one request: its operation and class, and the role of every scalar of its body and query.
    `route` is the path as a lenient server resolves it; `body` a parsed JSON value (objects as dict or Pairs)."""
    method = method.upper()
    template, params, model = _match(method, route)
    if model is not None and _model(model_types(model)[0]) is None:
        model = None   # a free-form body (`object`): every key is one diag cannot read by a model
    op = operation_of(method, template) if template else None
    if template is None:
        kind, medium, starts = (NOT_IN_CONTRACT if method in WRITES else NONE), None, ""
    elif op is None:   # the listing holds only the operations that dial or store numbers
        kind, medium, starts = NONE, None, ""
    else:
        kind, medium = op["class"], op.get("medium")
        starts = op.get("starts", "") if not _stopped(body, op.get("unless")) else ""
    positions: list[Position] = []
    if body is not None and kind != NONE:   # in a write that dials and stores nothing, every value is data
        unknown = UNKNOWN if kind in _DIALLING else DATA
        if model is None and isinstance(body, (dict, Pairs)):   # an operation diag does not know: each key unknown
            for k, v in _items(body):
                positions += _walk(v, None, f"$.{k}", unknown, k, "", kind, 1)
        elif model is None:
            positions += _walk(body, None, "$", unknown, "(body)", "", kind, 0)
        else:
            positions += _walk(body, model, "$", DATA, model, model, kind, 0)
    positions = _messenger_ids(positions)
    if kind in _DIALLING:   # no documented query parameter dials: any could
        positions += [Position(f"query {k}", v, UNKNOWN, k) for k, v in query]
        for name, value in params:   # the user or queue a write acts for or routes to, named in its path
            role = {"userid": USER, "queueid": QUEUE}.get(name.lower())
            if role:
                positions.append(Position(f"path {name}", value, role, name))
    if kind == DIALS and starts:
        from diag.core import numbers

        if any(p.role == DIAL and numbers.canonical_text(str(p.value)).strip()
               for p in positions):   # an invisible or blank value names nobody
            starts = ""   # it names its destinations: nothing starts unnamed
    return Reading(f"{method} {template}" if template else None, kind, medium, starts, tuple(positions),
                   dict(params), model or "")


# The SDK's description of toAddress: "For an Apple Invitation and SMS messenger type, the phone number address must
# be in E.164 format", a WhatsApp ID of a phone number for WhatsApp; "For open messenger type, any string"; "For
# WebMessaging this cannot be used, instead use externalContactId".
_ID_MESSENGERS = ("open", "webmessaging")


def _messenger_ids(positions: list[Position]) -> list[Position]:
    """A message's toAddress is a phone number except for the messengers whose address the SDK says is any string
    or not used (open, webmessaging): there it names no number, and is never dialled. The body says which
    (toAddressMessengerType); without it, or with any other value, the address counts as dialled. Given twice
    (a duplicate key: which one Genesys keeps is not documented), every one must name such a messenger."""
    kinds: dict[str, set[str]] = {}
    for p in positions:
        if p.field.endswith(".toAddressMessengerType"):
            kinds.setdefault(p.path.rsplit(".", 1)[0], set()).add(str(p.value).strip().lower())
    if not kinds:
        return positions
    return [replace(p, role=DATA) if p.role == DIAL and p.field.endswith(".toAddress")
            and kinds.get(p.path.rsplit(".", 1)[0], {""}) <= set(_ID_MESSENGERS) else p for p in positions]


def _stopped(body: Any, unless) -> bool:
    """True when the body sets the operation's off-switch (a campaign written with campaignStatus off), in every
    spelling of the key a lenient binder could take for it."""
    if unless and unless[0] == "":   # ("", ()), or as the contract file keeps it: ["", []]
        return body is None or isinstance(body, (dict, Pairs)) and len(body) == 0
    if not unless or not isinstance(body, (dict, Pairs)):
        return False
    name, values = unless
    given = [v for k, v in _items(body) if _squash(k) == _squash(name)]
    return bool(given) and all(isinstance(v, (str, bool)) and str(v).strip().lower() in values for v in given)


def _walk(value: Any, t: str | None, path: str, role: str, fieldname: str, model: str, kind: str, depth: int,
          ref: str | None = None) -> Iterator[Position]:
    """Every scalar under `value` with its role. `ref`: the role an `id` takes inside this value (a user or queue
    given as a reference object, {"id": ...})."""
    if depth > MAX_DEPTH:
        raise TooDeep(f"the body is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, (dict, Pairs)):
        if t and t.startswith("list["):
            # one object where a list is due: a Jackson reader with ACCEPT_SINGLE_VALUE_AS_ARRAY takes it as a list
            # of one (whether Genesys' does is not documented: read so, the gate fails closed)
            yield from _walk(value, t[5:-1], path, role, fieldname, model, kind, depth + 1, ref)
            return
        spec = _model(t) if t else None
        if spec is not None:
            fields = spec["fields"]
            for k, v in _items(value):
                real = k if k in fields else _near_miss(t, k)
                if real is None:
                    unknown = UNKNOWN if kind in _DIALLING else DATA
                    yield from _walk(v, None, f"{path}.{k}", unknown, k, t or "", kind, depth + 1)
                    continue
                cls = class_of(t or "", real)
                inner_ref = cls if cls in (USER, QUEUE) and _model(model_types(fields[real]["t"])[0]) else ref
                field_role = _role(cls, kind) if not (ref and real == "id") else ref
                name = f"{t}.{real}" if real == k else f"{k} (read as {t}.{real})"
                yield from _walk(v, fields[real]["t"], f"{path}.{k}", field_role, name, t or "", kind, depth + 1,
                                 inner_ref)
            return
        inner = t[5:-1].split(",", 1)[1].strip() if t and t.startswith("dict(") else None
        for k, v in _items(value):
            name = k if role == COLUMNS else fieldname   # an unknown key keeps its own name below it
            yield from _walk(v, inner, f"{path}.{k}", role, name, model, kind, depth + 1, ref)
        return
    if isinstance(value, list):
        inner = t[5:-1] if t and t.startswith("list[") else t
        for i, v in enumerate(value):
            yield from _walk(v, inner, f"{path}[{i}]", role, fieldname, model, kind, depth + 1, ref)
        return
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield Position(path, value, role, fieldname, model)


def model_types(sdk_type: str) -> list[str]:
    """The model names an SDK type holds: 'list[CallTarget]' and 'dict(str, CallTarget)' hold CallTarget."""
    t = sdk_type.strip()
    if t.startswith("list["):
        return model_types(t[5:-1])
    if t.startswith("dict("):
        return model_types(t[5:-1].split(",", 1)[1])
    return [t]


def _model(name: str) -> dict | None:
    from diag.core.contract import model

    return model(name) if name and not name.startswith(("list[", "dict(")) else None


# ---- a body as a server reads it ----

@dataclass
class ReadBody:
    value: Any = None                  # the first JSON value, objects as lists of (key, value) pairs
    text: str | None = None
    problem: str | None = None         # why this is not exactly one JSON object


def decode_body(content: bytes) -> str:
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode(codec)
    head = content[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0":
        return content.decode("utf-32-be")
    if len(head) == 4 and head[1:] == b"\0\0\0":
        return content.decode("utf-32-le")
    if len(head) >= 2 and head[0] == 0:
        return content.decode("utf-16-be")
    if len(head) >= 2 and head[1] == 0:
        return content.decode("utf-16-le")
    return content.decode("utf-8")


_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|#[^\n]*', re.S)


def read_body(content: bytes | None) -> ReadBody:
    """A request body as a lenient server reads it (BOMs and UTF-16/32, comments, data after the value, a first
    value that is not an object): the gate and the doctor judge a text by this one reading."""
    if not content:
        return ReadBody(problem="the body is empty")
    try:
        text = decode_body(content)
    except UnicodeDecodeError as exc:
        # Undecodable bytes: a lenient server may still read the rest (Python's own json does with surrogatepass),
        # so the text is kept, with the bad bytes replaced, for the token-by-token backstop.
        return ReadBody(text=content.decode("utf-8", "replace"),
                        problem=f"the body is not UTF-8, UTF-16 or UTF-32 text (byte {exc.start})")
    start = text.lstrip("\ufeff \t\r\n")
    stripped = start if "/" not in start and "#" not in start else \
        _COMMENT.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", start).lstrip()
    try:
        value, end = json.JSONDecoder(object_pairs_hook=Pairs, strict=False).raw_decode(stripped)
    except (ValueError, RecursionError) as exc:
        return ReadBody(text=text, problem=f"the body is not JSON ({str(exc).split(':')[0]})")
    rest = stripped[end:].strip()
    problem = None
    if stripped.strip() != start.strip():
        problem = "the body has comments (a server may refuse them or skip them)"
    elif rest:
        problem = "the body has data after the JSON object (a lenient server reads only the first value)"
    elif not isinstance(value, Pairs):
        problem = "the body is not a JSON object"
    return ReadBody(value, text, problem)



_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')
_NUMBER = re.compile(r"(?<![\w.\"'])-?\d[\d.eE+]*")


def text_tokens(text: str) -> Iterator[str]:
    """Every string and number literal in the text, parseable or not (the backstop behind the structured walk)."""
    for m in _STRING.finditer(text):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        try:
            yield json.loads(f'"{raw}"')
        except ValueError:
            yield raw
    for m in _NUMBER.finditer(_STRING.sub(" ", text)):
        yield m.group(0)


def text_positions(text: str) -> list[Position]:
    """A body that is not JSON read as a lenient server might: each literal in it a TEXT position (the gate and the
    doctor read an unreadable body alike)."""
    return [Position("(text)", t, TEXT, "(text)") for t in text_tokens(text)]


# ---- what each role must pass ----

@dataclass(frozen=True)
class Refusal:
    code: str
    shown: str           # the value as it may be shown (service numbers whole, anything longer masked)
    reason: str
    path: str


def counts_as_dialled(position: Position, *, real: bool) -> bool:
    """Whether a value is read as dialled here: dialled fields always; a body diag cannot read when the value reads
    as a dial string; contact columns and unknown keys of a write that dials likewise, on a real org only (the
    simulator has no dialler, and reads a body as the model does: it ignores unknown keys)."""
    from diag.core import numbers
    role = position.role
    if role == DIAL:
        return True
    if role == TEXT:
        return numbers.reads_as_dial_string(position.value)
    if role in (COLUMNS, UNKNOWN) and real:   # in a free-form column a number may carry a label or a note
        return numbers.reads_as_dial_string(position.value) or numbers.reads_as_labelled_dial_string(position.value)
    return False


def refusal(position: Position, *, real: bool) -> Refusal | None:
    """Why diag will not send this value (None: nothing against it), for a simulator or a real org."""
    from diag.core import numbers
    value = position.value
    if position.role == DTMF:   # tones: a far end at a dial tone dials the digits, whatever pauses or A-D stand between
        digits = "".join(ch for ch in numbers.canonical_text(str(value)) if ch.isdigit())
        found = numbers.refusal(digits, strict=False, dialled=True) if digits else None
        if found is not None:
            return Refusal(found.code, found.shown, _why(position, found.reason), position.path)
    kept = position.role in (STORED, DTMF) and numbers.reads_as_dial_string(value)
    dialled = kept or counts_as_dialled(position, real=real)
    if not dialled and (position.role == STORED or position.role in (COLUMNS, UNKNOWN) and real):
        # a phone field, or what may be dialled (a contact column, a flow's input), holding a label or a note
        # ("Cell 911", "+1 317 555 0100 or 911"): an emergency number standing in it as a word is never stored or
        # sent (an id holding the digits, INC-112, is data)
        found = (numbers.refusal(value, strict=False, dialled=True)
                 if numbers.emergency_word(value, phone_field=position.role == STORED) else None)
        if found is not None and found.code == "emergency-number":
            return Refusal(found.code, found.shown, _why(position, found.reason), position.path)
        return None
    if not dialled:
        return None
    if not kept and numbers.is_pseudonym(value):   # its hash digits are no number (a known country code, then PN)
        return Refusal("pseudonymised-number", str(value), f"{value!r} is a pseudonym diag wrote in a ticket or a "
                       "sanitised file, not a number: it is never dialled. Put the real number back.", position.path)
    # a stored extension is dialled inside the org's own numbering plan, where 9000 or 1112 is an extension and not
    # an outside line's prefix (diag's reading): only an exact emergency number is refused there
    internal = position.role == STORED and position.field.rsplit(".", 1)[-1].lower() == "extension"
    found = numbers.refusal(value, strict=False, dialled=not internal)
    if found is None and real and not kept:
        found = numbers.refusal(value, strict=True, dialled=True)
    if found is None:
        return None
    return Refusal(found.code, found.shown, _why(position, found.reason), position.path)


def _why(position: Position, reason: str) -> str:
    if position.role != DIAL:   # said of dialled positions; of the others the caller says what diag does
        reason = reason.replace(" diag never sends it.", "")
    reason = reason.rstrip(".")
    if position.role == UNKNOWN:
        if position.model and position.field.startswith(position.model + "."):   # a flow's or action's inputs
            return (f"`{position.field}` is free-form input to what the request starts, which diag cannot read: "
                    f"its value could be dialled ({reason}). Remove it or change the value.")
        if position.model:
            return (f"`{position.field}` is not a field of {position.model}: diag cannot know whether Genesys reads "
                    f"it, and its value could be dialled ({reason}). Remove it or fix the body (Fix it drops or "
                    "renames it).")
        return (f"`{position.field}` is a key of a body diag cannot read field by field (free-form, or of an "
                f"operation diag does not know): its value could be dialled ({reason}). Remove it or change the "
                "value.")
    if position.role == COLUMNS:
        return (f"{reason} (contact column `{position.field}`: which columns a dialler dials is the contact list's "
                "own setting, and diag could not read it, so every value that reads as a number is checked as "
                "dialled).")
    if position.role == TEXT:
        return f"{reason} (in a body that is not JSON: a lenient server could still read and dial it)."
    if position.role == STORED:
        return f"{reason} (stored as `{position.field}`, where people dial it later)."
    if position.role == DTMF:
        return f"{reason} (sent as tones into a live call, which a far end at a dial tone would dial)."
    return reason + "."


def destinations(position: Position, *, real: bool) -> list[str]:
    """How the confirmation names what a value sends to: its number (the allow-lists' exact form) and every number
    written in it, a user, a queue, a call merged in; [] when the value names nobody."""
    from diag.core import numbers
    role, value = position.role, position.value
    if role in (USER, QUEUE) and isinstance(value, str) and value.strip():
        return [f"{role} {value.strip()}"]
    if role == CONVERSATION and isinstance(value, str) and value.strip():
        return [f"merge {value.strip()}"]
    if role in (USER_NAME, QUEUE_NAME) and isinstance(value, str) and value.strip():
        return [f"{role.split('-')[0]} named {value.strip()[:60]!r}"]
    if role == DTMF and str(value).strip():
        return [f"tones ({sum(ch.isdigit() for ch in str(value))} digits)"]
    if not counts_as_dialled(position, real=real):
        return []
    key = numbers.e164_key(value)
    text = str(value).strip()
    parts = numbers.user_parts(text) if isinstance(value, str) else []
    if key:
        found = [key]
    elif len(parts) > 1:
        found = [k for part in parts if (k := numbers.e164_key(part))]
    else:
        found = []
    if not found:
        found = list(dict.fromkeys(numbers.e164_key(("+" if plus else "") + digits) or digits
                                   for plus, digits in numbers.digit_runs(value)))
    if not found and text and (any(ch.isdigit() for ch in text) or "@" in text or ":" in text):
        found = [numbers.masked(text[:40], keep=4)]   # something dialable diag cannot read: shown, masked
    if not found and text:   # letters a keypad dials (JENNIFER): a destination too, named as written, masked
        d = numbers.dial_of(text)
        if d is not None and d.digits:
            found = [f"{numbers.masked(text[:40], keep=4)} (letters a keypad dials as {len(d.digits)} digits)"]
    if role == UNKNOWN:
        return [f"{f} (under `{position.field}`, not a field of the model: may be dialled)" for f in found]
    if role == COLUMNS:
        return [f"{f} (contact column `{position.field}`)" for f in found]
    return found
