"""Bad input said plainly, naming what and where: a parent folder that is a file, a conversation id that is not one."""
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from diag.app import cli


def run(*argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue() + err.getvalue()


def test_a_ticket_under_a_file_says_the_file_is_not_a_folder(tmp_path):
    (tmp_path / "notes").write_text("the person's")
    body = tmp_path / "body.json"
    body.write_text('{"phoneNumber": "+13175550100"}')
    log = tmp_path / "calls.jsonl"
    assert cli.main(["call", str(body), "--log", str(log)]) == 0
    code, said = run("bundle", "--log", str(log), "--out", str(tmp_path / "notes" / "t.zip"))
    assert code == 2 and f"{tmp_path / 'notes'} is a file, not a folder" in said and "Errno" not in said
    assert (tmp_path / "notes").read_text() == "the person's"


@pytest.mark.parametrize("given", ["", "../x", "a/b", "id with spaces", "x?y=1"])
def test_a_conversation_id_that_is_not_one_is_said_before_anything_is_asked(given):
    code, said = run("conversation", given)
    assert code == 2 and "is not a conversation id" in said and "Platform API path" not in said
