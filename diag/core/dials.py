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

Field classes are derived by rule from the SDK models (name, type, description: `field_class`), with the reviewed
exceptions in FIELD_EXCEPTIONS; operation classes by rule from the path (OPERATION_RULES). `make contract` writes
them into diag/_data/contract/dialling.json and the readable listing docs/reference/what-dials.md; a test fails when
the SDK brings a write field or an operation the listing does not hold.

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


# ---- the field rules (run by `make contract`; the result is package data) ----

_SCALAR_TYPES = ("str", "list[str]", "dict(str, str)", "object", "list[object]", "dict(str, object)")
_NON_TEXT = re.compile(r"^(?:int|float|bool|datetime|date|list\[(?:int|float|bool|datetime|date)\])$")
_IDENTIFIERS = {"userId": USER, "callUserId": USER, "targetUserId": USER, "agentId": USER, "preferredAgentIds": USER,
                "queueId": QUEUE, "callQueueId": QUEUE, "conversationIds": CONVERSATION}
# Names that hold a phone number whatever their description says (camelCase words, lower case) ...
_PHONE_NAME = re.compile(r"^(?:.*phone(?:number)?s?|.*phonenumbers?|callnumber|callbacknumbers?|.*faxnumbers?|e164|"
                         r"dnis|extension)$")
# ... and names that hold one when their description says so (an address may be an e-mail, a number a count).
_GENERIC_NAME = re.compile(r"^(?:address(?:es)?|toaddress(?:es)?|targetaddress|destination(?:address|number)?|"
                           r"numbers?|digits)$")
_DIAL_TEXT = re.compile(r"(?i)phone number|e\.?164|\bdial|\bfax\b|\bsms\b|messaging address of the recipient|"
                        r"address or phone|like a phone|digits pressed")
# Values that are shown or stored, never dialled: caller ids, senders, e-mail, network and postal addresses, links.
_NOT_DIALLED_TEXT = re.compile(r"(?i)caller ?id|calling party|displayed to|caller identification|\bsender\b|"
                               r"from address|e-?mail|ip ?v?[46]? address|mac address|\burl\b|\buri\b|postal|"
                               r"street|hardware address")
_NOT_DIALLED_PREFIX = re.compile(r"^(?:from|reply|caller|sender|calling|email|ip|mac)(?=[A-Z]|$)")
_NOT_DIALLED_SUFFIX = re.compile(r"(?:Id|Ids|Uri|Url|Name|Names|Type|Types|Email|Emails|Column|Columns|Label|"
                                 r"Pattern|Template|Count|Status)$")


def field_class(model: str, wire: str, sdk_type: str, enum: bool, description: str) -> tuple[str, str]:
    """(class, rule) of one field of one SDK model: what its value is to a phone system. `rule` names the rule (or
    the reviewed exception) that decided, for the listing."""
    exception = FIELD_EXCEPTIONS.get((model, wire))
    if exception is not None:
        return exception[0], f"reviewed: {exception[1]}"
    t = sdk_type.strip()
    if _NON_TEXT.match(t):
        return DATA, "not text"
    if t not in _SCALAR_TYPES:
        return DATA, "a model (its own fields are read)"
    if enum:
        return DATA, "an enum"
    if wire in _IDENTIFIERS:
        return _IDENTIFIERS[wire], "routes to a user, queue or conversation"
    name, text = wire.lower(), description or ""
    if _NOT_DIALLED_PREFIX.match(wire) or (_NOT_DIALLED_SUFFIX.search(wire) and not _PHONE_NAME.match(name)):
        return DATA, "a sender, caller id, id, name or type"
    if _NOT_DIALLED_TEXT.search(text) and not re.search(r"(?i)address or phone|like a phone", text):
        return DATA, "shown or stored, not dialled (caller id, sender, e-mail, network or postal address)"
    if _PHONE_NAME.match(name):
        return DIAL, "a phone number by its name"
    if _GENERIC_NAME.match(name) and _DIAL_TEXT.search(text):
        return DIAL, "a destination by its name and description"
    return DATA, "data"


