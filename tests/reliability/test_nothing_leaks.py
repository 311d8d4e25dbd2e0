"""Issue #15, item by item: each shape that once leaked, or broke an export, as the attacker tried it."""
import json
import os
import re
import stat
import subprocess
import zipfile

import pytest

from diag.app import cli
from diag.app.ticket import bundle_from_session
from diag.client.connect import connect
from diag.core.exchange import ExchangeLog
from diag.core.regions import REGIONS, Region
from diag.reports.bundle import build_bundle
from diag.sim import Simulator

CALLS = "/api/v2/conversations/calls"
NUMBER = "+13175550161"
NATIONAL = "3175550161"


def files_of(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")}


def digits_anywhere(text: str, digits: str) -> bool:
    """The digits, whatever stands between them (separators, escapes), outside SVG path data."""
    flat = re.sub(r"\\[tnrvf]|\\u[0-9a-fA-F]{4}|[^0-9A-Za-z]", "", text)
    return digits in flat


def bundle_files(session, tmp_path, name="t.zip", **kw) -> dict[str, str]:
    return files_of(bundle_from_session(tmp_path / name, session, **kw).path)


@pytest.fixture
def sim():
    with Simulator(seed=15, overrides={"call_timeline_seconds": 0.2}) as s:
        yield s


# ---- 1. a token pasted with a line break --------------------------------------------------------------------

def test_a_token_pasted_with_a_line_break_is_never_echoed(sim):
    from diag.app.widgets.connect import ConnectModel, ConnectView

    with Simulator(seed=2, region="eu_west_1") as real:
        table = {"eu_west_1": Region("eu_west_1", real.base_url, real.base_url)}
        token = real.user_token("sam")
        view = ConnectView(ConnectModel(connector=lambda region=None, **kw: connect(
            region, regions=table, environ={}, dotenv=None, **kw)))
        view.region.value = "eu_west_1"
        view.token.value = token[:12] + "\n" + token[12:]
        view.button.click()
        shown = view.error.value + view.status.value + json.dumps(
            [c.get_state() for c in view.widget.children], default=str) + str(view.model.last_error)
        assert "line break or space 12 characters in" in view.error.value
        assert token[:12] not in shown and token[12:] not in shown and view.token.value == ""


# ---- 2. numbers in every shape ---------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "+1\u00a0317\u00a0555\u00a00161", "+1\t317\t555\t0161", "+1\u2009317\u2009555\u20090161",
    "+1\u00b7317\u00b7555\u00b70161", "+1\u00ad317\u00ad555\u00ad0161", "+1\n317\n555\n0161",
    "sip:3175550161@edge", "sip:0013175550161@edge", "tel:+1-317-555-0161", "00 1 317 555 0161"])
def test_a_number_in_any_spelling_leaves_no_digits_in_any_file(sim, tmp_path, written):
    s = connect(simulator=sim)
    s.call({"phoneNumber": written, "priority": "high"})       # a 400 too: findings quote the value
    s.call({"phoneNumber": written})
    files = bundle_files(s, tmp_path)
    for name, text in files.items():
        if not name.startswith("charts/"):
            assert not digits_anywhere(text, NATIONAL), name


def test_numbers_as_json_integers_and_in_attributes_are_pseudonymised(sim, tmp_path):
    s = connect(simulator=sim)
    s.send("POST", CALLS, {"phoneNumber": 13175550161})
    s.call({"phoneNumber": "+13175550162", "attributes": {"callback": "317 555 0163", "n": 3175550164},
            "uuiData": "cb=3175550165", "callerIdName": "call 317-555-0166"})
    files = bundle_files(s, tmp_path)
    for name, text in files.items():
        if not name.startswith("charts/"):
            for n in ("3175550161", "3175550162", "3175550163", "3175550164", "3175550165", "3175550166"):
                assert not digits_anywhere(text, n), (name, n)
    assert "PN" in files["exchanges.jsonl"]


def test_ids_times_and_measurements_are_left_alone(sim, tmp_path):
    s = connect(simulator=sim)
    ex = s.call({"phoneNumber": NUMBER})
    text = files_of(build_bundle(tmp_path / "t.zip", list(s.log)).path)["exchanges.jsonl"]
    assert ex.correlation_id in text and ex.response_body["id"] in text and ex.started[:19] in text


# ---- 3. people ----------------------------------------------------------------------------------------

