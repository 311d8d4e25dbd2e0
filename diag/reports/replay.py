"""The ticket's replay scripts (repro.sh, repro.py), rendered from template files in diag/_data/templates/ (read
them there) and tested by running them against `diag sim` (tests/safety/test_generated_code.py)."""
from __future__ import annotations

import json
import re
import shlex
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from diag.core.exchange import Exchange
from diag.core.templates import render

__all__ = ["failed_record", "final_requests", "replay_refusal", "repro_sh", "repro_py", "script_json"]


def repro_sh(records: list[dict], variables: list[tuple[str, str, str]]) -> str:
    final = final_requests(records)
    base = _replay_base(final)
    table = json.loads(_script_table())
    api_line = (f'API="${{GENESYS_CLOUD_API:-{base}}}"' if base else
                ': "${GENESYS_CLOUD_API:?set GENESYS_CLOUD_API to your region API base URL (the log named no Genesys '
                'region; for the simulator, the URL that python -m diag sim prints)}"; API="$GENESYS_CLOUD_API"')
    emergency = " ".join(f"[{cc}]='{pat.replace('(?:', '(').replace(chr(92) + 'd', '[0-9]')}'"
                         for cc, (pat, _) in table.items())
    lengths = " ".join(f"[{cc}]='{possible}'" for cc, (_, possible) in table.items())
    found = _variables_pattern(tuple(variables)) if variables else None
    numbers: list[str] = []
    for var, shown, default in variables:
        if default:
            numbers.append(f'{var}="${{{var}:-{default}}}"')
        else:
            numbers.append(f': "${{{var}:?set {var} to the real number behind {_comment(shown)}}}"')
        numbers.append(f'check_number {var} "${{{var}}}"')
    steps: list[str] = []
    for i, r in enumerate(final, 1):
        _, path = _base_and_path(r["url"])
        steps.append("")
        if r.get("refused"):
            steps.append(f"# {i}. {_label(r)}: left out, diag refuses to replay it ({_comment(r['refused'])})")
            continue
        cid = r["correlation_id"] if isinstance(r["correlation_id"], str) else ""
        steps.append("# " + _comment(f"{i}. {_label(r)} -> recorded status {r['status']}"
                                     + (f", correlation id {cid}" if cid else "")))
        # -g: [] and {} in the URL are sent, never expanded into several requests; --data-raw: never read a file
        cmd = (f'curl -sS -g -o "responses/{i}.json" -w "STATUS {i} %{{http_code}} (body in responses/{i}.json)\\n" '
               f'-X {shlex.quote(r["method"])} "$API"{shlex.quote(path)} '
               f'-H "Authorization: Bearer $GENESYS_CLOUD_ACCESS_TOKEN" -H "Accept: application/json"')
        text = script_json(r["request_body"])
        if text is not None:
            cmd += ' -H "Content-Type: application/json" --data-raw ' + _shell_body(text, found)
        steps.append(cmd)
    return render("repro.sh.tmpl", API_LINE=api_line, EMERGENCY=emergency, LENGTHS=lengths, NUMBERS="\n".join(numbers),
                  REQUESTS="\n".join(steps)).rstrip("\n") + "\n"


def repro_py(records: list[dict], variables: list[tuple[str, str, str]]) -> str:
    final = final_requests(records)
    base = _replay_base(final)
    api_line = (f'API = os.environ.get("GENESYS_CLOUD_API", {base!r})' if base else
                'API = os.environ.get("GENESYS_CLOUD_API") or sys.exit("set GENESYS_CLOUD_API to your region API '
                'base URL (the log named no Genesys region)")')
    numbers = [f"    {var!r}: os.environ.get({var!r}, {default!r}),  # {_comment(shown)}"
               for var, shown, default in variables]
    found = _variables_pattern(tuple(variables)) if variables else None
    steps: list[str] = []
    for r in final:
        if r.get("refused"):
            steps.append(f"    # {_label(r)}: left out, diag refuses to replay it ({_comment(r['refused'])})")
            continue
        _, path = _base_and_path(r["url"])
        text = script_json(r["request_body"])
        pieces = None if text is None else _body_pieces(text, found)
        status = r["status"] if isinstance(r["status"], int) else None
        steps.append(f"    ({r['method']!r}, {path!r}, {pieces!r}, {status!r}),")
    return render("repro.py.tmpl", API_LINE=api_line, EMERGENCY=repr(_script_table()),
                  NUMBERS="\n".join(numbers), REQUESTS="\n".join(steps))


