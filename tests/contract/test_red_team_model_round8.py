"""Round 8 of attacking the one model (a review of the doctor against the simulator, the gate and the reference
files): each case was a disagreement, a crash or a headline surer than its line before its mend."""
import json

import pytest
import requests

from diag.client.connect import connect
from diag.core.doctor import check, check_for_operation, check_text
from diag.core.errors import SafetyError
from diag.sim import Simulator


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=8, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}) as s:
        yield s


@pytest.fixture(scope="module")
def session(sim):
    return connect(simulator=sim, environ={}, dotenv=None, save=False)


def sent(session, operation: str, body):
    method, _, path = operation.partition(" ")
    try:
        ex = session.send(method, path, None if body is None else json.dumps(body).encode())
    except SafetyError as exc:
        return type(exc).__name__
    return ex.status, ex.error_code


@pytest.mark.parametrize("operation, body", [
    ("POST /api/v2/usage/query", {"interval": "2026-01-01/P99999999999D"}),
    ("POST /api/v2/usage/query", {"interval": "P1D/0001-01-01"}),
    ("POST /api/v2/usage/query", {"interval": "9999-12-31/P1D"}),
    ("POST /api/v2/analytics/conversations/aggregates/query", {"interval": "2026-01/2026-02",
                                                               "granularity": "P99999999999D"}),
])
def test_an_interval_or_period_past_any_date_is_a_400_not_a_crash(sim, session, operation, body):
    report = check_for_operation(operation, body)
    assert report.verdict == "refused" and (report.prediction.status, report.prediction.code) == (400, "bad.request")
    assert {"invalid-interval", "invalid-period"} & set(report.codes())
    assert sent(session, operation, body) == (400, "bad.request")
    # over the wire too: an answer, not a dropped connection
    answer = requests.post(sim.base_url + operation.split(" ")[1], json=body, timeout=10,
                           headers={"Authorization": "Bearer " + sim.user_token()})
    assert answer.status_code == 400 and answer.json()["code"] == "bad.request"


@pytest.mark.parametrize("operation, body", [
    ("GET /api/v2/users?pageSize=abc", None),
    ("GET /api/v2/users?pageSize=5&pageSize=abc", None),     # the first value is the one read
    ("GET /api/v2/users?pageSize=abc&pageSize=5", None),
    ("GET /api/v2/users?pageSize=", None),                    # a blank value reads as not given
    ("PUT /api/v2/quality/surveys/scorable?customerSurveyUrl=x", {"name": "x"}),
    ("PUT /api/v2/quality/surveys/scorable", {"name": "x"}),   # its required query parameter missing
])
def test_the_doctor_reads_the_query_as_the_simulator_does(session, operation, body):
    report = check_for_operation(operation, body)
    assert sent(session, operation, body) == (report.prediction.status, report.prediction.code), operation


