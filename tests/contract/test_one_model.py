"""One model of Genesys for every operation and every caller: the doctor predicts from it, the simulator answers from
it (in-process and over HTTP), the CLI, the panels and the evidence reader ask it; they agree by construction."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.client.connect import connect
from diag.core import contract, model
from diag.core.doctor import check_for_operation, check_text
from diag.core.endpoints import all_operations
from diag.sim import Simulator
from tests.sizes import examples

USAGE = "POST /api/v2/usage/query"
AGG = "POST /api/v2/analytics/conversations/aggregates/query"


@pytest.fixture(scope="module")
def sim():
    return Simulator(seed=71, overrides={"rate_limit": {"requests": 10 ** 9, "window_seconds": 60}})


def ops_with_free_bodies():
    """Every operation whose body model has no required field (nor a required query parameter): {} is a valid body
    for it."""
    out = []
    for op in all_operations():
        spec = contract.model(op.body) if op.body else None
        if spec is not None and not any(f.get("r") for f in spec["fields"].values()) \
                and not any(q.get("r") for q in op.query):
            out.append(op)
    return out


def test_a_valid_body_of_any_operation_is_never_headlined_as_refused():
    """Seen before: every valid body of any other operation was "GENESYS REFUSES THIS" (the call model's "no
    destination" applied to all)."""
    refused = []
    for op in ops_with_free_bodies():
        if str(op).startswith("POST /api/v2/conversations/calls") and op.body == "CreateCallRequest":
            continue   # a call needs a destination
        report = check_for_operation(str(op), {})
        if report.verdict == "refused" or report.headline == "Genesys refuses this":
            refused.append((str(op), report.prediction.to_dict()))
    assert len(ops_with_free_bodies()) > 600 and refused == []


@pytest.mark.parametrize("body,status,code", [
    ({"interval": "2020-01/2020-06"}, 202, None),                          # the blog's own short form
    ({"interval": "2020-01/2020-06", "granularity": "Days"}, 400, "invalid.value"),
    ({"interval": "2020-01/2020-06", "metrics": "Requests"}, 400, "bad.request"),
    ({"interval": "2020-01/2020-06", "granularity": "day"}, 202, None),    # case: not documented (evidence unknown)
])
def test_rules_shared_by_every_operation(body, status, code):
    got = model.answer(model.Request("POST", "/api/v2/usage/query", body))
    assert (got.status, got.code) == (status, code)
    if code == "invalid.value":
        assert got.message == ("Value [Days] is not valid for field type [Granularity]. Allowable values are: Day, "
                               "Week, Month") and got.evidence == "documented"
    if code == "bad.request":
        assert got.message == "The request could not be understood by the server due to malformed syntax."
    if body.get("granularity") == "day":
        assert got.evidence == "unknown" and any("case" in n for n in got.notes)


def test_the_caller_is_part_of_every_prediction(sim):
    body = {"interval": "2026-01-01/2026-01-31"}
    expected = {"avery": (202, None), "riley": (403, "missing.any.permissions"),
                "client-credentials": (202, None)}
    for who, (status, code) in expected.items():
        caller = sim.caller(who)
        report = check_for_operation(USAGE, body, caller=caller)
        assert (report.prediction.status, report.prediction.code) == (status, code), who
    sam = sim.caller("sam")
    call = check_text('{"phoneNumber": "+13175550100"}', caller=sam)
    assert call.verdict == "refused" and call.prediction.code == "conversation.error.no.user.station"
    assert check_text('{"phoneNumber": "+13175550100"}', caller=sim.caller("client-credentials")).prediction.code \
        == "not.a.user"
    assert check_text('{"phoneNumber": "+13175550100"}', caller=sim.caller("riley")).prediction.status == 403


OPS = [USAGE, AGG, "POST /api/v2/conversations/faxes", "POST /api/v2/routing/queues", "PATCH /api/v2/users/{userId}",
       "POST /api/v2/conversations/calls", "PUT /api/v2/routing/queues/{queueId}"]
FIELD_VALUES = st.sampled_from(["", "x", 5, 5.5, True, None, [], {}, ["a"], {"a": 1}, "Day", "2020-01/2020-06",
                                "2026-01-01T00:00:00Z", "+13175550100"])


@st.composite
def requests(draw):
    op = draw(st.sampled_from(OPS))
    fields = list(contract.model(next(o for o in all_operations() if str(o) == op).body)["fields"])
    keys = draw(st.lists(st.sampled_from(fields + ["unknownKey", "Interval", "groupings"]), max_size=4, unique=True))
    return op, {k: draw(FIELD_VALUES) for k in keys}


@settings(max_examples=examples(300), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(requests(), st.sampled_from(["avery", "sam", "riley", "client-credentials"]))
def test_the_doctor_and_the_simulator_agree_on_any_operation(sim, request, who):
    op, body = request
    method, template = op.split(" ", 1)
    path = template.replace("{userId}", "0a000000-0000-4000-8000-0000000000a2").replace("{queueId}", "q-1")
    if who == "client-credentials":
        token = sim.state.mint("client", sim.client().id, None).value
    else:
        token = sim.user_token(who)
    session = connect(simulator=sim, token=token, environ={}, dotenv=None)
    report = check_for_operation(f"{method} {path}", body, caller=session.caller())
    try:
        ex = session.send(method, path, json.dumps(body).encode(), confirm=lambda p: True)
    except Exception as exc:   # the gate: only what the doctor says diag never sends
        assert report.blocked, (op, body, exc)
        return
    predicted = report.prediction
    if predicted.evidence == "unknown" and who == "client-credentials":
        # a client's permissions cannot be read with its own token: the model says it does not know, and names the
        # 403 it would be
        assert ex.status in (predicted.status, 403), (op, body, who)
        return
    assert (ex.status, ex.error_code) == (predicted.status, predicted.code), (op, body, who, predicted.message)


def test_the_simulator_answers_every_operation_with_its_response_model(sim):
    s = connect(simulator=sim, environ={}, dotenv=None)
    answered = 0
    for op in sorted(all_operations(), key=str)[::40]:   # a spread of the contract, every method
        if op.method not in ("GET", "DELETE") or "{" in op.path.rsplit("/", 1)[-1] and op.method == "DELETE":
            continue
        path = op.path.replace("{", "").replace("}", "")
        ex = s.send(op.method, path) if op.method == "GET" else None
        if ex is None:
            continue
        predicted = model.answer(model.Request(op.method, path))
        assert ex.status == predicted.status, (str(op), ex.status, ex.response_body)
        if ex.ok and op.response and isinstance(ex.response_body, dict):
            fields = contract.model(op.response)
            if fields is not None:
                assert set(ex.response_body) <= set(fields["fields"]), str(op)
        answered += 1
    assert answered > 30


def test_over_http_too(tmp_path):
    import requests

    with Simulator(seed=72) as running:
        token = running.user_token("riley")
        r = requests.post(running.base_url + "/api/v2/usage/query", json={"interval": "2026-01/2026-02"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 403 and r.json()["code"] == "missing.any.permissions"
        r = requests.get(running.base_url + "/api/v2/routing/queues/q-1",
                         headers={"Authorization": f"Bearer {running.user_token()}"}, timeout=10)
        assert r.status_code == 200 and set(r.json()) <= set(contract.model("Queue")["fields"])


def run(*args, stdin=b""):
    p = subprocess.run([sys.executable, "-m", "diag", *args], input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_validate_for_a_caller_and_region_means_a_region(tmp_path):
    body = json.dumps({"phoneNumber": "+13175550100"}).encode()
    code, out, _ = run("validate", "-", "--as", "sam", "--json", stdin=body)
    data = json.loads(out)
    assert data["prediction"]["code"] == "conversation.error.no.user.station" and "Sam" in data["caller"]
    assert code == 1   # the exit code says what the headline says: refused for this caller
    code, out, _ = run("validate", "-", "--as", "client-credentials", stdin=body)
    assert "not.a.user" in out and "client-credentials token" in out
    code, _, err = run("validate", "-", "--region", "US", stdin=body)
    assert code == 2 and "region" in err.lower()
    code, out, _ = run("validate", "-", "--country", "US", stdin=b'{"phoneNumber": "317 555 0100"}')
    assert "+13175550100" in out


def test_send_any_operation_from_the_command_line(tmp_path):
    f = tmp_path / "q.json"
    f.write_text(json.dumps({"interval": "2026-01/2026-02", "granularity": "Days"}))
    code, out, _ = run("send", "POST", "/api/v2/usage/query", str(f), "--json")
    data = json.loads(out)
    assert code == 1 and data["status"] == 400 and data["errorCode"] == "invalid.value"
    assert data["prediction"]["code"] == "invalid.value" and "modelled by diag" in data["answerSource"]
    code, out, _ = run("send", "GET", "/api/v2/users/me")
    assert code == 0 and "-> 200" in out and "the simulator's answer (modelled by diag, not Genesys)" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"interval": "2026-01/2026-02",}')
    code, out, _ = run("send", "POST", "/api/v2/usage/query", str(bad), "--json")
    data = json.loads(out)
    assert data["status"] == 400 and any("sent as written" in n for n in data["notes"])
    code, out, _ = run("send", "POST", "/api/v2/usage/query", str(bad), "--json", "--repair")
    data = json.loads(out)
    assert data["status"] == 202 and any("sent the repaired body" in n for n in data["notes"])
    assert data["prediction"]["status"] == 202   # predicted for the body that was sent, not the text as written


def test_corrected_bodies_for_any_operation():
    report = check_for_operation(AGG, {"interval": "2026-01-01T00:00:00Z/2026-01-08T00:00:00Z",
                                       "groupings": ["queueId"], "metrics": "nOffered", "type": "and",
                                       "predicates": []})
    assert report.fixed == {"interval": "2026-01-01T00:00:00Z/2026-01-08T00:00:00Z", "groupBy": ["queueId"],
                            "metrics": ["nOffered"], "filter": {"type": "and", "predicates": []}}
    assert any("renamed `groupings` to `groupBy`" in n for n in report.notes)
    assert any("moved `predicates` into `filter`" in n for n in report.notes)
    fixed = check_for_operation(USAGE, {"interval": "2026-01/2026-02", "granularity": "days"})
    assert fixed.fixed == {"interval": "2026-01/2026-02", "granularity": "Day"}


def test_preflight_for_any_operation(sim):
    s = connect(simulator=sim, token=sim.user_token("riley"), environ={}, dotenv=None)
    report = s.preflight(USAGE)
    assert not report.ok and "requires ANY of oauth:client:view, usage:organization:view" in report.text()
    assert connect(simulator=sim, environ={}, dotenv=None).preflight(USAGE).ok


def test_the_any_endpoint_panel_predicts_for_the_connected_caller_and_sends(sim):
    from diag.app.widgets.any_endpoint import AnyEndpointModel

    m = AnyEndpointModel(USAGE, '{"interval": "2026-01/2026-02"}',
                         session=connect(simulator=sim, token=sim.user_token("riley"), environ={}, dotenv=None))
    assert m.report.prediction.status == 403 and "Riley" in m.findings_html()
    m.send()
    assert m.last_exchange.status == 403 and m.last_exchange.error_code == "missing.any.permissions"
    m = AnyEndpointModel("GET /api/v2/users/{userId}", "", session=connect(simulator=sim, environ={}, dotenv=None))
    assert m.param_names == ["userId"] and "Genesys would answer" in m.findings_html()
    m.set_param("userId", "0a000000-0000-4000-8000-0000000000a1")
    m.send()
    assert m.last_exchange.status == 200


def _har(*entries) -> str:
    def entry(method, path, body, status, answer):
        return {"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 50,
                "request": {"method": method, "url": "https://api.mypurecloud.com" + path, "httpVersion": "HTTP/1.1",
                            "headers": [{"name": "Content-Type", "value": "application/json"}], "queryString": [],
                            "cookies": [], "headersSize": -1, "bodySize": -1,
                            "postData": {"mimeType": "application/json", "text": json.dumps(body)}},
                "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                             "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                             "content": {"size": -1, "mimeType": "application/json", "text": json.dumps(answer)},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 1, "wait": 48, "receive": 1}}
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                               "entries": [entry(*e) for e in entries]}})


