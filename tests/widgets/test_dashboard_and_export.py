"""The dashboard and the ticket export panels, driven from Python."""
import datetime as dt
import zipfile

import matplotlib
import pytest

matplotlib.use("Agg")

from diag.app.widgets.dashboard import DashboardModel, DashboardView
from diag.app.widgets.export import ExportModel, ExportView
from diag.client.connect import connect


@pytest.fixture
def session(sim):
    s = connect(simulator=sim)
    s.call({"phoneNumber": "+13175550142"})
    s.send("POST", "/api/v2/conversations/calls", {"to": "+13175550142"})
    return s


@pytest.fixture
def dashboard(session):
    model = DashboardModel(session, days=30)
    model.progress = False
    model.poll_interval = 0.01
    return DashboardView(model)


def test_dashboard_runs_the_query_and_shows_charts_and_offenders(dashboard):
    dashboard.granularity.value = "Week"
    dashboard.run_button.click()
    m = dashboard.model
    assert m.last_error is None and m.usage is not None and m.query.granularity == "Week"
    assert list(m.figures)[0] == "errors"                         # errors first, on their own axis
    assert set(m.figures) == {"errors", "status_classes", "top_endpoints", "clients", "rate_limit_pressure"}
    assert m.outbound_figure is not None
    assert len(dashboard.charts.outputs) == 5 and "image/png" in dashboard.charts.outputs[0]["data"]
    assert "(inclusive)" in dashboard.summary.value and " %" in dashboard.table.value
    assert "Top offenders" in dashboard.table.value and "api/v2/conversations/calls" in dashboard.table.value
    assert "CRM click-to-dial" in dashboard.client.options


def test_dashboard_filters(dashboard):
    dashboard.run_button.click()
    total = dashboard.model.filtered()["requests"].sum()
    assert dashboard.endpoint.continuous_update is False   # typing does not redraw six charts per key
    dashboard.endpoint.value = "usage/query"
    assert dashboard.model.filtered()["templateUri"].str.contains("usage/query").all()
    dashboard.endpoint.value = ""
    dashboard.client.value = "Wallboard sync"
    f = dashboard.model.filtered()
    assert set(f["clientName"]) == {"Wallboard sync"} and f["requests"].sum() < total
    assert list(dashboard.model.top_offenders()["endpoint"]) == [
        "POST /api/v2/analytics/conversations/aggregates/query"]


def test_dashboard_bad_range_is_shown(dashboard):
    dashboard.start.value = dt.date(2026, 2, 1)
    dashboard.end.value = dt.date(2026, 1, 1)
    dashboard.run_button.click()
    assert "is after To" in dashboard.error.value and "last day included" in dashboard.error.value


def test_to_is_inclusive_and_one_day_works(dashboard):
    today = dashboard.model.end
    dashboard.start.value = dashboard.end.value = today
    dashboard.run_button.click()
    assert dashboard.model.last_error is None
    assert dashboard.model.query.interval.split("/")[1].startswith((today + dt.timedelta(days=1)).isoformat())


def test_client_filter_says_when_it_needs_a_grouping(dashboard):
    dashboard.group_by.value = ("TemplateUri", "HttpMethod")
    dashboard.run_button.click()
    assert dashboard.client.disabled and "add OAuthClientId to Group by" in dashboard.client_note.value


def test_the_sessions_own_error_codes_are_a_table(dashboard, session):
    dashboard.run_button.click()
    assert "diag-codes" in dashboard.codes.value and "bad.request" in dashboard.codes.value
    assert "example correlation id" in dashboard.codes.value


def test_export_preview_and_zip(dashboard, session, tmp_path, monkeypatch):
    import diag.reports.bundle as bundle_module

    dashboard.run_button.click()
    view = ExportView(ExportModel(session, dashboard.model, out_dir=tmp_path))
    view.refresh_button.click()
    assert len(view.exchanges.options) == len(session.log) and "status_classes" in view.charts.options
    view.charts.value = ("status_classes", "top_endpoints")
    written = []
    real_write = bundle_module._write_zip
    monkeypatch.setattr(bundle_module, "_write_zip", lambda *a, **k: written.append(a) or real_write(*a, **k))
    view.preview_button.click()
    assert written == [] and not list(tmp_path.iterdir())   # a preview is assembled in memory: nothing written
    assert "Genesys Cloud API diagnosis" in view.summary.value and "+13175550142" not in view.summary.value
    assert "Redacted" in view.report.value
    view.export_button.click()
    assert len(written) == 1
    path = view.model.last_path
    names = zipfile.ZipFile(path).namelist()
    assert "charts/status_classes.png" in names and "charts/clients.png" not in names
    assert str(path) in view.report.value


def test_export_with_nothing_chosen_says_so(session, tmp_path):
    view = ExportView(ExportModel(session, None, out_dir=tmp_path))
    view.exchanges.value = ()
    view.export_button.click()
    assert "Choose at least one" in view.error.value and not list(tmp_path.iterdir())


def test_a_new_connection_moves_the_dashboard_and_the_export_to_that_org(dashboard, session):
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator

    dashboard.run_button.click()
    other = plain_connect(simulator=Simulator(seed=7))
    export = ExportView(ExportModel(session, dashboard.model))
    dashboard.set_session(other)
    assert dashboard.model.session is other and dashboard.model.usage is not None and dashboard.model.figures
    export.set_session(other)
    assert export.model.session is other and export.model.source == "this session"
    assert f"{len(other.log)} exchange(s)" in export.source.options[0][0]


def test_the_dashboard_says_which_limit_this_sessions_429s_hit():
    from diag.app.widgets.dashboard import DashboardModel, DashboardView
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator

    with Simulator(seed=5, overrides={"rate_limit": {"requests": 4, "window_seconds": 60}}) as low:
        s = plain_connect(simulator=low, max_429_resends=0)
        view = DashboardView(DashboardModel(s, days=7))   # its own usage query counts against the limit too
        for _ in range(6):
            s.send("GET", "/api/v2/users/me")
        view.limits_button.click()
    assert view.error.value == ""
    shown = view.limits.value
    assert "answered 429" in shown and "this session&#x27;s token" in shown and "Most likely hit" in shown
    assert "3000 (a Genesys staff answer on community.genesys.com)" in shown
    assert len(view.limits_chart.outputs) == 1


def test_the_codes_tab_reads_this_orgs_sessions_in_the_workspace(tmp_path, monkeypatch):
    from diag.app.widgets.dashboard import DashboardModel, DashboardView
    from diag.client.connect import connect as plain_connect
    from diag.sim import Simulator

    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    with Simulator(seed=7) as sim:
        earlier = plain_connect(simulator=sim)
        earlier.call({"to": "+13175550100"})                  # an earlier session's refused call: 400
        refused = earlier.log[-1].correlation_id
        view = DashboardView(DashboardModel(plain_connect(simulator=sim), days=7))
    assert "bad.request" in view.codes.value and refused in view.codes.value
    assert "Error answers of this org's sessions in the workspace" in view.codes.value


def test_the_session_source_counts_what_the_ticket_takes(session):
    """The source label counts every exchange and says how many are the person's (what the ticket takes unless
    chosen otherwise): it counted diag's own identity reads and polls as if the ticket held them."""
    with session.doing("identity"):
        session.send("GET", "/api/v2/users/me")
    model = ExportModel(session)
    label = model.sources()[0][0]
    yours = sum(1 for e in session.log if not e.purpose)
    assert f"{len(session.log)} exchange(s), {yours} of them yours" in label
    assert len([e for e in session.log if model.is_chosen(e)]) == yours
