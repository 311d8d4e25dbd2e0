"""The app's front door (diag.app.workbench): every tool a tab over one connection; the usage query waits for its
tab; the ticket tab lists the calls made in the other tabs; a new connection moves every tab to that org."""
import json
import zipfile

import pytest

from diag.app.workbench import TABS, TICKET, USAGE, Workbench
from diag.client.connect import connect

USAGE_PATHS = ("/api/v2/usage/", "/api/v2/analytics/ratelimits", "/api/v2/analytics/conversations/aggregates")


@pytest.fixture
def app(sim, tmp_path):
    """The app on the simulator, its tickets written to the test's own folder."""
    made = Workbench(connect(simulator=sim))
    made.ticket.model.out_dir = tmp_path
    return made


def _usage_requests(session) -> int:
    return sum(1 for e in session.log if e.path.startswith(USAGE_PATHS))


def test_the_tabs_share_one_session_and_the_usage_query_waits_for_its_tab(sim):
    app = Workbench(connect(simulator=sim))
    s = app.session
    assert app.tabs.titles == TABS and len(app.tabs.children) == len(TABS)
    assert app.composer.model.session is s and app.endpoint.model.session is s
    assert app.usage.session is s and app.ticket.model.session is s
    assert "simulator" in app.header.value and "no real phone rings" in app.header.value
    assert _usage_requests(s) == 0           # nothing asked of the org before the person opens the tab
    app.tabs.selected_index = USAGE
    asked = _usage_requests(s)
    assert asked > 0 and app.usage.figures and "requests" in app.dashboard.summary.value
    app.tabs.selected_index = 0
    app.tabs.selected_index = USAGE
    assert _usage_requests(s) == asked       # opened again: the same charts, no second query


