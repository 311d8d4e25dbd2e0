"""Which real field a wrong name meant: forum-invented names, other casings, near misses.

Every target below is a wire name of CreateCallRequest or Destination in the SDK contract; a test checks
that, so an alias can never point at an invented field.
"""
from __future__ import annotations

import difflib
import re
from functools import cache, lru_cache

from diag.core.contract import model_fields

# Names with no counterpart: what to tell the author instead.
NO_FIELD = {
    "type": "There is no `type`: this endpoint always creates a voice call.",
    "mediatype": "There is no `mediaType`: this endpoint always creates a voice call.",
    "calltype": "There is no `callType`: this endpoint always creates a voice call.",
    "media": "There is no media field: this endpoint always creates a voice call.",
    "direction": "There is no `direction`: a call created here is outbound from the token's user.",
    "addresstype": "There is no `addressType`: `phoneNumber` takes numbers and SIP/flow addresses alike.",
    "provider": "There is no `provider` in CreateCallRequest.",
    "wrapupcode": "CreateCallRequest has no wrap-up field.",
    "routing": "There is no `routing` object: to call a queue use `callQueueId` with `priority`, "
               "`languageId`, `routingSkillsIds` or `routingSkillExpression` at the top level.",
    "purpose": "A Destination has no `purpose` (its fields are address, name, userId and queueId).",
}

# Names that try to place the call as somebody else: not expressible in the body.
AS_OTHER_USER = {"agentid", "fromuserid", "onbehalfof", "onbehalfofuserid", "asuserid",
                 "calluserasid", "callasuserid", "initiatoruserid", "initiatorid", "callfromuserid"}

TOP_LEVEL = {
    "to": "phoneNumber", "destination": "phoneNumber", "number": "phoneNumber", "phone": "phoneNumber",
    "dialnumber": "phoneNumber", "tonumber": "phoneNumber", "address": "phoneNumber",
    "target": "phoneNumber", "phonenumbers": "phoneNumber", "destinationnumber": "phoneNumber",
    "from": "callerId", "fromnumber": "callerId", "callfrom": "callerId", "callfromnumber": "callerId", "caller": "callerId", "ani": "callerId",
    "calleridnumber": "callerId", "callernumber": "callerId", "origin": "callerId",
    "callername": "callerIdName", "fromname": "callerIdName", "displayname": "callerIdName",
    "queueid": "callFromQueueId", "queue": "callFromQueueId", "fromqueueid": "callFromQueueId",
    "userid": "callUserId", "touserid": "callUserId",
    "metadata": "attributes", "customattributes": "attributes", "data": "attributes",
    "userdata": "attributes", "participantdata": "attributes", "customdata": "attributes",
    "skills": "routingSkillsIds", "skillids": "routingSkillsIds", "routingskills": "routingSkillsIds",
    "skillexpression": "routingSkillExpression",
    "language": "languageId", "languageskillid": "languageId",
    "conversationid": "conversationIds", "uui": "uuiData", "externalcontact": "externalContactId",
    "contactid": "externalContactId", "participant": "participants", "conference": "participants",
}

DESTINATION = {
    "to": "address", "phonenumber": "address", "number": "address", "phone": "address",
    "destination": "address", "user": "userId", "queue": "queueId", "displayname": "name",
}

_SEPARATORS = re.compile(r"[_\-\s.]")


@lru_cache(maxsize=4096)   # a body's few keys are squashed dozens of times per check, by every rule
def squash(key: str) -> str:
    return _SEPARATORS.sub("", key).lower()


@cache
def _by_squashed(model: str) -> dict[str, str]:
    return {squash(k): k for k in model_fields(model)}


def canonical(key: str, model: str) -> str | None:
    """The real field when `key` is one in another casing or spelling ('phone_number' -> 'phoneNumber')."""
    if key in model_fields(model):
        return key
    return _by_squashed(model).get(squash(key))


def nearest(key: str, model: str) -> str | None:
    """The real field an unknown key most likely meant, or None."""
    real = canonical(key, model)
    if real:
        return real
    sq = squash(key)
    aliases = TOP_LEVEL if model == "CreateCallRequest" else DESTINATION
    if sq in aliases:
        return aliases[sq]
    if sq in NO_FIELD or sq in AS_OTHER_USER:
        return None
    close = difflib.get_close_matches(sq, list(_by_squashed(model)), n=1, cutoff=0.8)
    return _by_squashed(model)[close[0]] if close else None
