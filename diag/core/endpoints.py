"""Is `METHOD /path` a real Platform API operation? Checked against every operation of the official SDK."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache, cache
from urllib.parse import urlsplit

from diag.core.contract import operations, operations_in, segments

# Endpoints that public answers invent, with what exists instead (facts file §6.3).
USAGE_INSTEAD = ("POST /api/v2/usage/query", "GET /api/v2/usage/query/{executionId}/results",
                 "GET /api/v2/oauth/clients/{clientId}/usage/summary",
                 "POST /api/v2/analytics/ratelimits/aggregates/query",
                 "POST /api/v2/analytics/conversations/aggregates/query")
INVENTED = {
    "/api/v2/analytics/interactions/summary": (
        "This endpoint does not exist (it is not among the SDK's operations). Counts of API responses by "
        "status class come from the API Usage query: POST /api/v2/usage/query, then "
        "GET /api/v2/usage/query/{executionId}/results (or GET /api/v2/oauth/clients/{clientId}/usage/summary "
        "for one OAuth client); rate-limit hits from POST /api/v2/analytics/ratelimits/aggregates/query; "
        "call outcomes from POST /api/v2/analytics/conversations/aggregates/query."),
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_PARAM = re.compile(r"^\{[^}]+\}$")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    body: str | None
    response: str | None = None            # the SDK's response model
    query: tuple = ()                      # ({"name", "t", "r"?}, ...): the query parameters the SDK knows

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class EndpointCheck:
    method: str
    path: str
    operation: Operation | None = None
    params: dict[str, str] = field(default_factory=dict)
    suggestions: list[Operation] = field(default_factory=list)
    note: str | None = None

    @property
    def known(self) -> bool:
        return self.operation is not None

    def to_dict(self) -> dict:
        op = self.operation
        return {"known": self.known, "method": self.method, "path": self.path,
                "operation": _op_dict(op) if op else None, "params": self.params,
                "suggestions": [_op_dict(s) for s in self.suggestions], "note": self.note}


def _op_dict(op: Operation) -> dict:
    return {"method": op.method, "path": op.path, "operationId": op.operation_id,
            "summary": op.summary, "body": op.body}


@cache
def _index() -> dict[tuple[str, int], list[dict]]:
    """The contract's operations by method and number of path segments (as the contract lists them)."""
    index: dict = {}
    for o in operations():
        index.setdefault((o["method"], segments(o["path"])), []).append(o)
    return index


@cache
def _bucket(method: str, n: int) -> tuple[tuple[tuple[str, ...], Operation], ...]:
    """The operations of one method and length, made when first asked for (a check needs one bucket of ~3,000,
    read from its own part of the contract)."""
    out = []
    for o in operations_in(method, n):
        op = Operation(o["method"], o["path"], o["operationId"], o["summary"], o["body"], o.get("response"),
                       tuple(o.get("query") or ()))
        out.append((tuple(op.path.strip("/").split("/")), op))
    return tuple(out)


@cache
def all_operations() -> tuple[Operation, ...]:
    return tuple(op for key in _index() for _, op in _bucket(*key))


def normalise_path(path: str) -> str:
    """Full URLs, query strings, usage templateUris without a leading slash, trailing slashes."""
    p = path.strip()
    if "://" in p:
        p = urlsplit(p).path
    p = p.split("?", 1)[0].split("#", 1)[0]
    p = "/" + p.strip("/")
    return p


def parse_operation(text: str) -> tuple[str, str]:
    """'POST /api/v2/x' -> ('POST', '/api/v2/x'); a bare path is taken as GET."""
    parts = text.strip().split(None, 1)
    if len(parts) == 2 and parts[0].upper() in METHODS:
        return parts[0].upper(), normalise_path(parts[1])
    return "GET", normalise_path(text)


@cache
def _compiled(method: str, n: int) -> tuple[tuple[tuple[str | None, ...], tuple[str | None, ...], Operation], ...]:
    """The templates of one method and length, each as (literals, parameter names), read once."""
    out = []
    for tmpl, op in _bucket(method, n):
        names = tuple(t[1:-1] if _PARAM.match(t) else None for t in tmpl)
        out.append((tuple(None if name else t for t, name in zip(tmpl, names)), names, op))
    return tuple(out)


def _match(method: str, segs: tuple[str, ...]) -> tuple[Operation, dict] | None:
    hit = _match_cached(method, segs)
    return (hit[0], dict(hit[1])) if hit else None


_RESOURCE = 2   # /api/v2/<resource>/...: the segment that tells most templates apart