# Reviewed exceptions to the rules above: (model, field) -> (class, why). Every entry was read in the SDK model.
FIELD_EXCEPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("DialerContact", "data"): (COLUMNS, "a contact's columns: the list's phone columns are dialled"),
    ("WritableDialerContact", "data"): (COLUMNS, "a contact's columns: the list's phone columns are dialled"),
    ("ContactsPatchChange", "value"): (COLUMNS, "a value patched into a contact: any of its fields, phone numbers "
                                                "among them"),
    ("CreateCallRequest", "callFromQueueId"): (DATA, "the queue the call is placed on behalf of; nobody is routed "
                                                     "to it"),
    ("TransferRequest", "address"): (DIAL, "'The user ID or queue ID of the transfer target. Address like a phone "
                                          "number ...'"),
    ("CallTarget", "value"): (DIAL, "'The id of the station or an E.164 formatted phone number'"),
    ("CallForwarding", "phoneNumber"): (DIAL, "'deprecated. Please use the calls property': still a forwarding "
                                              "target"),
    ("Participant", "address"): (DIAL, "a participant added to a call is called at its address"),
    ("Participant", "dnis"): (DIAL, "a participant added to a call: the number dialled"),
    ("MandatoryPostCallActionInput", "destination"): (DIAL, "'The destination phone number or phone id to send the "
                                                            "flow to after completion'"),
    ("ConversationNotificationTemplateButton", "phoneNumber"): (STORED, "a button's number in a message template: "
                                                                        "the recipient may dial it"),
    ("Digits", "digits"): (DTMF, "DTMF tones sent into a live call: an emergency number is never sent; tones are no "
                                 "destination"),
    ("PhoneNumber", "display"): (DIAL, "'Users should input the phone number' here (e164 is not user-writeable)"),
    ("PhoneNumber", "userInput"): (DIAL, "the phone number as a user typed it"),
    ("RoutingData", "scoredAgents"): (USER, "the agents a callback is routed to (agent-owned callbacks)"),
    ("CampaignPatchRequest", "queue"): (QUEUE, "'The Queue for this Campaign to route calls to'"),
    ("Campaign", "queue"): (QUEUE, "the queue a campaign routes its calls to"),
    ("TransferRequest", "userName"): (USER_NAME, "'The user name of the transfer target'"),
    ("TransferToAgentRequest", "userName"): (USER_NAME, "the transfer target named by user name"),
    ("TransferToAgentRequest", "userDisplayName"): (USER_NAME, "the transfer target named by display name"),
    ("TransferToQueueRequest", "queueName"): (QUEUE_NAME, "the transfer target named by queue name"),
    ("ConsultTransferToAgent", "userName"): (USER_NAME, "the consult target named by user name"),
    ("ConsultTransferToAgent", "userDisplayName"): (USER_NAME, "the consult target named by display name"),
    ("ConsultTransferToQueue", "queueName"): (QUEUE_NAME, "the consult target named by queue name"),
    ("Destination", "name"): (USER_NAME, "'The name of the internal user'"),
    ("DialerAction", "properties"): (COLUMNS, "'MODIFY_CONTACT_ATTRIBUTE ... takes a contact column as the key and "
                                              "accepts any value': writes a contact's columns"),
    ("UpdateContactColumnActionSettings", "properties"): (COLUMNS, "contact columns to their new values"),
    ("FlowExecutionLaunchRequest", "inputData"): (OPAQUE, "a flow's inputs: the flow can call or message anyone"),
    ("TextBotInputOutputData", "variables"): (OPAQUE, "a bot flow's inputs: the flow can message anyone"),
    ("DncPatchPhoneNumbersRequest", "phoneNumbers"): (DATA, "numbers put on a do-not-call list: never dialled"),
    ("DncPatchWhatsAppNumbersRequest", "whatsAppNumbers"): (DATA, "numbers put on a do-not-call list"),
    ("GDPRSubject", "phoneNumbers"): (DATA, "the subject of a GDPR request: looked up, never dialled"),
    ("GDPRSubject", "addresses"): (DATA, "the subject of a GDPR request: looked up, never dialled"),
    ("ScimPhoneNumber", "value"): (DIAL, "a SCIM user's phone number (a tel: URI or digits): kept on the user, where "
                                         "people dial it"),
    ("ConversationUser", "id"): (USER, "the user a conversation is assigned to: it is routed to them"),
}


# ---- the operation rules ----

