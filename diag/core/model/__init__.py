"""One model of Genesys, for every operation and every caller: what Genesys would answer to this request from this
caller, and how sure diag is. The doctor predicts from it, the simulator answers from it, the evidence reader
explains with it, the composer and the preflight ask it: they agree by construction.

    answer(Request("POST", "/api/v2/usage/query", {"interval": "2020-01/2020-06"}), caller) -> Answer

Rules are small named functions in RULES, asked in order; the first that answers decides:

    operation_exists    a path no operation of the contract has: 404 (modelled)
    user_context        a client-credentials token where Genesys documents `not.a.user` (documented)
    permissions         the operation's documented permissions, ANY or ALL: 403 `missing.any.permissions` /
                        `missing.permissions` naming them (documented list, code and template)
    body_needed         no body where the operation takes one: 400 (modelled)
    body_readable       text that is not JSON: 400 `bad.request` (documented message)
    body_model          the body read by its SDK model (diag.core.model.body): types, enums, dates, required fields
    call_rules          destinations and the caller's station, for the call routes (diag.core.model.calls)
    success             the documented success status where Genesys shows one; else 200 (204 without a response
                        model), modelled

Each Answer carries its evidence: `documented` (a Genesys spec, SDK doc or answer says it), `sdk-model` (follows from
the SDK's model alone), `modelled` (diag's reading where Genesys documents nothing), `unknown` (nobody documents it:
the answer names the alternatives it could be).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterator

from diag.core.model import facts
from diag.core.model.body import (
    BAD_REQUEST,
    DOCUMENTED,
    MODELLED,
    SDK_MODEL,
    UNKNOWN,
    Observation,
    coerce,
    coercible,
    first_refusal,
)
from diag.core.model.callers import DEMO, UNKNOWN_CALLER, Caller, grants
from diag.core.facts import CALL_ROUTES
from diag.core.model.calls import blank_destinations, call_refusal

if TYPE_CHECKING:
    from diag.core.endpoints import Operation

__all__ = ["Answer", "Caller", "Request", "Examination", "answer", "examine", "DEMO", "UNKNOWN_CALLER", "RULES",
           "DOCUMENTED", "SDK_MODEL", "MODELLED", "UNKNOWN", "Observation", "grants", "coerce", "coercible",
           "NOT_GIVEN", "Unreadable"]

NOT_GIVEN: Any = type("NotGiven", (), {"__repr__": lambda self: "NOT_GIVEN"})()


@dataclass(frozen=True)
class Unreadable:
    """A body that is not JSON, as sent. lenient: one a lenient reader (Python's) would still take (a number too
    long to write as text), whatever its text says."""
    text: str
    lenient: bool = False


@dataclass(frozen=True)
class Request:
    method: str
    path: str                    # concrete (/api/v2/users/5f3...) or the template
    body: Any = NOT_GIVEN        # the parsed JSON; Unreadable(text) when it is not JSON; NOT_GIVEN for none
    query: tuple = ()


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    message: str
    rule: str
    evidence: str
    params: dict = field(default_factory=dict)
    body: Any = None             # the body as the server holds it after reading (a success)
    operation: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def to_dict(self) -> dict:
        return {"status": self.status, "code": self.code, "message": self.message, "rule": self.rule,
                "evidence": self.evidence, "operation": self.operation, "notes": list(self.notes)}


class Context:
    def __init__(self, request: Request, caller: Caller):
        from diag.core.endpoints import check_operation

        self.request, self.caller = request, caller
        found = check_operation(request.method, request.path)
        self.operation = found.operation
        self.params = found.params
        self.key = str(found.operation) if found.operation else f"{request.method.upper()} {request.path}"
        self.notes: list[str] = []
        self.unsure = False      # a rule could not decide (the caller's permissions unknown): the answer is unknown

    @property
    def op(self) -> Operation:
        """The operation, for the rules that run once operation_exists found it."""
        if self.operation is None:
            raise LookupError(f"{self.key} is not an operation of the contract")
        return self.operation

    @cached_property
    def observations(self) -> list[Observation]:
        from diag.core.model import body

        op, value = self.operation, self.request.body
        if op is None or not op.body or value is NOT_GIVEN or isinstance(value, Unreadable):
            return []
        return body.read(value, op.body)

    def refuse(self, status: int, code: str | None, message: str, rule: str, evidence: str,
               params: dict | None = None) -> Answer:
        # when an earlier rule could not decide (permissions not known), Genesys may answer that instead
        return Answer(status, code, message, rule, UNKNOWN if self.unsure else evidence, params or {}, None,
                      self.key, tuple(self.notes))


Rule = Callable[[Context], "Answer | None"]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


@rule
def operation_exists(ctx: Context) -> Answer | None:
    if ctx.operation is None:
        return ctx.refuse(404, "not.found", facts.message("not.found") or "The requested resource was not found.",
                          "no-such-operation", MODELLED)
    return None


@rule
def user_context(ctx: Context) -> Answer | None:
    """not.a.user where Genesys documents it (2018 spec; for the call route also the DevCenter blog, facts §2)."""
    if ctx.caller.kind != "client":
        return None
    documented = ctx.key == CALL_ROUTES[0] or facts.documents(ctx.key, "not.a.user")
    if documented:
        return ctx.refuse(400, "not.a.user", facts.message("not.a.user") or "This request requires a user context. "
                          "Client credentials cannot be used for requests to this resource.", "client-credentials",
                          DOCUMENTED)
    if ctx.key == CALL_ROUTES[1]:
        ctx.notes.append("Whether this route accepts a client-credentials token is not documented (facts §2).")
    return None


@rule
def permissions(ctx: Context) -> Answer | None:
    needed = facts.permissions(ctx.key)
    if needed is None:
        ctx.notes.append(f"The permissions {ctx.key} requires are not in diag's sources (an operation newer than "
                         "SDK 257.1.0's docs): not checked.")
        ctx.unsure = ctx.unsure or not ctx.caller.all_permissions
        return None
    if needed.requires == "no" or not needed.names:
        return None
    held = [ctx.caller.holds(p) for p in needed.names]
    if None in held:
        ctx.unsure = True
        ctx.notes.append(f"Requires {needed.requires.upper()} of {', '.join(needed.names)}; whether "
                         f"{ctx.caller.name} holds them is not known: Genesys answers 403 if not.")
        return None
    if needed.requires == "any" and not any(held):
        listed = ", ".join(needed.names)
        template = facts.message("missing.any.permissions") or "%s"
        return ctx.refuse(403, "missing.any.permissions", template.replace("%s", f"[{listed}]"), "permission",
                          DOCUMENTED, {"permissions": listed})
    if needed.requires == "all" and not all(held):
        missing = ", ".join(p for p, h in zip(needed.names, held) if not h)
        template = facts.message("missing.permissions") or "%s"
        return ctx.refuse(403, "missing.permissions", template.replace("%s", f"[{missing}]"), "permission",
                          DOCUMENTED, {"permissions": missing})
    return None


@rule
def query_parameters(ctx: Context) -> Answer | None:
    """The query parameters the SDK documents for the operation: a required one missing, or a value the server
    cannot read as its type, is 400 (modelled: Genesys documents the parameters, not the answer to a wrong one).
    Others are ignored (modelled)."""
    for name, rule_name, _ in query_problems(ctx.op, ctx.request.query):
        if rule_name == "missing-query":
            return ctx.refuse(400, "bad.request", f"The query parameter `{name}` is required.", "missing-query",
                              MODELLED)
        return ctx.refuse(400, "bad.request", facts.message("bad.request") or BAD_REQUEST, "query-type",
                          MODELLED, {"parameter": name})
    return None


def query_problems(op: Operation, pairs) -> list[tuple[str, str, str]]:
    """(parameter, rule, what is wrong) for each documented query parameter of `op` the server refuses, in the
    SDK's order: a required one missing (missing-query), a value it cannot read as its type (query-type)."""
    given = query_values(pairs)
    found = []
    for q in op.query:
        value = given.get(q["name"])
        if value is None:
            if q.get("r"):
                found.append((q["name"], "missing-query", f"the query parameter `{q['name']}` is required"))
            continue
        t = q["t"]
        # an integer past a 64-bit long is one a Java server cannot read (modelled)
        if (t == "int" and not (body_module().is_whole(value) and len(value.strip()) <= 21
                                and -2**63 <= int(value) < 2**63)) or \
                (t == "bool" and value.strip().lower() not in ("true", "false")):
            kind = "a whole number" if t == "int" else "true or false"
            found.append((q["name"], "query-type", f"`{q['name']}` is {value[:40]!r}, not {kind}"))
    return found


