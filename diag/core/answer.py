"""One reader of a Genesys answer, for diag's own calls and the customer's evidence alike: the status, the
ErrorBody's fields as sent (code, message, messageParams), the correlation id, the rate-limit headers, Retry-After
and diag's explanation for the operation."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from diag.core.headers import header

__all__ = ["RATE_HEADERS", "Reading", "read_answer"]

# The rate-limit headers Genesys sends, as diag keys them (lower case)
RATE_HEADERS = ("inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset", "retry-after")


@dataclass
class Reading:
    status: int | None
    correlation_id: str | None = None
    rate_limit: dict[str, str] = field(default_factory=dict)   # RATE_HEADERS that were sent, by lower-case name
    error: dict | None = None            # the ErrorBody (or OAuth error) as sent, for a status of 400 or more
    error_code: str | None = None        # its `code`, or OAuth's `error`
    message: str | None = None           # its `message`, or OAuth's `error_description`
    params: dict = field(default_factory=dict)   # its `messageParams`
    explanation: str | None = None       # diag's words for the code, for this operation

    @property
    def retry_after(self) -> str | None:
        return self.rate_limit.get("retry-after")


def read_answer(status: int | None, headers: Mapping[str, str] | None, body: Any,
                operation: str | None = None) -> Reading:
    """What an answer says. `body` is the answer already decoded (JSON as dict, else text); `operation` is
    "METHOD /api/v2/template" when known, for explanations documented per operation."""
    from diag.core import errors

    limits = {name: header(headers, name) for name in RATE_HEADERS}
    reading = Reading(status, correlation_id=header(headers, "ININ-Correlation-Id"),
                      rate_limit={name: value for name, value in limits.items() if value is not None})
    if (status or 0) >= 400:
        error = body if isinstance(body, dict) else {}
        reading.error = error or None
        code = error.get("code") or error.get("error")
        message = error.get("message") or error.get("error_description")
        reading.error_code = code if isinstance(code, str) else (None if code is None else str(code))
        reading.message = message if isinstance(message, str) else (None if message is None else str(message))
        params = error.get("messageParams")
        reading.params = params if isinstance(params, dict) else {}
        reading.explanation = errors.explain(reading.error_code, reading.message, status, operation)
    return reading
