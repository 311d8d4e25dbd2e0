"""The third red-team pass (framing headers, padding, letters after a number, encoded secrets, replay-script
defaults) and the false positives it measured: each is a test here."""
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from diag.client.connect import connect
from diag.core.errors import BlockedNumber, ConfirmationRequired, NumberNotAllowed, UnsafeRequest
from diag.core.regions import Region
from diag.reports.bundle import build_bundle
from diag.sim import Simulator

from .conftest import sessions, yes

CALLS = "/api/v2/conversations/calls"


@pytest.fixture
def sim():
    return Simulator(seed=41)


# ---- breaks ----

@pytest.mark.parametrize("headers", [{"Content-Length": "10"}, {"content-length": "0"}, {"Transfer-Encoding": "chunked"},
                                     {"Host": "api.usw2.pure.cloud"}, {"Connection": "close, upgrade"},
                                     {"X-Note": "a\r\nContent-Length: 3"}, {"Authorization": "Bearer other"},
                                     {"authorization": "Bearer other"}, {"Cookie": "s=1"}])
def test_framing_identity_and_injected_headers_are_refused(sim, headers):
    for s in sessions(sim):
        with pytest.raises(UnsafeRequest):
            s.send("POST", CALLS, {"phoneNumber": "+13175550100"}, headers=headers, confirm=yes)
    assert sim.requests_received("POST", CALLS) == 0


