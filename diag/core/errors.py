"""diag's exceptions, and the catalogue that explains Genesys error codes in plain words.

Exception tree (every message is safe to show: no token or secret is ever put in one):

    DiagError
    ├── ConfigError            bad settings: missing credentials, a --sim that is not local
    │   ├── UnknownRegion          (diag.core.regions) a region name or host that is not in the table
    │   └── UnknownOperation       (diag.core.doctor) METHOD PATH that is no operation of the SDK
    ├── AuthError              a token could not be had or was refused (wrong secret, wrong region, expired)
    ├── SafetyError            diag refused to send (the safety gate, diag.client.gate); nothing left the machine
    │   ├── ConfirmationRequired   a write to a real org needs a yes bound to org, region, destinations and body
    │   │   └── ConfirmationDeclined   the person (or the confirm callback) said no
    │   ├── BlockedNumber          an emergency, short service or feature-code number: never sent
    │   ├── NumberNotAllowed       a destination not on the allow-list (numbers, users, queues)
    │   ├── UnreadableBody         a write to a real org whose bytes are not exactly one JSON object
    │   └── UnsafeRequest          another host, user information in the URL, a secret going elsewhere, a path
    │                              that is not a Platform API path, a redacted value to re-send
    ├── UsageQueryError        a usage query wrong before sending, failed at Genesys, or not done in time
    ├── UnreadableEvidence     (also a ValueError) a HAR, cURL, raw request or log diag cannot read: says where
    └── RedactionError         something that must not leave was still found in a bundle: nothing written

A request that gets no HTTP answer is not an exception: its Exchange carries `transport_error` and says whether a
POST may already have taken effect.

Explanations name only codes, permissions and fields from ../shared/reference/genesys-api-facts.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from diag.core.facts import CALL_PERMISSION, CALLS_USER_ROUTE


class DiagError(Exception):
    """Base of every error diag raises on purpose."""


class ConfigError(DiagError):
    pass


class AuthError(DiagError):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 region: str | None = None):
        super().__init__(message)
        self.status, self.code, self.region = status, code, region


class SafetyError(DiagError):
    pass


class ConfirmationRequired(SafetyError):
    """`prompt` names the org, the region and every destination; `intent` is what a Confirmation must cover."""

    def __init__(self, prompt: str, intent=None):
        super().__init__(f"Confirmation required: {prompt}")
        self.prompt, self.intent = prompt, intent


class ConfirmationDeclined(ConfirmationRequired):
    def __init__(self, prompt: str, intent=None):
        super().__init__(prompt, intent)
        self.args = (f"Not confirmed, nothing sent: {prompt}",)


class BlockedNumber(SafetyError):
    """`number` is a service number as dialled (911), or a longer value masked; `code` the rule; `path` where."""

    def __init__(self, number: str, reason: str, code: str = "emergency-number", path: str | None = None):
        super().__init__(f"Refused to send {number!r}: {reason}")
        self.number, self.reason, self.code, self.path = number, reason, code, path


class NumberNotAllowed(SafetyError):
    """A destination not on an allow-list (kind number, user or queue), or an operation (kind operation) that starts
    dialling without naming whom while an allow-list is set (`why` says what it starts)."""
    _ENV = {"number": "DIAG_ALLOWED_NUMBERS", "user": "DIAG_ALLOWED_USERS", "queue": "DIAG_ALLOWED_QUEUES"}

    def __init__(self, value: str, allowed: int, path: str | None = None, kind: str = "number",
                 why: str | None = None):
        if kind == "operation":
            message = f"Refused to send {value}: {why}."
        elif why:
            message = f"Refused to send to {value!r}{f' (at {path})' if path else ''}: {why}."
        else:
            message = (f"Refused to send to {value!r}{f' (at {path})' if path else ''}: this {kind} is not on the "
                       f"allow-list ({allowed} {kind}(s); exact match after normalisation; set {self._ENV[kind]}).")
        super().__init__(message)
        self.number, self.path, self.kind = value, path, kind


class UnreadableBody(SafetyError):
    pass


class UnreadableEvidence(DiagError, ValueError):
    """The customer's evidence is none of the forms diag reads (diag.core.evidence); the message says what it
    looked like and where it stopped."""


class UnsafeRequest(SafetyError):
    pass


class RedactionError(DiagError):
    """Something that must not leave was still found after redaction: nothing was written."""

    def __init__(self, message: str, *, file: str, kind: str):
        super().__init__(message)
        self.file, self.kind = file, kind


class UsageQueryError(DiagError):
    """A usage query that is wrong before it is sent, failed at Genesys, or did not finish in time."""

    def __init__(self, message: str, *, field: str | None = None, execution_id: str | None = None):
        super().__init__(message)
        self.field, self.execution_id = field, execution_id


@dataclass(frozen=True)
class Explanation:
    meaning: str
    cause: str
    fix: str

    def text(self) -> str:
        return f"{self.meaning} Likely cause: {self.cause} Fix: {self.fix}"



CATALOGUE: dict[str, Explanation] = {
    "bad.request": Explanation(
        "Genesys could not use the request.",
        "no destination, a participant with nothing to call, or a body it could not read.",
        "read the doctor's findings for the body that was sent and send the corrected body."),
    "invalid.value": Explanation(
        "A field has a value of the wrong type or outside what Genesys allows.",
        "for example `priority` as text, or `attributes` values that are not strings.",
        "send each field with the type of the CreateCallRequest model (the doctor's invalid-type findings)."),
    "invalid.date": Explanation(
        "A date in the request could not be read.", "a date not in ISO-8601 form.", "send ISO-8601 dates."),
    "not.a.user": Explanation(
        "This endpoint needs a user: the call is placed as the user behind the token.",
        "a client-credentials token (an integration has no user, phone or station).",
        "use a user token (authorization code with PKCE, implicit or SAML2 bearer grant), or place the call for "
        f"a user with {CALLS_USER_ROUTE} (whether that route accepts client-credentials tokens is not documented; "
        "test it)."),
    "conversation.error.no.user.station": Explanation(
        "A station is required to place a call: the user behind the token has no phone associated.",
        "the user behind the token has no station (phone) associated.",
        "associate a station with the user, or use a token of a user who has one; preflight checks this."),
    "too.many.create.conversation.parameters": Explanation(
        "Only a single destination can be supplied in a create conversation request.",
        "more than one of phoneNumber, callUserId, callQueueId, participants, conversationIds was given "
        "(which fields count is inferred).",
        "keep exactly one destination."),
    "authentication.required": Explanation(
        "No bearer token was sent.", "the Authorization header is missing or empty.",
        "send `Authorization: Bearer <token>`."),
    "bad.credentials": Explanation(
        "The token was refused.",
        "the token expired, was revoked, or was issued by another region's login host (modelled: each region "
        "has its own login host, and diag assumes a token works only where it was issued; the facts diag holds say "
        "no more).",
        "get a new token; if it is new, check the region (diag can ask each region which one knows it)."),
    "missing.permissions": Explanation(
        "The identity lacks a permission the endpoint needs.", "the user's or client's roles lack it.",
        f"grant a role with the permission named in the message (for this endpoint: {CALL_PERMISSION})."),
    "missing.any.permissions": Explanation(
        "The identity has none of the permissions the endpoint accepts.",
        "the user's roles (or, for client credentials, the OAuth client's roles) lack them.",
        f"grant a role with one of the permissions named in the message; {CALL_PERMISSION} for "
        f"POST /api/v2/conversations/calls, conversation:agentlessCall:add or conversation:call:add for "
        f"{CALLS_USER_ROUTE}."),
    "not.authorized": Explanation(
        "The identity is not allowed to do this.", "permissions or division access.",
        "check the roles and divisions of the user or OAuth client."),
    "not.found": Explanation(
        "The resource was not found.", "a wrong id in the path, or an id from another org or region.",
        "check the id and the region."),
    "resource.not.found": Explanation(
        "The resource was not found.", "a wrong id in the path.", "check the id."),
    "unsupported.media.type": Explanation(
        "The body's Content-Type is not accepted.", "the body was not sent as JSON.",
        "send the body as JSON with `Content-Type: application/json`."),
    "too.many.requests": Explanation(
        "Rate limit exceeded.", "too many requests in the limit's window.",
        "wait for Retry-After seconds; pace requests under the limit."),
    "too.many.requests.retry.after": Explanation(
        "Rate limit exceeded; Genesys says how long to wait in Retry-After.",
        "too many requests for this token (by default 300 per minute for a client-credentials token).",
        "wait Retry-After seconds before retrying (diag does this for you); pace batches under the limit."),
    "internal.server.error": Explanation(
        "Genesys failed while handling the request.",
        "a fault on Genesys' side; the call may or may not have been placed.",
        "do not resend blindly: check the user's conversations first; give Genesys support the correlation id."),
    "providerapi.error.station.no.active.edge": Explanation(
        "Genesys found no active Edge for the user's station (meaning read from the code's name; not documented "
        "further).", "the station or its Edge is not available.", "check the user's station, or use another one; "
        "give Genesys support the correlation id."),
    "providerapi.error.no.station.for.edge": Explanation(
        "Genesys found no station for the Edge (meaning read from the code's name; not documented further).",
        "station configuration.", "check the user's station; give Genesys support the correlation id."),
    "service.unavailable": Explanation(
        "Genesys is temporarily unavailable.", "maintenance or overload; the call may or may not have been placed.",
        "wait and check before resending; give Genesys support the correlation id."),
    "request.timeout": Explanation(
        "Genesys timed out handling the request.", "a slow dependency; the call may or may not have been placed.",
        "check the user's conversations before resending; give Genesys support the correlation id."),
    "authentication.request.timeout": Explanation(
        "Authentication timed out at Genesys.", "a slow login service.", "retry the token request."),
}

OAUTH_ERRORS = {
    "invalid_client": "The OAuth client id or secret was refused: wrong secret, or the client belongs to another "
                      "region (clients exist in one region only).",
    "invalid_grant": "The authorization code or refresh token was refused (used, expired, or a wrong PKCE verifier).",
    "unsupported_grant_type": "The OAuth client does not allow this grant type.",
    "invalid_request": "The OAuth request is missing something (redirect URI, PKCE challenge).",
}

# How a call ended (GET /api/v2/conversations/calls/{id}), in plain words.
DISCONNECTS = {
    "peer": "the far end hung up",
    "client": "the user hung up",
    "endpoint": "the user's phone ended the call",
    "error": "the call failed",
    "system": "Genesys ended the call",
    "transport.failure": "the call's transport failed",
    "other": "the call ended for another reason",
}
ERROR_INFO = {  # the simulator's own codes (never Genesys codes)
    "diag.sim.busy": "the far end was busy",
    "diag.sim.no-answer": "nobody answered before the call timed out",
    "diag.sim.invalid-number": "the number is not reachable",
}


def explain(code: str | None, message: str | None = None, status: int | None = None) -> str:
    """Plain words for a Genesys error code; unknown codes fall back to the server's own message."""
    if code and code in CATALOGUE:
        return CATALOGUE[code].text()
    if code and code in OAUTH_ERRORS:
        return OAUTH_ERRORS[code]
    if message:
        return f"Genesys said: {message}" + (f" (code {code})" if code else "")
    if status:
        return f"HTTP {status} without a Genesys error body (a proxy or load balancer may have answered)."
    return "No explanation available."


def explain_disconnect(disconnect_type: str | None, error_code: str | None, error_message: str | None) -> str:
    if error_code:
        return ERROR_INFO.get(error_code) or error_message or f"error {error_code}"
    return DISCONNECTS.get(disconnect_type or "", f"the call ended ({disconnect_type})")