@dataclass(frozen=True)
class OperationRule:
    methods: tuple[str, ...]
    path: str                 # a regular expression over the SDK's template, whole (compiled when `make contract` runs)
    kind: str                 # dials | dials-unnamed | none
    medium: str | None
    starts: str = ""          # dials-unnamed: what will start, in words
    # (field, values): nothing starts when the body sets it so; ("", ()): nothing starts without a body
    unless: tuple[str, tuple[str, ...]] | None = None


def _rule(methods: str, path: str, kind: str, medium: str | None, starts: str = "",
          unless: tuple[str, tuple[str, ...]] | None = None) -> OperationRule:
    return OperationRule(tuple(methods.split()), path, kind, medium, starts, unless)


_ID = r"\{[^}/]+\}"
_CAMPAIGN_OFF = ("off", "stopping", "complete", "invalid", "forced_off", "forced_stopping")
# First match wins. Paths are the SDK's templates.
OPERATION_RULES: tuple[OperationRule, ...] = (
    _rule("POST", r"/api/v2/conversations/calls(?:/user/" + _ID + ")?", DIALS, "call"),
    _rule("POST", rf"/api/v2/conversations/calls/{_ID}", DIALS, "callback",
          "a call to a number the body does not name (no callNumber: the callback's own number, as diag models it; "
          "the SDK documents only callNumber as 'The phone number to dial for this call')"),
    _rule("POST", rf"/api/v2/conversations/calls/{_ID}/participants(?:/user/{_ID})?", DIALS, "call"),
    _rule("PATCH", rf"/api/v2/conversations/calls/{_ID}(?:/conference)?", DIALS, "call"),
    _rule("POST", rf"/api/v2/conversations/(?:\w+/)?{_ID}/participants/{_ID}/(?:replace|transfer|consult|"
                  r"voice/consult)(?:/agent|/queue|/external)?", DIALS, "transfer"),
    _rule("POST", rf"/api/v2/conversations/(?:\w+/)?{_ID}/participants/{_ID}/(?:replace|consult)/contact/external",
          DIALS_UNNAMED, "transfer", "a transfer to the external contact's own number (the body names no number)"),
    _rule("POST PATCH", r"/api/v2/conversations/callbacks(?:/bulk/update)?", DIALS, "callback"),
    _rule("POST", rf"/api/v2/conversations/{_ID}/participants/{_ID}/callbacks", DIALS, "callback"),
    _rule("POST", rf"/api/v2/conversations/{_ID}/assign", DIALS, "transfer"),
    _rule("POST", r"/api/v2/conversations/faxes", DIALS, "fax"),
    _rule("POST", r"/api/v2/conversations/messages(?:/agentless)?", DIALS, "message"),
    _rule("POST", rf"/api/v2/conversations/{_ID}/participants/{_ID}/digits", DIALS, "dtmf"),
    _rule("POST", rf"/api/v2/conversations/messages/{_ID}/communications/{_ID}/(?:socialmedia/)?messages",
          DIALS_UNNAMED, "message", "a message to the conversation's customer (the body names no address)"),
    _rule("POST", rf"/api/v2/conversations/emails/{_ID}/messages", DIALS_UNNAMED, "message",
          "an e-mail reply to the conversation's customer"),
    _rule("POST", r"/api/v2/conversations/emails(?:/agentless)?", DIALS_UNNAMED, "message",
          "an e-mail to the addresses in the body (diag reads numbers, users and queues, not e-mail addresses)"),
    _rule("POST", rf"/api/v2/integrations/actions/{_ID}/(?:execute|test|draft/test)", DIALS_UNNAMED, "action",
          "a data action, which can send messages or create callbacks; diag cannot read what it will do"),
    _rule("POST", r"/api/v2/flows/executions", DIALS_UNNAMED, "action",
          "a flow, which can place calls and send messages; diag cannot read what it will do"),
    _rule("POST", rf"/api/v2/textbots/botflows/sessions(?:/{_ID}/turns)?", DIALS_UNNAMED, "action",
          "a bot flow, which runs what its flow says; diag cannot read what it will do"),
    _rule("POST", rf"/api/v2/integrations/webhooks/{_ID}/events", DIALS_UNNAMED, "action",
          "a webhook, which runs what the org set it to run; diag cannot read what it will do"),
    _rule("POST", r"/api/v2/textbots/bots/execute", DIALS_UNNAMED, "action",
          "a bot ('This will either start a bot with the given id or relay a communication to an existing bot "
          "session'); diag cannot read what it will do"),
    _rule("POST", rf"/api/v2/routing/email/(?:outbound/)?domains/{_ID}/testconnection", DIALS_UNNAMED, "message",
          "a test e-mail to the addresses in the body (the SDK: 'If the body is specified, there will be an attempt "
          "to send an email message'; without a body only the connection is tested)", ("", ())),
    _rule("POST PUT", rf"/api/v2/outbound/(?:digital)?rulesets(?:/{_ID})?", DIALS, "campaign"),
    _rule("PATCH", rf"/api/v2/conversations/calls/{_ID}/participants/{_ID}/communications/{_ID}/postflowaction",
          DIALS, "transfer"),
    _rule("PUT PATCH", rf"/api/v2/users/{_ID}/callforwarding", DIALS, "forward",
          "call forwarding to the targets already stored for the user (the body names none)", ("enabled", ("false",))),
    _rule("POST", rf"/api/v2/outbound/contactlists/{_ID}/contacts(?:/bulk/update)?", DIALS, "campaign"),
    _rule("PUT", rf"/api/v2/outbound/contactlists/{_ID}/contacts/{_ID}", DIALS, "campaign"),
    _rule("POST", rf"/api/v2/outbound/campaigns/{_ID}/callback/schedule", DIALS_UNNAMED, "callback",
          "a callback to the number in the contact's phone column (the body names no number)"),
    _rule("POST", rf"/api/v2/outbound/(?:messaging)?campaigns/{_ID}/start", DIALS_UNNAMED, "campaign",
          "the campaign: the dialler starts calling or messaging its contact list"),
    _rule("POST PUT", rf"/api/v2/outbound/campaigns(?:/{_ID})?", DIALS_UNNAMED, "campaign",
          "the campaign, unless its campaignStatus is off: the dialler calls its contact list",
          ("campaignStatus", _CAMPAIGN_OFF)),
    _rule("PATCH", rf"/api/v2/outbound/campaigns/{_ID}", DIALS_UNNAMED, "campaign",
          "a change to a running campaign's dialling (lines, calls per agent, queue)"),
    _rule("POST PUT", rf"/api/v2/outbound/messagingcampaigns(?:/{_ID})?", DIALS_UNNAMED, "campaign",
          "the messaging campaign, unless its campaignStatus is off: messages go to its contact list",
          ("campaignStatus", _CAMPAIGN_OFF)),
    _rule("POST PUT", rf"/api/v2/outbound/sequences(?:/{_ID})?", DIALS_UNNAMED, "campaign",
          "the campaign sequence, unless its status is off: its campaigns dial in turn", ("status", ("off",))),
    _rule("PUT", rf"/api/v2/outbound/schedules/(?:campaigns|messagingcampaigns|sequences|whatsappcampaigns)/{_ID}",
          DIALS_UNNAMED, "campaign", "a schedule that turns the campaign on at its times"),
    _rule("POST PUT", rf"/api/v2/outbound/campaignrules(?:/{_ID})?", DIALS_UNNAMED, "campaign",
          "a campaign rule, which can turn campaigns on"),
)


