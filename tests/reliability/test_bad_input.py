"""Bad input end to end: a clear message, the documented exit code, and nothing the user typed lost."""
import json
import subprocess
import sys

import pytest

from diag.app.widgets.composer import ComposerModel, ComposerView


def run(*args, stdin=b""):
    p = subprocess.run([sys.executable, "-m", "diag", *args], input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


CASES = [
    (b"", 2, "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", 2, "binary"),
    (b'{"phoneNumber": "' + b"1" * (17 * 1024 * 1024) + b'"}', 2, "larger than"),
    (b'[{"phoneNumber": "+13175550100"}]', 1, "body-not-object"),
    (b'{:phoneNumber => "+13175550100"}', 2, "Ruby"),
    (b"phoneNumber: '+13175550100'\ncallerId: '+13175550199'\n", 2, "YAML"),
    (b'{"phoneNumber": "+13175550100",\n  "callerId": }', 2, "line 2, column 15"),
]


@pytest.mark.parametrize("stdin,code,needle", CASES, ids=["empty", "binary", "17MB", "array", "ruby", "yaml", "broken"])
def test_cli_bad_input(stdin, code, needle):
    rc, out, err = run("validate", "-", stdin=stdin)
    assert rc == code and needle in out + err
    assert "Traceback" not in out + err


def test_ten_megabyte_body_is_checked():
    body = json.dumps({"phoneNumber": "+13175550100", "uuiData": "x" * (10 * 1024 * 1024)}).encode()
    rc, out, err = run("validate", "--json", "-", stdin=body)
    assert rc == 0 and json.loads(out)["valid"] is True


@pytest.mark.parametrize("stdin", [c[0] for c in CASES if len(c[0]) < 1000], ids=["empty", "binary", "array", "ruby",
                                                                                   "yaml", "broken"])
def test_cli_json_mode_stays_json(stdin):
    rc, out, _ = run("validate", "--json", "-", stdin=stdin)
    data = json.loads(out)
    assert rc in (1, 2) and data["valid"] is False


@pytest.mark.parametrize("text", ["", "{:a => 1}", "a: 1\nb: 2", "[1, 2]", '{"to": ', "\x00\x01", "💥" * 1000])
def test_widget_keeps_what_was_typed(text):
    view = ComposerView(ComposerModel(""))
    view.raw.value = text
    assert view.raw.value == text and view.model.text == text
    assert view.findings.value
    assert view.model.last_error is None