def test_the_smuggled_second_request_never_leaves(sim):
    _, real = sessions(sim)
    inner = b'{"phoneNumber":"911"}'
    smuggled = (b"POST /api/v2/conversations/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(inner)) + inner
    pre = '{"phoneNumber":"+13175550100","callerIdName":"'.encode("utf-16-le")
    body = pre + smuggled + b" " * (len(smuggled) % 2) + '"}'.encode("utf-16-le")
    with pytest.raises((UnsafeRequest, BlockedNumber)):
        real.send("POST", CALLS, body, headers={"Content-Length": str(len(pre))}, confirm=yes)
    assert sim.calls_placed == 0


@pytest.mark.parametrize("value", [" " * 2001 + "911", "\u200b" * 2001 + "911", "tel:" + " " * 2001 + "112",
                                   "+13175550100" + " " * 2000 + ",911", "+13175550100" + "\u200b" * 2000 + ",,112"])
def test_padding_hides_nothing(sim, value):
    for s in sessions(sim):
        for body in ({"phoneNumber": value}, {"participants": [{"address": value}]}):
            with pytest.raises(BlockedNumber):
                s.call(body, confirm=yes)
    assert sim.calls_placed == 0


@pytest.mark.parametrize("value", ["+13175550100" + " " * 400 + ",4242", "+13175550100" + " " * 400 + "4"])
def test_padding_does_not_fool_the_allow_list_or_a_typed_number(sim, value):
    for s in sessions(sim, allowed_numbers=["+13175550100"]):
        with pytest.raises((NumberNotAllowed, BlockedNumber)):
            s.call({"phoneNumber": value}, confirm=yes)
    _, real = sessions(sim)
    with pytest.raises((ConfirmationRequired, BlockedNumber)):
        real.call({"phoneNumber": value}, confirm="+13175550100")
    assert sim.calls_placed == 0


@pytest.mark.parametrize("value", ["911a", "911A", "112q", "000a", "+1 911a", "9911y", "911abc", "sip:911a@h",
                                   "tel:911a", "911\u200ba", "+13175550100#911", "*911"])
def test_letters_or_marks_after_an_emergency_number(sim, value):
    for s in sessions(sim):
        with pytest.raises(BlockedNumber):
            s.call({"phoneNumber": value}, confirm=yes)
    assert sim.calls_placed == 0


def test_encoded_client_secrets_never_reach_the_api_host():
    import base64
    from urllib.parse import quote

    with Simulator(seed=42, region="us_east_1") as home:
        c = home.client()
        table = {"us_east_1": Region("us_east_1", home.base_url, home.base_url.replace("127.0.0.1", "localhost"))}
        s = connect("us_east_1", client_id=c.id, client_secret=c.secret, regions=table, environ={}, dotenv=None)
        every_char = "".join(f"%{ord(ch):02X}" for ch in c.secret)
        attempts = [("GET", f"/api/v2/users/me?note={quote(c.secret, safe='')}", None, {}),
                    ("GET", f"/api/v2/users/me?note={every_char}", None, {}),
                    ("POST", "/api/v2/usage/query", json.dumps({"note": c.secret}).encode("utf-16"), {}),
                    ("GET", "/api/v2/users/me", None,
                     {"X-Auth": base64.b64encode(f"{c.id}:{c.secret}".encode()).decode()})]
        for method, path, body, headers in attempts:
            with pytest.raises(UnsafeRequest):
                s.send(method, path, body, headers=headers, confirm=yes)
        assert home.requests_received("GET", "/api/v2/users/me") == 0


@pytest.mark.parametrize("cap", [float("nan"), "nan", None, "lots", 10**9, -1])
def test_the_retry_cap_cannot_be_raised_by_any_value(sim, cap):
    s = connect(simulator=sim, environ={}, dotenv=None, retry_after_cap=cap, max_429_resends=cap)
    assert 0 <= s.retry_after_cap <= 180 and 0 <= s.max_429_resends <= 3


def test_kept_numbers_cannot_inject_code_into_the_replay_scripts(tmp_path):
    import random
    import string
    import tempfile

    # markers in a folder named with letters only: digits in the path would make the gate refuse the body itself
    # (a pytest folder such as pytest-90 holds 90, an emergency number in Belize)
    marks = Path(tempfile.gettempdir()) / ("diag-pwned-" + "".join(random.choices(string.ascii_lowercase, k=12)))
    marks.mkdir()
    marker_sh, marker_py = marks / "PWNED_sh", marks / "PWNED_py"
    s = connect(simulator=Simulator(seed=43), environ={}, dotenv=None)
    s.call({"phoneNumber": f"12345 $(touch {marker_sh})"})
    s.call({"phoneNumber": f"12345\n}}\nopen({str(marker_py)!r},'w').write('x')\nNUMBERS_={{#"})
    build_bundle(tmp_path / "t.zip", list(s.log), keep_numbers=True)
    zipfile.ZipFile(tmp_path / "t.zip").extractall(tmp_path / "t")
    with Simulator(seed=44) as running:
        env = {**os.environ, "GENESYS_CLOUD_API": running.base_url, "GENESYS_CLOUD_ACCESS_TOKEN": running.user_token()}
        subprocess.run(["bash", str(tmp_path / "t" / "repro.sh")], cwd=tmp_path, env=env, capture_output=True, timeout=60)
        subprocess.run([sys.executable, str(tmp_path / "t" / "repro.py")], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert not marker_sh.exists() and not marker_py.exists()
    marks.rmdir()


def test_repro_py_without_diag_refuses_other_scripts_digits(tmp_path):
    s = connect(simulator=Simulator(seed=45), environ={}, dotenv=None)
    s.call({"phoneNumber": "+13175550100"})
    build_bundle(tmp_path / "t.zip", list(s.log))
    zipfile.ZipFile(tmp_path / "t.zip").extractall(tmp_path / "t")
    with Simulator(seed=46) as running:
        env = {**os.environ, "GENESYS_CLOUD_API": running.base_url, "GENESYS_CLOUD_ACCESS_TOKEN": running.user_token(),
               "NUMBER_1": "+1 \u0669\u0661\u0661 555 0100"}
        without = ("import runpy, sys; sys.modules['diag.core.numbers'] = None; "
                   "runpy.run_path(sys.argv[1], run_name='__main__')")
        r = subprocess.run([sys.executable, "-c", without, str(tmp_path / "t" / "repro.py")], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 3 and running.calls_placed == 0


def test_the_prompt_names_every_number_in_the_body(sim):
    _, real = sessions(sim)
    body = {"participants": [{"address": "+13175550100"}, {"address": "mobile +44 20 7946 0958"}]}
    intent = real.confirm_for("POST", CALLS, body)
    assert "+442079460958" in intent.prompt() and "+13175550100" in intent.prompt()
    with pytest.raises(ConfirmationRequired):
        real.call(body, confirm="+13175550100")


def test_call_forwarding_targets_are_dialled_positions(sim):
    _, real = sessions(sim, allowed_numbers=["+13175550100"])
    path = "/api/v2/users/u1/callforwarding"
    for value in ("9911", "1-911", "+19115550100"):
        with pytest.raises(BlockedNumber):
            real.send("PUT", path, {"calls": [{"targets": [{"type": "PHONENUMBER", "value": value}]}]}, confirm=yes)
    with pytest.raises(NumberNotAllowed):
        real.send("PUT", path, {"calls": [{"targets": [{"type": "PHONENUMBER", "value": "+442079460958"}]}]},
                  confirm=yes)


# ---- false positives: what must go through ----

TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE, PhoneNumberType.VOIP,
         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN, PhoneNumberType.PAGER]


def test_every_regions_example_numbers_are_sent(sim):
    """libphonenumber's example numbers of every region and type (over 800 distinct): none may be refused."""
    plain, real = sessions(sim)
    numbers = sorted({phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
                      for r in phonenumbers.SUPPORTED_REGIONS for t in TYPES
                      if (n := phonenumbers.example_number_for_type(r, t))})
    refused = []
    for number in numbers:
        for s in (plain, real):
            try:
                s.confirm_for("POST", CALLS, {"phoneNumber": number})
            except BlockedNumber as exc:
                refused.append((number, exc.code))
    assert len(numbers) > 800 and refused == []


def test_ids_words_and_sip_names_are_sent(sim):
    plain, real = sessions(sim)
    refused = []
    for _ in range(2000):
        u = str(uuid.uuid4())
        for path, body in [(CALLS + "/c1/participants/p1/replace", {"userId": u}),
                           (CALLS + "/c1/participants/p1/consult", {"destination": {"queueId": u}, "speakTo": "BOTH"}),
                           (CALLS + "/c1/participants/p1", {"wrapup": {"code": u, "notes": "ok"},
                                                            "recordingState": "paused"}),
                           (CALLS, {"callQueueId": u, "priority": 100, "routingSkillsIds": [u],
                                    "attributes": {"ticketId": "INC-112"}, "callerIdName": "Suite 110"}),
                           (CALLS, {"participants": [{"address": "+13175550100"}, {"userId": u}]})]:
            for s in (plain, real):
                try:
                    s.confirm_for("POST", path, body)
                except BlockedNumber as exc:
                    refused.append((path, body, exc.code))
    for address in ("sip:alice@example.com", "sip:sales@pbx.example.com", "sip:bob@10.0.0.12",
                    "ForceDisconnect@localhost"):
        real.confirm_for("POST", CALLS, {"phoneNumber": address})
    assert refused == []


def test_bulk_writes_take_arrays_on_a_real_org(sim):
    _, real = sessions(sim)
    assert real.confirm_for("POST", "/api/v2/routing/queues/q1/members", [{"id": str(uuid.uuid4())}]) is not None


def test_the_prompt_names_numbers_not_words(sim):
    """Seen on the screenshot of the composer: a word under an unknown key was listed as a destination."""
    _, real = sessions(sim)
    prompt = real.confirm_for("POST", CALLS, {"phoneNumber": "+13175550100", "callType": "outbound"}).prompt()
    assert "to +13175550100?" in prompt and "outbound" not in prompt
