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
