"""The workspace's edges, as a second review found them: foreign and broken files, an unusable DIAG_HOME, other
orgs' charts, where tickets go, what the panels say."""
import json
import os
import stat

import pytest

from diag.app import cli
from diag.app.widgets.composer import ComposerModel
from diag.app.widgets.connect import SIMULATOR, ConnectModel
from diag.app.widgets.export import ExportModel
from diag.client.connect import connect
from diag.core import workspace


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize("content", [b"\xff\xfe{}\n", ("[" * 100000 + "]" * 100000 + "\n").encode(),
                                     b'{"seq": 1}\n{"oops"\n', b'{"simulated": "false", "a": 1}\n'])
def test_foreign_or_broken_files_in_sessions_are_never_a_traceback(home, sim, capsys, content):
    s = connect(simulator=sim)
    s.call({"phoneNumber": "+13175550100"})
    (home / "sessions" / "zz-foreign.jsonl").write_bytes(content)
    assert cli.main(["bundle", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "zz-foreign" not in listed and "1 call(s)" in listed     # only real session logs are offered
    assert ExportModel(connect(simulator=sim)).last_error is None


def test_an_unusable_workspace_is_said_never_raised(tmp_path, monkeypatch, sim):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "afile"))
    s = connect(simulator=sim)
    model = ComposerModel('{"phoneNumber": "+13175550100"}', session=s)
    assert model.send().status == 200
    assert "Not saved to the workspace" in model.result_html() and "DIAG_HOME" in model.result_html()


def test_a_ticket_goes_where_the_panel_was_told(home, sim, tmp_path):
    s = connect(simulator=sim)
    s.call({"phoneNumber": "+13175550100"})
    model = ExportModel(s, out_dir=tmp_path / "out")
    (tmp_path / "out").mkdir()
    assert model.export().parent == tmp_path / "out"
    with pytest.raises(ValueError, match="a file name only"):
        model.export("../escaped.zip")


def test_token_and_client_credentials_together_are_refused_on_the_simulator(sim):
    c = sim.client()
    model = ConnectModel(connector=lambda region=None, **kw: connect(simulator=kw.pop("simulator", sim), **kw))
    with pytest.raises(ValueError, match="not both"):
        model.connect(SIMULATOR, c.id, c.secret, "some-other-token")


def test_notebook_copies_are_private(home):
    folder, _ = workspace.notebook_copies(workspace.Path(__file__).resolve().parents[2] / "notebooks")
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700 and stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in folder.glob("*.ipynb"))


def test_another_orgs_charts_never_join_a_log_from_this_region(home, tmp_path):
    from diag.core.exchange import Exchange, ExchangeLog

    ex = Exchange(seq=1, started="2026-11-28T03:00:00.000+00:00", method="GET",
                  url="https://api.mypurecloud.ie/api/v2/users/me", path="/api/v2/users/me", template=None,
                  request_headers={}, request_body=None, status=200, region="eu_west_1", simulated=False,
                  org_id="org-AAAA")
    log = ExchangeLog([ex]).save(tmp_path / "a.jsonl")

    class OtherOrg:   # a session connected to org B in the same region, with a dashboard that has run
        simulated, region, label = False, "eu_west_1", "REAL ORG B in eu_west_1"
        _org = type("Org", (), {"id": "org-BBBB"})()
        log = ExchangeLog()
        tokens = type("T", (), {"secrets": staticmethod(lambda: [])})()

    dashboard = type("D", (), {"usage": json, "figures": {"errors": None}})()
    model = ExportModel(OtherOrg(), dashboard)
    model.set_source(str(log))
    model.selected_charts = ["errors"]
    with pytest.raises(ValueError, match="a ticket shows one source"):
        model._build(tmp_path / "t.zip")


def test_saved_sessions_are_named_by_the_token_they_used(tmp_path, monkeypatch):
    """Sessions you can find: each saved session says the token's kind and OAuth client (never the user's name,
    which a saved notebook's panel state would keep), besides where it went and how many calls it holds."""
    from diag.client.connect import connect
    from diag.core.workspace import recent_logs
    from diag.sim import Simulator

    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    with Simulator(seed=4) as sim:
        user = connect(simulator=sim)
        user.identity()
        user.call({"phoneNumber": "+13175550100"})
        client = sim.client()
        app = connect(simulator=sim, token=sim.state.mint("client", client.id, None).value)
        app.identity()
        app.call({"phoneNumber": "+13175550101"})
    labels = [info.label for info in recent_logs()]
    assert len(labels) == 2
    assert any("user token, OAuth client " in label for label in labels)
    assert any("client credentials, OAuth client " in label for label in labels)
    assert not any("Avery" in label for label in labels)         # the user's name is not in a label


def test_saved_sessions_say_where_they_were_opened(tmp_path, monkeypatch, capsys):
    from diag.app import cli
    from diag.app.workbench import Workbench
    from diag.core.workspace import recent_logs

    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    body = tmp_path / "b.json"
    body.write_text('{"phoneNumber": "+13175550100"}')
    assert cli.main(["call", str(body)]) == 0
    app = Workbench()
    app.composer.model.set_text('{"phoneNumber": "+13175550101"}')
    app.composer.send_button.click()
    capsys.readouterr()
    labels = sorted(info.label for info in recent_logs())
    assert len(labels) == 2
    assert sum("from the command line" in label for label in labels) == 1
    assert sum("from the app" in label for label in labels) == 1
