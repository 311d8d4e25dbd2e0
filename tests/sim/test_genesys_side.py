"""Genesys' side of a conversation (diag.client.genesys_side, `diag conversation`): on the simulator, a call that
ends busy, unanswered or invalid has the matching disconnect type, SIP response code and events; a part the caller
may not read is named with the permissions its operation documents; no number is printed."""
import json

import pytest

from diag.app import cli
from diag.client.connect import connect
from diag.client.genesys_side import genesys_side
from diag.sim import Simulator

OUTCOMES = [("+13175550104", "peer", 200, None), ("+13175550101", "peer", 486, "diag.sim.busy"),
            ("+13175550102", "timeout", 480, "diag.sim.no-answer"),
            ("+13175550103", "error", 404, "diag.sim.invalid-number")]


@pytest.fixture(scope="module")
def quick_sim():
    with Simulator(seed=6, overrides={"call_timeline_seconds": 0.2}) as sim:
        yield sim


def ended_call(sim, number):
    s = connect(simulator=sim, environ={}, dotenv=None)
    ex = s.call({"phoneNumber": number})
    trace = s.follow_call(ex.response_body["id"], timeout=5, interval=0.05)
    assert trace.ended
    return s, ex.response_body["id"]


@pytest.mark.parametrize("number,disconnect,sip,error", OUTCOMES, ids=[o[2] for o in OUTCOMES])
def test_each_outcome_has_its_disconnect_type_sip_code_and_events(quick_sim, number, disconnect, sip, error):
    s, cid = ended_call(quick_sim, number)
    side = genesys_side(s, cid)
    assert all(p.ok for p in side.parts), [(p.name, p.refusal) for p in side.parts if not p.ok]
    far = next(p for p in side.part("analytics details").answer["participants"] if p["purpose"] == "external")
    last = far["sessions"][0]["segments"][-1]
    assert (last["disconnectType"], last["sipResponseCodes"], last.get("errorCode")) == (disconnect, [sip], error)
    assert f"SIP/2.0 {sip} " in side.part("SIP messages").answer["message"]
    events = side.part("operational events").answer["entities"]
    mine = [e for e in events if e["conversation"]["id"] == cid]
    assert [e["errorCode"] for e in mine] == ([error] if error else [])
    sources = [src for _, src, _ in side.timeline]
    assert "diag" in sources and "analytics" in sources
    assert [t for t, _, _ in side.timeline] == sorted(t for t, _, _ in side.timeline)
    assert any(f"SIP {sip}" in what for _, _, what in side.timeline)
    text = side.text()
    assert "modelled answers: they mean nothing at Genesys" in text
    assert number not in text and number[1:] not in text and number[2:] not in json.dumps(side.to_dict())


def test_a_part_the_caller_may_not_read_names_its_permissions(quick_sim):
    _, cid = ended_call(quick_sim, "+13175550104")
    clients = [{"id": "c1000000-0000-4000-8000-0000000000d7", "secret": "s3cret-side", "name": "Reader",
                "grant": "client_credentials", "permissions": ["analytics:conversationDetail:view"]}]
    with Simulator(seed=6, overrides={"clients": clients}) as other:
        token = other.state.mint("client", clients[0]["id"], None).value
        s = connect(simulator=other, token=token, environ={}, dotenv=None)
        side = genesys_side(s, cid)
    details = side.part("analytics details")
    assert not details.ok and details.refusal.startswith("HTTP 404")   # another simulator: not its conversation
    sip = side.part("SIP messages")
    assert not sip.ok and "telephony:pcap:view" in sip.refusal and "documented permissions" in sip.refusal
    assert "usage:events:view" in side.part("operational events").refusal
    assert "audits:audit:view" in side.part("audits").refusal


def test_the_command_line_prints_the_timeline_without_the_number(quick_sim, capsys):
    _, cid = ended_call(quick_sim, "+13175550103")
    assert cli.main(["conversation", cid, "--sim", quick_sim.base_url, "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["conversationId"] == cid and data["simulated"] is True
    assert any("errorCode diag.sim.invalid-number" in row["what"] for row in data["timeline"])
    assert "3175550103" not in out
    assert cli.main(["conversation", cid, "--sim", quick_sim.base_url, "--window", "0"]) == 2


def test_bundle_genesys_puts_genesys_side_of_the_logs_calls_in_the_ticket(quick_sim, tmp_path, capsys):
    import zipfile

    s, cid = ended_call(quick_sim, "+13175550101")
    log = tmp_path / "session.jsonl"
    s.log.save(log)
    out = tmp_path / "ticket.zip"
    assert cli.main(["bundle", "--log", str(log), "--out", str(out), "--genesys", "--sim", quick_sim.base_url]) == 0
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        summary = z.read("summary.md").decode()
        side = json.loads(z.read(f"genesys/01-{cid}.json"))
        everything = b"".join(z.read(n) for n in names if not n.endswith(".png")).decode("utf-8", "replace")
    assert f"Genesys' side of conversation {cid}" in summary and "mean nothing at Genesys" in summary
    assert "SIP 486" in summary and "errorCode diag.sim.busy" in summary
    assert side["conversationId"] == cid and any(p["name"] == "SIP messages" for p in side["parts"])
    assert "3175550101" not in everything   # the SIP messages' number too: pseudonymised like the rest
    capsys.readouterr()
    assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t2.zip"), "--genesys",
                     "--region", "eu_west_1"]) == 2
    assert "give --sim URL" in capsys.readouterr().err


def test_an_id_the_built_in_simulator_never_saw_exits_1_and_says_how_to_follow_an_earlier_call(capsys):
    # each command starts its own simulator: the id of a call an earlier `diag call` placed is unknown to it
    assert cli.main(["conversation", "7f9e0c2a-0000-4000-8000-000000000001"]) == 1
    out = capsys.readouterr().out
    assert "404" in out and "python -m diag sim" in out and "--sim URL" in out