def test_the_command_line_predicts_what_it_then_sends(tmp_path, sim, capsys):
    from diag.app import cli

    body = tmp_path / "b.json"
    body.write_text('{"name": "x"}')
    rc = cli.main(["send", "PUT", "/api/v2/quality/surveys/scorable?customerSurveyUrl=x", str(body), "--sim",
                   sim.base_url, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["status"] == out["prediction"]["status"] == 200   # it said 400 "is required" before


def _deep(levels: int) -> dict:
    node: dict = {"x": 1}
    for _ in range(levels):
        node = {"a": node}
    return node


@pytest.mark.parametrize("operation, body", [
    ("POST /api/v2/conversations/faxes", {"x": _deep(70)}),
    ("POST /api/v2/conversations/calls", {"phoneNumber": "+13175550100", "attributes": _deep(70)}),
])
def test_a_body_too_deep_for_the_gate_is_one_the_doctor_says_diag_never_sends(session, operation, body):
    report = check_for_operation(operation, body)
    assert report.blocked and report.verdict == "refused" and report.refused_by == "diag"
    assert "too-deep-to-check" in report.codes()
    assert sent(session, operation, body) == "UnreadableBody"


def test_a_body_too_deep_for_an_operation_that_dials_nothing_is_no_refusal_of_diags(session):
    body = {"interval": "2026-01/2026-02", "x": _deep(70)}
    report = check_for_operation("POST /api/v2/usage/query", body)
    assert not report.blocked and "too-deep-to-check" not in report.codes()
    assert sent(session, "POST /api/v2/usage/query", body) == (report.prediction.status, report.prediction.code)


def test_an_events_query_without_an_interval_is_answered_as_the_model_says(session):
    report = check_for_operation("POST /api/v2/usage/events/query", {})
    assert sent(session, "POST /api/v2/usage/events/query", {}) == (report.prediction.status, report.prediction.code)
    assert report.prediction.status == 200


@pytest.mark.parametrize("body", [{"phoneNumber": " "}, {"conversationIds": [None]}, {"callUserId": " "},
                                  {"conversationIds": [""]}])
def test_a_blank_destination_is_never_sendable(session, body):
    report = check(body)
    assert report.verdict == "not-what-you-meant" and "blank-destination" in report.codes()
    assert report.prediction.evidence == "unknown"   # nothing documents Genesys' answer to it
    assert sent(session, "POST /api/v2/conversations/calls", body) == (report.prediction.status,
                                                                        report.prediction.code)


def test_a_refusal_is_as_sure_as_the_reading_it_rests_on():
    for granularity in (1, True):   # read as text first (modelled), then refused by the documented enum
        report = check_for_operation("POST /api/v2/usage/query", {"interval": "2026-01/2026-02",
                                                                  "granularity": granularity})
        assert report.verdict == "refused" and report.prediction.evidence == "modelled"
        assert report.headline == "Genesys refuses this (modelled)"
    report = check({"phoneNumber": "+13175550100", "callUserId": "x"})
    hit = next(f for f in report.findings if f.code == "too-many-destinations")
    assert hit.evidence == report.prediction.evidence == "modelled"


@pytest.mark.parametrize("text, where", [('{"phoneNumber": NaN}', (1, 17)),
                                         ('{"note": "NaN here",\n "phoneNumber": -Infinity}', (2, 17)),
                                         ('{"phoneNumber": Infinity, "x": true}', (1, 17))])
def test_nan_and_infinity_are_not_json(session, text, where):
    report = check_text(text)
    assert report.verdict == "refused" and report.codes()[0] == "invalid-json" and report.fixed is None
    assert report.prediction.status == 400 and "no JSON number" in report.findings[0].message
    assert f"line {where[0]}, column {where[1]}" in report.findings[0].message
    ex = session.send("POST", "/api/v2/conversations/calls", text.encode())
    assert (ex.status, ex.error_code) == (400, "bad.request")   # the simulator refuses it too; no call to "nan"


def test_a_call_placed_for_a_user_without_a_station_is_refused_as_the_model_says(sim, session):
    sam = sim.user_id("sam")   # a user without a station
    ex = session.send("POST", f"/api/v2/conversations/calls/user/{sam}", b'{"phoneNumber": "+13175550100"}')
    assert (ex.status, ex.error_code) == (400, "conversation.error.no.user.station")
    avery = sim.user_id("avery")
    ex = session.send("POST", f"/api/v2/conversations/calls/user/{avery}", b'{"phoneNumber": "+13175550100"}')
    assert ex.status == 200
    # the doctor does not know that user's station: it says so, and does not guess
    report = check_for_operation(f"POST /api/v2/conversations/calls/user/{sam}", {"phoneNumber": "+13175550100"})
    assert report.prediction.evidence == "unknown" and "station" in " ".join(report.prediction.notes)


def test_the_simulators_404s_and_415s_say_what_genesys_documents(sim, session):
    from diag.core.model import facts

    ex = session.send("GET", "/api/v2/conversations/calls/00000000-0000-4000-8000-000000000000")
    assert (ex.status, ex.error_code) == (404, "not.found")
    assert ex.response_body["message"] == facts.message("not.found")
    answer = requests.post(sim.base_url + "/api/v2/conversations/calls", data="{}", timeout=10,
                           headers={"Authorization": "Bearer " + sim.user_token(), "Content-Type": "text/plain"})
    assert answer.status_code == 415 and answer.json()["message"] == facts.message("unsupported.media.type")


@pytest.mark.parametrize("operation, path, code", [
    ("GET /api/v2/documentation/search", "query q64", "missing-query"),
    ("GET /api/v2/users?pageSize=x", "query pageSize", "query-type"),
    ("PUT /api/v2/quality/surveys/scorable", "query customerSurveyUrl", "missing-query"),
])
def test_a_refusal_for_the_query_has_the_line_that_says_why(operation, path, code):
    body = {"name": "x"} if operation.startswith("PUT") else None
    report = check_for_operation(operation, body)
    assert report.verdict == "refused" and report.prediction.status == 400
    hit = [f for f in report.errors if f.path == path]
    assert hit and hit[0].code == code and hit[0].evidence == report.prediction.evidence == "modelled"
    assert not [f for f in check_for_operation(operation.split("?")[0] + "?q64=a&pageSize=5&customerSurveyUrl=u",
                                               body).findings if f.path.startswith("query ")]


def test_nan_is_refused_as_modelled_and_broken_json_as_documented():
    nan = check_text('{"phoneNumber": NaN}')
    assert nan.headline == "Genesys refuses this (modelled)" and nan.findings[0].evidence == "modelled"
    broken = check_text('{"phoneNumber": "+13175550100"')
    assert broken.headline == "Genesys refuses this" and broken.findings[0].evidence == "documented"


@pytest.mark.parametrize("body, too_long", [
    ({1: "x", "phoneNumber": "+13175550100"}, False), ({None: 1, "phoneNumber": "+13175550100"}, False),
    ({"phoneNumber": "+13175550100", "attributes": {7: "911"}}, False), ({"phoneNumber": 10**5000}, True),
    ({"callerIdName": 10**5000, "phoneNumber": "+13175550100"}, True), ({"participants": [{"address": 10**5000}]}, True)])
def test_bodies_only_python_can_make_get_a_report_not_a_traceback(body, too_long):
    report = check(body)   # keys are read as JSON writes them; a number no text holds cannot be sent
    assert report.verdict and report.headline and report.answer_words
    assert ("unreadable-number" in report.codes() and report.verdict == "refused") == too_long
    other = check_for_operation("POST /api/v2/usage/query", {"interval": "2026-01/2026-02", 1: "x",
                                                             "granularity": 10**5000})
    assert "unreadable-number" in other.codes() and other.verdict == "refused"


# ---- the review of round 8 ----

def test_the_evidence_reader_judges_a_body_with_its_query():
    from diag.core.inspect import inspect

    url = "https://api.mypurecloud.com/api/v2/learning/rules/query?pageSize=10&pageNumber=1"
    entry = {"startedDateTime": "2026-01-05T10:00:00.000Z", "time": 10,
             "request": {"method": "POST", "url": url, "headers": [], "queryString": [],
                         "postData": {"mimeType": "application/json", "text": "{}"}},
             "response": {"status": 0, "headers": [], "content": {"mimeType": "application/json", "text": ""}}}
    d = inspect(json.dumps({"log": {"version": "1.2", "entries": [entry]}})).diagnoses[0]
    direct = check_text("{}", operation="POST /api/v2/learning/rules/query?pageSize=10&pageNumber=1")
    assert d.verdict == direct.verdict == "sendable" and not d.failed


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), float("-inf"), 10**4300, -(10**4300)],
                         ids=["nan", "inf", "-inf", "4301 digits", "-4301 digits"])