def operation_rule(method: str, template: str) -> OperationRule | None:
    for r in OPERATION_RULES:
        if method in r.methods and re.fullmatch(r.path, template):
            return r
    return None


# ---- deriving the table from the contract (make contract) ----

def _model_types(sdk_type: str) -> list[str]:
    t = sdk_type.strip()
    if t.startswith("list["):
        return _model_types(t[5:-1])
    if t.startswith("dict("):
        return _model_types(t[5:-1].split(",", 1)[1])
    return [t]


def derive(operations: Iterable[dict], model: Any, descriptions: dict[str, dict[str, str]]) -> dict:
    """The classification of every write operation and every field its body can reach: {"operations": {"METHOD
    template": {"class", "medium", "starts", "unless", "body", "rule"}}, "fields": {model: {field: [class, rule]}}}.
    `model(name)` reads a contract model; `descriptions[model][field]` is the SDK's description of a field."""
    writes = [o for o in operations if o["method"] in WRITES]
    reach: dict[str, set[str]] = {}

    def reachable(root: str) -> set[str]:
        if root in reach:
            return reach[root]
        seen: set[str] = set()
        stack = _model_types(root)
        while stack:
            name = stack.pop()
            spec = model(name) if name not in seen else None
            if spec is None:
                continue
            seen.add(name)
            for f in spec["fields"].values():
                stack += _model_types(f["t"])
        reach[root] = seen
        return seen

    fields: dict[str, dict[str, list[str]]] = {}
    for o in writes:
        for name in reachable(o["body"]) if o["body"] else ():
            if name in fields:
                continue
            spec = model(name)
            fields[name] = {wire: list(field_class(name, wire, f["t"], bool(f.get("e")),
                                                   descriptions.get(name, {}).get(wire, "")))
                            for wire, f in spec["fields"].items()}
    ops: dict[str, dict] = {}
    for o in writes:
        key = f"{o['method']} {o['path']}"
        r = operation_rule(o["method"], o["path"])
        dialled = sorted(f"{m}.{w}" for m in (reachable(o["body"]) if o["body"] else ())
                         for w, (cls, _) in fields[m].items() if cls in (DIAL, COLUMNS))
        if r is not None:
            ops[key] = {"class": r.kind, "medium": r.medium, "starts": r.starts,
                        "unless": list(r.unless) if r.unless else None, "body": o["body"], "rule": f"^{r.path}$"}
        elif dialled:
            ops[key] = {"class": STORES, "medium": None, "starts": "", "unless": None, "body": o["body"],
                        "rule": "its body holds phone numbers, but the operation places nothing: they are stored"}
        else:
            ops[key] = {"class": NONE, "medium": None, "starts": "", "unless": None, "body": o["body"],
                        "rule": "no field of its body dials"}
        ops[key]["dialled"] = dialled
    return {"operations": ops, "fields": fields}


