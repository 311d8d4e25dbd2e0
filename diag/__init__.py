"""diag: find out why Genesys Cloud Platform API calls fail, and hand a clean record to a support ticket.

The public surface is small and imported lazily, so `import diag` stays fast:

    check(body) / check_text(text)   the payload doctor for POST /api/v2/conversations/calls
    fix(body)                        the corrected body and what changed
    check_for_operation(op, body)    any operation's body against its SDK model
    parse_body(text)                 read pasted JSON, repairing copy-paste damage
    check_operation("POST /path")    is this a real Platform API operation?
    connect(...) -> Session          the simulator by default, a real region only when named; send(), call()
    Confirmation                     a person's yes for exactly one org, destination set and body (diag.client.gate)
    run_batch(session, body, count)  paced test calls under the rate limit
    Simulator                        the built-in Genesys Cloud simulator (a real HTTP server on 127.0.0.1)
    bundle_from_session(zip, s)      the support-ticket zip: summary, HAR, repro scripts, charts, redacted
    inspect(har_or_curl)             diagnose every Genesys request in a customer's HAR, cURL or raw request

Findings carry a severity, a JSON path, a stable code and a message naming the real field.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from diag.core import __version__

if TYPE_CHECKING:   # what static tools see; at run time the names load on first use (import diag stays fast)
    from diag.app.ticket import bundle_from_session
    from diag.client.gate import Confirmation, SafetyGate
    from diag.client.pacing import BatchResult, run_batch
    from diag.client.connect import connect, locate_region
    from diag.client.session import Session
    from diag.core.doctor import (
        Finding,
        Report,
        UnknownOperation,
        check,
        check_for_operation,
        check_text,
        fix,
        parse_body,
    )
    from diag.core.endpoints import EndpointCheck, Operation, check_operation
    from diag.core.errors import (
        AuthError,
        BlockedNumber,
        ConfigError,
        ConfirmationDeclined,
        ConfirmationRequired,
        DiagError,
        NumberNotAllowed,
        RedactionError,
        SafetyError,
        UnreadableBody,
        UnsafeRequest,
        UsageQueryError,
        explain,
    )
    from diag.core.exchange import Exchange, ExchangeLog
    from diag.core.inspect import Inspection, inspect
    from diag.core.regions import REGIONS, Region, find_region
    from diag.reports.bundle import build_bundle
    from diag.sim import Simulator


_EXPORTS = {
    "check": "diag.core.doctor", "check_text": "diag.core.doctor", "fix": "diag.core.doctor", "parse_body": "diag.core.doctor",
    "check_for_operation": "diag.core.doctor", "UnknownOperation": "diag.core.doctor",
    "Finding": "diag.core.doctor", "Report": "diag.core.doctor",
    "check_operation": "diag.core.endpoints", "EndpointCheck": "diag.core.endpoints", "Operation": "diag.core.endpoints",
    "connect": "diag.client.connect", "Session": "diag.client.session", "locate_region": "diag.client.connect",
    "Exchange": "diag.core.exchange", "ExchangeLog": "diag.core.exchange",
    "run_batch": "diag.client.pacing", "BatchResult": "diag.client.pacing",
    "REGIONS": "diag.core.regions", "find_region": "diag.core.regions", "Region": "diag.core.regions",
    "explain": "diag.core.errors", "DiagError": "diag.core.errors", "ConfigError": "diag.core.errors", "AuthError": "diag.core.errors",
    "SafetyError": "diag.core.errors", "ConfirmationRequired": "diag.core.errors", "BlockedNumber": "diag.core.errors",
    "NumberNotAllowed": "diag.core.errors", "ConfirmationDeclined": "diag.core.errors", "UnreadableBody": "diag.core.errors",
    "UnsafeRequest": "diag.core.errors", "UsageQueryError": "diag.core.errors",
    "Confirmation": "diag.client.gate", "SafetyGate": "diag.client.gate",
    "Simulator": "diag.sim",
    "inspect": "diag.core.inspect", "Inspection": "diag.core.inspect",
    "build_bundle": "diag.reports.bundle", "bundle_from_session": "diag.app.ticket", "RedactionError": "diag.core.errors",
}
__all__ = [
    "AuthError", "BatchResult", "BlockedNumber", "ConfigError", "Confirmation", "ConfirmationDeclined",
    "ConfirmationRequired", "DiagError", "EndpointCheck", "Exchange", "ExchangeLog", "Finding", "NumberNotAllowed",
    "Operation", "REGIONS", "RedactionError", "Region", "Report", "SafetyError", "SafetyGate", "Session",
    "Simulator", "UnknownOperation", "UnreadableBody", "UnsafeRequest", "UsageQueryError", "build_bundle",
    "bundle_from_session", "check", "check_for_operation", "check_operation", "check_text", "connect", "explain",
    "find_region", "fix", "inspect", "Inspection", "locate_region", "parse_body", "run_batch", "__version__",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'diag' has no attribute {name!r}")


def __dir__():
    return __all__
