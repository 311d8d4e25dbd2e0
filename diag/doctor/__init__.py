"""The payload doctor: what is wrong with a CreateCallRequest body, why, and the body that was meant.

    >>> report = check({"to": {"phoneNumber": "+13175550100"}})
    >>> report.codes(), report.fixed
    (['unknown-field', 'no-destination'], {'phoneNumber': '+13175550100'})
"""
from __future__ import annotations

from typing import Any

from . import phones
from .findings import BLOCKING_CODES, ERROR, INFO, WARNING, Finding, Report
from .fix import fix
from .jsonrepair import ParsedBody, parse_body
from .rules import DESTINATION_FIELDS, RULES, run_rules

__all__ = ["check", "check_text", "fix", "parse_body", "Finding", "Report", "ParsedBody",
           "ERROR", "WARNING", "INFO", "RULES", "DESTINATION_FIELDS", "BLOCKING_CODES"]


def _region_hint(body: dict, region: str | None) -> str | None:
    if region:
        return region.upper()
    caller = body.get("callerId")
    return phones.region_of(phones.normalise(caller)) if isinstance(caller, str) else None


MAX_DEPTH = 64


def _deeper_than(value: Any, limit: int) -> bool:
    """Iterative, so that a hostile body cannot exhaust the stack while being measured."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def check(body: Any, *, region: str | None = None) -> Report:
    """Findings for a parsed body, plus the corrected body when one can be inferred.

    `region` (ISO country, e.g. "US") reads numbers written without '+'; by default the caller id's country.
    """
    if not isinstance(body, dict):
        kind = "a list" if isinstance(body, list) else type(body).__name__
        return Report(body, [Finding(ERROR, "$", "body-not-object",
                                     f"The body must be a JSON object ({{...}}), not {kind}.")])
    if _deeper_than(body, MAX_DEPTH):
        return Report(body, [Finding(ERROR, "$", "body-too-deep",
                                     f"The body is nested more than {MAX_DEPTH} levels deep; a CreateCallRequest is "
                                     "at most 4 levels deep. Check that the right text was pasted.")])
    findings = run_rules(body, _region_hint(body, region))
    fixed, notes = fix(body)
    report = Report(body, findings, fixed, notes)
    if fixed is not None:
        remaining = [f for f in run_rules(fixed, _region_hint(fixed, region)) if f.severity == ERROR]
        if remaining:
            report.notes.append("The corrected body still has errors: " +
                                "; ".join(f"{f.path} {f.code}" for f in remaining))
    return report


def check_text(text: str, *, region: str | None = None) -> Report:
    """Read pasted text (repairing copy-paste damage when unambiguous), then check it."""
    parsed = parse_body(text)
    if not parsed.ok:
        report = Report(None, [Finding(ERROR, "$", "invalid-json", parsed.describe_error())])
        report.parsed = parsed
        return report
    report = check(parsed.value, region=region)
    report.parsed = parsed
    if parsed.repairs:
        report.repaired_from_text = True
        report.notes.insert(0, "Repaired the pasted text: " + ", ".join(parsed.repairs) + ".")
    return report
