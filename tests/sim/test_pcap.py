"""The PCAP download (diag.client.pcap): only when asked, saved beside the ticket as a new file readable by its owner
only, never inside a ticket; the signed URL (a credential) reaches no log, output or file; the session's token never
goes to the storage host; a URL that is not Amazon S3 over https (or, on the simulator, the simulator itself) is not
fetched; what a storage host answers besides the file is never shown."""
import json
import zipfile

import pytest

from diag.app import cli
from diag.client.auth import StaticToken
from diag.client.genesys_side import genesys_side
from diag.client.pcap import MAX_BYTES, Pcap, _fetch, _NotSaved, storage_refusal
from diag.client.session import Session
from diag.client.connect import connect
from diag.sim import Simulator
from diag.transport import AppTransport, Response

NUMBER = "+13175550104"


@pytest.fixture(scope="module")
def quick_sim():
    with Simulator(seed=8, overrides={"call_timeline_seconds": 0.2}) as sim:
        yield sim


def placed(sim, body=None):
    s = connect(simulator=sim, environ={}, dotenv=None)
    ex = s.call(body or {"phoneNumber": NUMBER})
    assert ex.status == 200, ex.response_body
    return s, ex.response_body["id"]


def signatures(sim):
    return [sig for _, sig in sim.state.downloads.values()]


def test_a_call_over_a_trunk_has_its_pcap_saved_beside_the_ticket_and_the_url_nowhere(quick_sim, tmp_path):
    s, cid = placed(quick_sim)
    before = len(quick_sim.state.storage_requests)
    side = genesys_side(s, cid, pcap_to=tmp_path)
    pcap = side.pcap
    assert isinstance(pcap, Pcap) and pcap.ok, pcap.refusal
    data = pcap.file.read_bytes()
    assert pcap.file.parent == tmp_path and data[:4] == bytes.fromhex("d4c3b2a1") and len(data) == pcap.size
    assert pcap.file.stat().st_mode & 0o777 == 0o600
    reached = quick_sim.state.storage_requests[before:]
    assert reached == [{"download": reached[0]["download"], "authorization": False, "cookie": False}]
    sig = signatures(quick_sim)[-1]
    log = tmp_path / "log.jsonl"
    s.log.save(log)
    url_answer = next(e for e in s.log if (e.template or "").endswith("/download/{downloadId}"))
    assert url_answer.response_body["url"].endswith("?[REDACTED]")     # where it pointed stays readable
    for shown in (side.text(), json.dumps(side.to_dict()), json.dumps(side.raw_dict()), log.read_text(),
                  repr(s), repr(side)):
        assert sig not in shown and sig[:16] not in shown
    assert "genesys-sip-trace.pcap" in side.text() and "never puts it in a ticket" in side.text()
    assert NUMBER not in side.text()
    again = genesys_side(s, cid, pcap_to=tmp_path).pcap
    assert again.file.name == "genesys-sip-trace-2.pcap" and pcap.file.read_bytes() == data   # nothing overwritten


def test_a_call_to_a_user_has_no_pcap_and_says_why(quick_sim, tmp_path):
    avery = quick_sim.user_id("avery")
    other = next(u for u in quick_sim.org.users if u != avery)
    s, cid = placed(quick_sim, {"callUserId": other})
    side = genesys_side(s, cid, pcap_to=tmp_path / "pcaps")
    assert not side.pcap.ok and "HTTP 404" in side.pcap.refusal and "not.found" in side.pcap.refusal
    assert "PCAP" in side.text() and "not available" in side.text()
    assert not (tmp_path / "pcaps").exists() or not any((tmp_path / "pcaps").iterdir())


def test_without_pcap_to_nothing_is_downloaded(quick_sim):
    s, cid = placed(quick_sim)
    known = len(quick_sim.state.downloads)
    side = genesys_side(s, cid)
    assert side.pcap is None and len(quick_sim.state.downloads) == known
    assert not any("siptraces/download" in (e.path or "") for e in s.log)


def test_on_a_real_org_a_url_that_is_not_s3_over_https_is_not_fetched(quick_sim, tmp_path):
    """A session on a real org (here the simulator posing as one, on loopback): the download URL it is given is
    plain http on 127.0.0.1, so it is refused, named by its host, and never reached."""
    _, cid = placed(quick_sim)
    token = quick_sim.user_token()
    real = Session(quick_sim.base_url, StaticToken(token), region="us_east_1", simulated=False)
    before = len(quick_sim.state.storage_requests)
    side = genesys_side(real, cid, pcap_to=tmp_path)   # the download request needs no confirmation: a query
    assert not side.pcap.ok and "is http, not https (127.0.0.1)" in side.pcap.refusal
    assert len(quick_sim.state.storage_requests) == before and not any(tmp_path.iterdir())
    sig = signatures(quick_sim)[-1]
    assert all(sig not in json.dumps(e.to_dict()) for e in real.log)


