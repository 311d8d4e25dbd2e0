"""diag: find out why Genesys Cloud Platform API calls fail, and hand a clean record to a support ticket.

The public surface is small and imported lazily, so `import diag` stays fast:

    check(body) / check_text(text)   the payload doctor for POST /api/v2/conversations/calls
    fix(body)                        the corrected body and what changed
    check_for_operation(op, body)    any operation's body against its SDK model
    parse_body(text)                 read pasted JSON, repairing copy-paste damage
    check_operation("POST /path")    is this a real Platform API operation?
    connect(...) -> Session          the simulator by default, a real region only when named; send(), call()
    Confirmation                     a person's yes for exactly one org, destination set and body (diag.gate)
    run_batch(session, body, count)  paced test calls under the rate limit
    Simulator                        the built-in Genesys Cloud simulator (a real HTTP server on 127.0.0.1)
    bundle_from_session(zip, s)      the support-ticket zip: summary, HAR, repro scripts, charts, redacted

Findings carry a severity, a JSON path, a stable code and a message naming the real field.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "check": "diag.doctor", "check_text": "diag.doctor", "fix": "diag.doctor", "parse_body": "diag.doctor",
    "check_for_operation": "diag.doctor", "UnknownOperation": "diag.doctor",
    "Finding": "diag.doctor", "Report": "diag.doctor",
    "check_operation": "diag.endpoints", "EndpointCheck": "diag.endpoints", "Operation": "diag.endpoints",
    "connect": "diag.session", "Session": "diag.session", "locate_region": "diag.session",
    "Exchange": "diag.exchange", "ExchangeLog": "diag.exchange",
    "run_batch": "diag.pacing", "BatchResult": "diag.pacing",
    "REGIONS": "diag.regions", "find_region": "diag.regions", "Region": "diag.regions",
    "explain": "diag.errors", "DiagError": "diag.errors", "ConfigError": "diag.errors", "AuthError": "diag.errors",
    "SafetyError": "diag.errors", "ConfirmationRequired": "diag.errors", "BlockedNumber": "diag.errors",
    "NumberNotAllowed": "diag.errors", "ConfirmationDeclined": "diag.errors", "UnreadableBody": "diag.errors",
    "UnsafeRequest": "diag.errors", "UsageQueryError": "diag.usage",
    "Confirmation": "diag.gate", "SafetyGate": "diag.gate",
    "Simulator": "diag.sim",
    "build_bundle": "diag.bundle", "bundle_from_session": "diag.bundle", "RedactionError": "diag.bundle",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'diag' has no attribute {name!r}")


def __dir__():
    return __all__