# ---- what a script may replay, and how it is labelled ----

def final_requests(records: list[dict]) -> list[dict]:
    """Each request once, by the last of its attempts the ticket holds: an attempt the session sent again (429,
    refreshed token, GET retry) is left out when a later attempt of the same send is here too; chosen alone, it is
    the request's answer as far as the ticket knows (a ticket of a 503 whose retry was not chosen shows the 503)."""
    if not all(map(_indexable, records)):   # a saved log can hold anything: every later record is asked
        return [r for i, r in enumerate(records)
                if not (r.get("superseded") and any(_later_attempt(r, n) for n in records[i + 1:]))]
    # One pass from the end. _later_attempt alone decides, asked only of the later records that can be this send's
    # (asking every later one was N x N for a ticket of 429s chosen without their retries)
    by_send: dict = {}    # (method, url, first_seq) -> later records that name their send
    by_step: dict = {}    # (method, url, seq - attempt) -> later records that name none but have a seq
    unnumbered: dict = {}   # (method, url) -> later records that name no send and have no seq
    plain: dict = {}      # (method, url) -> every later record that names no send
    out = []
    for r in reversed(records):
        where, seq, attempt = (r.get("method"), r.get("url")), r.get("seq"), r.get("attempt") or 1
        if not (r.get("superseded") and any(_later_attempt(r, n) for n in (
                by_send.get((*where, r.get("first_seq") or seq), []) + (
                    plain.get(where, []) if seq is None else
                    unnumbered.get(where, []) + by_step.get((*where, seq - attempt), []))))):
            out.append(r)
        # filed whether kept or not: a dropped attempt still makes an earlier one of its send superseded
        first = r.get("first_seq")
        if isinstance(first, int) and not isinstance(first, bool):
            by_send.setdefault((*where, first), []).append(r)
        else:
            plain.setdefault(where, []).append(r)
            (unnumbered.setdefault(where, []) if seq is None else
             by_step.setdefault((*where, seq - attempt), [])).append(r)
    return out[::-1]


def _indexable(r: dict) -> bool:
    """A record whose method and URL are text and whose seq, attempt and first_seq are whole numbers or absent (as
    diag writes them): final_requests files it by them."""
    return (type(r.get("method")) is str and type(r.get("url")) is str
            and all(v is None or type(v) is int for v in (r.get("seq"), r.get("attempt"), r.get("first_seq"))))


def failed_record(r: dict) -> bool:
    """Whether one of diag's own requests failed: a 4xx or 5xx, or no answer (every page of a ticket counts so)."""
    return (r.get("status") or 0) >= 400 or bool(r.get("transport_error")) or r.get("status") is None


def _later_attempt(r: dict, n: dict) -> bool:
    """Whether `n` is a later attempt of the send `r` belongs to: the same request, and its attempts recorded one
    after another (a send's attempts take consecutive numbers in the log; another send to the same URL restarts at
    attempt 1, so its attempt 2 is not this one's)."""
    if n.get("method") != r.get("method") or n.get("url") != r.get("url"):
        return False
    step = (n.get("attempt") or 1) - (r.get("attempt") or 1)
    first = n.get("first_seq")
    if isinstance(first, int) and not isinstance(first, bool):   # the send it belongs to is recorded: no guessing
        return step > 0 and first == (r.get("first_seq") or r.get("seq"))
    seqs = (n.get("seq"), r.get("seq"))
    return step > 0 and (None in seqs or n["seq"] - r["seq"] == step)


def replay_refusal(ex: Exchange) -> str | None:
    """Why a recorded request must not be replayed (the scripts leave it out): a method or path that is not a plain
    Platform API one (a saved log can be edited), or what the safety gate says of it as if sent to a real org."""
    from diag.client.gate import READS, refusal_for
    from diag.client.session import platform_path
    from diag.core.errors import SafetyError

    if not isinstance(ex.method, str) or not re.fullmatch(r"[A-Z]{3,7}", ex.method):
        return "not a plain HTTP method"
    try:
        platform_path(_base_and_path(str(ex.url))[1])
    except SafetyError:
        return "not a Platform API path"
    if ex.request_body is not None and script_json(ex.request_body) is None:
        return "its body was kept as text that is not JSON: the scripts replay JSON bodies only"
    if ex.method in READS:
        return None
    parts = urlsplit(ex.url)   # the query too: a number in it is dialled as surely as one in the body
    found = refusal_for(ex.method, parts.path + (f"?{parts.query}" if parts.query else ""), ex.sent_body())
    return found.split(":", 1)[0] + ": " + found.split("(at ", 1)[-1].rstrip(")") if found else None


