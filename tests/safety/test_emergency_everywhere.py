"""Property: an emergency number of any region, in any spelling, through any entry path, never leaves for a
position where it could be dialled: a dialled field (on any org: the simulator never even receives the request),
an unknown key of a write that dials (on a real org: diag cannot know whether Genesys reads it). Data cannot ring
(attributes, caller id, label, UUI data): such a body is sent, on both policies, and the call goes to its real
destination only. No call is ever placed to anything but the body's own test number."""
import json
import re
import unicodedata
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.app import cli
from diag.app.widgets.composer import ComposerModel
from diag.client.pacing import run_batch
from diag.client.connect import connect
from diag.core.errors import SafetyError
from diag.core.exchange import Exchange
from diag.core.numbers import _emergency_patterns
from diag.core.regions import Region
from diag.sim import IN_PROCESS_BASE, Simulator

CALLS = "/api/v2/conversations/calls"
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@lru_cache(maxsize=1)
def emergency_numbers() -> list[tuple[str, int, str]]:
    """(region, country code, number) for every emergency number of up to 4 digits in libphonenumber's metadata,
    plus each region's example (some are 5 or 6 digits)."""
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    table = _emergency_patterns()
    out = set()
    # every string of 2 to 4 digits, one per line: one scan per region finds its numbers among them
    candidates = "\n".join(str(i).zfill(n) for n in (2, 3, 4) for i in range(10 ** n))
    for region, pattern in table.items():
        cc = phonenumbers.country_code_for_region(region)
        whole_line = re.compile(rf"^(?:{pattern.pattern})$", re.MULTILINE)
        out.update((region, cc, m.group(0)) for m in whole_line.finditer(candidates) if pattern.fullmatch(m.group(0)))
        example = PhoneMetadata.short_metadata_for_region(region).emergency.example_number
        if example:
            out.add((region, cc, example))
    return sorted(out)


SEPARATORS = [" ", "\u00a0", "\u2009", "\u202f", "\t", "-", ".", "\u2011", "\u200b", "\ufeff", "\u00ad", "/"]
DIGIT_SETS = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE]   # ASCII, full-width, Arabic, ..., maths


def _digits(number: str, base: int) -> str:
    return "".join(chr(base + int(d)) for d in number)


SPELLINGS = {
    "plain": lambda n, cc, sep, base: n,
    "separated": lambda n, cc, sep, base: sep.join(n),
    "unicode digits": lambda n, cc, sep, base: _digits(n, base),
    "tel": lambda n, cc, sep, base: f"tel:{n}",
    "sip": lambda n, cc, sep, base: f"sip:{sep.join(n)}@edge.example",
    "sip +cc": lambda n, cc, sep, base: f"sip:+{cc}{n}@edge",
    "sips escaped": lambda n, cc, sep, base: "sips:" + "".join(f"%3{d}" for d in n) + "@edge",
    "+cc": lambda n, cc, sep, base: f"+{cc}{sep}{n}",
    "00cc": lambda n, cc, sep, base: f"00{cc}{n}",
    "full-width +cc": lambda n, cc, sep, base: "\uff0b" + _digits(f"{cc}{n}", 0xFF10),
    "at localhost": lambda n, cc, sep, base: f"{n}@localhost",
    "plus only": lambda n, cc, sep, base: f"+{n}",
    "pause": lambda n, cc, sep, base: f"{n},,1234",
    "extension": lambda n, cc, sep, base: f"{n} x 12",
    "brackets": lambda n, cc, sep, base: f"({n})",
    "integer": lambda n, cc, sep, base: int(n) if not n.startswith("0") else n,
}

DIALLED = {"phoneNumber", "participant"}         # never leave, on any org
UNKNOWN = {"unknown key", "nested unknown"}       # never leave for a real org; the simulator ignores them
DATA = {"attributes", "callerId", "label", "uuiData"}   # cannot ring: sent on both policies
POSITIONS = {
    "phoneNumber": lambda v: {"phoneNumber": v},
    "participant": lambda v: {"participants": [{"userId": "u-1"}, {"address": v}]},
    "unknown key": lambda v: {"to": v},
    "nested unknown": lambda v: {"to": {"phoneNumber": v}, "phoneNumber": "+13175550100"},
    "attributes": lambda v: {"phoneNumber": "+13175550100", "attributes": {"note": v}},
    "callerId": lambda v: {"phoneNumber": "+13175550100", "callerId": v},
    "label": lambda v: {"phoneNumber": "+13175550100", "label": v},
    "uuiData": lambda v: {"phoneNumber": "+13175550100", "uuiData": v},
}

ENTRIES = ["call", "call text", "send", "send bytes", "batch", "composer", "loaded log resend"]

dangerous = st.tuples(st.sampled_from(emergency_numbers()), st.sampled_from(sorted(SPELLINGS)),
                      st.sampled_from(SEPARATORS), st.sampled_from(DIGIT_SETS), st.sampled_from(sorted(POSITIONS)),
                      st.sampled_from(ENTRIES))


def _render(example):
    (region, cc, number), spelling, sep, base, position, entry = example
    value = SPELLINGS[spelling](number, cc, sep, base)
    return POSITIONS[position](value), entry


