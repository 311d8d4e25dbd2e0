"""A red-team pass on privacy and data loss: what an attacker (or a hurried support engineer pasting from a
spreadsheet) tries first on the sanitised HAR, the ticket, the command line's output and the panels' widget state.
Nothing personal may leave (no token, secret, phone number, name, e-mail or postal address), an export never fails
on input people paste, and a call's result is never lost. Only the simulator and 127.0.0.1 are used.

Each block is one finding; its first test is the spelling of the report, the rest are sharper spellings."""
import base64
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from diag.app import cli
from diag.app.ticket import bundle_from_session
from diag.client.connect import connect
from diag.core.inspect import as_records, inspect
from diag.reports.bundle import build_bundle, sanitised_har
from diag.sim import Simulator
from tests.reliability.test_red_team_evidence import CALLS, IE, text_entry
from tests.unit.test_inspect_evidence import TOKEN as FIXTURE_TOKEN
from tests.unit.test_inspect_evidence import entry, har

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ERROR = {"code": "bad.request", "status": 400, "message": "The request could not be understood"}
TOKEN_URL = "https://login.mypurecloud.ie/oauth/token"
WALL_CLOCK = 60   # seconds: a stall fails; speed itself is the benchmarks' business


def digits_anywhere(text: str, digits: str) -> bool:
    """The digits, whatever stands between them (separators, JSON escapes), as tests/reliability/test_nothing_leaks
    reads them."""
    return digits in re.sub(r"\\[tnrvf]|\\u[0-9a-fA-F]{4}|[^0-9A-Za-z]", "", text)


def files_of(path) -> dict[str, str]:
    """Every file of a zip but its PNGs, as text."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")}


def req(method, url, status, *, body=None, answer=None, headers=(), answer_headers=()):
    """A HAR entry (tests/unit/test_inspect_evidence.entry) without the fixture's own Authorization header, so that
    each test's credential is the only one."""
    e = entry(method, url, status, body=body, answer=answer, headers=headers, answer_headers=answer_headers)
    e["request"]["headers"] = [h for h in e["request"]["headers"] if FIXTURE_TOKEN not in h["value"]]
    return e


def token_answer(**answer):
    """A token request and its answer (`access_token`, `refresh_token`...): what the customer's HAR learns last."""
    return entry("POST", TOKEN_URL, 200, params=[{"name": "grant_type", "value": "client_credentials"}],
                 answer={"token_type": "bearer", "expires_in": 86399, **answer})


def shown(found) -> dict[str, str]:
    """What a person sees or hands on of an inspection without a ticket: `diag inspect` (text and --json), and
    `diag inspect --sanitise OUT`'s HAR."""
    return {"sanitised HAR": sanitised_har(found)[0].decode(), "inspect (printed)": found.public_text(),
            "inspect --json": json.dumps(found.public_dict(), ensure_ascii=False)}


def ticket(tmp_path, found, name="t.zip") -> dict[str, str]:
    """Every text file of a ticket of the evidence alone (charts too: their SVG text is text)."""
    return files_of(build_bundle(tmp_path / name, [], evidence=found).path)


def _around(text: str, needle: str) -> str:
    """The words around the first place `needle` (digits: with anything short between them) stands in `text`."""
    at = re.search(r"\D{0,8}".join(needle) if needle.isdigit() else re.escape(needle), text)
    return text[max(0, at.start() - 40):at.end() + 10] if at else ""


def number_leaks(texts: dict[str, str], digits) -> list[tuple[str, str, str]]:
    """(file, digits, where) for each of `digits` still readable in a file (whatever separators or escapes stand
    between them); SVG path data is digits all the way down, so charts are left to the secret and name checks."""
    return [(name, d, _around(text, d)) for name, text in texts.items() if not name.startswith("charts/")
            for d in digits if digits_anywhere(text, d)]


def text_leaks(texts: dict[str, str], needles) -> list[tuple[str, str, str]]:
    return [(name, n, _around(text, n)) for name, text in texts.items() for n in needles if n in text]


def none_left(leaks, *context) -> None:
    """Fails with every leak spelled out (where, what, and its surroundings when known)."""
    assert not leaks, "left: " + "; ".join(map(repr, leaks)) + (f"  (case: {context!r})" if context else "")


def run_cli(capsys, *args) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in args])
    printed = capsys.readouterr()
    return rc, printed.out, printed.err


# ==== 1. numbers written with hyphens or slashes ===================================================================

HYPHENED = {"+44-20-7946-0958": "2079460958", "+61-2-9374-4000": "293744000", "+49/89/1234567": "891234567",
            "+33-1-4567-8901": "145678901"}


def _evidence_with(numbers) -> str:
    """A customer's HAR with each number in the attributes, in uuiData and in the answers (a refused call's message,
    a conversation's participants)."""
    entries = []
    for i, n in enumerate(numbers):
        entries.append(req("POST", CALLS, 400, body={"phoneNumber": "+13175550100", "attributes": {"callback": n},
                                                     "uuiData": f"cb={n};ref=A{i}"},
                           answer=dict(ERROR, message=f"Destination {n} is not reachable")))
        entries.append(req("GET", f"{IE}/api/v2/conversations/calls/c{i}", 200, answer={
            "id": f"c{i}", "participants": [{"id": f"p{i}", "purpose": "customer", "address": f"tel:{n}",
                                            "attributes": {"alt": n}}]}))
    return har(entries)


def test_hyphened_and_slashed_numbers_leave_no_digits_in_the_evidences_outputs(tmp_path, capsys):
    path = tmp_path / "customer.har"
    path.write_text(_evidence_with(HYPHENED))
    out, zipped = tmp_path / "clean.har", tmp_path / "t.zip"
    rc, printed, err = run_cli(capsys, "inspect", path, "--sanitise", out)
    assert rc == 1, err
    rc, as_json, err = run_cli(capsys, "inspect", "--json", path)
    assert rc == 1, err
    rc, _, err = run_cli(capsys, "bundle", "--evidence", path, "--out", zipped)
    assert rc == 0, err
    texts = {"diag inspect": printed, "diag inspect --json": as_json, "--sanitise OUT": out.read_text(),
             **files_of(zipped)}
    none_left(number_leaks(texts, HYPHENED.values()))
    assert "+44-PN" in texts["--sanitise OUT"] and "+49-PN" in texts["--sanitise OUT"]


