"""The command line as a person runs it: output, --json and exit codes."""
import json
import subprocess
import sys

import pytest


def run(*args, stdin=None):
    proc = subprocess.run([sys.executable, "-m", "diag", *args], input=stdin, capture_output=True)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_validate_valid_body(tmp_path):
    f = tmp_path / "body.json"
    f.write_text('{"phoneNumber": "+13175550100"}')
    code, out, _ = run("validate", str(f))
    assert code == 0 and out.startswith("SENDABLE:") and "Genesys would answer 200" in out


def test_validate_wrong_body_prints_findings_and_fix():
    code, out, _ = run("validate", "-", stdin=b'{"to": {"phoneNumber": "+13175550100"}, "type": "external"}')
    assert code == 1
    assert "unknown-field" in out and "Corrected body" in out and '"phoneNumber": "+13175550100"' in out


def test_validate_json_output_shape():
    code, out, _ = run("validate", "--json", "-", stdin=b'{"from": "+13175550199", "to": "+13175550100"}')
    data = json.loads(out)
    assert code == 1
    assert set(data) == {"valid", "verdict", "refusedBy", "headline", "operation", "caller", "prediction", "findings",
                         "fixed", "notes"}
    assert data["valid"] is False and data["verdict"] == "refused"
    assert data["fixed"] == {"phoneNumber": "+13175550100", "callerId": "+13175550199"}
    assert {"severity", "path", "code", "message"} <= set(data["findings"][0])


def test_validate_warnings_only_exit_zero():
    code, out, _ = run("validate", "--json", "-", stdin=b'{"phoneNumber": "tel:+13175550100"}')
    assert code == 0 and json.loads(out)["valid"] is True


@pytest.mark.parametrize("stdin,needle", [
    (b'{"phoneNumber": "+1"\n "x": 1}', "line 2, column 2"),
    (b"", "empty"),
    (b"\x00\x01\x02", "binary"),
    (b"\xc3\x28{", "not UTF-8"),
    (b"\xff\xfe{", "not UTF-16"),     # a UTF-16 BOM and an odd byte: said as what its first bytes claim
])
def test_unreadable_input_exits_2_with_a_message(stdin, needle):
    code, out, err = run("validate", "-", stdin=stdin)
    assert code == 2 and needle in err and "Traceback" not in err


def test_a_utf16_body_with_its_bom_is_read_as_text():
    code, out, err = run("validate", "-", stdin='{"phoneNumber": "+13175550100"}'.encode("utf-16"))
    assert code == 0 and "Traceback" not in err


def test_missing_file_exits_2(tmp_path):
    code, _, err = run("validate", str(tmp_path / "nope.json"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err


def test_endpoint_known_and_unknown():
    assert run("endpoint", "POST /api/v2/conversations/calls")[0] == 0
    code, out, _ = run("endpoint", "POST", "/api/v2/analytics/interactions/summary")
    assert code == 1 and "does not exist" in out and "/api/v2/usage/query" in out


def test_endpoint_json():
    code, out, _ = run("endpoint", "--json", "GET /api/v2/conversations/calls/c-1")
    data = json.loads(out)
    assert code == 0 and data["known"] and data["params"] == {"conversationId": "c-1"}


def test_bundle_with_no_log_takes_the_latest_session_that_placed_a_call(tmp_path, monkeypatch, capsys):
    import zipfile

    from diag.app import cli as cli_module
    from diag.client.connect import connect
    from diag.sim import Simulator

    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    with Simulator(seed=2) as sim:
        calls = connect(simulator=sim)
        calls.call({"phoneNumber": "+13175550100"})
        reads = connect(simulator=sim)              # a later session that only read: not what anyone bundles
        reads.send("GET", "/api/v2/users/me")
    out = tmp_path / "t.zip"
    assert cli_module.main(["bundle", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "the latest session with calls" in err and str(calls.log.autosave) in err
    records = zipfile.ZipFile(out).read("exchanges.jsonl").decode()
    assert "/api/v2/conversations/calls" in records and "/api/v2/users/me" not in records.split("\n")[-2]
    assert cli_module.main(["bundle", "--list"]) == 0
    listed = capsys.readouterr().out
    assert str(calls.log.autosave) in listed and str(reads.log.autosave) not in listed


def test_a_text_that_is_not_json_as_written_is_counted_as_the_error_it_is():
    """A trailing comma: Genesys refuses the text as written, so the headline, the error count and `valid` say so
    alike, and the corrected body is the repaired text (it said "GENESYS REFUSES THIS: 0 error(s)" and
    "valid": true)."""
    code, out, _ = run("validate", "-", stdin=b'{"phoneNumber": "+13175550100",}')
    assert code == 1 and out.startswith("GENESYS REFUSES THIS: 1 error(s)") and "invalid-json" in out
    code, out, _ = run("validate", "--json", "-", stdin=b'{"phoneNumber": "+13175550100",}')
    data = json.loads(out)
    assert (data["valid"], data["verdict"], data["fixed"]) == (False, "refused", {"phoneNumber": "+13175550100"})
    assert [f["code"] for f in data["findings"]] == ["invalid-json"]


def test_a_body_diag_never_sends_has_its_answer_said_as_what_it_would_be():
    """DIAG NEVER SENDS THIS above "Genesys would answer 200" read as two opposite verdicts."""
    code, out, _ = run("validate", "-", stdin=b'{"phoneNumber": "911"}')
    assert code == 1 and out.startswith("DIAG NEVER SENDS THIS")
    assert "Genesys would answer 200 (sdk-model) if it were sent: diag never sends it" in out


def test_a_repaired_text_never_offers_a_corrected_body_diag_would_not_send():
    """The repair is the corrected body only when diag would send it: never one that dials 911; one with errors of
    its own says so (a review found "Corrected body: {"phoneNumber": "911"}")."""
    from diag.core.doctor import check_text

    assert check_text('{"phoneNumber": "911",}').fixed is None
    code, out, _ = run("validate", "-", stdin=b'{"phoneNumber": "911",}')
    assert code == 1 and "Corrected body" not in out
    still = check_text('{"callerIdName": "x",}')
    assert still.fixed == {"callerIdName": "x"} and any("still has errors: $ no-destination" in n for n in still.notes)