def test_inspect_explains_each_answer_with_its_operations_codes():
    from diag.core.inspect import inspect

    bad = "The request could not be understood by the server due to malformed syntax."
    result = inspect(_har(
        ("POST", "/api/v2/usage/query", {"interval": "2020-01/2020-06"}, 202,
         {"executionId": "e-1", "resultsUri": "/api/v2/usage/query/e-1/results"}),
        ("POST", "/api/v2/users", {"name": "Pat", "email": "pat@example.com"}, 200, {"id": "u-1"}),
        ("POST", "/api/v2/analytics/conversations/aggregates/query", {"interval": "2026-01-01/2026-01-02",
                                                                      "metrics": "nOffered"}, 400,
         {"code": "bad.request", "status": 400, "message": bad})))
    usage, user, agg = result.diagnoses
    for d in (usage, user):   # a 2xx the model predicted: no disagreement to report
        assert not d.failed and not any("report it" in n for n in d.notes), d.notes
    assert "destination" not in agg.explanation and "participant" not in agg.explanation
    assert "among the codes Genesys' 2018 spec documents for POST /api/v2/analytics" in agg.explanation
    assert any(f["code"] == "invalid-type" for f in agg.findings)


def test_usage_takes_the_short_interval_the_blog_documents():
    from diag.client.usage import UsageQuery

    q = UsageQuery.build(interval="2026-01/2026-03")
    assert q.body()["interval"].startswith("2026-01-01") and "2026-03-01" in q.body()["interval"]


def test_the_call_composer_predicts_for_whoever_is_connected(sim):
    from diag.app.widgets.composer import ComposerModel

    body = '{"phoneNumber": "+13175550100"}'
    for who, (status, code) in {"sam": (400, "conversation.error.no.user.station"),
                                "riley": (403, "missing.any.permissions"), "avery": (200, None)}.items():
        m = ComposerModel(body, session=connect(simulator=sim, token=sim.user_token(who), environ={}, dotenv=None))
        assert (m.report.prediction.status, m.report.prediction.code) == (status, code), who
        m.send()
        assert (m.last_exchange.status, m.last_exchange.error_code) == (status, code), who


def test_a_log_of_the_in_process_simulator_is_read_back_as_the_simulators(tmp_path):
    from diag.client.connect import connect
    from diag.core.inspect import inspect
    from diag.sim import Simulator

    s = connect(simulator=Simulator(seed=5), environ={}, dotenv=None)
    s.call({"phoneNumber": "+13175550100"})
    s.call({"to": "+13175550100"})
    log = s.log.save(tmp_path / "sim.jsonl")
    found = inspect(log)
    assert [d.request.status for d in found.diagnoses] == [200, 400] and found.skipped == 0
    assert all(d.region == "simulator" for d in found.diagnoses)