@pytest.mark.parametrize("url,ok", [
    ("https://bucket.s3.amazonaws.com/x.pcap?X-Amz-Signature=ab", True),
    ("https://bucket.s3.us-east-1.amazonaws.com/x.pcap?X-Amz-Signature=ab", True),
    ("https://s3.eu-west-1.amazonaws.com/bucket/x.pcap", True),
    ("https://bucket.s3-us-west-2.amazonaws.com/x.pcap", True),
    ("https://bucket.S3.dualstack.eu-west-1.AMAZONAWS.com/x.pcap", True),
    ("https://bucket.s3.amazonaws.com:443/x.pcap", True),
    ("http://bucket.s3.amazonaws.com/x.pcap", False),                   # not https
    ("https://bucket.s3.amazonaws.com:8443/x.pcap", False),             # another port
    ("https://bucket.s3.amazonaws.com.attacker.example/x.pcap", False),  # a look-alike suffix
    ("https://evil-s3.amazonaws.com/x.pcap", False),
    ("https://attacker.example/s3.amazonaws.com/x.pcap", False),
    ("https://user:pw@bucket.s3.amazonaws.com/x.pcap", False),          # user information
    ("https://bucket.s3.amazonaws.com@attacker.example/x.pcap", False),
    ("https://127.0.0.1/x.pcap", False),
    ("https://api.mypurecloud.com/api/v2/x.pcap", False),               # the API host gets the token, not this
    ("file:///etc/passwd", False),
    ("", False),
])
def test_only_amazon_s3_over_https_is_fetched_on_a_real_org(url, ok):
    class Real:
        simulated = False
        api_base = "https://api.mypurecloud.com"

    said = storage_refusal(url, Real())
    assert (said is None) == ok, said
    if said:
        assert "Signature" not in said and "pw" not in said


def test_on_the_simulator_only_the_simulator_itself_is_fetched():
    class Sim:
        simulated = True
        api_base = "http://127.0.0.1:8765"

    assert storage_refusal("http://127.0.0.1:8765/__sim/storage/a.pcap?X-Amz-Signature=x", Sim()) is None
    for url in ("http://127.0.0.1:9999/a.pcap", "https://bucket.s3.amazonaws.com/a.pcap", "http://localhost:8765/a"):
        assert storage_refusal(url, Sim()) is not None


@pytest.mark.parametrize("status,body,why", [
    (403, b"<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>SECRETSIG123456</SignatureProvided></Error>",
     "HTTP 403 (not the file)"),
    (302, b"", "HTTP 302 (a redirect, not followed)"),
    (200, b"x" * (MAX_BYTES + 1), "larger than"),
])
def test_a_storage_answer_that_is_not_the_file_is_named_and_never_shown(tmp_path, status, body, why):
    seen = []

    def storage(request):
        seen.append(request)
        return Response.build(status, {"Location": "https://attacker.example/"} if status == 302 else {}, body)

    class Fake:
        simulated = True
        transport = type("T", (), {"inner": AppTransport(storage)})()

    with pytest.raises(_NotSaved) as raised:
        _fetch(Fake(), "http://127.0.0.1:1/x.pcap?X-Amz-Signature=SECRETSIG123456", tmp_path, "t.pcap")
    assert why in str(raised.value) and "SECRETSIG" not in str(raised.value)
    assert len(seen) == 1 and not any(k.lower() in ("authorization", "cookie") for k in seen[0].headers)
    assert not any(tmp_path.iterdir())


def test_the_command_line_saves_the_pcap_only_when_asked(quick_sim, tmp_path, capsys):
    _, cid = placed(quick_sim)
    assert cli.main(["conversation", cid, "--sim", quick_sim.base_url, "--pcap", str(tmp_path / "caps")]) == 0
    out = capsys.readouterr().out
    assert [p.name for p in (tmp_path / "caps").iterdir()] == ["genesys-sip-trace.pcap"]
    assert "genesys-sip-trace.pcap" in out and signatures(quick_sim)[-1] not in out and "3175550104" not in out


def test_bundle_genesys_pcap_saves_beside_the_ticket_never_in_it(quick_sim, tmp_path, capsys):
    s, cid = placed(quick_sim)
    log = tmp_path / "session.jsonl"
    s.log.save(log)
    out = tmp_path / "ticket.zip"
    assert cli.main(["bundle", "--log", str(log), "--out", str(out), "--pcap"]) == 2
    assert "--pcap goes with --genesys" in capsys.readouterr().err
    assert cli.main(["bundle", "--log", str(log), "--out", str(out), "--genesys", "--pcap",
                     "--sim", quick_sim.base_url]) == 0
    printed = capsys.readouterr().out
    beside = tmp_path / "ticket-pcap" / f"01-{cid}.pcap"
    assert beside.is_file() and str(beside) in printed
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        summary = z.read("summary.md").decode()
        side = json.loads(z.read(f"genesys/01-{cid}.json"))
    assert not any(n.endswith(".pcap") for n in names)
    assert f"its PCAP was saved beside this ticket as 01-{cid}.pcap" in summary and "not in it" in summary
    assert side["pcap"]["file"] == f"01-{cid}.pcap" and side["pcap"]["bytes"] == beside.stat().st_size
    assert str(tmp_path) not in json.dumps(side)      # the file's name, never where this machine keeps it


def test_the_download_url_asked_for_by_hand_is_redacted_too(quick_sim, tmp_path):
    """The path an engineer takes first: the any-endpoint panel (a plain Session.send) asking for the download URL
    itself, with no PCAP code in between: the signature still reaches neither the log nor its saved copy."""
    s, cid = placed(quick_sim)
    genesys_side(s, cid, pcap_to=tmp_path)                      # a download to ask about
    download_id = list(quick_sim.state.downloads)[-1]
    sig = quick_sim.state.downloads[download_id][1]
    by_hand = connect(simulator=quick_sim, environ={}, dotenv=None)
    ex = by_hand.send("GET", f"/api/v2/telephony/siptraces/download/{download_id}")
    assert ex.status == 200 and "__sim/storage" in ex.response_body["url"]
    log = tmp_path / "by-hand.jsonl"
    by_hand.log.save(log)
    assert sig not in json.dumps(ex.to_dict()) and sig not in log.read_text() and sig[:16] not in log.read_text()
