"""The doctor's rules: small functions `rule(ctx) -> findings`, each with its own codes, in one registry.

Evidence levels follow ../shared/reference/genesys-api-facts.md: `schema` (the SDK model),
`documented` (a Genesys error code or statement), `inferred` (marked [GUESS] there, or diag's reading).
"""
from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Iterable, Iterator

from diag.core.contract import model_fields
from diag.core import numbers as dialling
from diag.core.doctor import names
from diag.core.doctor.findings import DOCUMENTED, ERROR, INFERRED, INFO, SCHEMA, WARNING, Finding
from diag.core.facts import CALLS_USER_ROUTE, DESTINATION_FIELDS

QUEUE_ONLY_FIELDS = ("priority", "languageId", "routingSkillsIds", "routingSkillExpression")
DESTINATION_TARGETS = ("address", "userId", "queueId")


@dataclass
class Context:
    body: dict
    region_hint: str | None   # the caller id's country, used to read numbers without '+'


Rule = Callable[[Context], Iterable[Finding]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def path_of(*parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def present(value: Any) -> bool:
    return value not in (None, "", [], {})


def participants_of(body: dict) -> list:
    p = body.get("participants")
    return p if isinstance(p, list) else []


# ---- unknown fields -------------------------------------------------------------------------------

def _unknown_message(key: str, model: str, real: str | None) -> str:
    where = "CreateCallRequest" if model == "CreateCallRequest" else "a participant (Destination)"
    sq = names.squash(key)
    if sq in names.NO_FIELD:
        return f"`{key}` is not a field of {where}. {names.NO_FIELD[sq]}"
    if sq in names.AS_OTHER_USER:
        return (f"`{key}` is not a field of {where}: the call is always placed as the token's user "
                f"(see call-as-other-user).")
    if model == "CreateCallRequest" and sq == "queueid":
        return ("`queueId` is not a field of CreateCallRequest: use `callFromQueueId` to call a number on "
                "behalf of a queue, or `callQueueId` to call the queue itself.")
    if model == "CreateCallRequest" and sq == "from":
        return ("`from` is not a field of CreateCallRequest: the call is placed as the token's user; the "
                "number the far end sees goes in `callerId`, the name in `callerIdName`.")
    if real:
        return f"`{key}` is not a field of {where}; the real field is `{real}`."
    return f"`{key}` is not a field of {where}; no similar field exists."


@rule
def unknown_fields(ctx: Context) -> Iterator[Finding]:
    """Keys the SDK model does not have. The schema allows them, so only diag can catch them."""
    known = model_fields("CreateCallRequest")
    for key in ctx.body:
        if key not in known:
            real = names.nearest(key, "CreateCallRequest")
            others = [f for f in DESTINATION_FIELDS if f != real and present(ctx.body.get(f))]
            if real in DESTINATION_FIELDS and others:
                # userId beside phoneNumber is no second destination (that would be refused): say what it is not
                yield Finding(WARNING, path_of(key), "unknown-field",
                              f"`{key}` is not a field of CreateCallRequest, and here it is not `{real}` either: "
                              f"`{others[0]}` is already the destination, and a second one is refused "
                              "(too.many.create.conversation.parameters). The server ignores it (modelled).", SCHEMA)
                continue
            # A misnamed real field means something the server will not do; a key with no counterpart carries
            # nothing it needs (modelled: unknown keys are read as ignored; Genesys does not document it).
            yield Finding(ERROR if real else WARNING, path_of(key), "unknown-field",
                          _unknown_message(key, "CreateCallRequest", real), SCHEMA, real)
    dest_known = model_fields("Destination")
    for i, item in enumerate(participants_of(ctx.body)):
        if isinstance(item, dict):
            for key in item:
                if key not in dest_known:
                    real = names.nearest(key, "Destination")
                    yield Finding(ERROR if real else WARNING, path_of("participants", i, key), "unknown-field",
                                  _unknown_message(key, "Destination", real), SCHEMA, real)


# ---- types ----------------------------------------------------------------------------------------

@rule
def wrong_types(ctx: Context) -> Iterator[Finding]:
    """Values whose JSON type differs from the SDK model (priority: "high", attribute values not strings): the
    model's reading (the same one every other operation's body gets), with call-specific advice."""
    from diag.core.doctor.structure import check_model

    for f in check_model(ctx.body, "CreateCallRequest"):
        if f.code != "invalid-type":
            continue
        extra = ""
        if f.path.startswith("$.attributes."):
            extra = " `attributes` is a map of string to string: send every value as a string."
        elif f.path == "$.priority":
            extra = " Priority is a whole number (it only matters when calling a queue)."
        yield Finding(f.severity, f.path, f.code, f.message + extra, f.evidence, f.field)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- destinations ---------------------------------------------------------------------------------

@rule
def destination_count(ctx: Context) -> Iterator[Finding]:
    given = [f for f in DESTINATION_FIELDS if present(ctx.body.get(f))]
    fields = ", ".join(f"`{f}`" for f in DESTINATION_FIELDS)
    if not given:
        yield Finding(ERROR, "$", "no-destination",
                      f"No destination: give exactly one of {fields}. A plain outbound call is "
                      '{"phoneNumber": "+13175550100"}.', INFERRED)
    elif len(given) > 1:
        yield Finding(ERROR, "$", "too-many-destinations",
                      f"More than one destination ({', '.join(given)}): Genesys answers 400 "
                      "too.many.create.conversation.parameters (\"Only a single destination can be supplied "
                      f"in a create conversation request\"). Keep one of {fields}. The error code is "
                      "documented; which fields count as destinations is inferred from the model.",
                      INFERRED)   # as sure as its weakest part, as the model's answer is


@rule
def blank_destination(ctx: Context) -> Iterator[Finding]:
    from diag.core.model.calls import blank_destinations

    for name in blank_destinations(ctx.body):
        yield Finding(ERROR, path_of(name), "blank-destination",
                      f"`{name}` is blank ({_short(ctx.body[name])}): it names nobody to call, and nothing documents "
                      "what Genesys answers to it. Give the number or id, or remove it.", INFERRED)


@rule
def participants_shape(ctx: Context) -> Iterator[Finding]:
    items = participants_of(ctx.body)
    if not items:
        return
    others = [f for f in DESTINATION_FIELDS if f != "participants" and present(ctx.body.get(f))]
    if len(items) == 1 and not others:
        yield Finding(WARNING, "$.participants", "participants-for-plain-call",
                      "`participants` creates an ad-hoc conference. To call one number, send "
                      '{"phoneNumber": "..."} instead.', SCHEMA, "phoneNumber")
    elif len(items) > 1:
        yield Finding(INFO, "$.participants", "participants-conference",
                      f"`participants` with {len(items)} entries creates an ad-hoc conference calling each "
                      "of them; for a plain call use `phoneNumber`.", SCHEMA)
    for i, item in enumerate(items):
        if isinstance(item, dict) and not any(present(item.get(k)) for k in DESTINATION_TARGETS):
            yield Finding(ERROR, path_of("participants", i), "participant-without-target",
                          "This participant has no `address`, `userId` or `queueId`, so there is nobody to "
                          "call. Give one of them (a number or SIP address goes in `address`).", SCHEMA)


@rule
def queue_fields_without_queue(ctx: Context) -> Iterator[Finding]:
    if present(ctx.body.get("callQueueId")):
        return
    for f in QUEUE_ONLY_FIELDS:
        if present(ctx.body.get(f)):
            yield Finding(WARNING, path_of(f), "queue-field-without-queue",
                          f"`{f}` only applies when calling a queue (`callQueueId`); here it has no effect."
                          + (" To call a number on behalf of a queue, use `callFromQueueId`."
                             if f == "priority" else ""), SCHEMA)


@rule
def call_as_other_user(ctx: Context) -> Iterator[Finding]:
    """Placing the call as another user cannot be expressed in the body."""
    body = ctx.body
    hits = [k for k in body if names.squash(k) in names.AS_OTHER_USER]
    src = body.get("from")
    if isinstance(src, dict):
        hits += [f"from.{k}" for k in src if names.squash(k) in ("userid", "id", "agentid", "user")]
    # A top-level `userId` beside a number means "call as this user", not "call this user".
    user_id = next((k for k in body if names.squash(k) == "userid"), None)
    if user_id and any((f in DESTINATION_FIELDS and present(body[f]))
                       or names.TOP_LEVEL.get(names.squash(f)) == "phoneNumber"
                       for f in body if f != user_id):
        hits.append(user_id)
    for key in hits:
        yield Finding(ERROR, path_of(*key.split(".")), "call-as-other-user",
                      "The call is always placed as the user the token belongs to; the body cannot name "
                      f"another caller. To place it for another user, use {CALLS_USER_ROUTE} "
                      "(permission conversation:agentlessCall:add or conversation:call:add) or that user's "
                      "own token. Whether that route accepts client-credentials tokens is not documented.",
                      DOCUMENTED)


# ---- numbers --------------------------------------------------------------------------------------
# What diag will not send (emergency numbers, short numbers, pseudonyms, unknown keys that read as numbers) is said
# by diag.core.doctor.safety, from the gate's own reading; the call rules below say how the numbers read.

def number_fields(body: dict) -> Iterator[tuple[str, str, str]]:
    """(path, value, role) of the numbers of a call: role "destination" (phoneNumber, participants[].address) or
    "caller" (callerId)."""
    def dialable(v) -> bool:   # a JSON number where a string belongs is still dialled (Jackson coerces it)
        if isinstance(v, float) and not math.isfinite(v):
            return False   # NaN and Infinity are no number at all (unreadable-number says so)
        return isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))

    if dialable(body.get("phoneNumber")):
        yield "$.phoneNumber", _as_text(body["phoneNumber"]), "destination"
    if dialable(body.get("callerId")):
        yield "$.callerId", _as_text(body["callerId"]), "caller"
    for i, item in enumerate(participants_of(body)):
        if isinstance(item, dict) and dialable(item.get("address")):
            yield path_of("participants", i, "address"), _as_text(item["address"]), "destination"


