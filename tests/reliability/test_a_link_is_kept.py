"""A log path that is a symbolic link is written through, as appending already was: the person's link stays, even
one whose file does not exist yet (it is made where the link points)."""
import os

from diag.app import cli
from diag.core.exchange import ExchangeLog


def test_call_log_through_a_dangling_link_makes_the_file_where_it_points_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "logs" / "calls.jsonl", tmp_path / "calls.jsonl"
    target.parent.mkdir()
    os.symlink(target, link)
    body = tmp_path / "body.json"
    body.write_text('{"phoneNumber": "+13175550100"}')
    assert cli.main(["call", str(body), "--log", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert len(ExchangeLog.load(target)) == 1
    assert cli.main(["call", str(body), "--log", str(link)]) == 0   # and appends through it after
    assert link.is_symlink() and len(ExchangeLog.load(target)) == 2
