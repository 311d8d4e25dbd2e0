"""The Genesys facts diag names in more than one place, written once (each from
../shared/reference/genesys-api-facts.md): permissions, routes, the destination fields of a call."""
from __future__ import annotations

CALLS_ROUTE = "POST /api/v2/conversations/calls"
CALLS_USER_ROUTE = "POST /api/v2/conversations/calls/user/{userId}"                          # facts §1.3
CALL_PERMISSION = "conversation:conference:add"                                              # facts §2
CALL_AS_USER_PERMISSIONS = ("conversation:agentlessCall:add", "conversation:call:add")      # facts §1.3, §2
# The fields that name where a call goes; one per request (too.many.create.conversation.parameters, facts §1.2).
# Which fields count is inferred from the model ([GUESS] in the facts).
DESTINATION_FIELDS = ("phoneNumber", "callUserId", "callQueueId", "participants", "conversationIds")
DESTINATION_ITEM_FIELDS = ("address", "name", "userId", "queueId")                         # Destination, facts §1.1