def test_a_number_no_json_text_holds_is_refused_by_the_doctor_and_the_simulator(session, odd):
    body = {"phoneNumber": "+13175550100", "x": odd}
    report = check(body)
    assert "unreadable-number" in report.codes() and report.verdict == "refused"
    if isinstance(odd, float):   # Python writes these as NaN and Infinity, which the simulator refuses as Jackson does
        ex = session.call(body)
        assert (ex.status, ex.error_code) == (report.prediction.status, report.prediction.code) == (400, "bad.request")
    assert "unreadable-number" not in check({"phoneNumber": "+13175550100", "x": 10**4300 - 1}).codes()


def test_a_call_for_a_user_without_a_station_is_refused_whoever_asks(sim):
    sam = sim.user_id("sam")
    client = connect(simulator=sim, token=sim.state.mint("client", sim.client().id, None).value, environ={},
                     dotenv=None, save=False)
    ex = client.send("POST", f"/api/v2/conversations/calls/user/{sam}", b'{"phoneNumber": "+13175550100"}')
    assert (ex.status, ex.error_code) == (400, "conversation.error.no.user.station")


def test_a_repeated_list_parameter_keeps_every_value(sim, session):
    me = session.send("GET", "/api/v2/users/me?expand=presence&expand=authorization")
    assert me.status == 200 and "authorization" in me.response_body


