"""The canary generator: secrets, numbers and people in every shape diag knows, placed in bodies, URLs, headers,
answers and free text, through every output (the exchange log in memory and saved, the bundle's every file, CLI
text and --json, reprs, exceptions). Zero hits is the pass. 500 examples over five placements."""
import io
import json
import re
import secrets as _secrets
import zipfile
from contextlib import redirect_stderr, redirect_stdout

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.app import cli
from diag.client.connect import connect
from diag.core.errors import DiagError
from diag.reports.bundle import build_bundle
from diag.sim import Simulator

EXAMPLES = 100
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Valid, non-emergency numbers of a few countries (libphonenumber's own examples, last digits varied).
_EXAMPLES = [phonenumbers.example_number_for_type(r, phonenumbers.PhoneNumberType.MOBILE)
             for r in ("US", "GB", "DE", "FR", "AU", "IN", "BR", "JP")]


@st.composite
def numbers(draw):
    """(national significant digits, as written)."""
    base = draw(st.sampled_from(_EXAMPLES))
    nsn = phonenumbers.national_significant_number(base)
    nsn = nsn[:-2] + f"{draw(st.integers(10, 99))}"
    cc = str(base.country_code)
    sep = draw(st.sampled_from([" ", "\u00a0", "\u2009", "\t", "-", ".", "\u00b7", "\u00ad", "\n", "", "/",
                                "\u200b", "\u2011"]))
    groups = [nsn[i:i + 3] for i in range(0, len(nsn), 3)]
    body = sep.join(groups)
    form = draw(st.sampled_from(["e164", "plus-sep", "00", "national", "sip", "sip-national", "tel", "text",
                                 "integer", "fullwidth"]))
    written = {"e164": f"+{cc}{nsn}", "plus-sep": f"+{cc}{sep}{body}", "00": f"00{cc}{sep}{body}",
               "national": body, "sip": f"sip:+{cc}{nsn}@edge.example", "sip-national": f"sip:{nsn}@edge",
               "tel": f"tel:+{cc}-{body}", "text": f"please call me on +{cc} {body} after 5",
               "integer": int(cc + nsn),
               "fullwidth": "+" + "".join(chr(0xFF10 + int(d)) for d in cc + nsn)}[form]
    return nsn, written


def secret_values(draw) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "CNRY" + "".join(draw(st.lists(st.sampled_from(alphabet), min_size=16, max_size=40)))


@st.composite
def secrets_placed(draw):
    """(secret, how the request carries it): by name in a query, form, JSON key or header; by shape."""
    value = secret_values(draw)
    name = draw(st.sampled_from(["access_token", "refresh_token", "id_token", "code", "code_verifier",
                                 "password", "assertion", "Password", "REFRESH_TOKEN", "x-auth-token",
                                 "sessionId", "api_key", "pwd"]))
    where = draw(st.sampled_from(["query", "form", "json", "json-nested", "header", "bearer-text", "jwt-text",
                                  "unparsed-json"]))
    if where == "jwt-text":
        value = "eyJ" + value + ".eyJ" + value[::-1] + "." + value
    return value, name, where


@st.composite
def people(draw):
    first = draw(st.sampled_from(["Zelda", "Orla", "Bjorn", "Amaia", "Kwame", "Ines"]))
    last = "Cnry" + "".join(draw(st.lists(st.sampled_from("abcdefghijklmnop"), min_size=4, max_size=8)))
    return f"{first} {last}", f"{first.lower()}.{last.lower()}@example.com"


class FreshSimulators:
    """A new in-process simulator per example (3 ms): one that had taken hundreds of calls slows down."""

    current = None

    def fresh(self):
        self.current = Simulator(seed=77, overrides={"call_timeline_seconds": 0.1})
        return self.current


def connect_fresh(sims):
    return connect(simulator=sims.fresh())


@pytest.fixture(scope="module")
def sim():
    return FreshSimulators()


def outputs_of(session, tmp_path) -> dict[str, str]:
    """Every output a person could pass on: the log (memory, saved), reprs, and the bundle's every file."""
    out = {"log": json.dumps([e.to_dict() for e in session.log], ensure_ascii=False),
           "reprs": repr(session) + repr(session.log) + repr(session.tokens) + repr(session.redactor)}
    path = tmp_path / f"{_secrets.token_hex(4)}.jsonl"
    out["saved"] = session.log.save(path).read_text()
    b = build_bundle(tmp_path / f"{_secrets.token_hex(4)}.zip", list(session.log), secrets=session.tokens.secrets())
    with zipfile.ZipFile(b.path) as z:
        for n in z.namelist():
            if not n.endswith(".png"):
                out["bundle/" + n] = z.read(n).decode("utf-8", "replace")
    return out


NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")   # any other script's decimal digit


def flat(text: str) -> str:
    return re.sub(r"\\[tnrvf]|\\u[0-9a-fA-F]{4}|[^0-9A-Za-z]", "",
                  NON_ASCII_DIGIT.sub(lambda m: str(int(m.group())), text))


def assert_no_secret(texts: dict[str, str], secret: str):
    for name, text in texts.items():
        assert secret not in text and secret not in "".join(text.split()), name


def assert_no_number(texts: dict[str, str], nsn: str):
    for name, text in texts.items():
        if name.startswith("bundle/") and not name.startswith("bundle/charts/"):
            assert nsn not in flat(text), name


def send_with_secret(s, value, name, where):
    if where == "query":
        return s.send("GET", f"/api/v2/users/me?{name}={value}")
    if where == "form":
        return s.send("POST", "/api/v2/usage/query", f"grant_type=x&{name}={value}")
    if where == "json":
        return s.send("POST", "/api/v2/usage/query", {"interval": "2026-01-01/2026-01-02", name: value})
    if where == "json-nested":
        return s.send("POST", "/api/v2/usage/query", {"meta": {name: {"value": value}}})
    if where == "header":
        header = name if "-" in name else f"X-{name}"
        return s.send("GET", "/api/v2/users/me", headers={header: value})
    if where == "unparsed-json":
        return s.send("POST", "/api/v2/usage/query", f'{{"{name}": "{value}", ')
    return s.send("POST", "/api/v2/usage/query", {"note": f"Authorization: Bearer {value}" if where == "bearer-text"
                                                   else f"token {value} end"})


@settings(SETTINGS, max_examples=160)
@given(placed=secrets_placed())
def test_secrets_by_name_and_shape_never_leave(sim, tmp_path, placed):
    value, name, where = placed
    s = connect_fresh(sim)
    send_with_secret(s, value, name, where)
    assert_no_secret(outputs_of(s, tmp_path), value)


@SETTINGS
@given(number=numbers(), key=st.sampled_from(["phoneNumber", "callerId", "attributes", "uuiData", "to",
                                              "callerIdName"]))
def test_numbers_in_call_bodies_never_reach_a_bundle(sim, tmp_path, number, key):
    nsn, written = number
    s = connect_fresh(sim)
    body = {"phoneNumber": "+13175550100"}
    body.update({"attributes": {"callback": written}} if key == "attributes" else
                {"uuiData": f"cb={written}"} if key == "uuiData" else {key: written})
    try:
        s.call(body)
    except DiagError as exc:   # refused as it stands: the refusal itself must not carry secrets
        assert_no_secret({"exc": str(exc) + repr(exc)}, s.tokens.token())
    assert_no_number(outputs_of(s, tmp_path), nsn)


@SETTINGS
@given(number=numbers(), person=people())
def test_numbers_and_people_in_answers_and_free_text_never_reach_a_bundle(sim, tmp_path, number, person):
    nsn, written = number
    name, email = person
    s = connect_fresh(sim)
    user = sim.current.org.users[sim.current.user_id("avery")]
    old = (user.name, user.email)
    user.name, user.email = name, email
    try:
        s.send("GET", "/api/v2/users/me")
        s.call({"phoneNumber": "+13175550100", "callerIdName": name,
                "attributes": {"note": f"{name} <{email}> asked for a call on {written}"}})
    finally:
        user.name, user.email = old
    texts = outputs_of(s, tmp_path)
    assert_no_number(texts, nsn)
    for label, text in texts.items():
        if label.startswith("bundle/"):
            low = " ".join(text.split()).lower()
            assert name.lower() not in low and email.lower() not in low, label


@SETTINGS
@given(placed=secrets_placed())
def test_the_sessions_own_token_in_any_spelling_never_leaves(sim, tmp_path, placed):
    _value, name, _where = placed
    s = connect_fresh(sim)
    token = s.tokens.token()
    cut = len(token) // 2
    spellings = [token, token[:cut] + "\n" + token[cut:], token.upper(), f"Bearer {token}",
                 token[:cut] + " " + token[cut:]]
    s.send("POST", "/api/v2/usage/query", {"note": spellings[len(name) % len(spellings)]})
    s.send("GET", f"/api/v2/users/me?{name}=x&echo={token}")
    assert_no_secret(outputs_of(s, tmp_path), token)


@settings(SETTINGS, max_examples=40)   # three processes' worth of work each; the cheap placements run more
@given(number=numbers(), placed=secrets_placed())
def test_the_command_line_prints_no_secret_and_no_number(sim, tmp_path, number, placed):
    nsn, written = number
    value = placed[0]
    body = tmp_path / "b.json"
    body.write_text(json.dumps({"phoneNumber": "+13175550100", "attributes": {"n": written, "k": value},
                                "password": value}, ensure_ascii=False))
    log = tmp_path / f"{_secrets.token_hex(4)}.jsonl"
    validated = io.StringIO()
    with redirect_stdout(validated), redirect_stderr(validated):   # the person's own body, checked locally
        assert cli.main(["validate", "--json", str(body)]) in (0, 1)
    printed = io.StringIO()
    with redirect_stdout(printed), redirect_stderr(printed):
        cli.main(["call", "--json", "--log", str(log), str(body)])
        cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / f"{_secrets.token_hex(4)}.zip")])
    text = printed.getvalue()
    assert value not in text                                  # the call's record and the bundle's summary
    assert nsn not in flat(text.split("wrote", 1)[-1])         # the bundle's summary: pseudonyms only
