"""The Genesys facts diag names in more than one place, written once (each from
../shared/reference/genesys-api-facts.md): permissions, routes, the destination fields of a call."""
from __future__ import annotations

CALLS_PATH = "/api/v2/conversations/calls"                                                   # facts §1
CALLS_ROUTE = f"POST {CALLS_PATH}"
CALLS_USER_PATH = f"{CALLS_PATH}/user/{{userId}}"                                             # facts §1.3
CALLS_USER_ROUTE = f"POST {CALLS_USER_PATH}"
CALL_ROUTES = (CALLS_ROUTE, CALLS_USER_ROUTE)   # creating a call, as the token's user or on behalf of another
CALL_PERMISSION = "conversation:conference:add"                                              # facts §2
# The fields that name where a call goes; one per request (too.many.create.conversation.parameters, facts §1.2).
# Which fields count is inferred from the model ([GUESS] in the facts).
DESTINATION_FIELDS = ("phoneNumber", "callUserId", "callQueueId", "participants", "conversationIds")
# The statuses documented for POST /api/v2/conversations/calls (facts §3.2; the OpenAPI subset's responses).
# Genesys may answer others (later releases are said to list 202 and 409); diag holds no source for what they
# mean, so it shows them as sent and says they are undocumented rather than guessing.
CALLS_DOCUMENTED_STATUSES = (200, 400, 401, 403, 404, 415, 429, 500, 503, 504)
# The usage jobs' interval (the request model's text, facts §9.2): "Start date cannot be more than a year ago. End
# date cannot be more than 90 days after the start." (a year read as 366 days, so a leap year's is not refused)
USAGE_JOBS_REACH_DAYS = 366
USAGE_JOBS_SPAN_DAYS = 90
