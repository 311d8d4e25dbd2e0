"""Every panel's state lives in a traitlets model its view links to: a change made on the model (by code, another
panel or the workbench) reaches the widgets with no refresh call, and a person's edit of a linked input reaches the
model. The models are not widgets: nothing they hold enters a saved notebook's widget state."""
import datetime as dt

import ipywidgets
import pytest
import traitlets

from diag.app.widgets.any_endpoint import AnyEndpointModel, AnyEndpointView
from diag.app.widgets.common import PanelModel
from diag.app.widgets.composer import ComposerModel, ComposerView
from diag.app.widgets.connect import ConnectModel, ConnectView
from diag.app.widgets.dashboard import DashboardModel, DashboardView
from diag.app.widgets.evidence import EvidenceModel, EvidenceView
from diag.app.widgets.export import ExportModel, ExportView
from diag.client.connect import connect


@pytest.fixture
def panels(sim):
    session = connect(simulator=sim)
    dashboard = DashboardModel(session, days=7)
    dashboard.progress, dashboard.poll_interval = False, 0.01
    composer = ComposerModel('{"phoneNumber": "+13175550100"}', session=session)
    return [ConnectView(ConnectModel(session)), ComposerView(composer),
            AnyEndpointView(AnyEndpointModel(session=session)), EvidenceView(EvidenceModel(composer)),
            DashboardView(dashboard), ExportView(ExportModel(session, dashboard, newest_saved=False))]


def test_an_error_set_on_any_model_shows_at_once_and_goes_when_cleared(panels):
    for view in panels:
        m = view.model
        assert isinstance(m, PanelModel) and not isinstance(m, ipywidgets.Widget)
        m.last_error = "something <b>broke</b>"
        shown = view.error.value
        assert "something &lt;b&gt;broke&lt;/b&gt;" in shown, type(view).__name__   # escaped, no refresh needed
        m.last_error = None
        assert view.error.value == ""


def test_the_composer_shows_what_its_model_publishes_and_sends_edits_back(panels):
    view = panels[1]
    m = view.model
    m.set_text('{"phoneNumber": "+13175550101", "callerId": "+13175550100"}')
    m.publish()                                     # what a change made elsewhere does; no view.refresh()
    assert "+13175550101" in view.raw.value and view.fields["callerId"].value == "+13175550100"
    view.destination.value = "+13175550102"         # a person's edit of the form ...
    assert '"phoneNumber": "+13175550102"' in m.text  # ... is the model's body
    assert not view.send_button.disabled and view.follow_button.disabled


def test_the_dashboard_inputs_are_linked_both_ways(panels):
    view = panels[4]
    m = view.model
    m.granularity = "Week"
    assert view.granularity.value == "Week"
    view.start.value = dt.date(2026, 11, 1)
    assert m.start == dt.date(2026, 11, 1)
    view.group_by.value = ("TemplateUri",)
    assert m.group_by == ["TemplateUri"] and view.client.disabled and "OAuthClientId" in view.client_note.value


def test_the_export_options_are_linked_both_ways(panels):
    view = panels[5]
    m = view.model
    view.no_scripts.value = True
    assert m.scripts is False
    m.keep_numbers = True
    assert view.keep.value is True
    with pytest.raises(traitlets.TraitError):
        m.keep_people = "yes"     # a trait, typed: not any value a caller assigns


def test_typing_in_a_form_field_never_sends_an_older_value_back(panels):
    """The raw JSON and the form change together when the model publishes: the box being typed in hears only its
    own value (an older one sent back would flicker and move the cursor)."""
    view = panels[1]
    seen: list = []
    view.fields["callerIdName"].observe(lambda c: seen.append(c["new"]), names="value")
    view.fields["callerIdName"].value = "Acme"
    assert seen == ["Acme"] and '"callerIdName": "Acme"' in view.raw.value
    modes: list = []
    view.mode.observe(lambda c: modes.append(c["new"]), names="value")
    view.mode.value = "user"
    assert modes == ["user"]


def test_an_error_stays_when_the_history_grows_and_the_selection_stays_too(panels):
    view = panels[1]
    m = view.model
    view.send_button.click()
    view.plumbing.value = True
    chosen = view.history.options[0][1]
    view.history.value = (chosen,)
    session = m.session

    def failing(cid, timeout=60):
        session.send("GET", f"/api/v2/conversations/calls/{cid}")   # a poll joins the History ...
        raise RuntimeError("the call was not found")                  # ... then the action fails

    session.follow_call = failing
    view.follow_button.click()
    assert m.last_error == "RuntimeError: the call was not found" and "not found" in view.error.value
    assert view.history.value == (chosen,) and m.selected == [chosen]


def test_evidence_added_twice_is_the_tickets_evidence_when_its_tab_opens(sim):
    from diag.app.workbench import Workbench

    curl = ("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'Content-Type: application/json' "
            "--data-raw '{\"to\": {\"phoneNumber\": \"+13175550161\"}}'")
    wb = Workbench(connect(simulator=sim))
    for text in (curl, curl.replace("0161", "0162")):
        wb.tabs.selected_index = 2
        wb.evidence.paste.value = text
        wb.evidence.read_button.click()
        wb.evidence.add_button.click()
        assert "evidence" in wb.composer.ticket.value          # the composer's ticket line, with no refresh
        added = wb.ticket.model.evidence
        wb.tabs.selected_index = 4
        assert added and wb.ticket.evidence.value == added == wb.ticket.model.evidence


def test_the_ticket_panel_keeps_its_choices_when_its_lists_are_read_again(panels, sim):
    view = panels[5]
    m = view.model
    other = connect(simulator=sim)
    other.call({"phoneNumber": "+13175550100"})       # a saved session in the workspace
    view.refresh_button.click()
    saved = [v for _, v in view.source.options if v != "this session"]
    view.source.value = saved[0]
    view.refresh_button.click()
    assert m.source == saved[0] and view.source.value == saved[0]