def test_hyphened_and_slashed_numbers_leave_no_digits_in_diags_own_ticket(sim, tmp_path):
    """exchanges.jsonl, session.har, repro.sh and repro.py of a session that dialled them, carried them in
    attributes and uuiData, and read them back in the simulator's answers."""
    s = connect(simulator=sim)
    numbers = list(HYPHENED)
    for i, n in enumerate(numbers):
        other = numbers[(i + 1) % len(numbers)]
        ex = s.call({"phoneNumber": n, "attributes": {"callback": other, "note": f"or try {other}"},
                     "uuiData": f"cb={other}", "callerIdName": f"ring {other}"})
        assert ex.status == 200, ex.response_body
    s.follow_call(ex.response_body["id"], timeout=3, interval=0.05)
    s.send("POST", "/api/v2/usage/query", {"note": " / ".join(numbers)})
    files = files_of(bundle_from_session(tmp_path / "t.zip", s).path)
    assert {"exchanges.jsonl", "session.har", "repro.sh", "repro.py"} <= set(files)
    none_left(number_leaks(files, HYPHENED.values()))


_EXAMPLES = [phonenumbers.example_number_for_type(r, phonenumbers.PhoneNumberType.FIXED_LINE)
             for r in ("GB", "AU", "DE", "FR", "IE", "NL", "ES", "US")]
DASHES = ["-", "/", ".", " ", "\u00a0", "\u2010", "\u2011", "\u2013", "\u2212", "\uff0d", "\u2215", " - ", " / "]


@st.composite
def dashed_numbers(draw):
    """(national significant digits, the number written with hyphens, slashes or their look-alikes)."""
    base = draw(st.sampled_from(_EXAMPLES))
    nsn = phonenumbers.national_significant_number(base)
    nsn = nsn[:-2] + f"{draw(st.integers(10, 99))}"
    cut, groups = 0, []
    while cut < len(nsn):
        size = draw(st.integers(1, 4))
        groups.append(nsn[cut:cut + size])
        cut += size
    seps = draw(st.lists(st.sampled_from(DASHES), min_size=len(groups), max_size=len(groups)))
    body = groups[0] + "".join(s + g for s, g in zip(seps[1:], groups[1:]))
    cc = str(base.country_code)
    trunk = "(0)" if cc != "1" and draw(st.booleans()) else ""   # +44 (0)20-7946-0958, as letterheads write it
    prefix = draw(st.sampled_from([f"+{cc}", f"00{cc}", f"tel:+{cc}"]))
    return nsn, f"{prefix}{seps[0]}{trunk}{body}"


@settings(SETTINGS, max_examples=30)
@given(dashed_numbers(), st.sampled_from(["attributes", "uuiData", "answer message", "answer address"]))
def test_any_dashed_spelling_leaves_no_digits_in_the_sanitised_har_or_the_output(number, place):
    nsn, written = number
    body = {"phoneNumber": "+13175550100"}
    answer = dict(ERROR)
    if place == "attributes":
        body["attributes"] = {"callback": written}
    elif place == "uuiData":
        body["uuiData"] = f"cb={written}"
    elif place == "answer message":
        answer["message"] = f"cannot reach {written} now"
    else:
        answer["participants"] = [{"purpose": "customer", "address": written}]
    found = inspect(har([req("POST", CALLS, 400, body=body, answer=answer)]))
    none_left(number_leaks(shown(found), [nsn]), written)


# ==== 2. a number right after a JSON escape in a body kept as text ================================================

ESCAPED_SPELLINGS = [("3175550161", "+13175550161"), ("3175550161", "3175550161"), ("3175550161", "317 555 0161"),
                     ("3175550161", "(317) 555-0161"), ("3175550161", "+1 317 555 0161"),
                     ("3175550161", "317/555/0161"), ("2079460958", "+44 20 7946 0958"),
                     ("2079460958", "+44-20-7946-0958")]
JSON_ESCAPES = ["\\n", "\\t", "\\r", "\\u00a0", "\\u2009", "\\u202f", "\\u0020", "\\b", "\\f", "\\/", "\\\\"]


def _text_body(escape: str, number: str, before: str = "") -> str:
    """A failing call's body as customers send it: not JSON (a trailing comma), the number right after an escape."""
    return ('{"phoneNumber": "' + escape + number + '", "attributes": {"note": "' + before + escape + number
            + '"},')


@pytest.mark.parametrize("escape", ["\\n", "\\t", "\\u00a0"])
@pytest.mark.parametrize("digits,number", [("3175550161", "+13175550161"), ("3175550161", "317 555 0161")])
def test_a_number_after_a_json_escape_in_a_text_body_is_pseudonymised(escape, digits, number):
    found = inspect(har([text_entry(_text_body(escape, number, "call "), "application/json")]))
    assert not isinstance(found.diagnoses[0].request.body, dict)   # kept as text: the case that leaked
    none_left(number_leaks(shown(found), [digits]))


def test_a_number_after_a_json_escape_leaves_no_digits_in_the_ticket(tmp_path):
    cases = [(e, d, n) for e in ("\\n", "\\t", "\\u00a0", "\\b") for d, n in ESCAPED_SPELLINGS[:4]]
    entries = [text_entry(_text_body(e, n, "x"), "application/json") for e, _, n in cases]
    texts = ticket(tmp_path, inspect(har(entries)))
    none_left(sorted({(e, n) for e, d, n in cases if number_leaks(texts, [d])}))


def test_a_number_after_a_json_escape_in_diags_own_text_body_leaves_no_digits(sim, tmp_path):
    s = connect(simulator=sim)
    for i, escape in enumerate(("\\n", "\\t", "\\u00a0", "\\b")):
        s.send("POST", CALLS.replace(IE, ""), _text_body(escape, f"317 555 01{60 + i}", "call"))
    files = files_of(bundle_from_session(tmp_path / "t.zip", s).path)
    none_left(number_leaks(files, [f"31755501{60 + i}" for i in range(4)]))


@settings(SETTINGS, max_examples=30)
@given(st.sampled_from(JSON_ESCAPES), st.sampled_from(ESCAPED_SPELLINGS), st.sampled_from(["", "x", "call ", ": "]),
       st.sampled_from(["request", "answer"]))
def test_a_number_after_any_json_escape_in_any_text_body_is_pseudonymised(escape, spelling, before, where):
    digits, number = spelling
    e = text_entry(_text_body(escape, number, before), "application/json")
    if where == "answer":   # a proxy's or a gateway's answer, kept as text as well
        e = req("POST", CALLS, 502, body={"phoneNumber": "+13175550100"})
        e["response"]["content"] = {"mimeType": "application/json", "text": _text_body(escape, number, before)}
    none_left(number_leaks(shown(inspect(har([e]))), [digits]), (escape, number, before, where))


# ==== 3. a credential removed from its header goes wherever else it appears =======================================

BEARER_TOK = "opaqueTok9f8e7d6c5b4a3Zq"
PASSWORD = "Hunter2-Canary!pw"
BASIC_BLOB = base64.b64encode(("c1d2e3f4:" + PASSWORD).encode()).decode()
SESSION = "sessAbc123xyz789"
SET_COOKIE = "setCk7a8b9c0d1e2"
REFRESH = "rfrsh0a9b8c7d6e5"