def query_values(pairs) -> dict[str, str]:
    """The value of each query parameter as the server reads it (modelled, as a servlet's getParameter reads a
    query): the first one given when a name comes twice; a blank value (`pageSize=`) read as not given."""
    given: dict[str, str] = {}
    for name, value in pairs:
        if value != "":
            given.setdefault(name, value)
    return given


def body_module():
    from diag.core.model import body

    return body


@rule
def body_needed(ctx: Context) -> Answer | None:
    op = ctx.op
    if op.body and (ctx.request.body is NOT_GIVEN or ctx.request.body is None):   # no body, or JSON null
        return ctx.refuse(400, "bad.request", f"{op} takes a body of type {op.body}.", "no-body", MODELLED)
    return None


@rule
def body_readable(ctx: Context) -> Answer | None:
    body = ctx.request.body
    if isinstance(body, Unreadable):
        # not JSON: documented. Not JSON only to a strict reader (NaN, Infinity; a number no text can hold): a
        # Jackson server refuses it by default, which is modelled
        return ctx.refuse(400, "bad.request", facts.message("bad.request") or BAD_REQUEST, "invalid-json",
                          MODELLED if body.lenient or readable_by_python(body.text) else DOCUMENTED)
    return None


def readable_by_python(text: str) -> bool:
    """Whether Python's json reads a text a strict JSON reader refuses: NaN or Infinity in it, or an integer of
    more than 4,300 digits (Python's limit, not JSON's). Refused for that alone is modelled, not documented."""
    import json

    try:
        json.loads(text.lstrip("\ufeff"))
    except (json.JSONDecodeError, RecursionError):
        return False
    except ValueError:   # an integer of more than 4,300 digits: Python's limit, not JSON's
        return True
    return True