def test_names_and_emails_become_stable_pseudonyms_unless_kept(tmp_path):
    with Simulator(seed=15, overrides={"call_timeline_seconds": 0.2}) as sim:
        user = sim.org.users[sim.user_id("avery")]
        s = connect(simulator=sim)
        user.name, user.email = "Zelda Canaryname", "zelda.canary@example.com"
        s.send("GET", "/api/v2/users/me")
        ex = s.call({"phoneNumber": NUMBER, "callerIdName": "Zelda\u00a0Canaryname",
                     "attributes": {"note": "for zelda.canary@example.com, Zelda Canaryname"}})
        s.follow_call(ex.response_body["id"], timeout=3, interval=0.05)
        b = bundle_from_session(tmp_path / "t.zip", s)
        files = files_of(b.path)
        for name, text in files.items():
            assert "canaryname" not in text.lower() and "zelda.canary" not in text.lower(), name
        assert "user-" in files["exchanges.jsonl"] and b.redaction_report["people_pseudonymised"] >= 2
        kept = bundle_from_session(tmp_path / "k.zip", s, keep_people=True)
        assert "Zelda Canaryname" in files_of(kept.path)["exchanges.jsonl"]
        assert kept.redaction_report["people_kept"] is True


# ---- 4. secrets in text bodies, URLs and custom headers ----------------------------------------------------

SECRETS = {"client_secret": "cs-CANARY-0a1b2c", "password": "pw-CANARY-3d4e5f", "refresh_token": "rt-CANARY-6a7b8c",
           "id_token": "it-CANARY-9d0e1f", "code": "co-CANARY-2a3b4c", "code_verifier": "cv-CANARY-5d6e7f"}


def test_secrets_by_name_in_text_bodies_urls_and_headers_never_reach_the_log_or_bundle(sim, tmp_path):
    s = connect(simulator=sim)
    query = "&".join(f"{k}={v}" for k, v in SECRETS.items() if k not in ("client_secret",))
    s.send("GET", f"/api/v2/users/me?{query}")
    s.send("POST", "/api/v2/usage/query", "password=pw-CANARY-3d4e5f&refresh_token=rt-CANARY-6a7b8c")
    s.send("POST", "/api/v2/usage/query", '{"password": "pw-CANARY-3d4e5f", "pwd": "pw-CANARY-3d4e5f",')
    s.send("GET", "/api/v2/users/me", headers={"X-Auth-Token": "hd-CANARY-8a9b0c",
                                               "X-Session": "sid=hd-CANARY-1d2e3f"})
    outputs = [json.dumps([e.to_dict() for e in s.log]), repr(s.log), s.log.save(tmp_path / "l.jsonl").read_text()]
    outputs += list(bundle_files(s, tmp_path).values())
    for text in outputs:
        for value in [*SECRETS.values(), "hd-CANARY-8a9b0c", "hd-CANARY-1d2e3f"]:
            if value.startswith("cs-"):
                continue   # never sent: the gate refuses a client secret to the API host
            assert value not in text


def test_the_error_code_field_is_not_taken_for_an_authorization_code(sim):
    s = connect(simulator=sim)
    ex = s.call({"to": NUMBER})
    assert ex.error_code == "bad.request" and ex.response_body["code"] == "bad.request"


# ---- 5. the ticket's source ----------------------------------------------------------------------------

@pytest.fixture
def real_log(tmp_path, monkeypatch):
    with Simulator(seed=3, region="eu_west_1") as real:
        region = Region("eu_west_1", real.base_url, real.base_url)
        s = connect("eu_west_1", token=real.user_token(), regions={"eu_west_1": region}, environ={}, dotenv=None)
        s.call({"phoneNumber": NUMBER}, confirm=lambda prompt: True)
        yield s.log.save(tmp_path / "real.jsonl"), real, region


def test_a_real_orgs_log_is_labelled_as_such_and_never_gets_the_simulators_charts(real_log, tmp_path, capsys):
    log, _real, _region = real_log
    assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t.zip"), "--usage-days", "7"]) == 2
    err = capsys.readouterr().err
    assert "REAL ORG" in err and "--region eu_west_1" in err and not (tmp_path / "t.zip").exists()
    assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t.zip")]) == 0
    files = files_of(tmp_path / "t.zip")
    assert "REAL ORG" in files["summary.md"] and "simulator" not in files["summary.md"].split("\n")[0]
    assert not any(n.startswith("data/usage") for n in files)


