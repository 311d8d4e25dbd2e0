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
    │   └── JobsRefused            the usage jobs API refused or cannot reach the interval (the older query follows)
    ├── UnreadableEvidence     (also a ValueError) a HAR, cURL, raw request or log diag cannot read: says where
    └── RedactionError         something that must not leave was still found in a bundle: nothing written

A request that gets no HTTP answer is not an exception: its Exchange carries `transport_error` and says whether a
POST may already have taken effect.

Explanations name only codes, permissions and fields from ../shared/reference/genesys-api-facts.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from diag.core.facts import CALL_PERMISSION, CALL_ROUTES, CALLS_USER_ROUTE


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


class JobsRefused(UsageQueryError):
    """The usage jobs API refused the request (its permission, its interval, or an org without it)."""


@dataclass(frozen=True)
class Explanation:
    meaning: str
    cause: str
    fix: str

    def text(self) -> str:
        return f"{self.meaning} Likely cause: {self.cause} Fix: {self.fix}"



# What each Genesys error code means, for any operation: its documented message (the 2018 spec's template, quoted
# where it says more than the code's name), the usual causes and the fix. Causes that belong to one operation are
# kept apart (CALL_CAUSES) and named only for it.
CATALOGUE: dict[str, Explanation] = {
    "bad.request": Explanation(
        "Genesys could not use the request (documented: \"The request could not be understood by the server due to "
        "malformed syntax.\").",
        "a body that is not JSON, or a value it cannot read as its field's type (a list or an object where a string "
        "goes, text in a number).",
        "read the doctor's findings for the body that was sent and send the corrected body."),
    "invalid.value": Explanation(
        "A value is not among those the field allows (documented: \"Value [%s] is not valid for field type [%s]. "
        "Allowable values are: %s\").",
        "an enum value outside its list: a misspelling, another case, a value from another field.",
        "send one of the allowable values the message lists (the doctor offers the closest)."),
    "invalid.date": Explanation(
        "A date in the request could not be read (documented: \"Dates must be specified as ISO-8601 strings\").",
        "a date not in ISO-8601 form.", "send ISO-8601 dates, e.g. 2026-01-01T00:00:00.000Z."),
    "not.a.user": Explanation(
        "This operation needs a user: \"This request requires a user context. Client credentials cannot be used for "
        "requests to this resource.\" (documented).",
        "a client-credentials token (an integration has no user, phone or station).",
        "use a user token (authorization code with PKCE, implicit or SAML2 bearer grant)."),
    "conversation.error.no.user.station": Explanation(
        "A station is required to place a call (documented): the user the call is placed as has no phone.",
        "that user has no station (phone) associated.",
        "associate a station with the user, or place the call as a user who has one; preflight checks this."),
    "too.many.create.conversation.parameters": Explanation(
        "Only a single destination can be supplied in a create conversation request (documented).",
        "more than one of phoneNumber, callUserId, callQueueId, participants, conversationIds was given "
        "(which fields count is inferred).",
        "keep exactly one destination."),
    "authentication.required": Explanation(
        "No bearer token was sent (documented: \"No authentication bearer token specified in authorization "
        "header.\").", "the Authorization header is missing or empty.", "send `Authorization: Bearer <token>`."),
    "bad.credentials": Explanation(
        "The token was refused (documented: \"Invalid login credentials.\").",
        "the token expired, was revoked, or was issued by another region's login host (modelled: each region "
        "has its own login host, and diag assumes a token works only where it was issued; the facts diag holds say "
        "no more).",
        "get a new token; if it is new, check the region (diag can ask each region which one knows it)."),
    "missing.permissions": Explanation(
        "The identity lacks permissions the operation requires, all of them (documented: \"You are missing the "
        "following permission(s): %s\").", "the user's or the OAuth client's roles lack them.",
        "grant a role with each permission the message names (preflight lists them for any operation)."),
    "missing.any.permissions": Explanation(
        "The identity has none of the permissions the operation accepts (documented: \"You must have at least one "
        "of the following permissions assigned: %s\").",
        "the user's roles (or, for client credentials, the OAuth client's roles) lack them.",
        "grant a role with one of the permissions the message names (preflight lists them for any operation)."),
    "not.authorized": Explanation(
        "The identity is not allowed to do this (documented: \"You are not authorized to perform the requested "
        "action.\").", "division access, or the resource's own rules (an ended conversation, another user's).",
        "check the roles and divisions of the user or OAuth client, and the state of the resource."),
    "not.found": Explanation(
        "The resource was not found (documented: \"The requested resource was not found.\").",
        "a wrong id in the path, or an id from another org or region.", "check the id and the region."),
    "resource.not.found": Explanation(
        "The resource could not be found (documented).", "a wrong id in the path.", "check the id."),
    "unsupported.media.type": Explanation(
        "The body's Content-Type is not accepted (documented).", "the body was not sent as JSON.",
        "send the body as JSON with `Content-Type: application/json`."),
    "too.many.requests": Explanation(
        "Rate limit exceeded (the 2018 wording; since 2021 Genesys answers too.many.requests.retry.after).",
        "too many requests in the limit's window.", "wait for Retry-After seconds; pace requests under the limit."),
    "too.many.requests.retry.after": Explanation(
        "Rate limit exceeded; Genesys says how long to wait in Retry-After (documented since 2021-11-10).",
        "too many requests for this token, user or resource (a client-credentials token: 300 per minute by "
        "default, per a community answer quoting Genesys' limits page).",
        "wait Retry-After seconds before retrying (diag does this for you); pace batches under the limit."),
    "internal.server.error": Explanation(
        "Genesys failed while handling the request (documented).",
        "a fault on Genesys' side; a write may or may not have taken effect.",
        "do not resend a write blindly: check first; give Genesys support the correlation id."),
    "providerapi.error.station.no.active.edge": Explanation(
        "\"Unable to place call. Could not find an Edge for this station.\" (documented).",
        "the station's Edge is not available.", "check the user's station and its Edge, or use another station; "
        "give Genesys support the correlation id."),
    "providerapi.error.no.station.for.edge": Explanation(
        "\"Station assignment for station found, but no primary or secondary Edge id was assigned to it.\" "
        "(documented): the user has a station, and that station has no Edge.",
        "the station was assigned to the user, but no primary or secondary Edge was assigned to the station.",
        "assign a primary (or secondary) Edge to the station, or use another station; give Genesys support the "
        "correlation id."),
    "service.unavailable": Explanation(
        "Genesys is temporarily unavailable (documented).",
        "maintenance or overload; a write may or may not have taken effect.",
        "wait and check before resending; give Genesys support the correlation id."),
    "request.timeout": Explanation(
        "Genesys timed out handling the request (documented).",
        "a slow dependency; a write may or may not have taken effect.",
        "check before resending a write; give Genesys support the correlation id."),
    "authentication.request.timeout": Explanation(
        "Authentication timed out at Genesys (documented).", "a slow login service.", "retry the token request."),
}

