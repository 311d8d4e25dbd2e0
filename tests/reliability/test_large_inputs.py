"""Evidence at the size of a long session (hundreds of MB): read like any other, and past the cap a message.
Kept out of tests/unit (it writes 200 MB): `make test` runs it, `make test-fast` does not."""
import json

from diag.app import cli
from diag.core import textfile
from tests.unit.test_inspect_evidence import entry


def test_a_200_mb_har_is_read_and_one_over_the_cap_is_a_message(tmp_path, capsys, monkeypatch):
    """A long session's HAR (200 MB, mostly page assets) is read like any other; past the cap the message says how
    big and what to do, and nothing is written."""
    big = tmp_path / "long-session.har"
    asset = {"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 5, "request": {
        "method": "GET", "url": "https://cdn.example.com/a.png", "headers": [{"name": "Cookie", "value": "s=CANARY"}]},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "image/png", "encoding": "base64",
                                                                "text": "A" * 19_996}}}
    call = entry("POST", "https://api.mypurecloud.ie/api/v2/conversations/calls", 400, body={"to": "+13175550161"},
                 answer={"code": "bad.request", "status": 400, "message": "m"})
    with big.open("w") as fh:   # written in pieces: the test's own memory stays small
        fh.write('{"log": {"version": "1.2", "creator": {"name": "Chrome", "version": "131"}, "entries": [')
        piece = json.dumps(asset)
        for _ in range(10_000):
            fh.write(piece + ",")
        fh.write(json.dumps(call) + "]}}")
    assert big.stat().st_size > 200_000_000
    out = tmp_path / "clean.har"
    assert cli.main(["inspect", str(big), "--sanitise", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "1 Genesys request(s), 10000 other request(s) skipped, 1 failed" in printed and "bad.request" in printed
    assert "CANARY" not in out.read_text()
    monkeypatch.setattr(textfile, "MAX_EVIDENCE_BYTES", 100 * 1024 * 1024)
    assert cli.main(["inspect", str(big), "--sanitise", str(tmp_path / "never.har")]) == 2
    err = capsys.readouterr().err
    assert "larger than 100 MB" in err and "split the capture" in err and str(big) in err
    assert not (tmp_path / "never.har").exists()