def test_mixing_sources_in_one_ticket_is_refused(real_log, sim, tmp_path):
    log, _real, _region = real_log
    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    with pytest.raises(ValueError, match="more than one place"):
        build_bundle(tmp_path / "t.zip", list(ExchangeLog.load(log)) + list(s.log))
    with pytest.raises(ValueError, match="this session is simulator"):
        bundle_from_session(tmp_path / "u.zip", s, exchanges=list(ExchangeLog.load(log)))


# ---- 6. files ---------------------------------------------------------------------------------------

def test_bundle_out_never_overwrites_unasked_nor_its_own_input(sim, tmp_path, capsys):
    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    log = s.log.save(tmp_path / "log.jsonl")
    before = log.read_bytes()
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    assert cli.main(["bundle", "--log", str(log), "--out", str(other)]) == 2
    assert other.read_text() == "mine" and "exists" in capsys.readouterr().err
    for force in ([], ["--force"]):
        assert cli.main(["bundle", "--log", str(log), "--out", str(log), *force]) == 2
        assert log.read_bytes() == before
    assert "is an input of the bundle" in capsys.readouterr().err
    assert cli.main(["bundle", "--log", str(log), "--out", str(other), "--force"]) == 0
    assert zipfile.is_zipfile(other)


def test_logs_are_private_atomic_and_not_overwritten_unasked(sim, tmp_path):
    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    path = s.log.save(tmp_path / "log.jsonl")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(FileExistsError):
        s.log.save(path)
    s.log.save(path, append=True)
    assert len(ExchangeLog.load(path)) == 2 * len(s.log)
    s.log.save(path, overwrite=True)
    assert len(ExchangeLog.load(path)) == len(s.log)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_diag_call_log_is_private(tmp_path, capsys):
    body = tmp_path / "b.json"
    body.write_text(json.dumps({"phoneNumber": NUMBER}))
    assert cli.main(["call", "--log", str(tmp_path / "c.jsonl"), str(body)]) == 0
    assert stat.S_IMODE(os.stat(tmp_path / "c.jsonl").st_mode) == 0o600


def test_repro_sh_quotes_every_body_with_shlex(sim, tmp_path):
    s = connect(simulator=sim)
    s.send("POST", "/api/v2/usage/query", {"interval": "x'; touch /tmp/pwned-$(id -u); echo '`id`\"$HOME"})
    sh = files_of(bundle_from_session(tmp_path / "t.zip", s).path)["repro.sh"]
    (tmp_path / "repro.sh").write_text(sh)
    assert subprocess.run(["bash", "-n", str(tmp_path / "repro.sh")]).returncode == 0
    line = next(ln for ln in sh.splitlines() if "--data" in ln)
    import shlex
    words = shlex.split(line)
    assert any("touch /tmp/pwned-$(id -u)" in w for w in words)    # one literal word, never a command


# ---- 7. bad input: messages, not tracebacks ---------------------------------------------------------------

GOOD = None


@pytest.fixture
def good_line(sim):
    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    return s.log[0].to_dict()


@pytest.mark.parametrize("change,expected", [
    (lambda g: [1, 2], "not an object"), (lambda g: dict(g, url=5), "`url` should be text"),
    (lambda g: dict(g, status=200.5), "`status`"), (lambda g: dict(g, seq="x"), "`seq`"),
    (lambda g: dict(g, request_headers=[]), "`request_headers`"), (lambda g: dict(g, notes=None), "`notes`"),
    (lambda g: dict(g, findings=[{}]), "`findings`"), (lambda g: dict(g, rate_limit=None), "`rate_limit`"),
    (lambda g: dict(g, region=["eu"]), "`region`"), (lambda g: dict(g, error_code={}), "`error_code`"),
    (lambda g: dict(g, started="yesterday"), "ISO-8601"), (lambda g: dict(g, duration_ms="slow"), "`duration_ms`")])
def test_a_malformed_saved_log_gets_a_message_with_its_line(good_line, tmp_path, capsys, change, expected):
    log = tmp_path / "bad.jsonl"
    log.write_text(json.dumps(good_line) + "\n" + json.dumps(change(good_line)) + "\n")
    assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t.zip")]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and expected in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b'{"seq": 1, "started": "20', "[" * 100000 + "]" * 100000,
                                     b'{"a": "\\ud800"}', "caf\u00e9".encode("utf-16")])
def test_cut_short_deep_and_undecodable_logs_are_messages(tmp_path, capsys, content):
    log = tmp_path / "bad.jsonl"
    log.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert cli.main(["bundle", "--log", str(log), "--out", str(tmp_path / "t.zip")]) == 2
    assert "bad.jsonl" in capsys.readouterr().err


