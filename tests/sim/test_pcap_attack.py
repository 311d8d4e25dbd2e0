"""Attacks on the PCAP download (diag.client.pcap): the signed URL as a credential, the storage host as an untrusted
party, the folder as hostile ground. Only 127.0.0.1 is ever reached: a "real org" is a Session with
simulated=False whose transport is an in-process app, and its storage fetch is a recording stand-in for
HTTPTransport (except the size-cap probe, which talks to a loopback server)."""
import json
import os
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from urllib3.util import parse_url

from diag.app import cli
from diag.client import pcap as pcap_mod
from diag.client.auth import StaticToken
from diag.client.connect import connect
from diag.client.genesys_side import genesys_side
from diag.client.pcap import S3_HOST, _NotSaved, _write_new, download_pcap, storage_refusal
from diag.client.session import Session
from diag.sim import Simulator
from diag.transport import AppTransport, HTTPTransport, Request, Response, TransportFailure

WINDOW = ("2026-12-06T15:00:00.000Z", "2026-12-06T16:00:00.000Z")
SIG = "f3a9c0d1e2b34f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"   # a SigV4 signature's shape
JSON = {"Content-Type": "application/json"}


class Storage:
    """Stands in for HTTPTransport in _fetch on a real org: records what would reach the storage host."""
    seen: list = []
    answer = (200, {}, b"\xd4\xc3\xb2\xa1 a pcap")

    def __init__(self, maxsize=8):
        pass

    def send(self, request):
        Storage.seen.append(request)
        return Response.build(*Storage.answer)

    def close(self):
        pass


@pytest.fixture
def storage(monkeypatch):
    Storage.seen = []
    Storage.answer = (200, {}, b"\xd4\xc3\xb2\xa1 a pcap")
    monkeypatch.setattr(pcap_mod, "HTTPTransport", Storage)
    return Storage


def real_org(url_answer, status=200, headers=JSON):
    """A session on a "real org" whose download-URL answer is `url_answer` (bytes, or an object sent as JSON)."""
    asks = []

    def app(request):
        asks.append(request)
        if request.method == "POST" and request.url.endswith("/api/v2/telephony/siptraces/download"):
            return Response.build(202, JSON, b'{"downloadId": "d-1"}')
        if request.method == "GET" and "/api/v2/telephony/siptraces/download/" in request.url:
            body = url_answer if isinstance(url_answer, bytes) else json.dumps(url_answer).encode()
            return Response.build(status, headers, body)
        return Response.build(404, JSON, b'{"status": 404, "code": "not.found", "message": "modelled"}')

    s = Session("https://api.mypurecloud.com", StaticToken("t0k" + "Q" * 40), region="us_east_1", simulated=False,
                transport=AppTransport(app), sleep=lambda _s: None)
    s.asks = asks
    return s


def everything_written(s, side_or_pcap, tmp_path):
    log = tmp_path / "log.jsonl"
    s.log.save(log)
    texts = [log.read_text(), repr(s), repr(side_or_pcap), json.dumps([e.to_dict() for e in s.log])]
    if s.log.autosave and os.path.exists(s.log.autosave):
        texts.append(open(s.log.autosave, encoding="utf-8").read())
    return "\n".join(texts)


@pytest.fixture(scope="module")
def quick_sim():
    with Simulator(seed=11, overrides={"call_timeline_seconds": 0.2}) as sim:
        yield sim


def placed(sim):
    s = connect(simulator=sim, environ={}, dotenv=None)
    ex = s.call({"phoneNumber": "+13175550104"})
    assert ex.status == 200, ex.response_body
    return s, ex.response_body["id"]


# ---------------------------------------------------------------- holes (these fail today)

@pytest.mark.parametrize("netloc", ["bucket.s3.amazonaws.com:99999", "bucket.s3.amazonaws.com:443:80",
                                    "[bucket.s3.amazonaws.com]"])
def test_a_malformed_port_or_bracketed_host_is_a_refusal_not_a_traceback(storage, tmp_path, netloc):
    # HOLE (7): storage_refusal reads urlsplit(...).port/.hostname, which raise ValueError: genesys_side dies (CLI traceback, whole side lost)
    s = real_org({"url": f"https://{netloc}/k.pcap?X-Amz-Expires=600&X-Amz-Signature={SIG}"})
    side = genesys_side(s, "c0ffee00-0000-4000-8000-000000000001", pcap_to=tmp_path)
    assert side.pcap is not None and not side.pcap.ok and "not fetched" in side.pcap.refusal
    assert storage.seen == [] and not any(tmp_path.iterdir())