# Causes that belong to creating a call (POST /api/v2/conversations/calls and its on-behalf route).
CALL_CAUSES = {
    "bad.request": "for a call, among others: no destination, or a participant with nothing to call (diag's model; "
                   "the findings on the body sent say which).",
    "not.a.user": f"to place a call for a user with client credentials, {CALLS_USER_ROUTE} may be the route (whether "
                  "it accepts client-credentials tokens is not documented; test it).",
    "missing.any.permissions": f"{CALL_PERMISSION} for POST /api/v2/conversations/calls; "
                               f"conversation:agentlessCall:add or conversation:call:add for {CALLS_USER_ROUTE}.",
    "internal.server.error": "a call may have been placed: check the user's conversations before resending.",
}
CALL_OPERATIONS = CALL_ROUTES


# OAuth's error names (RFC 6749 §5.2); Genesys' token error body is not documented in diag's sources, so each
# explanation is modelled. One real answer is in the calibration corpus: a client of another region's org, sent to
# the wrong login host, got invalid_client "authentication failed".
OAUTH_ERRORS = {
    "invalid_client": "The OAuth client id or secret was refused: a wrong secret, or a client of another region's "
                      "org sent to this region's login host (a public report shows that answer; modelled).",
    "invalid_grant": "The authorization code or refresh token was refused (used, expired, or a wrong PKCE verifier; "
                     "modelled).",
    "unsupported_grant_type": "The OAuth client does not allow this grant type (modelled).",
    "invalid_request": "The OAuth request is missing something (redirect URI, PKCE challenge; modelled).",
}

