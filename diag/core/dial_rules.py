"""What each write operation and field of the contract dials, by rule: run by `make contract`
(scripts/regenerate_contract.py), whose result is package data (diag/_data/contract/dialling.json) and the readable
listing docs/reference/what-dials.md. diag.core.dials reads requests by that data; nothing here runs when diag
checks or sends a request.

Field classes are derived from the SDK models (name, type, description: `field_class`), with the reviewed exceptions
in FIELD_EXCEPTIONS; operation classes from the path (OPERATION_RULES). A test fails when the SDK brings a write field
or an operation the listing does not hold (tests/safety/test_what_dials.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

from diag.core.dials import (COLUMNS, CONVERSATION, DATA, DIAL, DIALS, DIALS_UNNAMED, DTMF, FIELD_CLASSES, NONE,
                             OPAQUE, QUEUE, QUEUE_NAME, STORED, STORES, USER, USER_NAME, WRITES, model_types)

# ---- the field rules ----

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


# ---- deriving the table from the contract ----

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
        stack = model_types(root)
        while stack:
            name = stack.pop()
            spec = model(name) if name not in seen else None
            if spec is None:
                continue
            seen.add(name)
            for f in spec["fields"].values():
                stack += model_types(f["t"])
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
           "`diag/core/dial_rules.py`. Do not edit by hand: change a rule or an exception, run `make contract`, and "
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