def _enter(session, body, entry):
    if entry == "call":
        return session.call(body, confirm=lambda p: True)
    if entry == "call text":
        return session.call("\ufeff" + json.dumps(body, ensure_ascii=False), confirm=lambda p: True)
    if entry == "send":
        return session.send("POST", CALLS, body, confirm=lambda p: True)
    if entry == "send bytes":
        return session.send("POST", CALLS, json.dumps(body).encode("utf-16"), confirm=lambda p: True)
    if entry == "batch":
        return run_batch(session, [{"phoneNumber": "+13175550100"}, body], confirm=lambda p: True, progress=False,
                         limit=10_000)
    if entry == "composer":
        model = ComposerModel(json.dumps(body, ensure_ascii=False), session=session)
        model.send()
        if model.pending is not None:
            model.confirm_pending()
        if model.last_error is None and model.last_exchange is None:
            raise SafetyError("composer sent nothing")
        return model.last_exchange
    forged = Exchange(seq=1, started="2026-11-28T00:00:00.000+00:00", method="POST", url=IN_PROCESS_BASE + CALLS,
                      path=CALLS, template=CALLS, request_headers={}, request_body=body)
    return session.resend(forged, confirm=lambda p: True)


@pytest.fixture(scope="module")
def sim():   # bodies with data positions place calls: no rate limit gets in the way of hundreds of examples
    return Simulator(seed=11, overrides={"rate_limit": {"requests": 10 ** 9, "window_seconds": 60}})


def _sessions(sim):
    table = {"us_east_1": Region("us_east_1", IN_PROCESS_BASE, IN_PROCESS_BASE)}
    real = connect("us_east_1", token=sim.user_token(), regions=table, environ={}, dotenv=None,
                   transport=sim.transport(), sleep=lambda s: None)
    return connect(simulator=sim, environ={}, dotenv=None, sleep=lambda s: None), real


@SETTINGS
@given(dangerous)
def test_emergency_numbers_never_leave_by_any_path(sim, example):
    body, entry = _render(example)
    position = example[4]
    for session in _sessions(sim):
        before, placed = sim.requests_received("POST", CALLS), set(sim.state.calls)
        try:
            _enter(session, body, entry)
            sent = True
        except SafetyError:
            sent = False
        new_calls = [sim.state.calls[c] for c in set(sim.state.calls) - placed]
        assert all(c.number == "+13175550100" for c in new_calls), (body, entry, [c.number for c in new_calls])
        received = sim.requests_received("POST", CALLS) - before
        if position in DIALLED or (position in UNKNOWN and not session.simulated):
            assert not sent and not new_calls, (body, entry, session.label)
            if entry != "batch":
                assert received == 0, (body, entry, session.label)
        elif position in DATA:
            assert sent and received >= 1, (body, entry, session.label)


def test_the_generator_covers_every_region():
    regions = {r for r, _, _ in emergency_numbers()}
    assert len(regions) >= 235 and {"US", "GB", "DE", "IN", "AU", "BR", "JP"} <= regions
    assert {"911", "112", "999", "000", "110", "119"} <= {n for _, _, n in emergency_numbers()}


@pytest.mark.parametrize("number", ["911", "112", "999", "000", "110", "100", "15"])
def test_the_command_line_against_diag_sim(number, tmp_path, capsys):
    import requests

    with Simulator(seed=12) as running:
        for body in ({"phoneNumber": number}, {"participants": [{"address": f"sip:{number}@edge"}]}):
            f = tmp_path / "body.json"
            f.write_text(json.dumps(body))
            code = cli.main(["call", str(f), "--sim", running.base_url, "--yes", "--json"])
            out = json.loads(capsys.readouterr().out)
            assert code == 3 and out["sent"] is False, (body, out)
        # an unknown key is ignored by the simulator's model, as a body without a destination: nothing is dialled
        f.write_text(json.dumps({"to": {"number": f"+1 {number}"}}))
        code = cli.main(["call", str(f), "--sim", running.base_url, "--yes", "--json"])
        out = json.loads(capsys.readouterr().out)
        assert out["status"] == 400 and out.get("sent", True), out
        assert requests.get(running.base_url + "/__sim/state", timeout=5).json()["callsPlaced"] == 0


def test_every_spelling_reads_as_the_number():
    """The spellings themselves are sound: each renders to something whose digits are the number's."""
    for spelling, make in SPELLINGS.items():
        value = str(make("911", 1, "\u00a0", 0xFF10))
        digits = "".join(str(unicodedata.decimal(c)) for c in value if unicodedata.category(c) == "Nd")
        assert "911" in digits or (spelling == "sips escaped" and "%39%31%31" in value), spelling


@SETTINGS
@given(st.sampled_from(emergency_numbers()), st.sampled_from(sorted(SPELLINGS)), st.sampled_from(SEPARATORS),
       st.sampled_from(DIGIT_SETS), st.sampled_from(["phoneNumber", "participant"]))
def test_the_doctor_says_so_before_the_gate_refuses(number, spelling, sep, base, position):
    """What the composer shows as you type agrees with what the gate does on Send."""
    from diag.core.doctor import check

    region, cc, n = number
    body = POSITIONS[position](SPELLINGS[spelling](n, cc, sep, base))
    report = check(body)
    assert report.blocked and "emergency-number" in report.codes(), (body, report.codes())