def test_a_url_diag_cannot_split_is_still_taught_to_the_redactor(storage, tmp_path):
    # HOLE (1): reveal() stores the URL, then urlsplit raises before redactor.add: a value under a name not credential-like stays in the log
    s = real_org({"url": f"https://[bucket.s3.amazonaws.com]/k.pcap?X-Amz-Expires=600&hmac={SIG}"})
    try:
        download_pcap(s, "c-1", tmp_path, WINDOW)
    except ValueError:
        pass   # the crash itself is the test above
    assert SIG not in everything_written(s, None, tmp_path)


def test_a_write_that_fails_midway_is_a_refusal_and_leaves_no_partial_file(tmp_path):
    # HOLE (4)/(7): only open() errors become _NotSaved; a write error (disk full, quota, EFBIG) escapes and leaves a truncated .pcap
    resource = pytest.importorskip("resource")
    import signal

    old_limit, old_handler = resource.getrlimit(resource.RLIMIT_FSIZE), signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, old_limit[1]))   # a file may grow to 4 KB: a full disk's stand-in
    try:
        try:
            _write_new(tmp_path, "t.pcap", b"x" * 100_000)
            raised = None
        except Exception as exc:   # noqa: BLE001 - which kind is the probe
            raised = exc
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    assert isinstance(raised, _NotSaved), f"{type(raised).__name__}: {raised}"
    assert not any(tmp_path.iterdir()), [(p.name, p.stat().st_size) for p in tmp_path.iterdir()]


@pytest.mark.parametrize("answer,headers", [(b"<html>Proxy sign-in</html>", {"Content-Type": "text/html"}),
                                            ({"url": {"href": "https://bucket.s3.amazonaws.com/k"}}, JSON)])
def test_an_unreadable_url_answer_is_named_not_mistaken_for_a_capture_in_preparation(storage, tmp_path, answer,
                                                                                     headers):
    # HOLE (7, clarity): an answer diag cannot read is polled 10x (45 s of sleeps on a real org), then blamed on "still in preparation"
    s = real_org(answer, headers=headers)
    result = download_pcap(s, "c-1", tmp_path, WINDOW)
    assert not result.ok and "in preparation" not in result.refusal
    assert sum("/siptraces/download/" in a.url for a in s.asks) == 1


# ---------------------------------------------------------------- guards (these pass)

TRICKY = [
    "https://bucket.s3.amazonaws.com./k", "https://bucket.s3.amazonaws.com%2eattacker.example/k",
    "https://attacker.example\\.s3.amazonaws.com/k", "https://attacker.example\\@bucket.s3.amazonaws.com/k",
    "https://bucket.s3.amazonaws.com\\@attacker.example/k", "https://attacker.example\t.s3.amazonaws.com/k",
    "https://attacker.example%00.s3.amazonaws.com/k", "https://bucket.ｓ3.amazonaws.com/k",
    "https://bucket.s3.amazonaws.com\u3002attacker.example/k", "https://[::1]/k", "https://[::ffff:127.0.0.1]:443/k",
    "https://bucket.s3.amazonaws.com#@attacker.example/k", "https://bucket.s3.amazonaws.com?@attacker.example/",
    " https://bucket.s3.amazonaws.com/k", "HTTPS://BUCKET.S3.AMAZONAWS.COM/k", "https:bucket.s3.amazonaws.com/k",
    "https:///bucket.s3.amazonaws.com/k", "https://169.254.169.254/latest/meta-data/", "https://xn--s3-x.amazonaws.com/k",
]


@pytest.mark.parametrize("url", TRICKY)
def test_what_the_check_accepts_urllib3_also_reads_as_amazon_s3_over_https(url):
    class Real:
        simulated = False
        api_base = "https://api.mypurecloud.com"

    if storage_refusal(url, Real()) is None:   # accepted: the transport must not see another host
        try:
            seen = parse_url(url)
        except ValueError:
            return   # urllib3 will not send it at all
        assert seen.scheme == "https" and S3_HOST.match(seen.host or "") and seen.port in (None, 443), seen


