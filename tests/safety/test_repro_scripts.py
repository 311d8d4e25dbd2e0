"""The bundle's repro scripts run outside diag: they must refuse emergency and short numbers themselves."""
import os
import subprocess
import sys
import zipfile

import pytest

from diag.client.connect import connect
from diag.core.exchange import Exchange
from diag.reports.bundle import build_bundle
from diag.sim import IN_PROCESS_BASE, Simulator

CALLS = "/api/v2/conversations/calls"
WITHOUT_DIAG = ("import runpy, sys; sys.modules['diag.core.numbers'] = None; "
                "runpy.run_path(sys.argv[1], run_name='__main__')")


def forged(body) -> Exchange:
    return Exchange(seq=0, started="2026-11-28T00:00:00.000+00:00", method="POST", url=IN_PROCESS_BASE + CALLS,
                    path=CALLS, template=CALLS, request_headers={}, request_body=body, status=200)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    s = connect(simulator=Simulator(seed=21), environ={}, dotenv=None)
    s.call({"phoneNumber": "+13175550100"})
    exchanges = list(s.log) + [forged({"phoneNumber": "911"}), forged({"participants": [{"address": 112}]}),
                               forged({"to": "sip:+44999@edge"})]
    build_bundle(folder / "t.zip", exchanges)
    zipfile.ZipFile(folder / "t.zip").extractall(folder)
    return folder


def run(scripts, runner, number, sim):
    env = {**os.environ, "GENESYS_CLOUD_API": sim.base_url, "GENESYS_CLOUD_ACCESS_TOKEN": sim.user_token(),
           "NUMBER_1": number}
    cmd = {"sh": ["bash", str(scripts / "repro.sh")],
           "py": [sys.executable, str(scripts / "repro.py")],
           "py without diag": [sys.executable, "-c", WITHOUT_DIAG, str(scripts / "repro.py")]}[runner]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, cwd=scripts)


def test_recorded_emergency_requests_are_left_out(scripts):
    for name in ("repro.sh", "repro.py"):
        text = (scripts / name).read_text()
        assert text.count("left out, diag refuses to replay it") == 3
        assert '"911"' not in text and "112}" not in text


@pytest.mark.parametrize("runner", ["sh", "py", "py without diag"])
@pytest.mark.parametrize("number", ["911", "+1911", "+1 911 555 0100", "+44 999", "+61000", "+33 112", "112",
                                   "3175550100", "+49 110"])
def test_dangerous_numbers_are_refused_before_anything_is_sent(scripts, runner, number):
    with Simulator(seed=22) as sim:
        r = run(scripts, runner, number, sim)
        assert r.returncode == 3, (r.stdout, r.stderr)
        assert "refused" in r.stderr and "STATUS" not in r.stdout
        assert sim.calls_placed == 0 and sim.requests_received("POST", CALLS) == 0


@pytest.mark.parametrize("runner", ["sh", "py", "py without diag"])
def test_a_real_number_is_replayed(scripts, runner):
    with Simulator(seed=23) as sim:
        r = run(scripts, runner, "+1 317 555 0100", sim)
        assert r.returncode == 0 and "STATUS 1 200" in r.stdout, r.stderr
        assert sim.calls_placed == 1
