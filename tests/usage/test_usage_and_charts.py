"""From usage queries to tidy frames and charts, against the simulator's history."""
import datetime as dt

import matplotlib
import pytest

matplotlib.use("Agg")

from diag.app import cli
from diag.client.connect import connect
from diag.client.usage import UsageQuery, client_usage_summary, outbound_frame, query_usage, ratelimit_frame
from diag.core.errors import UsageQueryError
from diag.core.frames import exchange_frame, load_csv, save_csv, usage_frame
from diag.reports import charts
from diag.sim import Simulator

POLL = {"poll_interval": 0.01, "progress": False}


@pytest.fixture
def session(sim):
    return connect(simulator=sim)


def known_totals(sim, start, end, client=None):
    rows = [r for r in sim.app.usage_history if start <= r["day"] < end and (client is None or r["clientId"] == client)]
    return {k: sum(r[k] for r in rows) for k in ("requests", "status400", "status429", "status500", "status200")}


def test_frame_columns_types_and_sums(sim, session):
    end = sim.app.history_end + dt.timedelta(days=1)
    q = UsageQuery.build(interval=f"{end - dt.timedelta(days=30)}/{end}", group_by=["OAuthClientId", "TemplateUri"])
    frame = query_usage(session, q, **POLL)
    assert str(frame["date"].dtype).startswith("datetime64") and str(frame["date"].dt.tz) == "UTC"
    for col in ("status200", "status300", "status400", "status429", "status500", "requests", "status4xx_other"):
        assert frame[col].dtype == "int64"
    expected = known_totals(sim, end - dt.timedelta(days=30), end)
    for key, value in expected.items():
        assert frame[key].sum() == value
    assert frame["date"].nunique() == 30


def test_429_is_never_counted_twice(sim, session):
    q = UsageQuery.build(days=120, group_by=["OAuthClientId"], now=dt.datetime.now(dt.timezone.utc))
    frame = query_usage(session, q, **POLL)
    assert (frame["status4xx_other"] + frame["status429"] == frame["status400"]).all()
    classes = frame["status200"] + frame["status300"] + frame["status4xx_other"] + frame["status429"] + frame["status500"]
    assert (classes == frame["requests"]).all()
    burst = frame.loc[frame["share_429"].idxmax()]
    assert burst["clientName"] == "Wallboard sync" and burst["share_429"] > 0.2


def test_long_windows_are_split_into_90_day_queries(sim, session):
    q = UsageQuery.build(days=120, group_by=[])
    assert [round((w.end - w.start).days) for w in q.windows()] == [90, 30]
    before = len(session.log)
    frame = query_usage(session, q, **POLL)
    posts = [e for e in session.log[before:] if e.method == "POST"]
    assert len(posts) == 2 and frame["date"].nunique() == 120


def test_polling_until_complete_with_backoff(session):
    slept = []
    s = session
    s.sleep = slept.append
    q = UsageQuery.build(days=3)
    query_usage(s, q, poll_interval=1.0, progress=False, api="query")
    gets = [e for e in s.log if e.method == "GET"]
    assert [e.response_body["queryStatus"] for e in gets] == ["Running", "Complete"]
    assert slept == [1.0]