def test_integers_over_4300_digits_are_a_message(sim, tmp_path, capsys):
    text = '{"phoneNumber": "+13175550161", "priority": ' + "9" * 5000 + "}"
    body = tmp_path / "b.json"
    body.write_text(text)
    assert cli.main(["validate", str(body)]) == 2
    assert "more than 4,300 digits" in capsys.readouterr().err
    from diag.core.doctor import check_text
    assert check_text(text).verdict == "refused"
    ex = connect(simulator=sim).call(text)
    assert ex.findings and "4,300" in ex.findings[0]["message"]


@pytest.mark.parametrize("allowed", ["0", "abc", "1.5", "9" * 5000, "\u0663\u0660\u0660"])
def test_odd_rate_limit_headers_read_as_unknown(sim, allowed):
    from diag.client.pacing import run_batch

    s = connect(simulator=sim, sleep=lambda t: None) if "sleep" in connect.__code__.co_varnames else \
        connect(simulator=sim)
    s.last_rate_limit = {"inin-ratelimit-allowed": allowed, "inin-ratelimit-count": allowed}
    text = s.preflight().text()
    assert "rate limit" in text
    s.last_rate_limit = {"inin-ratelimit-allowed": allowed}
    result = run_batch(s, [{"phoneNumber": NUMBER}], progress=False)
    assert len(result.exchanges) == 1


# ---- 8. a cut-short answer keeps its correlation id ---------------------------------------------------------

@pytest.mark.parametrize("over_http", [False, True])
def test_a_cut_short_answer_keeps_its_correlation_id(sim, over_http):
    if over_http:
        sim.start()
    s = connect(sim_url=sim.base_url) if over_http else connect(simulator=sim)
    sim.faults.add(CALLS + "$", "truncated", method="POST")
    ex = s.call({"phoneNumber": NUMBER})
    assert ex.status is None and ex.transport_error and re.fullmatch(r"[0-9a-f-]{36}", ex.correlation_id or "")
    assert any("cut short" in n for n in ex.notes)


def test_the_regions_table_is_untouched():
    assert all("127.0.0.1" not in r.api_base for r in REGIONS.values())


def test_a_pseudonymised_value_inside_a_longer_id_does_not_stop_the_export(tmp_path):
    # found by the 1,000-exchange benchmark: "1000000000" pseudonymised, then "found" inside a client id
    from diag.core.exchange import Exchange

    ex = Exchange(seq=1, started="2026-11-28T03:00:00.000+00:00", method="GET", url="https://x/api/v2/usage",
                  path="/api/v2/usage", template=None, request_headers={}, request_body=None, status=200,
                  response_headers={"inin-ratelimit-allowed": "1000000000"},
                  response_body={"clientId": "c1000000-0000-4000-8000-0000000000c1", "note": "call 3175550161"})
    text = files_of(build_bundle(tmp_path / "t.zip", [ex]).path)["exchanges.jsonl"]
    assert "c1000000-0000-4000-8000-0000000000c1" in text and "3175550161" not in text


def test_basic_credentials_in_base64_without_their_prefix_are_redacted(sim, tmp_path):
    import base64

    blob = base64.b64encode(b"c1000000-0000-4000-8000-00000000cafe:CANARY-unknown-secret-9f").decode()
    s = connect(simulator=sim)
    s.send("POST", "/api/v2/usage/query", {"note": "auth " + blob})
    s.send("POST", "/api/v2/usage/query", "creds=" + blob)
    outputs = [json.dumps([e.to_dict() for e in s.log]), *bundle_files(s, tmp_path).values()]
    assert not any(blob in text or blob[8:40] in text for text in outputs)


# ---- the second red-team pass ---------------------------------------------------------------------------