def _echoed(value: str, headers=(), answer_headers=()):
    """One refused call whose note, custom field, a custom header and the proxy's error text all quote `value`."""
    return req("POST", CALLS, 407, body={"phoneNumber": "+13175550100", "attributes": {
        "note": f"the customer sent {value} as told", "ctx": f"id={value}"}},
        answer={"code": "proxy.error", "status": 407, "message": f"proxy: credential {value} rejected"},
        headers=[*headers, ("X-Debug-Info", f"last={value}")], answer_headers=answer_headers)


CARRIERS = {
    # the report's spellings
    "Authorization: Bearer": ([_echoed(BEARER_TOK, [("Authorization", "Bearer " + BEARER_TOK)])], BEARER_TOK),
    "Proxy-Authorization: Bearer": ([_echoed(BEARER_TOK, [("Proxy-Authorization", "Bearer " + BEARER_TOK)])],
                                    BEARER_TOK),
    "Basic: the blob": ([_echoed(BASIC_BLOB, [("Authorization", "Basic " + BASIC_BLOB)])], BASIC_BLOB),
    "Basic: the password inside": ([_echoed(PASSWORD, [("Authorization", "Basic " + BASIC_BLOB)])], PASSWORD),
    "Proxy-Authorization: Basic": ([_echoed(PASSWORD, [("Proxy-Authorization", "Basic " + BASIC_BLOB)])], PASSWORD),
    "Cookie: session value": ([_echoed(SESSION, [("Cookie", f"consent=true; SESSIONID={SESSION}; lang=en-US")])],
                              SESSION),
    "Set-Cookie": ([_echoed(SET_COOKIE, answer_headers=[("Set-Cookie", f"ALB={SET_COOKIE}; Path=/; Secure")])],
                   SET_COOKIE),
    "X-Refresh": ([_echoed(REFRESH, [("X-Refresh", REFRESH)])], REFRESH),
    "access_token learned from a later entry": ([_echoed(BEARER_TOK), token_answer(access_token=BEARER_TOK)],
                                                BEARER_TOK),
    # sharper spellings
    "authorization: bearer (HTTP/2, lower case)": ([_echoed(BEARER_TOK, [("authorization", "bearer " + BEARER_TOK)])],
                                                   BEARER_TOK),
    "Authorization: Bearer<TAB>token (pasted from a spreadsheet)": (
        [_echoed(BEARER_TOK, [("Authorization", "Bearer\t" + BEARER_TOK)])], BEARER_TOK),
    "Authorization: the bare token, no scheme": ([_echoed(BEARER_TOK, [("Authorization", BEARER_TOK)])], BEARER_TOK),
    "Proxy-Authorization learned from a later entry": (
        [_echoed(BEARER_TOK), req("GET", IE + "/api/v2/users/me", 200, answer={"id": "u1"},
                                  headers=[("Proxy-Authorization", "Bearer " + BEARER_TOK)])], BEARER_TOK),
    "Basic password learned from a later entry": (
        [_echoed(PASSWORD), req("GET", IE + "/api/v2/users/me", 200, answer={"id": "u1"},
                                headers=[("Authorization", "Basic " + BASIC_BLOB)])], PASSWORD),
    "refresh_token learned from a later entry": (
        [_echoed(REFRESH), token_answer(access_token=BEARER_TOK, refresh_token=REFRESH)], REFRESH),
    "a header's name, the access_token learned from a later entry": (
        [_echoed(BEARER_TOK, [(f"X-Trace-{BEARER_TOK}", "1")]), token_answer(access_token=BEARER_TOK)], BEARER_TOK),
    "an answer header's name, the password learned from a later entry": (
        [_echoed(PASSWORD, answer_headers=[(f"X-Echo-{PASSWORD}", "1")]),
         req("GET", IE + "/api/v2/users/me", 200, answer={"id": "u1"},
             headers=[("Authorization", "Basic " + BASIC_BLOB)])], PASSWORD),
    "Set-Cookie: the session cookie first of two headers (a browser's HAR)": (
        [_echoed(SET_COOKIE, answer_headers=[("Set-Cookie", f"ALB={SET_COOKIE}; Path=/; Secure"),
                                             ("Set-Cookie", "lang=en-US; Path=/")])], SET_COOKIE),
    "Set-Cookie: two cookies joined with a comma (as HTTP libraries join them)": (
        [_echoed(SET_COOKIE, answer_headers=[("Set-Cookie", f"lang=en-US; Path=/, ALB={SET_COOKIE}; Path=/")])],
        SET_COOKIE),
}


@pytest.mark.parametrize("carrier", list(CARRIERS))
def test_a_credential_goes_from_every_place_it_appears(carrier):
    entries, secret = CARRIERS[carrier]
    found = inspect(har(entries))
    none_left(text_leaks(shown(found), [secret]))


@pytest.mark.parametrize("carrier", [c for c in CARRIERS if "name" in c])
def test_a_credential_in_a_header_name_goes_from_what_the_panels_hold(carrier):
    """The inspection in memory is what the evidence panel and the composer show (its requests as exchanges): a
    header's name quoting a secret learned from a later entry is cleaned there too, not only in a ticket."""
    entries, secret = CARRIERS[carrier]
    held = json.dumps(as_records(inspect(har(entries))), ensure_ascii=False, default=str)
    none_left(text_leaks({"the inspection's requests": held}, [secret]))


def test_credentials_go_from_every_file_of_the_ticket(tmp_path):
    """The report's carriers in one customer HAR: none of their values in any file of the ticket."""
    report = list(CARRIERS)[:9]
    entries = [e for c in report for e in CARRIERS[c][0]]
    texts = ticket(tmp_path, inspect(har(entries)))
    none_left(text_leaks(texts, {CARRIERS[c][1] for c in report}))


# ==== 4. destinations as people paste them: the call goes out, the export succeeds ================================

PASTED = ["\t+1 317 555 0100", "\u00a0+13175550100", "+1/317/555/0100", "+1-317-555-0100"]


def _sent_and_exported(sim, tmp_path, destination: str, name: str):
    s = connect(simulator=sim)
    placed = sim.calls_placed
    ex = s.call({"phoneNumber": destination, "attributes": {"callback": destination}})
    assert ex.status == 200 and sim.calls_placed == placed + 1, (destination, ex.status, ex.response_body)
    dialled = list(sim.state.calls.values())[-1].number
    assert re.sub(r"\D", "", dialled).endswith("3175550100"), dialled   # the number placed, whatever the paste
    files = files_of(bundle_from_session(tmp_path / name, s).path)   # a RedactionError would fail the test here
    none_left(number_leaks(files, ["3175550100"]), destination)
    return files


@pytest.mark.parametrize("destination", PASTED)
def test_a_pasted_destination_is_called_and_the_ticket_exports(sim, tmp_path, destination):
    files = _sent_and_exported(sim, tmp_path, destination, "t.zip")
    assert "+1-PN" in files["exchanges.jsonl"] and "+1-PN" in files["repro.sh"]