def test_the_jobs_api_answers_by_default_and_counts_genesys_built_in_clients(session):
    q = UsageQuery.build(days=30, group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
    jobs = query_usage(session, q, poll_interval=0, progress=False)
    older = query_usage(session, q, poll_interval=0, progress=False, api="query")
    assert jobs.attrs["usage_api"] == "POST /api/v2/usage/aggregates/query/jobs"
    assert older.attrs["usage_api"] == "POST /api/v2/usage/query"
    posts = [e.path for e in session.log if e.method == "POST"]
    assert posts[0] == "/api/v2/usage/aggregates/query/jobs" and "/api/v2/usage/query" in posts
    built_in = jobs[jobs["clientName"].str.endswith("(Genesys built-in)")]
    assert not built_in.empty and set(built_in["clientName"]) == {"Genesys Cloud UI (Genesys built-in)"}
    # the same history: every integration's counts agree; only the built-in client's traffic is extra
    own = jobs[~jobs["clientName"].str.endswith("(Genesys built-in)")]
    assert own["requests"].sum() == older["requests"].sum() and own["status429"].sum() == older["status429"].sum()
    assert jobs["requests"].sum() == older["requests"].sum() + built_in["requests"].sum()


def test_the_older_query_answers_labelled_when_the_jobs_api_refuses():
    from diag.sim import Simulator

    # a caller with the older query's permission (oauth:client:view) and not the jobs API's (usage:organization:view)
    clients = [{"id": "c1000000-0000-4000-8000-0000000000d1", "secret": "s3cret-jobs-refused", "name": "Old reader",
                "grant": "client_credentials", "permissions": ["oauth:client:view"]}]
    with Simulator(seed=4, overrides={"clients": clients}) as sim:
        s = connect(sim_url=sim.base_url, token=sim.state.mint("client", clients[0]["id"], None).value)
        frame = query_usage(s, UsageQuery.build(days=7), poll_interval=0, progress=False)
    assert frame.attrs["usage_api"].startswith("POST /api/v2/usage/query (fallback: POST "
                                               "/api/v2/usage/aggregates/query/jobs answered 403")
    assert "built-in clients out" in frame.attrs["usage_api"]
    assert [(e.path, e.status) for e in s.log if e.method == "POST"] == [
        ("/api/v2/usage/aggregates/query/jobs", 403), ("/api/v2/usage/query", 202)]


def test_an_interval_beyond_a_year_goes_to_the_older_query_and_says_why(session):
    q = UsageQuery.build(days=400, group_by=[])
    frame = query_usage(session, q, poll_interval=0, progress=False)
    assert frame.attrs["usage_api"].startswith("POST /api/v2/usage/query (fallback: the jobs API reaches back one "
                                               "year")


def test_polling_gives_up_within_its_bound():
    with Simulator(overrides={"usage_running_polls": 1000}) as sim:
        s = connect(simulator=sim, sleep=lambda t: None)
        with pytest.raises(UsageQueryError, match="still Running"):
            query_usage(s, UsageQuery.build(days=3), poll_interval=0.01, timeout=0.05, progress=False)


@pytest.mark.parametrize("kwargs,field", [
    ({"days": 0}, "days"), ({"interval": "last week"}, "interval"), ({"interval": "2026-02-01/2026-01-01"}, "interval"),
    ({"days": 7, "granularity": "Hour"}, "granularity"), ({"days": 7, "group_by": ["Endpoint"]}, "groupBy"),
    ({"days": 7, "metrics": ["Status404"]}, "metrics"), ({}, "interval"),
])
def test_bad_parameters_are_rejected_before_sending(kwargs, field):
    with pytest.raises(UsageQueryError) as info:
        UsageQuery.build(**kwargs)
    assert info.value.field == field and str(info.value)


def test_client_query_rejects_user_id():
    with pytest.raises(UsageQueryError, match="groupBy"):
        UsageQuery.build(days=7, group_by=["UserId"], allow_user=False)


def test_client_usage_summary(sim, session):
    frame = client_usage_summary(session, sim.client().id, days=7, **POLL)
    assert frame["date"].nunique() == 7 and set(frame["templateUri"]) >= {"api/v2/conversations/calls"}


def test_ratelimit_and_outbound_frames(sim, session):
    q = UsageQuery.build(days=90)
    rl = ratelimit_frame(session, q.interval)
    assert set(rl.columns) == {"date", "limitName", "namespace", "entityId", "recorded"}
    assert rl["recorded"].sum() > 0 and (rl["entityId"] == sim.client("Wallboard sync").id).any()
    ob = outbound_frame(session, q.interval)
    assert ob["nOutboundAttempted"].sum() > ob["nOutboundConnected"].sum() > 0
    assert set(ob["disconnectType"]) == {"peer", "timeout", "error"}


def test_exchange_frame_has_exact_codes(session):
    session.call({"phoneNumber": "+13175550100"})
    session.send("POST", "/api/v2/conversations/calls", {"to": "x"})
    session.send("GET", "/api/v2/conversations/calls/nope")
    frame = exchange_frame(session.log)
    assert sorted(frame["status"]) == [200, 400, 404] and frame["count"].dtype == "int64"


def test_csv_round_trip(sim, session, tmp_path):
    frame = query_usage(session, UsageQuery.build(days=10, group_by=["UserId", "TemplateUri"]), **POLL)
    loaded = load_csv(save_csv(frame, tmp_path / "usage.csv"))
    assert list(loaded.columns) == list(frame.columns)
    assert loaded["requests"].sum() == frame["requests"].sum() and loaded["status429"].dtype == "int64"
    assert str(loaded["date"].dt.tz) == "UTC" and (loaded["date"] == frame["date"]).all()


# ---- charts ----

def all_charts(frames, source="simulator", interval="test"):
    usage, rl, ob, ex = frames
    return {"classes": charts.status_classes_over_time(usage, source, interval),
            "top": charts.top_endpoints(usage, source, interval),
            "clients": charts.clients_comparison(usage, source, interval),
            "codes": charts.exact_status_codes(ex, source, interval),
            "outbound": charts.outbound_outcomes(ob, source, interval),
            "pressure": charts.ratelimit_pressure(rl, usage, source, interval)}


def frames_for(session, days):
    q = UsageQuery.build(days=days, group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
    session.call({"phoneNumber": "+13175550100"})
    return (query_usage(session, q, **POLL), ratelimit_frame(session, q.interval),
            outbound_frame(session, q.interval), exchange_frame(session.log))


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("days", [90, 1])
def test_every_chart_renders_to_png_and_svg(session, tmp_path, days):
    for name, fig in all_charts(frames_for(session, days), "simulator", f"{days} days").items():
        png, svg = charts.save_figure(fig, tmp_path / name)
        assert png_size(png) == (1000, 520) and png.stat().st_size > 5000
        assert "<svg" in svg.read_text()[:500]
        assert fig.texts or fig._suptitle is not None
        assert "simulator" in fig._suptitle.get_text()


def test_charts_with_no_data_say_so(tmp_path):
    empty_usage = usage_frame([], group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
    from diag.core.exchange import ExchangeLog
    empties = (empty_usage, None, None, exchange_frame(ExchangeLog()))
    for name, fig in all_charts(empties).items():
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(t.startswith("No ") for t in texts), name
        png, _ = charts.save_figure(fig, tmp_path / name)
        assert png_size(png) == (1000, 520)


def test_usage_charts_carry_the_freshness_note(session):
    fig = charts.status_classes_over_time(frames_for(session, 7)[0], "simulator", "7 days")
    assert any("24 h" in t.get_text() for t in fig.texts)


def test_cli_usage_writes_csv_and_png(tmp_path, capsys):
    code = cli.main(["usage", "--days", "14", "--group-by", "TemplateUri,HttpMethod", "--csv",
                     str(tmp_path / "u.csv"), "--png", str(tmp_path / "u.png"), "--poll-interval", "0.01"])
    out = capsys.readouterr().out
    assert code == 0 and "top by errors" in out and "24 h" in out
    assert "  from POST /api/v2/usage/aggregates/query/jobs" in out
    assert load_csv(tmp_path / "u.csv")["date"].nunique() == 14
    assert png_size(tmp_path / "u.png") == (1000, 520)


def test_cli_usage_bad_parameter(capsys):
    assert cli.main(["usage", "--days", "7", "--granularity", "Hour"]) == 2
    assert "granularity" in capsys.readouterr().err


def test_nothing_of_the_users_is_overwritten_by_a_csv_a_chart_or_diag_usage(tmp_path, capsys):
    from diag.app import cli

    frame = usage_frame([])
    kept = tmp_path / "mine.csv"
    kept.write_text("my own notes\n")
    with pytest.raises(FileExistsError):
        save_csv(frame, kept)
    assert kept.read_text() == "my own notes\n"
    save_csv(frame, kept, overwrite=True)   # only when asked
    fig = charts.status_classes_over_time(frame, "simulator", "test")
    (tmp_path / "c.svg").write_text("mine")
    with pytest.raises(FileExistsError):
        charts.save_figure(fig, tmp_path / "c")
    assert not (tmp_path / "c.png").exists() and (tmp_path / "c.svg").read_text() == "mine"
    png = tmp_path / "chart.png"
    png.write_bytes(b"mine")
    assert cli.main(["usage", "--days", "3", "--region", "simulator", "--png", str(png)]) == 2
    assert png.read_bytes() == b"mine" and "exists" in capsys.readouterr().err


def test_the_dashboard_the_command_line_and_the_ticket_say_which_usage_api_answered(session, tmp_path, capsys):
    import zipfile

    from diag.app.ticket import usage_charts
    from diag.app.widgets.dashboard import DashboardModel, DashboardView
    from diag.reports.bundle import build_bundle

    view = DashboardView(DashboardModel(session, days=30))
    view.run()
    assert "Usage from <code>POST /api/v2/usage/aggregates/query/jobs</code>" in view.source.value
    assert any(c.endswith("(Genesys built-in)") for c in view.model.clients)
    makers, frames = usage_charts(session, 30)
    bundle = build_bundle(tmp_path / "t.zip", list(session.log)[:1], frames=frames)
    summary = zipfile.ZipFile(bundle.path).read("summary.md").decode()
    assert "API usage from POST /api/v2/usage/aggregates/query/jobs." in summary


def test_a_chart_shown_again_unchanged_is_the_same_picture_and_a_changed_one_shows_its_change():
    fig, ax = charts._figure("Requests", "simulator", "1 day")
    ax.plot([1, 2, 3], [1, 4, 2])
    first = charts.rendered(fig, ("png",))["png"]
    both = charts.rendered(fig)               # the ticket's PNG is the one the dashboard showed
    assert both["png"] == first and b"<svg" in both["svg"][:500]
    ax.set_title("client Alpha")              # a change (a new label, a new line, new limits) draws afresh
    changed = charts.rendered(fig)
    assert changed["png"] != first and b"client Alpha" in changed["svg"]
    ax.lines[0].set_ydata([9, 9, 9])
    assert charts.rendered(fig)["svg"] != changed["svg"]
    with_limits = charts.rendered(fig)["png"]
    ax.set_ylim(0, 100)
    assert charts.rendered(fig)["png"] != with_limits


def test_a_charts_words_are_text_in_its_svg_and_the_setting_stays_diags_own():
    """Searchable, and read as words by the ticket's last look: not glyphs drawn as paths. A person's own plots in
    the same kernel keep matplotlib's setting."""
    import matplotlib

    fig, ax = charts._figure("Requests", "simulator", "1 day")
    ax.plot([1, 2, 3], [1, 4, 2])
    ax.set_title("calls per minute")
    svg = charts.rendered(fig)["svg"]
    assert b"<text" in svg and b"calls per minute" in svg and b"DejaVuSans-" not in svg
    assert matplotlib.rcParams["svg.fonttype"] == "path"