@rule
def body_model(ctx: Context) -> Answer | None:
    first = first_refusal(ctx.observations)
    if first is None or first.status is None:
        return None
    evidence = first.evidence
    if evidence == DOCUMENTED and any(o.path == first.path and o.evidence == MODELLED for o in ctx.observations):
        evidence = MODELLED   # refused for a value read as another type first (1 as "1"): as sure as that reading
    return ctx.refuse(first.status, first.code, first.answer or "", first.rule, evidence, first.params)


USAGE_JOBS = ("POST /api/v2/usage/aggregates/query/jobs", "POST /api/v2/usage/client/{clientId}/aggregates/query/jobs")


@rule
def usage_job_interval(ctx: Context) -> Answer | None:
    """The usage jobs' interval, as their SDK model documents it: "Start date cannot be more than a year ago. End
    date cannot be more than 90 days after the start." (facts §9.2; the code Genesys answers with is modelled)."""
    import datetime as dt

    from diag.core import intervals
    from diag.core.facts import USAGE_JOBS_REACH_DAYS, USAGE_JOBS_SPAN_DAYS

    body = ctx.request.body
    if ctx.key not in USAGE_JOBS or not isinstance(body, dict) or not isinstance(body.get("interval"), str):
        return None
    try:
        start, end = intervals.parse_interval(body["interval"])
    except ValueError:
        return None
    if start < dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=USAGE_JOBS_REACH_DAYS):
        return ctx.refuse(400, "bad.request", "Start date cannot be more than a year ago.", "usage-interval",
                          MODELLED)
    if end - start > dt.timedelta(days=USAGE_JOBS_SPAN_DAYS):
        return ctx.refuse(400, "bad.request", "End date cannot be more than 90 days after the start.",
                          "usage-interval", MODELLED)
    return None