def listing(table: dict, sdk: str) -> str:
    """The readable listing of `derive`'s table (docs/reference/what-dials.md)."""
    ops, fields = table["operations"], table["fields"]
    out = ["# What dials: every write operation and field, as diag's safety gate reads them", "",
           f"Generated by `make contract` from the official SDK ({sdk}) with the rules and reviewed exceptions in "
           "`diag/core/dials.py`. Do not edit by hand: change a rule or an exception, run `make contract`, and "
           "review the difference.", "",
           "Operation classes: **dials** (its body names who is rung, texted or faxed), **dials-unnamed** (it starts "
           "dialling with no number in the body: refused while an allow-list is set), **stores** (its body holds "
           "phone numbers that are kept, not dialled), **none**.", "",
           "Field classes: **dial**, **columns** (a contact's column values), **stored**, **user**, **queue**, "
           "**conversation**, **data**. A dial field is stored when its operation places nothing.", "",
           "## Operations", ""]
    for key in sorted(ops, key=lambda k: (k.split(" ", 1)[1], k)):
        o = ops[key]
        extra = f" ({o['medium']})" if o["medium"] else ""
        starts = f"; starts {o['starts']}" if o["starts"] else ""
        dialled = f"; dialled: {', '.join(o['dialled'])}" if o["dialled"] else ""
        out.append(f"- `{key}` body {o['body'] or '-'}: **{o['class']}**{extra}{starts}{dialled}")
    out += ["", "## Fields of the models a write body can hold", "",
            "Each model, then its fields by class (rule in brackets where it is not the plain default).", ""]
    for name in sorted(fields):
        groups: dict[str, list[str]] = {}
        for wire, (cls, rule) in fields[name].items():
            note = "" if cls == DATA else f" [{rule}]"
            groups.setdefault(cls, []).append(f"`{wire}`{note}")
        parts = [f"{cls}: {', '.join(groups[cls])}" for cls in FIELD_CLASSES if cls in groups]
        out.append(f"- **{name}**: " + "; ".join(parts))
    return "\n".join(out) + "\n"


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
    spec = _model(model)
    wanted = _squash(key)
    return next((f for f in (spec or {"fields": {}})["fields"] if _squash(f) == wanted), None)


def read(method: str, route: str, body: Any, query: Iterable[tuple[str, str]] = ()) -> Reading:
    """How diag reads one request: its operation and class, and the role of every scalar of its body and query.
    `route` is the path as a lenient server resolves it; `body` a parsed JSON value (objects as dict or Pairs)."""
    method = method.upper()
    template, params, model = _match(method, route)
    if model is not None and _model(_model_types(model)[0]) is None:
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
                inner_ref = cls if cls in (USER, QUEUE) and _model(_model_types(fields[real]["t"])[0]) else ref
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