def test_client_names_reach_neither_csv_nor_chart(sim, tmp_path):
    from diag.app.ticket import usage_chart_makers, usage_charts

    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    makers, frames = usage_charts(s, 7)
    canary = "desk of zelda.canary@example.com +1 317 555 0161"
    frames["usage"] = frames["usage"].assign(clientName=canary)     # pandas' own string dtype, not object
    b = build_bundle(tmp_path / "t.zip", list(s.log), frames=frames, figures=usage_chart_makers(s.label, "7 days"))
    with zipfile.ZipFile(b.path) as z:
        assert "desk of email-" in z.read("data/usage.csv").decode()   # the client is there, pseudonymised
        for n in z.namelist():
            text = z.read(n).decode("utf-8", "replace")
            assert "zelda.canary" not in text, n
            if n.endswith(".csv"):
                assert not digits_anywhere(text, NATIONAL), n
    # the chart is drawn from the cleaned frame: its labels carry the pseudonym (matplotlib writes SVG text as
    # paths, so the label is checked on the figure the maker draws)
    from matplotlib.text import Text
    fig = makers["clients"]({"usage": frames["usage"].assign(clientName="desk of email-1")})
    fig.canvas.draw()
    assert any("email-1" in t.get_text() for t in fig.findobj(Text))


def test_query_strings_people_and_keys_are_pseudonymised(sim, tmp_path):
    s = connect(simulator=sim)
    s.send("GET", "/api/v2/users/me", params={"q": "+13175550161", "email": "zelda.canary@example.com"})
    s.send("POST", CALLS, {"participants": [{"address": "+13175550162", "name": "Zelda Canaryname"}]})
    s.send("POST", "/api/v2/usage/query", {"attributes": {"+13175550163": "x"}, "callerId": 13175550164.0,
                                           "note": "Canaryname, Zelda called"})
    for name, text in bundle_files(s, tmp_path).items():
        assert "canary" not in text.lower(), name
        if not name.startswith("charts/"):
            for n in ("3175550161", "3175550162", "3175550163", "3175550164"):
                assert not digits_anywhere(text, n), (name, n)


def test_findings_never_quote_a_value_its_key_made_secret(sim, tmp_path):
    s = connect(simulator=sim)
    ex = s.call({"phoneNumber": NUMBER, "attributes": {"password": 12345678, "signature": "sig-CANARY-77"}})
    text = json.dumps(ex.to_dict()) + "".join(bundle_files(s, tmp_path).values())
    assert "12345678" not in text and "sig-CANARY-77" not in text


def test_large_metrics_never_make_an_export_impossible(tmp_path):
    from diag.core.exchange import Exchange

    ex = Exchange(seq=1, started="2026-11-28T03:00:00.000+00:00", method="POST",
                  url="https://api.mypurecloud.com/api/v2/analytics/conversations/aggregates/query",
                  path="/api/v2/analytics/conversations/aggregates/query", template=None, request_headers={},
                  request_body={"interval": "2026-11-01/2026-11-28"}, status=200,
                  response_body={"results": [{"stats": {"sum": 98765432, "max": 3600123, "count": 12345678}}],
                                 "total": 2345678, "pageCount": 1234567}, simulated=False, region="us_east_1")
    text = files_of(build_bundle(tmp_path / "t.zip", [ex]).path)["exchanges.jsonl"]
    assert "98765432" in text and "3600123" in text


def test_appending_follows_symlinks_and_refuses_other_files(sim, tmp_path):
    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    real = s.log.save(tmp_path / "real.jsonl")
    (tmp_path / "link.jsonl").symlink_to(real)
    s.log.save(tmp_path / "link.jsonl", append=True)
    assert (tmp_path / "link.jsonl").is_symlink() and len(ExchangeLog.load(real)) == 2 * len(s.log)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a diag exchange log"):
        s.log.save(other, append=True)
    assert other.read_text() == "a,b\n1,2\n"


def test_a_chart_a_panel_already_showed_is_cleaned_again_for_the_ticket(sim, tmp_path):
    """The dashboard draws its charts with the org's real labels; the ticket draws them again with pseudonyms. A
    picture kept from the panel's draw would carry the real labels into the ticket."""
    import matplotlib
    from matplotlib.figure import Figure

    from diag.reports import charts

    s = connect(simulator=sim)
    s.call({"phoneNumber": NUMBER})
    fig = Figure()
    ax = fig.add_subplot()
    ax.bar(["desk of zelda.canary@example.com"], [3])
    ax.set_title("calls to +1 317 555 0161")
    shown = charts.rendered(fig, ("png",))["png"]          # what the panel put on screen
    with matplotlib.rc_context({"svg.fonttype": "none"}):   # SVG text as text: searchable
        b = build_bundle(tmp_path / "t.zip", list(s.log), figures={"clients": fig})
    with zipfile.ZipFile(b.path) as z:
        svg, png = z.read("charts/clients.svg").decode(), z.read("charts/clients.png")
    assert "zelda.canary" not in svg and not digits_anywhere(svg, NATIONAL) and "email-" in svg
    assert png != shown