@pytest.mark.parametrize("query", ["days=" + "9" * 5000, "pageSize=" + "9" * 5000, "after=" + "9" * 5000])
def test_a_query_value_of_thousands_of_digits_is_an_answer_not_a_crash(sim, query):
    token = {"Authorization": "Bearer " + sim.user_token()}
    client_id = sim.client().id
    url = (f"/api/v2/oauth/clients/{client_id}/usage/summary?{query}" if query.startswith("days")
           else f"/api/v2/usage/aggregates/query/jobs/x/results?{query}")
    answer = requests.get(sim.base_url + url, headers=token, timeout=10)
    assert answer.status_code in (200, 202, 400, 404)


@pytest.mark.parametrize("text, evidence", [
    ('{"phoneNumber": "+13175550100", "x": NaN,}', "documented"),     # broken besides: said as the break
    ('\ufeff{"phoneNumber": "+13175550100", "x": NaN}', "modelled"),  # a BOM changes nothing
    ('{"phoneNumber": "+13175550100", "x": 1' + "0" * 5000 + "}", "modelled"),   # Python's limit, not JSON's
])
def test_invalid_json_is_as_sure_in_its_finding_as_in_its_answer(text, evidence):
    report = check_text(text)
    assert report.findings[0].code == "invalid-json"
    assert report.findings[0].evidence == report.prediction.evidence == evidence


def test_a_refusal_for_the_query_of_a_text_that_is_not_json_still_says_why():
    report = check_text("{bad", operation="POST /api/v2/learning/rules/query")
    assert {"invalid-json", "missing-query"} <= set(report.codes())


def test_what_a_send_records_says_diag_never_sends_a_body_too_deep_to_check():
    from diag.core.doctor import findings_of

    body = {"phoneNumber": "+13175550100", "attributes": _deep(70)}
    assert [f.code for f in findings_of(body)] == ["body-too-deep", "too-deep-to-check"]


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
def test_nan_or_infinity_as_a_caller_id_is_no_name_and_no_number(odd):
    report = check({"phoneNumber": "+13175550100", "callerId": odd})
    assert "unreadable-number" in report.codes() and "caller-id-is-a-name" not in report.codes()


@pytest.mark.parametrize("value, refused", [("9223372036854775807", False), ("9223372036854775808", True),
                                            ("-9223372036854775808", False), ("9" * 40, True)])
def test_an_integer_parameter_past_a_64_bit_long_is_refused(session, value, refused):
    report = check_for_operation(f"GET /api/v2/users?pageSize={value}", None)
    assert (report.prediction.status == 400) == refused
    assert sent(session, f"GET /api/v2/users?pageSize={value}", None) == (report.prediction.status,
                                                                           report.prediction.code)