def _as_text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


@rule
def numbers(ctx: Context) -> Iterator[Finding]:
    for path, value, role in number_fields(ctx.body):
        if dialling.is_pseudonym(value) or (role == "destination"
                                            and dialling.refusal(value, strict=False, dialled=True)):
            continue   # the safety findings speak for it
        check = dialling.analyse(value, ctx.region_hint)
        if role == "destination":
            yield from _destination_number(path, value, check)
        elif check.kind != "address" and not any(ch.isdigit() for ch in value):
            yield Finding(ERROR, path, "caller-id-is-a-name",
                          f"{value!r} is a name, not a number: `callerId` is the number shown to the person called; "
                          "a name goes in `callerIdName`, and `callerId` needs the number.", SCHEMA, "callerIdName")
        elif check.kind != "e164" and not check.blocked:
            better = f" Send {check.e164!r}." if check.e164 and check.e164 != value else ""
            yield Finding(WARNING, path, "caller-id-not-e164",
                          f"Caller id {value!r} is not a valid E.164 number (+ country code and number, no "
                          f"spaces).{better} Use a number the org may present as caller id.", INFERRED)


def _destination_number(path: str, value: str, check: dialling.PhoneCheck) -> Iterator[Finding]:
    if check.kind == "address":
        yield Finding(INFO, path, "sip-address",
                      f"{value!r} is a SIP or flow address, not a phone number; Genesys accepts these in "
                      "`phoneNumber` (its own example dials 'ForceDisconnect@localhost').", DOCUMENTED)
        return
    offer = f" Send {check.e164!r}." if check.e164 and check.e164 != value else ""
    for code, _detail in check.problems:
        message = {
            "phone-tel-prefix": f"{value!r} starts with 'tel:'; nothing documents that Genesys refuses it, and the "
                                f"examples write the bare number.{offer}",
            "phone-formatting": f"{value!r} contains spaces or punctuation; send E.164 digits only.{offer}",
            "phone-missing-plus": f"{value!r} has no '+' and country code: it is dialled with the site's number plan "
                                  f"(Genesys' own examples write numbers this way).{offer}",
            "phone-not-e164": f"{value!r} is not in E.164: it is dialled with the site's number plan (Genesys' own "
                              "examples write numbers this way); + country code and number is unambiguous.",
            "phone-invalid": f"{value!r} is not a valid number in any region. Check the digits (SIP and flow "
                             "addresses are allowed, so this is a warning, not an error).",
        }[code]
        notes_only = code in ("phone-tel-prefix", "phone-missing-plus", "phone-not-e164")
        yield Finding(INFO if notes_only else WARNING, path, code, message, INFERRED, "phoneNumber")


@rule
def empty_values(ctx: Context) -> Iterator[Finding]:
    for key, value in ctx.body.items():
        if value in ("", [], {}) and key in model_fields("CreateCallRequest"):
            yield Finding(WARNING, path_of(key), "empty-value",
                          f"`{key}` is empty; leave it out rather than sending an empty value.", SCHEMA)


def run_rules(body: dict, region_hint: str | None = None) -> list[Finding]:
    ctx = Context(body, region_hint)
    findings = [f for r in RULES for f in r(ctx)]
    return findings