@pytest.mark.parametrize("destination", ["\u00a0001 317 555 0100", "\u00a01 317 555 0100", "\u00a0(317) 555-0100",
                                         "\u00a00044 20 7946 0958"])
def test_a_pasted_destination_without_a_plus_after_a_no_break_space_exports_too(sim, tmp_path, destination):
    """The no-break space a spreadsheet cell begins with, then a number written without +: the call goes out and
    the doctor's findings quote the value back ('\\xa0001 317 ...'); the ticket must still export."""
    s = connect(simulator=sim)
    ex = s.call({"phoneNumber": destination})
    assert ex.status == 200, ex.response_body
    files = files_of(bundle_from_session(tmp_path / "t.zip", s).path)   # a RedactionError fails the test here
    digits = "2079460958" if "44" in destination else "3175550100"
    none_left(number_leaks(files, [digits]), destination)


def test_a_pasted_destination_through_the_command_line(sim, tmp_path, capsys):
    """`diag call` with the body a spreadsheet gave, `--log`, then `diag bundle --log`: exit 0 both times."""
    sim.start()
    log = tmp_path / "calls.jsonl"
    for i, destination in enumerate(PASTED):
        body = tmp_path / f"b{i}.json"
        body.write_text(json.dumps({"phoneNumber": destination}))
        rc, out, err = run_cli(capsys, "call", body, "--sim", sim.base_url, "--log", log)
        assert rc == 0 and "-> 200" in out, (destination, out, err)
    rc, out, err = run_cli(capsys, "bundle", "--log", log, "--out", tmp_path / "t.zip")
    assert rc == 0, err
    none_left(number_leaks(files_of(tmp_path / "t.zip"), ["3175550100"]))


_EDGES = ["", "\t", "\u00a0", " ", "\n", "\r\n", "\ufeff", "\u200e", "\u202a", "\u202c", "\u2060"]
_GAPS = [" ", "-", "/", ".", "\u00a0", "", "\u2011", "\u2013", "\t", "\u202f"]


@st.composite
def pasted_destinations(draw):
    gap = draw(st.sampled_from(_GAPS))
    area = "(317)" if draw(st.booleans()) else "317"
    country = draw(st.sampled_from(["+1", "001", "1", ""]))
    number = (country + gap if country else "") + area + gap + "555" + gap + "0100"
    return draw(st.sampled_from(_EDGES)) + number + draw(st.sampled_from(_EDGES))