# How a call ended, in plain words: the disconnect types are the SDK's (facts §6.2: client, endpoint, error, peer,
# system, timeout, transfer, transportFailure, uncallable, spam, ...); the words for each are diag's reading of the
# name (modelled: Genesys documents the names only).
DISCONNECTS = {
    "peer": "the far end hung up",
    "client": "the user hung up",
    "endpoint": "the user's phone ended the call",
    "error": "the call failed",
    "system": "Genesys ended the call",
    "timeout": "the call timed out",
    "transfer": "the call was transferred",
    "transportFailure": "the call's transport failed",
    "uncallable": "the number could not be called",
    "spam": "the call was marked as spam",
    "other": "the call ended for another reason",
}
ERROR_INFO = {  # the simulator's own codes (never Genesys codes)
    "diag.sim.busy": "the far end was busy",
    "diag.sim.no-answer": "nobody answered before the call timed out",
    "diag.sim.invalid-number": "the number is not reachable",
}


def in_words(exc: BaseException) -> str:
    """An exception as a person should read it in a panel or on the command line: diag's own and a ValueError (the
    messages diag writes for people) as they are; an OS error by its path and what went wrong (a parent folder that
    is a file said so: mkdir says "File exists"); anything else with its type, as it is unexpected."""
    import os

    if isinstance(exc, OSError):
        name = exc.filename
        if isinstance(exc, FileExistsError) and name and os.path.isfile(name) and exc.strerror:
            return f"{name} is a file, not a folder: choose another place"
        if exc.strerror:
            return f"{name}: {exc.strerror}" if name else exc.strerror
        return str(exc)
    if isinstance(exc, (DiagError, ValueError)) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def explain(code: str | None, message: str | None = None, status: int | None = None,
            operation: str | None = None) -> str:
    """Plain words for a Genesys error code, for `operation` ("POST /api/v2/usage/query") when it is known: the
    code's meaning, causes and fix, the causes of that operation, and whether Genesys documents the code for it."""
    if code and code in CATALOGUE:
        text = CATALOGUE[code].text()
        if operation == CALLS_USER_ROUTE and code == "conversation.error.no.user.station":
            text += (" For this operation: the user named in the path, for whom the call is placed (not the token's "
                     "own user), has no station.")
        elif operation in CALL_OPERATIONS and code in CALL_CAUSES:
            text += f" For this operation: {CALL_CAUSES[code]}"
        return text + _documented_for(code, operation)
    if code and code in OAUTH_ERRORS:
        return OAUTH_ERRORS[code]
    if message:
        return f"Genesys said: {message}" + (f" (code {code})" if code else "") + _documented_for(code, operation)
    if status:
        return f"HTTP {status} without a Genesys error body (a proxy or load balancer may have answered)."
    return "No explanation available."


def _documented_for(code: str | None, operation: str | None) -> str:
    if not (code and operation) or code.startswith("diag."):   # the simulator's own codes are never Genesys'
        return ""
    from diag.core.model import facts

    codes = facts.error_codes(operation)
    if codes is None:
        return ""
    if facts.documents(operation, code):
        return f" ({code} is among the codes Genesys' 2018 spec documents for {operation}.)"
    return f" ({code} is not among the codes Genesys' 2018 spec documents for {operation}: a newer code.)"


def explain_disconnect(disconnect_type: str | None, error_code: str | None, error_message: str | None) -> str:
    if error_code:
        return ERROR_INFO.get(error_code) or error_message or f"error {error_code}"
    return DISCONNECTS.get(disconnect_type or "", f"the call ended ({disconnect_type})") + " (the words are modelled)"
