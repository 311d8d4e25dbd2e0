"""One executable model of how Genesys answers POST /api/v2/conversations/calls: the simulator answers from it and
the doctor predicts from it, so the two agree by construction (a property test holds them to it).

Every step carries its evidence:
  documented  a Genesys spec, SDK or doc statement (facts file section named beside it);
  sdk-model   follows from the SDK's model alone (field names and types);
  modelled    diag's reading where Genesys documents nothing (Jackson's default coercions, the order of checks,
              which fields count as destinations, the wording of messages).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diag.core.contract import model_fields
from diag.core.facts import CALL_AS_USER_PERMISSIONS, CALL_PERMISSION, DESTINATION_FIELDS

DOCUMENTED, SDK_MODEL, MODELLED = "documented", "sdk-model", "modelled"
_COERCED = object()   # marker: a value that cannot be read as its field's type


@dataclass(frozen=True)
class Caller:
    """Who sends the request: the token's kind, its permissions, whether its user has a station."""
    kind: str = "user"                                   # user | client (client credentials)
    permissions: tuple[str, ...] = (CALL_PERMISSION,)
    station: bool = True
    as_user_route: bool = False                          # POST /api/v2/conversations/calls/user/{userId}


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    message: str
    rule: str
    evidence: str
    params: dict = field(default_factory=dict)
    body: dict | None = None                             # the body as the server reads it (after coercion)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def to_dict(self) -> dict:
        return {"status": self.status, "code": self.code, "message": self.message, "rule": self.rule,
                "evidence": self.evidence}


# ---- reading values as a Jackson server does by default (modelled) ----

def coerce(value: Any, sdk_type: str) -> Any:
    """`value` read as `sdk_type` the way Jackson's defaults do, or _COERCED when it cannot be. Scalars become
    strings; whole numbers written as strings or floats become integers; no scalar becomes a list."""
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
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
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
    if t == "Destination":
        if not isinstance(value, dict):
            return _COERCED
        fields = model_fields("Destination")
        out = {}
        for k, v in value.items():
            if k in fields:
                c = coerce(v, _sdk_type(fields[k]))
                if c is _COERCED:
                    return _COERCED
                out[k] = c
        return out
    return value


def _sdk_type(schema: dict) -> str:
    """The JSON Schema view of a field back to the SDK notation coerce() reads."""
    kind = schema.get("type")
    if kind == "string":
        return "str"
    if kind == "integer":
        return "int"
    if kind == "boolean":
        return "bool"
    if kind == "array":
        return f"list[{_sdk_type(schema['items'])}]"
    if kind == "object" and "additionalProperties" in schema:
        return f"dict(str, {_sdk_type(schema['additionalProperties'])})"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    return "object"


def coercible(value: Any, schema: dict) -> bool:
    return coerce(value, _sdk_type(schema)) is not _COERCED


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def grants(held: str, needed: str) -> bool:
    """Whether a held permission covers the needed one: domain:entity:action, with `*` in any part (modelled:
    Genesys roles carry such wildcards; how the server matches them is not in the facts file)."""
    have, want = held.split(":"), needed.split(":")
    return len(have) == len(want) and all(h in ("*", w) for h, w in zip(have, want))


# ---- the answer ----

def answer_call(body: Any, caller: Caller = Caller()) -> Answer:
    """What Genesys answers to a create-call request with this (parsed) body from this caller."""
    if caller.kind != "user" and not caller.as_user_route:
        return Answer(400, "not.a.user", "This request requires a user context. Client credentials cannot be used "
                      "for requests to this resource.", "client-credentials", DOCUMENTED)   # facts §2, BLOG-CALL
    needed = CALL_AS_USER_PERMISSIONS if caller.as_user_route else (CALL_PERMISSION,)
    if not any(grants(held, p) for held in caller.permissions for p in needed):
        listed = ", ".join(needed)
        return Answer(403, "missing.any.permissions", "Unable to perform the requested action. You must have at "
                      f"least one of the following permissions assigned: [{listed}]", "permission", DOCUMENTED,
                      {"permissions": listed})                                                # facts §1.3, §2
    if not isinstance(body, dict):
        return Answer(400, "bad.request", "The request body must be a CreateCallRequest object.", "body-not-object",
                      MODELLED)
    read: dict[str, Any] = {}
    for name, schema in model_fields("CreateCallRequest").items():
        if name not in body or body[name] is None:
            continue
        value = coerce(body[name], _sdk_type(schema))
        if value is _COERCED:                             # code documented (facts §3.2); applied to types: modelled
            return Answer(400, "invalid.value", f"Value [{body[name]}] is not valid for field type [{name}].",
                          "wrong-type", MODELLED, {"value": str(body[name]), "field": name})
        read[name] = value
    given = [f for f in DESTINATION_FIELDS if _present(read.get(f))]
    if len(given) > 1:                                    # code and message documented (facts §1.2); fields: modelled
        return Answer(400, "too.many.create.conversation.parameters", "Only a single destination can be supplied "
                      "in a create conversation request.", "too-many-destinations", DOCUMENTED)
    if not given:
        return Answer(400, "bad.request", "A destination is required: phoneNumber, callUserId, callQueueId, "
                      "participants or conversationIds.", "no-destination", MODELLED)
    for p in read.get("participants") or []:
        if not isinstance(p, dict) or not any(_present(p.get(k)) for k in ("address", "userId", "queueId")):
            return Answer(400, "bad.request", "Each participant needs an address, userId or queueId.",
                          "participant-without-target", MODELLED)
    if not caller.station:
        return Answer(400, "conversation.error.no.user.station", "A station is required to place a call.",
                      "no-station", DOCUMENTED)                                               # facts §1.2
    return Answer(200, None, "created: the call is placed (a 200 only means created)", "created", SDK_MODEL,
                  body=read)