def script_json(body: Any) -> str | None:
    """The JSON text the replay scripts send for a recorded body: a value as json.dumps writes it (the bytes the
    session sent); a body kept as text (what `diag call` and `diag send` record: the bytes as written) when it reads
    as JSON; None for none, or for text that is not JSON (such a request is left out of the scripts)."""
    if body is None:
        return None
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            return None
    return json.dumps(body)


def _replay_base(final: list[dict]) -> str | None:
    """The recorded API base when it is a Genesys region's (or the in-process simulator's); else None, and the
    scripts ask for GENESYS_CLOUD_API (a saved log could point the token at any host)."""
    from diag.core.regions import REGIONS

    if not final:
        return None
    base = _base_and_path(str(final[0]["url"]))[0]
    known = {r.api_base for r in REGIONS.values()}   # the in-process simulator has no address to replay to
    return base if base in known else None


def _label(r: dict) -> str:
    """'METHOD /path/template' when both are plain; else a neutral label (a saved log can carry anything)."""
    method, where = r.get("method"), r.get("template") or r.get("path")
    plain_method = isinstance(method, str) and re.fullmatch(r"[A-Z]{3,7}", method)
    plain_path = isinstance(where, str) and re.fullmatch(r"/[A-Za-z0-9/{}._~-]{0,200}", where)
    return f"{method} {where}" if plain_method and plain_path else "a recorded request (label not shown)"


def _comment(text: str) -> str:
    """Text safe inside a script comment: one line, no quotes, no shell or Python syntax that could end it."""
    return re.sub(r"[^A-Za-z0-9 .,:;+#/_-]", " ", str(text))[:200]


def _script_table() -> str:
    """Country calling code -> [its emergency-number pattern, the lengths its national numbers can have]. A length
    n is an "x" at place n of a row of dots: a list of lengths written in digits reads as a phone number to the
    ticket's last look (4 5 6 7 8 9 10 11)."""
    from diag.core.numbers import emergency_by_country_code, possible_lengths_by_country_code

    lengths = possible_lengths_by_country_code()

    def mask(possible) -> str:
        return "".join("x" if n in possible else "." for n in range(18))

    return json.dumps({str(k): [v, mask(lengths.get(k, ()))] for k, v in emergency_by_country_code().items()},
                      separators=(",", ":"))


def _base_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path + (f"?{parts.query}" if parts.query else "")


@lru_cache(maxsize=8)
def _variables_pattern(variables: tuple[tuple[str, str, str], ...]) -> tuple[re.Pattern, dict[str, str]]:
    """The pseudonyms of a script's number variables as one pattern, and the variable each names: made once per
    script (made per request, its key alone made a script of N requests and N numbers N x N)."""
    return (re.compile("|".join(re.escape(shown) for _, shown, _ in variables)),
            {shown: var for var, shown, _ in variables})


def _body_pieces(text: str, found: tuple[re.Pattern, dict[str, str]] | None) -> tuple:
    """The body as literal pieces and (NAME,) for each number variable's pseudonym, in one pass (longest first, as
    listed): repro.py joins them, so text in the body that looks like a variable (${NUMBER_1}) stays as it was."""
    if found is None:
        return (text,)
    pattern, names = found
    out: list = []
    at = 0
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append(text[at:m.start()])
        out.append((names[m.group(0)],))
        at = m.end()
    if at < len(text):
        out.append(text[at:])
    return tuple(out)


def _shell_body(text: str, found: tuple[re.Pattern, dict[str, str]] | None) -> str:
    """The body as one shell word: literal pieces shlex-quoted, each number variable expanded in double quotes."""
    return "".join(f'"${{{p[0]}}}"' if isinstance(p, tuple) else shlex.quote(p) for p in _body_pieces(text, found))
