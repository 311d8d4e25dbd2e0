"""A review of the one model, each finding as the reviewer's probe: crashes on odd input, the simulator's own routes
against the doctor, evidence levels that claimed too much, headlines, corrected bodies that lost data."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from diag.client.connect import connect
from diag.core import model
from diag.core.doctor import check, check_for_operation, check_text
from diag.core.errors import explain
from diag.sim import Simulator

USAGE = "POST /api/v2/usage/query"


@pytest.fixture(scope="module")
def sim():
    return Simulator(seed=81, overrides={"rate_limit": {"requests": 10 ** 9, "window_seconds": 60}})


def session(sim, who="avery"):
    return connect(simulator=sim, token=sim.user_token(who), environ={}, dotenv=None)


# ---- crashes ----

@pytest.mark.parametrize("priority", ["²", "--5", "٥"])
def test_digits_that_are_no_whole_number_are_a_400_not_a_crash(sim, priority):
    body = {"phoneNumber": "+13175550100", "callQueueId": "q", "priority": priority}
    got = model.answer(model.Request("POST", "/api/v2/conversations/calls", body))
    assert (got.status, got.code) == (400, "bad.request")
    assert check(body).prediction.status == 400
    assert session(sim).send("POST", "/api/v2/conversations/calls", body).status == 400


def test_bodies_the_model_accepts_never_crash_the_simulator(sim):
    s = session(sim)
    for path, body in [("/api/v2/usage/query", {"interval": "2026-01/2026-03", "groupBy": ["userid"]}),
                       ("/api/v2/usage/query", {"interval": "2026-01/2026-03", "groupBy": [None]}),
                       ("/api/v2/analytics/conversations/aggregates/query",
                        {"interval": "2026-01-01/2026-01-02", "metrics": ["nOutbound"], "granularity": "P1M"}),
                       ("/api/v2/analytics/conversations/aggregates/query",
                        {"interval": "2025-01-01/2026-01-01", "metrics": ["nOutbound"], "granularity": "PT1M"})]:
        ex = s.send("POST", path, body)
        predicted = check_for_operation(f"POST {path}", body).prediction
        assert ex.status == predicted.status, (path, body, ex.response_body)


def test_deep_and_odd_bodies_are_answers_not_tracebacks(sim):
    deep = '{"phoneNumber":"+13175550100","attributes":' + '{"a":' * 990 + '1' + '}' * 990 + '}'
    assert check_text(deep).prediction.status == 400
    assert session(sim).send("POST", "/api/v2/usage/query", ("[" * 5000 + "]" * 5000).encode()).status == 400
    assert check_for_operation(USAGE, {1: "x", "interval": "2026-01/2026-02"}).prediction.ok


def test_a_lone_surrogate_is_printed_and_saved(tmp_path):
    f = tmp_path / "b.json"
    f.write_text('{"phoneNumber":"+13175550100","\\ud800x":1}')
    for args in (["validate", str(f)], ["validate", "--json", str(f)], ["send", "POST", "/api/v2/conversations/calls",
                                                                          str(f), "--json"]):
        p = subprocess.run([sys.executable, "-m", "diag", *args], capture_output=True, timeout=120,
                           env={**__import__("os").environ, "DIAG_HOME": str(tmp_path / "home")})
        assert b"Traceback" not in p.stderr, (args, p.stderr[-400:])


# ---- the simulator's own routes answer as the model does ----

@pytest.mark.parametrize("body", [{"interval": "2026-01/2026-03", "granularity": "day"},
                                  {"interval": "2026-01/2026-03", "granularity": "WEEK"}])
def test_enum_case_the_model_cannot_judge_is_not_refused_by_the_simulator(sim, body):
    report = check_for_operation(USAGE, body)
    assert report.prediction.evidence == "unknown" and report.headline == "Genesys' answer is not documented"
    assert session(sim).send("POST", "/api/v2/usage/query", body).status == report.prediction.status


def test_query_parameters_are_read_by_the_model(sim):
    got = model.answer(model.Request("GET", "/api/v2/users", query=(("pageNumber", "notanumber"),)))
    assert (got.status, got.code) == (400, "bad.request")
    assert session(sim).send("GET", "/api/v2/users?pageNumber=notanumber").status == 400
    required = model.answer(model.Request("POST", "/api/v2/learning/rules/query", {}))
    assert required.status == 400 and "required" in required.message
    client = sim.client().id
    assert session(sim).send("GET", f"/api/v2/oauth/clients/{client}/usage/summary?days=45").status == \
        model.answer(model.Request("GET", f"/api/v2/oauth/clients/{client}/usage/summary",
                                   query=(("days", "45"),))).status


def test_the_on_behalf_route_does_not_judge_the_callers_station():
    got = model.answer(model.Request("POST", "/api/v2/conversations/calls/user/u-2", {"phoneNumber": "+13175550100"}),
                       model.Caller("user", frozenset({"conversation:call:add"}), False, "a user without a station"))
    assert got.evidence == "unknown" and any("named in the path" in n for n in got.notes)
    text = explain("conversation.error.no.user.station", operation="POST /api/v2/conversations/calls/user/{userId}")
    assert "the user behind the token" not in text and "named in the path" in text


@pytest.mark.parametrize("path", ["/api/v2/conversations/calls/history",
                                  "/api/v2/conversations/calls/maximumconferenceparties",
                                  "/api/v2/outbound/contactlists/divisionviews"])
def test_the_simulator_routes_by_the_contracts_operation(sim, path):
    assert session(sim).send("GET", path).status == model.answer(model.Request("GET", path)).status == 200


def test_scalars_in_string_fields_are_read_as_their_text():
    assert model.answer(model.Request("POST", "/api/v2/usage/query", {"interval": 2020})).status == 400
    got = model.answer(model.Request("POST", "/api/v2/usage/query", {"interval": "2026-01/2026-03",
                                                                     "granularity": True}))
    assert (got.status, got.code) == (400, "invalid.value") and "Value [true]" in got.message


def test_a_damaged_paste_is_predicted_as_written(sim):
    text = '{"phoneNumber": "+13175550100",}'
    report = check_text(text)
    assert report.prediction.status == 400 and report.fixed is None or report.parsed.repairs
    assert session(sim).send("POST", "/api/v2/conversations/calls", text.encode()).status == report.prediction.status


# ---- evidence and headlines ----

def test_evidence_never_claims_more_than_the_sources():
    unknown_key = model.answer(model.Request("POST", "/api/v2/conversations/calls",
                                             {"phoneNumber": "+13175550100", "type": "external"}))
    assert unknown_key.ok and unknown_key.evidence == "modelled"
    no_facts = model.answer(model.Request("GET", "/api/v2/agentic/virtualagents"),
                            model.Caller("user", frozenset(), True, "riley"))
    assert no_facts.evidence == "unknown"
    assert model.answer(model.Request("POST", "/api/v2/usage/query", {"interval": "2026-01/2026-02"})).evidence \
        == "modelled"
    assert model.answer(model.Request("POST", "/api/v2/analytics/conversations/aggregates/jobs",
                                      {"interval": "2026-01-01T00:00:00Z/P7D"})).status == 202
    two = model.answer(model.Request("POST", "/api/v2/conversations/calls",
                                     {"phoneNumber": "+13175550100", "callUserId": "u"}))
    assert two.code == "too.many.create.conversation.parameters" and two.evidence == "modelled"


def test_headlines_say_how_sure_the_refusal_is():
    assert check({"to": "+13175550100"}).headline == "Genesys refuses this (modelled)"
    assert check_for_operation(USAGE, {"interval": "2026-01/2026-02", "granularity": "Days"}).headline == \
        "Genesys refuses this"
    assert check_for_operation(USAGE, {"interval": "2026-01-01T00:00:00Z/P7D"}).prediction.ok


def test_documented_constraints_and_real_dates():
    old = model.answer(model.Request("POST", "/api/v2/usage/aggregates/query/jobs",
                                     {"interval": "2020-01-01T00:00:00Z/2020-02-01T00:00:00Z"}))
    assert old.status == 400 and "a year ago" in old.message
    assert check_for_operation("POST /api/v2/analytics/conversations/details/query",
                               {"interval": "2026-13-45T99:99:99Z/2026-01-02"}).prediction.status == 400


def test_a_bodyless_operation_and_a_missing_body():
    assert check_for_operation("GET /api/v2/users/me", None).findings == []
    missing = check_for_operation(USAGE, None)
    assert missing.verdict == "refused" and [f.code for f in missing.findings] == ["body-missing"]


def test_a_filter_at_the_wrong_level_is_not_what_you_meant():
    body = {"interval": "2026-01-01/2026-01-02", "metrics": ["nOutbound"], "type": "and", "predicates": []}
    report = check_for_operation("POST /api/v2/analytics/conversations/aggregates/query", body)
    assert report.verdict == "not-what-you-meant" and report.fixed["filter"] == {"type": "and", "predicates": []}


# ---- corrected bodies keep what the server would read ----

@pytest.mark.parametrize("body,fixed", [
    ({"phone_number": "+13175550100", "phoneNumber": "+13175550199"}, {"phoneNumber": "+13175550199"}),
    ({"to": "+13175550100", "phoneNumber": "+13175550199"}, {"phoneNumber": "+13175550199"}),
    ({"phoneNumber": "+13175550199", "PhoneNumber": "+13175550100"}, {"phoneNumber": "+13175550199"}),
])
def test_the_field_the_server_reads_wins(body, fixed):
    report = check(body)
    assert report.fixed == fixed
    assert any("dropped" in n for n in report.notes), report.notes


def test_every_change_is_said():
    report = check({"callQueueId": "q", "routingSkillsIds": [1, None, {"a": 1}]})
    assert report.fixed["routingSkillsIds"] == ["1"]
    assert sum("routingSkillsIds[" in n for n in report.notes) == 3
    moved = check_for_operation("POST /api/v2/analytics/conversations/aggregates/query",
                                {"interval": "2026-01-01/2026-01-02", "metrics": ["nOutbound"],
                                 "filter": {"type": "and", "predicates": [{"dimension": "queueId"}]},
                                 "predicates": [{"dimension": "mediaType"}]})
    assert moved.fixed["filter"]["predicates"] == [{"dimension": "queueId"}]
    assert any("already has" in n for n in moved.notes)
    status = check_for_operation(USAGE, {"interval": "2026-01/2026-02", "metrics": ["Status404"]})
    assert status.fixed is None or status.fixed.get("metrics") != ["Status400"]


def test_odd_inputs_stay_fast():
    import time

    body = {"interval": "2026-01/2026-02", **{f"k{i}" * 3: i for i in range(200)}, "x" * 50_000: 1}
    t = time.perf_counter()
    model.answer(model.Request("POST", "/api/v2/usage/query", body))
    assert json.dumps(body) and time.perf_counter() - t < 2   # a guard against a cliff, not a benchmark