@cache
def _by_resource(method: str, n: int) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """The templates of one method and length (by their place in _compiled) under their literal resource segment,
    and those with a parameter there (they match any)."""
    named: dict[str, list[int]] = {}
    anywhere: list[int] = []
    for i, (literals, _names, _op) in enumerate(_compiled(method, n)):
        lit = literals[_RESOURCE] if n > _RESOURCE else None
        (anywhere if lit is None else named.setdefault(lit, [])).append(i)
    return {k: tuple(v) for k, v in named.items()}, tuple(anywhere)


def _candidates(method: str, segs: tuple[str, ...]):
    """The templates that can match `segs`, in _compiled's order (which decides between equally good matches):
    a path full of ids (/api/v2/users/<id>) is compared with its resource's templates, not all of them."""
    compiled = _compiled(method, len(segs))
    if len(segs) <= _RESOURCE:
        return compiled
    named, anywhere = _by_resource(method, len(segs))
    s = segs[_RESOURCE]
    picked = set(anywhere).union(named.get(s, ()), named.get(s.lower(), ()))
    return [compiled[i] for i in sorted(picked)]


@lru_cache(maxsize=16384)   # a HAR repeats the same few paths thousands of times
def _match_cached(method: str, segs: tuple[str, ...]) -> tuple[Operation, tuple] | None:
    best = None
    for literals, names, op in _candidates(method, segs):
        literal = 0
        for lit, s in zip(literals, segs):
            if lit is None:
                continue
            if lit != s and lit != s.lower():   # templates are lower case; a lenient server reads any case
                break
            literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, op, tuple((name, s) for name, s in zip(names, segs) if name))
    return (best[1], best[2]) if best else None


def _id_shaped(value: str) -> bool:
    """An id as Genesys writes them (UUIDs, numbers, long keys), not a word such as 'call'."""
    return any(c.isdigit() for c in value) or len(value) >= 20


def check_operation(method: str, path: str | None = None, *, limit: int = 5) -> EndpointCheck:
    """Check `check_operation("POST /api/v2/...")` or `check_operation("POST", "/api/v2/...")`."""
    if path is None:
        method, path = parse_operation(method)
    method, path = method.upper(), normalise_path(path)
    result = EndpointCheck(method, path)
    segs = tuple(path.strip("/").split("/"))
    hit = _match(method, segs)
    if hit:
        result.operation, result.params = hit
        return result
    result.note = INVENTED.get(path)
    matches = [(m, *matched) for m in METHODS if m != method and (matched := _match(m, segs))]
    if matches:
        # the very path with other methods (its ids where the templates take them), apart from a word of it taken
        # for an id (/conversations/call as {conversationId})
        literal = [(m, op) for m, op, params in matches if all(map(_id_shaped, params.values()))]
        by_id = [(m, op, params) for m, op, params in matches if not all(map(_id_shaped, params.values()))]
        readings = "; ".join(f"{m} {op.path} with " + ", ".join(f"{k} = {v!r}" for k, v in params.items())
                             for m, op, params in by_id)
        if literal:
            result.suggestions = [op for _, op in literal] + [op for _, op, _ in by_id]
            result.note = result.note or (f"{path} exists, but not with {method}: it takes "
                                          f"{', '.join(m for m, _ in literal)}."
                                          + (f" It also fits {readings}." if by_id else ""))
            return result
        # it fits only by taking a word for an id (/conversations/call): the nearest operations of the method
        # asked come first, those readings after
        result.note = result.note or f"{path} is no {method} operation; it fits only {readings}."
        near = [op for op in nearest_operations(method, path, limit) if op.method == method]
        result.suggestions = near[:3] + [op for _, op, _ in by_id]
        return result
    if path in INVENTED:
        result.suggestions = [found for op in USAGE_INSTEAD if (found := check_operation(op).operation)]
    else:
        result.suggestions = nearest_operations(method, path, limit)
    return result


def nearest_operations(method: str, path: str, limit: int = 5) -> list[Operation]:
    """The real operations whose path reads most like `path`, same method first."""
    ops = all_operations()
    shape = re.sub(r"/[0-9a-f-]{8,}(?=/|$)", "/{id}", path)  # ids look like params
    templates = {op.path for op in ops}
    import difflib   # only for a path that is no operation: not on a cold check of a real one

    close = difflib.get_close_matches(shape, list(templates), n=limit * 4, cutoff=0.5)
    ranked = [op for p in close for op in ops if op.path == p]
    ranked.sort(key=lambda op: (op.method != method, close.index(op.path)))
    return ranked[:limit]