@rule
def call_rules(ctx: Context) -> Answer | None:
    if ctx.key not in CALL_ROUTES or not isinstance(ctx.request.body, dict):
        return None
    on_behalf = ctx.key == CALL_ROUTES[1]
    caller, station_known = ctx.caller, True
    if on_behalf and caller.target_station is not None:   # that user's station is known (the simulator's users)
        # the call is placed as that user, whoever's token asks: that user's station decides
        caller = replace(caller, kind="user", station=caller.target_station)
    elif on_behalf:   # the station that matters is that of the user the call is placed for, whom the model does not see
        station_known = False
        ctx.unsure = True
        ctx.notes.append("Placed for the user named in the path: whether that user has a station is not known "
                         "here (Genesys answers conversation.error.no.user.station if not).")
    if on_behalf:
        if ctx.caller.kind == "client":
            ctx.notes.append("Whether this route accepts a client-credentials token is not documented (facts §2).")
    read = coerce(ctx.request.body, "CreateCallRequest")
    for name in blank_destinations(read):
        ctx.unsure = True
        ctx.notes.append(f"`{name}` is blank: what Genesys answers to a blank destination is not documented (the "
                         "model reads it as given).")
    found = call_refusal(read, caller, station_known=station_known)
    return ctx.refuse(*found) if found else None


@rule
def success(ctx: Context) -> Answer:
    op = ctx.op
    known = facts.SUCCESS.get(ctx.key)
    if known:
        status, evidence, note = known[0], known[1], f"{known[0]}: {known[2]}"
    else:
        status = 200 if op.response or op.method != "DELETE" else 204
        evidence, note = SDK_MODEL, f"a valid request by the SDK model; the status {status} itself is modelled"
    unsure = [o for o in ctx.observations if o.evidence == UNKNOWN]
    if unsure:
        evidence = UNKNOWN
        ctx.notes.append("Genesys may refuse this: " + "; ".join(o.message for o in unsure[:3]))
    if any(o.rule in ("unknown-field", "not-what-you-meant") for o in ctx.observations) and evidence != UNKNOWN:
        evidence = MODELLED   # that the server ignores unknown keys is diag's reading (facts: not documented)
        ctx.notes.append("The body has keys its model lacks: that the server ignores them is modelled (Genesys "
                         "does not document it).")
    if any(o.evidence == MODELLED for o in ctx.observations) and evidence != UNKNOWN:
        evidence = MODELLED   # the answer is as sure as the surest reading it rests on, no surer (a coerced type)
    if ctx.unsure:
        evidence = UNKNOWN
    read = ctx.request.body
    if op.body and ctx.request.body not in (NOT_GIVEN, None):
        read = coerce(ctx.request.body, op.body)
    message = "created: the call is placed (a 200 only means created)" if ctx.key in CALL_ROUTES else note
    return Answer(status, None, message, "success", evidence, {}, read, ctx.key, tuple(ctx.notes))


_TOO_LONG = 10 ** 4300   # Python writes no integer of more than 4,300 digits as text (sys.get_int_max_str_digits)


def unwritable_numbers(body: Any) -> Iterator[tuple[str, Any]]:
    """(path, value) of each number in `body` that JSON text cannot hold as Python writes it (NaN, Infinity, an
    integer of more than 4,300 digits: a body made in Python only), in document order. A path is written only for
    a number found: every answer of the model asks this of its body."""
    stack: list[tuple[Any, Any]] = [(body, None)]   # (node, (parent's link, key or index)): its path, unwritten
    while stack:
        node, link = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed([(v, (link, f".{k}")) for k, v in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(v, (link, f"[{i}]")) for i, v in enumerate(node)]))
        elif (isinstance(node, float) and (node != node or node in (float("inf"), float("-inf")))) or (
                isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > 14_000
                and abs(node) >= _TOO_LONG):
            parts = []
            while link is not None:
                link, part = link
                parts.append(part)
            yield "$" + "".join(reversed(parts)), node


@dataclass
class Examination:
    answer: Answer
    observations: list[Observation]


def examine(request: Request, caller: Caller = DEMO) -> Examination:
    """The answer, and every observation the server would make on the way (the doctor shows them all)."""
    if next(unwritable_numbers(request.body), None):   # from Python only: no JSON text holds it (NaN, 10**5000)
        request = replace(request, body=Unreadable("", lenient=True))
    ctx = Context(request, caller)
    for r in RULES:
        found = r(ctx)
        if found is not None:
            return Examination(found, ctx.observations if ctx.operation is not None else [])
    raise AssertionError("the success rule always answers")


def answer(request: Request, caller: Caller = DEMO) -> Answer:
    """What Genesys answers to `request` from `caller` (by default the simulator's demo user, who holds every
    permission of the contract)."""
    return examine(request, caller).answer