def test_any_pasted_destination_is_called_and_the_ticket_exports(tmp_path):
    names = itertools.count()
    with Simulator(seed=41, overrides={"call_timeline_seconds": 0.2}) as sim:
        # each example places a call and builds a ticket: no shrinking (the short failing spellings are the
        # explicit tests above), so that a failure costs no more than a pass
        @settings(SETTINGS, max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
        @given(pasted_destinations())
        def check(destination):
            _sent_and_exported(sim, tmp_path, destination, f"t{next(names)}.zip")
        check()


# ==== 5. an external contact's middle name and postal address ====================================================

CONTACT = {"id": "ec000000-0000-4000-8000-000000000001", "firstName": "Ottoline", "middleName": "Quenby",
           "lastName": "Farthingale", "title": "Buyer", "workEmail": "o.farthingale@example.org",
           "personalEmail": "ottie.q@example.net",
           "address": {"address1": "221B Baker Street", "address2": "Flat 4", "city": "London",
                       "postalCode": "NW1 6XE", "countryCode": "GB"},
           "workPhone": {"display": "+44 20 7946 0958", "e164": "+442079460958"},
           "cellPhone": {"display": "+44 7700 900461"}, "selfUri": "/api/v2/externalcontacts/contacts/ec1"}
CONTACT_NEEDLES = ["Ottoline", "Quenby", "Farthingale", "farthingale", "ottie.q", "Baker Street", "NW1 6XE"]
CONTACT_DIGITS = ["2079460958", "7700900461"]


def _contact_entries(shape: str):
    path = IE + "/api/v2/externalcontacts/contacts"
    if shape == "one contact":
        return [req("GET", f"{path}/{CONTACT['id']}", 200, answer=CONTACT)]
    if shape == "a page of contacts":
        return [req("GET", f"{path}?q=Farthingale&pageSize=25", 200,
                    answer={"entities": [CONTACT], "pageSize": 25, "pageNumber": 1, "total": 1})]
    if shape == "a contact created (the request)":
        body = {k: v for k, v in CONTACT.items() if k not in ("id", "selfUri")}
        return [req("POST", path, 400, body=body, answer=ERROR)]
    # the middle name and the address, known from the contact, quoted elsewhere on their own
    return [req("GET", f"{path}/{CONTACT['id']}", 200, answer=CONTACT),
            req("POST", CALLS, 400, body={"phoneNumber": "+13175550100", "attributes": {
                "note": "Quenby asked for a callback; ship to 221B Baker Street, NW1 6XE"}}, answer=ERROR)]


@pytest.mark.parametrize("shape", ["one contact", "a page of contacts", "a contact created (the request)",
                                   "quoted in a later note"])
def test_an_external_contacts_names_and_address_go(shape):
    found = inspect(har(_contact_entries(shape)))
    texts = shown(found)
    none_left(text_leaks(texts, CONTACT_NEEDLES))
    none_left(number_leaks(texts, CONTACT_DIGITS))


def test_an_external_contacts_names_and_address_leave_no_file_of_the_ticket(tmp_path):
    texts = ticket(tmp_path, inspect(har(_contact_entries("quoted in a later note")
                                         + _contact_entries("a contact created (the request)"))))
    none_left(text_leaks(texts, CONTACT_NEEDLES))
    none_left(number_leaks(texts, CONTACT_DIGITS))


# ==== 6. cookies: settings are kept and never stop an export, a session value goes everywhere ======================

ALB = "abc12345xyz789"


def _with_cookie(cookie: str, words: str):
    """A users/me answer whose message holds `words`, asked with `cookie`."""
    return req("GET", IE + "/api/v2/users/me", 400, headers=[("Cookie", cookie)],
               answer={"code": "bad.request", "status": 400, "message": f"flag is {words} for this caller"})


def test_settings_cookies_never_stop_an_export_nor_take_words_out_of_text(tmp_path, capsys):
    path = tmp_path / "customer.har"
    path.write_text(har([_with_cookie("consent=true; lang=en-US", "true"),
                         _with_cookie("consent=true; lang=en-US", "en-US")]))
    out, zipped = tmp_path / "clean.har", tmp_path / "t.zip"
    assert run_cli(capsys, "inspect", path, "--sanitise", out)[0] == 1
    rc, _, err = run_cli(capsys, "bundle", "--evidence", path, "--out", zipped)
    assert rc == 0, err
    for text in (out.read_text(), files_of(zipped)["evidence/requests.jsonl"]):
        assert "flag is true for this caller" in text and "flag is en-US for this caller" in text


def test_a_session_cookie_value_goes_from_everywhere(tmp_path):
    found = inspect(har([
        req("GET", f"{IE}/api/v2/users/me?trace={ALB}", 401, headers=[("Cookie", f"consent=true; ALB={ALB}; "
                                                                                 "lang=en-US")],
            answer={"code": "bad.credentials", "status": 401, "message": f"stale ALB {ALB}"}),
        req("POST", CALLS, 400, body={"phoneNumber": "+13175550100", "attributes": {"alb": ALB}},
            headers=[("X-Debug-Info", f"alb={ALB}")], answer=dict(ERROR, message=f"lb {ALB} drained"))]))
    none_left(text_leaks({**shown(found), **ticket(tmp_path, found)}, [ALB]))


SETTINGS_COOKIES = [
    ("region=us-east-1; consent=true", "us-east-1"),                 # a region picker's setting
    ("tz=Europe/Dublin; consent=true", "Europe/Dublin"),             # a time zone
    ("accept=application/json; consent=true", "application/json"),   # a format preference
    ("env=mypurecloud.ie; consent=true", "mypurecloud.ie"),          # which Genesys environment the app uses
]


@pytest.mark.parametrize("cookie,words", SETTINGS_COOKIES)
def test_a_settings_cookie_of_any_spelling_is_read_sanitised_and_kept_in_text(tmp_path, capsys, cookie, words):
    path = tmp_path / "customer.har"
    path.write_text(har([_with_cookie(cookie, words)]))
    out = tmp_path / "clean.har"
    rc, printed, err = run_cli(capsys, "inspect", path, "--sanitise", out)
    assert rc == 1 and "bad.request" in printed, err             # read and diagnosed, not refused as unreadable
    answer = json.loads(out.read_text())["log"]["entries"][0]["response"]["content"]["text"]
    assert f"flag is {words} for this caller" in answer           # a setting is no secret: the text keeps it


def test_settings_cookies_of_every_spelling_never_stop_a_ticket(tmp_path, capsys):
    path = tmp_path / "customer.har"
    path.write_text(har([_with_cookie(cookie, words) for cookie, words in SETTINGS_COOKIES]))
    rc, _, err = run_cli(capsys, "bundle", "--evidence", path, "--out", tmp_path / "t.zip")
    assert rc == 0, err


# ==== 7. crafted and large evidence ==============================================================================

def _diag(*args, cwd, timeout=WALL_CLOCK) -> subprocess.CompletedProcess:
    env = dict(os.environ, DIAG_HOME=str(Path(cwd) / "home"))
    return subprocess.run([sys.executable, "-m", "diag", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_400_kb_form_data_text_with_many_dash_lines_is_inspected_promptly(tmp_path):
    """A text body that says form-data, then line after line beginning -- (some naming a credential part) and no
    blank line: a multipart pattern that backtracks over such lines never ends. Beside it, a real part is still
    redacted."""
    crafted = "Content-Type: multipart/form-data; boundary=XX\r\n" + "".join(
        f"--XX{i % 10}\r\n" + ('Content-Disposition: form-data; name="password"\r\n' if i % 50 == 0 else "")
        for i in range(50_000))
    assert 380_000 < len(crafted) < 460_000
    real = ('--XX\r\nContent-Disposition: form-data; name="access_token"\r\n\r\ncanaryFormTok42zz\r\n'
            '--XX\r\nContent-Disposition: form-data; name="note"\r\n\r\nkept\r\n--XX--\r\n')
    path = tmp_path / "crafted.har"
    path.write_text(har([text_entry(crafted, "multipart/form-data; boundary=XX"),
                         text_entry(real, "multipart/form-data; boundary=XX")]))
    done = _diag("inspect", path, "--sanitise", tmp_path / "clean.har", cwd=tmp_path)   # TimeoutExpired: a stall
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr[-600:]
    assert "canaryFormTok42zz" not in (tmp_path / "clean.har").read_text() + done.stdout


def test_other_crafted_text_bodies_are_inspected_promptly(tmp_path):
    n = 100_000
    shapes = ["1\\u00a0" * (n // 7), "1-" * (n // 2), '"a":"' * (n // 5),
              "Bearer " * (n // 7), "x@" * (n // 2), ("eyJ" + "a\n" * 20 + ".") * (n // 44), "%25" * (n // 3)]
    path = tmp_path / "crafted.har"
    path.write_text(har([text_entry(s) for s in shapes]))
    done = _diag("inspect", path, "--sanitise", tmp_path / "clean.har", cwd=tmp_path)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr[-600:]


FIRST = ["Aoife", "Bartholomew", "Ciaran", "Dervla", "Eamon", "Fionnuala", "Grainne", "Hamish", "Isolde", "Jarlath",
         "Kasimir", "Leocadia", "Mstislav", "Nuala", "Oisin", "Perpetua", "Radomir", "Saoirse", "Thaddeus", "Ulrika"]
MIDDLE = ["Quill", "Rowan", "Sorcha", "Tadhg", "Ottilie", "Vance", "Wren", "Xanthe", "Yorick", "Zephyrine"]
LAST = ["Kavanagh", "Lynch", "McAleese", "Nolan", "O'Dwyer", "Prendergast", "Quinlan", "Rafferty", "Sheehy",
        "Tierney", "Vandermeer", "Whittingham", "Ystradgynlais", "Zabłocki", "Ó Súilleabháin"]


def test_a_har_of_a_thousand_people_is_sanitised_with_nobody_left(tmp_path):
    people = []
    for i in range(1000):
        first, middle, last = FIRST[i % 20], MIDDLE[(i // 20) % 10], LAST[(i * 7) % 15]
        people.append({"id": f"{i:08x}-aaaa-4bbb-8ccc-dddddddddddd", "name": f"{first} {last}",
                       "firstName": first, "middleName": middle, "lastName": last,
                       "email": f"{first.lower()}.{i}@example.com", "username": f"{first.lower()}.{i}@example.com",
                       "division": {"id": "d1", "name": "Home"}, "state": "active",
                       "addresses": [{"address": f"+3531{4000000 + i * 37:07d}", "mediaType": "PHONE",
                                      "type": "WORK"},
                                     {"address": f"+353-87-{i:03d}-{(i * 7919) % 10000:04d}", "mediaType": "PHONE",
                                      "type": "MOBILE"}],
                       "primaryContactInfo": [{"address": f"{first.lower()}.{i}@example.com",
                                               "mediaType": "EMAIL", "type": "PRIMARY"}]})
    pages = [req("GET", f"{IE}/api/v2/users?pageSize=100&pageNumber={p + 1}", 200,
                 answer={"entities": people[p * 100:(p + 1) * 100], "pageSize": 100, "pageNumber": p + 1,
                         "total": 1000, "pageCount": 10}) for p in range(10)]
    path = tmp_path / "people.har"
    path.write_text(har(pages))
    done = _diag("inspect", path, "--sanitise", tmp_path / "clean.har", cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-600:]
    text = (tmp_path / "clean.har").read_text() + done.stdout
    names = {w for p in people for k in ("firstName", "middleName", "lastName") for w in p[k].split()
             if len(w) > 2}
    assert sorted(w for w in names if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)) == []
    assert "@example.com" not in text
    flat = re.sub(r"\\[tnrvf]|\\u[0-9a-fA-F]{4}|[^0-9A-Za-z]", "", text)   # digits_anywhere, flattened once
    digits = [re.sub(r"\D", "", a["address"])[3:] for p in people for a in p["addresses"]]
    assert [d for d in digits if d in flat] == []


LISTED = {"id": "5b1c0000-0000-4000-8000-000000000001", "name": "Hyacinth Bucket", "email": "hb@example.com",
          "username": "hyacinth.bucket", "state": "active", "version": 3}


@pytest.mark.parametrize("path,answer", [
    ("/api/v2/groups/g1/individuals", {"entities": [LISTED], "pageSize": 25}),   # a UserEntityListing
    ("/api/v2/groups/g1/members", {"entities": [LISTED], "pageSize": 25}),
    ("/api/v2/users/u1/directreports", [LISTED]),                                # a bare list of users
    ("/api/v2/teams/t1/members", {"entities": [LISTED]}),
])
def test_people_in_other_user_listings_go(path, answer):
    """Users listed by other operations than GET /api/v2/users, each on its own (one listing's people must not be
    found only because another listing named them), as a script exports them: without selfUri."""
    found = inspect(har([req("GET", IE + path, 200, answer=answer)]))
    none_left(text_leaks(shown(found), ["Hyacinth", "Bucket", "hb@example"]))


# ==== 8. a placed call's result is never lost =====================================================================

@pytest.fixture
def running_sim(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    with Simulator(seed=8, overrides={"call_timeline_seconds": 0.2}) as s:
        s.start()
        yield s


def _body(tmp_path, raw: bytes, name="b.json") -> Path:
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def _kept_in_the_workspace(tmp_path, correlation_id: str) -> bool:
    return any(correlation_id in p.read_text(errors="replace") for p in (tmp_path / "home").rglob("*.jsonl"))


@pytest.mark.parametrize("extra", [[], ["--json"], ["--follow", "--follow-timeout", "2"]])
def test_a_200_that_is_not_json_still_says_its_status_and_correlation_id(running_sim, tmp_path, capsys, extra):
    running_sim.faults.add(r"/api/v2/conversations/calls$", "not_json", method="POST")
    body = _body(tmp_path, b'{"phoneNumber": "+13175550100"}')
    rc, out, err = run_cli(capsys, "call", body, "--sim", running_sim.base_url, *extra)
    assert "Traceback" not in out + err and rc in (0, 1), err
    if extra == ["--json"]:
        said = json.loads(out)
        status, cid = said["status"], said["correlationId"]
    else:
        found = re.search(r"-> (\d+)\s+correlation id ([0-9a-f-]{36})", out)
        assert found, out
        status, cid = int(found.group(1)), found.group(2)
    assert status == 200 and _kept_in_the_workspace(tmp_path, cid)


@pytest.mark.parametrize("content", ["my notes\n", "a,b\n1,2\n", '{"a": 1}\n', "", "\x00binary"])
def test_a_log_that_is_not_a_diag_log_is_left_alone_and_the_result_is_said(running_sim, tmp_path, capsys, content):
    log = tmp_path / "mine.jsonl"
    log.write_text(content)
    body = _body(tmp_path, b'{"phoneNumber": "+13175550100"}')
    rc, out, err = run_cli(capsys, "call", body, "--sim", running_sim.base_url, "--log", log)
    assert rc == 0 and "Traceback" not in out + err, err
    found = re.search(r"-> 200\s+correlation id ([0-9a-f-]{36})", out)
    assert found and "created conversation" in out, out
    assert _kept_in_the_workspace(tmp_path, found.group(1))
    if content:   # someone's file: never changed (an empty file may become the log)
        assert log.read_text() == content


def test_a_log_that_is_a_folder_is_a_note_not_a_lost_result(running_sim, tmp_path, capsys):
    body = _body(tmp_path, b'{"phoneNumber": "+13175550100"}')
    rc, out, err = run_cli(capsys, "call", body, "--sim", running_sim.base_url, "--log", tmp_path)
    assert rc == 0 and "-> 200" in out and "correlation id" in out and "not appended" in out, (out, err)


@pytest.mark.parametrize("raw", [
    b'{"phoneNumber": "+13175550100", "attributes": {"n": "\\ud800"}}',
    b'{"phoneNumber": "+13175550100", "callerIdName": "\\ud800\\udfff\\udc00x", "priority": "\\ud800"}',
    b'{"phoneNumber": "+13175550100", "attributes": {"\\ud800": "\\ud800"},}',   # not JSON: --repair parses it
    b'{"phoneNumber": "+13175550100", "callerIdName": "\\ud800",}',
    b'{"to": "\\ud800"}',                                                         # a 400 that quotes it back
])
def test_a_lone_surrogate_in_the_body_never_hides_the_result(running_sim, tmp_path, capsys, raw):
    """As written, and with --repair (which sends the parsed body: the surrogate is then a real one in the log)."""
    body = _body(tmp_path, raw)
    log = tmp_path / "calls.jsonl"
    for extra in ([], ["--json"], ["--repair"], ["--repair", "--json"]):
        rc, out, err = run_cli(capsys, "call", body, "--sim", running_sim.base_url, "--log", log, *extra)
        assert rc in (0, 1) and "Traceback" not in out + err, err
        assert re.search(r"correlation id [0-9a-f-]{36}|\"correlationId\": \"[0-9a-f-]{36}\"", out), out
    rc, _, err = run_cli(capsys, "bundle", "--log", log, "--out", tmp_path / "t.zip")
    assert rc == 0, err


def test_a_lone_surrogate_on_a_terminal_that_cannot_show_it(running_sim, tmp_path):
    """A real process with an ASCII terminal, and an answer that quotes the lone surrogate back (the refused
    priority): the status and correlation id are printed, the surrogate escaped."""
    body = _body(tmp_path, b'{"phoneNumber": "+13175550100", "priority": "\\ud800", "callerIdName": "Jos\\u00e9"}')
    env = dict(os.environ, DIAG_HOME=str(tmp_path / "home"), PYTHONIOENCODING="ascii")
    done = subprocess.run([sys.executable, "-m", "diag", "call", str(body), "--sim", running_sim.base_url],
                          cwd=tmp_path, env=env, capture_output=True, text=True, errors="replace", timeout=WALL_CLOCK)
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode in (0, 1) and re.search(r"-> \d{3}\s+correlation id [0-9a-f-]{36}", done.stdout)


# ==== 9. widget state after "Open in composer" ===================================================================

W_NUMBER, W_NAME, W_MAIL = "+13175550187", "Wilhelmina Quackenbush", "wilhelmina.q@example.org"
W_DIGITS = ["3175550187", "3175550188"]
W_WORDS = ["Wilhelmina", "Quackenbush", "wilhelmina.q"]


def _curl(body: dict) -> str:
    return ("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'Authorization: Bearer "
            "canaryWidgetTok12345678' -H 'Content-Type: application/json' --data-raw '" + json.dumps(body) + "'")


def _every_widgets_state(since: set) -> dict[str, str]:
    """Every live widget's state (what a saved notebook keeps), by widget: every widget made since `since` (the
    panels and whatever they made), so that an earlier test's widgets are not read."""
    from ipywidgets.widgets.widget import _instances

    return {f"{type(w).__name__} {key[:8]}": json.dumps(w.get_state(), default=str, ensure_ascii=False)
            for key, w in list(_instances.items()) if key not in since}


def _widget_leaks(since: set) -> list[tuple[str, str, str]]:
    """(widget, what leaked, the words around it) for each raw number, name, e-mail or token in a widget's state."""
    states = _every_widgets_state(since)
    return number_leaks(states, W_DIGITS) + text_leaks(states, [*W_WORDS, "canaryWidgetTok"])


REFUSED_BODIES = {
    "a spaced number and a bad priority": {"phoneNumber": "+1 317 555 0187", "priority": "high"},
    "a spaced caller id": {"phoneNumber": W_NUMBER, "callerId": "+1 317 555 0188", "priority": "high"},
    "a name and an e-mail": {"phoneNumber": "+1-317-555-0187", "callerIdName": W_NAME,
                             "attributes": {"email": W_MAIL, "who": W_NAME}, "priority": "high"},
    "a national number under to": {"to": {"phoneNumber": "317 555 0187"}, "callerIdName": W_NAME},
}


@pytest.fixture
def panels(sim):
    """(composer, evidence panel, the widget ids that were there before them); the panels' widgets are closed
    afterwards."""
    from ipywidgets.widgets.widget import _instances

    from diag.app.widgets.composer import ComposerModel, ComposerView
    from diag.app.widgets.evidence import EvidenceModel, EvidenceView

    before = set(_instances)
    composer = ComposerView(ComposerModel("", session=connect(simulator=sim)))
    view = EvidenceView(EvidenceModel(composer.model), on_change=composer.refresh)
    yield composer, view, before
    for key in set(_instances) - before:
        widget = _instances.get(key)
        if widget is not None:
            widget.close()


@pytest.mark.parametrize("case", list(REFUSED_BODIES))
def test_open_in_composer_leaves_no_raw_value_in_any_widget(panels, case):
    composer, view, before = panels
    view.paste.value = _curl(REFUSED_BODIES[case])
    view.read_button.click()
    assert view.failing.options, view.report.value   # offered: the doctor refuses it
    view.open_button.click()
    composer.refresh()
    assert view.error.value == "" and composer.raw.value
    none_left(_widget_leaks(before))


@pytest.mark.parametrize("case", list(REFUSED_BODIES))
def test_fix_it_and_send_on_an_opened_body_leave_no_raw_value_in_any_widget(panels, sim, case):
    composer, view, before = panels
    view.paste.value = _curl(REFUSED_BODIES[case])
    view.read_button.click()
    view.open_button.click()
    composer.fix_button.click()
    composer.send_button.click()
    composer.refresh()
    assert composer.model.last_exchange is not None and composer.model.last_exchange.status == 200
    dialled = [re.sub(r"\D", "", c.number) for c in sim.state.calls.values()]
    assert any(d.endswith("3175550187") for d in dialled), dialled   # the real number is what was sent
    none_left(_widget_leaks(before))


# ==== 10. nothing of the user's overwritten =====================================================================

def test_a_second_and_third_notebooks_run_never_overwrite_an_edited_new_version(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.ipynb").write_text('{"v": 1}')
    assert run_cli(capsys, "notebooks", "--source", source)[0] == 0
    folder = tmp_path / "home" / "notebooks"
    (folder / "a.ipynb").write_text('{"mine": 1}')
    (source / "a.ipynb").write_text('{"v": 2}')
    assert run_cli(capsys, "notebooks", "--source", source)[0] == 0
    newer = folder / "a (new version).ipynb"
    assert newer.read_text() == '{"v": 2}'
    newer.write_text('{"mine": 2}')                         # the person works in the new version
    for _ in range(2):                                       # the same source again: nothing is written
        rc, _, err = run_cli(capsys, "notebooks", "--source", source)
        assert rc == 0 and "copied" not in err
    assert newer.read_text() == '{"mine": 2}' and (folder / "a.ipynb").read_text() == '{"mine": 1}'
    (source / "a.ipynb").write_text('{"v": 3}')              # a newer one still: beside both, never over them
    rc, _, err = run_cli(capsys, "notebooks", "--source", source)
    assert rc == 0 and "a (new version 2).ipynb" in err
    assert newer.read_text() == '{"mine": 2}' and (folder / "a.ipynb").read_text() == '{"mine": 1}'
    assert (folder / "a (new version 2).ipynb").read_text() == '{"v": 3}'


def _evidence_file(tmp_path) -> Path:
    path = tmp_path / "customer.har"
    path.write_text(har([req("POST", CALLS, 400, body={"phoneNumber": "+13175550161"}, answer=ERROR)]))
    return path


@pytest.mark.parametrize("target", ["a file of mine", "the evidence itself", "a link to a file of mine"])
def test_sanitise_refuses_an_existing_out(tmp_path, capsys, target):
    evidence = _evidence_file(tmp_path)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    out = {"a file of mine": mine, "the evidence itself": evidence, "a link to a file of mine": tmp_path / "l.har"}[
        target]
    if target == "a link to a file of mine":
        out.symlink_to(mine)
    before = {p: p.read_bytes() for p in (evidence, mine)}
    rc, _, err = run_cli(capsys, "inspect", evidence, "--sanitise", out)
    assert rc == 2 and "exists" in err
    assert {p: p.read_bytes() for p in (evidence, mine)} == before


def test_sanitise_never_replaces_a_file_that_appears_while_it_works(tmp_path, capsys, monkeypatch):
    """The check for OUT comes before the sanitising; a file made at OUT meanwhile (a second run, a colleague's
    export to the same name) is the person's and stays."""
    import diag.reports.bundle as bundle

    evidence, out = _evidence_file(tmp_path), tmp_path / "clean.har"
    real = bundle.sanitised_har

    def meanwhile(*args, **kwargs):
        out.write_text("made meanwhile")
        return real(*args, **kwargs)

    monkeypatch.setattr(bundle, "sanitised_har", meanwhile)
    run_cli(capsys, "inspect", evidence, "--sanitise", out)
    assert out.read_bytes() == b"made meanwhile", "the file made meanwhile was replaced by the sanitised HAR"


def test_the_bundle_refuses_an_existing_output(tmp_path, capsys):
    evidence = _evidence_file(tmp_path)
    found = inspect(evidence)
    mine = tmp_path / "ticket.zip"
    mine.write_text("mine")
    with pytest.raises(FileExistsError):
        build_bundle(mine, [], evidence=found)
    rc, _, err = run_cli(capsys, "bundle", "--evidence", evidence, "--out", mine)
    assert rc == 2 and "exists" in err and mine.read_text() == "mine"


def test_the_bundle_never_replaces_a_file_that_appears_while_it_is_built(tmp_path):
    """A ticket takes a second or two to build (charts); a file written at its path meanwhile (a second export that
    picked the same fresh name in the same second) is never replaced."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    found = inspect(_evidence_file(tmp_path))
    out = tmp_path / "ticket.zip"

    def chart_drawn_while_another_export_lands(_frames):
        out.write_text("the other ticket")
        return Figure()

    try:
        build_bundle(out, [], evidence=found, figures={"meanwhile": chart_drawn_while_another_export_lands})
    except FileExistsError:
        pass
    assert out.read_bytes() == b"the other ticket", "the file made meanwhile was replaced by this ticket"


# ==== 11. the story of a call (the body as first written, Fix it) carries no person =============================

NAME = "Wilhelmina Quackenbush"


@pytest.mark.parametrize("written", [
    {"to": {"phoneNumber": "+1 317 555 0177"}, "customerName": NAME, "type": "external"},
    {"to": {"phoneNumber": "+1 317 555 0177", "name": NAME}, "type": "external"},   # a name beside the number
    {"phoneNumber": "+13175550177", "contactName": NAME, "priority": "high"},
    {"phoneNumber": "+13175550177", "participantName": NAME},      # Fix it once made this name a destination
], ids=["customerName", "to.name", "contactName", "participantName"])
def test_the_body_as_first_written_is_pseudonymised_like_every_body(sim, tmp_path, written):
    """A helper's probe: names the person typed reached exchanges.jsonl and report.html through the body as first
    written (Fix it drops or moves their field, so only that copy held them), and Fix it turned a name under a
    misnamed key into a participant address that would be dialled."""
    from diag.app.widgets.composer import ComposerModel, ComposerView

    view = ComposerView(ComposerModel(json.dumps(written), session=connect(simulator=sim)))
    view.fix_button.click()
    assert NAME not in view.raw.value                              # Fix it never makes a name a destination
    view.send_button.click()
    assert view.model.last_exchange.status == 200 and view.model.last_exchange.written_as == written
    view.add_button.click()
    bundle = view.model.export_ticket(tmp_path / "t.zip")
    texts = files_of(bundle.path)
    assert not [n for n, t in texts.items() if "Quackenbush" in t or "Wilhelmina" in t]
    assert not number_leaks(texts, ["3175550177"])


def test_a_name_where_a_destination_goes_is_a_person_in_the_ticket(sim, tmp_path):
    s = connect(simulator=sim)
    ex = s.call({"phoneNumber": "+13175550177", "participants": [{"address": NAME}]})
    bundle = bundle_from_session(tmp_path / "t.zip", s, exchanges=[ex])
    assert not [n for n, t in files_of(bundle.path).items() if "Quackenbush" in t]   # the replay note too


def test_fix_it_on_an_opened_body_never_rewrites_a_text_that_holds_the_number(sim):
    """A helper's probe: a number's corrected spelling was given to the longest text holding it (a uuiData note),
    so Fix it showed phoneNumber as the note's pseudonym and sent the note's value replaced by the number."""
    from diag.app.workbench import Workbench
    from tests.unit.test_inspect_evidence import entry, har

    app = Workbench(connect(simulator=sim))
    app.evidence.paste.value = har([entry("POST", CALLS, 400,
                                          body={"phoneNumber": "+1 (317) 555-0161", "uuiData": "ref +1 (317) 555-0161"},
                                          answer={"code": "bad.request", "status": 400})])
    app.evidence.read_button.click()
    app.evidence.open_button.click()
    app.composer.fix_button.click()
    shown = json.loads(app.composer.raw.value)
    assert not shown["phoneNumber"].startswith("ref")
    app.composer.send_button.click()
    (placed,) = [c for c in sim.state.calls.values()]
    assert placed.number == "+13175550161"
    sent = app.composer.model.last_exchange
    assert sent.request_body["uuiData"] == "ref +1 (317) 555-0161"   # sent as the customer wrote it


def test_a_number_after_a_percent_escape_is_a_number(tmp_path):
    """A helper's probe: `%3E+13175550161` read the escape's E as a letter glued to the number, which then reached
    every file of the ticket raw."""
    from diag.core.evidence import read_evidence
    from diag.core.inspect import diagnose
    from tests.unit.test_inspect_evidence import entry

    found = diagnose(read_evidence(har([entry("GET", "https://api.mypurecloud.ie/api/v2/users/%3Cscript%3E"
                                              "+13175550161/x%20+1%20317%20555%200162", 404,
                                              answer={"code": "not.found", "status": 404})])))
    texts = ticket(tmp_path, found)
    assert not number_leaks(texts, ["3175550161", "3175550162"])


def test_a_team_as_caller_id_name_is_nobody_and_the_ticket_exports(sim, tmp_path):
    """callerIdName "Support" was learned as a person; the word then stood in diag's own prose, and the last look
    refused every ticket holding such a call. A team is nobody; a person's name is still pseudonymised."""
    s = connect(simulator=sim)
    team = s.call({"phoneNumber": "+13175550177", "callerIdName": "Support"})
    person = s.call({"phoneNumber": "+13175550178", "callerIdName": "Grace Hopper"})
    bundle = bundle_from_session(tmp_path / "t.zip", s, exchanges=[team, person])
    texts = files_of(bundle.path)
    assert not [n for n, t in texts.items() if "Hopper" in t]
    assert '"callerIdName": "Support"' in texts["exchanges.jsonl"]


def test_an_ssn_written_like_a_date_is_pseudonymised_and_dates_are_kept(tmp_path):
    """078-05-1120 read as a date (its '8-05-1120') and was kept; a date is still a date."""
    with Simulator(seed=4) as sim:
        s = connect(simulator=sim)
        s.call({"phoneNumber": "+13175550100", "attributes": {"ssn": "078-05-1120", "dob": "1970-01-31",
                                                              "seen": "12/06/2026", "note": "SSN 123-45-6789"}})
        b = build_bundle(tmp_path / "t.zip", list(s.log))
    with zipfile.ZipFile(b.path) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png"))
    for ssn in ("078-05-1120", "078051120", "123-45-6789", "123456789"):
        assert ssn not in text
    assert "1970-01-31" in text and "12/06/2026" in text
