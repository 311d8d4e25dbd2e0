"""The payload doctor: what is wrong with a CreateCallRequest body, why, and the body that was meant.

    >>> report = check({"to": {"phoneNumber": "+13175550100"}})
    >>> report.codes(), report.fixed
    (['unknown-field', 'no-destination'], {'phoneNumber': '+13175550100'})
"""
from __future__ import annotations

import json
from typing import Any

from diag.core.doctor.findings import BLOCKING_CODES, DOCUMENTED, ERROR, INFERRED, INFO, WARNING, Finding, Report
from diag.core.errors import ConfigError
from diag.core.facts import CALL_ROUTES, CALLS_ROUTE

# The call rules pull in phonenumbers; checks of other endpoints never need it, so it loads on first use. The
# JSON reader of a body given as text is not needed for a body given as a value (a cold check of one).
_LAZY = {"fix": ("fixer", "fix"), "RULES": ("rules", "RULES"), "DESTINATION_FIELDS": ("rules", "DESTINATION_FIELDS"),
         "run_rules": ("rules", "run_rules"), "parse_body": ("jsonrepair", "parse_body"),
         "ParsedBody": ("jsonrepair", "ParsedBody")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(f"{__name__}.{module_name}")
        return module if attr is None else getattr(module, attr)
    raise AttributeError(name)

__all__ = ["check", "findings_of", "check_text", "check_for_operation", "UnknownOperation", "fix", "parse_body", "Finding", "Report", "ParsedBody",
           "ERROR", "WARNING", "INFO", "RULES", "DESTINATION_FIELDS", "BLOCKING_CODES"]


def _region_hint(body: dict, region: str | None) -> str | None:
    from diag.core import numbers as phones

    if region:
        return region.upper()
    caller = body.get("callerId")
    return phones.caller_region(caller) if isinstance(caller, str) else None


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


def check(body: Any, *, region: str | None = None, operation: str = CALLS_ROUTE, read_as: Any = None,
          query: tuple = (), caller: Any = None) -> Report:
    """Findings for a parsed CreateCallRequest body, plus the corrected body when one can be inferred.

    `region` (ISO country, e.g. "US") reads numbers written without '+'; by default the caller id's country.
    `operation`: the call route it is sent to; `read_as`: the body with every duplicate key kept (dials.Pairs), and
    `query`: its query parameters, so that the safety findings read what the gate reads. `caller`: who sends it
    (a diag.core.model.Caller; by default the simulator's demo user), for the prediction.
    """
    body = _as_sent(body)
    shape = _shape_problem(body)
    if shape is not None:
        return Report(body, [shape, *_never_sent(operation, body, read_as, query)], operation=operation,
                      caller=caller, query=tuple(query))
    from diag.core.doctor.fixer import fix
    from diag.core.doctor.rules import run_rules

    from diag.core.doctor.safety import safety_findings

    findings = _findings_of(body, region, operation, read_as, query)
    fixed, notes = fix(body)
    report = Report(body, findings, fixed, notes, operation=operation, caller=caller, query=tuple(query))
    if fixed is not None:
        remaining = [f for f in list(safety_findings(operation, fixed)) + run_rules(fixed, _region_hint(fixed, region))
                     if f.severity == ERROR]
        if remaining:
            report.notes.append("The corrected body still has errors: " +
                                "; ".join(f"{f.path} {f.code}" for f in remaining))
    return report


def findings_of(body: Any, *, region: str | None = None, operation: str = CALLS_ROUTE, read_as: Any = None,
                query: tuple = ()) -> list[Finding]:
    """check()'s findings alone, without working out the corrected body (what a send records with its exchange)."""
    body = _as_sent(body)
    shape = _shape_problem(body)
    if shape is not None:
        return [shape, *_never_sent(operation, body, read_as, query)]
    return _findings_of(body, region, operation, read_as, query)


def _never_sent(operation: str, body: Any, read_as: Any, query: tuple) -> list[Finding]:
    """What the gate refuses in a body the rules cannot read (a number; a body too deep for it to read)."""
    from diag.core.doctor.safety import safety_findings

    return [f for f in safety_findings(operation, body if read_as is None else read_as, query) if f.severity == ERROR]


def _findings_of(body: dict, region: str | None, operation: str, read_as: Any, query: tuple) -> list[Finding]:
    """findings_of() of a body whose shape was checked (check() checks it once, not twice)."""
    from diag.core.doctor.rules import run_rules
    from diag.core.doctor.safety import safety_findings

    return list(safety_findings(operation, body if read_as is None else read_as, query)) + \
        run_rules(body, _region_hint(body, region)) + _unwritable(body)


def _as_the_gate_reads(operation: str, text: str) -> list[Finding]:
    """The safety findings of a text the doctor had to repair or could not read, from the gate's own reading of the
    same bytes (dials.read_body): its literals one by one where that reading has a problem (the backstop), else the
    value it reads. The doctor and the gate refuse the same texts."""
    from diag.core.dials import read_body
    from diag.core.doctor.safety import safety_findings, text_findings

    body = read_body(text.encode("utf-8", "surrogatepass"))
    if body.problem:
        return text_findings(operation, body.text if body.text is not None else text)
    return [f for f in safety_findings(operation, body.value) if f.severity == ERROR]


def _as_sent(body: Any) -> Any:
    """A body given from Python as JSON carries it: a key that is not text written as JSON writes it (1 as "1",
    None as "null"). The body itself when every key is text (a body read from JSON text always is)."""
    stack, odd = [body], False
    while stack and not odd:
        node = stack.pop()
        if isinstance(node, dict):
            odd = any(not isinstance(k, str) for k in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    if not odd:
        return body

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            return {(k if isinstance(k, str) else json.dumps({k: 0})[2:-5]): convert(v) for k, v in node.items()}
        return [convert(v) for v in node] if isinstance(node, list) else node

    return convert(body)


_UNWRITABLE = ("No JSON text holds this number (NaN, Infinity, or more than 4,300 digits): it cannot be sent as "
               "JSON, and a Jackson server refuses it by default (modelled). Numbers to dial go in quotes, as text.")


def _unwritable(body: Any) -> list[Finding]:
    """A finding for each number no JSON text holds (made in Python: NaN, Infinity, 10**5000)."""
    from diag.core.model import unwritable_numbers

    return [Finding(ERROR, path, "unreadable-number", _UNWRITABLE, INFERRED) for path, _ in unwritable_numbers(body)]


def _too_long(body: Any) -> Finding | None:
    """The first integer no text holds: the rules cannot read such a body (they write its numbers as text)."""
    from diag.core.model import unwritable_numbers

    path = next((p for p, v in unwritable_numbers(body) if isinstance(v, int)), None)
    return None if path is None else Finding(ERROR, path, "unreadable-number", _UNWRITABLE, INFERRED)


def _shape_problem(body: Any) -> Finding | None:
    """A body the rules cannot read at all: not an object, or nested deeper than any call body."""
    if not isinstance(body, dict):
        kind = "a list" if isinstance(body, list) else type(body).__name__
        return Finding(ERROR, "$", "body-not-object", f"The body must be a JSON object ({{...}}), not {kind}.")
    if _deeper_than(body, MAX_DEPTH):
        return Finding(ERROR, "$", "body-too-deep", f"The body is nested more than {MAX_DEPTH} levels deep; a "
                                                    "CreateCallRequest is at most 4 levels deep. Check that the right "
                                                    "text was pasted.", INFERRED)
    return _too_long(body)


CALL_OPERATIONS = {tuple(route.split(" ", 1)) for route in CALL_ROUTES}


class UnknownOperation(ConfigError, ValueError):
    """METHOD PATH is not an operation of the SDK; carries the nearest real ones."""

    def __init__(self, check):
        names = ", ".join(str(s) for s in check.suggestions[:5])
        super().__init__(f"{check.method} {check.path} is not a Platform API operation."
                         + (f" {check.note}" if check.note else "") + (f" Nearest: {names}." if names else ""))
        self.check = check


def check_for_operation(operation: str, body: Any, *, region: str | None = None, read_as: Any = None,
                        caller: Any = None) -> Report:
    """Check the body of any operation ("POST /api/v2/analytics/conversations/aggregates/query", a query string
    allowed) against its SDK model; the call endpoints also get the call rules."""
    from urllib.parse import parse_qsl

    from diag.core.endpoints import check_operation

    query = tuple(parse_qsl(operation.partition("?")[2], keep_blank_values=True))
    op_check = check_operation(operation)
    if not op_check.known:
        raise UnknownOperation(op_check)
    op = op_check.operation
    assert op is not None   # known
    asked = _query_findings(op, query)
    body = _as_sent(body)
    if (op.method, op.path) in CALL_OPERATIONS:
        report = check(body, region=region, operation=str(op), read_as=read_as, query=query, caller=caller)
        report.findings += asked
        report.notes.append(f"Checked as {op.body} for {op} (with the call rules).")
        return report
    report = _check_other(op, body, read_as, query, caller)
    report.findings[:0] = asked
    return report


def _query_findings(op, query: tuple) -> list[Finding]:
    """The query parameters the server model refuses (diag.core.model.query_problems), as findings: a refusal is
    never left without the line that says why."""
    from diag.core.model import query_problems

    return [Finding(ERROR, f"query {name}", rule, f"{what[0].upper()}{what[1:]}: Genesys answers 400 bad.request "
                                                  "(modelled: Genesys documents the parameters, not the answer to a "
                                                  "wrong one).", INFERRED, name)
            for name, rule, what in query_problems(op, query)]


def _check_other(op, body: Any, read_as: Any, query: tuple, caller: Any) -> Report:
    """check_for_operation() of an operation other than the call routes: its body by its SDK model."""
    from diag.core.doctor.structure import check_model

    if not op.body:
        findings = [] if body is None else [Finding(WARNING, "$", "body-not-expected", f"{op} takes no request body: "
                                                    "the server ignores it (modelled).", INFERRED)]
        return Report(body, findings, operation=str(op), caller=caller, query=query)
    if body is None:
        return Report(body, [Finding(ERROR, "$", "body-missing", f"{op} takes a body of type {op.body}: without one "
                                     "(or with JSON null) Genesys answers 400 (modelled).", INFERRED)],
                      operation=str(op), caller=caller, query=query)
    from diag.core.doctor.safety import safety_findings

    huge = _too_long(body) if not _deeper_than(body, MAX_DEPTH) else None
    if huge is not None:
        return Report(body, [huge], operation=str(op), caller=caller, query=query)
    if _deeper_than(body, MAX_DEPTH):
        return Report(body, [Finding(ERROR, "$", "body-too-deep", f"The body is nested more than {MAX_DEPTH} levels "
                                     "deep.", INFERRED), *_never_sent(str(op), body, read_as, query)],
                      operation=str(op), caller=caller, query=query)

    from diag.core.doctor.repair import repair

    findings = list(safety_findings(str(op), body if read_as is None else read_as, query)) + \
        check_model(body, op.body) + _unwritable(body)
    fixed, changes = repair(body, op.body) if any(f.severity != INFO for f in findings) else (None, [])
    report = Report(body, findings, fixed, [f"Checked as {op.body} for {op}."] + changes, operation=str(op),
                    caller=caller, query=query)
    if fixed is not None:
        remaining = [f for f in list(safety_findings(str(op), fixed)) + check_model(fixed, op.body)
                     if f.severity == ERROR]
        if remaining:
            report.notes.append("The corrected body still has errors: " +
                                "; ".join(f"{f.path} {f.code}" for f in remaining))
    return report


def duplicate_keys(text: str) -> list[Finding]:
    """Keys given twice in one object: the server keeps one of them silently (Jackson's default: the last)."""
    import json

    found: list[Finding] = []

    def pairs(items):
        seen: dict = {}
        for key, value in items:
            if key in seen:
                found.append(Finding(WARNING, f"$..{key}", "duplicate-key",
                                     f"`{key}` is given twice ({seen[key]!r:.40} and {value!r:.40}): a Jackson server "
                                     "keeps the last one without a word (modelled). Keep one.", "inferred", key))
            seen[key] = value
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return []
    return found


def check_text(text: str, *, region: str | None = None, operation: str | None = None, caller: Any = None) -> Report:
    """Read pasted text (repairing copy-paste damage when unambiguous), then check it."""
    from diag.core.doctor.jsonrepair import parse_body

    parsed = parse_body(text)
    if not parsed.ok:
        # not JSON is documented to be refused; NaN and Infinity are refused by a Jackson reader's default: modelled
        from diag.core.model import readable_by_python

        report = Report(None, [Finding(ERROR, "$", "invalid-json", parsed.describe_error(),
                                       INFERRED if readable_by_python(text) else DOCUMENTED)], caller=caller)
        if operation:
            from diag.core.endpoints import check_operation

            found = check_operation(operation)
            if not found.known:
                raise UnknownOperation(found)
            report.operation = str(found.operation)
            from urllib.parse import parse_qsl

            report.query = tuple(parse_qsl(operation.partition("?")[2], keep_blank_values=True))
            report.findings += _query_findings(found.operation, report.query)
        report.findings += _as_the_gate_reads(report.operation, text)
        report.parsed = parsed
        return report
    read_as = None
    if not parsed.repairs:   # what the gate reads: every duplicate key kept
        import json

        from diag.core.dials import Pairs
        try:
            read_as = json.loads(parsed.text, object_pairs_hook=Pairs)
        except (ValueError, RecursionError):
            read_as = None
    report = (check_for_operation(operation, parsed.value, region=region, read_as=read_as, caller=caller) if operation
              else check(parsed.value, region=region, read_as=read_as, caller=caller))
    if parsed.repairs or not isinstance(parsed.value, dict):   # read as the gate reads it, too
        seen = {(f.path, f.code) for f in report.findings}
        report.findings += [f for f in _as_the_gate_reads(report.operation, text) if (f.path, f.code) not in seen]
    report.parsed = parsed
    report.findings[:0] = duplicate_keys(parsed.text if not parsed.repairs else "")
    if parsed.repairs:   # Genesys reads the text as written: refused, and counted as the error it is
        report.repaired_from_text = True
        report.notes.insert(0, "Repaired the pasted text: " + ", ".join(parsed.repairs) + ".")
        remaining = [f for f in report.findings if f.severity == ERROR]   # the repaired body's own errors
        report.findings.insert(0, Finding(ERROR, "$", "invalid-json", "The text is not JSON as written ("
                                          + ", ".join(parsed.repairs) + "): Genesys refuses it with 400 bad.request. "
                                          "The corrected body is the repaired text.", DOCUMENTED))
        if report.fixed is None and not report.blocked:   # never a "corrected" body that diag would not send
            report.fixed = parsed.value
            if remaining:
                report.notes.append("The corrected body still has errors: " +
                                    "; ".join(f"{f.path} {f.code}" for f in remaining))
    return report