@pytest.mark.parametrize("url", [
    f"https://bucket.s3.amazonaws.com/o/k.pcap?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={SIG}",
    f"https://bucket.s3.amazonaws.com/k.pcap?x-amz-signature={SIG}&X-Amz-Security-Token=FQoGZXIvYXdzE%2B%2F{SIG[:20]}",
    f"https://bucket.s3.amazonaws.com/k.pcap?AWSAccessKeyId=AKIAEXAMPLE&Expires=1&Signature={SIG[:28]}%2B%2F%3D",
    f"HTTPS://Bucket.S3.us-east-1.AmazonAWS.com/k.pcap?X-Goog-Signature={SIG}&sig={SIG[::-1]}#frag",
    f"https://bucket.s3.amazonaws.com/k.pcap?X-Amz-Expires=600&h={SIG}",         # a name no filter knows
])
def test_on_a_real_org_the_signature_in_any_spelling_reaches_no_log_and_the_storage_host_gets_no_token(
        storage, tmp_path, url):
    s = real_org({"url": url})
    side = genesys_side(s, "c0ffee00-0000-4000-8000-000000000002", pcap_to=tmp_path)
    assert side.pcap.ok, side.pcap.refusal
    assert [r.url for r in storage.seen] == [url]                     # the URL as given, once
    assert not any(k.lower() in ("authorization", "cookie", "proxy-authorization") for k in storage.seen[0].headers)
    written = everything_written(s, side, tmp_path) + side.text() + json.dumps(side.to_dict()) + json.dumps(
        side.raw_dict())
    for secret in (SIG, SIG[:16], SIG[::-1][:16], "t0k" + "Q" * 40):
        assert secret not in written
    assert side.pcap.file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("status,headers,body", [
    (403, {"Content-Type": "application/xml"}, f"<Error><SignatureProvided>{SIG}</SignatureProvided></Error>".encode()),
    (301, {"Location": f"https://attacker.example/?{SIG}"}, b""),
])
def test_on_a_real_org_a_storage_refusal_or_redirect_is_named_never_shown_never_followed(storage, tmp_path, status,
                                                                                         headers, body):
    storage.answer = (status, headers, body)
    s = real_org({"url": f"https://bucket.s3.amazonaws.com/k.pcap?X-Amz-Signature={SIG}"})
    side = genesys_side(s, "c0ffee00-0000-4000-8000-000000000003", pcap_to=tmp_path / "caps")
    assert not side.pcap.ok and f"HTTP {status}" in side.pcap.refusal and len(storage.seen) == 1
    assert SIG not in side.text() + everything_written(s, side, tmp_path) and "attacker" not in side.text()
    assert not (tmp_path / "caps").exists() or not any((tmp_path / "caps").iterdir())


def test_a_symlink_planted_at_the_file_name_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "caps"
    folder.mkdir()
    (outside / "victim").write_bytes(b"keep me")
    (folder / "t.pcap").symlink_to(outside / "victim")                 # to an existing file
    (folder / "t-2.pcap").symlink_to(outside / "created-through-link")   # dangling: would create a file outside
    path, size = _write_new(folder, "t.pcap", b"PCAP")
    assert path.name == "t-3.pcap" and not path.is_symlink() and path.read_bytes() == b"PCAP"
    assert (outside / "victim").read_bytes() == b"keep me" and not (outside / "created-through-link").exists()
    assert path.stat().st_mode & 0o777 == 0o600


def window_now():   # the window genesys_side would ask for a call placed just now
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    return ((now - dt.timedelta(minutes=30)).strftime(fmt), (now + dt.timedelta(minutes=1)).strftime(fmt))


def test_concurrent_downloads_into_one_folder_never_share_a_file(quick_sim, tmp_path):
    s, cid = placed(quick_sim)
    results, errors = [], []

    def one():
        try:
            results.append(download_pcap(s, cid, tmp_path, window_now()))
        except Exception as exc:   # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and all(r.ok for r in results), [r.refusal for r in results]
    names = {r.file.name for r in results}
    assert len(names) == 6 and {p.name for p in tmp_path.iterdir()} == names
    assert all(r.file.stat().st_size == r.size > 0 for r in results)


def test_the_cli_with_pcap_pointing_at_a_file_says_so_and_touches_nothing(quick_sim, tmp_path, capsys):
    _, cid = placed(quick_sim)
    target = tmp_path / "not-a-folder"
    target.write_bytes(b"precious")
    assert cli.main(["conversation", cid, "--sim", quick_sim.base_url, "--pcap", str(target)]) == 0
    captured = capsys.readouterr()
    assert "cannot make the folder" in captured.out and "Traceback" not in captured.out + captured.err
    assert target.read_bytes() == b"precious" and sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_a_compressed_storage_answer_cannot_blow_past_the_cap_in_memory():
    import tracemalloc

    co = zlib.compressobj(9, zlib.DEFLATED, 31)   # gzip
    bomb = b"".join(co.compress(b"\0" * (1 << 20)) for _ in range(128)) + co.flush()   # 128 MB in ~130 KB

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            self.end_headers()
            self.wfile.write(bomb)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    transport = HTTPTransport(maxsize=1)
    tracemalloc.start()
    try:
        with pytest.raises(TransportFailure) as raised:
            transport.send(Request("GET", f"http://127.0.0.1:{server.server_port}/k.pcap", {"Accept": "*/*"}, None,
                                   timeout=10, max_bytes=1 << 20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        transport.close()
        server.shutdown()
        server.server_close()
    assert raised.value.kind == "too-large" and peak < 32 * (1 << 20), peak
