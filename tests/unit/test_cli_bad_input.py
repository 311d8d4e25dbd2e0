"""Every command with bad arguments: one line saying what and where, the documented exit code, no traceback."""
import pytest

from diag.app import cli

CASES = [
    (["validate", "{missing}"], 2, "No such file"),
    (["validate", "{folder}"], 2, "Is a directory"),
    (["validate", "--endpoint", "POST /api/v2/nothing/here", "{body}"], 2, "not a Platform API operation"),
    (["endpoint", "FETCH", "/api/v2/conversations/calls"], 1, "UNKNOWN"),
    (["preflight", "--region", "eu_wset_1"], 2, "eu_west_1 (api.mypurecloud.ie)"),
    (["call", "{missing}"], 2, "No such file"),
    (["call", "{folder}"], 2, "Is a directory"),
    (["call", "{body}", "--region", "nowhere"], 2, "Valid regions"),
    (["call", "{body}", "--sim", "https://api.mypurecloud.com"], 2, "--region"),
    (["call", "{body}", "--sim", "http://127.0.0.1:1"], 2, "No diag simulator answers"),
    (["call", "{body}", "--region", "us_east_1", "--sim", "http://127.0.0.1:1"], 2, "not both"),
    (["usage", "--days", "-5"], 2, "days must be"),
    (["usage", "--days", "0"], 2, "days must be"),
    (["usage", "--days", "100000"], 2, "before API usage history begins"),
    (["usage", "--interval", "2026-13-01/2026-01-01"], 2, "not ISO-8601"),
    (["usage", "--interval", "2026-02-01/2026-01-01"], 2, "ends before it starts"),
    (["usage", "--interval", "garbage"], 2, "start/end"),
    (["usage", "--granularity", "Hour"], 2, "granularity"),
    (["usage", "--group-by", "Nope"], 2, "groupBy"),
    (["usage", "--region", "eu_wset_1"], 2, "Valid regions"),
    (["bundle", "--out", "{out}"], 2, "nothing to bundle"),
    (["bundle", "--out", "{out}", "--log", "{missing}"], 2, "No such file"),
    (["bundle", "--out", "{out}", "--log", "{folder}"], 2, "Is a directory"),
    (["bundle", "--out", "{out}", "--log", "{body}"], 2, "not a saved exchange"),
    (["bundle", "--out", "{folder}", "--usage-days", "1"], 2, "is a folder"),
    (["bundle", "--out", "{out}", "--usage-days", "1", "--region", "eu_wset_1"], 2, "Valid regions"),
    (["sim", "--port", "99999"], 2, "not a port"),
    (["sim", "--port", "http"], 2, "not a port"),
    (["nonsense"], 2, "invalid choice"),
]


@pytest.mark.parametrize("argv,code,says", CASES, ids=[" ".join(a) for a, _, _ in CASES])
def test_bad_arguments_get_a_message_not_a_traceback(argv, code, says, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))   # an empty workspace: no session to bundle by default
    (tmp_path / "folder").mkdir()
    (tmp_path / "body.json").write_text('{"phoneNumber": "+13175550100"}')
    names = {"missing": str(tmp_path / "missing.json"), "folder": str(tmp_path / "folder"),
             "body": str(tmp_path / "body.json"), "out": str(tmp_path / "t.zip")}
    try:
        got = cli.main([a.format(**names) for a in argv])
    except SystemExit as exc:     # argparse's own usage errors exit 2 with one line
        got = exc.code
    out = capsys.readouterr()
    text = out.out + out.err
    assert got == code, text
    assert "Traceback" not in text and says in text
    assert not (tmp_path / "t.zip").exists()