def test_a_call_made_in_one_tab_is_in_the_ticket_tab(app, sim, tmp_path):
    app.composer.model.set_text('{"to": {"phoneNumber": "+13175550100"}, "type": "external"}')
    app.composer.fix_button.click()
    app.composer.send_button.click()
    sent = app.composer.model.last_exchange
    assert sent.status == 200
    app.tabs.selected_index = TICKET
    assert app.ticket.source.value == "this session"
    assert sent.seq in app.ticket.exchanges.value
    app.ticket.export_button.click()
    assert app.ticket.error.value == ""
    (ticket,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(ticket) as z:
        assert "report.html" in z.namelist() and "case.txt" in z.namelist()
        assert sent.correlation_id in z.read("exchanges.jsonl").decode()


def test_a_new_connection_moves_every_tab(sim):
    app = Workbench(connect(simulator=sim))
    app.tabs.selected_index = USAGE
    app.connection.model.connect("simulator: user without a station")
    new = app.connection.model.session
    assert new is not None and new is not sim
    for session in (app.session, app.composer.model.session, app.endpoint.model.session, app.usage.session,
                    app.ticket.model.session):
        assert session is new
    # the usage tab was open: it asks the new org (which may refuse this user: said, not the old org's charts)
    assert _usage_requests(new) > 0 and (app.usage.figures or app.dashboard.error.value)
    app.composer.model.set_text('{"phoneNumber": "+13175550100"}')
    app.composer.send_button.click()
    assert app.composer.model.last_exchange.error_code == "conversation.error.no.user.station"


def test_export_takes_the_calls_made_after_the_list_was_shown_unless_the_person_chose(app, sim, tmp_path):
    """A click on Export can reach the kernel before the tab's own refresh (the page holds a tab change back while
    the kernel is busy): a ticket never leaves out a call because its list was drawn earlier."""
    app.tabs.selected_index = TICKET                 # the list drawn before any call
    app.composer.model.set_text('{"phoneNumber": "+13175550100"}')
    app.composer.send_button.click()
    late = app.composer.model.last_exchange
    app.ticket.preview_button.click()
    assert late.correlation_id in app.ticket.summary.value   # the preview says exactly what Export takes
    app.ticket.export_button.click()
    (first,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(first) as z:
        assert late.correlation_id in z.read("exchanges.jsonl").decode()
    app.tabs.selected_index = 0
    app.composer.send_button.click()                 # a second call
    app.tabs.selected_index = TICKET
    assert len(app.ticket.exchanges.value) == 2      # both calls ticked; diag's own reads listed, not ticked
    app.ticket.exchanges.value = (late.seq,)         # the person's choice: only the first
    app.composer.send_button.click()                 # another call after choosing: not added behind their back
    app.ticket.name.value = "chosen.zip"
    app.ticket.export_button.click()
    with zipfile.ZipFile(tmp_path / "chosen.zip") as z:
        ids = [json.loads(line)["correlation_id"] for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert ids == [late.correlation_id]


def test_a_new_connection_leaves_nothing_of_the_old_org_in_the_usage_tab(sim):
    """A helper's probe: the limits report, its chart, the client list and the client filter stayed the old org's."""
    app = Workbench(connect(simulator=sim))
    app.tabs.selected_index = USAGE
    app.dashboard.client.value = app.dashboard.client.options[-1]
    app.dashboard.limits_button.click()
    assert app.dashboard.limits.value and app.usage.client_filter != "(all)"
    app.connection.model.connect("simulator: user without a station")
    assert app.dashboard.limits.value == "" and app.dashboard.limits_chart.outputs == ()
    assert app.usage.client_filter == "(all)" and app.dashboard.client.value == "(all)"
    assert all(c == "(all)" or c in app.usage.clients for c in app.dashboard.client.options)


def test_usage_charts_join_the_ticket_only_when_chosen_and_the_choice_stays(app, sim, tmp_path):
    app.tabs.selected_index = USAGE
    app.tabs.selected_index = TICKET
    assert app.ticket.charts.options and app.ticket.charts.value == ()   # offered, and only added when asked
    app.ticket.charts.value = ("errors",)                   # the person asks for one
    app.tabs.selected_index = 0
    app.composer.model.set_text('{"phoneNumber": "+13175550100"}')
    app.composer.send_button.click()
    app.tabs.selected_index = TICKET
    assert app.ticket.charts.value == ("errors",)           # their choice survives the tab's refresh
    app.ticket.export_button.click()
    (ticket,) = tmp_path.glob("*.zip")
    assert [n for n in zipfile.ZipFile(ticket).namelist() if n.startswith("charts/")] == ["charts/errors.png",
                                                                                          "charts/errors.svg"]


def test_a_ticket_holds_the_persons_requests_not_diags_own_unless_ticked(app, sim, tmp_path):
    """The ticket tells the story: the person's call (with how it ended), not diag's identity reads, usage queries
    or call polls, which are listed and join only when ticked."""
    app.composer.model.set_text('{"phoneNumber": "+13175550100"}')
    app.composer.send_button.click()
    app.composer.follow_button.click()
    call = app.composer.model.last_exchange
    app.tabs.selected_index = USAGE
    app.tabs.selected_index = TICKET
    own = [e for e in app.session.log if e.purpose]
    assert {e.purpose for e in own} >= {"identity", "follow", "usage"}
    assert app.ticket.exchanges.value == (call.seq,) and len(app.ticket.exchanges.options) == len(app.session.log)
    app.ticket.export_button.click()
    (ticket,) = tmp_path.glob("*.zip")
    with zipfile.ZipFile(ticket) as z:
        (record,) = [json.loads(line) for line in z.read("exchanges.jsonl").decode().splitlines()]
    assert record["correlation_id"] == call.correlation_id
    assert any(n.startswith("How the call ended (Follow)") for n in record["notes"])


def test_evidence_added_in_its_tab_is_in_the_ticket_tab(sim, tmp_path):
    """One workbench: the customer's evidence added to the ticket in the Evidence tab is the Ticket tab's evidence."""
    from pathlib import Path

    app = Workbench(connect(simulator=sim))
    app.ticket.model.out_dir = tmp_path
    har = (Path(__file__).resolve().parents[2] / "docs" / "examples" / "customer.har").read_text()
    app.evidence.paste.value = har
    app.evidence.read_button.click()
    app.evidence.add_button.click()
    saved = app.evidence.model.saved
    assert saved is not None
    app.tabs.selected_index = TICKET
    assert app.ticket.evidence.value == str(saved)
    app.ticket.source.value = "no calls"
    app.ticket.export_button.click()
    assert app.ticket.error.value == ""
    (ticket,) = tmp_path.glob("*.zip")
    assert "evidence/evidence.har" in zipfile.ZipFile(ticket).namelist()


def test_a_connection_made_in_the_app_is_named_the_apps(sim):
    """The sessions the app's connection panel opens are the app's in the workspace (found as such in the ticket's
    list of saved sessions), the later ones as well as the first."""
    import re

    from_app = re.compile(r"_simulator\.app(?:-\d+)?\.jsonl$")   # -2: another session began in the same second
    app = Workbench(connect(simulator=sim, origin="app"))
    assert from_app.search(app.session.log.autosave.name)
    app.connection.region.value = "simulator: user without a station"
    app.connection.button.click()
    assert app.connection.error.value == "" and app.session is not None
    assert from_app.search(app.composer.model.session.log.autosave.name)
